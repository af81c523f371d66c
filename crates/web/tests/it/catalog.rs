//! Service catalog acceptance: one source for every channel, lifecycle without bypass, search,
//! round trips, atomic imports.

use axum::http::{Method, StatusCode};
use onewindow_app::Ctx;
use onewindow_app::catalog as cat;
use onewindow_domain::catalog::ServiceGuide;
use onewindow_testkit::{Client, TestApp};
use serde_json::{Value, json};

/// A guide with every element filled, for the 市场监管 department of the demo.
fn full_guide(task_serial: &str, name: &str) -> Value {
    json!({
        "name": name,
        "catalog_code": format!("350109{task_serial}"),
        "task_code": format!("1135050000301005241350109{task_serial}"),
        "handle_item_code": format!("1135050000301005241350109{task_serial}-01"),
        "item_type": "01",
        "legal_basis": "《中华人民共和国食品安全法》第三十五条\n《食品经营许可和备案管理办法》第十条",
        "level": "city",
        "region_code": "350500",
        "department": "泉州市市场监督管理局",
        "service_objects": ["natural_person", "legal_person"],
        "case_kind": "promised",
        "statutory_days": 10,
        "promised_days": 3,
        "conditions": "1. 具有与经营的食品品种、数量相适应的经营场所；\n2. 有食品安全管理人员。",
        "steps": [{"name": "受理", "description": "综合窗口核验材料"}, {"name": "审查", "description": "书面审查，必要时现场核查"}, {"name": "决定", "description": "作出准予或不予许可决定"}],
        "channels": ["window", "online", "express"],
        "address": "泉州市行政服务中心市场准入厅 A02",
        "hours": "工作日上午8:30-12:00，下午14:30-17:30（法定节假日除外）",
        "fees": [{"name": "工本费", "standard": "0元", "basis": "闽价费〔2018〕1号", "waivable": true, "waiver_basis": "小微企业免收"}],
        "consult_contact": "0595-22132218",
        "complaint_contact": "0595-12345",
        "visits_required": 1,
        "online_depth": 3,
        "express_delivery": true,
        "online_payment": false,
        "appointment": true,
        "result_type": "证照",
        "result_name": "食品经营许可证",
        "result_license_type": "11100000000013127D004",
        "special_procedures": [{"kind": "site_survey", "max_days": 5, "description": "必要时现场核查经营场所"}],
        "faq": [{"question": "网上申请后还需要到现场吗？", "answer": "需要到现场核验一次。"}],
        "materials": [
            {"name": "食品经营许可申请书", "required": true, "form": "original", "copies": 1, "medium": "either",
             "source": {"kind": "applicant"}, "blank_form": "/forms/sp-apply.docx", "sample": null,
             "acceptance_standard": "法定代表人签字并加盖公章", "basis": "《食品经营许可和备案管理办法》第十一条", "note": "可网上填报"},
            {"name": "营业执照", "required": true, "form": "copy", "copies": 1, "medium": "electronic",
             "source": {"kind": "license", "license_type_code": "11100000000013127D001"},
             "blank_form": null, "sample": null, "acceptance_standard": "在有效期内", "basis": null, "note": null},
            {"name": "场所产权证明", "required": false, "form": "original_and_copy", "copies": 1, "medium": "paper",
             "source": {"kind": "department", "name": "泉州市不动产登记中心"},
             "blank_form": null, "sample": null, "acceptance_standard": "与经营地址一致", "basis": null, "note": null}
        ],
        "discretion": "restricted",
        "authority": "deputy_director",
        "situations": [{"name": "新办", "class": "restricted", "authority": "deputy_director"},
                       {"name": "注销", "class": "encouraged", "authority": "window_officer"}],
        "review_standards": {"technical": ["布局流程合理", "设备设施齐全"], "expert": [], "inspection": ["现场与平面图一致"]},
        "hall": "market_access",
        "life_events": ["开办餐饮店"],
        "keywords": ["餐饮许可"]
    })
}

