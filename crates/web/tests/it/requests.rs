//! Disclosure on application (依申请公开) through the use-case layer: statutory deadlines
//! across holidays and the year boundary, 补正 restarts, extension once, consultations and fee
//! notices that stop the clock, one letter per outcome, the redaction check, online tracking.

use chrono::NaiveDate;
use onewindow_app::requests::{self, FeeMethod, NewRequest, Released, Reply, RequestFile};
use onewindow_app::{AppError, Ctx, auth};
use onewindow_domain::disclosure::request::{
    Channel, InfoForm, Obtain, ReplyOutcome, RequestStatus, RequesterKind,
};
use onewindow_testkit::{TestApp, TestDb};

const PERSON: &str = "35050219900101123X";

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

async fn officer(t: &TestApp) -> Ctx {
    auth::staff_ctx(t.app(), "disclosure").await.unwrap()
}

fn new_request(received: &str) -> NewRequest {
    NewRequest {
        channel: Channel::InPerson,
        received_on: Some(d(received)),
        requester_kind: RequesterKind::NaturalPerson,
        applicant_name: "林晓".into(),
        id_number: PERSON.into(),
        legal_rep: None,
        contact_name: None,
        phone: Some("13912345678".into()),
        email: Some("lin@example.cn".into()),
        address: None,
        description: "2025年度泉州市行政服务中心部门预算".into(),
        doc_ref: None,
        info_form: InfoForm::Electronic,
        obtain: Obtain::Email,
        accept_other_form: true,
        department_id: None,
    }
}

async fn receive(t: &TestApp, ctx: &Ctx, today: &str) -> i64 {
    t.app().set_today(Some(d(today)));
    let (r, receipt) = requests::receive(t.app(), ctx, new_request(today), vec![])
        .await
        .unwrap();
    assert_eq!(receipt.kind, "receipt");
    r.id
}

/// A one-page PDF with a text layer (Helvetica), for the redaction check.
fn pdf_with_text(line: &str) -> Vec<u8> {
    let content = format!("BT /F1 12 Tf 72 720 Td ({line}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>".to_string(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    let mut tail = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for o in offsets {
        tail.push_str(&format!("{o:010} 00000 n \n"));
    }
    tail.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    ));
    out.extend_from_slice(tail.as_bytes());
    out
}

fn reply(outcome: ReplyOutcome) -> Reply {
    Reply {
        outcome,
        reason: "申请公开的信息中含有第三方个人信息".into(),
        provision: String::new(),
        pointer: String::new(),
        released: None,
        hidden: vec![],
    }
}

/// 条例 art. 29 (三): the way of obtaining the information must be one the office can carry
/// out: post and courier need an address, a fax a number, e-mail a well-formed address.
#[tokio::test]
async fn the_way_of_obtaining_needs_its_contact_detail() {
    let t = TestApp::new().await;
    let ctx = officer(&t).await;
    // (way of obtaining, phone, e-mail, the field named); never an address.
    let cases = [
        (Obtain::Post, Some("13912345678"), None, "address"),
        (Obtain::Express, Some("13912345678"), None, "address"),
        (Obtain::Fax, None, Some("lin@example.cn"), "phone"),
        (
            Obtain::Email,
            Some("13912345678"),
            Some("notanemail"),
            "email",
        ),
    ];
    for (obtain, phone, email, field) in cases {
        let mut r = new_request("2026-03-02");
        r.obtain = obtain;
        r.phone = phone.map(Into::into);
        r.email = email.map(Into::into);
        r.address = None;
        let err = requests::receive(t.app(), &ctx, r, vec![])
            .await
            .unwrap_err();
        match err {
            AppError::Domain(e) => assert_eq!(e.field_name(), Some(field), "{obtain:?}: {e:?}"),
            e => panic!("{obtain:?}: {e:?}"),
        }
    }
    let mut r = new_request("2026-03-02");
    r.obtain = Obtain::Post;
    r.address = Some("泉州市丰泽区田安路 1 号".into());
    requests::receive(t.app(), &ctx, r, vec![]).await.unwrap();
    t.tdb.cleanup().await;
}

