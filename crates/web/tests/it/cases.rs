//! Case engine scenarios through the use-case layer: bundles, deadlines across holidays, 补正,
//! pauses, extensions, authority, 受审分离, races, calendar changes and public tracking.

use chrono::NaiveDate;
use onewindow_app::cases::{
    self, ApplicantInput, IntakeOutcome, IntakeRequest, MaterialTick, PauseRequest, PlanRef,
    TaskDecision,
};
use onewindow_app::{AppError, Ctx, auth};
use onewindow_domain::case::clock::PauseKind;
use onewindow_domain::case::state::{CaseAction, Delivery, MaterialStatus, Outcome};
use onewindow_testkit::{TestApp, TestDb};

const QYKB: &str = "qykb";
const PERSON: &str = "35050219900101123X";
const ITEM_20: &str = "11350500003010028K1000101002000"; // 企业投资项目核准: statutory 20, promised 10
const SETUP: &str = "1135050000301005241000109001000"; // 企业设立登记

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn company_code() -> String {
    onewindow_domain::identity::CreditCode::synthesize("91350503", "MA2XKD8L")
        .unwrap()
        .as_str()
        .to_string()
}

async fn ctx(t: &TestApp, user: &str) -> Ctx {
    auth::staff_ctx(t.app(), user).await.unwrap()
}

/// An intake request with every material of the plan provided.
async fn request(t: &TestApp, plan: PlanRef, id: &str, outcome: IntakeOutcome) -> IntakeRequest {
    let (_, list) = cases::checklist(t.app(), &plan).await.unwrap();
    IntakeRequest {
        plan,
        applicant: ApplicantInput {
            id_number: id.into(),
            name: "泉州市晨光贸易有限公司".into(),
            phone: Some("13812345678".into()),
            email: None,
        },
        situation: None,
        contact_name: Some("陈晨".into()),
        agent_name: None,
        agent_id_number: None,
        legal_rep: Some("陈晨".into()),
        address: None,
        window_id: None,
        materials: list
            .iter()
            .map(|m| MaterialTick::provided(&m.name))
            .collect(),
        delivery: Delivery::Window,
        delivery_address: None,
        summary: String::new(),
        outcome,
    }
}

async fn approve(t: &TestApp, user: &str, task_id: i64) -> Result<(), AppError> {
    let c = ctx(t, user).await;
    let view_ctx = ctx(t, "clerk").await;
    let case_id = {
        let mut conn = t.app().db.conn().await.unwrap();
        onewindow_storage::cases::get_task(conn.h(), task_id)
            .await
            .unwrap()
            .case_id
    };
    let v = cases::view(t.app(), &view_ctx, case_id).await.unwrap();
    let tv = v.tasks.iter().find(|x| x.task.id == task_id).unwrap();
    cases::decide_task(
        t.app(),
        &c,
        task_id,
        TaskDecision {
            outcome: Outcome::Approve,
            opinion: "符合条件".into(),
            checked: tv.standards.clone(),
            expected_version: Some(tv.task.version),
        },
    )
    .await
    .map(|_| ())
}

/// A 企业开办 case of a new company, accepted at the window by `clerk`, and its notice.
async fn accept_company_case(
    t: &TestApp,
    clerk: &Ctx,
) -> (
    onewindow_storage::cases::CaseRow,
    onewindow_storage::cases::NoticeRow,
) {
    let req = request(
        t,
        PlanRef::Bundle(QYKB.into()),
        &company_code(),
        IntakeOutcome::Accept,
    )
    .await;
    cases::intake(t.app(), clerk, req).await.unwrap()
}

fn task_id(v: &cases::CaseView, dept_contains: &str) -> i64 {
    v.tasks
        .iter()
        .find(|t| t.department.contains(dept_contains) && t.task.status == "open")
        .unwrap_or_else(|| panic!("no open task of {dept_contains}"))
        .task
        .id
}

#[tokio::test]
async fn company_bundle_finishes_in_one_working_day() {
    let t = TestApp::new().await;
    t.app().set_today(Some(d("2026-11-25")));
    let clerk = ctx(&t, "clerk").await;
    let (case, notice) = accept_company_case(&t, &clerk).await;
    assert_eq!(case.status, "in_review");
    assert_eq!(notice.kind, "acceptance");
    assert!(
        notice.number.starts_with("泉行服受〔2026〕"),
        "{}",
        notice.number
    );
    // Promised 5 working days from Wed 2026-11-25: 26, 27, 30 Nov, 1, 2 Dec.
    assert_eq!(case.promised_due, Some(d("2026-12-02")));
    let v = cases::view(t.app(), &clerk, case.id).await.unwrap();
    assert_eq!(v.tasks.len(), 4);
    assert!(
        v.tasks.iter().all(|t| t.task.status == "open"),
        "all four run in parallel"
    );
    // The plan's critical path is one working day.
    let crit = v.plan.critical_path_days(|task| {
        v.tasks
            .iter()
            .find(|x| x.task.name == task.name)
            .map(|x| u32::try_from(x.task.days).unwrap())
            .unwrap()
    });
    assert!(crit <= 1, "critical path {crit}");
    // The lead decides after the co-reviewers, not before.
    let lead = task_id(&v, "市场监督");
    let err = approve(&t, "reviewer.scjg", lead).await.unwrap_err();
    assert!(err.to_string().contains("配合部门"), "{err}");
    for (user, dept) in [
        ("reviewer.ga", "公安"),
        ("reviewer.sw", "税务"),
        ("reviewer.rh", "人民银行"),
    ] {
        approve(&t, user, task_id(&v, dept)).await.unwrap();
    }
    approve(&t, "reviewer.scjg", lead).await.unwrap();
    let v = cases::view(t.app(), &clerk, case.id).await.unwrap();
    assert_eq!(v.case.status, "completed");
    assert_eq!(v.case.outcome.as_deref(), Some("approve"));
    // Completed within one working day of receipt. Both instants are wall-clock
    // stamps (the overridden "today" only moves the deadline arithmetic), so the
    // span is measured between them and not from the overridden acceptance day.
    let cal = t.app().case_calendar();
    let local = |t: chrono::DateTime<chrono::Utc>| (t + chrono::Duration::hours(8)).date_naive();
    let received = local(v.case.received_at);
    let done = local(v.case.completed_at.unwrap());
    assert!(done >= received);
    let used = cal.working_days_between(received, done).unwrap();
    assert!(used <= 1, "{used} working days from {received} to {done}");
    assert!(v.notices.iter().any(|n| n.kind == "approval"));
    t.tdb.cleanup().await;
}

