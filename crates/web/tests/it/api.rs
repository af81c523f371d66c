use axum::http::{Method, StatusCode};
use onewindow_app::{Ctx, auth, users};
use onewindow_testkit::TestApp;
use serde_json::json;

#[tokio::test]
async fn openapi_document_lists_every_endpoint() {
    let t = TestApp::new().await;
    let doc = t.client().get("/api/v1/openapi.json").await.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/v1/id/check",
        "/api/v1/calendar/add",
        "/api/v1/calendar/is-working",
        "/api/v1/regions",
        "/api/v1/departments",
        "/api/v1/departments/{id}",
        "/api/v1/departments/{id}/staff",
        "/api/v1/windows",
        "/api/v1/windows/{id}",
        "/api/v1/me",
        "/api/v1/users",
        "/api/v1/users/{id}",
        "/api/v1/audit",
    ] {
        assert!(
            paths.contains_key(p),
            "{p} missing from the OpenAPI document"
        );
    }
    assert!(doc["paths"]["/api/v1/departments/{id}"]["put"].is_object());
}

#[tokio::test]
async fn calendar_api_follows_the_worked_examples() {
    let t = TestApp::new().await;
    let mut c = t.client();
    for (start, n, due) in [
        ("2025-09-26", 20, "2025-10-30"),
        ("2025-09-26", 7, "2025-10-13"),
        ("2025-09-26", 40, "2025-11-27"),
        ("2025-12-31", 20, "2026-01-29"),
    ] {
        let r = c
            .get(&format!("/api/v1/calendar/add?date={start}&days={n}"))
            .await;
        assert_eq!(r.json()["due"], due, "{start} + {n}");
    }
    let r = c.get("/api/v1/calendar/is-working?date=2026-02-28").await;
    assert_eq!(r.json()["working"], true, "make-up Saturday");
    let r = c.get("/api/v1/calendar/add?date=2026-12-20&days=30").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["code"], "calendar_year_missing");
    let r = c.get("/api/v1/calendar/add?date=tomorrow&days=3").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["field"], "date");
    let r = c.get("/api/v1/calendar/add?date=2026-01-05").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["code"], "invalid_query");
}

