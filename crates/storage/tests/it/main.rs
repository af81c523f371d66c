//! Storage conformance: the same stories on SQLite and (when `TEST_DATABASE_URL` is set)
//! PostgreSQL. Every column type and every divergent statement is exercised here.

// Tests fail loudly: unwrap/expect/panic are the point here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{Duration, SubsecRound, Utc};
use onewindow_domain::audit::{Actor, AuditAction, ChainVerifier, NewAuditEvent};
use onewindow_storage::org::DepartmentFields;
use onewindow_storage::sessions::SessionRow;
use onewindow_storage::{
    Backend, Db, DbOptions, StoreError, audit, calendar, now, org, sessions, tokens, users,
};

mod support;
use support::each_backend;

#[test]
fn migration_folders_are_in_lockstep() {
    let s = Db::migration_names(Backend::Sqlite);
    let p = Db::migration_names(Backend::Postgres);
    assert!(!s.is_empty());
    assert_eq!(
        s, p,
        "migrations/sqlite and migrations/postgres must list the same names"
    );
}

#[tokio::test]
async fn unsupported_url_is_refused_clearly() {
    let e = Db::connect(&DbOptions::new("mysql://x")).await.unwrap_err();
    assert!(matches!(e, StoreError::Config(_)));
    assert!(e.to_string().contains("unsupported database URL"), "{e}");
}

#[tokio::test]
async fn unreachable_postgres_is_one_clear_error() {
    let mut o = DbOptions::new("postgres://nobody:secret@127.0.0.1:1/none");
    o.connect_timeout = std::time::Duration::from_secs(2);
    let e = Db::connect(&o).await.unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("cannot connect to PostgreSQL"), "{msg}");
    assert!(!msg.contains("secret"), "password leaked: {msg}");
}

#[tokio::test]
async fn regions_departments_windows() {
    each_backend(|db| async move {
        let mut c = db.conn().await.unwrap();
        let city = org::insert_region(c.h(), "350500", "泉州市", "city", None)
            .await
            .unwrap();
        assert_eq!(city.version, 1);
        org::insert_region(c.h(), "350582", "晋江市", "county", Some("350500"))
            .await
            .unwrap();
        let dup = org::insert_region(c.h(), "350500", "重复", "city", None).await;
        assert!(matches!(dup, Err(StoreError::Duplicate(_))), "{dup:?}");
        let renamed = org::update_region(c.h(), "350582", "晋江市（县级市）", 1)
            .await
            .unwrap();
        assert_eq!(renamed.version, 2);
        let stale = org::update_region(c.h(), "350582", "X", 1).await;
        assert!(matches!(stale, Err(StoreError::Conflict(_))));
        assert_eq!(
            org::get_region(c.h(), "350582").await.unwrap().name,
            "晋江市（县级市）"
        );
        let listed: Vec<String> = org::list_regions(c.h())
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.code)
            .collect();
        assert_eq!(listed, vec!["350500", "350582"]);

        let f = DepartmentFields {
            name: "泉州市市场监督管理局".into(),
            short_name: "市场监管".into(),
            credit_code: Some("11350500003010053X".into()),
            region_code: "350500".into(),
            active: true,
        };
        let d = org::insert_department(c.h(), &f).await.unwrap();
        assert!(d.id > 0);
        assert!(d.active);
        let dup = org::insert_department(
            c.h(),
            &DepartmentFields {
                name: "另一个".into(),
                ..f.clone()
            },
        )
        .await;
        assert!(
            matches!(dup, Err(StoreError::Duplicate(_))),
            "credit code must be unique: {dup:?}"
        );
        let mut f2 = f.clone();
        f2.active = false;
        let d2 = org::update_department(c.h(), d.id, &f2, d.version)
            .await
            .unwrap();
        assert!(!d2.active);
        assert!(matches!(
            org::update_department(c.h(), d.id, &f, d.version).await,
            Err(StoreError::Conflict(_))
        ));
        assert_eq!(
            org::list_departments(c.h(), Some("350582"))
                .await
                .unwrap()
                .len(),
            0
        );
        assert_eq!(
            org::list_departments(c.h(), Some("350500"))
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            org::find_department_by_name(c.h(), "市场监管")
                .await
                .unwrap()
                .unwrap()
                .id,
            d.id
        );
        assert!(matches!(
            org::get_department(c.h(), 9999).await,
            Err(StoreError::NotFound)
        ));

        let w = org::insert_window(
            c.h(),
            &org::WindowFields {
                number: "A01".into(),
                name: "企业开办".into(),
                hall: "市场准入".into(),
                region_code: "350500".into(),
                department_id: None,
                active: true,
            },
        )
        .await
        .unwrap();
        assert_eq!(w.department_id, None);
        let w2 = org::update_window(
            c.h(),
            w.id,
            &org::WindowFields {
                number: "A01".into(),
                name: "企业开办".into(),
                hall: "市场准入".into(),
                region_code: "350500".into(),
                department_id: Some(d.id),
                active: true,
            },
            1,
        )
        .await
        .unwrap();
        assert_eq!(w2.department_id, Some(d.id));
    })
    .await;
}