#[tokio::test]
async fn statutory_deadlines_follow_the_spec_examples_and_extension() {
    let t = TestApp::new().await;
    let clerk = ctx(&t, "clerk").await;
    // domain-rules §6.5: received 2025-09-26 → 20 working days = 2025-10-30 (National Day).
    t.app().set_today(Some(d("2025-09-26")));
    let req = request(
        &t,
        PlanRef::Item(ITEM_20.into()),
        &company_code(),
        IntakeOutcome::Accept,
    )
    .await;
    let (case, _) = cases::intake(t.app(), &clerk, req).await.unwrap();
    assert_eq!(case.statutory_due, Some(d("2025-10-30")));
    // Promised 10: 09-29, 09-30, [10-01..08 off], 10-09, 10-10, 10-11 (Sat, make-up), 10-13 … 10-16.
    assert_eq!(case.promised_due, Some(d("2025-10-16")));
    let v = cases::view(t.app(), &clerk, case.id).await.unwrap();
    let p = v.promised.unwrap();
    assert!(p.makeup_days.iter().any(|(day, _)| *day == d("2025-10-11")));
    assert!(p.not_counted.iter().any(|n| n.date == d("2025-10-01")));
    // An approved extension: + 10 working days (行政许可法 art. 42) → 2025-11-13.
    t.app().set_today(Some(d("2025-10-20")));
    let lead = ctx(&t, "lead.fg").await;
    let case = cases::extend(t.app(), &lead, case.id, "需要补充论证")
        .await
        .unwrap();
    assert_eq!(case.statutory_due, Some(d("2025-11-13")));
    let again = cases::extend(t.app(), &lead, case.id, "再次延期").await;
    assert!(matches!(again, Err(AppError::Conflict { .. })));
    // A reviewer without ApproveExtensions cannot extend.
    let r = cases::extend(t.app(), &ctx(&t, "reviewer.scjg").await, case.id, "x").await;
    assert!(matches!(r, Err(AppError::Forbidden)));
    t.tdb.cleanup().await;
}

#[tokio::test]
async fn spring_festival_and_make_up_saturdays() {
    let t = TestApp::new().await;
    let clerk = ctx(&t, "clerk").await;
    // domain-rules §6.5: received 2026-02-10 → 20 working days = 2026-03-16.
    t.app().set_today(Some(d("2026-02-10")));
    let req = request(
        &t,
        PlanRef::Item(ITEM_20.into()),
        &company_code(),
        IntakeOutcome::Accept,
    )
    .await;
    let (case, _) = cases::intake(t.app(), &clerk, req).await.unwrap();
    assert_eq!(case.statutory_due, Some(d("2026-03-16")));
    // Promised 10: 11, 12, 13, 14 (Sat, make-up), [15..23 off], 24, 25, 26, 27, 28 (Sat, make-up), 03-02.
    assert_eq!(case.promised_due, Some(d("2026-03-02")));
    let v = cases::view(t.app(), &clerk, case.id).await.unwrap();
    let p = v.promised.unwrap();
    assert_eq!(
        p.makeup_days.iter().map(|(x, _)| *x).collect::<Vec<_>>(),
        vec![d("2026-02-14"), d("2026-02-28")]
    );
    t.tdb.cleanup().await;
}

