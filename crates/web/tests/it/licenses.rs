//! E-licence library scenarios: issuance when a case completes, signatures and offline
//! verification, status changes seen by verifiers at once, reuse at intake (免提交) with the
//! holder's use log, and sharing upward between two libraries exactly once.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use onewindow_app::cases::{
    self, ApplicantInput, IntakeOutcome, IntakeRequest, MaterialTick, PlanRef, TaskDecision,
};
use onewindow_app::licenses::{self, FileProblem};
use onewindow_app::{AppError, Ctx, auth};
use onewindow_domain::case::state::{Delivery, MaterialStatus, Outcome};
use onewindow_domain::license::{LicenseId, StatusAction};
use onewindow_testkit::{TestApp, TestDb, test_settings};

const QYKB: &str = "qykb";
const FOOD: &str = "1135058200302005872000109004000"; // 食品经营许可: material 营业执照 (license)
const HYGIENE: &str = "11350500003010159F1000115001000"; // 公共场所卫生许可: material 营业执照
const BIZ_LICENSE: &str = "11100000000013127D001";

fn company(body: &str) -> String {
    onewindow_domain::identity::CreditCode::synthesize("91350503", body)
        .unwrap()
        .as_str()
        .to_string()
}

async fn ctx(t: &TestApp, user: &str) -> Ctx {
    auth::staff_ctx(t.app(), user).await.unwrap()
}

fn request(plan: PlanRef, id: &str, ticks: Vec<MaterialTick>) -> IntakeRequest {
    IntakeRequest {
        plan,
        applicant: ApplicantInput {
            id_number: id.into(),
            name: "泉州市启明电子有限公司".into(),
            phone: Some("13812345678".into()),
            email: None,
        },
        situation: None,
        contact_name: None,
        agent_name: None,
        agent_id_number: None,
        legal_rep: Some("王启明".into()),
        address: Some("泉州市丰泽区田安路 1 号".into()),
        window_id: None,
        materials: ticks,
        delivery: Delivery::Window,
        delivery_address: None,
        summary: "电子元器件销售".into(),
        outcome: IntakeOutcome::Accept,
    }
}

async fn all_provided(t: &TestApp, plan: &PlanRef) -> Vec<MaterialTick> {
    let (_, list) = cases::checklist(t.app(), plan).await.unwrap();
    list.iter()
        .map(|m| MaterialTick::provided(&m.name))
        .collect()
}

/// Intake a 企业开办 bundle for `id` and have the four departments approve it.
async fn set_up_company(t: &TestApp, id: &str) -> i64 {
    let clerk = ctx(t, "clerk").await;
    let plan = PlanRef::Bundle(QYKB.into());
    let ticks = all_provided(t, &plan).await;
    let (case, _) = cases::intake(t.app(), &clerk, request(plan, id, ticks))
        .await
        .unwrap();
    for user in ["reviewer.ga", "reviewer.sw", "reviewer.rh", "reviewer.scjg"] {
        let v = cases::view(t.app(), &clerk, case.id).await.unwrap();
        let c = ctx(t, user).await;
        let mine = v
            .tasks
            .iter()
            .filter(|x| x.task.status == "open")
            .find(|x| {
                let dept = &x.department;
                match user {
                    "reviewer.ga" => dept.contains("公安"),
                    "reviewer.sw" => dept.contains("税务"),
                    "reviewer.rh" => dept.contains("人民银行"),
                    _ => dept.contains("市场监督"),
                }
            })
            .unwrap();
        cases::decide_task(
            t.app(),
            &c,
            mine.task.id,
            TaskDecision {
                outcome: Outcome::Approve,
                opinion: "符合条件".into(),
                checked: mine.standards.clone(),
                expected_version: Some(mine.task.version),
            },
        )
        .await
        .unwrap();
    }
    case.id
}

#[tokio::test]
async fn a_completed_bundle_issues_a_signed_licence_that_verifies() {
    let t = TestApp::new().await;
    let id = company("MA8QM1E2");
    let case_id = set_up_company(&t, &id).await;
    let clerk = ctx(&t, "clerk").await;
    let v = cases::view(t.app(), &clerk, case_id).await.unwrap();
    assert_eq!(v.case.status, "completed");
    // One licence, the 营业执照, issued to the company by 市场监管 in the same transaction.
    let held = licenses::list(t.app(), Some(&id), None, 10).await.unwrap();
    assert_eq!(held.len(), 1, "{held:?}");
    let l = &held[0];
    assert_eq!(l.type_code, BIZ_LICENSE);
    assert_eq!(l.status, "valid");
    assert_eq!(l.case_id, Some(case_id));
    let lid = LicenseId::parse(&l.identifier).unwrap();
    assert_eq!(lid.version(), 1);
    assert_eq!(lid.type_code().as_str(), BIZ_LICENSE);
    assert_eq!(lid.issuer(), l.issuer_code);
    assert!(l.issuer_name.contains("市场监督管理局"));
    assert_eq!(l.alg, "SM2-SM3");
    // Face fields come from the case.
    let data = licenses::data_of(l).unwrap();
    let face: Vec<(&str, &str)> = data
        .face
        .iter()
        .map(|f| (f.key.as_str(), f.value.as_str()))
        .collect();
    assert!(face.contains(&("KZ_FDDBR", "王启明")), "{face:?}");
    assert!(face.contains(&("KZ_JYFW", "电子元器件销售")), "{face:?}");
    assert_eq!(data.holder_code_type_code, "001");
    // The approval notice names it.
    let approval = v.notices.iter().find(|n| n.kind == "approval").unwrap();
    let (_, body) = cases::notice(t.app(), &clerk, approval.id).await.unwrap();
    assert!(
        body.paragraphs.iter().any(|p| p.contains(&l.identifier)),
        "{:?}",
        body.paragraphs
    );
    // Public verification (page and API) answers valid, signature checked.
    let mut c = t.client();
    let r = c
        .get(&format!("/api/v1/licenses/verify?q={}", l.identifier))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let j = r.json();
    assert_eq!(j["result"], "valid", "{j}");
    assert!(j["detail"].as_str().unwrap().contains("签名有效"), "{j}");
    // The QR payload (verification URL) works as well.
    let url = licenses::verify_url(t.app(), &l.identifier);
    let r = c
        .get(&format!(
            "/api/v1/licenses/verify?q={}",
            onewindow_web::caller::urlencode(&url)
        ))
        .await;
    assert_eq!(r.json()["result"], "valid", "{}", r.text);
    let page = c.get(&format!("/licenses/verify?q={}", l.identifier)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text.contains("id=\"verify-status\">有效"),
        "{}",
        page.text
    );
    // The published key set holds the signing key.
    let keys = c.get("/.well-known/onewindow-keys.json").await.json();
    assert!(
        keys["keys"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["kid"] == l.kid.as_str() && k["crv"] == "SM2"),
        "{keys}"
    );
    // Unknown and malformed identifiers are answered, not errors.
    let r = c
        .get("/api/v1/licenses/verify?q=1.2.156.3005.2.nonsense")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["result"], "unknown");
    let r = c.get("/api/v1/licenses/verify?q=").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    t.tdb.cleanup().await;
}

