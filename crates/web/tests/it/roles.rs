//! Every role: at least one allowed and one refused action, with scope. Refusals look the same
//! whether or not the object exists.

use axum::http::{Method, StatusCode};
use onewindow_testkit::TestApp;
use serde_json::json;

async fn dept_id(t: &TestApp, short: &str) -> i64 {
    onewindow_app::org::find_department(t.app(), short)
        .await
        .unwrap()
        .id
}

#[tokio::test]
async fn system_admin() {
    let t = TestApp::new().await;
    let mut c = t.login("admin").await;
    // Allowed: create a user with a department-scoped grant.
    let d = dept_id(&t, "医保").await;
    let r = c
        .json(Method::POST, "/api/v1/users", json!({
            "username": "reviewer.yb", "display_name": "医保审查", "password": "Yibao-2026-review",
            "department_id": d, "grants": [{"role": "dept_reviewer", "scope": "department", "department": d}]
        }))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json()["grants"][0]["role"], "dept_reviewer");
    assert_eq!(c.get("/admin/users").await.status, StatusCode::OK);
    assert_eq!(c.get("/admin/audit").await.status, StatusCode::OK);
    // Refused: disabling their own account (nothing changes).
    let me = c.get("/api/v1/me").await.json();
    let id = me["id"].as_i64().unwrap();
    let u = c.get(&format!("/api/v1/users/{id}")).await.json();
    let r = c
        .json(Method::PUT, &format!("/api/v1/users/{id}"), json!({
            "display_name": "系统管理员", "department_id": u["department_id"], "active": false, "version": u["version"]
        }))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .contains("不能停用自己的账号")
    );
    assert_eq!(
        c.get(&format!("/api/v1/users/{id}")).await.json()["active"],
        true
    );
}

#[tokio::test]
async fn catalog_manager() {
    let t = TestApp::new().await;
    let mut c = t.login("catalog").await;
    let me = c.get("/api/v1/me").await.json();
    assert_eq!(me["grants"][0]["role"], "catalog_manager");
    assert_eq!(c.get("/staff").await.status, StatusCode::OK);
    assert_eq!(c.get("/admin/users").await.status, StatusCode::FORBIDDEN);
    let r = c.json(Method::GET, "/api/v1/users", json!(null)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["code"], "forbidden");
}

#[tokio::test]
async fn intake_clerk() {
    let t = TestApp::new().await;
    let mut c = t.login("clerk").await;
    let staff = c.get("/staff").await;
    assert_eq!(staff.status, StatusCode::OK);
    assert!(staff.text.contains("综合窗口受理员"));
    assert_eq!(c.get("/admin/org").await.status, StatusCode::FORBIDDEN);
    let r = c
        .json(
            Method::POST,
            "/api/v1/windows",
            json!({"number": "Z9", "name": "x", "hall": "便民服务", "region_code": "350500"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn department_reviewer() {
    let t = TestApp::new().await;
    let mut c = t.login("reviewer.scjg").await;
    assert_eq!(c.get("/staff").await.status, StatusCode::OK);
    let own = dept_id(&t, "市场监管").await;
    // Reviewers do not see their department's roster (leads do).
    assert_eq!(
        c.get(&format!("/admin/departments/{own}/staff"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn department_lead_is_scoped_to_their_department() {
    let t = TestApp::new().await;
    let mut c = t.login("lead.scjg").await;
    let own = dept_id(&t, "市场监管").await;
    let other = dept_id(&t, "公安").await;
    let r = c.get(&format!("/admin/departments/{own}/staff")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("reviewer.scjg") && !r.text.contains("reviewer.ga"));
    let r = c.get(&format!("/api/v1/departments/{own}/staff")).await;
    assert_eq!(r.status, StatusCode::OK);
    // Another department and a department that does not exist: the same refusal.
    let a = c.get(&format!("/api/v1/departments/{other}/staff")).await;
    let b = c.get("/api/v1/departments/999999/staff").await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert_eq!(b.status, StatusCode::FORBIDDEN);
    assert_eq!(a.json()["code"], b.json()["code"]);
    assert_eq!(a.json()["message"], b.json()["message"]);
    // Audit: only their department's events.
    let r = c.get("/api/v1/audit?limit=500").await;
    assert_eq!(r.status, StatusCode::OK);
    let events = r.json();
    assert!(!events.as_array().unwrap().is_empty());
    assert!(
        events
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["department_id"] == own),
        "{events}"
    );
}

#[tokio::test]
async fn disclosure_officer() {
    let t = TestApp::new().await;
    let mut c = t.login("disclosure").await;
    assert_eq!(c.get("/staff").await.status, StatusCode::OK);
    assert_eq!(c.get("/admin/audit").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn publishing_reviewer() {
    let t = TestApp::new().await;
    let mut c = t.login("publisher").await;
    assert_eq!(
        c.get("/api/v1/me").await.json()["grants"][0]["role"],
        "publishing_reviewer"
    );
    let r = c
        .json(
            Method::POST,
            "/api/v1/departments",
            json!({"name": "某局", "short_name": "某", "region_code": "350500"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn analyst() {
    let t = TestApp::new().await;
    let mut c = t.login("analyst").await;
    assert_eq!(
        c.get("/api/v1/me").await.json()["grants"][0]["scope"],
        "region"
    );
    assert_eq!(c.get("/admin/tokens").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn anonymous_callers() {
    let t = TestApp::new().await;
    let mut c = t.client();
    assert_eq!(
        c.get("/api/v1/regions").await.status,
        StatusCode::OK,
        "the directory is public"
    );
    let r = c.get("/api/v1/users").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.json()["code"], "unauthenticated");
    let r = c.get("/admin/users").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}