#[tokio::test]
async fn one_time_notice_then_acceptance_starts_the_clock() {
    let t = TestApp::new().await;
    let clerk = ctx(&t, "clerk").await;
    t.app().set_today(Some(d("2026-03-02")));
    let mut req = request(
        &t,
        PlanRef::Item(SETUP.into()),
        &company_code(),
        IntakeOutcome::Correct,
    )
    .await;
    let required: Vec<String> = {
        let (_, list) = cases::checklist(t.app(), &req.plan).await.unwrap();
        list.iter()
            .filter(|m| m.required)
            .map(|m| m.name.clone())
            .collect()
    };
    assert!(required.len() >= 2);
    req.materials[0].status = MaterialStatus::Missing;
    let idx = req
        .materials
        .iter()
        .position(|m| m.name == required[1])
        .unwrap();
    req.materials[idx].status = MaterialStatus::Defective;
    req.materials[idx].note = Some("未加盖公章".into());
    let (case, notice) = cases::intake(t.app(), &clerk, req).await.unwrap();
    assert_eq!(case.status, "correction");
    assert_eq!(case.accepted_on, None, "the clock has not started");
    let body = cases::notice_content(&notice).unwrap();
    assert_eq!(notice.kind, "correction");
    // Every problem in one notice.
    assert_eq!(body.rows.len(), 2, "{:?}", body.rows);
    assert!(body.rows.iter().any(|r| r[3] == "未加盖公章"));
    assert!(body.paragraphs[0].contains("一次性告知"));
    // No second 补正 notice.
    let again =
        cases::decide_intake(t.app(), &clerk, case.id, vec![], IntakeOutcome::Correct).await;
    assert!(again.is_err());
    // The applicant comes back on 03-09 with everything: accepted; the clock starts then.
    t.app().set_today(Some(d("2026-03-09")));
    let ticks = required
        .iter()
        .map(|n| MaterialTick {
            name: n.clone(),
            status: MaterialStatus::Provided,
            note: None,
        })
        .collect();
    let (case, notice) =
        cases::decide_intake(t.app(), &clerk, case.id, ticks, IntakeOutcome::Accept)
            .await
            .unwrap();
    assert_eq!(notice.kind, "acceptance");
    assert_eq!(case.accepted_on, Some(d("2026-03-09")));
    // Promised 1 working day.
    assert_eq!(case.promised_due, Some(d("2026-03-10")));
    t.tdb.cleanup().await;
}

#[tokio::test]
async fn special_procedure_pauses_and_resume_moves_the_due_date() {
    let t = TestApp::new().await;
    let clerk = ctx(&t, "clerk").await;
    t.app().set_today(Some(d("2026-03-02")));
    let req = request(
        &t,
        PlanRef::Item(ITEM_20.into()),
        &company_code(),
        IntakeOutcome::Accept,
    )
    .await;
    let (case, _) = cases::intake(t.app(), &clerk, req).await.unwrap();
    // 20 working days from Mon 03-02 → Mon 03-30.
    assert_eq!(case.statutory_due, Some(d("2026-03-30")));
    let lead = ctx(&t, "lead.fg").await;
    t.app().set_today(Some(d("2026-03-04")));
    let paused = cases::pause(
        t.app(),
        &lead,
        case.id,
        PauseRequest {
            kind: PauseKind::ExpertReview,
            reason: "组织专家评审".into(),
            materials: vec![],
        },
    )
    .await
    .unwrap();
    assert_eq!(paused.status, "paused");
    assert_eq!(paused.statutory_due, None);
    // Deciding while paused is refused.
    let v = cases::view(t.app(), &clerk, case.id).await.unwrap();
    let r = approve(&t, "lead.fg", task_id(&v, "发展和改革")).await;
    assert!(r.is_err());
    // Resumed on Mon 03-09: 03-05, 03-06, 03-09 did not count → due moves 3 working days.
    t.app().set_today(Some(d("2026-03-09")));
    let resumed = cases::resume(t.app(), &lead, case.id, "专家评审结束")
        .await
        .unwrap();
    assert_eq!(resumed.status, "in_review");
    assert_eq!(resumed.statutory_due, Some(d("2026-04-02")));
    let v = cases::view(t.app(), &clerk, case.id).await.unwrap();
    assert_eq!(v.statutory.unwrap().pauses[0].working_days, 3);
    assert!(v.notices.iter().any(|n| n.kind == "special"));
    t.tdb.cleanup().await;
}

#[tokio::test]
async fn authority_and_separation_of_intake_and_review() {
    let t = TestApp::new().await;
    let clerk = ctx(&t, "clerk").await;
    t.app().set_today(Some(d("2026-11-25")));
    // 企业设立登记, situation needing a section chief.
    let mut req = request(
        &t,
        PlanRef::Item(SETUP.into()),
        &company_code(),
        IntakeOutcome::Accept,
    )
    .await;
    let guide = {
        let mut c = t.app().db.conn().await.unwrap();
        onewindow_storage::catalog::public_by_task_code(c.h(), SETUP)
            .await
            .unwrap()
            .unwrap()
            .guide()
            .unwrap()
    };
    let sit = guide
        .situations
        .iter()
        .find(|s| s.authority.as_str() == "section_chief")
        .unwrap();
    req.situation = Some(sit.name.clone());
    let (case, _) = cases::intake(t.app(), &clerk, req).await.unwrap();
    let v = cases::view(t.app(), &clerk, case.id).await.unwrap();
    let task = task_id(&v, "市场监督");
    // The intake clerk cannot decide (受审分离).
    let r = approve(&t, "clerk", task).await;
    assert!(matches!(r, Err(AppError::Forbidden)), "{r:?}");
    // A window officer cannot sign what needs a section chief.
    let r = approve(&t, "reviewer.scjg", task).await.unwrap_err();
    assert!(r.to_string().contains("科（处）长"), "{r}");
    // Another department's reviewer cannot touch it.
    let r = approve(&t, "reviewer.ga", task).await;
    assert!(matches!(r, Err(AppError::Forbidden)), "{r:?}");
    approve(&t, "lead.scjg", task).await.unwrap();
    t.tdb.cleanup().await;
}

