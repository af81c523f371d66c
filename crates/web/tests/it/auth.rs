use axum::http::StatusCode;
use onewindow_app::demo::DEMO_PASSWORD;
use onewindow_testkit::{TestApp, csrf_in};

#[tokio::test]
async fn demo_user_logs_in_and_out() {
    let t = TestApp::new().await;
    let mut c = t.client();
    let r = c.login("admin", DEMO_PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header("location"), Some("/staff"));
    let sc = r.header("set-cookie").unwrap();
    assert!(
        sc.contains("HttpOnly") && sc.contains("SameSite=Lax"),
        "{sc}"
    );
    let staff = c.get("/staff").await;
    assert_eq!(staff.status, StatusCode::OK);
    assert!(staff.text.contains("系统管理员"));
    let r = c.post_form("/logout", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = c.get("/staff").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "logged out: back to login");
    assert!(r.header("location").unwrap().starts_with("/login?next="));
}

#[tokio::test]
async fn wrong_password_does_not_say_which_part_was_wrong() {
    let t = TestApp::new().await;
    let r1 = t.client().login("admin", "wrong-password-1").await;
    let r2 = t.client().login("nobody", "wrong-password-1").await;
    assert_eq!(r1.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r2.status, StatusCode::UNAUTHORIZED);
    assert!(r1.text.contains("用户名或密码错误") && r2.text.contains("用户名或密码错误"));
}

#[tokio::test]
async fn five_failures_lock_the_account() {
    let t = TestApp::new().await;
    for i in 1..=4 {
        let r = t.client().login("clerk", "bad-password-9").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let r = t.client().login("clerk", "bad-password-9").await;
    assert_eq!(r.status, StatusCode::LOCKED);
    assert!(r.text.contains("临时锁定"));
    // Even the right password is refused while locked.
    let r = t.client().login("clerk", DEMO_PASSWORD).await;
    assert_eq!(r.status, StatusCode::LOCKED);
    // An administrator's password reset lifts the lock.
    let mut admin = t.login("admin").await;
    let id = onewindow_app::users::find_by_username(t.app(), "clerk")
        .await
        .unwrap()
        .id;
    let r = admin
        .post_form(
            &format!("/admin/users/{id}/password"),
            &[("password", "New-password-2026")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = t.client().login("clerk", "New-password-2026").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused() {
    let t = TestApp::new().await;
    // Login form without the double-submit cookie.
    let mut c = t.client();
    let r = c
        .post_form(
            "/login",
            &[
                ("username", "admin"),
                ("password", DEMO_PASSWORD),
                ("csrf", "forged"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A logged-in form with a wrong token changes nothing.
    let mut admin = t.login("admin").await;
    let r = admin
        .post_form(
            "/admin/regions",
            &[("code", "350582200"), ("name", "某乡"), ("csrf", "forged")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text.contains("表单已过期"));
    let regions = onewindow_app::org::list_regions(t.app()).await.unwrap();
    assert!(!regions.iter().any(|r| r.code == "350582200"));
    // The JSON API authenticated by cookie needs the header too.
    let mut no_header = admin.clone();
    no_header.csrf = None;
    let r = no_header
        .json(
            axum::http::Method::POST,
            "/api/v1/regions",
            serde_json::json!({"code": "350582200", "name": "某乡"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["code"], "csrf_failed");
}

#[tokio::test]
async fn disabled_account_loses_its_sessions_and_cannot_log_in() {
    let t = TestApp::new().await;
    let mut clerk = t.login("clerk").await;
    assert_eq!(clerk.get("/staff").await.status, StatusCode::OK);
    let mut admin = t.login("admin").await;
    let u = onewindow_app::users::find_by_username(t.app(), "clerk")
        .await
        .unwrap();
    let page = admin.get(&format!("/admin/users/{}", u.id)).await;
    assert!(csrf_in(&page.text).is_some());
    let r = admin
        .post_form(
            &format!("/admin/users/{}", u.id),
            &[
                ("display_name", "陈受理"),
                ("department_id", ""),
                ("version", &u.version.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(
        clerk.get("/staff").await.status,
        StatusCode::SEE_OTHER,
        "session closed"
    );
    let r = t.client().login("clerk", DEMO_PASSWORD).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text.contains("账号已停用"));
}

#[tokio::test]
async fn changing_own_password_logs_out_everywhere() {
    let t = TestApp::new().await;
    let mut a = t.login("analyst").await;
    let mut b = t.login("analyst").await;
    let r = a
        .post_form(
            "/staff/password",
            &[
                ("old", DEMO_PASSWORD),
                ("new", "short"),
                ("repeat", "short"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text.contains("至少需要 10 个字符"));
    let r = a
        .post_form(
            "/staff/password",
            &[
                ("old", DEMO_PASSWORD),
                ("new", "Analyst-2026-x"),
                ("repeat", "Analyst-2026-x"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(b.get("/staff").await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        t.client().login("analyst", "Analyst-2026-x").await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn login_redirect_stays_on_site() {
    let t = TestApp::new().await;
    let mut c = t.client();
    let page = c.get("/login?next=//evil.example/").await;
    let anon = csrf_in(&page.text).unwrap();
    assert!(page.text.contains("name=\"next\" value=\"/staff\""));
    let r = c
        .post_form(
            "/login",
            &[
                ("username", "admin"),
                ("password", DEMO_PASSWORD),
                ("csrf", &anon),
                ("next", "https://evil.example/"),
            ],
        )
        .await;
    assert_eq!(r.header("location"), Some("/staff"));
}

#[tokio::test]
async fn an_absurdly_long_password_is_refused_without_hashing_and_counts_as_a_failure() {
    let t = TestApp::new().await;
    let long = "x".repeat(100_000);
    let r = t.client().login("clerk", &long).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let u = onewindow_app::users::find_by_username(t.app(), "clerk")
        .await
        .unwrap();
    assert_eq!(u.failed_logins, 1);
    assert_eq!(
        t.client().login("clerk", DEMO_PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
}