#[tokio::test]
async fn users_grants_lockout_sessions_tokens() {
    each_backend(|db| async move {
        let mut c = db.conn().await.unwrap();
        let u = users::insert_user(c.h(), "li.hua", "李华", "$argon2id$x", None)
            .await
            .unwrap();
        assert!(matches!(
            users::insert_user(c.h(), "li.hua", "X", "h", None).await,
            Err(StoreError::Duplicate(_))
        ));
        let g = users::insert_grant(c.h(), u.id, "analyst", "global", None, None)
            .await
            .unwrap();
        assert_eq!(users::list_grants(c.h(), u.id).await.unwrap().len(), 1);
        assert!(matches!(
            users::delete_grant(c.h(), u.id + 1, g.id).await,
            Err(StoreError::NotFound)
        ));
        users::delete_grant(c.h(), u.id, g.id).await.unwrap();
        assert!(users::list_grants(c.h(), u.id).await.unwrap().is_empty());

        let until = now() + Duration::minutes(15);
        assert_eq!(
            users::record_login_failure(c.h(), u.id, None)
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            users::record_login_failure(c.h(), u.id, Some(until))
                .await
                .unwrap(),
            2
        );
        let locked = users::get_user(c.h(), u.id).await.unwrap();
        assert_eq!(
            locked.locked_until,
            Some(until),
            "timestamps round-trip exactly"
        );
        users::set_password_hash(c.h(), u.id, "$argon2id$y")
            .await
            .unwrap();
        let cleared = users::get_user(c.h(), u.id).await.unwrap();
        assert_eq!((cleared.failed_logins, cleared.locked_until), (0, None));
        let v = cleared.version;
        users::update_user(c.h(), u.id, "李华华", None, true, v)
            .await
            .unwrap();
        assert!(matches!(
            users::update_user(c.h(), u.id, "旧", None, true, v).await,
            Err(StoreError::Conflict(_))
        ));

        let t = now();
        let s = SessionRow {
            id: "h1".into(),
            user_id: u.id,
            csrf_token: "c".into(),
            created_at: t,
            expires_at: t + Duration::hours(8),
            last_seen_at: t,
            source: Some("127.0.0.1".into()),
            user_agent: None,
        };
        sessions::insert_session(c.h(), &s).await.unwrap();
        assert_eq!(
            sessions::get_live_session(c.h(), "h1", t).await.unwrap(),
            Some(s.clone())
        );
        assert_eq!(
            sessions::get_live_session(c.h(), "h1", t + Duration::hours(9))
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            sessions::delete_user_sessions(c.h(), u.id).await.unwrap(),
            1
        );
        assert_eq!(sessions::delete_session(c.h(), "h1").await.unwrap(), None);

        let tok = tokens::insert_token(c.h(), u.id, "kiosk", "th", t, Some(t + Duration::days(1)))
            .await
            .unwrap();
        assert_eq!(
            tokens::find_usable(c.h(), "th", t)
                .await
                .unwrap()
                .map(|x| x.id),
            Some(tok.id)
        );
        assert!(
            tokens::find_usable(c.h(), "th", t + Duration::days(2))
                .await
                .unwrap()
                .is_none()
        );
        tokens::revoke(c.h(), tok.id, t).await.unwrap();
        assert!(tokens::find_usable(c.h(), "th", t).await.unwrap().is_none());
        assert!(matches!(
            tokens::revoke(c.h(), tok.id, t).await,
            Err(StoreError::NotFound)
        ));
    })
    .await;
}

fn ev(i: usize) -> NewAuditEvent {
    NewAuditEvent {
        actor: Actor::user(1, "admin"),
        action: AuditAction::UserUpdated,
        object_type: "user",
        object_id: i.to_string(),
        department_id: Some((i % 3) as i64),
        request_id: Some(format!("r{i}")),
        source: None,
        summary: serde_json::json!({"before": {"n": i}, "after": {"n": i + 1, "名称": "测试"}}),
    }
}

