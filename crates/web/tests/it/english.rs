//! The English user interface: labels of machine codes (statuses, kinds, levels, events) are
//! translated while document content (titles, names of items and departments) stays Chinese,
//! and times are shown in China Standard Time rather than as raw UTC values.

use onewindow_app::{Ctx, auth, cases, licenses, requests};
use onewindow_testkit::TestApp;

/// The part of a page from `start` up to the next `end`.
fn section<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let i = html
        .find(start)
        .unwrap_or_else(|| panic!("{start} not in {html}"));
    let rest = &html[i..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

/// The CST rendering of a UTC moment.
fn cst(t: chrono::DateTime<chrono::Utc>) -> String {
    (t + chrono::Duration::hours(8))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

#[tokio::test]
async fn case_history_shows_china_time_and_labelled_actions() {
    let t = TestApp::new().await;
    let clerk = auth::staff_ctx(t.app(), "clerk").await.unwrap();
    let v = cases::view(t.app(), &clerk, 1).await.unwrap();
    let first = v.events.first().unwrap();
    assert_eq!(first.action, "in_review");
    let mut c = t.login("clerk").await;
    let r = c.get("/cases/1?lang=en").await;
    let log = section(&r.text, "<ol id=\"log\">", "</ol>");
    assert!(log.contains(&cst(first.at)), "{log}");
    assert!(log.contains(&cst(v.case.received_at)), "{log}");
    assert!(!log.contains(" UTC"), "{log}");
    assert!(log.contains("Accepted, in review"), "{log}");
    assert!(log.contains("Department decision recorded"), "{log}");
    assert!(
        !log.contains("in_review") && !log.contains("task_decided"),
        "{log}"
    );
    let r = c.get("/cases/1?lang=zh").await;
    let log = section(&r.text, "<ol id=\"log\">", "</ol>");
    assert!(log.contains("受理，进入审查"), "{log}");
    t.tdb.cleanup().await;
}

/// A request made online by an anonymous applicant.
async fn online_request(t: &TestApp) -> i64 {
    use onewindow_domain::disclosure::request::{Channel, InfoForm, Obtain, RequesterKind};
    let req = requests::NewRequest {
        channel: Channel::Online,
        received_on: None,
        requester_kind: RequesterKind::NaturalPerson,
        applicant_name: "林晓".into(),
        id_number: "35050219900101123X".into(),
        legal_rep: None,
        contact_name: None,
        phone: Some("13912345678".into()),
        email: Some("lin@example.cn".into()),
        address: None,
        description: "2025年度泉州市行政服务中心部门预算".into(),
        doc_ref: None,
        info_form: InfoForm::Paper,
        obtain: Obtain::Pickup,
        accept_other_form: true,
        department_id: None,
    };
    let anon = Ctx::anonymous(None, None);
    let (r, _) = requests::apply_online(t.app(), &anon, req, "secret-77", None, vec![])
        .await
        .unwrap();
    r.id
}

#[tokio::test]
async fn request_log_shows_china_time_labelled_kinds_and_the_applicant() {
    let t = TestApp::new().await;
    let id = online_request(&t).await;
    let o = auth::staff_ctx(t.app(), "disclosure").await.unwrap();
    let v = requests::view(t.app(), &o, id).await.unwrap();
    assert_eq!(v.events[0].actor, "anonymous");
    let mut c = t.login("disclosure").await;
    let r = c.get(&format!("/ysqgk/requests/{id}?lang=en")).await;
    let log = section(&r.text, "<ol>", "</ol>");
    for e in &v.events {
        assert!(log.contains(&cst(e.at)), "{log}");
    }
    assert!(!log.contains(" UTC"), "{log}");
    assert!(log.contains("applicant · Request received"), "{log}");
    assert!(
        !log.contains("anonymous") && !log.contains("· received"),
        "{log}"
    );
    let r = c.get(&format!("/ysqgk/requests/{id}?lang=zh")).await;
    let log = section(&r.text, "<ol>", "</ol>");
    assert!(log.contains("申请人 · 收到申请"), "{log}");
    t.tdb.cleanup().await;
}

#[tokio::test]
async fn licence_history_is_in_china_time() {
    let t = TestApp::new().await;
    let l = licenses::list(t.app(), None, Some("valid"), 1)
        .await
        .unwrap()
        .remove(0);
    let clerk = auth::staff_ctx(t.app(), "clerk").await.unwrap();
    let v = licenses::staff_view(t.app(), &clerk, &l.identifier)
        .await
        .unwrap();
    let mut c = t.login("clerk").await;
    let r = c.get(&format!("/licenses/{}?lang=en", l.identifier)).await;
    let events = section(&r.text, "id=\"license-events\"", "</table>");
    assert!(!v.events.is_empty());
    for e in &v.events {
        assert!(events.contains(&cst(e.at)), "{events}");
    }
    let uses = section(&r.text, "id=\"license-uses\"", "</table>");
    assert!(!v.uses.is_empty());
    for u in &v.uses {
        assert!(uses.contains(&cst(u.at)), "{uses}");
    }
    t.tdb.cleanup().await;
}
