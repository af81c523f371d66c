use axum::http::{Method, StatusCode};
use onewindow_app::audit::{Verification, verify};
use onewindow_domain::audit::ChainBreak;
use onewindow_testkit::{TestApp, TestDb};
use serde_json::json;

#[tokio::test]
async fn changes_are_audited_with_request_and_source() {
    let t = TestApp::new().await;
    let mut c = t.login("admin").await;
    let r = c
        .json(
            Method::POST,
            "/api/v1/regions",
            json!({"code": "350582101", "name": "池店镇"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let rid = r.header("x-request-id").unwrap().to_string();
    let events = c
        .get("/api/v1/audit?object_type=region&object_id=350582101")
        .await
        .json();
    let e = &events[0];
    assert_eq!(e["action"], "org.region_created");
    assert_eq!(e["actor"], "admin");
    assert_eq!(e["request_id"], rid.as_str());
    assert_eq!(e["summary"]["after"]["name"], "池店镇");
    assert_eq!(e["summary"]["after"]["level"], "township");
    let logins = c.get("/api/v1/audit?action=auth.login").await.json();
    assert!(!logins.as_array().unwrap().is_empty());
    // The audit page renders the same event.
    let page = c.get("/admin/audit?object_type=region").await;
    assert!(page.text.contains("org.region_created"));
}

#[tokio::test]
async fn tampering_is_detected_and_named_on_every_backend() {
    for tdb in TestDb::all().await {
        let label = tdb.label;
        let t = TestApp::over(tdb).await;
        let Verification::Intact(n) = verify(t.app()).await.unwrap() else {
            panic!("{label}: fresh chain must verify");
        };
        assert!(n > 50, "{label}: the demo seed is audited ({n} events)");
        // Alter one summary.
        t.tdb
            .exec("update audit_events set summary = '{}' where seq = 7")
            .await;
        assert_eq!(
            verify(t.app()).await.unwrap(),
            Verification::Broken(ChainBreak::Altered { seq: 7 }),
            "{label}"
        );
        t.tdb.exec("delete from audit_events where seq = 7").await;
        assert_eq!(
            verify(t.app()).await.unwrap(),
            Verification::Broken(ChainBreak::Missing { seq: 7 }),
            "{label}"
        );
        let TestApp { tdb, .. } = t;
        tdb.cleanup().await;
    }
}

#[tokio::test]
async fn deleting_the_newest_event_is_detected() {
    let t = TestApp::new().await;
    let Verification::Intact(n) = verify(t.app()).await.unwrap() else {
        panic!()
    };
    t.tdb
        .exec(&format!("delete from audit_events where seq = {n}"))
        .await;
    assert_eq!(
        verify(t.app()).await.unwrap(),
        Verification::Broken(ChainBreak::Missing { seq: n as i64 })
    );
}
