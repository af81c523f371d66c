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

/// GETs `path` with `?lang=en` (or `&lang=en`) and expects a 200.
async fn en(c: &mut onewindow_testkit::Client, path: &str) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    let r = c.get(&format!("{path}{sep}lang=en")).await;
    assert_eq!(r.status, axum::http::StatusCode::OK, "{path}: {}", r.text);
    r.text
}

/// Every `present` appears and no `absent` does.
fn check(page: &str, html: &str, present: &[&str], absent: &[&str]) {
    for p in present {
        assert!(html.contains(p), "{page}: {p:?} missing");
    }
    for a in absent {
        assert!(!html.contains(a), "{page}: {a:?} still shown");
    }
}

#[tokio::test]
async fn public_pages_label_codes_in_english_and_keep_content_chinese() {
    let t = TestApp::new().await;
    let mut c = t.client();
    let html = en(&mut c, "/xxgk/").await;
    check(
        "/xxgk/",
        &html,
        &[
            ">Public interaction<",
            ">In force<",
            ">Expired<",
            ">Repealed<",
            " · Disclosure guide · ",
            // Document titles stay as written.
            "泉州市行政服务中心政府信息公开指南",
        ],
        &["互动交流", ">有效<", ">失效<", ">废止<", " · 公开指南 · "],
    );
    let html = en(&mut c, "/xxgk/1").await;
    check(
        "/xxgk/1",
        &html,
        &[
            "<td>Disclosure guide</td>",
            "<td>Other</td>",
            "<td id=\"validity\">In force</td>",
        ],
        &["<td>公开指南</td>", "<td>其他</td>", ">有效<"],
    );
    let html = en(&mut c, "/xxgk/guide").await;
    check(
        "/xxgk/guide",
        &html,
        &["Open government office, "],
        &[" open government office"],
    );
    let html = en(&mut c, "/ysqgk/apply").await;
    check(
        "/ysqgk/apply",
        &html,
        &[
            ">Natural person<",
            ">Paper<",
            ">Post<",
            ">Collect in person<",
        ],
        &[">自然人<", ">纸质文本<", ">邮寄<", ">当面领取<", ">快递<"],
    );
    let html = en(&mut c, "/guide").await;
    check(
        "/guide",
        &html,
        &[">City level<", ">Township (sub-district) level<"],
        &[">市级<", "乡镇（街道）级", "村（社区）级"],
    );
    let html = en(&mut c, "/guide/items").await;
    check(
        "/guide/items",
        &html,
        &[" · City · ", " · Village · "],
        &[" · 市 · ", " · 村 · ", " · 乡 · "],
    );
    let html = en(&mut c, "/guide/items?level=township").await;
    check(
        "/guide/items?level=township",
        &html,
        &["Township (sub-district) level"],
        &["乡级"],
    );
    // 企业投资项目备案: handled on the spot, materials as originals, electronic.
    let html = en(&mut c, "/guide/items/1").await;
    check(
        "/guide/items/1",
        &html,
        &[
            "<td>Handled on the spot</td>",
            "<td>Original</td>",
            "<td>Electronic</td>",
            "<td>Other administrative power</td>",
            "<td>provided by the applicant</td>",
            "Result type: ",
            "企业投资项目备案",
        ],
        &[
            ">即办件<",
            "<td>原件</td>",
            "<td>电子</td>",
            ">其他行政权力<",
            "Result type：",
            "；Result",
        ],
    );
    let html = en(&mut c, "/kiosk/items/1").await;
    check(
        "/kiosk/items/1",
        &html,
        &["(Original 1, required)", "Promised time limit: "],
        &["（原件", "，required", "Promised time limit："],
    );
    // The same pages in Chinese keep the Chinese labels.
    let html = c.get("/xxgk/?lang=zh").await.text;
    check(
        "/xxgk/ zh",
        &html,
        &["互动交流", ">有效<"],
        &["Public interaction"],
    );
    let html = c.get("/guide/items/1?lang=zh").await.text;
    check(
        "/guide/items/1 zh",
        &html,
        &["<td>即办件</td>", "<td>原件</td>"],
        &[],
    );
    t.tdb.cleanup().await;
}