async fn verify(db: &Db) -> Result<u64, onewindow_domain::audit::ChainBreak> {
    let mut c = db.conn().await.unwrap();
    let mut v = ChainVerifier::new();
    for (r, h) in audit::batch_after(c.h(), 0, 10_000).await.unwrap() {
        v.push(&r, &h)?;
    }
    let (s, h) = audit::head(c.h()).await.unwrap();
    v.finish(Some((s, &h)))
}

#[tokio::test]
async fn audit_chain_appends_concurrently_without_gaps() {
    each_backend(|db| async move {
        let mut tasks = Vec::new();
        for w in 0..6 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..8 {
                    let mut tx = db.begin().await.unwrap();
                    audit::append(tx.h(), &ev(w * 100 + i)).await.unwrap();
                    tx.commit().await.unwrap();
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(verify(&db).await, Ok(48));
        let mut c = db.conn().await.unwrap();
        let all = audit::batch_after(c.h(), 0, 1000).await.unwrap();
        let seqs: Vec<i64> = all.iter().map(|(r, _)| r.seq).collect();
        assert_eq!(seqs, (1..=48).collect::<Vec<_>>());
        // Stored time equals the hashed time exactly.
        assert_eq!(all[0].0.at, all[0].0.at.trunc_subsecs(6));
    })
    .await;
}

#[tokio::test]
async fn audit_rolls_back_with_its_transaction() {
    each_backend(|db| async move {
        {
            let mut tx = db.begin().await.unwrap();
            audit::append(tx.h(), &ev(1)).await.unwrap();
            tx.commit().await.unwrap();
        }
        {
            let mut tx = db.begin().await.unwrap();
            audit::append(tx.h(), &ev(2)).await.unwrap();
            drop(tx); // rolled back: no event, head unchanged
        }
        let mut c = db.conn().await.unwrap();
        assert_eq!(audit::head(c.h()).await.unwrap().0, 1);
        drop(c);
        assert_eq!(verify(&db).await, Ok(1));
    })
    .await;
}

#[tokio::test]
async fn audit_filters() {
    each_backend(|db| async move {
        let mut tx = db.begin().await.unwrap();
        for i in 0..9 {
            audit::append(tx.h(), &ev(i)).await.unwrap();
        }
        let mut login = ev(99);
        login.action = AuditAction::LoginFailed;
        login.actor = Actor::anonymous();
        audit::append(tx.h(), &login).await.unwrap();
        tx.commit().await.unwrap();
        let mut c = db.conn().await.unwrap();
        let f = |f: audit::AuditFilter| f;
        let all = audit::list(c.h(), &f(Default::default()), 100)
            .await
            .unwrap();
        assert_eq!(all.len(), 10);
        assert!(all[0].0.seq > all[1].0.seq, "newest first");
        let auth = audit::list(
            c.h(),
            &audit::AuditFilter {
                action: Some("auth.".into()),
                ..Default::default()
            },
            100,
        )
        .await
        .unwrap();
        assert_eq!(auth.len(), 1);
        let dept = audit::list(
            c.h(),
            &audit::AuditFilter {
                departments: Some(vec![1, 2]),
                ..Default::default()
            },
            100,
        )
        .await
        .unwrap();
        assert_eq!(dept.len(), 6);
        assert!(
            dept.iter()
                .all(|(r, _)| matches!(r.department_id, Some(1 | 2)))
        );
        let none = audit::list(
            c.h(),
            &audit::AuditFilter {
                departments: Some(vec![]),
                ..Default::default()
            },
            100,
        )
        .await
        .unwrap();
        assert!(none.is_empty());
        let page = audit::list(
            c.h(),
            &audit::AuditFilter {
                before: Some(5),
                ..Default::default()
            },
            2,
        )
        .await
        .unwrap();
        assert_eq!(
            page.iter().map(|(r, _)| r.seq).collect::<Vec<_>>(),
            vec![4, 3]
        );
        let t = Utc::now() + Duration::hours(1);
        let later = audit::list(
            c.h(),
            &audit::AuditFilter {
                from: Some(t),
                ..Default::default()
            },
            100,
        )
        .await
        .unwrap();
        assert!(later.is_empty());
        let obj = audit::list(
            c.h(),
            &audit::AuditFilter {
                object_type: Some("user".into()),
                object_id: Some("3".into()),
                ..Default::default()
            },
            100,
        )
        .await
        .unwrap();
        assert_eq!(obj.len(), 1);
    })
    .await;
}

#[tokio::test]
async fn calendar_years_are_guarded() {
    each_backend(|db| async move {
        let mut c = db.conn().await.unwrap();
        let r = calendar::put_year(c.h(), 2027, "{\"year\":2027,\"days\":[]}", None)
            .await
            .unwrap();
        assert_eq!(r.version, 1);
        assert!(matches!(
            calendar::put_year(c.h(), 2027, "{}", None).await,
            Err(StoreError::Conflict(_))
        ));
        let r2 = calendar::put_year(c.h(), 2027, "{\"year\":2027,\"days\":[1]}", Some(1))
            .await
            .unwrap();
        assert_eq!(r2.version, 2);
        assert!(matches!(
            calendar::put_year(c.h(), 2027, "{}", Some(1)).await,
            Err(StoreError::Conflict(_))
        ));
        assert_eq!(calendar::list_years(c.h()).await.unwrap().len(), 1);
    })
    .await;
}

fn guide(task_serial: &str) -> onewindow_domain::catalog::ServiceGuide {
    let mut g: onewindow_domain::catalog::ServiceGuide = serde_json::from_value(serde_json::json!({
        "name": "企业设立登记", "catalog_code": format!("000109{task_serial}"),
        "task_code": format!("1135050000301005241000109{task_serial}"), "item_type": "01",
        "legal_basis": "《市场主体登记管理条例》", "level": "city", "region_code": "350500",
        "department": "泉州市市场监督管理局", "service_objects": ["legal_person"], "case_kind": "promised",
        "statutory_days": 15, "promised_days": 1, "conditions": "材料齐全", "steps": [{"name": "受理", "description": "收件"}],
        "channels": ["window"], "address": "A01", "hours": "工作日", "consult_contact": "1", "complaint_contact": "2",
        "visits_required": 1, "online_depth": 3, "express_delivery": true, "online_payment": false, "appointment": false,
        "result_type": "证照", "result_name": "营业执照",
        "materials": [{"name": "申请书", "required": true, "form": "original", "copies": 1, "medium": "paper",
                       "source": {"kind": "applicant"}, "acceptance_standard": "签字"}],
        "discretion": "encouraged", "authority": "window_officer", "hall": "market_access",
        "life_events": ["开办企业", "开办企业"], "review_standards": {"technical": ["甲", "乙"], "expert": [], "inspection": ["丙"]}
    }))
    .unwrap();
    g.keywords = vec!["营业执照".into()];
    g
}

#[tokio::test]
async fn catalog_lifecycle_and_public_reads() {
    use onewindow_domain::catalog::VersionStatus as S;
    use onewindow_storage::catalog::{self as cat, ListFilter, TransitionBy};
    each_backend(|db| async move {
        let mut tx = db.begin().await.unwrap();
        org::insert_region(tx.h(), "350500", "泉州市", "city", None)
            .await
            .unwrap();
        let item = cat::insert_item(tx.h(), "1135050000301005241000109001001")
            .await
            .unwrap();
        let g = guide("001001");
        let v1 = cat::insert_version(tx.h(), item.id, S::Draft, &g, None, Some(7))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        // (On PostgreSQL a failed statement aborts its transaction, so this runs on its own.)
        let mut c = db.conn().await.unwrap();
        assert!(matches!(
            cat::insert_item(c.h(), "1135050000301005241000109001001").await,
            Err(StoreError::Duplicate(_))
        ));
        drop(c);
        assert_eq!(v1.summary.version, 1);
        assert_eq!(v1.guide().unwrap(), g, "the document round-trips exactly");
        let mut c = db.conn().await.unwrap();
        // Drafts are invisible to every public read.
        assert_eq!(cat::public_get(c.h(), item.id).await.unwrap(), None);
        assert_eq!(
            cat::list(c.h(), &ListFilter::default(), true, 0, 10)
                .await
                .unwrap()
                .1,
            0
        );
        assert_eq!(
            cat::list(c.h(), &ListFilter::default(), false, 0, 10)
                .await
                .unwrap()
                .1,
            1,
            "staff see it"
        );
        // Draft edits are guarded by the edit version.
        let mut g2 = g.clone();
        g2.promised_days = 0;
        let saved = cat::update_draft(c.h(), v1.summary.id, &g2, None, 1)
            .await
            .unwrap();
        assert_eq!(saved.summary.edit_version, 2);
        assert!(matches!(
            cat::update_draft(c.h(), v1.summary.id, &g, None, 1).await,
            Err(StoreError::Conflict(_))
        ));
        // Transitions are guarded by the expected status: a racing second approve conflicts.
        let by = TransitionBy {
            user_id: Some(7),
            note: None,
        };
        cat::transition(c.h(), v1.summary.id, S::Draft, S::Submitted, &by)
            .await
            .unwrap();
        let rev = TransitionBy {
            user_id: Some(8),
            note: Some("可".into()),
        };
        let r = cat::transition(c.h(), v1.summary.id, S::Submitted, S::Reviewed, &rev)
            .await
            .unwrap();
        assert_eq!(
            (r.submitted_by, r.reviewed_by, r.review_comment.as_deref()),
            (Some(7), Some(8), Some("可"))
        );
        assert!(matches!(
            cat::transition(c.h(), v1.summary.id, S::Submitted, S::Reviewed, &rev).await,
            Err(StoreError::Conflict(_))
        ));
        assert!(
            matches!(
                cat::update_draft(c.h(), v1.summary.id, &g, None, 2).await,
                Err(StoreError::Conflict(_))
            ),
            "not a draft any more"
        );
        cat::transition(c.h(), v1.summary.id, S::Reviewed, S::Published, &by)
            .await
            .unwrap();
        cat::set_current(c.h(), item.id, Some(1)).await.unwrap();
        let seq = cat::insert_change(c.h(), item.id, 1, "published")
            .await
            .unwrap();
        // Now public, filterable by hall, level, event; events are de-duplicated.
        let pubv = cat::public_get(c.h(), item.id).await.unwrap().unwrap();
        assert_eq!(pubv.guide().unwrap().promised_days, 0);
        let f = ListFilter {
            hall: Some("market_access".into()),
            event: Some("开办企业".into()),
            level: Some("city".into()),
            ..Default::default()
        };
        assert_eq!(cat::list(c.h(), &f, true, 0, 10).await.unwrap().1, 1);
        let f = ListFilter {
            event: Some("出入境".into()),
            ..Default::default()
        };
        assert_eq!(cat::list(c.h(), &f, true, 0, 10).await.unwrap().1, 0);
        assert_eq!(
            cat::public_events(c.h()).await.unwrap(),
            vec![("开办企业".to_string(), 1)]
        );
        let stats = cat::public_class_stats(c.h()).await.unwrap();
        assert_eq!(
            (stats[0].items, stats[0].technical, stats[0].inspection),
            (1, 2, 1)
        );
        let ch = cat::changes_since(c.h(), 0, 10).await.unwrap();
        assert_eq!(ch.iter().map(|x| x.seq).collect::<Vec<_>>(), vec![seq]);
        assert_eq!(cat::last_change(c.h()).await.unwrap(), seq);
        assert!(cat::changes_since(c.h(), seq, 10).await.unwrap().is_empty());
        // A second version: the first is superseded when it is published.
        drop(c);
        let mut tx = db.begin().await.unwrap();
        let v2 = cat::insert_version(tx.h(), item.id, S::Reviewed, &g, None, None)
            .await
            .unwrap();
        assert_eq!(v2.summary.version, 2);
        cat::transition(tx.h(), v1.summary.id, S::Published, S::Superseded, &by)
            .await
            .unwrap();
        cat::transition(tx.h(), v2.summary.id, S::Reviewed, S::Published, &by)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut c = db.conn().await.unwrap();
        assert_eq!(
            cat::public_get(c.h(), item.id)
                .await
                .unwrap()
                .unwrap()
                .summary
                .version,
            2
        );
        let hist: Vec<String> = cat::list_versions(c.h(), item.id)
            .await
            .unwrap()
            .into_iter()
            .map(|v| v.status)
            .collect();
        assert_eq!(hist, vec!["published", "superseded"]);
        assert_eq!(cat::public_all(c.h()).await.unwrap().len(), 1);
    })
    .await;
}

/// Sixty concurrent write transactions (`direct(i)`: begun with `begin_direct`): each one that
/// commits is stored, chained and visible at once, each one that is dropped (an error path)
/// leaves nothing, and the failures do not disturb their neighbours.
async fn sixty_writers(db: Db, counter: &'static str, direct: fn(usize) -> bool) {
    let mut tasks = Vec::new();
    for i in 0..60_usize {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let mut tx = if direct(i) {
                db.begin_direct().await.unwrap()
            } else {
                db.begin().await.unwrap()
            };
            onewindow_storage::cases::next_counter(tx.h(), counter)
                .await
                .unwrap();
            audit::append(tx.h(), &ev(i)).await.unwrap();
            if i % 7 == 3 {
                // A use case that fails after writing: its work must vanish.
                tokio::task::yield_now().await;
                drop(tx);
                return false;
            }
            tx.commit().await.unwrap();
            // Committed means visible to every other connection at once.
            let mut c = db.conn().await.unwrap();
            let (seq, _) = audit::head(c.h()).await.unwrap();
            assert!(seq >= 1);
            true
        }));
    }
    let mut committed = 0_u64;
    for t in tasks {
        if t.await.unwrap() {
            committed += 1;
        }
    }
    assert_eq!(committed, 60 - 9);
    assert_eq!(verify(&db).await, Ok(committed));
    let mut tx = db.begin_direct().await.unwrap();
    let next = onewindow_storage::cases::next_counter(tx.h(), counter)
        .await
        .unwrap();
    drop(tx);
    assert_eq!(
        next,
        committed as i64 + 1,
        "rolled-back increments were undone"
    );
}

