use axum::http::StatusCode;
use onewindow_testkit::TestApp;

/// Replace per-request values (tokens, request ids) so snapshots are stable.
fn redact(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(i) = rest.find("name=\"csrf\" value=\"") {
        let j = i + "name=\"csrf\" value=\"".len();
        out.push_str(&rest[..j]);
        out.push_str("[csrf]");
        rest = &rest[j..];
        rest = &rest[rest.find('"').unwrap_or(0)..];
    }
    out.push_str(rest);
    out
}

#[tokio::test]
async fn login_page_snapshot() {
    let t = TestApp::new().await;
    let r = t.client().get("/login").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.header("set-cookie").unwrap().contains("ow_csrf="));
    insta::assert_snapshot!("login_zh", redact(&r.text));
    let r = t.client().get("/login?lang=en").await;
    insta::assert_snapshot!("login_en", redact(&r.text));
}

#[tokio::test]
async fn home_page_lists_the_five_halls_and_is_chinese_by_default() {
    let t = TestApp::new().await;
    let r = t.client().get("/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("<html lang=\"zh-CN\">"));
    for hall in ["市场准入", "投资建设", "社会民生", "便民服务", "中介服务"] {
        assert!(r.text.contains(hall), "{hall}");
    }
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    assert!(
        r.header("content-security-policy")
            .unwrap()
            .contains("default-src 'self'")
    );
    insta::assert_snapshot!("home_zh", redact(&r.text));
}

#[tokio::test]
async fn language_switch_is_remembered() {
    let t = TestApp::new().await;
    let mut c = t.client();
    let r = c.get("/?lang=en").await;
    assert!(r.text.contains("<html lang=\"en\">"));
    assert!(r.text.contains("Five themed service halls"));
    assert_eq!(c.cookies.get("ow_lang").map(String::as_str), Some("en"));
    let r = c.get("/tools/workdays").await;
    assert!(
        r.text.contains("Working-day calculator"),
        "cookie keeps English"
    );
    let r = c.get("/?lang=zh-CN").await;
    assert!(r.text.contains("五大主题办事厅"));
}

#[tokio::test]
async fn workday_calculator_explains_the_due_date() {
    let t = TestApp::new().await;
    let mut c = t.client();
    // Spec §6.5 worked example across the 2026 Spring Festival with make-up Saturdays.
    let r = c.get("/tools/workdays?start=2026-02-10&days=20").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.text.contains("<span id=\"due\">2026-03-16</span>"),
        "{}",
        r.text
    );
    assert!(r.text.contains("春节放假"));
    assert!(r.text.contains("2026-02-14"), "make-up Saturday listed");
    let r = c.get("/tools/workdays?date=2026-10-01").await;
    assert!(r.text.contains("<span id=\"day-kind\">休息日</span>"));
    let r = c.get("/tools/workdays?date=2026-09-20").await;
    assert!(
        r.text.contains("<span id=\"day-kind\">工作日</span>"),
        "make-up Sunday before National Day"
    );
}

#[tokio::test]
async fn workday_calculator_rejects_bad_input_in_chinese() {
    let t = TestApp::new().await;
    let mut c = t.client();
    let r = c.get("/tools/workdays?start=2026-02-30&days=5").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text.contains("class=\"alert\""), "{}", r.text);
    let r = c.get("/tools/workdays?start=2026-02-10&days=abc").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text.contains("工作日数须为 0 到 3650 之间的整数"));
    let r = c.get("/tools/workdays?start=2027-03-01&days=5").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.text.contains("缺少 2027 年"),
        "year without data is named: {}",
        r.text
    );
}

#[tokio::test]
async fn id_check_page() {
    let t = TestApp::new().await;
    let mut c = t.client();
    let r = c.get("/tools/id-check?value=11010519491231002X").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("公民身份号码"));
    assert!(
        !r.text.contains("11010519491231002X"),
        "a valid ID is shown masked only"
    );
    let r = c.get("/tools/id-check?value=110105194912310021").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text.contains("校验码错误"), "{}", r.text);
    let r = c
        .get("/tools/id-check?value=91110000710925462X&lang=en")
        .await;
    assert!(r.text.contains("Unified social credit code"));
}

#[tokio::test]
async fn unknown_page_is_a_404_page_with_request_id() {
    let t = TestApp::new().await;
    let r = t.client().get("/no/such/page").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let rid = r.header("x-request-id").unwrap().to_string();
    assert!(r.text.contains(&rid));
    assert!(r.text.contains("页面不存在"));
}

#[tokio::test]
async fn health_metrics_and_static() {
    let t = TestApp::new().await;
    let mut c = t.client();
    let r = c.get("/healthz").await;
    assert_eq!((r.status, r.text.as_str()), (StatusCode::OK, "ok"));
    c.get("/").await;
    let r = c.get("/metrics").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.text
            .contains("onewindow_http_requests_total{method=\"GET\",route=\"/\",status=\"200\"}"),
        "{}",
        r.text
    );
    assert!(
        r.text
            .contains("onewindow_http_request_duration_seconds_bucket")
    );
    let r = c.get("/static/app.css").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.header("content-type").unwrap().starts_with("text/css"));
    assert_eq!(
        c.get("/static/../Cargo.toml").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn database_failure_is_an_opaque_500_with_reference() {
    let t = TestApp::new().await;
    t.app().db.close().await;
    let mut c = t.client();
    let r = c.get("/api/v1/regions").await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    let j = r.json();
    assert_eq!(j["code"], "internal_error");
    assert_eq!(j["message"], "系统内部错误");
    assert_eq!(j["request_id"].as_str(), r.header("x-request-id"));
    assert!(
        !r.text.to_lowercase().contains("pool"),
        "cause must not leak: {}",
        r.text
    );
    let r = c.get("/healthz").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
}

#[test]
fn locale_files_have_the_same_keys() {
    let (zh, en) = onewindow_web::i18n::keys();
    assert!(zh.len() > 100);
    assert_eq!(zh, en);
}

#[tokio::test]
async fn pages_stay_chinese_for_english_browsers_until_the_visitor_switches() {
    let t = TestApp::new().await;
    let mut c = t.client();
    c.headers
        .push(("accept-language".into(), "en-US,en;q=0.9".into()));
    let r = c.get("/").await;
    assert!(r.text.contains("<html lang=\"zh-CN\">"));
    let r = c.get("/?lang=en").await;
    assert!(r.text.contains("<html lang=\"en\">"));
}

#[tokio::test]
async fn status_and_applicant_login_snapshots() {
    let t = TestApp::new().await;
    let r = t.client().get("/status").await;
    assert_eq!(r.status, StatusCode::OK);
    insta::assert_snapshot!("status_zh", redact(&r.text));
    let r = t.client().get("/status?lang=en").await;
    insta::assert_snapshot!("status_en", redact(&r.text));
    let r = t.client().get("/my/login").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.header("set-cookie").unwrap().contains("ow_acsrf="));
    insta::assert_snapshot!("my_login_zh", redact(&r.text));
}