#[tokio::test]
async fn deadlines_follow_the_worked_examples_on_every_backend() {
    for tdb in TestDb::all().await {
        let backend = format!("{:?}", tdb.db.backend());
        let t = TestApp::over(tdb).await;
        let o = officer(&t).await;
        // domain-rules §6.5: received 2025-09-26 → 2025-10-30 (National Day skipped).
        let id = receive(&t, &o, "2025-09-26").await;
        let v = requests::view(t.app(), &o, id).await.unwrap();
        assert_eq!(v.request.due_date, Some(d("2025-10-30")), "{backend}");
        assert_eq!(v.correction_deadline, d("2025-10-13"), "{backend}");
        // One extension of 20 working days → 2025-11-27; a second is refused.
        t.app().set_today(Some(d("2025-10-20")));
        let (r, letter) = requests::extend(t.app(), &o, id, "主任 王明", "需要调取档案")
            .await
            .unwrap();
        assert_eq!(r.due_date, Some(d("2025-11-27")), "{backend}");
        assert_eq!(letter.kind, "extension");
        let again = requests::extend(t.app(), &o, id, "主任 王明", "再延").await;
        assert!(
            matches!(again, Err(AppError::Conflict { .. })),
            "{backend}: {again:?}"
        );
        // Across the year boundary: 2025-12-31 → 2026-01-29.
        let id2 = receive(&t, &o, "2025-12-31").await;
        let v2 = requests::view(t.app(), &o, id2).await.unwrap();
        assert_eq!(v2.request.due_date, Some(d("2026-01-29")), "{backend}");
        // 2026-02-10 → 2026-03-16 (Spring Festival and two make-up Saturdays).
        let id3 = receive(&t, &o, "2026-02-10").await;
        let v3 = requests::view(t.app(), &o, id3).await.unwrap();
        assert_eq!(v3.request.due_date, Some(d("2026-03-16")), "{backend}");
        assert!(
            v3.due
                .makeup_days
                .iter()
                .any(|(day, _)| *day == d("2026-02-14")),
            "{backend}: the explanation names the make-up Saturday"
        );
        t.tdb.cleanup().await;
    }
}

#[tokio::test]
async fn correction_restarts_the_clock_from_the_completed_request() {
    let t = TestApp::new().await;
    let o = officer(&t).await;
    let id = receive(&t, &o, "2026-02-10").await;
    t.app().set_today(Some(d("2026-02-12")));
    let (r, letter) = requests::ask_correction(
        t.app(),
        &o,
        id,
        "请写明所需信息的文号或年份",
        d("2026-02-27"),
    )
    .await
    .unwrap();
    assert_eq!(r.status, RequestStatus::AwaitingCorrection.as_str());
    assert_eq!(r.due_date, None, "the clock is stopped");
    assert_eq!(letter.kind, "correction");
    // The completed request arrives on 2026-03-02: 20 working days from then.
    t.app().set_today(Some(d("2026-03-02")));
    let r = requests::correction_received(t.app(), &o, id, d("2026-03-02"))
        .await
        .unwrap();
    assert_eq!(r.due_date, Some(d("2026-03-30")));
    // 补正 only once.
    let again = requests::ask_correction(t.app(), &o, id, "再补", d("2026-03-20")).await;
    assert!(again.is_err());
    // And never later than 7 working days after receipt.
    let late = receive(&t, &o, "2025-09-26").await;
    t.app().set_today(Some(d("2025-10-14")));
    let e = requests::ask_correction(t.app(), &o, late, "补", d("2025-10-30"))
        .await
        .unwrap_err();
    assert!(format!("{e:?}").contains("7"), "{e:?}");
    // Missed deadline: deemed withdrawn (其他处理 1), only after the deadline.
    let w = receive(&t, &o, "2026-03-02").await;
    t.app().set_today(Some(d("2026-03-03")));
    requests::ask_correction(t.app(), &o, w, "补充身份证明", d("2026-03-10"))
        .await
        .unwrap();
    let early = requests::reply(t.app(), &o, w, reply(ReplyOutcome::CorrectionOverdue)).await;
    assert!(early.is_err(), "{early:?}");
    t.app().set_today(Some(d("2026-03-11")));
    let (r, l) = requests::reply(t.app(), &o, w, reply(ReplyOutcome::CorrectionOverdue))
        .await
        .unwrap();
    assert_eq!(r.outcome.as_deref(), Some("other_correction_overdue"));
    assert!(l.body.contains("视为您放弃申请"), "{}", l.body);
    t.tdb.cleanup().await;
}