#[tokio::test]
async fn staff_pages_label_codes_in_english() {
    let t = TestApp::new().await;
    // Case 2 of the demo is in review: the clock can be stopped for a special procedure.
    let mut clerk = t.login("clerk").await;
    let html = en(&mut clerk, "/cases/2").await;
    check(
        "/cases/2",
        &html,
        &[
            "<option value=\"hearing\">Hearing</option>",
            "<option value=\"tender\">Tender</option>",
        ],
        &[">听证<", ">招标<", ">补正材料<"],
    );
    let l = licenses::list(t.app(), None, Some("valid"), 1)
        .await
        .unwrap()
        .remove(0);
    let html = en(&mut clerk, &format!("/licenses/{}", l.identifier)).await;
    check(
        "/licenses/{id}",
        &html,
        &["id=\"license-status\">Valid<"],
        &["id=\"license-status\">有效<"],
    );
    let html = en(&mut clerk, "/licenses").await;
    check(
        "/licenses",
        &html,
        &[">Suspended<", ">Valid<"],
        &[">暂扣<", ">有效<"],
    );
    // Demo requests: one open and on time, one awaiting completion with the clock stopped.
    let mut officer = t.login("disclosure").await;
    let html = en(&mut officer, "/ysqgk/requests").await;
    check(
        "/ysqgk/requests",
        &html,
        &[
            ">In progress<",
            ">Awaiting completion<",
            ">On time<",
            ">Clock stopped<",
        ],
        &["办理中", "待补正", ">正常<", "暂停计时"],
    );
    let o = auth::staff_ctx(t.app(), "disclosure").await.unwrap();
    let (r, _) = requests::list(t.app(), &o, true)
        .await
        .unwrap()
        .into_iter()
        .find(|(r, _)| r.status == "awaiting_correction")
        .unwrap();
    let html = en(&mut officer, &format!("/ysqgk/requests/{}", r.id)).await;
    check(
        "/ysqgk/requests/{id}",
        &html,
        &[
            "Awaiting completion",
            "Corrections: ",
            ">Partly disclosed<",
            ">third party<",
            ">Per request<",
        ],
        &[
            "待补正",
            "补正材料：",
            ">部分公开<",
            ">第三方<",
            ">按件计收<",
            "（补正告知书）",
        ],
    );
    let mut publisher = t.login("publisher").await;
    let html = en(&mut publisher, "/xxgk/admin").await;
    check(
        "/xxgk/admin",
        &html,
        &[
            "Awaiting confidentiality review",
            ">Published<",
            "Budgets and public funds",
        ],
        &["待保密审查", ">已发布<", ">财政资金<"],
    );
    let html = en(&mut publisher, "/catalog").await;
    check(
        "/catalog",
        &html,
        &[">Published<", ">Draft<"],
        &[">草稿<", ">published<"],
    );
    t.tdb.cleanup().await;
}

/// The labels of every domain code shown on pages exist in both locales, and the Chinese one is
/// the domain's own label (so the two cannot drift apart).
#[test]
fn every_code_has_a_label_in_both_languages() {
    use onewindow_domain::case::clock::PauseKind;
    use onewindow_domain::catalog as cat;
    use onewindow_domain::disclosure::{item, request};
    use onewindow_domain::license;
    use onewindow_web::i18n::{Lang, Tr};
    macro_rules! group {
        ($g:literal, $e:ty) => {
            (
                $g,
                <$e>::ALL
                    .iter()
                    .map(|v| (v.as_str(), v.zh()))
                    .collect::<Vec<_>>(),
            )
        };
    }
    let groups = [
        group!("xxgk.column", item::Column),
        group!("xxgk.genre", item::Genre),
        group!("xxgk.validity", item::Validity),
        group!("xxgk.attribute", item::Attribute),
        group!("xxgk.change", item::ChangeSize),
        group!("xxgk.state", item::VersionState),
        group!("ysq.kind", request::RequesterKind),
        group!("ysq.channel", request::Channel),
        group!("ysq.form", request::InfoForm),
        group!("ysq.obtain", request::Obtain),
        group!("ysq.state", request::RequestStatus),
        group!("ysq.outcome", request::ReplyOutcome),
        group!("ysq.appeal", request::AppealKind),
        group!("ysq.appeal_result", request::AppealResult),
        group!("pause", PauseKind),
        group!("guide.item_type", cat::ItemType),
        group!("guide.object", cat::ServiceObject),
        group!("guide.case_kind", cat::CaseKind),
        group!("guide.discretion", cat::DiscretionClass),
        group!("guide.authority", cat::Authority),
        group!("guide.channel", cat::Channel),
        group!("guide.form", cat::MaterialForm),
        group!("guide.medium", cat::Medium),
        group!("guide.procedure", cat::SpecialProcedureKind),
        group!("catalog.state", cat::VersionStatus),
        group!("lic.status", license::LicenseStatus),
        group!("lic.action", license::StatusAction),
        group!("case.status", onewindow_domain::case::state::CaseStatus),
        (
            "guide.level",
            onewindow_domain::region::AdminLevel::ALL
                .iter()
                .map(|v| (v.as_str(), v.zh()))
                .collect(),
        ),
    ];
    let (_, en_keys) = onewindow_web::i18n::keys();
    let zh = Tr { lang: Lang::Zh };
    for (group, values) in groups {
        for (code, label) in values {
            let key = format!("{group}.{code}");
            assert!(en_keys.contains(&key), "{key} has no English text");
            assert_eq!(zh.code(group, code), label, "{key}");
        }
    }
}