/// Concurrent write transactions; on SQLite these share group commits (savepoints in one
/// outer transaction).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writes_commit_together_and_fail_alone() {
    each_backend(|db| sixty_writers(db, "group", |_| false)).await;
}

/// A transaction dropped while an earlier one of its batch waits for the commit: the earlier
/// one still commits (the clean-up rolls back only the dropped one and commits the batch).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_member_does_not_strand_its_batch() {
    each_backend(|db| async move {
        let mut a = db.begin().await.unwrap();
        audit::append(a.h(), &ev(1)).await.unwrap();
        let db2 = db.clone();
        let b = tokio::spawn(async move {
            let mut b = db2.begin().await.unwrap();
            audit::append(b.h(), &ev(2)).await.unwrap();
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            drop(b);
        });
        // Let B queue for the writer, so that A's commit hands the batch on to it.
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        tokio::time::timeout(std::time::Duration::from_secs(5), a.commit())
            .await
            .expect("A's commit must not wait for ever")
            .unwrap();
        b.await.unwrap();
        // Wait for the clean-up, then check: A's event only.
        let mut tx = db.begin().await.unwrap();
        audit::append(tx.h(), &ev(3)).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(verify(&db).await, Ok(2));
        let mut c = db.conn().await.unwrap();
        let all = audit::batch_after(c.h(), 0, 10).await.unwrap();
        let ids: Vec<&str> = all.iter().map(|(r, _)| r.object_id.as_str()).collect();
        assert_eq!(ids, ["1", "3"]);
    })
    .await;
}