#[tokio::test]
async fn consultation_and_fee_notice_stop_the_clock() {
    let t = TestApp::new().await;
    let o = officer(&t).await;
    let id = receive(&t, &o, "2026-02-10").await;
    t.app().set_today(Some(d("2026-02-24")));
    let (r, letter) = requests::consult(t.app(), &o, id, "泉州某建材有限公司", false)
        .await
        .unwrap();
    assert_eq!(r.status, RequestStatus::Consulting.as_str());
    assert!(letter.body.contains("第三十二条"));
    // The letter goes to the third party: it names the request, never the applicant.
    assert!(
        letter.body.contains("泉州某建材有限公司："),
        "{}",
        letter.body
    );
    assert!(!letter.body.contains("林晓"), "{}", letter.body);
    assert!(!letter.body.contains("123X"), "{}", letter.body);
    assert!(!letter.body.contains("查询密码"), "{}", letter.body);
    t.app().set_today(Some(d("2026-03-03")));
    let v = requests::view(t.app(), &o, id).await.unwrap();
    let cid = v.consultations[0].id;
    // Silence cannot be recorded before the 15 working days have run.
    assert!(
        requests::consultation_answer(t.app(), &o, id, cid, "none", "", d("2026-03-03"))
            .await
            .is_err()
    );
    let r = requests::consultation_answer(
        t.app(),
        &o,
        id,
        cid,
        "object",
        "涉及商业秘密",
        d("2026-03-03"),
    )
    .await
    .unwrap();
    // Same days as the domain example: 2026-03-24 instead of 2026-03-16.
    assert_eq!(r.due_date, Some(d("2026-03-24")));
    assert_eq!(r.status, RequestStatus::Open.as_str());

    // The 11th request of the same applicant in one month costs ¥100 (按件计收).
    t.app().set_today(Some(d("2026-04-01")));
    let mut last = 0;
    for _ in 0..11 {
        last = receive(&t, &o, "2026-04-01").await;
    }
    t.app().set_today(Some(d("2026-04-02")));
    let (r, letter) = requests::fee_notice(t.app(), &o, last, FeeMethod::ByCount)
        .await
        .unwrap();
    assert_eq!(r.fee_amount, Some(100));
    assert_eq!(r.due_date, None, "stopped while the fee is unpaid");
    assert!(letter.body.contains("100 元"), "{}", letter.body);
    t.app().set_today(Some(d("2026-04-03")));
    let r = requests::fee_paid(t.app(), &o, last, d("2026-04-03"))
        .await
        .unwrap();
    assert_eq!(r.status, RequestStatus::Open.as_str());
    // Received 04-01; the notice went out 04-02 and was paid 04-03: one working day kept out.
    let cal = t.app().case_calendar();
    let plain = cal.add_working_days(d("2026-04-01"), 20).unwrap();
    assert_eq!(r.due_date, Some(cal.add_working_days(plain, 1).unwrap()));
    // The first request of the next month is free again.
    let first = receive(&t, &o, "2026-05-06").await;
    let free = requests::fee_notice(t.app(), &o, first, FeeMethod::ByCount).await;
    assert!(free.is_err(), "{free:?}");
    // The fee collected feeds the annual report's section 六.
    let y = requests::year_figures(t.app(), &o, 2026).await.unwrap();
    assert_eq!(y.fees_collected, 100);
    t.tdb.cleanup().await;
}

/// Every outcome of the national taxonomy produces its reply letter (snapshots).
#[tokio::test]
async fn every_outcome_produces_its_letter() {
    let t = TestApp::new().await;
    let o = officer(&t).await;
    for outcome in ReplyOutcome::ALL {
        let id = receive(&t, &o, "2026-03-02").await;
        let mut rp = reply(*outcome);
        match outcome {
            ReplyOutcome::CorrectionOverdue => {
                t.app().set_today(Some(d("2026-03-03")));
                requests::ask_correction(t.app(), &o, id, "补充身份证明", d("2026-03-06"))
                    .await
                    .unwrap();
                t.app().set_today(Some(d("2026-03-09")));
            }
            ReplyOutcome::FeeUnpaid => {
                t.app().set_today(Some(d("2026-03-03")));
                requests::fee_notice(t.app(), &o, id, FeeMethod::ByPages { pages: 60 })
                    .await
                    .unwrap();
                t.app().set_today(Some(d("2026-04-03")));
            }
            ReplyOutcome::Partial => {
                rp.released = Some(Released::Text {
                    title: "2025年度部门预算（公开部分）".into(),
                    text: "一、收入预算 3,210 万元\n二、支出预算 3,210 万元\n（第三方信息已删除）"
                        .into(),
                });
                t.app().set_today(Some(d("2026-03-10")));
            }
            _ => t.app().set_today(Some(d("2026-03-10"))),
        }
        let (r, letter) = requests::reply(t.app(), &o, id, rp).await.unwrap();
        assert_eq!(r.outcome.as_deref(), Some(outcome.as_str()));
        let (_, body) = requests::letter(t.app(), letter.id).await.unwrap();
        let text = format!(
            "{}\n{}\n{}\n{}\n{}\n{}",
            body.title,
            body.recipient,
            body.paragraphs.join("\n"),
            body.closing.join("\n"),
            body.issuer,
            body.date
        )
        // The number's sequence depends on the order of the loop, not on the letter.
        .replace(&letter.number, "<number>")
        .replace(&r.request_no, "<request>");
        insta::assert_snapshot!(format!("letter_{}", outcome.as_str()), text);
    }
    t.tdb.cleanup().await;
}