async fn publish(
    t: &TestApp,
    editor: &mut Client,
    reviewer: &mut Client,
    guide: Value,
) -> (i64, i64) {
    let r = editor
        .json(Method::POST, "/api/v1/catalog/items", guide)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let created = r.json();
    let (item, version) = (
        created["item_id"].as_i64().unwrap(),
        created["version_id"].as_i64().unwrap(),
    );
    let r = editor
        .json(
            Method::POST,
            &format!("/api/v1/catalog/versions/{version}/submit"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = reviewer
        .json(
            Method::POST,
            &format!("/api/v1/catalog/versions/{version}/approve"),
            json!({"comment": "符合要求"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = editor
        .json(
            Method::POST,
            &format!("/api/v1/catalog/versions/{version}/publish"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let _ = t;
    (item, version)
}

#[tokio::test]
async fn an_item_with_every_element_round_trips_exactly() {
    let t = TestApp::new().await;
    let mut editor = t.login("catalog").await;
    let mut reviewer = t.login("publisher").await;
    let g = full_guide("001901", "食品经营许可（新办）");
    let (item, _) = publish(&t, &mut editor, &mut reviewer, g.clone()).await;
    let got = t
        .client()
        .get(&format!("/api/v1/catalog/items/{item}"))
        .await
        .json();
    assert_eq!(
        got["guide"], g,
        "every element is stored and served exactly"
    );

    // export → import (elsewhere) → export is identical.
    let first = cat::export(t.app()).await.unwrap();
    assert!(first.iter().any(|x| x.name == "食品经营许可（新办）"));
    let t2 = TestApp::new().await;
    let rep = cat::import(t2.app(), &Ctx::operator(), first.clone(), true, |_| {})
        .await
        .unwrap();
    assert_eq!(rep.created, 1, "{rep:?}");
    let second = cat::export(t2.app()).await.unwrap();
    assert_eq!(
        serde_json::to_string(&first).unwrap(),
        serde_json::to_string(&second).unwrap()
    );
    // XLSX too.
    let xlsx = onewindow_documents::catalog_xlsx(&second).unwrap();
    let back = onewindow_documents::read_catalog_xlsx(&xlsx).unwrap();
    assert_eq!(back, second);
}

#[tokio::test]
async fn an_import_with_one_bad_row_stores_nothing_and_names_row_and_field() {
    let t = TestApp::new().await;
    let mut guides: Vec<ServiceGuide> = cat::export(t.app()).await.unwrap();
    let before = cat::staff_list(t.app(), &Ctx::operator(), &Default::default(), 0, 200)
        .await
        .unwrap();
    let n = guides.len();
    for g in guides.iter_mut() {
        g.hours = format!("{}（测试修改）", g.hours);
    }
    guides[5].promised_days = guides[5].statutory_days + 1;
    let err = cat::import(t.app(), &Ctx::operator(), guides, true, |_| {})
        .await
        .unwrap_err();
    let onewindow_app::AppError::Invalid(problems) = err else {
        panic!("{err:?}")
    };
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].field, "items[5].promised_days");
    let after = cat::staff_list(t.app(), &Ctx::operator(), &Default::default(), 0, 200)
        .await
        .unwrap();
    assert_eq!(before, after, "nothing was stored");
    assert_eq!(cat::export(t.app()).await.unwrap().len(), n);
    assert!(
        cat::export(t.app())
            .await
            .unwrap()
            .iter()
            .all(|g| !g.hours.contains("测试修改"))
    );
}

#[tokio::test]
async fn a_draft_is_on_no_public_channel_until_published_and_leaves_on_withdrawal() {
    let t = TestApp::new().await;
    let mut editor = t.login("catalog").await;
    let mut reviewer = t.login("publisher").await;
    let r = editor
        .json(
            Method::POST,
            "/api/v1/catalog/items",
            full_guide("001902", "试点咖啡馆备案"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let item = r.json()["item_id"].as_i64().unwrap();
    let version = r.json()["version_id"].as_i64().unwrap();
    let mut public = t.client();
    let hidden = |public: &mut Client, item: i64| {
        let mut p = public.clone();
        async move {
            for path in [
                format!("/guide/items/{item}"),
                format!("/guide/items/{item}/print"),
                format!("/guide/items/{item}/guide.docx"),
                format!("/kiosk/items/{item}"),
                format!("/api/v1/catalog/items/{item}"),
            ] {
                assert_eq!(p.get(&path).await.status, StatusCode::NOT_FOUND, "{path}");
            }
            let list = p.get("/api/v1/catalog/items?limit=200").await.json();
            assert!(
                !list["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|i| i["item_id"] == item),
                "in the list"
            );
            let s = p
                .get("/api/v1/catalog/search?q=试点咖啡馆备案")
                .await
                .json();
            assert!(
                !s["hits"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|h| h["id"] == item),
                "in search: {s}"
            );
            let page = p.get("/guide/search?q=试点咖啡馆备案").await.text;
            assert!(
                !page.contains(&format!("href=\"/guide/items/{item}\"")),
                "search page links it"
            );
            let kiosk = p.get("/kiosk/items?hall=market_access").await.text;
            assert!(!kiosk.contains("试点咖啡馆备案"));
            let hall = p.get("/guide/items?hall=market_access").await.text;
            assert!(!hall.contains("试点咖啡馆备案"));
        }
    };
    hidden(&mut public, item).await;
    editor
        .json(
            Method::POST,
            &format!("/api/v1/catalog/versions/{version}/submit"),
            json!({}),
        )
        .await;
    hidden(&mut public, item).await;
    reviewer
        .json(
            Method::POST,
            &format!("/api/v1/catalog/versions/{version}/approve"),
            json!({}),
        )
        .await;
    hidden(&mut public, item).await;
    // An attempt to publish straight from draft is impossible (no bypass).
    let r = editor
        .json(
            Method::POST,
            &format!("/api/v1/catalog/versions/{version}/publish"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "reviewed → published: {}", r.text);
    assert_eq!(
        public.get(&format!("/guide/items/{item}")).await.status,
        StatusCode::OK
    );
    let s = public
        .get("/api/v1/catalog/search?q=试点咖啡馆备案")
        .await
        .json();
    assert_eq!(s["hits"][0]["id"], item, "title match ranks first: {s}");
    let r = editor
        .json(
            Method::POST,
            &format!("/api/v1/catalog/items/{item}/withdraw"),
            json!({"comment": ""}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "a reason is required");
    let r = editor
        .json(
            Method::POST,
            &format!("/api/v1/catalog/items/{item}/withdraw"),
            json!({"comment": "事项取消"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    hidden(&mut public, item).await;
}

#[tokio::test]
async fn no_bypass_and_no_self_approval() {
    let t = TestApp::new().await;
    let mut editor = t.login("catalog").await;
    let r = editor
        .json(
            Method::POST,
            "/api/v1/catalog/items",
            full_guide("001903", "自审测试事项"),
        )
        .await;
    let version = r.json()["version_id"].as_i64().unwrap();
    let r = editor
        .json(
            Method::POST,
            &format!("/api/v1/catalog/versions/{version}/publish"),
            json!({}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "draft cannot be published: {}",
        r.text
    );
    assert_eq!(r.json()["code"], "invalid_transition");
    // A user holding both roles submits, then tries to approve their own submission.
    let mut admin = t.login("admin").await;
    let r = admin
        .json(Method::POST, "/api/v1/users", json!({"username": "both.roles", "display_name": "兼任", "password": "Both-roles-2026",
            "grants": [{"role": "catalog_manager", "scope": "global"}, {"role": "publishing_reviewer", "scope": "global"}]}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let mut both = t.client();
    both.login("both.roles", "Both-roles-2026").await;
    let r = both
        .json(
            Method::POST,
            &format!("/api/v1/catalog/versions/{version}/submit"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = both
        .json(
            Method::POST,
            &format!("/api/v1/catalog/versions/{version}/approve"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .contains("提交人不能审核")
    );
    // A clerk cannot touch the catalog at all.
    let mut clerk = t.login("clerk").await;
    let r = clerk
        .json(
            Method::POST,
            "/api/v1/catalog/items",
            full_guide("001904", "无权事项"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        clerk
            .get(&format!("/api/v1/catalog/versions/{version}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn invalid_guides_list_every_problem_by_field() {
    let t = TestApp::new().await;
    let mut editor = t.login("catalog").await;
    let mut g = full_guide("001905", "");
    g["promised_days"] = json!(99);
    g["task_code"] = json!("91350500MA00000000135010900190");
    let r = editor.json(Method::POST, "/api/v1/catalog/items", g).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let j = r.json();
    assert_eq!(j["code"], "invalid_document");
    let fields: Vec<&str> = j["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["field"].as_str().unwrap())
        .collect();
    for f in ["name", "promised_days", "task_code"] {
        assert!(fields.contains(&f), "{f} not in {fields:?}");
    }
    let r = editor
        .json(
            Method::POST,
            "/api/v1/catalog/items",
            json!({"name": "缺字段"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["code"], "invalid_json");
}

#[tokio::test]
async fn chinese_keyword_search_finds_the_right_items() {
    let t = TestApp::new().await;
    let mut c = t.client();
    let r = c
        .get("/api/v1/catalog/search?q=开办企业&limit=20")
        .await
        .json();
    let titles: Vec<&str> = r["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["title"].as_str().unwrap())
        .collect();
    assert!(
        titles.iter().any(|t| t.contains("企业设立登记")),
        "{titles:?}"
    );
    assert!(!titles.iter().any(|t| t.contains("护照")), "{titles:?}");
    let r = c
        .get("/api/v1/catalog/search?q=不动产&limit=5")
        .await
        .json();
    let titles: Vec<&str> = r["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["title"].as_str().unwrap())
        .collect();
    assert!(
        !titles.is_empty() && titles[0].contains("不动产"),
        "{titles:?}"
    );
    assert!(
        r["hits"][0]["title_html"]
            .as_str()
            .unwrap()
            .contains("<mark>")
    );
    let page = c.get("/guide/search?q=护照").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text.contains("普通<mark>护照</mark>签发"),
        "two-character word query, highlighted"
    );
    let r = c
        .get("/api/v1/catalog/search?q=%3Cscript%3E%22%20OR%20(")
        .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "odd input is just text: {}",
        r.text
    );
}

#[tokio::test]
async fn channels_sync_cheaply_with_etags_and_the_change_feed() {
    let t = TestApp::new().await;
    let mut c = t.client();
    let list = c.get("/api/v1/catalog/items?hall=market_access").await;
    let etag = list.header("etag").unwrap().to_string();
    let mut again = c.clone();
    again.headers.push(("if-none-match".into(), etag.clone()));
    assert_eq!(
        again
            .get("/api/v1/catalog/items?hall=market_access")
            .await
            .status,
        StatusCode::NOT_MODIFIED
    );
    let id = list.json()["items"][0]["item_id"].as_i64().unwrap();
    let item = c.get(&format!("/api/v1/catalog/items/{id}")).await;
    let mut cond = c.clone();
    cond.headers.push((
        "if-none-match".into(),
        item.header("etag").unwrap().to_string(),
    ));
    assert_eq!(
        cond.get(&format!("/api/v1/catalog/items/{id}"))
            .await
            .status,
        StatusCode::NOT_MODIFIED
    );

    let feed = c
        .get("/api/v1/catalog/changes?since=0&limit=1000")
        .await
        .json();
    let last = feed["last"].as_i64().unwrap();
    assert!(feed["changes"].as_array().unwrap().len() >= 45);
    let mut editor = t.login("catalog").await;
    let mut reviewer = t.login("publisher").await;
    let (new_item, _) = publish(
        &t,
        &mut editor,
        &mut reviewer,
        full_guide("001906", "变更订阅测试事项"),
    )
    .await;
    let feed = c
        .get(&format!("/api/v1/catalog/changes?since={last}"))
        .await
        .json();
    let ch = feed["changes"].as_array().unwrap();
    assert_eq!(ch.len(), 1, "{feed}");
    assert_eq!(ch[0]["item_id"], new_item);
    assert_eq!(ch[0]["kind"], "published");
    // The list changed, so the old ETag no longer matches.
    assert_eq!(
        again
            .get("/api/v1/catalog/items?hall=market_access")
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn editing_creates_versions_with_history_and_diff_and_stale_saves_conflict() {
    let t = TestApp::new().await;
    let mut editor = t.login("catalog").await;
    let mut reviewer = t.login("publisher").await;
    let g = full_guide("001907", "版本测试事项");
    let (item, v1) = publish(&t, &mut editor, &mut reviewer, g.clone()).await;
    let r = editor
        .json(
            Method::POST,
            &format!("/api/v1/catalog/items/{item}/versions"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let v2 = r.json()["version_id"].as_i64().unwrap();
    let ev = r.json()["edit_version"].as_i64().unwrap();
    let r = editor
        .json(
            Method::POST,
            &format!("/api/v1/catalog/items/{item}/versions"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "only one open version");
    let mut g2 = g.clone();
    g2["promised_days"] = json!(2);
    let r = editor
        .json(
            Method::PUT,
            &format!("/api/v1/catalog/versions/{v2}"),
            json!({"guide": g2, "edit_version": ev}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = editor
        .json(
            Method::PUT,
            &format!("/api/v1/catalog/versions/{v2}"),
            json!({"guide": g, "edit_version": ev}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "stale save");
    let r = editor
        .json(
            Method::PUT,
            &format!("/api/v1/catalog/versions/{v1}"),
            json!({"guide": g, "edit_version": 1}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::CONFLICT,
        "a published version is immutable"
    );
    // The public still sees version 1 while version 2 is a draft.
    assert_eq!(
        t.client()
            .get(&format!("/api/v1/catalog/items/{item}"))
            .await
            .json()["guide"]["promised_days"],
        3
    );
    let d = editor
        .get(&format!("/api/v1/catalog/diff?a={v1}&b={v2}"))
        .await
        .json();
    assert_eq!(d.as_array().unwrap().len(), 1);
    assert_eq!(d[0]["path"], "promised_days");
    let hist = editor
        .get(&format!("/api/v1/catalog/items/{item}/history"))
        .await
        .json();
    assert_eq!(hist.as_array().unwrap().len(), 2);
    let page = editor.get(&format!("/catalog/items/{item}")).await;
    assert!(page.text.contains("v2") && page.text.contains("id=\"submit\""));
}

#[tokio::test]
async fn portal_pages_show_every_element_and_the_guide_prints() {
    let t = TestApp::new().await;
    let mut editor = t.login("catalog").await;
    let mut reviewer = t.login("publisher").await;
    let (item, _) = publish(
        &t,
        &mut editor,
        &mut reviewer,
        full_guide("001908", "食品经营许可（页面）"),
    )
    .await;
    let mut c = t.client();
    let home = c.get("/guide").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.text.contains("市场准入"));
    let page = c.get(&format!("/guide/items/{item}")).await;
    for s in [
        "食品经营许可（页面）",
        "食品经营许可申请书",
        "电子证照（免提交）",
        "部门共享",
        "工本费",
        "现场踏勘",
        "布局流程合理",
        "限制类",
        "分管副局长",
        "网上申请后还需要到现场吗？",
        "11100000000013127D004",
    ] {
        assert!(page.text.contains(s), "item page lacks {s}");
    }
    let print = c.get(&format!("/guide/items/{item}/print")).await;
    assert!(print.text.contains("id=\"print-now\""));
    let docx = c.get(&format!("/guide/items/{item}/guide.docx")).await;
    assert_eq!(docx.status, StatusCode::OK);
    assert!(
        docx.header("content-type")
            .unwrap()
            .contains("wordprocessingml")
    );
    assert!(docx.text.as_bytes().starts_with(b"PK"));
    let kiosk = c.get("/kiosk").await;
    assert!(kiosk.text.contains("class=\"ktile\""));
    let stats = c.get("/catalog/stats").await;
    assert!(stats.text.contains("鼓励允许类"));
    let api = c.get("/api/v1/catalog/stats").await.json();
    assert!(
        api.as_array()
            .unwrap()
            .iter()
            .any(|s| s["discretion"] == "restricted")
    );
}
