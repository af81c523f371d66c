//! Proactive disclosure (主动公开): nothing reaches a public surface before both reviews, on
//! every back end and on every surface (list, item page, print view, API, search, feed,
//! sitemap); withdrawal removes it everywhere at once and leaves a notice; updates are versions
//! with change notes; scheduled and emergency publication; site migration; Chinese search.

use chrono::{Duration, NaiveDate, Utc};
use onewindow_app::items;
use onewindow_app::{AppError, Ctx, auth};
use onewindow_domain::disclosure::item::{
    Attribute, ChangeSize, Column, Genre, ItemContent, Validity, Verdict,
};
use onewindow_testkit::{TestApp, TestDb};

pub(crate) fn content(title: &str, body: &str) -> ItemContent {
    ItemContent {
        title: title.into(),
        doc_number: "泉行服〔2026〕12号".into(),
        issuing_body: "泉州市行政服务中心".into(),
        written_on: None,
        formed_on: Utc::now().date_naive(),
        column: Column::Policies,
        topic: String::new(),
        genre: Genre::Notice,
        keywords: vec![],
        validity: Validity::Valid,
        attribute: Attribute::Proactive,
        attribute_reason: String::new(),
        summary: String::new(),
        body: body.into(),
    }
}

async fn ctx(t: &TestApp, user: &str) -> Ctx {
    auth::staff_ctx(t.app(), user).await.unwrap()
}