#[tokio::test]
async fn released_pdf_still_holding_an_id_number_is_refused() {
    let t = TestApp::new().await;
    let o = officer(&t).await;
    let id = receive(&t, &o, "2026-03-02").await;
    t.app().set_today(Some(d("2026-03-10")));
    let leaky = Reply {
        released: Some(Released::Pdf(RequestFile {
            filename: "budget.pdf".into(),
            bytes: pdf_with_text("Contractor ID 350503198506150026 budget 3210"),
        })),
        ..reply(ReplyOutcome::Partial)
    };
    let e = requests::reply(t.app(), &o, id, leaky).await.unwrap_err();
    let msg = format!("{e:?}");
    assert!(msg.contains("身份证号码"), "{msg}");
    assert!(msg.contains("已阻止发布"), "{msg}");
    // Nothing was written.
    let v = requests::view(t.app(), &o, id).await.unwrap();
    assert_eq!(v.status, RequestStatus::Open);
    assert_eq!(v.letters.len(), 1, "only the receipt");
    assert!(v.files.is_empty());
    // A name listed as hidden is caught too, and a clean file goes out.
    let named = Reply {
        released: Some(Released::Pdf(RequestFile {
            filename: "budget.pdf".into(),
            bytes: pdf_with_text("Approved by Zhang Wei, budget 3210"),
        })),
        hidden: vec!["Zhang Wei".into()],
        ..reply(ReplyOutcome::Partial)
    };
    assert!(requests::reply(t.app(), &o, id, named).await.is_err());
    let clean = Reply {
        released: Some(Released::Pdf(RequestFile {
            filename: "budget.pdf".into(),
            bytes: pdf_with_text("Budget 2025: income 3210, expenditure 3210"),
        })),
        hidden: vec!["Zhang Wei".into()],
        ..reply(ReplyOutcome::Partial)
    };
    let (r, _) = requests::reply(t.app(), &o, id, clean).await.unwrap();
    assert_eq!(r.outcome.as_deref(), Some("partial"));
    let v = requests::view(t.app(), &o, id).await.unwrap();
    assert_eq!(v.files.len(), 1);
    assert_eq!(v.files[0].purpose, "released");
    t.tdb.cleanup().await;
}

#[tokio::test]
async fn online_requests_are_tracked_with_number_and_password() {
    let t = TestApp::new().await;
    t.app().set_today(Some(d("2026-03-02")));
    let anon = Ctx::anonymous(None, None);
    let mut req = new_request("2026-03-02");
    req.received_on = None;
    let (r, _) = requests::apply_online(t.app(), &anon, req, "secret-77", None, vec![])
        .await
        .unwrap();
    assert_eq!(r.channel, "online");
    assert_eq!(r.received_on, d("2026-03-02"));
    let seen = requests::track(t.app(), &r.request_no, "secret-77")
        .await
        .unwrap();
    assert_eq!(seen.request.id, r.id);
    assert!(!seen.masked_id.contains("19900101"), "{}", seen.masked_id);
    let wrong = requests::track(t.app(), &r.request_no, "secret-78").await;
    assert!(matches!(wrong, Err(AppError::InvalidCredentials)));
    let unknown = requests::track(t.app(), "YSQ2026999999", "secret-77").await;
    assert!(matches!(unknown, Err(AppError::InvalidCredentials)));
    // Bad identity is refused by field.
    let mut bad = new_request("2026-03-02");
    bad.id_number = "350502199001011234".into();
    let e = requests::apply_online(t.app(), &anon, bad, "secret-77", None, vec![])
        .await
        .unwrap_err();
    assert!(format!("{e:?}").contains("id_number"), "{e:?}");
    t.tdb.cleanup().await;
}