#[tokio::test]
async fn exported_licence_verifies_offline_and_any_changed_byte_fails() {
    let t = TestApp::new().await;
    // The demo's first company has its 营业执照 already.
    let l = licenses::list(t.app(), None, Some("valid"), 10)
        .await
        .unwrap()
        .into_iter()
        .find(|l| l.type_code == BIZ_LICENSE)
        .unwrap();
    let bytes = licenses::export_of(&l).unwrap().to_file_bytes().unwrap();
    let jwks = licenses::jwks(t.app()).await.unwrap();
    let keys = licenses::keys_from_jwks(&jwks).unwrap();
    let ok = licenses::verify_file(&bytes, &keys).unwrap();
    assert_eq!(ok.data.identifier, l.identifier);
    // A changed byte inside the signed data: the signature fails, and says so.
    let text = String::from_utf8(bytes.clone()).unwrap();
    let forged = text.replacen(&l.holder_name, "泉州市冒名顶替有限公司", 1);
    match licenses::verify_file(forged.as_bytes(), &keys) {
        Err(FileProblem::Signature(why)) => assert!(why.contains("signature"), "{why}"),
        other => panic!("forged holder accepted or misreported: {other:?}"),
    }
    // Every single-byte change anywhere in the file is refused.
    for i in (0..bytes.len()).step_by(7) {
        let mut m = bytes.clone();
        m[i] = if m[i] == b'1' { b'2' } else { m[i] ^ 0x02 };
        assert!(
            licenses::verify_file(&m, &keys).is_err(),
            "byte {i} changed but the file verified"
        );
    }
    // Another library's key does not verify it.
    let other = onewindow_signing::KeyPair::generate(onewindow_signing::Algorithm::Ed25519)
        .unwrap()
        .public();
    assert!(matches!(
        licenses::verify_file(&bytes, &[other]),
        Err(FileProblem::UnknownKey(_))
    ));
    // Upload to the public verifier.
    let mut c = t.client();
    let r = c
        .send(
            Method::POST,
            "/api/v1/licenses/verify",
            Some("application/json"),
            bytes.clone(),
        )
        .await;
    assert_eq!(r.json()["result"], "valid", "{}", r.text);
    let r = c
        .send(
            Method::POST,
            "/api/v1/licenses/verify",
            Some("application/json"),
            forged.into_bytes(),
        )
        .await;
    assert_eq!(r.json()["result"], "bad_signature", "{}", r.text);
    t.tdb.cleanup().await;
}