/// What each public surface shows about item `id` whose title contains `word`.
async fn public_surfaces(t: &TestApp, id: i64, word: &str) -> Vec<(&'static str, bool)> {
    let mut c = t.client();
    let mut out = Vec::new();
    let list = c.get("/xxgk/").await;
    assert_eq!(list.status, 200);
    out.push(("list", list.text.contains(&format!("/xxgk/{id}\""))));
    let page = c.get(&format!("/xxgk/{id}")).await;
    out.push(("item page", page.status == 200));
    let print = c.get(&format!("/xxgk/{id}/print")).await;
    out.push(("print view", print.status == 200));
    let api = c.get(&format!("/api/v1/disclosure/items/{id}")).await;
    out.push(("api item", api.status == 200));
    let api_list = c.get("/api/v1/disclosure/items").await.json();
    out.push((
        "api list",
        api_list["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["id"] == id),
    ));
    let q = onewindow_web::caller::urlencode(word);
    let search = c
        .get(&format!("/api/v1/disclosure/search?q={q}&limit=100"))
        .await
        .json();
    out.push((
        "search api",
        search["hits"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["id"] == id),
    ));
    let spage = c.get(&format!("/xxgk/search?q={q}")).await;
    out.push(("search page", spage.text.contains(&format!("/xxgk/{id}\""))));
    let feed = c.get("/xxgk/feed.atom").await;
    out.push(("feed", feed.text.contains(&format!("/xxgk/{id}</id>"))));
    let sitemap = c.get("/sitemap.xml").await;
    out.push((
        "sitemap",
        sitemap.text.contains(&format!("/xxgk/{id}</loc>")),
    ));
    out
}

async fn assert_absent(t: &TestApp, id: i64, word: &str, when: &str) {
    for (surface, shown) in public_surfaces(t, id, word).await {
        assert!(!shown, "{when}: item {id} is on the public {surface}");
    }
}

async fn assert_present(t: &TestApp, id: i64, word: &str, when: &str) {
    for (surface, shown) in public_surfaces(t, id, word).await {
        assert!(
            shown,
            "{when}: item {id} is missing from the public {surface}"
        );
    }
}

#[tokio::test]
async fn nothing_unreviewed_reaches_any_public_surface_on_every_backend() {
    for tdb in TestDb::all().await {
        let backend = format!("{:?}", tdb.db.backend());
        let t = TestApp::over(tdb).await;
        let (officer, reviewer) = (ctx(&t, "disclosure").await, ctx(&t, "publisher").await);
        let id = items::create(
            t.app(),
            &officer,
            None,
            content("关于试行鹭岛通办事项的通知", "鹭岛通办事项试行办法如下。"),
        )
        .await
        .unwrap();
        assert_absent(&t, id, "鹭岛", &format!("{backend} draft")).await;
        items::submit(t.app(), &officer, id).await.unwrap();
        assert_absent(&t, id, "鹭岛", &format!("{backend} submitted")).await;
        // The author cannot review their own item, even with the reviewer's permission.
        let own = items::review(t.app(), &officer, id, Verdict::Pass, "", None).await;
        assert!(
            matches!(own, Err(AppError::Forbidden | AppError::Domain(_))),
            "{backend}: {own:?}"
        );
        items::review(t.app(), &reviewer, id, Verdict::Pass, "无涉密", None)
            .await
            .unwrap();
        assert_absent(&t, id, "鹭岛", &format!("{backend} after 保密审查 only")).await;
        // A returned version starts both reviews again.
        items::review(t.app(), &reviewer, id, Verdict::Return, "文号有误", None)
            .await
            .unwrap();
        let v = items::view(t.app(), &officer, id).await.unwrap();
        assert_eq!(v.current.state, "draft", "{backend}");
        assert_eq!(v.current.secrecy_by, None, "{backend}");
        assert_eq!(v.current.returned_note.as_deref(), Some("文号有误"));
        assert_absent(&t, id, "鹭岛", &format!("{backend} returned")).await;
        // Returning needs a reason.
        items::submit(t.app(), &officer, id).await.unwrap();
        assert!(
            items::review(t.app(), &reviewer, id, Verdict::Return, " ", None)
                .await
                .is_err()
        );
        items::review(t.app(), &reviewer, id, Verdict::Pass, "", None)
            .await
            .unwrap();
        items::review(t.app(), &reviewer, id, Verdict::Pass, "同意", None)
            .await
            .unwrap();
        assert_present(&t, id, "鹭岛", &format!("{backend} published")).await;
        let v = items::view(t.app(), &officer, id).await.unwrap();
        // The index number's year is the year of publication (China time).
        let published = v.current.published_at.unwrap() + Duration::hours(8);
        let year = published.format("%Y").to_string();
        let no = v.item.index_no.clone().unwrap();
        assert!(
            no.starts_with("QZ00100-0600-") || no.contains(&format!("-0600-{year}-")),
            "{backend}: {no}"
        );
        assert!(no.ends_with(&format!(
            "{year}-{:05}",
            no[no.len() - 5..].parse::<u32>().unwrap()
        )));

        // Withdrawal: gone from every surface at once; the item URL answers 410 with the notice.
        assert!(
            items::withdraw(t.app(), &reviewer, id, "短").await.is_err(),
            "{backend}: a withdrawal needs a reason"
        );
        items::withdraw(t.app(), &reviewer, id, "政策调整，停止试行")
            .await
            .unwrap();
        assert_absent(&t, id, "鹭岛", &format!("{backend} withdrawn")).await;
        let mut c = t.client();
        let gone = c.get(&format!("/xxgk/{id}")).await;
        assert_eq!(gone.status, 410, "{backend}");
        assert!(gone.text.contains("政策调整，停止试行"), "{backend}");
        let notices = c.get("/xxgk/withdrawn").await;
        assert!(notices.text.contains("关于试行鹭岛通办事项的通知"));
        t.tdb.cleanup().await;
    }
}

#[tokio::test]
async fn storage_refuses_a_live_version_without_both_reviews_on_every_backend() {
    for tdb in TestDb::all().await {
        let backend = format!("{:?}", tdb.db.backend());
        let t = TestApp::over(tdb).await;
        let officer = ctx(&t, "disclosure").await;
        let reviewer = ctx(&t, "publisher").await;
        let id = items::create(t.app(), &officer, None, content("绕过审核测试", "正文"))
            .await
            .unwrap();
        // A bug (or a hand-written UPDATE) that marks a draft as published is refused.
        let raw = t
            .tdb
            .try_exec(&format!(
                "update info_versions set state = 'published' where item_id = {id}"
            ))
            .await;
        assert!(
            raw.is_err(),
            "{backend}: the database stored an unreviewed live version"
        );
        // Only 保密审查 passed: still refused.
        items::submit(t.app(), &officer, id).await.unwrap();
        items::review(t.app(), &reviewer, id, Verdict::Pass, "", None)
            .await
            .unwrap();
        let raw = t
            .tdb
            .try_exec(&format!(
                "update info_versions set state = 'published' where item_id = {id}"
            ))
            .await;
        assert!(raw.is_err(), "{backend}: live after one review");
        // A reviewer who is the author is refused as well.
        let raw = t.tdb.try_exec(
            &format!(
                "update info_versions set state = 'published', content_by = author_id where item_id = {id}"
            ),
        )
        .await;
        assert!(raw.is_err(), "{backend}: author approved own item");
        assert_absent(&t, id, "绕过审核测试", &backend).await;
        t.tdb.cleanup().await;
    }
}

#[tokio::test]
async fn updates_are_versions_and_the_public_sees_the_live_one_until_the_next_passes() {
    let t = TestApp::new().await;
    let (officer, reviewer) = (ctx(&t, "disclosure").await, ctx(&t, "publisher").await);
    let id = items::create(
        t.app(),
        &officer,
        None,
        content("海丝通办指南", "第一版正文"),
    )
    .await
    .unwrap();
    items::submit(t.app(), &officer, id).await.unwrap();
    items::review(t.app(), &reviewer, id, Verdict::Pass, "", None)
        .await
        .unwrap();
    items::review(t.app(), &reviewer, id, Verdict::Pass, "", None)
        .await
        .unwrap();
    let first_no = items::view(t.app(), &officer, id)
        .await
        .unwrap()
        .item
        .index_no;

    let n = items::new_version(t.app(), &officer, id).await.unwrap();
    assert_eq!(n, 2);
    let v = items::view(t.app(), &officer, id).await.unwrap();
    let mut c2 = items::content(&v.current);
    c2.body = "第二版正文，增加了办理时限".into();
    // An update needs its change note.
    let no_note = items::edit(t.app(), &officer, id, v.item.version, c2.clone(), None).await;
    assert!(matches!(no_note, Err(AppError::Domain(_))), "{no_note:?}");
    let v = items::view(t.app(), &officer, id).await.unwrap();
    items::edit(
        t.app(),
        &officer,
        id,
        v.item.version,
        c2.clone(),
        Some((ChangeSize::Major, "增加办理时限".into())),
    )
    .await
    .unwrap();
    // A stale editor (old item version) is refused.
    let stale = items::edit(t.app(), &officer, id, v.item.version, c2, None).await;
    assert!(matches!(stale, Err(AppError::Conflict { .. })), "{stale:?}");
    items::submit(t.app(), &officer, id).await.unwrap();
    // While v2 is in review the public still sees v1.
    let p = items::public_item(t.app(), id).await.unwrap().unwrap();
    assert_eq!(p.version.version_no, 1);
    assert!(p.version.body_text.contains("第一版"));
    items::review(t.app(), &reviewer, id, Verdict::Pass, "", None)
        .await
        .unwrap();
    items::review(t.app(), &reviewer, id, Verdict::Pass, "", None)
        .await
        .unwrap();
    let p = items::public_item(t.app(), id).await.unwrap().unwrap();
    assert_eq!(p.version.version_no, 2);
    assert_eq!(p.item.index_no, first_no, "the index number stays");
    assert_eq!(p.history.len(), 2);
    let page = t.client().get(&format!("/xxgk/{id}")).await;
    assert!(page.text.contains("增加办理时限"), "update record shown");
    assert!(page.text.contains("第二版正文"));
    let v = items::view(t.app(), &officer, id).await.unwrap();
    assert_eq!(v.versions[0].state, "superseded");
    // The search index holds the new text only.
    let r = items::search(t.app(), "办理时限", vec![], 0, 10).unwrap();
    assert!(r.hits.iter().any(|h| h.id == id));
    let r = items::search(t.app(), "第一版", vec![], 0, 10).unwrap();
    assert!(!r.hits.iter().any(|h| h.id == id));
}

#[tokio::test]
async fn repealed_documents_stay_online_and_say_so() {
    let t = TestApp::new().await;
    let mut c = t.client();
    let list = c.get("/xxgk/?validity=repealed").await;
    assert_eq!(list.status, 200);
    assert!(
        list.text.contains("关于调整窗口服务时间的通知"),
        "demo repealed notice listed"
    );
    let id: i64 = list
        .text
        .split("href=\"/xxgk/")
        .filter_map(|s| s.split('"').next()?.parse().ok())
        .next()
        .unwrap();
    let page = c.get(&format!("/xxgk/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("validity-banner"));
    assert!(page.text.contains("废止"));
}

#[tokio::test]
async fn scheduled_items_go_live_when_their_time_comes() {
    let t = TestApp::new().await;
    let (officer, reviewer) = (ctx(&t, "disclosure").await, ctx(&t, "publisher").await);
    let id = items::create(
        t.app(),
        &officer,
        None,
        content("定时发布的泉港通告", "正文"),
    )
    .await
    .unwrap();
    items::submit(t.app(), &officer, id).await.unwrap();
    items::review(t.app(), &reviewer, id, Verdict::Pass, "", None)
        .await
        .unwrap();
    let at = Utc::now() + Duration::hours(2);
    items::review(t.app(), &reviewer, id, Verdict::Pass, "", Some(at))
        .await
        .unwrap();
    assert_eq!(
        items::view(t.app(), &officer, id)
            .await
            .unwrap()
            .current
            .state,
        "scheduled"
    );
    assert!(items::release_due(t.app()).await.unwrap().is_empty());
    assert_absent(&t, id, "泉港", "scheduled").await;
    let desk = items::desk(t.app(), &reviewer).await.unwrap();
    assert!(desk.scheduled.iter().any(|r| r.version.item_id == id));
    // Time passes.
    t.tdb
        .exec(&format!(
            "update info_versions set publish_at = created_at where item_id = {id}"
        ))
        .await;
    assert_eq!(items::release_due(t.app()).await.unwrap(), vec![id]);
    assert_present(&t, id, "泉港", "released").await;
}

#[tokio::test]
async fn emergency_publication_is_logged_and_approved_afterwards_by_someone_else() {
    let t = TestApp::new().await;
    let (officer, reviewer) = (ctx(&t, "disclosure").await, ctx(&t, "publisher").await);
    let id = items::create(
        t.app(),
        &officer,
        None,
        content("台风红色预警期间窗口暂停服务公告", "正文"),
    )
    .await
    .unwrap();
    // Only reviewers may, and only with a reason.
    assert!(
        items::emergency_publish(t.app(), &officer, id, "台风来袭需立即发布")
            .await
            .is_err()
    );
    assert!(
        items::emergency_publish(t.app(), &reviewer, id, "急")
            .await
            .is_err()
    );
    items::emergency_publish(t.app(), &reviewer, id, "台风来袭需立即发布")
        .await
        .unwrap();
    assert_present(&t, id, "台风", "emergency").await;
    let desk = items::desk(t.app(), &reviewer).await.unwrap();
    assert!(
        desk.retro.iter().any(|r| r.version.item_id == id),
        "awaits approval"
    );
    // The emergency publisher cannot approve it afterwards.
    assert!(
        items::retro_review(t.app(), &reviewer, id, Verdict::Pass, "")
            .await
            .is_err()
    );
    // The audit trail holds the action and its reason.
    let events = t.tdb.strings("select action from audit_events").await;
    assert!(events.iter().any(|a| a == "info_item.emergency_published"));
}

#[tokio::test]
async fn a_rejected_emergency_publication_is_withdrawn() {
    let t = TestApp::new().await;
    let reviewer = ctx(&t, "publisher").await;
    onewindow_app::users::create_user(
        t.app(),
        &Ctx::operator(),
        onewindow_app::users::NewUser {
            username: "publisher2".into(),
            display_name: "黄复核".into(),
            password: "long enough password 1".into(),
            department_id: None,
            grants: vec![onewindow_app::users::GrantInput {
                role: onewindow_domain::org::Role::PublishingReviewer,
                scope: onewindow_app::users::GrantScopeInput::Global,
            }],
        },
    )
    .await
    .unwrap();
    let admin = ctx(&t, "publisher2").await;
    let officer = ctx(&t, "disclosure").await;
    let id = items::create(t.app(), &officer, None, content("紧急通告草稿", "正文"))
        .await
        .unwrap();
    items::emergency_publish(t.app(), &reviewer, id, "系统测试紧急发布")
        .await
        .unwrap();
    items::retro_review(t.app(), &admin, id, Verdict::Return, "内容不准确")
        .await
        .unwrap();
    assert!(items::public_item(t.app(), id).await.unwrap().is_none());
    let n = items::withdrawal_notice(t.app(), id)
        .await
        .unwrap()
        .unwrap();
    assert!(n.withdraw_reason.contains("内容不准确"));
}

fn jsonl(lines: &[serde_json::Value]) -> String {
    lines
        .iter()
        .map(|l| l.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn site_migration_is_atomic_and_names_the_bad_line() {
    let t = TestApp::new().await;
    let good = |i: usize, date: &str| {
        serde_json::json!({"i": i, "title": format!("关于刺桐通办第{i}批事项的通知"), "doc_number": format!("市政发〔2024〕{i}号"),
            "issuing_body": "市人民政府", "pub_date": date, "category": "政策文件",
            "body_text": "各县（市、区）人民政府：\n# 不是标题\n现将有关事项通知如下。", "paragraphs": ["ignored"]})
    };
    let bad = jsonl(&[
        good(1, "2024-03-01"),
        serde_json::json!({"title": "缺日期", "issuing_body": "市人民政府", "pub_date": "2024-13-40", "body_text": "x"}),
    ]);
    let e = items::parse_import(&bad, t.app().today()).unwrap_err();
    assert!(e.message(false).contains("第 2 行"), "{}", e.message(false));
    assert!(e.message(true).contains("line 2"));
    let e = items::parse_import("{not json}\n", t.app().today()).unwrap_err();
    assert!(e.message(true).contains("line 1"));
    // A publication date in the future, or before 1949, is no real old-site document.
    for date in ["2999-01-01", "0001-01-01"] {
        let e = items::parse_import(&jsonl(&[good(1, date)]), t.app().today()).unwrap_err();
        assert!(e.message(false).contains("第 1 行"), "{}", e.message(false));
    }
    let before = items::public_list(t.app(), &Default::default(), 0, 1)
        .await
        .unwrap()
        .1;

    let docs = items::parse_import(
        &jsonl(&[
            good(1, "2024-03-01"),
            good(2, "2024-05-01"),
            good(3, "2023-12-30"),
        ]),
        t.app().today(),
    )
    .unwrap();
    let n = items::import(t.app(), &Ctx::operator(), "张迁移", docs, |_, _| {})
        .await
        .unwrap();
    assert_eq!(n, 3);
    items::reindex(t.app(), |_, _| {}).await.unwrap();
    let (rows, total) = items::public_list(t.app(), &Default::default(), 0, 100)
        .await
        .unwrap();
    assert_eq!(total, before + 3);
    let mut numbers: Vec<String> = rows
        .iter()
        .filter(|r| r.title.contains("刺桐通办"))
        .map(|r| r.index_no.clone().unwrap())
        .collect();
    numbers.sort();
    assert_eq!(
        numbers,
        vec![
            "QZ00100-0600-2023-00001",
            "QZ00100-0600-2024-00001",
            "QZ00100-0600-2024-00002"
        ]
    );
    // The text came through as paragraphs (a leading '#' is text, not a heading).
    let r = items::search(t.app(), "刺桐", vec![], 0, 10).unwrap();
    assert_eq!(r.total, 3);
    let p = items::public_item(t.app(), r.hits[0].id)
        .await
        .unwrap()
        .unwrap();
    assert!(
        p.version.body_html.contains("<p># 不是标题</p>"),
        "{}",
        p.version.body_html
    );
    assert_eq!(p.version.migrated_by.as_deref(), Some("张迁移"));
    let events = t.tdb.strings("select action from audit_events").await;
    assert!(events.iter().any(|a| a == "info_item.imported"));
}

#[tokio::test]
async fn chinese_search_ranks_titles_first_highlights_and_matches_words_not_ngrams() {
    let t = TestApp::new().await;
    let r = items::search(t.app(), "营业执照", vec![], 0, 10).unwrap();
    assert!(r.total >= 1);
    assert_eq!(r.hits[0].title, "关于进一步优化营业执照办理流程的通知");
    assert!(
        r.hits[0].title_html.contains("<mark>营业执照</mark>"),
        "{}",
        r.hits[0].title_html
    );
    let r = items::search(t.app(), "不动产登记", vec![], 0, 10).unwrap();
    assert_eq!(r.hits[0].title, "不动产登记“一窗受理、集成服务”实施方案");
    assert!(r.hits[0].snippet_html.contains("<mark>"));
    // A two-character word works…
    let r = items::search(t.app(), "执照", vec![], 0, 10).unwrap();
    assert!(r.hits.iter().any(|h| h.title.contains("营业执照")));
    // …but a substring that is no word does not match (no n-grams).
    let r = items::search(t.app(), "业执", vec![], 0, 10).unwrap();
    assert_eq!(r.total, 0);
    // Filters by column.
    let r = items::search(
        t.app(),
        "营业执照",
        vec![("column".into(), "statistics".into())],
        0,
        10,
    )
    .unwrap();
    assert_eq!(r.total, 0);
    // Bad input gets a 400 with a message, never a 500.
    let mut c = t.client();
    let resp = c.get("/api/v1/disclosure/search?q=a&column=nope").await;
    assert_eq!(resp.status, 400);
    assert!(resp.json()["message"].as_str().unwrap().contains("栏目"));
    let long = "长".repeat(101);
    let resp = c
        .get(&format!(
            "/api/v1/disclosure/search?q={}",
            onewindow_web::caller::urlencode(&long)
        ))
        .await;
    assert_eq!(resp.status, 400);
    let resp = c
        .get("/api/v1/disclosure/search?q=%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7&limit=1")
        .await;
    assert_eq!(resp.status, 200);
    let j = resp.json();
    assert_eq!(j["hits"].as_array().unwrap().len(), 1);
    assert!(j["hits"][0]["url"].as_str().unwrap().starts_with("/xxgk/"));
}

#[tokio::test]
async fn another_node_follows_the_change_feed() {
    let t = TestApp::new().await;
    let (officer, reviewer) = (ctx(&t, "disclosure").await, ctx(&t, "publisher").await);
    // A second node over the same database, with its own index.
    let other = onewindow_app::App::new(t.tdb.db.clone(), onewindow_testkit::test_settings())
        .await
        .unwrap();
    items::catch_up(&other).await.unwrap();
    let id = items::create(t.app(), &officer, None, content("安溪茶园通办指引", "正文"))
        .await
        .unwrap();
    items::submit(t.app(), &officer, id).await.unwrap();
    items::review(t.app(), &reviewer, id, Verdict::Pass, "", None)
        .await
        .unwrap();
    items::review(t.app(), &reviewer, id, Verdict::Pass, "", None)
        .await
        .unwrap();
    assert_eq!(
        items::search(&other, "茶园", vec![], 0, 5).unwrap().total,
        0
    );
    assert!(items::follow_changes(&other).await.unwrap() >= 1);
    assert_eq!(
        items::search(&other, "茶园", vec![], 0, 5).unwrap().total,
        1
    );
    items::withdraw(t.app(), &reviewer, id, "内容已过时撤回")
        .await
        .unwrap();
    items::follow_changes(&other).await.unwrap();
    assert_eq!(
        items::search(&other, "茶园", vec![], 0, 5).unwrap().total,
        0
    );
}

/// The demo's waiting item warns (three working days left) whatever day the demo is
/// seeded on: a Saturday and a National Day holiday too, where counting back 17 working
/// days from "today" itself would leave four and no warning.
#[tokio::test]
async fn the_demo_deadline_warning_holds_on_weekends_and_holidays() {
    for day in ["2026-11-28", "2026-10-03", "2026-11-26"] {
        let t = TestApp::empty(TestDb::sqlite().await, onewindow_testkit::test_settings()).await;
        t.app()
            .set_today(Some(NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap()));
        onewindow_app::demo::seed(t.app()).await.unwrap();
        let officer = ctx(&t, "disclosure").await;
        let desk = items::desk(t.app(), &officer).await.unwrap();
        let budget = desk
            .deadlines
            .iter()
            .find(|r| r.version.title == "2026年度部门预算公开")
            .expect("demo item waiting");
        assert_eq!(
            budget.level,
            Some((
                onewindow_domain::disclosure::item::DeadlineLevel::Approaching,
                3
            )),
            "seeded on {day}"
        );
        t.tdb.cleanup().await;
    }
}

#[tokio::test]
async fn the_deadline_dashboard_warns_before_twenty_working_days() {
    let t = TestApp::new().await;
    let reviewer = ctx(&t, "publisher").await;
    let officer = ctx(&t, "disclosure").await;
    let desk = items::desk(t.app(), &officer).await.unwrap();
    // The demo budget item was formed 17 working days ago: approaching.
    let budget = desk
        .deadlines
        .iter()
        .find(|r| r.version.title == "2026年度部门预算公开")
        .expect("demo item waiting");
    let (level, left) = budget.level.unwrap();
    assert_eq!(
        level,
        onewindow_domain::disclosure::item::DeadlineLevel::Approaching
    );
    assert_eq!(left, 3);
    // Formed long ago: overdue.
    let mut c = content("逾期未公开的统计信息", "正文");
    c.formed_on = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
    let id = items::create(t.app(), &officer, None, c).await.unwrap();
    let desk = items::desk(t.app(), &reviewer).await.unwrap();
    let row = desk
        .deadlines
        .iter()
        .find(|r| r.version.item_id == id)
        .unwrap();
    assert_eq!(
        row.level.unwrap().0,
        onewindow_domain::disclosure::item::DeadlineLevel::Overdue
    );
    // The officer's page shows it in red.
    let mut c = t.login("disclosure").await;
    let page = c.get("/xxgk/admin").await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("逾期未公开的统计信息"));
    assert!(page.text.contains("urgency-overdue"));
}

#[tokio::test]
async fn officers_work_through_the_pages() {
    let t = TestApp::new().await;
    let mut officer = t.login("disclosure").await;
    // Bad input: a 4xx with the field named, nothing stored.
    let r = officer
        .post_form(
            "/xxgk/admin/new",
            &[
                ("title", ""),
                ("issuing_body", "中心"),
                ("formed_on", "2026-11-02"),
                ("column", "policies"),
                ("genre", "notice"),
                ("body", "x"),
            ],
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.text.contains("请填写标题"));
    let r = officer
        .post_form(
            "/xxgk/admin/new",
            &[
                ("title", "德化陶瓷产业扶持政策解读"),
                ("issuing_body", "泉州市行政服务中心"),
                ("formed_on", "2026-13-02"),
                ("column", "interpretation"),
                ("genre", "interpretation"),
                ("body", "x"),
            ],
        )
        .await;
    assert_eq!(r.status, 400);
    let r = officer
        .post_form(
            "/xxgk/admin/new",
            &[
                ("title", "德化陶瓷产业扶持政策解读"),
                ("issuing_body", "泉州市行政服务中心"),
                ("formed_on", "2026-11-02"),
                ("column", "interpretation"),
                ("genre", "interpretation"),
                ("keywords", "陶瓷，扶持"),
                (
                    "body",
                    "# 政策要点\n\n- 资金补助\n- <script>alert(1)</script>",
                ),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let loc = r.header("location").unwrap().to_string();
    let id: i64 = loc.rsplit('/').next().unwrap().parse().unwrap();
    let page = officer.get(&loc).await;
    assert!(page.text.contains("<h2>政策要点</h2>"), "markup rendered");
    assert!(!page.text.contains("<script>alert"), "raw HTML escaped");
    let r = officer.post_form(&format!("{loc}/submit"), &[]).await;
    assert_eq!(r.status, 303);
    // The author sees no review buttons; the reviewer does.
    let page = officer.get(&loc).await;
    assert!(!page.text.contains("id=\"pass\""));
    let mut reviewer = t.login("publisher").await;
    let desk = reviewer.get("/xxgk/admin").await;
    assert!(desk.text.contains("德化陶瓷产业扶持政策解读"));
    let r = reviewer
        .post_form(&format!("{loc}/pass"), &[("note", "无涉密")])
        .await;
    assert_eq!(r.status, 303);
    let r = reviewer
        .post_form(
            &format!("{loc}/pass"),
            &[("note", ""), ("publish_at", "not a time")],
        )
        .await;
    assert_eq!(r.status, 400);
    let r = reviewer
        .post_form(&format!("{loc}/pass"), &[("note", "同意")])
        .await;
    assert_eq!(r.status, 303);
    let public = t.client().get(&format!("/xxgk/{id}")).await;
    assert_eq!(public.status, 200);
    assert!(public.text.contains("德化陶瓷产业扶持政策解读"));
    // An unknown action or item is a 404, not a 500.
    assert_eq!(
        reviewer
            .post_form(&format!("{loc}/explode"), &[])
            .await
            .status,
        404
    );
    assert_eq!(t.client().get("/xxgk/999999").await.status, 404);
    // Staff pages need a login.
    assert_eq!(t.client().get("/xxgk/admin").await.status, 303);
}

#[tokio::test]
async fn attachments_are_checked_and_their_text_is_searchable() {
    let t = TestApp::new().await;
    let (officer, reviewer) = (ctx(&t, "disclosure").await, ctx(&t, "publisher").await);
    let id = items::create(t.app(), &officer, None, content("附件测试通知", "见附件"))
        .await
        .unwrap();
    let docx = onewindow_documents::notice_docx(&onewindow_documents::NoticeDoc {
        title: "晋江鞋服产业园区建设方案".into(),
        number: "晋〔2026〕1号".into(),
        issuer: "泉州市行政服务中心".into(),
        recipient: "各单位：".into(),
        paragraphs: vec!["园区建设分三期推进。".into()],
        table: None,
        closing: vec![],
        date: "2026年11月2日".into(),
        footer: None,
    })
    .unwrap();
    let bad = items::add_attachment(t.app(), &officer, id, "x.exe", b"MZ\x90\x00").await;
    assert!(matches!(bad, Err(AppError::Domain(_))), "{bad:?}");
    items::add_attachment(t.app(), &officer, id, "方案.docx", &docx)
        .await
        .unwrap();
    items::submit(t.app(), &officer, id).await.unwrap();
    items::review(t.app(), &reviewer, id, Verdict::Pass, "", None)
        .await
        .unwrap();
    items::review(t.app(), &reviewer, id, Verdict::Pass, "", None)
        .await
        .unwrap();
    let r = items::search(t.app(), "鞋服", vec![], 0, 5).unwrap();
    assert_eq!(
        r.hits.first().map(|h| h.id),
        Some(id),
        "attachment text indexed"
    );
    let p = items::public_item(t.app(), id).await.unwrap().unwrap();
    let a = &p.attachments[0];
    let dl = t.client().get(&format!("/xxgk/{id}/files/{}", a.id)).await;
    assert_eq!(dl.status, 200);
    assert!(dl.text.len() > 100);
}

#[tokio::test]
async fn public_item_page_snapshot() {
    let t = TestApp::new().await;
    let r = items::search(t.app(), "营业执照", vec![], 0, 1).unwrap();
    let id = r.hits[0].id;
    let page = t.client().get(&format!("/xxgk/{id}")).await;
    assert_eq!(page.status, 200);
    let body = page.text;
    let start = body.find("<main").unwrap();
    let end = body.find("</main>").unwrap();
    let main = &body[start..end];
    // Dates and serials depend on the day the test runs.
    let stable: String = main
        .lines()
        .map(|l| {
            if l.contains("index-no") || l.contains("id=\"published\"") || l.contains("成文日期")
            {
                "[dated line]".to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!("xxgk_item_zh", stable);
}

#[tokio::test]
async fn reindex_replaces_in_place_and_drops_what_is_no_longer_published() {
    let t = TestApp::new().await;
    // A stale document the database does not publish (e.g. left by a crash).
    t.app()
        .search
        .upsert(&onewindow_search::IndexDoc {
            kind: items::KIND.into(),
            id: 987_654,
            title: "早已撤回的崇武古城通知".into(),
            body: String::new(),
            facets: vec![],
            date: None,
            url: "/xxgk/987654".into(),
        })
        .unwrap();
    assert_eq!(
        items::search(t.app(), "崇武", vec![], 0, 5).unwrap().total,
        1
    );
    let n = items::reindex(t.app(), |_, _| {}).await.unwrap();
    assert_eq!(n, 6, "the demo publishes six items");
    assert_eq!(
        items::search(t.app(), "崇武", vec![], 0, 5).unwrap().total,
        0
    );
    assert!(
        items::search(t.app(), "营业执照", vec![], 0, 5)
            .unwrap()
            .total
            >= 1
    );
    assert_eq!(t.app().search.ids(items::KIND).unwrap().len(), n);
}

#[tokio::test]
async fn list_pages_from_kept_keys_equal_the_database_query_and_follow_changes() {
    use onewindow_app::items::PublicFilter;
    let t = TestApp::new().await;
    let filters = [
        PublicFilter::default(),
        PublicFilter {
            column: Some("policies".into()),
            ..Default::default()
        },
        PublicFilter {
            validity: Some("repealed".into()),
            ..Default::default()
        },
        PublicFilter {
            year: Some(chrono::Datelike::year(&Utc::now())),
            ..Default::default()
        },
    ];
    let compare = |label: &'static str| {
        let t = &t;
        let filters = &filters;
        async move {
            for f in filters {
                for offset in 0..9 {
                    let (rows, total) = items::public_list(t.app(), f, offset, 2).await.unwrap();
                    let mut c = t.app().db.conn().await.unwrap();
                    let (want, want_total) =
                        onewindow_storage::items::public_list(c.h(), f, offset, 2)
                            .await
                            .unwrap();
                    assert_eq!(total, want_total, "{label} {f:?} total");
                    assert_eq!(rows, want, "{label} {f:?} offset {offset}");
                }
            }
        }
    };
    compare("demo").await;
    let (officer, reviewer) = (ctx(&t, "disclosure").await, ctx(&t, "publisher").await);
    let total_before = items::public_list(t.app(), &PublicFilter::default(), 0, 1)
        .await
        .unwrap()
        .1;
    // A new publication shows at once on the first page (the kept keys follow the change
    // cursor), and the totals agree again.
    let id = items::create(t.app(), &officer, None, content("列表键缓存测试", "正文"))
        .await
        .unwrap();
    items::submit(t.app(), &officer, id).await.unwrap();
    for _ in 0..2 {
        items::review(t.app(), &reviewer, id, Verdict::Pass, "", None)
            .await
            .unwrap();
    }
    let (rows, total) = items::public_list(t.app(), &PublicFilter::default(), 0, 1)
        .await
        .unwrap();
    assert_eq!(total, total_before + 1);
    assert_eq!(rows[0].item_id, id);
    compare("after publishing").await;
    // Past the end: an empty page, the total still right.
    let (rows, total) = items::public_list(t.app(), &PublicFilter::default(), 10_000, 20)
        .await
        .unwrap();
    assert!(rows.is_empty());
    assert_eq!(total, total_before + 1);
}

/// The day the information was formed starts the 20-working-day clock (art. 26): a day in the
/// future or before 1949 is refused, naming the field, and nothing is stored.
#[tokio::test]
async fn an_impossible_formed_on_date_is_refused() {
    let t = TestApp::new().await;
    let officer = ctx(&t, "disclosure").await;
    let before = items::desk(t.app(), &officer).await.unwrap().drafts.len();
    for d in [
        t.app().today() + Duration::days(1),
        NaiveDate::from_ymd_opt(1, 1, 1).unwrap(),
    ] {
        let mut c = content("形成日期不合理的信息", "正文");
        c.formed_on = d;
        match items::create(t.app(), &officer, None, c).await {
            Err(AppError::Domain(e)) => assert_eq!(e.field_name(), Some("formed_on"), "{d}"),
            r => panic!("{d}: {r:?}"),
        }
    }
    assert_eq!(
        items::desk(t.app(), &officer).await.unwrap().drafts.len(),
        before
    );
}