/// Requests received in one year and answered in the next are carried over (结转).
#[tokio::test]
async fn year_figures_carry_requests_over_on_every_backend() {
    for tdb in TestDb::all().await {
        let backend = format!("{:?}", tdb.db.backend());
        let t = TestApp::over(tdb).await;
        let o = officer(&t).await;
        // The demo data hold requests of their own (received today): count ours on top.
        let base = requests::year_figures(t.app(), &o, 2026)
            .await
            .unwrap()
            .table3;
        let dec = receive(&t, &o, "2025-12-30").await;
        t.app().set_today(Some(d("2026-01-05")));
        requests::reply(t.app(), &o, dec, reply(ReplyOutcome::Disclosed))
            .await
            .unwrap();
        let feb = receive(&t, &o, "2026-02-10").await;
        t.app().set_today(Some(d("2026-02-20")));
        requests::reply(t.app(), &o, feb, reply(ReplyOutcome::NotHeld))
            .await
            .unwrap();
        receive(&t, &o, "2026-12-28").await;
        let y25 = requests::year_figures(t.app(), &o, 2025)
            .await
            .unwrap()
            .table3;
        let mut y26 = requests::year_figures(t.app(), &o, 2026)
            .await
            .unwrap()
            .table3;
        for (row, b) in y26.iter_mut().zip(base.iter()) {
            for (cell, x) in row.iter_mut().zip(b.iter()) {
                *cell -= x;
            }
        }
        assert_eq!(y25[0][6], 1, "{backend}: 2025 r1");
        assert_eq!(y25[24][6], 1, "{backend}: 2025 r25 carried to 2026");
        assert_eq!(y26[1], y25[24], "{backend}: 2026 r2 = 2025 r25");
        assert_eq!(y26[0][6], 2, "{backend}: 2026 r1");
        assert_eq!(
            y26[2][6], 1,
            "{backend}: 2026 r3 予以公开 (the carried-over one)"
        );
        assert_eq!(y26[12][6], 1, "{backend}: 2026 r13 不掌握");
        assert_eq!(y26[24][6], 1, "{backend}: 2026 r25");
        let (r1, r2, r24, r25) = (y26[0], y26[1], y26[23], y26[24]);
        for c in 0..7 {
            assert_eq!(r1[c] + r2[c], r24[c] + r25[c], "{backend}: column {c}");
        }
        t.tdb.cleanup().await;
    }
}

/// A third party's objection feeds the decision (art. 32), and lapsed deadlines close requests.
#[tokio::test]
async fn objection_and_lapsed_deadlines() {
    let t = TestApp::new().await;
    let o = officer(&t).await;
    let id = receive(&t, &o, "2026-03-02").await;
    t.app().set_today(Some(d("2026-03-03")));
    requests::consult(t.app(), &o, id, "泉州某建材有限公司", false)
        .await
        .unwrap();
    let cid = requests::view(t.app(), &o, id).await.unwrap().consultations[0].id;
    t.app().set_today(Some(d("2026-03-05")));
    requests::consultation_answer(t.app(), &o, id, cid, "object", "商业秘密", d("2026-03-05"))
        .await
        .unwrap();
    t.app().set_today(Some(d("2026-03-10")));
    let plain = Reply {
        reason: String::new(),
        ..reply(ReplyOutcome::Disclosed)
    };
    let e = requests::reply(t.app(), &o, id, plain).await.unwrap_err();
    assert!(format!("{e:?}").contains("第三十二条"), "{e:?}");
    let overriding = Reply {
        reason: "不公开会对公共利益造成重大影响：涉及公共安全".into(),
        ..reply(ReplyOutcome::Disclosed)
    };
    requests::reply(t.app(), &o, id, overriding).await.unwrap();

    // 补正 and fee deadlines lapse: the sweep closes exactly those two, with their letters.
    let a = receive(&t, &o, "2026-04-01").await;
    let b = receive(&t, &o, "2026-04-01").await;
    let keep = receive(&t, &o, "2026-04-01").await;
    t.app().set_today(Some(d("2026-04-02")));
    requests::ask_correction(t.app(), &o, a, "补充身份证明", d("2026-04-10"))
        .await
        .unwrap();
    requests::fee_notice(t.app(), &o, b, FeeMethod::ByPages { pages: 40 })
        .await
        .unwrap();
    assert!(
        requests::close_lapsed(t.app(), &o)
            .await
            .unwrap()
            .is_empty()
    );
    t.app().set_today(Some(d("2026-06-01")));
    let closed = requests::close_lapsed(t.app(), &o).await.unwrap();
    assert_eq!(closed.len(), 2, "{closed:?}");
    let va = requests::view(t.app(), &o, a).await.unwrap();
    let vb = requests::view(t.app(), &o, b).await.unwrap();
    let vk = requests::view(t.app(), &o, keep).await.unwrap();
    assert_eq!(
        va.request.outcome.as_deref(),
        Some("other_correction_overdue")
    );
    assert_eq!(vb.request.outcome.as_deref(), Some("other_fee_unpaid"));
    assert_eq!(
        vk.status,
        RequestStatus::Open,
        "an open request is not touched"
    );
    assert_eq!(va.letters.last().unwrap().kind, "reply");
    // Running it again closes nothing more.
    assert!(
        requests::close_lapsed(t.app(), &o)
            .await
            .unwrap()
            .is_empty()
    );
    t.tdb.cleanup().await;
}