#[tokio::test]
async fn tolerated_materials_block_approval_until_supplied() {
    let t = TestApp::new().await;
    let clerk = ctx(&t, "clerk").await;
    t.app().set_today(Some(d("2026-11-25")));
    let mut req = request(
        &t,
        PlanRef::Item(SETUP.into()),
        &company_code(),
        IntakeOutcome::AcceptTolerated {
            promised_by: d("2026-12-04"),
        },
    )
    .await;
    let last = req.materials.len() - 1;
    req.materials[last].status = MaterialStatus::Tolerated;
    let (case, notice) = cases::intake(t.app(), &clerk, req).await.unwrap();
    assert_eq!(notice.kind, "tolerance");
    assert!(case.tolerated_open);
    let desk = cases::desk(t.app(), &clerk).await.unwrap();
    assert!(desk.reminders.iter().any(|(c, _)| c.id == case.id));
    let v = cases::view(t.app(), &clerk, case.id).await.unwrap();
    let task = task_id(&v, "市场监督");
    let r = approve(&t, "reviewer.scjg", task).await.unwrap_err();
    assert!(r.to_string().contains("容缺"), "{r}");
    cases::supply_tolerated(t.app(), &clerk, case.id)
        .await
        .unwrap();
    approve(&t, "reviewer.scjg", task).await.unwrap();
    t.tdb.cleanup().await;
}

#[tokio::test]
async fn refusal_needs_a_reason_and_withdrawal_cancels_tasks() {
    let t = TestApp::new().await;
    let clerk = ctx(&t, "clerk").await;
    let req = request(
        &t,
        PlanRef::Item(SETUP.into()),
        &company_code(),
        IntakeOutcome::Refuse {
            reason: "  ".into(),
        },
    )
    .await;
    assert!(cases::intake(t.app(), &clerk, req).await.is_err());
    let req = request(
        &t,
        PlanRef::Bundle(QYKB.into()),
        PERSON,
        IntakeOutcome::Accept,
    )
    .await;
    let (case, _) = cases::intake(t.app(), &clerk, req).await.unwrap();
    let closed = cases::close(t.app(), &clerk, case.id, CaseAction::Withdraw, "申请人撤回")
        .await
        .unwrap();
    assert_eq!(closed.status, "withdrawn");
    let v = cases::view(t.app(), &clerk, case.id).await.unwrap();
    assert!(v.tasks.iter().all(|t| t.task.status == "cancelled"));
    // History by 一号.
    let (a, list) = cases::applicant_history(t.app(), &clerk, PERSON)
        .await
        .unwrap();
    assert!(a.is_some());
    assert_eq!(list.len(), 1);
    t.tdb.cleanup().await;
}

#[tokio::test]
async fn concurrent_decisions_one_wins_on_every_backend() {
    for tdb in TestDb::all().await {
        let backend = format!("{:?}", tdb.db.backend());
        let t = TestApp::over(tdb).await;
        let clerk = ctx(&t, "clerk").await;
        let (case, _) = accept_company_case(&t, &clerk).await;
        let v = cases::view(t.app(), &clerk, case.id).await.unwrap();
        // Two reviewers of the same department race on the same task.
        let ga = task_id(&v, "公安");
        let (a, b) = tokio::join!(approve(&t, "reviewer.ga", ga), approve(&t, "lead.ga", ga));
        let ok = [a.is_ok(), b.is_ok()].iter().filter(|x| **x).count();
        assert_eq!(ok, 1, "{backend}: exactly one wins: {a:?} {b:?}");
        let loser = if a.is_err() { a } else { b };
        assert!(
            matches!(loser, Err(AppError::Conflict { .. })),
            "{backend}: {loser:?}"
        );
        // Two different departments race on their own tasks: both land.
        let (a, b) = tokio::join!(
            approve(&t, "reviewer.sw", task_id(&v, "税务")),
            approve(&t, "reviewer.rh", task_id(&v, "人民银行"))
        );
        assert!(a.is_ok() && b.is_ok(), "{backend}: {a:?} {b:?}");
        approve(&t, "reviewer.scjg", task_id(&v, "市场监督"))
            .await
            .unwrap();
        let v = cases::view(t.app(), &clerk, case.id).await.unwrap();
        assert_eq!(v.case.status, "completed", "{backend}");
        // The audit chain is intact after the races.
        let report = onewindow_app::audit::verify(t.app()).await.unwrap();
        assert!(
            matches!(report, onewindow_app::audit::Verification::Intact(_)),
            "{backend}"
        );
        t.tdb.cleanup().await;
    }
}