/// The case engine's direct SQLite path (`begin_direct`) and ordinary transactions share the
/// writer: interleaved, they behave as above (a batch of one kind is committed before one of
/// the other kind begins). On PostgreSQL `begin_direct` is `begin`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn direct_and_ordinary_transactions_interleave() {
    each_backend(|db| sixty_writers(db, "mixed", |i| i % 2 == 0)).await;
}

/// Store 泉州市 (region 350500) and one department of it without a credit code.
async fn city_department(mut h: onewindow_storage::H<'_>, name: &str, short_name: &str) {
    org::insert_region(h.re(), "350500", "泉州市", "city", None)
        .await
        .unwrap();
    let d = DepartmentFields {
        name: name.into(),
        short_name: short_name.into(),
        region_code: "350500".into(),
        credit_code: None,
        active: true,
    };
    org::insert_department(h, &d).await.unwrap();
}

/// Rows written on the direct path read back identically through sqlx and the other way round
/// (same SQL text, same encodings of dates, times, booleans and NULLs).
#[tokio::test]
async fn direct_path_rows_match_sqlx_rows() {
    use onewindow_storage::cases::{self as cs, CaseRow, TaskRow};
    each_backend(|db| async move {
        let mut tx = db.begin().await.unwrap();
        let plan = cs::insert_plan(tx.h(), "p1", "测试方案", true, "{}")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let case = |no: &str, applicant_id: i64| CaseRow {
            id: 0,
            case_no: no.to_string(),
            plan_id: plan.id,
            name: "企业开办".into(),
            applicant_id,
            applicant_name: "泉州市晨光贸易有限公司".into(),
            applicant_kind: "credit-code".into(),
            id_number: "91350500MA2XXXXX0X".into(),
            contact_name: Some("陈晨".into()),
            contact_phone: None,
            agent_name: None,
            agent_id_number: None,
            legal_rep: Some("陈晨".into()),
            address: None,
            channel: "window".into(),
            window_id: None,
            status: "in_review".into(),
            outcome: None,
            delivery: "window".into(),
            delivery_address: None,
            region_code: "350500".into(),
            lead_department_id: None,
            received_at: now(),
            accepted_on: Some(chrono::NaiveDate::from_ymd_opt(2026, 9, 30).unwrap()),
            promised_days: 5,
            statutory_days: 20,
            clock_events: "[]".into(),
            promised_due: Some(chrono::NaiveDate::from_ymd_opt(2026, 10, 13).unwrap()),
            statutory_due: None,
            current_stage: 0,
            stage_count: 1,
            tolerated_due: None,
            tolerated_open: true,
            materials: "[]".into(),
            summary: String::new(),
            close_reason: None,
            completed_at: Some(now()),
            intake_by: Some(7),
            version: 1,
            created_at: now(),
            updated_at: now(),
        };
        let task = |case_id: i64| TaskRow {
            id: 0,
            case_id,
            stage: 0,
            stage_name: "并联审批".into(),
            department_id: 1,
            role: "lead".into(),
            name: "营业执照".into(),
            task_code: Some("X1".into()),
            days: 1,
            authority_required: "section".into(),
            status: "open".into(),
            opened_on: Some(chrono::NaiveDate::from_ymd_opt(2026, 9, 30).unwrap()),
            due_date: None,
            opinion: None,
            checklist: None,
            decided_by: None,
            decided_by_name: None,
            decided_at: None,
            version: 1,
        };
        let mut c = db.conn().await.unwrap();
        city_department(c.h(), "市场监管局", "市场监管").await;
        drop(c);
        // Written on the direct path, read through sqlx.
        let mut tx = db.begin_direct().await.unwrap();
        let ap = cs::upsert_applicant(
            tx.h(),
            "91350500MA2XXXXX0X",
            "credit-code",
            "晨光",
            None,
            None,
        )
        .await
        .unwrap();
        let a = cs::insert_case(tx.h(), &case("A-1", ap.id)).await.unwrap();
        cs::insert_tasks(tx.h(), &[task(a.id)]).await.unwrap();
        let a_tasks = cs::tasks_of(tx.h(), a.id).await.unwrap();
        tx.commit().await.unwrap();
        let mut c = db.conn().await.unwrap();
        assert_eq!(cs::get_case(c.h(), a.id).await.unwrap(), a);
        assert_eq!(cs::tasks_of(c.h(), a.id).await.unwrap(), a_tasks);
        assert!(a.tolerated_open && a.completed_at.is_some() && a.statutory_due.is_none());
        // Written through sqlx, read on the direct path; then changed there under its version.
        let mut tx = db.begin().await.unwrap();
        let b = cs::insert_case(tx.h(), &case("B-1", ap.id)).await.unwrap();
        tx.commit().await.unwrap();
        let mut tx = db.begin_direct().await.unwrap();
        let mut got = cs::get_case(tx.h(), b.id).await.unwrap();
        assert_eq!(got, b);
        got.status = "completed".into();
        got.tolerated_open = false;
        got.version = cs::save_case(tx.h(), &got).await.unwrap();
        let stale = cs::save_case(tx.h(), &b).await;
        assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
        tx.commit().await.unwrap();
        let mut c = db.conn().await.unwrap();
        let back = cs::get_case(c.h(), b.id).await.unwrap();
        assert_eq!(
            (back.status.as_str(), back.tolerated_open, back.version),
            ("completed", false, 2)
        );
        // A duplicate is the same error on both paths.
        let mut tx = db.begin_direct().await.unwrap();
        let dup = cs::insert_case(tx.h(), &case("A-1", ap.id)).await;
        assert!(matches!(dup, Err(StoreError::Duplicate(_))), "{dup:?}");
        drop(tx);
        // A case's stamp is its version and its tasks' versions, the same on both paths; saving a
        // task changes it.
        let mut c = db.conn().await.unwrap();
        let stamp_a = cs::stamp(c.h(), a.id).await.unwrap();
        assert_eq!(stamp_a, cs::CaseStamp::of(&a, &a_tasks));
        assert_eq!(stamp_a.tasks.len(), 1);
        assert_eq!(
            cs::stamp(c.h(), b.id).await.unwrap(),
            cs::CaseStamp {
                version: 2,
                tasks: vec![]
            },
            "a case without tasks"
        );
        let missing = cs::stamp(c.h(), a.id + b.id + 1000).await;
        assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
        drop(c);
        let mut tx = db.begin_direct().await.unwrap();
        assert_eq!(cs::stamp(tx.h(), a.id).await.unwrap(), stamp_a);
        let mut t = a_tasks[0].clone();
        t.status = "approved".into();
        t.version = cs::save_task(tx.h(), &t).await.unwrap();
        let after = cs::stamp(tx.h(), a.id).await.unwrap();
        assert_ne!(after, stamp_a);
        assert_eq!(after, cs::CaseStamp::of(&a, std::slice::from_ref(&t)));
        tx.commit().await.unwrap();
    })
    .await;
}