mod http {
    use axum::http::StatusCode;
    use onewindow_testkit::{TestApp, csrf_in};

    fn redact(html: &str) -> String {
        let re = |s: &str, key: &str| -> String {
            let mut out = String::new();
            let mut rest = s;
            while let Some(i) = rest.find(key) {
                let (a, b) = rest.split_at(i + key.len());
                out.push_str(a);
                let end = b.find('"').unwrap_or(b.len());
                out.push_str("[redacted]");
                rest = &b[end..];
            }
            out.push_str(rest);
            out
        };
        re(html, "name=\"csrf\" value=\"")
    }

    #[tokio::test]
    async fn public_form_answers_bad_input_in_chinese_and_tracks_by_password() {
        let t = TestApp::new().await;
        let mut c = t.client();
        let r = c.get("/ysqgk/apply").await;
        assert_eq!(r.status, StatusCode::OK);
        insta::assert_snapshot!("ysq_apply_zh", redact(&r.text));
        let token = csrf_in(&r.text).unwrap();
        // Without the double-submit cookie's value: refused.
        let forged = t
            .client()
            .post_form("/ysqgk/apply", &[("csrf", "x"), ("applicant_name", "林晓")])
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        // A bad ID number: 4xx, the field named in Chinese, the entries kept.
        let fields = |id: &'static str, pw2: &'static str| {
            vec![
                ("csrf", token.clone()),
                ("requester_kind", "natural_person".to_string()),
                ("applicant_name", "林晓".to_string()),
                ("id_number", id.to_string()),
                ("phone", "13912345678".to_string()),
                ("description", "2025年度部门预算".to_string()),
                ("info_form", "electronic".to_string()),
                ("obtain", "pickup".to_string()),
                ("query_password", "lin-secret-7".to_string()),
                ("query_password2", pw2.to_string()),
            ]
        };
        let v = fields("350502199001011234", "lin-secret-7");
        let pairs: Vec<(&str, &str)> = v.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = c.post_form("/ysqgk/apply", &pairs).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
        assert!(r.text.contains("公民身份号码"), "{}", r.text);
        assert!(r.text.contains("2025年度部门预算"), "entries kept");
        // Passwords that differ.
        let v = fields("35050219900101123X", "other-pass");
        let pairs: Vec<(&str, &str)> = v.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = c.post_form("/ysqgk/apply", &pairs).await;
        assert!(r.status.is_client_error());
        assert!(r.text.contains("查询密码不一致"), "{}", r.text);
        // A good one.
        let v = fields("35050219900101123X", "lin-secret-7");
        let pairs: Vec<(&str, &str)> = v.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = c.post_form("/ysqgk/apply", &pairs).await;
        assert_eq!(r.status, StatusCode::OK);
        let no = r
            .text
            .split("id=\"ysq-no\">")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .to_string();
        assert!(no.starts_with("YSQ"), "{no}");
        // Tracking: a wrong password and an unknown number look the same.
        let page = c.get("/ysqgk/track").await;
        let token = csrf_in(&page.text).unwrap();
        let wrong = c
            .post_form(
                "/ysqgk/track",
                &[("csrf", &token), ("no", &no), ("password", "nope-nope")],
            )
            .await;
        let unknown = c
            .post_form(
                "/ysqgk/track",
                &[
                    ("csrf", &token),
                    ("no", "YSQ2099000001"),
                    ("password", "lin-secret-7"),
                ],
            )
            .await;
        assert_eq!(wrong.status, StatusCode::NOT_FOUND);
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
        assert!(wrong.text.contains("申请编号或查询密码不正确"));
        let ok = c
            .post_form(
                "/ysqgk/track",
                &[("csrf", &token), ("no", &no), ("password", "lin-secret-7")],
            )
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text);
        let to = ok.header("location").unwrap().to_string();
        assert!(to.starts_with(&format!("/ysqgk/r/{no}/")));
        let page = c.get(&to).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text.contains("政府信息公开申请登记回执") || page.text.contains("公开收"));
        // A forged link token is "not found".
        let forged = c
            .get(&format!("/ysqgk/r/{no}/0123456789abcdef0123456789abcdef"))
            .await;
        assert_eq!(forged.status, StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn officer_pages_need_the_disclosure_role() {
        let t = TestApp::new().await;
        let mut clerk = t.login("clerk").await;
        let r = clerk.get("/ysqgk/requests").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = t.client().get("/ysqgk/requests").await;
        assert!(
            r.status.is_redirection() || r.status == StatusCode::UNAUTHORIZED,
            "{}",
            r.status
        );
        let code = onewindow_domain::identity::CreditCode::synthesize("91350503", "MA2XKD8L")
            .unwrap()
            .as_str()
            .to_string();
        let mut o = t.login("disclosure").await;
        let r = o.get("/ysqgk/requests/new").await;
        assert_eq!(r.status, StatusCode::OK);
        let token = csrf_in(&r.text).unwrap();
        // A date of receipt in the future is refused by field.
        let r = o
            .post_form(
                "/ysqgk/requests/new",
                &[
                    ("csrf", &token),
                    ("channel", "registered_mail"),
                    ("received_on", "2999-01-01"),
                    ("requester_kind", "commercial"),
                    ("applicant_name", "泉州市晨光贸易有限公司"),
                    ("id_number", &code),
                    ("contact_name", "陈晨"),
                    ("phone", "13812345678"),
                    ("description", "企业投资项目核准的批复文件"),
                    ("info_form", "paper"),
                    ("obtain", "post"),
                ],
            )
            .await;
        assert!(r.status.is_client_error(), "{}", r.status);
        assert!(r.text.contains("收到申请之日不能晚于今天"), "{}", r.text);
        let r = o.get("/ysqgk/requests").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.text.contains("依申请公开"));
    }

    /// The online form's identity proof is stored with the request (multipart upload).
    #[tokio::test]
    async fn online_form_stores_the_identity_proof() {
        let t = TestApp::new().await;
        let mut c = t.client();
        let page = c.get("/ysqgk/apply").await;
        let token = csrf_in(&page.text).unwrap();
        let png = b"\x89PNG\r\n\x1a\nidentity card copy";
        let (ctype, body) = crate::cases::multipart(
            &[
                ("csrf", &token),
                ("requester_kind", "natural_person"),
                ("applicant_name", "林晓"),
                ("id_number", "35050219900101123X"),
                ("phone", "13912345678"),
                ("description", "2025年度部门预算"),
                ("info_form", "electronic"),
                ("obtain", "pickup"),
                ("query_password", "lin-secret-7"),
                ("query_password2", "lin-secret-7"),
            ],
            &[("identity", "id.png", png)],
        );
        let r = c
            .send(axum::http::Method::POST, "/ysqgk/apply", Some(&ctype), body)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let no = r
            .text
            .split("id=\"ysq-no\">")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .to_string();
        let o = onewindow_app::auth::staff_ctx(t.app(), "disclosure")
            .await
            .unwrap();
        let rows = onewindow_app::requests::list(t.app(), &o, true)
            .await
            .unwrap();
        let id = rows.iter().find(|(r, _)| r.request_no == no).unwrap().0.id;
        let v = onewindow_app::requests::view(t.app(), &o, id)
            .await
            .unwrap();
        assert_eq!(v.files.len(), 1, "{:?}", v.files);
        assert_eq!(v.files[0].purpose, "identity");
        assert_eq!(v.files[0].media_type, "image/png");
        t.tdb.cleanup().await;
    }
}