/// A decision reads the case before it waits for the writer, and under the writer confirms by
/// the case's stamp that nothing changed meanwhile. Here the last co-review lands while the lead's
/// decision waits: the lead must see it (read again), not the co-review still open that it read
/// first (which would refuse: "the lead decides after the co-reviewers").
#[tokio::test]
async fn a_decision_sees_what_changed_while_it_waited_for_the_writer() {
    for tdb in TestDb::all().await {
        let backend = format!("{:?}", tdb.db.backend());
        let t = TestApp::over(tdb).await;
        let clerk = ctx(&t, "clerk").await;
        let (case, _) = accept_company_case(&t, &clerk).await;
        let v = cases::view(t.app(), &clerk, case.id).await.unwrap();
        approve(&t, "reviewer.ga", task_id(&v, "公安"))
            .await
            .unwrap();
        approve(&t, "reviewer.sw", task_id(&v, "税务"))
            .await
            .unwrap();
        let last_co = task_id(&v, "人民银行");
        let lead = v
            .tasks
            .iter()
            .find(|x| x.department.contains("市场监督"))
            .unwrap();
        let lead_ctx = ctx(&t, "reviewer.scjg").await;
        let decision = TaskDecision {
            outcome: Outcome::Approve,
            opinion: "符合条件".into(),
            checked: lead.standards.clone(),
            expected_version: Some(lead.task.version),
        };
        // Hold the case (SQLite: the writer; PostgreSQL: the case row) while the lead decides.
        let mut tx = t.app().db.begin().await.unwrap();
        onewindow_storage::cases::lock_case(tx.h(), case.id)
            .await
            .unwrap();
        let co_review_lands = async move {
            // Meanwhile the lead's decision has read the case and waits for the lock.
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            let tasks = onewindow_storage::cases::tasks_of(tx.h(), case.id)
                .await
                .unwrap();
            let mut co = tasks.into_iter().find(|x| x.id == last_co).unwrap();
            co.status = "approved".into();
            co.opinion = Some("同意".into());
            co.decided_at = Some(onewindow_storage::now());
            onewindow_storage::cases::save_task(tx.h(), &co)
                .await
                .unwrap();
            tx.commit().await.unwrap();
        };
        let (decided, ()) = tokio::join!(
            cases::decide_task(t.app(), &lead_ctx, lead.task.id, decision),
            co_review_lands
        );
        let row = decided.unwrap_or_else(|e| panic!("{backend}: {e:?}"));
        assert_eq!(
            (row.status.as_str(), row.outcome.as_deref()),
            ("completed", Some("approve")),
            "{backend}"
        );
        let v = cases::view(t.app(), &clerk, case.id).await.unwrap();
        assert!(
            v.tasks.iter().all(|x| x.task.status == "approved"),
            "{backend}: every task approved, the co-review that landed meanwhile included"
        );
        t.tdb.cleanup().await;
    }
}

#[tokio::test]
async fn calendar_change_recomputes_open_cases() {
    let t = TestApp::new().await;
    let clerk = ctx(&t, "clerk").await;
    t.app().set_today(Some(d("2026-11-25")));
    let (case, _) = accept_company_case(&t, &clerk).await;
    assert_eq!(case.promised_due, Some(d("2026-12-02")));
    // An (imaginary) extra day off on Mon 2026-11-30.
    let mut y = t.app().calendar().year_data(2026).unwrap().clone();
    y.days.push(onewindow_domain::calendar::HolidayDay {
        name: "临时调整".into(),
        date: d("2026-11-30"),
        is_off_day: true,
    });
    y.days.sort_by_key(|x| x.date);
    onewindow_app::calendar::set_year(t.app(), &ctx(&t, "admin").await, y)
        .await
        .unwrap();
    let v = cases::view(t.app(), &clerk, case.id).await.unwrap();
    assert_eq!(v.case.promised_due, Some(d("2026-12-03")));
    t.tdb.cleanup().await;
}

#[tokio::test]
async fn public_tracking_needs_number_and_id() {
    let t = TestApp::new().await;
    let clerk = ctx(&t, "clerk").await;
    let req = request(
        &t,
        PlanRef::Bundle(QYKB.into()),
        PERSON,
        IntakeOutcome::Accept,
    )
    .await;
    let (case, _) = cases::intake(t.app(), &clerk, req).await.unwrap();
    let s = cases::track(t.app(), &case.case_no, PERSON).await.unwrap();
    assert_eq!(s.status.as_str(), "in_review");
    assert!(!s.id_number.contains("19900101"), "masked: {}", s.id_number);
    assert!(s.applicant.contains('*'));
    let wrong = cases::track(t.app(), &case.case_no, "11010519491231002X").await;
    assert!(matches!(wrong, Err(AppError::NotFound)));
    let bad = cases::track(t.app(), "nonsense", "x").await;
    assert!(matches!(bad, Err(AppError::NotFound)));
    t.tdb.cleanup().await;
}

/// The material fields of the intake form as a browser would send them (all provided).
fn material_fields(list: &[onewindow_domain::case::state::MaterialCheck]) -> Vec<(String, String)> {
    let mut f = Vec::new();
    for (i, m) in list.iter().enumerate() {
        f.push((format!("m{i}_name"), m.name.clone()));
        f.push((format!("m{i}_status"), "provided".to_string()));
    }
    f
}