/// A repository function without a direct implementation refuses a direct handle with an error
/// that names it, and the transaction rolls back; nothing runs on the wrong connection.
#[tokio::test]
async fn direct_handle_refuses_functions_it_does_not_implement() {
    each_backend(|db| async move {
        let mut tx = db.begin_direct().await.unwrap();
        let r = onewindow_storage::cases::find_case_by_no(tx.h(), "none").await;
        match db.backend() {
            Backend::Sqlite => {
                let e = r.unwrap_err().to_string();
                assert!(e.contains("direct SQLite path"), "{e}");
            }
            Backend::Postgres => assert_eq!(r.unwrap(), None),
        }
    })
    .await;
}

/// A direct reader (`conn_direct`) sees what was committed on either path, and refuses
/// functions without a direct implementation like the direct writer does.
#[tokio::test]
async fn direct_reader_sees_commits() {
    each_backend(|db| async move {
        let mut tx = db.begin_direct().await.unwrap();
        let n = onewindow_storage::cases::next_counter(tx.h(), "reader")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(n, 1);
        let mut tx = db.begin().await.unwrap();
        city_department(tx.h(), "税务局", "税务").await;
        tx.commit().await.unwrap();
        let mut c = db.conn_direct().await.unwrap();
        let d = org::list_departments(c.h(), Some("350500")).await.unwrap();
        assert_eq!(d.len(), 1);
        assert!(d[0].active);
        assert_eq!(org::get_department(c.h(), d[0].id).await.unwrap(), d[0]);
        let r = org::list_regions(c.h()).await;
        match db.backend() {
            Backend::Sqlite => assert!(r.unwrap_err().to_string().contains("direct SQLite path")),
            Backend::Postgres => assert_eq!(r.unwrap().len(), 1),
        }
    })
    .await;
}