#[tokio::test]
async fn id_check_api_speaks_the_callers_language() {
    let t = TestApp::new().await;
    let mut c = t.client();
    let r = c
        .json(
            Method::POST,
            "/api/v1/id/check",
            json!({"value": "１１０１０５４９１２３１００２"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.json()["normalized"],
        "11010519491231002X",
        "full-width 15-digit input upgraded"
    );
    let r = c
        .json(
            Method::POST,
            "/api/v1/id/check",
            json!({"value": "91100000100003962A"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let j = r.json();
    assert_eq!(j["field"], "value", "the request's own field name");
    assert!(j["message"].as_str().unwrap().contains("校验码错误"));
    c.headers
        .push(("accept-language".into(), "en-US,en;q=0.9".into()));
    let r = c
        .json(
            Method::POST,
            "/api/v1/id/check",
            json!({"value": "91100000100003962A"}),
        )
        .await;
    assert!(
        r.json()["message"].as_str().unwrap().contains("check"),
        "{}",
        r.text
    );
    let r = c
        .json(Method::POST, "/api/v1/id/check", json!({"wrong": 1}))
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY
            .min(r.status)
            .max(StatusCode::BAD_REQUEST)
    );
    assert_eq!(r.json()["code"], "invalid_json");
}

#[tokio::test]
async fn api_token_acts_as_its_user() {
    let t = TestApp::new().await;
    let admin = users::find_by_username(t.app(), "admin").await.unwrap();
    let tok = auth::create_api_token(t.app(), &Ctx::operator(), admin.id, "kiosk sync", Some(30))
        .await
        .unwrap();
    let mut c = t.client();
    c.headers
        .push(("authorization".into(), format!("Bearer {}", tok.secret)));
    let me = c.get("/api/v1/me").await;
    assert_eq!(me.json()["username"], "admin");
    // Bearer clients need no CSRF header.
    let r = c
        .json(Method::POST, "/api/v1/departments", json!({
            "name": "泉州市教育局", "short_name": "教育", "region_code": "350500", "credit_code": "11350500003010168W"
        }))
        .await;
    assert!(
        r.status == StatusCode::CREATED || r.status == StatusCode::BAD_REQUEST,
        "{}",
        r.text
    );
    let mut bad = t.client();
    bad.headers
        .push(("authorization".into(), "Bearer owt_not-a-token".into()));
    assert_eq!(bad.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
    auth::revoke_api_token(t.app(), &Ctx::operator(), tok.id)
        .await
        .unwrap();
    assert_eq!(c.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn bad_department_input_names_the_field_and_stores_nothing() {
    let t = TestApp::new().await;
    let mut c = t.login("admin").await;
    let before = c
        .get("/api/v1/departments")
        .await
        .json()
        .as_array()
        .unwrap()
        .len();
    let r = c
        .json(Method::POST, "/api/v1/departments", json!({
            "name": "泉州市教育局", "short_name": "教育", "region_code": "350500", "credit_code": "11350500003010168A"
        }))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["field"], "credit_code");
    let r = c
        .json(
            Method::POST,
            "/api/v1/departments",
            json!({"name": "某局", "short_name": "某", "region_code": "999999"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["field"], "region_code");
    let r = c
        .json(
            Method::POST,
            "/api/v1/departments",
            json!({"name": "泉州市公安局", "short_name": "公安2", "region_code": "350500"}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::CONFLICT,
        "same name in the same region"
    );
    assert_eq!(
        c.get("/api/v1/departments")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        before
    );
}

#[tokio::test]
async fn two_admins_editing_the_same_department_conflict() {
    let t = TestApp::new().await;
    let mut a = t.login("admin").await;
    let mut b = t.login("admin").await;
    let id = onewindow_app::org::find_department(t.app(), "医保")
        .await
        .unwrap()
        .id;
    // Both open the edit page at the same version.
    let pa = a.get(&format!("/admin/departments/{id}")).await;
    let pb = b.get(&format!("/admin/departments/{id}")).await;
    assert!(
        pa.text.contains("name=\"version\" value=\"1\"")
            && pb.text.contains("name=\"version\" value=\"1\"")
    );
    let d = onewindow_app::org::get_department(t.app(), id)
        .await
        .unwrap();
    let cc = d.credit_code.clone().unwrap();
    let form = |name: &'static str| {
        vec![
            ("name", name),
            ("short_name", "医保"),
            ("region_code", "350500"),
            ("active", "1"),
            ("version", "1"),
        ]
    };
    let mut fa = form("泉州市医疗保障局（甲）");
    fa.push(("credit_code", &cc));
    let r = a.post_form(&format!("/admin/departments/{id}"), &fa).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let mut fb = form("泉州市医疗保障局（乙）");
    fb.push(("credit_code", &cc));
    let r = b.post_form(&format!("/admin/departments/{id}"), &fb).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text.contains("已被他人修改"));
    let now = onewindow_app::org::get_department(t.app(), id)
        .await
        .unwrap();
    assert_eq!(
        now.name, "泉州市医疗保障局（甲）",
        "the second save overwrote nothing"
    );
    assert_eq!(now.version, 2);
}

/// Loading any year's notice leaves the years nobody published unofficial (the case clocks'
/// weekends-only placeholders never become the calendar in force), and a year outside the
/// range of real notices is refused with a message, not a panic.
#[tokio::test]
async fn loading_a_year_keeps_unpublished_years_unofficial_and_refuses_absurd_years() {
    let t = TestApp::new().await;
    let mut c = t.login("admin").await;
    let last = *onewindow_domain::calendar::WorkCalendar::official()
        .unwrap()
        .years()
        .last()
        .unwrap();
    let unpublished = format!("/api/v1/calendar/is-working?date={}-01-01", last + 1);
    assert_eq!(
        c.get(&unpublished).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let earlier = last - 2;
    let r = c
        .json(
            Method::PUT,
            &format!("/api/v1/calendar/years/{earlier}"),
            json!({"year": earlier, "source": "重新载入", "days": [
                {"name": "元旦", "date": format!("{earlier}-01-01"), "isOffDay": true}
            ]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    let r = c.get(&unpublished).await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{} became official: {}",
        last + 1,
        r.text
    );
    for year in [i64::from(i32::MAX), 99_999, 1900, -1] {
        let r = c
            .json(
                Method::PUT,
                &format!("/api/v1/calendar/years/{year}"),
                json!({"year": year, "days": []}),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{year}: {}", r.text);
        assert!(r.text.contains("超出范围"), "{year}: {}", r.text);
    }
}

#[tokio::test]
async fn admin_loads_next_years_holiday_notice() {
    let t = TestApp::new().await;
    let mut c = t.login("admin").await;
    let y2027 = json!({"year": 2027, "source": "测试用放假安排", "days": [
        {"name": "元旦", "date": "2027-01-01", "isOffDay": true},
        {"name": "春节", "date": "2027-02-06", "isOffDay": false}
    ]});
    // Before: the year is refused as unknown.
    let r = c.get("/api/v1/calendar/is-working?date=2027-01-01").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = c
        .json(Method::PUT, "/api/v1/calendar/years/2026", y2027.clone())
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "path and data disagree");
    let mut clerk = t.login("clerk").await;
    let r = clerk
        .json(Method::PUT, "/api/v1/calendar/years/2027", y2027.clone())
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = c
        .json(Method::PUT, "/api/v1/calendar/years/2027", y2027)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    assert_eq!(
        c.get("/api/v1/calendar/is-working?date=2027-01-01")
            .await
            .json()["working"],
        false
    );
    assert_eq!(
        c.get("/api/v1/calendar/is-working?date=2027-02-06")
            .await
            .json()["working"],
        true,
        "a make-up Saturday"
    );
    assert_eq!(
        c.get("/api/v1/calendar/add?date=2026-12-31&days=1")
            .await
            .json()["due"],
        "2027-01-04"
    );
    let ev = c.get("/api/v1/audit?action=calendar.year_set").await.json();
    assert_eq!(ev[0]["object_id"], "2027");
}

#[tokio::test]
async fn a_wrong_method_answers_a_json_error_with_the_allowed_methods() {
    let t = TestApp::new().await;
    let mut c = t.client();
    for (method, path, allowed) in [
        (Method::GET, "/api/v1/id/check", "POST"),
        (Method::PUT, "/api/v1/regions", "POST"),
        (Method::PATCH, "/api/v1/catalog/items/1", "GET"),
    ] {
        let r = c.send(method.clone(), path, None, String::new()).await;
        assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert!(
            r.header("allow").is_some_and(|a| a.contains(allowed)),
            "{method} {path}: Allow {:?}",
            r.header("allow")
        );
        assert!(
            r.header("content-type")
                .is_some_and(|v| v.starts_with("application/json")),
            "{method} {path}: {:?}",
            r.header("content-type")
        );
        let j = r.json();
        assert_eq!(j["code"], "method_not_allowed", "{method} {path}: {j}");
        assert!(
            j["message"].as_str().unwrap().contains("请求方法"),
            "Chinese by default: {j}"
        );
    }
    let r = c
        .send(Method::GET, "/api/v1/id/check?lang=en", None, String::new())
        .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(
        r.json()["message"].as_str().unwrap().contains("method"),
        "{}",
        r.text
    );
    let mut en = t.client();
    en.headers.push(("accept-language".into(), "en".into()));
    let r = en
        .send(Method::PUT, "/api/v1/regions", None, String::new())
        .await;
    assert!(
        r.json()["message"].as_str().unwrap().contains("method"),
        "{}",
        r.text
    );
    // A page answers the same error as an HTML page, not an empty body.
    let r = t
        .client()
        .send(Method::DELETE, "/login", None, String::new())
        .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(r.header("allow").is_some());
    assert!(r.text.contains("<html"), "{}", r.text);
}

#[tokio::test]
async fn an_api_body_over_the_limit_answers_a_json_error() {
    let t = TestApp::new().await;
    let r = t
        .client()
        .send(
            Method::POST,
            "/api/v1/licenses/verify",
            Some("application/json"),
            vec![b' '; 3 * 1024 * 1024],
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    let j = r.json();
    assert_eq!(j["code"], "payload_too_large", "{j}");
    assert!(j["message"].as_str().unwrap().contains("过大"), "{j}");
}

/// Every parameter the OpenAPI document declares `in: path` is a `{name}` of its path template,
/// and query parameters are declared `in: query`, required only when they are.
#[tokio::test]
async fn openapi_parameters_are_where_the_request_carries_them() {
    let t = TestApp::new().await;
    let doc = t.client().get("/api/v1/openapi.json").await.json();
    let paths = doc["paths"].as_object().unwrap();
    let mut checked = 0;
    for (template, ops) in paths {
        for (method, op) in ops.as_object().unwrap() {
            let Some(params) = op.get("parameters").and_then(|p| p.as_array()) else {
                continue;
            };
            for p in params {
                let name = p["name"].as_str().unwrap();
                match p["in"].as_str().unwrap() {
                    "path" => {
                        assert!(
                            template.contains(&format!("{{{name}}}")),
                            "{method} {template}: path parameter {name} is not in the template"
                        );
                        assert_eq!(p["required"], true, "{method} {template} {name}");
                    }
                    "query" => {}
                    other => panic!("{method} {template}: {name} in {other}"),
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 20, "only {checked} parameters");
    let params = |path: &str| -> Vec<serde_json::Value> {
        doc["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap()
            .clone()
    };
    let search = params("/api/v1/disclosure/search");
    let find = |ps: &[serde_json::Value], n: &str| {
        ps.iter()
            .find(|p| p["name"] == n)
            .cloned()
            .unwrap_or_else(|| panic!("{n} missing"))
    };
    let q = find(&search, "q");
    assert_eq!(q["in"], "query");
    let limit = find(&search, "limit");
    assert_eq!(limit["in"], "query");
    assert_ne!(limit["required"], true, "an optional limit: {limit}");
    let audit = params("/api/v1/audit");
    for n in [
        "action",
        "actor",
        "object_type",
        "object_id",
        "before",
        "limit",
    ] {
        let p = find(&audit, n);
        assert_eq!(p["in"], "query", "{p}");
        assert_ne!(p["required"], true, "{p}");
    }
    let add = params("/api/v1/calendar/add");
    assert_eq!(
        find(&add, "date")["required"],
        true,
        "a required query field"
    );
}

#[tokio::test]
async fn a_duplicate_region_conflict_names_the_code_without_database_text() {
    let t = TestApp::new().await;
    let mut c = t.login("admin").await;
    let r = c
        .json(
            Method::POST,
            "/api/v1/regions",
            json!({"code": "350500", "name": "x"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    let j = r.json();
    assert_eq!(j["code"], "conflict");
    let m = j["message"].as_str().unwrap();
    assert!(m.contains("区划代码已存在"), "{m}");
    for raw in ["UNIQUE", "constraint", "regions", "pkey"] {
        assert!(!m.contains(raw), "database text in {m}");
    }
    c.headers.push(("accept-language".into(), "en".into()));
    let r = c
        .json(
            Method::POST,
            "/api/v1/regions",
            json!({"code": "350500", "name": "x"}),
        )
        .await;
    let m = r.json()["message"].as_str().unwrap().to_string();
    assert!(m.contains("region code already exists"), "{m}");
    assert!(!m.contains("UNIQUE") && !m.contains("regions."), "{m}");
}

/// Malformed query strings, forms and JSON bodies are answered in the user's language, naming
/// the field, without the parser's English in the Chinese message.
#[tokio::test]
async fn malformed_input_names_the_field_in_chinese() {
    let t = TestApp::new().await;
    let mut c = t.client();
    let r = c.get("/api/v1/disclosure/search?q=a&limit=-1").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let m = r.json()["message"].as_str().unwrap().to_string();
    assert!(m.contains("字段“limit”"), "{m}");
    assert!(!m.contains("Failed") && !m.contains("invalid digit"), "{m}");
    let r = c
        .get("/api/v1/disclosure/search?q=a&limit=-1&lang=en")
        .await;
    let m = r.json()["message"].as_str().unwrap().to_string();
    assert!(m.contains("limit: invalid digit"), "{m}");
    // (?lang=en is remembered in a cookie: a new client for Chinese again.)
    let r = t
        .client()
        .json(Method::POST, "/api/v1/id/check", json!({"value": 123}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let m = r.json()["message"].as_str().unwrap().to_string();
    assert!(m.contains("字段“value”"), "{m}");
    assert!(!m.contains("invalid type"), "{m}");
}

/// Holiday data stored before today's checks existed (here a year outside 1999–2100) does not
/// keep the service from starting: it is left out of the calendar in force.
#[tokio::test]
async fn a_stored_year_that_is_now_refused_does_not_stop_the_service() {
    let t = TestApp::new().await;
    t.tdb
        .exec(
            "insert into calendar_years (year, data, version, updated_at) values \
             (2101, '{\"year\": 2101, \"days\": []}', 1, '2026-11-26T00:00:00Z')",
        )
        .await;
    let app = onewindow_app::App::new(t.tdb.db.clone(), onewindow_testkit::test_settings())
        .await
        .expect("the service starts");
    assert!(!app.calendar().years().contains(&2101));
    assert!(app.calendar().years().contains(&2026));
}

/// A filter value that does not exist is refused, not silently ignored; an error names the
/// field as the request spells it.
#[tokio::test]
async fn unknown_filter_values_are_refused_and_errors_name_the_request_field() {
    let t = TestApp::new().await;
    let mut c = t.client();
    let r = c.get("/api/v1/catalog/items?status=zz").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(r.json()["field"], "status");
    let r = c.get("/api/v1/catalog/items?status=published").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = c
        .json(
            Method::POST,
            "/api/v1/id/check",
            json!({"value": "350502199001011234"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(r.json()["field"], "value", "{}", r.text);
}