fn case_id_from(location: &str) -> i64 {
    location
        .trim_start_matches("/cases/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn window_pages_walk_a_bundle_to_the_public_status() {
    let t = TestApp::new().await;
    let mut clerk = t.login("clerk").await;
    let desk = clerk.get("/cases").await;
    assert_eq!(desk.status, 200, "{}", desk.text);
    assert!(desk.text.contains("/cases/new?plan=bundle:qykb"));
    let lookup = clerk.get(&format!("/cases?id={PERSON}")).await;
    assert!(lookup.text.contains("首次办件"), "new applicant");
    let form = clerk.get("/cases/new?plan=bundle:qykb").await;
    assert_eq!(form.status, 200);
    assert!(form.text.contains("m0_status"));
    let (_, list) = cases::checklist(t.app(), &PlanRef::Bundle(QYKB.into()))
        .await
        .unwrap();
    // A bad ID number is refused with a message, nothing stored.
    let mut fields: Vec<(String, String)> = vec![
        ("plan".into(), "bundle:qykb".into()),
        ("id_number".into(), "350502199001011230".into()),
        ("name".into(), "陈晨".into()),
        ("delivery".into(), "window".into()),
        ("outcome".into(), "accept".into()),
    ];
    fields.extend(material_fields(&list));
    let as_refs = |f: &Vec<(String, String)>| -> Vec<(String, String)> { f.clone() };
    let f1 = as_refs(&fields);
    let refs: Vec<(&str, &str)> = f1.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let bad = clerk.post_form("/cases/new", &refs).await;
    assert_eq!(bad.status, 400, "{}", bad.text);
    assert!(
        bad.text.contains("校验码") || bad.text.contains("身份证"),
        "{}",
        bad.text
    );
    fields[1].1 = PERSON.into();
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let ok = clerk.post_form("/cases/new", &refs).await;
    assert_eq!(ok.status, 303, "{}", ok.text);
    let loc = ok.header("location").unwrap().to_string();
    let id = case_id_from(&loc);
    let page = clerk.get(&loc).await;
    assert!(page.text.contains("受理通知书"), "{}", page.text);
    let v = cases::view(t.app(), &ctx(&t, "clerk").await, id)
        .await
        .unwrap();
    // The notice prints and downloads.
    let n = &v.notices[0];
    let html = clerk.get(&format!("/cases/{id}/notices/{}", n.id)).await;
    assert!(html.text.contains(&n.number));
    assert!(!html.text.contains("19900101"), "ID masked on the notice");
    let docx = clerk
        .get(&format!("/cases/{id}/notices/{}/docx", n.id))
        .await;
    assert_eq!(docx.status, 200);
    assert!(docx.text.starts_with("PK"));
    // Reviewers: queue then decision through the form.
    for (user, dept) in [
        ("reviewer.ga", "公安"),
        ("reviewer.sw", "税务"),
        ("reviewer.rh", "人民银行"),
        ("reviewer.scjg", "市场监督"),
    ] {
        let mut r = t.login(user).await;
        let q = r.get("/review").await;
        assert!(
            q.text.contains(&v.case.case_no),
            "{user} sees the case in the queue"
        );
        let tid = task_id(
            &cases::view(t.app(), &ctx(&t, "clerk").await, id)
                .await
                .unwrap(),
            dept,
        );
        let resp = r
            .post_form(
                &format!("/cases/{id}/tasks/{tid}"),
                &[("outcome", "approve"), ("opinion", "同意")],
            )
            .await;
        assert_eq!(resp.status, 303, "{user}: {}", resp.text);
    }
    // The clerk cannot review (受审分离): 403 page, nothing changed.
    let mut anon = t.client();
    let s = anon
        .get(&format!("/status?no={}&id={PERSON}", v.case.case_no))
        .await;
    assert_eq!(s.status, 200);
    assert!(s.text.contains("已办结"), "{}", s.text);
    assert!(!s.text.contains(PERSON));
    let wrong = anon
        .get(&format!(
            "/status?no={}&id=11010519491231002X",
            v.case.case_no
        ))
        .await;
    assert_eq!(wrong.status, 404);
    t.tdb.cleanup().await;
}

#[tokio::test]
async fn stale_form_gets_a_conflict_and_the_clerk_cannot_decide() {
    let t = TestApp::new().await;
    let clerk_ctx = ctx(&t, "clerk").await;
    let req = request(
        &t,
        PlanRef::Item(SETUP.into()),
        PERSON,
        IntakeOutcome::Accept,
    )
    .await;
    let (case, _) = cases::intake(t.app(), &clerk_ctx, req).await.unwrap();
    let v = cases::view(t.app(), &clerk_ctx, case.id).await.unwrap();
    let tid = task_id(&v, "市场监督");
    let mut clerk = t.login("clerk").await;
    let r = clerk
        .post_form(
            &format!("/cases/{}/tasks/{tid}", case.id),
            &[("outcome", "approve")],
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text);
    let mut rev = t.login("reviewer.scjg").await;
    let r = rev
        .post_form(
            &format!("/cases/{}/tasks/{tid}", case.id),
            &[("outcome", "approve"), ("version", "0")],
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.text);
    t.tdb.cleanup().await;
}

#[tokio::test]
async fn api_intake_decide_and_track() {
    use axum::http::Method;
    let t = TestApp::new().await;
    let mut clerk = t.login("clerk").await;
    let (_, list) = cases::checklist(t.app(), &PlanRef::Bundle(QYKB.into()))
        .await
        .unwrap();
    let mats: Vec<serde_json::Value> = list
        .iter()
        .map(|m| serde_json::json!({"name": m.name, "status": "provided"}))
        .collect();
    let bad = clerk
        .json(
            Method::POST,
            "/api/v1/cases",
            serde_json::json!({"plan": 3}),
        )
        .await;
    assert_eq!(bad.status, 400, "{}", bad.text);
    assert_eq!(bad.json()["code"], "invalid_field");
    let r = clerk
        .json(
            Method::POST,
            "/api/v1/cases",
            serde_json::json!({
                "plan": {"kind": "bundle", "code": "qykb"},
                "applicant": {"id_number": PERSON, "name": "陈晨"},
                "materials": mats,
                "delivery": "courier",
                "delivery_address": "泉州市丰泽区东海街道 1 号",
                "outcome": "accept"
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let body = r.json();
    let id = body["case"]["id"].as_i64().unwrap();
    let no = body["case"]["case_no"].as_str().unwrap().to_string();
    assert_eq!(body["notice"]["kind"], "acceptance");
    let c = clerk.get(&format!("/api/v1/cases/{id}")).await.json();
    assert_eq!(c["tasks"].as_array().unwrap().len(), 4);
    assert!(c["promised"]["due"].is_string());
    for (user, dept) in [
        ("reviewer.ga", "公安"),
        ("reviewer.sw", "税务"),
        ("reviewer.rh", "人民银行"),
        ("reviewer.scjg", "市场监督"),
    ] {
        let mut rv = t.login(user).await;
        let q = rv.get("/api/v1/review/queue").await.json();
        assert!(q["total"].as_i64().unwrap() >= 1, "{user}");
        let v = cases::view(t.app(), &ctx(&t, "clerk").await, id)
            .await
            .unwrap();
        let tv = v
            .tasks
            .iter()
            .find(|x| x.department.contains(dept))
            .unwrap();
        let r = rv
            .json(
                Method::POST,
                &format!("/api/v1/cases/{id}/tasks/{}", tv.task.id),
                serde_json::json!({"outcome": "approve", "checked": tv.standards, "expected_version": tv.task.version}),
            )
            .await;
        assert_eq!(r.status, 200, "{user}: {}", r.text);
    }
    let mut anon = t.client();
    let s = anon
        .get(&format!("/api/v1/track?no={no}&id={PERSON}"))
        .await;
    assert_eq!(s.status, 200, "{}", s.text);
    assert_eq!(s.json()["status"], "completed");
    assert_eq!(s.json()["delivery"], "courier");
    let b = anon.get("/api/v1/bundles").await.json();
    assert_eq!(b["bundles"].as_array().unwrap().len(), 5);
    let cl = anon.get("/api/v1/checklist?plan=bundle:qykb").await;
    assert_eq!(cl.status, 200);
    let nope = anon.get("/api/v1/checklist?plan=nonsense").await;
    assert_eq!(nope.status, 400);
    t.tdb.cleanup().await;
}

pub(crate) fn multipart(
    fields: &[(&str, &str)],
    files: &[(&str, &str, &[u8])],
) -> (String, Vec<u8>) {
    let boundary = "----onewindowtestboundary";
    let mut body: Vec<u8> = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    for (k, name, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn online_application_pre_review_correction_and_acceptance() {
    use axum::http::Method;
    let t = TestApp::new().await;
    let mut me = t.client();
    let page = me.get("/my/login").await;
    let token = onewindow_testkit::csrf_in(&page.text).unwrap();
    let reg = me
        .post_form(
            "/my/register",
            &[
                ("csrf", token.as_str()),
                ("id_number", PERSON),
                ("name", "陈晨"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(reg.status, 400, "weak password refused: {}", reg.text);
    let reg = me
        .post_form(
            "/my/register",
            &[
                ("csrf", token.as_str()),
                ("id_number", PERSON),
                ("name", "陈晨"),
                ("password", "Apply-Online-2026"),
            ],
        )
        .await;
    assert_eq!(reg.status, 303, "{}", reg.text);
    let home = me.get("/my").await;
    assert!(home.text.contains("陈晨"));
    let csrf = onewindow_testkit::csrf_in(&home.text).unwrap();
    let (_, list) = cases::checklist(t.app(), &PlanRef::Item(SETUP.into()))
        .await
        .unwrap();
    assert!(list.len() >= 2);
    let pdf: &[u8] = b"%PDF-1.4\n% test\n";
    // A file that is not a PDF/image is refused.
    let (ct, body) = multipart(
        &[
            ("csrf", &csrf),
            ("plan", &format!("item:{SETUP}")),
            ("mat0", &list[0].name),
        ],
        &[("file0", "virus.exe", b"MZ\x90\x00")],
    );
    let bad = me.send(Method::POST, "/my/apply", Some(&ct), body).await;
    assert_eq!(bad.status, 400, "{}", bad.text);
    // Everything but the last required material.
    let mut fields: Vec<(String, String)> = vec![
        ("csrf".into(), csrf.clone()),
        ("plan".into(), format!("item:{SETUP}")),
    ];
    let mut files: Vec<(String, String)> = Vec::new();
    let last_required = list.iter().rposition(|m| m.required).unwrap();
    for (i, m) in list.iter().enumerate() {
        fields.push((format!("mat{i}"), m.name.clone()));
        if i != last_required {
            files.push((format!("file{i}"), format!("m{i}.pdf")));
        }
    }
    let fr: Vec<(&str, &str)> = fields
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let fl: Vec<(&str, &str, &[u8])> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str(), pdf))
        .collect();
    let (ct, body) = multipart(&fr, &fl);
    let ok = me.send(Method::POST, "/my/apply", Some(&ct), body).await;
    assert_eq!(ok.status, 303, "{}", ok.text);
    let loc = ok.header("location").unwrap().to_string();
    let id: i64 = loc.trim_start_matches("/my/cases/").parse().unwrap();
    let mine = me.get(&loc).await;
    assert!(mine.text.contains("待预审"), "{}", mine.text);
    // The clerk pre-reviews: one-time notice of the missing material.
    let clerk = ctx(&t, "clerk").await;
    let desk = cases::desk(t.app(), &clerk).await.unwrap();
    assert!(desk.waiting.iter().any(|c| c.id == id));
    let v = cases::view(t.app(), &clerk, id).await.unwrap();
    assert_eq!(v.files.len(), list.len() - 1);
    let (case, notice) = cases::decide_intake(t.app(), &clerk, id, vec![], IntakeOutcome::Correct)
        .await
        .unwrap();
    assert_eq!(case.status, "correction");
    assert_eq!(cases::notice_content(&notice).unwrap().rows.len(), 1);
    // The applicant sees the notice and sends the missing file.
    let mine = me.get(&loc).await;
    assert!(mine.text.contains("一次性告知书"), "{}", mine.text);
    let csrf2 = onewindow_testkit::csrf_in(&mine.text).unwrap();
    let name = list[last_required].name.clone();
    let (ct, body) = multipart(
        &[("csrf", &csrf2), ("mat0", &name)],
        &[("file0", "late.pdf", pdf)],
    );
    let r = me
        .send(Method::POST, &format!("{loc}/resubmit"), Some(&ct), body)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.text.contains("已收到 1 个文件"));
    // Someone else's case is not found for this applicant.
    let other = request(
        &t,
        PlanRef::Item(SETUP.into()),
        &company_code(),
        IntakeOutcome::Accept,
    )
    .await;
    let (other, _) = cases::intake(t.app(), &clerk, other).await.unwrap();
    assert_eq!(me.get(&format!("/my/cases/{}", other.id)).await.status, 404);
    // The clerk accepts; staff can download the uploaded file.
    let ticks = list
        .iter()
        .map(|m| MaterialTick::provided(&m.name))
        .collect();
    let (case, _) = cases::decide_intake(t.app(), &clerk, id, ticks, IntakeOutcome::Accept)
        .await
        .unwrap();
    assert_eq!(case.status, "in_review");
    assert_eq!(case.channel, "online");
    let mut web_clerk = t.login("clerk").await;
    let v = cases::view(t.app(), &clerk, id).await.unwrap();
    let f = web_clerk
        .get(&format!("/cases/{id}/files/{}", v.files[0].id))
        .await;
    assert_eq!(f.status, 200);
    assert!(f.text.starts_with("%PDF"));
    t.tdb.cleanup().await;
}

#[tokio::test]
async fn deadlines_into_an_unpublished_year_are_provisional_and_say_so() {
    let t = TestApp::new().await;
    let clerk = ctx(&t, "clerk").await;
    t.app().set_today(Some(d("2026-12-21")));
    let req = request(
        &t,
        PlanRef::Bundle("gcjs".into()),
        &company_code(),
        IntakeOutcome::Accept,
    )
    .await;
    let (case, _) = cases::intake(t.app(), &clerk, req).await.unwrap();
    // 45 working days from Mon 2026-12-21 without 2027 holidays: weekdays only → 2027-02-22.
    assert_eq!(case.statutory_due, Some(d("2027-02-22")));
    let v = cases::view(t.app(), &clerk, case.id).await.unwrap();
    assert_eq!(v.statutory.unwrap().provisional_years, vec![2027]);
    let mut web = t.login("clerk").await;
    let page = web.get(&format!("/cases/{}", case.id)).await;
    assert!(page.text.contains("id=\"provisional\""), "the page warns");
    t.tdb.cleanup().await;
}

#[tokio::test]
async fn queue_is_soonest_due_first_with_paused_cases_last() {
    let t = TestApp::new().await;
    let clerk = ctx(&t, "clerk").await;
    t.app().set_today(Some(d("2026-03-02")));
    let drug = "1135050000301005241000109002000"; // 药品零售企业许可: promised 10
    let (late, _) = cases::intake(
        t.app(),
        &clerk,
        request(
            &t,
            PlanRef::Item(drug.into()),
            &company_code(),
            IntakeOutcome::Accept,
        )
        .await,
    )
    .await
    .unwrap();
    let (soon, _) = cases::intake(
        t.app(),
        &clerk,
        request(
            &t,
            PlanRef::Item(SETUP.into()),
            PERSON,
            IntakeOutcome::Accept,
        )
        .await,
    )
    .await
    .unwrap();
    let (paused, _) = cases::intake(
        t.app(),
        &clerk,
        request(
            &t,
            PlanRef::Item(SETUP.into()),
            &company_code(),
            IntakeOutcome::Accept,
        )
        .await,
    )
    .await
    .unwrap();
    cases::pause(
        t.app(),
        &ctx(&t, "reviewer.scjg").await,
        paused.id,
        PauseRequest {
            kind: PauseKind::Inspection,
            reason: "现场检验".into(),
            materials: vec![],
        },
    )
    .await
    .unwrap();
    let (q, total) = cases::queue(t.app(), &ctx(&t, "reviewer.scjg").await, 50)
        .await
        .unwrap();
    let ids: Vec<i64> = q.iter().map(|x| x.row.case_id).collect();
    let pos = |id: i64| ids.iter().position(|x| *x == id).unwrap();
    assert!(pos(soon.id) < pos(late.id), "{ids:?}");
    assert_eq!(*ids.last().unwrap(), paused.id, "paused last: {ids:?}");
    assert_eq!(q.last().unwrap().urgency.as_str(), "paused");
    assert_eq!(total, i64::try_from(q.len()).unwrap());
    t.tdb.cleanup().await;
}