/// A stored licence is returned as a later read finds it, on both paths (the insert builds the
/// row from what it stored instead of reading it back).
#[tokio::test]
async fn an_inserted_licence_is_what_a_read_finds() {
    use onewindow_storage::licenses::{self as ls, NewLicense};
    each_backend(|db| async move {
        let lic = |identifier: &'static str, direct: bool| NewLicense {
            identifier,
            type_code: "11100000000013127D001",
            name: "营业执照",
            number: if direct {
                "350500-2026-000001"
            } else {
                "350500-2026-000002"
            },
            holder_code: "91350500MA2XXXXX0X",
            holder_name: "泉州市晨光贸易有限公司",
            issuer_code: "11350500003010052X",
            issuer_name: "泉州市市场监督管理局",
            issued_on: chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(),
            valid_to: if direct {
                None
            } else {
                chrono::NaiveDate::from_ymd_opt(2036, 11, 25)
            },
            status: "valid",
            status_reason: if direct { None } else { Some("换发") },
            // A received licence's time may carry nanoseconds (PostgreSQL keeps microseconds).
            status_at: if direct {
                now()
            } else {
                chrono::DateTime::from_timestamp(1_764_000_000, 123_456_789).unwrap()
            },
            data: r#"{"name":"营业执照"}"#,
            alg: "SM2-SM3",
            kid: "k1",
            signature: "c2ln",
            signed_at: now(),
            case_id: None,
            origin: "local",
            supersedes: if direct { None } else { Some("L-0") },
        };
        for (identifier, direct) in [("L-1", true), ("L-2", false)] {
            let mut tx = if direct {
                db.begin_direct().await.unwrap()
            } else {
                db.begin().await.unwrap()
            };
            let row = ls::insert(tx.h(), &lic(identifier, direct)).await.unwrap();
            tx.commit().await.unwrap();
            let mut c = db.conn().await.unwrap();
            let read = ls::by_identifier(c.h(), identifier).await.unwrap();
            assert_eq!(read.as_ref(), Some(&row), "direct = {direct}");
            assert!(row.id > 0 && row.version == 1);
        }
    })
    .await;
}