#[tokio::test]
async fn a_request_that_is_not_an_export_is_refused_and_file_findings_are_in_chinese() {
    let t = TestApp::new().await;
    let mut c = t.client();
    // Not a licence export at all: a bad request, not a forged licence.
    for body in ["{}", "null", r#"{"license":"x"}"#, "[1, 2]", "not json"] {
        let r = c
            .send(
                Method::POST,
                "/api/v1/licenses/verify",
                Some("application/json"),
                body,
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.text);
        let j = r.json();
        assert_eq!(j["code"], "invalid_json", "{body}: {j}");
        assert!(j.get("result").is_none(), "{j}");
        let m = j["message"].as_str().unwrap();
        assert!(m.contains("不是电子证照导出文件"), "{body}: {m}");
    }
    // A well-formed export altered after export is still a failed verification (200), and the
    // finding is told in Chinese on the Chinese page and in the API.
    let l = licenses::list(t.app(), None, Some("valid"), 10)
        .await
        .unwrap()
        .into_iter()
        .find(|l| l.type_code == BIZ_LICENSE)
        .unwrap();
    let bytes = licenses::export_of(&l).unwrap().to_file_bytes().unwrap();
    let altered = String::from_utf8(bytes)
        .unwrap()
        .replacen("{\n", "{ \n", 1)
        .into_bytes();
    let r = c
        .send(
            Method::POST,
            "/api/v1/licenses/verify",
            Some("application/json"),
            altered.clone(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let j = r.json();
    assert_eq!(j["result"], "bad_signature", "{j}");
    assert!(
        j["detail"].as_str().unwrap().contains("文件已被改动"),
        "{j}"
    );
    let (ct, body) = crate::cases::multipart(&[], &[("file", "licence.json", &altered)]);
    let r = c
        .send(Method::POST, "/licenses/verify/file", Some(&ct), body)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let detail = r
        .text
        .split("id=\"verify-detail\">")
        .nth(1)
        .and_then(|s| s.split("</dd>").next())
        .unwrap_or_else(|| panic!("no detail: {}", r.text));
    assert!(detail.contains("文件已被改动"), "{detail}");
    assert!(!detail.contains("byte-identical"), "{detail}");
    // A page upload that is not an export is refused in Chinese as well.
    let (ct, body) = crate::cases::multipart(&[], &[("file", "x.json", b"{}")]);
    let r = c
        .send(Method::POST, "/licenses/verify/file", Some(&ct), body)
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert!(r.text.contains("不是电子证照导出文件"), "{}", r.text);
    t.tdb.cleanup().await;
}

#[tokio::test]
async fn revocation_is_seen_by_verifiers_at_once_and_needs_the_issuers_lead() {
    let t = TestApp::new().await;
    let l = licenses::list(t.app(), None, Some("valid"), 10)
        .await
        .unwrap()
        .into_iter()
        .find(|l| l.type_code == BIZ_LICENSE)
        .unwrap();
    // A clerk or another department's lead may not; a reason is required.
    let err = licenses::change_status(
        t.app(),
        &ctx(&t, "clerk").await,
        &l.identifier,
        StatusAction::Revoke,
        "x",
        None,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, AppError::Forbidden), "{err:?}");
    let err = licenses::change_status(
        t.app(),
        &ctx(&t, "lead.zj").await,
        &l.identifier,
        StatusAction::Revoke,
        "x",
        None,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, AppError::Forbidden), "{err:?}");
    let lead = ctx(&t, "lead.scjg").await;
    let err = licenses::change_status(
        t.app(),
        &lead,
        &l.identifier,
        StatusAction::Revoke,
        " ",
        None,
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("理由"), "{err}");
    // A stale version is a conflict and changes nothing.
    let err = licenses::change_status(
        t.app(),
        &lead,
        &l.identifier,
        StatusAction::Suspend,
        "涉嫌虚假登记，立案调查",
        Some(l.version + 5),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, AppError::Conflict { .. }), "{err:?}");
    // Suspend, then revoke: each is visible to the very next verification.
    let mut c = t.client();
    let url = format!("/api/v1/licenses/verify?q={}", l.identifier);
    licenses::change_status(
        t.app(),
        &lead,
        &l.identifier,
        StatusAction::Suspend,
        "涉嫌虚假登记，立案调查",
        Some(l.version),
    )
    .await
    .unwrap();
    assert_eq!(c.get(&url).await.json()["result"], "suspended");
    let started = std::time::Instant::now();
    licenses::change_status(
        t.app(),
        &lead,
        &l.identifier,
        StatusAction::Revoke,
        "以欺骗手段取得登记，依法撤销",
        None,
    )
    .await
    .unwrap();
    let j = c.get(&url).await.json();
    assert_eq!(j["result"], "revoked", "{j}");
    assert_eq!(j["status_reason"], "以欺骗手段取得登记，依法撤销");
    assert!(started.elapsed() < Duration::from_secs(1));
    // Revoked is final.
    let err = licenses::change_status(
        t.app(),
        &lead,
        &l.identifier,
        StatusAction::Reinstate,
        "复核",
        None,
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("撤销"), "{err}");
    // The web form path: the lead's page shows the history; the API checks the action name.
    let mut web = t.login("lead.scjg").await;
    let page = web.get(&format!("/licenses/{}", l.identifier)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("以欺骗手段取得登记"), "{}", page.text);
    let r = web
        .json(
            Method::POST,
            &format!("/api/v1/licenses/{}/status", l.identifier),
            serde_json::json!({"action": "explode", "reason": "x"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    // A body that is not the expected JSON gets the API's JSON error, not a bare text.
    let r = web
        .json(
            Method::POST,
            &format!("/api/v1/licenses/{}/status", l.identifier),
            serde_json::json!({"action": 7}),
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.text);
    assert!(r.json()["message"].is_string(), "{}", r.text);
    // Intake no longer takes a revoked licence.
    assert!(
        licenses::usable(t.app(), &l.holder_code, BIZ_LICENSE)
            .await
            .unwrap()
            .is_none_or(|x| x.identifier != l.identifier)
    );
    t.tdb.cleanup().await;
}

#[tokio::test]
async fn intake_takes_the_licence_from_the_library_and_logs_the_use() {
    let t = TestApp::new().await;
    let id = company("MA8QM1E3");
    set_up_company(&t, &id).await;
    let l = licenses::usable(t.app(), &id, BIZ_LICENSE)
        .await
        .unwrap()
        .unwrap();
    // The follow-up 公共场所卫生许可: the clerk ticks every other material; the 营业执照 is
    // not handed in, it is taken from the library.
    let clerk = ctx(&t, "clerk").await;
    let plan = PlanRef::Item(HYGIENE.into());
    let (_, list) = cases::checklist(t.app(), &plan).await.unwrap();
    let lic_material = list
        .iter()
        .find(|m| m.license_type.as_deref() == Some(BIZ_LICENSE))
        .unwrap()
        .name
        .clone();
    let ticks = list
        .iter()
        .filter(|m| m.license_type.is_none())
        .map(|m| MaterialTick::provided(&m.name))
        .collect();
    let (case, notice) = cases::intake(t.app(), &clerk, request(plan.clone(), &id, ticks))
        .await
        .unwrap();
    assert_eq!(notice.kind, "acceptance");
    let v = cases::view(t.app(), &clerk, case.id).await.unwrap();
    let m = v.materials.iter().find(|m| m.name == lic_material).unwrap();
    assert_eq!(m.status, MaterialStatus::Reused);
    assert_eq!(m.license.as_deref(), Some(l.identifier.as_str()));
    // The use is logged on the holder's licence, with who and what for.
    let view = licenses::staff_view(t.app(), &Ctx::operator(), &l.identifier)
        .await
        .unwrap();
    assert_eq!(view.uses.len(), 1, "{:?}", view.uses);
    assert!(view.uses[0].purpose.contains(&case.case_no));
    assert_eq!(view.uses[0].case_id, Some(case.id));
    assert!(view.uses[0].used_by.contains("clerk") || !view.uses[0].used_by.is_empty());
    // An applicant without the licence: ticking "reused" is refused, naming the material.
    let stranger = company("MA8QM1E4");
    let ticks: Vec<MaterialTick> = list
        .iter()
        .map(|m| MaterialTick {
            name: m.name.clone(),
            status: if m.license_type.is_some() {
                MaterialStatus::Reused
            } else {
                MaterialStatus::Provided
            },
            note: None,
        })
        .collect();
    let err = cases::intake(t.app(), &clerk, request(plan, &stranger, ticks))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains(&lic_material) || format!("{err:?}").contains(&lic_material),
        "{err:?}"
    );
    // The clerk's desk shows the applicant's licences.
    let mut web = t.login("clerk").await;
    let desk = web.get(&format!("/cases?id={id}")).await;
    assert!(desk.text.contains("applicant-licenses"), "{}", desk.text);
    assert!(desk.text.contains(&l.identifier));
    // The demo's own follow-up 食品经营许可 also took its licence from the library.
    let demo_uses = {
        let all = licenses::list(t.app(), None, None, 100).await.unwrap();
        let mut n = 0;
        for x in all {
            n += licenses::staff_view(t.app(), &Ctx::operator(), &x.identifier)
                .await
                .unwrap()
                .uses
                .len();
        }
        n
    };
    assert!(demo_uses >= 2, "demo follow-up + this test: {demo_uses}");
    let _ = FOOD;
    t.tdb.cleanup().await;
}

/// A window issues the activation code of `id` (after checking the person's ID).
async fn issue_code(t: &TestApp, id: &str) -> String {
    onewindow_app::applicants::issue_activation(t.app(), &ctx(t, "clerk").await, id)
        .await
        .unwrap()
        .code
}

/// Register online with `id` (and an activation code).
async fn register(
    c: &mut onewindow_testkit::Client,
    id: &str,
    name: &str,
    code: Option<&str>,
) -> onewindow_testkit::Resp {
    let page = c.get("/my/login").await;
    let token = onewindow_testkit::csrf_in(&page.text).unwrap();
    c.post_form(
        "/my/register",
        &[
            ("csrf", token.as_str()),
            ("id_number", id),
            ("name", name),
            ("phone", "13812345678"),
            ("password", "Qiming-2026-pass"),
            ("activation", code.unwrap_or("")),
        ],
    )
    .await
}

/// Company codes and names are public: knowing them must not open the company's cases and
/// licences online. An 一号 on file needs a code a window issued after an ID check; an account
/// opened without one sees only what it applied for online, and the owner's code takes the
/// account back from whoever opened it.
#[tokio::test]
async fn an_id_on_file_needs_a_window_activation_code_and_a_squatter_sees_nothing() {
    let t = TestApp::new().await;
    let id = company("MA8QM1E6");
    set_up_company(&t, &id).await;
    let stored_name = || async {
        cases::applicant_history(t.app(), &ctx(&t, "clerk").await, &id)
            .await
            .unwrap()
            .0
            .unwrap()
            .name
    };
    let before = stored_name().await;
    // A stranger with the public code and any name: refused, nothing changed.
    let mut stranger = t.client();
    let r = register(&mut stranger, &id, "冒名者", None).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert!(r.text.contains("激活码"), "{}", r.text);
    assert_eq!(stored_name().await, before);
    let r = register(&mut stranger, &id, "冒名者", Some("ABCDE-FGHJK")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    // Only staff who take cases issue codes.
    assert!(matches!(
        onewindow_app::applicants::issue_activation(t.app(), &ctx(&t, "reviewer.ga").await, &id)
            .await,
        Err(AppError::Forbidden)
    ));
    // The owner, with the window's code typed loosely: a verified account that sees the case
    // and the licence; the name on file stays what the window recorded.
    let code = issue_code(&t, &id).await;
    let mut owner = t.client();
    let typed = code.to_lowercase().replace('-', " ");
    let r = register(&mut owner, &id, "启明", Some(&typed)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let home = owner.get("/my").await;
    assert!(!home.text.contains("my-unverified"), "{}", home.text);
    assert!(home.text.contains("/my/cases/"), "{}", home.text);
    assert_eq!(stored_name().await, before);
    let w = owner.get("/my/licenses").await;
    assert!(w.text.contains("营业执照"), "{}", w.text);
    // The code is used up.
    let r = register(&mut t.client(), &id, "启明", Some(&code)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);

    // A squatter opens an account for a company before the company ever comes to a window.
    let id2 = company("MA8QM1E7");
    let mut squatter = t.client();
    let r = register(&mut squatter, &id2, "抢注者", None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    // The company's case and licence from the window stay out of that account.
    set_up_company(&t, &id2).await;
    let home = squatter.get("/my").await;
    assert!(home.text.contains("my-unverified"), "{}", home.text);
    assert!(!home.text.contains("/my/cases/"), "{}", home.text);
    let case_id = cases::applicant_history(t.app(), &ctx(&t, "clerk").await, &id2)
        .await
        .unwrap()
        .1[0]
        .id;
    let r = squatter.get(&format!("/my/cases/{case_id}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let lic = licenses::list(t.app(), Some(&id2), None, 5)
        .await
        .unwrap()
        .remove(0);
    let w = squatter.get("/my/licenses").await;
    assert!(!w.text.contains(&lic.identifier), "{}", w.text);
    for path in ["", "/export"] {
        let r = squatter
            .get(&format!("/my/licenses/{}{path}", lic.identifier))
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
    }
    // The company claims the account at a window: the squatter is logged out.
    let code = issue_code(&t, &id2).await;
    let mut company2 = t.client();
    let r = register(&mut company2, &id2, "晨星", Some(&code)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(squatter.get("/my").await.status, StatusCode::SEE_OTHER);
    let r = company2.get(&format!("/my/cases/{case_id}")).await;
    assert_eq!(r.status, StatusCode::OK);

    // Two uses of one code at once: exactly one succeeds (on PostgreSQL too).
    let code = issue_code(&t, &id).await;
    let (mut a, mut b) = (t.client(), t.client());
    let (ra, rb) = tokio::join!(
        register(&mut a, &id, "启明", Some(&code)),
        register(&mut b, &id, "启明", Some(&code))
    );
    let mut statuses = [ra.status, rb.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::SEE_OTHER, StatusCode::BAD_REQUEST],
        "{} / {}",
        ra.text,
        rb.text
    );
    // Something that is not a code at all (a slip) is said at once and not counted as a try.
    let code = issue_code(&t, &id).await;
    for _ in 0..6 {
        let r = register(&mut t.client(), &id, "启明", Some("ABC")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.text.contains("10 位"), "{}", r.text);
    }
    let r = register(&mut t.client(), &id, "启明", Some(&code)).await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "slips did not void the code"
    );
    // Five wrong codes void a code; the right one is then refused too.
    let code = issue_code(&t, &id).await;
    for _ in 0..5 {
        let r = register(&mut t.client(), &id, "启明", Some("WRONG-CODE2")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
    }
    let r = register(&mut t.client(), &id, "启明", Some(&code)).await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "void after five wrong codes"
    );
    // Every step is in the audit trail.
    let actions = t
        .tdb
        .strings("select action from audit_events where action like 'applicant.%' order by seq")
        .await;
    assert!(actions.contains(&"applicant.activation_issued".to_string()));
    assert!(actions.contains(&"applicant.verified".to_string()));
    t.tdb.cleanup().await;
}

#[tokio::test]
async fn holder_wallet_lists_downloads_and_shows_uses() {
    let t = TestApp::new().await;
    let id = company("MA8QM1E5");
    set_up_company(&t, &id).await;
    // The applicant gets an activation code at a window, registers online with the company's
    // 一号 and opens the wallet.
    let code = issue_code(&t, &id).await;
    let mut c = t.client();
    let r = register(&mut c, &id, "泉州市启明电子有限公司", Some(&code)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let w = c.get("/my/licenses").await;
    assert_eq!(w.status, StatusCode::OK, "{}", w.text);
    assert!(w.text.contains("营业执照"), "{}", w.text);
    let l = licenses::list(t.app(), Some(&id), None, 5)
        .await
        .unwrap()
        .remove(0);
    let detail = c.get(&format!("/my/licenses/{}", l.identifier)).await;
    assert_eq!(detail.status, StatusCode::OK);
    assert!(detail.text.contains("<svg"), "QR code on the page");
    let file = c
        .get(&format!("/my/licenses/{}/export", l.identifier))
        .await;
    assert_eq!(file.status, StatusCode::OK);
    let keys = licenses::keys_from_jwks(&licenses::jwks(t.app()).await.unwrap()).unwrap();
    licenses::verify_file(file.text.as_bytes(), &keys).unwrap();
    // Somebody else's licence is not in this wallet.
    let other = licenses::list(t.app(), None, None, 50)
        .await
        .unwrap()
        .into_iter()
        .find(|x| x.holder_code != id)
        .unwrap();
    let r = c.get(&format!("/my/licenses/{}", other.identifier)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Without a session: to the login page.
    let r = t.client().get("/my/licenses").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    t.tdb.cleanup().await;
}

/// A library served on a loopback port that can be stopped and started again on the same port.
struct Served {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

async fn serve_on(t: &TestApp, port: u16) -> Served {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("bind the upstream port again");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let app = onewindow_web::router(t.state.clone())
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
    });
    Served {
        stop: Some(tx),
        task,
    }
}

impl Served {
    async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        let _ = tokio::time::timeout(Duration::from_secs(10), self.task).await;
    }
}

async fn db() -> TestDb {
    match TestDb::postgres().await {
        Some(pg) => pg,
        None => TestDb::sqlite().await,
    }
}

async fn wait_for<F, Fut>(what: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while std::time::Instant::now() < deadline {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

/// The county 晋江's bearer token at the city library.
const TOKEN: &str = "jinjiang-county-token-0123456789";

/// A city library (upstream, no data of its own) served on a loopback port, and a county library
/// (the demo organisation, whose departments are registered in 350500) configured to push to it.
/// The city accepts 晋江 for 350500 and a second downstream library, 南安, for 350583 only.
async fn city_and_county() -> (TestApp, Served, u16, TestApp) {
    let mut city_settings = test_settings();
    city_settings.downstream = vec![
        ("jinjiang".into(), TOKEN.into()),
        ("nanan".into(), "nanan-county-token-0123456789".into()),
    ];
    city_settings.downstream_regions = vec![
        ("jinjiang".into(), "350500".into()),
        ("nanan".into(), "350583".into()),
    ];
    let city = TestApp::empty(db().await, city_settings).await;
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let served = serve_on(&city, port).await;
    let mut county_settings = test_settings();
    county_settings.upstream = Some(onewindow_app::upstream::Upstream {
        url: format!("http://127.0.0.1:{port}"),
        token: TOKEN.into(),
    });
    let county = TestApp::with_settings(db().await, county_settings).await;
    (city, served, port, county)
}

/// The newest outbox event of `t`: its id and its licence's identifier.
async fn newest_outbox_event(t: &TestApp) -> (i64, String) {
    let row = t
        .tdb
        .strings(
            "select cast(o.id as text) || ' ' || l.identifier from license_outbox o \
             join licenses l on l.id = o.license_id order by o.id desc limit 1",
        )
        .await
        .remove(0);
    let (id, ident) = row.split_once(' ').unwrap();
    (id.parse().unwrap(), ident.to_string())
}

/// The upstream refuses one event (a 4xx about that event, not the link): only the later events
/// of the same licence wait behind it; other licences go on, and once the event is repaired the
/// licence's events arrive in their order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_event_holds_back_only_its_own_licence() {
    let (city, served, _, county) = city_and_county().await;
    let client = onewindow_app::upstream::Client::new();
    let first = licenses::push_outbox(county.app(), &client).await.unwrap();
    let demo = licenses::count(city.app(), Some("jinjiang")).await.unwrap();
    assert!(demo >= 1 && first.failed == 0, "{first:?}");
    // Two new licences, A then B.
    set_up_company(&county, &company("MA9RF001")).await;
    let (a_event, a) = newest_outbox_event(&county).await;
    set_up_company(&county, &company("MA9RF002")).await;
    let (_, b) = newest_outbox_event(&county).await;
    assert_ne!(a, b);
    // A's issue event is damaged on its way, so the city refuses it (400/422); A is cancelled
    // meanwhile, and that status change queues behind the refused issue.
    let original = county
        .tdb
        .strings(&format!(
            "select body from license_outbox where id = {a_event}"
        ))
        .await
        .remove(0);
    county
        .tdb
        .exec(&format!(
            "update license_outbox set body = '{{\"event_id\": \"damaged\"}}' where id = {a_event}"
        ))
        .await;
    licenses::change_status(
        county.app(),
        &Ctx::operator(),
        &a,
        StatusAction::Cancel,
        "企业申请注销",
        None,
    )
    .await
    .unwrap();
    let r = licenses::push_outbox(county.app(), &client).await.unwrap();
    assert_eq!(
        (r.sent, r.failed),
        (1, 1),
        "B goes, A's issue is refused, A's cancellation waits behind it"
    );
    let verify = |id: &str| {
        let url = format!("/api/v1/licenses/verify?q={id}");
        let mut c = city.client();
        async move {
            c.get(&url).await.json()["result"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    assert_eq!(verify(&b).await, "valid");
    assert_eq!(verify(&a).await, "unknown");
    let pending = county
        .tdb
        .strings(
            "select coalesce(last_error, '-') from license_outbox where sent_at is null order by id",
        )
        .await;
    assert_eq!(pending.len(), 2, "{pending:?}");
    assert!(pending[0].contains("upstream answered 4"), "{pending:?}");
    assert_eq!(pending[1], "-", "the cancellation was not tried");
    // Within the refused event's back-off nothing is tried again.
    let r = licenses::push_outbox(county.app(), &client).await.unwrap();
    assert_eq!((r.sent, r.failed), (0, 0));
    // Repaired and due again: the issue, then the cancellation, arrive.
    county
        .tdb
        .exec(&format!(
            "update license_outbox set body = '{}', next_attempt_at = created_at where id = {a_event}",
            original.replace('\'', "''")
        ))
        .await;
    let r = licenses::push_outbox(county.app(), &client).await.unwrap();
    assert_eq!((r.sent, r.failed), (2, 0));
    assert_eq!(verify(&a).await, "cancelled");
    assert_eq!(
        licenses::count(city.app(), Some("jinjiang")).await.unwrap(),
        demo + 2
    );
    // The city down: the round stops at the first event instead of trying each one, and the
    // link waits out its back-off before anything is tried again.
    served.stop().await;
    set_up_company(&county, &company("MA9RF003")).await;
    set_up_company(&county, &company("MA9RF004")).await;
    let r = licenses::push_outbox(county.app(), &client).await.unwrap();
    assert_eq!((r.sent, r.failed), (0, 1));
    let r = licenses::push_outbox(county.app(), &client).await.unwrap();
    assert_eq!((r.sent, r.failed), (0, 0), "within the link's back-off");
    county.tdb.cleanup().await;
    city.tdb.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn county_licences_reach_the_city_exactly_once_across_a_city_outage() {
    let (city, served, port, county) = city_and_county().await;
    let county_app = std::sync::Arc::clone(&county.state.app);
    let pusher = tokio::spawn(licenses::run_pusher(county_app, Duration::from_millis(100)));
    // The demo licences of the county arrive.
    let demo = licenses::count(county.app(), Some("local")).await.unwrap();
    assert!(demo >= 1);
    let mut arrived = false;
    for _ in 0..300 {
        if licenses::count(city.app(), Some("jinjiang")).await.unwrap() == demo {
            arrived = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        arrived,
        "the demo licences did not arrive: {:?}",
        county
            .tdb
            .strings("select last_error from license_outbox where last_error is not null")
            .await
    );
    // The city goes down; the county issues 50 licences meanwhile.
    served.stop().await;
    for i in 0..50 {
        let body = format!("MA9{:05}", i);
        let id = company(&body);
        set_up_company(&county, &id).await;
    }
    let issued = licenses::count(county.app(), Some("local")).await.unwrap();
    assert_eq!(issued, demo + 50);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (waiting, _) = licenses::outbox_counts(county.app()).await.unwrap();
    assert_eq!(waiting, 50, "kept while the city is down");
    assert_eq!(
        licenses::count(city.app(), Some("jinjiang")).await.unwrap(),
        demo
    );
    // The city comes back on the same address: all 50 arrive, in order, once.
    let served = serve_on(&city, port).await;
    wait_for("the outbox to drain", || async {
        licenses::outbox_counts(county.app()).await.unwrap().0 == 0
    })
    .await;
    assert_eq!(
        licenses::count(city.app(), Some("jinjiang")).await.unwrap(),
        demo + 50
    );
    // Received once each: one inbox row per event, one "received" history entry per licence.
    let received = city
        .tdb
        .strings("select cast(count(*) as text) from license_events where action = 'received'")
        .await;
    assert_eq!(received, vec![(demo + 50).to_string()]);
    // A resend of everything (as after a lost acknowledgement) changes nothing upstream.
    county
        .tdb
        .exec("update license_outbox set sent_at = null, attempts = 0")
        .await;
    wait_for("the resend to drain", || async {
        licenses::outbox_counts(county.app()).await.unwrap().0 == 0
    })
    .await;
    assert_eq!(
        licenses::count(city.app(), Some("jinjiang")).await.unwrap(),
        demo + 50
    );
    let received = city
        .tdb
        .strings("select cast(count(*) as text) from license_events where action = 'received'")
        .await;
    assert_eq!(
        received,
        vec![(demo + 50).to_string()],
        "a resend applied twice"
    );
    // A status change travels too, and the city's verifier answers with it.
    let one = licenses::list(county.app(), None, Some("valid"), 1)
        .await
        .unwrap()
        .remove(0);
    licenses::change_status(
        county.app(),
        &Ctx::operator(),
        &one.identifier,
        StatusAction::Cancel,
        "企业申请注销",
        None,
    )
    .await
    .unwrap();
    let url = format!("/api/v1/licenses/verify?q={}", one.identifier);
    wait_for("the cancellation upstream", || async {
        city.client().get(&url).await.json()["result"] == "cancelled"
    })
    .await;
    // Another library may not replay the county's licences: they are outside its region.
    let body = county
        .tdb
        .strings("select body from license_outbox order by id limit 1")
        .await
        .remove(0);
    let mut c = city.client();
    c.headers.push((
        "authorization".into(),
        "Bearer nanan-county-token-0123456789".into(),
    ));
    let r = c
        .send(
            Method::POST,
            "/api/v1/licenses/sync",
            Some("application/json"),
            body.into_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert!(r.text.contains("nanan"), "{}", r.text);
    // A wrong token is refused.
    let mut c = city.client();
    c.headers
        .push(("authorization".into(), "Bearer wrong-token".into()));
    let r = c
        .send(
            Method::POST,
            "/api/v1/licenses/sync",
            Some("application/json"),
            b"{}".to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text);
    pusher.abort();
    // The same new event delivered twice at once: one applies it, the other is a duplicate —
    // never an error, never applied twice (on PostgreSQL the two transactions really race).
    set_up_company(&county, &company("MA9XXXX1")).await;
    let body = county
        .tdb
        .strings("select body from license_outbox order by id desc limit 1")
        .await
        .remove(0);
    let post = |body: String| {
        let mut c = city.client();
        c.headers
            .push(("authorization".into(), format!("Bearer {TOKEN}")));
        async move {
            c.send(
                Method::POST,
                "/api/v1/licenses/sync",
                Some("application/json"),
                body.into_bytes(),
            )
            .await
        }
    };
    let (a, b) = tokio::join!(post(body.clone()), post(body));
    assert_eq!(
        (a.status, b.status),
        (StatusCode::OK, StatusCode::OK),
        "{} / {}",
        a.text,
        b.text
    );
    let mut results = vec![
        a.json()["result"].as_str().unwrap().to_string(),
        b.json()["result"].as_str().unwrap().to_string(),
    ];
    results.sort();
    assert_eq!(results, ["applied", "duplicate"]);
    served.stop().await;
    county.tdb.cleanup().await;
    city.tdb.cleanup().await;
}

#[tokio::test]
async fn reissue_makes_a_new_version_and_validity_runs_out() {
    let t = TestApp::new().await;
    let id = company("MA8QM1E6");
    set_up_company(&t, &id).await;
    // 食品经营许可 (5 years) for the company; the operator decides the county-level item.
    let clerk = ctx(&t, "clerk").await;
    let plan = PlanRef::Item(FOOD.into());
    let ticks = all_provided(&t, &plan).await;
    let (case, _) = cases::intake(t.app(), &clerk, request(plan, &id, ticks))
        .await
        .unwrap();
    let v = cases::view(t.app(), &clerk, case.id).await.unwrap();
    for task in &v.tasks {
        cases::decide_task(
            t.app(),
            &Ctx::operator(),
            task.task.id,
            TaskDecision {
                outcome: Outcome::Approve,
                opinion: "符合条件".into(),
                checked: task.standards.clone(),
                expected_version: Some(task.task.version),
            },
        )
        .await
        .unwrap();
    }
    let food = licenses::list(t.app(), Some(&id), None, 10)
        .await
        .unwrap()
        .into_iter()
        .find(|l| l.type_code == "11100000000013127D003")
        .expect("food licence issued");
    let today = t.app().today();
    let end = food.valid_to.expect("five years, not long-term");
    let days = (end - today).num_days();
    assert!((1824..=1826).contains(&days), "{today} → {end}");
    // Re-issue: version 002 supersedes 001, which is cancelled with a reason naming it.
    let lead = ctx(&t, "lead.scjg").await;
    let biz = licenses::usable(t.app(), &id, BIZ_LICENSE)
        .await
        .unwrap()
        .unwrap();
    let err = licenses::reissue(t.app(), &lead, &biz.identifier, "")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("理由"), "{err}");
    let new = licenses::reissue(t.app(), &lead, &biz.identifier, "住所变更")
        .await
        .unwrap();
    let (a, b) = (
        LicenseId::parse(&biz.identifier).unwrap(),
        LicenseId::parse(&new.identifier).unwrap(),
    );
    assert_eq!((a.version(), b.version()), (1, 2));
    assert_eq!(a.serial(), b.serial());
    assert_eq!(new.supersedes.as_deref(), Some(biz.identifier.as_str()));
    let mut c = t.client();
    let old = c
        .get(&format!("/api/v1/licenses/verify?q={}", biz.identifier))
        .await
        .json();
    assert_eq!(old["result"], "cancelled", "{old}");
    assert!(
        old["status_reason"]
            .as_str()
            .unwrap()
            .contains(&new.identifier)
    );
    let j = c
        .get(&format!("/api/v1/licenses/verify?q={}", new.identifier))
        .await
        .json();
    assert_eq!(j["result"], "valid", "{j}");
    assert_eq!(
        licenses::usable(t.app(), &id, BIZ_LICENSE)
            .await
            .unwrap()
            .unwrap()
            .identifier,
        new.identifier
    );
    // Five years on, the food licence has run out: verifiers say so at once, and the daily
    // sweep records it.
    t.app().set_today(Some(end + chrono::Duration::days(1)));
    let j = c
        .get(&format!("/api/v1/licenses/verify?q={}", food.identifier))
        .await
        .json();
    assert_eq!(j["result"], "expired", "{j}");
    let n = licenses::expire_due(t.app()).await.unwrap();
    assert!(n >= 1);
    let row = licenses::get(t.app(), &food.identifier).await.unwrap();
    assert_eq!(row.status, "expired");
    // The long-term 营业执照 is untouched.
    assert_eq!(
        licenses::get(t.app(), &new.identifier)
            .await
            .unwrap()
            .status,
        "valid"
    );
    t.tdb.cleanup().await;
}

#[tokio::test]
async fn catalog_managers_maintain_the_licence_types() {
    let t = TestApp::new().await;
    let listed = t.client().get("/api/v1/licenses/types").await.json();
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["code"] == BIZ_LICENSE && x["name"] == "营业执照"),
        "{listed}"
    );
    let body = serde_json::json!({
        "code": "11100000000013127D009", "name": "演出经营许可证", "definer_name": "文化和旅游部",
        "holder_kind": "organisation", "validity_years": 2,
        "fields": [{"key": "KZ_JYFW", "label": "经营范围", "source": {"from": "summary"}}]
    });
    let path = "/api/v1/licenses/types/11100000000013127D009";
    // Not for a clerk; a catalog manager may.
    let mut clerk = t.login("clerk").await;
    let r = clerk.json(Method::PUT, path, body.clone()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let mut cm = t.login("catalog").await;
    let r = cm.json(Method::PUT, path, body.clone()).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    let types = licenses::types(t.app()).await.unwrap();
    let saved = types
        .iter()
        .find(|x| x.code.as_str() == "11100000000013127D009")
        .unwrap();
    assert_eq!(saved.validity_years, Some(2));
    // Bad input is named: a code that fails its check, a path that disagrees, a bad key.
    let mut bad = body.clone();
    bad["code"] = "11100000000013127X009".into();
    let r = cm
        .json(
            Method::PUT,
            "/api/v1/licenses/types/11100000000013127X009",
            bad,
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    let r = cm
        .json(
            Method::PUT,
            "/api/v1/licenses/types/11100000000013127D008",
            body.clone(),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    let mut bad = body;
    bad["fields"][0]["key"] = "jyfw".into();
    let r = cm.json(Method::PUT, path, bad).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert!(r.text.contains("KZ_"), "{}", r.text);
    t.tdb.cleanup().await;
}

/// The clerk's desk issues the code on a page that shows it once (never cached), with the
/// applicant's ID masked; the code then opens the account.
#[tokio::test]
async fn a_clerk_issues_the_code_on_the_desk_page() {
    let t = TestApp::new().await;
    let id = company("MA8QM1E8");
    set_up_company(&t, &id).await;
    let mut clerk = t.login("clerk").await;
    let desk = clerk.get(&format!("/cases?id={id}")).await;
    assert!(desk.text.contains("issue-activation"), "{}", desk.text);
    let csrf = onewindow_testkit::csrf_in(&desk.text).unwrap();
    let r = clerk
        .post_form(
            "/cases/activation",
            &[("csrf", csrf.as_str()), ("id_number", id.as_str())],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let shown = r
        .text
        .split("泉州市启明电子有限公司（")
        .nth(1)
        .and_then(|s| s.split('）').next())
        .unwrap_or_default();
    // Masked as everywhere (a credit code is public and stays whole; a resident ID would not).
    let masked = onewindow_domain::masking::mask_applicant_id(
        &onewindow_domain::identity::ApplicantId::parse(&id).unwrap(),
    );
    assert_eq!(shown, masked);
    let code = r
        .text
        .split("id=\"activation-code\" class=\"code\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap()
        .to_string();
    let mut owner = t.client();
    let reg = register(&mut owner, &id, "启明", Some(&code)).await;
    assert_eq!(reg.status, StatusCode::SEE_OTHER, "{}", reg.text);
    // With a wrong form token: refused.
    let r = clerk
        .post_form(
            "/cases/activation",
            &[("csrf", "forged"), ("id_number", id.as_str())],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    t.tdb.cleanup().await;
}
