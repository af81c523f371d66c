//! Disclosure on application (依申请公开): receive a request by any channel, run its statutory
//! clock (补正 restarts, consultations and fee notices do not count, one extension), reply with
//! an outcome of the national taxonomy and its letter, release files only after the redaction
//! check, record appeals. Rules: `onewindow_domain::disclosure::request` (条例 chapter 四).

use chrono::{Datelike, NaiveDate};
use onewindow_domain::DomainError;
use onewindow_domain::audit::AuditAction;
use onewindow_domain::case::clock::{
    Clock, ClockEvent, DueExplanation, PauseKind, Urgency, urgency,
};
use onewindow_domain::disclosure::redaction::{self, Finding};
use onewindow_domain::disclosure::request::{
    self as rules, AppealKind, AppealResult, Channel, InfoForm, LetterFacts, Obtain, ReplyOutcome,
    RequestStatus, RequesterKind,
};
use onewindow_domain::identity::{ApplicantId, CreditCode, ResidentId};
use onewindow_domain::masking::mask_applicant_id;
use onewindow_domain::org::Permission;
use onewindow_storage::disclosure as store;
pub use onewindow_storage::disclosure::{
    AppealRow, ConsultationRow, EventRow, FileRow, LetterRow, RequestRow,
};
use onewindow_storage::{H, audit};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::applicants::{Upload, clean_filename, persist, sniff, store_file};
use crate::auth::{hash_password, verify_password};
use crate::cases::{NoticeBody, date_zh, opt_text};
use crate::{App, AppError, AppResult, Ctx, unexpected};

/// Largest file accepted (identity proofs, scans, released files).
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;

fn bad(
    field: &'static str,
    zh: impl Into<std::borrow::Cow<'static, str>>,
    en: impl Into<std::borrow::Cow<'static, str>>,
) -> AppError {
    AppError::Domain(DomainError::field(field, zh, en))
}

/// A new request, as entered by a clerk or on the online form.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewRequest {
    /// Channel.
    pub channel: Channel,
    /// 收到申请之日, by the channel's rule (ignored online: the day of submission).
    pub received_on: Option<NaiveDate>,
    /// Applicant type.
    pub requester_kind: RequesterKind,
    /// Name (person or organisation).
    pub applicant_name: String,
    /// Resident ID (persons) or unified social credit code (organisations).
    pub id_number: String,
    /// 法定代表人 (organisations).
    #[serde(default)]
    pub legal_rep: Option<String>,
    /// 联系人 (organisations).
    #[serde(default)]
    pub contact_name: Option<String>,
    /// Phone.
    #[serde(default)]
    pub phone: Option<String>,
    /// E-mail.
    #[serde(default)]
    pub email: Option<String>,
    /// Postal address.
    #[serde(default)]
    pub address: Option<String>,
    /// 所需信息的内容描述.
    pub description: String,
    /// 文号 / 索引号, if known.
    #[serde(default)]
    pub doc_ref: Option<String>,
    /// Form wanted.
    pub info_form: InfoForm,
    /// Way of obtaining it.
    pub obtain: Obtain,
    /// Accepts another form if needed.
    #[serde(default)]
    pub accept_other_form: bool,
    /// The agency asked (a department); `None` = the centre.
    #[serde(default)]
    pub department_id: Option<i64>,
}

/// A file received with a request or released with a reply.
#[derive(Debug, Clone)]
pub struct RequestFile {
    /// Original name.
    pub filename: String,
    /// Content.
    pub bytes: Vec<u8>,
}

/// A free-text field, trimmed, refused when longer than `max` characters.
fn text<'a>(field: &'static str, s: &'a str, max: usize) -> AppResult<&'a str> {
    let s = s.trim();
    if s.chars().count() > max {
        return Err(bad(
            field,
            format!("{field} 不能超过 {max} 个字符"),
            format!("{field}: at most {max} characters"),
        ));
    }
    Ok(s)
}

/// Validate the applicant's identity by type: persons by resident ID, organisations by unified
/// social credit code (条例 art. 29 (一): 身份证明).
fn identity(kind: RequesterKind, id: &str, today: NaiveDate) -> AppResult<String> {
    if kind.is_person() {
        ResidentId::parse_on(id, today)
            .map(|r| r.as_str().to_string())
            .map_err(|_| {
                bad(
                    "id_number",
                    "自然人申请须填写有效的公民身份号码",
                    "id_number: a natural person needs a valid resident ID number",
                )
            })
    } else {
        CreditCode::parse(id)
            .map(|c| c.as_str().to_string())
            .map_err(|_| {
                bad(
                    "id_number",
                    "法人或其他组织申请须填写有效的统一社会信用代码",
                    "id_number: an organisation needs a valid unified social credit code",
                )
            })
    }
}

fn letter_no(app: &App, abbr: &str, year: i32, seq: i64) -> String {
    format!("{}{abbr}〔{year}〕{seq:05}号", app.settings.notice_prefix)
}

fn request_no(year: i32, seq: i64) -> String {
    format!("YSQ{year}{seq:06}")
}

/// The stored reply clock of a request.
fn clock_of(r: &RequestRow) -> AppResult<Clock> {
    let mut clock = rules::new_clock(r.received_on);
    clock.events = serde_json::from_str::<Vec<ClockEvent>>(&r.clock_events).map_err(unexpected)?;
    Ok(clock)
}

/// The stored clock, with the request's due date brought up to date.
fn recompute(app: &App, r: &mut RequestRow) -> AppResult<Clock> {
    let clock = clock_of(r)?;
    r.due_date = clock.due(&app.case_calendar())?;
    Ok(clock)
}

fn save_clock(app: &App, r: &mut RequestRow, clock: &Clock) -> AppResult<()> {
    r.clock_events = serde_json::to_string(&clock.events).map_err(unexpected)?;
    r.due_date = clock.due(&app.case_calendar())?;
    Ok(())
}

fn actor(ctx: &Ctx) -> String {
    match ctx.user() {
        Some(u) => u.display_name.clone(),
        None => ctx.actor().label,
    }
}

/// Requests are handled by the centre's disclosure office: any grant of
/// `HandleDisclosureRequests` (the demo officer's is scoped to the centre's own department).
/// Requests addressed to a department keep its id for the annual report; handling scoped per
/// department is not modelled yet.
fn require_officer(ctx: &Ctx, _r: &RequestRow) -> AppResult<()> {
    ctx.require_any(Permission::HandleDisclosureRequests)
}

/// Who a letter goes to.
enum Addressee<'a> {
    /// The applicant (masked 一号, tracking line).
    Applicant,
    /// Someone else, e.g. a consulted third party: no identity of the applicant, no tracking.
    Other(&'a str),
}

#[allow(clippy::too_many_arguments)]
async fn store_letter(
    mut h: H<'_>,
    app: &App,
    r: &RequestRow,
    to: Addressee<'_>,
    kind: &str,
    abbr: &str,
    title: &str,
    paragraphs: Vec<String>,
) -> AppResult<LetterRow> {
    let today = app.today();
    let year = today.year();
    let seq = onewindow_storage::cases::next_counter(h.re(), &format!("ysq-letter:{abbr}:{year}"))
        .await?;
    let number = letter_no(app, abbr, year, seq);
    let (recipient, closing) = if let Addressee::Other(name) = to {
        (
            format!("{name}："),
            format!(
                "联系单位：{}政府信息公开工作机构。",
                app.settings.center_name
            ),
        )
    } else {
        let masked = ApplicantId::parse(&r.id_number)
            .map(|a| mask_applicant_id(&a))
            .unwrap_or_else(|_| "***".into());
        (
            format!("{}（{}）：", r.applicant_name, masked),
            format!(
                "申请编号：{}。可凭申请编号和查询密码在{}网站“依申请公开”栏目查询办理进度、查看答复。",
                r.request_no, app.settings.center_name
            ),
        )
    };
    let body = NoticeBody {
        title: title.to_string(),
        number: number.clone(),
        issuer: app.settings.center_name.clone(),
        recipient,
        paragraphs,
        headers: Vec::new(),
        rows: Vec::new(),
        closing: vec![closing],
        date: date_zh(today),
    };
    let v = serde_json::to_value(&body).map_err(unexpected)?;
    Ok(store::insert_letter(h, r.id, kind, &number, &v).await?)
}

/// Receive a request (clerk: in person, letter, fax, e-mail; or online through
/// [`apply_online`]). Returns the stored request and the receipt letter.
pub async fn receive(
    app: &App,
    ctx: &Ctx,
    req: NewRequest,
    files: Vec<RequestFile>,
) -> AppResult<(RequestRow, LetterRow)> {
    ctx.require_any(Permission::HandleDisclosureRequests)?;
    if req.channel == Channel::Online {
        return Err(bad(
            "channel",
            "在线申请由申请人在门户网站提交",
            "channel: online requests are submitted by the applicant on the portal",
        ));
    }
    let received = req.received_on.ok_or_else(|| {
        let (zh, en) = req.channel.receipt_rule();
        bad(
            "received_on",
            format!("请填写收到申请之日（{zh}）"),
            format!("received_on: required ({en})"),
        )
    })?;
    if received > app.today() {
        return Err(bad(
            "received_on",
            "收到申请之日不能晚于今天",
            "received_on: cannot be in the future",
        ));
    }
    create(app, ctx, req, received, None, None, files, "scan").await
}

/// An online request (在线申请) by an applicant, with a query password for tracking. The day
/// of submission is the day of receipt: the system confirms it at once with the receipt
/// (双方确认之日, 条例 art. 31).
pub async fn apply_online(
    app: &App,
    ctx: &Ctx,
    mut req: NewRequest,
    query_password: &str,
    applicant_id: Option<i64>,
    files: Vec<RequestFile>,
) -> AppResult<(RequestRow, LetterRow)> {
    req.channel = Channel::Online;
    let pw = query_password.trim();
    if pw.chars().count() < 6 || pw.len() > 128 {
        return Err(bad(
            "query_password",
            "查询密码须为 6 位以上",
            "query_password: at least 6 characters",
        ));
    }
    let hash = hash_password(app, pw).await?;
    create(
        app,
        ctx,
        req,
        app.today(),
        Some(hash),
        applicant_id,
        files,
        "identity",
    )
    .await
}

/// Store a new request. What an application must contain follows 条例 art. 29: the applicant's
/// name, identity proof (checked 一号) and contact details; a description of the information;
/// the form and way of obtaining it. The purpose is not asked (dropped in 2019). An
/// organisation names a contact person (the national form's 联系人, domain-rules §7.4).
#[allow(clippy::too_many_arguments)]
async fn create(
    app: &App,
    ctx: &Ctx,
    req: NewRequest,
    received: NaiveDate,
    password_hash: Option<String>,
    applicant_id: Option<i64>,
    files: Vec<RequestFile>,
    file_purpose: &str,
) -> AppResult<(RequestRow, LetterRow)> {
    let today = app.today();
    let id_number = identity(req.requester_kind, &req.id_number, today)?;
    let name = req.applicant_name.trim().to_string();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(bad(
            "applicant_name",
            "申请人姓名或名称不能为空且不超过 100 个字符",
            "applicant_name: 1–100 characters",
        ));
    }
    let description = req.description.trim().to_string();
    if description.chars().count() < 4 || description.chars().count() > 2000 {
        return Err(bad(
            "description",
            "请描述所需政府信息（名称、文号或其他特征性描述，4–2000 字）",
            "description: describe the information wanted (4–2000 characters)",
        ));
    }
    if !req.requester_kind.is_person() && opt_text("contact_name", &req.contact_name, 50)?.is_none()
    {
        return Err(bad(
            "contact_name",
            "法人或其他组织申请须填写联系人",
            "contact_name: required for organisations",
        ));
    }
    let phone = opt_text("phone", &req.phone, 30)?;
    let email = opt_text("email", &req.email, 200)?;
    if phone.is_none() && email.is_none() && opt_text("address", &req.address, 200)?.is_none() {
        return Err(bad(
            "phone",
            "请至少填写一种联系方式（电话、电子邮箱或通信地址）",
            "phone: give at least one way to contact the applicant",
        ));
    }
    if let Some(e) = &email {
        onewindow_domain::identity::check_email("email", e)?;
    }
    if req.obtain == Obtain::Email && email.is_none() {
        return Err(bad(
            "email",
            "选择电子邮件获取时须填写电子邮箱",
            "email: required when the information is to be sent by e-mail",
        ));
    }
    // What is sent by post or courier needs an address; a fax needs a number to dial.
    if matches!(req.obtain, Obtain::Post | Obtain::Express)
        && opt_text("address", &req.address, 200)?.is_none()
    {
        return Err(bad(
            "address",
            "选择邮寄或快递获取时须填写通信地址",
            "address: required when the information is to be sent by post or courier",
        ));
    }
    if req.obtain == Obtain::Fax && phone.is_none() {
        return Err(bad(
            "phone",
            "选择传真获取时须填写传真号码（联系电话）",
            "phone: a fax number is required when the information is to be sent by fax",
        ));
    }
    let uploads: Vec<Upload> = files
        .into_iter()
        .map(|f| Upload {
            material: file_purpose.to_string(),
            filename: f.filename,
            bytes: f.bytes,
        })
        .collect();
    let stored = persist(app, &uploads).await?;
    let mut tx = app.db.begin().await?;
    let year = received.year();
    let seq = onewindow_storage::cases::next_counter(tx.h(), &format!("ysq:{year}")).await?;
    let clock = rules::new_clock(received);
    let t = onewindow_storage::now();
    let mut row = RequestRow {
        id: 0,
        request_no: request_no(year, seq),
        department_id: req.department_id,
        channel: req.channel.as_str().into(),
        received_on: received,
        requester_kind: req.requester_kind.as_str().into(),
        applicant_name: name,
        id_number,
        applicant_id,
        legal_rep: opt_text("legal_rep", &req.legal_rep, 50)?,
        contact_name: opt_text("contact_name", &req.contact_name, 50)?,
        phone,
        email,
        address: opt_text("address", &req.address, 200)?,
        description,
        doc_ref: opt_text("doc_ref", &req.doc_ref, 100)?,
        info_form: req.info_form.as_str().into(),
        obtain: req.obtain.as_str().into(),
        accept_other_form: req.accept_other_form,
        query_password_hash: password_hash,
        status: RequestStatus::Open.as_str().into(),
        clock_events: "[]".into(),
        due_date: None,
        correction_asked: false,
        correction_due: None,
        fee_amount: None,
        fee_due: None,
        fee_paid_on: None,
        extended: false,
        outcome: None,
        reply_reason: None,
        replied_on: None,
        created_by: ctx.user().map(|u| u.id.get()),
        version: 1,
        created_at: t,
        updated_at: t,
    };
    save_clock(app, &mut row, &clock)?;
    let row = store::insert_request(tx.h(), &row).await?;
    for f in stored {
        store::insert_file(
            tx.h(),
            &FileRow {
                id: 0,
                request_id: row.id,
                purpose: f.material,
                filename: f.filename,
                media_type: f.media_type,
                size: f.size,
                sha256: f.sha256,
                uploaded_at: t,
            },
        )
        .await?;
    }
    let (rule_zh, _) = Channel::parse(&row.channel)
        .unwrap_or(Channel::InPerson)
        .receipt_rule();
    let letter = store_letter(
        tx.h(),
        app,
        &row,
        Addressee::Applicant,
        "receipt",
        "公开收",
        "政府信息公开申请登记回执",
        vec![
            format!(
                "您（单位）通过{}提出的政府信息公开申请已收到，申请编号：{}。收到申请之日为{}（{}）。",
                Channel::parse(&row.channel).map(|c| c.zh()).unwrap_or(""),
                row.request_no,
                date_zh(received),
                rule_zh
            ),
            format!(
                "根据《中华人民共和国政府信息公开条例》第三十三条，本机关将在收到申请之日起 20 个工作日内（即{}前）予以答复；需要延长答复期限的，将另行告知。",
                row.due_date.map(date_zh).unwrap_or_default()
            ),
        ],
    )
    .await?;
    store::insert_event(
        tx.h(),
        row.id,
        &actor(ctx),
        "received",
        &json!({"channel": row.channel, "received_on": received, "due": row.due_date, "receipt": letter.number}),
    )
    .await?;
    audit::append(
        tx.h(),
        &ctx.event(
            AuditAction::DisclosureRequestReceived,
            "disclosure_request",
            &row.request_no,
            row.department_id,
            json!({"channel": row.channel, "requester_kind": row.requester_kind}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok((row, letter))
}

/// Load a request for a change: checks the officer's permission and the expected status.
async fn load_for_change(
    h: H<'_>,
    ctx: &Ctx,
    id: i64,
    allowed: &[RequestStatus],
) -> AppResult<(RequestRow, RequestStatus)> {
    let r = store::get_request(h, id).await?;
    require_officer(ctx, &r)?;
    let status = RequestStatus::parse(&r.status)
        .ok_or_else(|| unexpected(anyhow::anyhow!("bad status {}", r.status)))?;
    if !allowed.contains(&status) {
        return Err(AppError::conflict(
            format!("该申请当前状态为“{}”，不能进行此操作", status.zh()),
            format!(
                "the request is {}; this action is not possible now",
                status.as_str()
            ),
        ));
    }
    Ok((r, status))
}

async fn finish_change(
    mut h: H<'_>,
    ctx: &Ctx,
    r: &mut RequestRow,
    kind: &str,
    detail: serde_json::Value,
) -> AppResult<()> {
    r.version = store::save_request(h.re(), r).await?;
    store::insert_event(h.re(), r.id, &actor(ctx), kind, &detail).await?;
    let mut summary = detail;
    summary["action"] = json!(kind);
    audit::append(
        h,
        &ctx.event(
            AuditAction::DisclosureRequestChanged,
            "disclosure_request",
            &r.request_no,
            r.department_id,
            summary,
        ),
    )
    .await?;
    Ok(())
}

/// 补正: ask the applicant once, within 7 working days of receipt, to complete or clarify the
/// request (条例 art. 30). The clock stops until the completed request arrives.
pub async fn ask_correction(
    app: &App,
    ctx: &Ctx,
    id: i64,
    what: &str,
    due: NaiveDate,
) -> AppResult<(RequestRow, LetterRow)> {
    let what = what.trim();
    if what.is_empty() || what.chars().count() > 2000 {
        return Err(bad(
            "what",
            "请一次性写明需要补正的全部内容",
            "what: state everything to complete, in one notice",
        ));
    }
    let today = app.today();
    if due <= today {
        return Err(bad("due", "补正期限须晚于今天", "due: must be after today"));
    }
    let mut tx = app.db.begin().await?;
    let (mut r, _) = load_for_change(tx.h(), ctx, id, &[RequestStatus::Open]).await?;
    rules::check_correction(
        &app.case_calendar(),
        r.received_on,
        today,
        r.correction_asked,
    )?;
    let mut clock = recompute(app, &mut r)?;
    clock.pause(PauseKind::Correction, today)?;
    save_clock(app, &mut r, &clock)?;
    r.correction_asked = true;
    r.correction_due = Some(due);
    r.status = RequestStatus::AwaitingCorrection.as_str().into();
    let letter = store_letter(
        tx.h(),
        app,
        &r,
        Addressee::Applicant,
        "correction",
        "公开补",
        "政府信息公开申请补正告知书",
        vec![
            format!(
                "本机关于{}收到您（单位）的政府信息公开申请（申请编号：{}）。经审查，申请内容不明确。根据《中华人民共和国政府信息公开条例》第三十条，现一次性告知您需要补正的内容：",
                date_zh(r.received_on),
                r.request_no
            ),
            what.to_string(),
            format!(
                "请于{}前补正。答复期限自本机关收到补正后的申请之日起重新计算。无正当理由逾期不补正的，视为放弃申请，本机关不再处理该政府信息公开申请。",
                date_zh(due)
            ),
        ],
    )
    .await?;
    finish_change(
        tx.h(),
        ctx,
        &mut r,
        "correction_requested",
        json!({"what": what, "due": due, "letter": letter.number}),
    )
    .await?;
    tx.commit().await?;
    Ok((r, letter))
}

/// The completed request arrived on `on`: the reply period starts over from that day.
pub async fn correction_received(
    app: &App,
    ctx: &Ctx,
    id: i64,
    on: NaiveDate,
) -> AppResult<RequestRow> {
    if on > app.today() {
        return Err(bad(
            "on",
            "收到补正之日不能晚于今天",
            "on: cannot be in the future",
        ));
    }
    let mut tx = app.db.begin().await?;
    let (mut r, _) = load_for_change(tx.h(), ctx, id, &[RequestStatus::AwaitingCorrection]).await?;
    let mut clock = recompute(app, &mut r)?;
    clock.restart(on)?;
    save_clock(app, &mut r, &clock)?;
    r.status = RequestStatus::Open.as_str().into();
    let detail = json!({"on": on, "due": r.due_date});
    finish_change(tx.h(), ctx, &mut r, "correction_received", detail).await?;
    tx.commit().await?;
    Ok(r)
}

/// Extend the reply period by 20 working days, once, with the consent of the head of the
/// disclosure office recorded (条例 art. 33 ¶1), and notify the applicant.
pub async fn extend(
    app: &App,
    ctx: &Ctx,
    id: i64,
    approved_by: &str,
    reason: &str,
) -> AppResult<(RequestRow, LetterRow)> {
    let approved_by = text("approved_by", approved_by, 50)?;
    let reason = text("reason", reason, 500)?;
    if approved_by.is_empty() {
        return Err(bad(
            "approved_by",
            "延期须经政府信息公开工作机构负责人同意，请填写批准人",
            "approved_by: an extension needs the consent of the head of the disclosure office",
        ));
    }
    if reason.is_empty() {
        return Err(bad("reason", "请填写延期理由", "reason: required"));
    }
    let today = app.today();
    let mut tx = app.db.begin().await?;
    let (mut r, _) = load_for_change(tx.h(), ctx, id, &[RequestStatus::Open]).await?;
    if r.extended {
        return Err(AppError::conflict(
            "答复期限只能延长一次，且延长期限最长不超过 20 个工作日",
            "the reply period can be extended only once, by at most 20 working days",
        ));
    }
    let mut clock = recompute(app, &mut r)?;
    if r.due_date.is_some_and(|d| d < today) {
        return Err(AppError::conflict(
            "答复期限已届满，不能再延长",
            "the reply period has already expired; it cannot be extended",
        ));
    }
    clock.extend(rules::EXTENSION_DAYS, today);
    save_clock(app, &mut r, &clock)?;
    r.extended = true;
    let letter = store_letter(
        tx.h(),
        app,
        &r,
        Addressee::Applicant,
        "extension",
        "公开延",
        "政府信息公开申请延期答复告知书",
        vec![
            format!(
                "本机关于{}收到您（单位）的政府信息公开申请（申请编号：{}）。因{}，经本机关政府信息公开工作机构负责人同意，根据《中华人民共和国政府信息公开条例》第三十三条第一款，答复期限延长 20 个工作日，本机关将于{}前答复。",
                date_zh(r.received_on),
                r.request_no,
                reason,
                r.due_date.map(date_zh).unwrap_or_default()
            ),
        ],
    )
    .await?;
    let detail = json!({"approved_by": approved_by, "reason": reason, "due": r.due_date, "letter": letter.number});
    finish_change(tx.h(), ctx, &mut r, "extended", detail).await?;
    tx.commit().await?;
    Ok((r, letter))
}

/// Consult a third party (art. 32) or another agency (art. 34): a letter asks for an answer
/// within 15 working days; the time is not counted (art. 33 ¶2).
pub async fn consult(
    app: &App,
    ctx: &Ctx,
    id: i64,
    party: &str,
    agency: bool,
) -> AppResult<(RequestRow, LetterRow)> {
    let party = party.trim();
    if party.is_empty() || party.chars().count() > 100 {
        return Err(bad(
            "party",
            "请填写征求意见的对象",
            "party: who is consulted",
        ));
    }
    let today = app.today();
    let mut tx = app.db.begin().await?;
    let (mut r, status) = load_for_change(
        tx.h(),
        ctx,
        id,
        &[RequestStatus::Open, RequestStatus::Consulting],
    )
    .await?;
    let due = app
        .case_calendar()
        .add_working_days(today, rules::CONSULTATION_DAYS)?;
    store::insert_consultation(
        tx.h(),
        &ConsultationRow {
            id: 0,
            request_id: r.id,
            party: party.into(),
            party_kind: if agency { "agency" } else { "third_party" }.into(),
            sent_on: today,
            due_on: due,
            answer: None,
            answer_note: None,
            answered_on: None,
        },
    )
    .await?;
    if status == RequestStatus::Open {
        let mut clock = recompute(app, &mut r)?;
        clock.pause(PauseKind::Consultation, today)?;
        save_clock(app, &mut r, &clock)?;
        r.status = RequestStatus::Consulting.as_str().into();
    }
    let (article, silence) = if agency {
        ("第三十四条", "逾期未提出意见的，视为同意公开")
    } else {
        (
            "第三十二条",
            "逾期未提出意见的，由本机关依照条例的规定决定是否公开",
        )
    };

    let letter = store_letter(
        tx.h(),
        app,
        &r,
        // The letter goes to the consulted party: it names the request, not the applicant.
        Addressee::Other(party),
        "consultation",
        "公开征",
        "政府信息公开征求意见函",
        vec![
            format!(
                "本机关收到一份政府信息公开申请（申请编号：{}），申请公开“{}”。该信息可能涉及贵方合法权益（或由贵机关共同制作）。根据《中华人民共和国政府信息公开条例》{article}，现书面征求贵方意见。",
                r.request_no, r.description
            ),
            format!("请于{}前（自收到本函之日起 15 个工作日内）提出意见，{silence}。", date_zh(due)),
        ],
    )
    .await?;
    finish_change(
        tx.h(),
        ctx,
        &mut r,
        "consultation_sent",
        json!({"party": party, "agency": agency, "due": due, "letter": letter.number}),
    )
    .await?;
    tx.commit().await?;
    Ok((r, letter))
}

/// Record a consultation's answer (`agree`, `object`, or `none` for silence after the 15
/// days); the clock runs again when no consultation is outstanding.
pub async fn consultation_answer(
    app: &App,
    ctx: &Ctx,
    id: i64,
    consultation_id: i64,
    answer: &str,
    note: &str,
    on: NaiveDate,
) -> AppResult<RequestRow> {
    if !["agree", "object", "none"].contains(&answer) {
        return Err(bad(
            "answer",
            "请选择意见：同意公开、不同意公开或逾期未答复",
            "answer: agree, object or none",
        ));
    }
    if on > app.today() {
        return Err(bad("on", "日期不能晚于今天", "on: cannot be in the future"));
    }
    let mut tx = app.db.begin().await?;
    let (mut r, _) = load_for_change(tx.h(), ctx, id, &[RequestStatus::Consulting]).await?;
    let all = store::consultations_of(tx.h(), r.id).await?;
    let c = all
        .iter()
        .find(|c| c.id == consultation_id)
        .ok_or(AppError::NotFound)?;
    if answer == "none" && on <= c.due_on {
        return Err(bad(
            "answer",
            format!("答复期限（{}）未届满，不能按逾期未答复处理", c.due_on),
            format!("answer: the 15 days run until {}", c.due_on),
        ));
    }
    let note = text("note", note, 500)?;
    store::answer_consultation(
        tx.h(),
        consultation_id,
        answer,
        Some(note).filter(|n| !n.is_empty()),
        on,
    )
    .await?;
    let outstanding = all
        .iter()
        .filter(|x| x.id != consultation_id && x.answer.is_none())
        .count();
    if outstanding == 0 {
        let mut clock = recompute(app, &mut r)?;
        clock.resume(on)?;
        save_clock(app, &mut r, &clock)?;
        r.status = RequestStatus::Open.as_str().into();
    }
    finish_change(
        tx.h(),
        ctx,
        &mut r,
        "consultation_answered",
        json!({"consultation": consultation_id, "answer": answer, "on": on}),
    )
    .await?;
    tx.commit().await?;
    Ok(r)
}

/// How a fee is computed (国办函〔2020〕109号: one method per application).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum FeeMethod {
    /// 按件计收: by the applicant's number of requests in the month of receipt.
    ByCount,
    /// 按量计收: by pages.
    ByPages {
        /// Pages.
        pages: u32,
    },
}

/// Send a fee notice (信息处理费). The clock stops until payment; unpaid after 20 working days
/// the request ends as 其他处理 2.
pub async fn fee_notice(
    app: &App,
    ctx: &Ctx,
    id: i64,
    method: FeeMethod,
) -> AppResult<(RequestRow, LetterRow)> {
    let today = app.today();
    let mut tx = app.db.begin().await?;
    let (mut r, _) = load_for_change(tx.h(), ctx, id, &[RequestStatus::Open]).await?;
    if r.fee_amount.is_some() {
        return Err(AppError::conflict(
            "该申请已发出过收费通知",
            "a fee notice was already sent for this request",
        ));
    }
    let (amount, basis) = match method {
        FeeMethod::ByCount => {
            let first = r.received_on.with_day(1).unwrap_or(r.received_on);
            let last = first
                .checked_add_months(chrono::Months::new(1))
                .and_then(|d| d.pred_opt())
                .unwrap_or(r.received_on);
            let n = store::count_in_month(tx.h(), &r.id_number, first, last).await?;
            let nth = u32::try_from(n).unwrap_or(u32::MAX);
            (
                rules::fee_by_count(nth),
                format!("按件计收：您本月第 {nth} 件申请"),
            )
        }
        FeeMethod::ByPages { pages } => (
            rules::fee_by_pages(pages),
            format!("按量计收：共 {pages} 页"),
        ),
    };
    if amount == 0 {
        return Err(bad(
            "method",
            format!("{basis}，在免费范围内，不收取信息处理费"),
            "method: within the free allowance; no fee is due",
        ));
    }
    let due = app
        .case_calendar()
        .add_working_days(today, rules::FEE_PAYMENT_DAYS)?;
    let mut clock = recompute(app, &mut r)?;
    clock.pause(PauseKind::FeeNotice, today)?;
    save_clock(app, &mut r, &clock)?;
    r.fee_amount = Some(i64::try_from(amount).unwrap_or(i64::MAX));
    r.fee_due = Some(due);
    r.status = RequestStatus::AwaitingFee.as_str().into();
    let letter = store_letter(
        tx.h(),
        app,
        &r,
        Addressee::Applicant,
        "fee",
        "公开费",
        "政府信息公开信息处理费缴费通知书",
        vec![
            format!(
                "您（单位）的政府信息公开申请（申请编号：{}）申请公开政府信息的数量、频次明显超过合理范围。根据《政府信息公开信息处理费管理办法》（国办函〔2020〕109号），本机关依法收取信息处理费人民币 {amount} 元（{basis}）。",
                r.request_no
            ),
            format!(
                "请于{}前缴纳。缴费期间不计算在答复期限内；逾期未缴纳的，本机关不再处理该政府信息公开申请。",
                date_zh(due)
            ),
        ],
    )
    .await?;
    finish_change(
        tx.h(),
        ctx,
        &mut r,
        "fee_notice",
        json!({"amount": amount, "basis": basis, "due": due, "letter": letter.number}),
    )
    .await?;
    tx.commit().await?;
    Ok((r, letter))
}

/// The fee was paid on `on`: the clock runs again.
pub async fn fee_paid(app: &App, ctx: &Ctx, id: i64, on: NaiveDate) -> AppResult<RequestRow> {
    if on > app.today() {
        return Err(bad(
            "on",
            "缴费日期不能晚于今天",
            "on: cannot be in the future",
        ));
    }
    let mut tx = app.db.begin().await?;
    let (mut r, _) = load_for_change(tx.h(), ctx, id, &[RequestStatus::AwaitingFee]).await?;
    let mut clock = recompute(app, &mut r)?;
    clock.resume(on)?;
    save_clock(app, &mut r, &clock)?;
    r.fee_paid_on = Some(on);
    r.status = RequestStatus::Open.as_str().into();
    let detail = json!({"on": on, "due": r.due_date});
    finish_change(tx.h(), ctx, &mut r, "fee_paid", detail).await?;
    tx.commit().await?;
    Ok(r)
}

/// What is released with a 公开 / 部分公开 reply.
#[derive(Debug, Clone)]
pub enum Released {
    /// Rebuilt from text (the redacted version is written out as a new document, never edited
    /// in place).
    Text {
        /// Title of the released document.
        title: String,
        /// Its text, with what is withheld already left out or replaced.
        text: String,
    },
    /// An uploaded PDF, released only if its text layer passes the check.
    Pdf(RequestFile),
}

/// A reply.
#[derive(Debug, Clone)]
pub struct Reply {
    /// Outcome.
    pub outcome: ReplyOutcome,
    /// Reasons (required for every outcome but 予以公开).
    pub reason: String,
    /// How the information is provided.
    pub provision: String,
    /// Where to find it / who holds it.
    pub pointer: String,
    /// The released document (required for 部分公开).
    pub released: Option<Released>,
    /// Names and other phrases that must not appear in what is released.
    pub hidden: Vec<String>,
}

/// The redaction check refused a file.
fn refuse_release(findings: &[Finding]) -> AppError {
    let list_zh: Vec<String> = findings
        .iter()
        .take(5)
        .map(|f| format!("{}（{}）", f.kind.zh(), f.masked))
        .collect();
    let list_en: Vec<String> = findings
        .iter()
        .take(5)
        .map(|f| format!("{} ({})", f.kind.en(), f.masked))
        .collect();
    bad(
        "released",
        format!(
            "拟公开的文件中仍含有应当隐去的信息，已阻止发布：{}。请重新制作去除后的版本后再答复。",
            list_zh.join("、")
        ),
        format!(
            "released: the file still contains information that must be hidden: {}; nothing was released",
            list_en.join(", ")
        ),
    )
}

/// Check and store a released document; returns the stored file's metadata.
async fn prepare_release(
    app: &App,
    released: &Released,
    hidden: &[String],
    request_no: &str,
) -> AppResult<(String, &'static str, usize, String)> {
    match released {
        Released::Text { title, text: body } => {
            let title = text("released_title", title, 200)?;
            let findings = redaction::scan(&format!("{title}\n{body}"), hidden);
            if !findings.is_empty() {
                return Err(refuse_release(&findings));
            }
            let paragraphs: Vec<String> = body
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(String::from)
                .collect();
            let doc = onewindow_documents::NoticeDoc {
                title: title.to_string(),
                number: String::new(),
                issuer: app.settings.center_name.clone(),
                recipient: String::new(),
                paragraphs,
                table: None,
                closing: Vec::new(),
                date: String::new(),
                footer: Some(format!(
                    "依申请公开（{request_no}）提供的政府信息，已作区分处理"
                )),
            };
            let bytes = onewindow_documents::notice_docx(&doc)
                .map_err(|e| unexpected(anyhow::anyhow!("released docx: {e}")))?;
            let sha = store_file(app, &bytes).await?;
            Ok((
                format!("{request_no}-公开.docx"),
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                bytes.len(),
                sha,
            ))
        }
        Released::Pdf(f) => {
            if f.bytes.len() > MAX_FILE_BYTES {
                return Err(bad(
                    "released",
                    "文件超过 10 MB",
                    "released: larger than 10 MB",
                ));
            }
            if sniff(&f.bytes) != Some("application/pdf") {
                return Err(bad(
                    "released",
                    "拟公开的文件须为 PDF",
                    "released: must be a PDF file",
                ));
            }
            let text = onewindow_documents::pdf_text(&f.bytes).map_err(|e| {
                bad(
                    "released",
                    format!("无法读取该 PDF 的文字，不能核查是否已去除应隐去的信息：{e}"),
                    format!(
                        "released: the PDF's text cannot be read, so it cannot be checked: {e}"
                    ),
                )
            })?;
            if text.trim().is_empty() {
                return Err(bad(
                    "released",
                    "该 PDF 没有文字层（可能是扫描件），无法核查是否已去除应隐去的信息。请改用文字版或由系统重新生成公开文本。",
                    "released: the PDF has no text layer (a scan?), so it cannot be checked; release a text version instead",
                ));
            }
            let findings = redaction::scan(&text, hidden);
            if !findings.is_empty() {
                return Err(refuse_release(&findings));
            }
            let sha = store_file(app, &f.bytes).await?;
            Ok((
                clean_filename(&f.filename),
                "application/pdf",
                f.bytes.len(),
                sha,
            ))
        }
    }
}

/// Reply to a request with an outcome of the national taxonomy; the reply letter is issued in
/// the same transaction. A released document passes the redaction check first.
pub async fn reply(app: &App, ctx: &Ctx, id: i64, rp: Reply) -> AppResult<(RequestRow, LetterRow)> {
    let reason = text("reason", &rp.reason, 2000)?.to_string();
    let provision = text("provision", &rp.provision, 200)?;
    let pointer = text("pointer", &rp.pointer, 300)?;
    if rp.outcome.needs_reason()
        && !matches!(
            rp.outcome,
            ReplyOutcome::CorrectionOverdue | ReplyOutcome::FeeUnpaid
        )
        && reason.is_empty()
    {
        return Err(bad(
            "reason",
            "该答复类型须说明理由",
            "reason: this outcome must state its reasons",
        ));
    }
    // 条例 art. 37: a partial disclosure provides the part that can be disclosed.
    if rp.outcome == ReplyOutcome::Partial && rp.released.is_none() {
        return Err(bad(
            "released",
            "部分公开须附区分处理后可以公开的部分",
            "released: a partial disclosure must attach the disclosable part",
        ));
    }
    if rp.released.is_some() && !rp.outcome.provides_information() {
        return Err(bad(
            "released",
            "只有予以公开或部分公开的答复才能附公开文件",
            "released: only a (partial) disclosure releases files",
        ));
    }
    let hidden: Vec<String> = rp
        .hidden
        .iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    // Check before the transaction, so that nothing is written for a refused file.
    let pre = {
        let mut c = app.db.conn().await?;
        let r = store::get_request(c.h(), id).await?;
        require_officer(ctx, &r)?;
        r.request_no
    };
    let released = match &rp.released {
        Some(rel) => Some(prepare_release(app, rel, &hidden, &pre).await?),
        None => None,
    };
    let today = app.today();
    let allowed: &[RequestStatus] = match rp.outcome {
        ReplyOutcome::CorrectionOverdue => &[RequestStatus::AwaitingCorrection],
        ReplyOutcome::FeeUnpaid => &[RequestStatus::AwaitingFee],
        _ => &[RequestStatus::Open, RequestStatus::AwaitingCorrection],
    };
    let mut tx = app.db.begin().await?;
    let (mut r, status) = load_for_change(tx.h(), ctx, id, allowed).await?;
    // 条例 art. 32: a third party's reasoned objection means no disclosure, unless withholding
    // would seriously affect the public interest — then the reply must say so (and the third
    // party is told in writing).
    let objected: Vec<String> = store::consultations_of(tx.h(), r.id)
        .await?
        .into_iter()
        .filter(|c| c.party_kind == "third_party" && c.answer.as_deref() == Some("object"))
        .map(|c| c.party)
        .collect();
    if !objected.is_empty() && rp.outcome == ReplyOutcome::Disclosed && !reason.contains("公共利益")
    {
        return Err(bad(
            "reason",
            format!(
                "第三方（{}）不同意公开。依《政府信息公开条例》第三十二条应不予公开；确因不公开会对公共利益造成重大影响而决定公开的，须在理由中说明对公共利益的影响",
                objected.join("、")
            ),
            "reason: a third party objected (art. 32); disclose only for an overriding public interest, stated in the reasons",
        ));
    }
    if status == RequestStatus::AwaitingCorrection
        && !matches!(
            rp.outcome,
            ReplyOutcome::CorrectionOverdue | ReplyOutcome::Other
        )
    {
        return Err(AppError::conflict(
            "申请正在等待补正，只能作逾期不补正或撤回等其他处理",
            "the request waits for completion; only 'correction overdue' or 'other' are possible",
        ));
    }
    if rp.outcome == ReplyOutcome::CorrectionOverdue && r.correction_due.is_some_and(|d| today <= d)
    {
        return Err(AppError::conflict(
            format!(
                "补正期限（{}）尚未届满",
                r.correction_due.map(date_zh).unwrap_or_default()
            ),
            "the applicant's period for completing the request has not expired",
        ));
    }
    if rp.outcome == ReplyOutcome::FeeUnpaid && r.fee_due.is_some_and(|d| today <= d) {
        return Err(AppError::conflict(
            format!(
                "缴费期限（{}）尚未届满",
                r.fee_due.map(date_zh).unwrap_or_default()
            ),
            "the payment period has not expired",
        ));
    }
    let facts = LetterFacts {
        applicant: r.applicant_name.clone(),
        received: date_zh(r.received_on),
        request_no: r.request_no.clone(),
        description: r.description.clone(),
        reason: reason.clone(),
        provision: if provision.is_empty() {
            format!(
                "{}，{}",
                InfoForm::parse(&r.info_form).map(|f| f.zh()).unwrap_or(""),
                Obtain::parse(&r.obtain).map(|o| o.zh()).unwrap_or("")
            )
        } else {
            provision.to_string()
        },
        pointer: pointer.to_string(),
    };
    let paragraphs = rules::reply_paragraphs(rp.outcome, &facts);
    let was_due = r.due_date;
    r.status = RequestStatus::Replied.as_str().into();
    r.outcome = Some(rp.outcome.as_str().into());
    r.reply_reason = Some(reason.clone()).filter(|s| !s.is_empty());
    r.replied_on = Some(today);
    let letter = store_letter(
        tx.h(),
        app,
        &r,
        Addressee::Applicant,
        "reply",
        "公开答",
        rp.outcome.title(),
        paragraphs,
    )
    .await?;
    if let Some((filename, media, size, sha)) = released {
        store::insert_file(
            tx.h(),
            &FileRow {
                id: 0,
                request_id: r.id,
                purpose: "released".into(),
                filename,
                media_type: media.into(),
                size: i64::try_from(size).unwrap_or(i64::MAX),
                sha256: sha,
                uploaded_at: onewindow_storage::now(),
            },
        )
        .await?;
    }
    r.version = store::save_request(tx.h(), &r).await?;
    store::insert_event(
        tx.h(),
        r.id,
        &actor(ctx),
        "replied",
        &json!({"outcome": rp.outcome.as_str(), "letter": letter.number, "due": was_due, "on_time": was_due.is_none_or(|d| today <= d)}),
    )
    .await?;
    audit::append(
        tx.h(),
        &ctx.event(
            AuditAction::DisclosureRequestReplied,
            "disclosure_request",
            &r.request_no,
            r.department_id,
            json!({"outcome": rp.outcome.as_str(), "row": rp.outcome.report_row(), "letter": letter.number}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok((r, letter))
}

/// Close every request whose applicant let a deadline pass: 补正 not supplied by its date
/// (条例 art. 30: 视为放弃申请, report row r21) or a fee notice unpaid by its date (r22). Each
/// gets its letter, process-log entry and audit event like a reply by an officer. Run by the
/// server once an hour and available to officers as a button; returns the requests closed.
pub async fn close_lapsed(app: &App, ctx: &Ctx) -> AppResult<Vec<String>> {
    ctx.require_any(Permission::HandleDisclosureRequests)?;
    let today = app.today();
    let lapsed: Vec<(i64, ReplyOutcome)> = {
        let mut c = app.db.conn().await?;
        store::list_requests(c.h(), true, 10_000)
            .await?
            .into_iter()
            .filter_map(|r| match RequestStatus::parse(&r.status) {
                Some(RequestStatus::AwaitingCorrection)
                    if r.correction_due.is_some_and(|d| d < today) =>
                {
                    Some((r.id, ReplyOutcome::CorrectionOverdue))
                }
                Some(RequestStatus::AwaitingFee) if r.fee_due.is_some_and(|d| d < today) => {
                    Some((r.id, ReplyOutcome::FeeUnpaid))
                }
                _ => None,
            })
            .collect()
    };
    let mut closed = Vec::new();
    for (id, outcome) in lapsed {
        let rp = Reply {
            outcome,
            reason: String::new(),
            provision: String::new(),
            pointer: String::new(),
            released: None,
            hidden: Vec::new(),
        };
        match reply(app, ctx, id, rp).await {
            Ok((r, _)) => closed.push(r.request_no),
            // Someone handled it meanwhile (the state guard refused): nothing to do.
            Err(AppError::Conflict { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(closed)
}

/// Record a reconsideration or lawsuit against a reply (table 四 of the annual report).
pub async fn add_appeal(
    app: &App,
    ctx: &Ctx,
    id: i64,
    kind: AppealKind,
    filed_on: NaiveDate,
    note: &str,
) -> AppResult<AppealRow> {
    if filed_on > app.today() {
        return Err(bad(
            "filed_on",
            "日期不能晚于今天",
            "filed_on: cannot be in the future",
        ));
    }
    let note = text("note", note, 500)?;
    let mut tx = app.db.begin().await?;
    let (mut r, _) = load_for_change(tx.h(), ctx, id, &[RequestStatus::Replied]).await?;
    let a = store::insert_appeal(
        tx.h(),
        &AppealRow {
            id: 0,
            request_id: r.id,
            kind: kind.as_str().into(),
            filed_on,
            result: AppealResult::Pending.as_str().into(),
            decided_on: None,
            note: Some(note.to_string()).filter(|s| !s.is_empty()),
        },
    )
    .await?;
    finish_change(
        tx.h(),
        ctx,
        &mut r,
        "appeal_filed",
        json!({"appeal": a.id, "kind": kind.as_str(), "filed_on": filed_on}),
    )
    .await?;
    tx.commit().await?;
    Ok(a)
}

/// Record an appeal's result.
pub async fn decide_appeal(
    app: &App,
    ctx: &Ctx,
    id: i64,
    appeal_id: i64,
    result: AppealResult,
    decided_on: Option<NaiveDate>,
) -> AppResult<()> {
    if result != AppealResult::Pending && decided_on.is_none() {
        return Err(bad(
            "decided_on",
            "请填写审结日期",
            "decided_on: required for a result",
        ));
    }
    let mut tx = app.db.begin().await?;
    let (mut r, _) = load_for_change(tx.h(), ctx, id, &[RequestStatus::Replied]).await?;
    if !store::appeals_of(tx.h(), r.id)
        .await?
        .iter()
        .any(|a| a.id == appeal_id)
    {
        return Err(AppError::NotFound);
    }
    store::decide_appeal(tx.h(), appeal_id, result.as_str(), decided_on, None).await?;
    finish_change(
        tx.h(),
        ctx,
        &mut r,
        "appeal_decided",
        json!({"appeal": appeal_id, "result": result.as_str()}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Everything shown about a request to staff.
#[derive(Debug, Clone, Serialize)]
pub struct RequestView {
    /// The request.
    pub request: RequestRow,
    /// Typed status.
    pub status: RequestStatus,
    /// How the due date is computed.
    pub due: DueExplanation,
    /// Urgency today.
    pub urgency: Urgency,
    /// Letters.
    pub letters: Vec<LetterRow>,
    /// Files.
    pub files: Vec<FileRow>,
    /// Consultations.
    pub consultations: Vec<ConsultationRow>,
    /// Appeals.
    pub appeals: Vec<AppealRow>,
    /// Process log.
    pub events: Vec<EventRow>,
    /// Last day for a 补正 notice.
    pub correction_deadline: NaiveDate,
}

async fn view_of(app: &App, mut h: H<'_>, r: RequestRow) -> AppResult<RequestView> {
    let cal = app.case_calendar();
    let clock = clock_of(&r)?;
    let status = RequestStatus::parse(&r.status).unwrap_or(RequestStatus::Open);
    let urgency = if status.is_pending() {
        urgency(&cal, r.due_date, app.today(), app.settings.warn_days)?
    } else {
        Urgency::Normal
    };
    Ok(RequestView {
        due: clock.explain(&cal)?,
        urgency,
        letters: store::letters_of(h.re(), r.id).await?,
        files: store::files_of(h.re(), r.id).await?,
        consultations: store::consultations_of(h.re(), r.id).await?,
        appeals: store::appeals_of(h.re(), r.id).await?,
        events: store::events_of(h.re(), r.id).await?,
        correction_deadline: rules::correction_notice_deadline(&cal, r.received_on)?,
        status,
        request: r,
    })
}

/// One request, for staff.
pub async fn view(app: &App, ctx: &Ctx, id: i64) -> AppResult<RequestView> {
    let mut c = app.db.conn().await?;
    let r = store::get_request(c.h(), id).await?;
    require_officer(ctx, &r)?;
    view_of(app, c.h(), r).await
}

/// The officer's list: pending requests (soonest due first, overdue on top) or all, newest
/// first.
pub async fn list(app: &App, ctx: &Ctx, pending: bool) -> AppResult<Vec<(RequestRow, Urgency)>> {
    // Officers, and leads who watch the deadlines (read-only).
    ctx.require_any(Permission::HandleDisclosureRequests)
        .or_else(|_| ctx.require_any(Permission::ApproveExtensions))?;
    let mut c = app.db.conn().await?;
    let rows = store::list_requests(c.h(), pending, 500).await?;
    let cal = app.case_calendar();
    let today = app.today();
    let mut out = Vec::new();
    for r in rows {
        let status = RequestStatus::parse(&r.status).unwrap_or(RequestStatus::Open);
        let u = if status.is_pending() {
            urgency(&cal, r.due_date, today, app.settings.warn_days)?
        } else {
            Urgency::Normal
        };
        out.push((r, u));
    }
    if pending {
        out.sort_by_key(|(r, _)| (r.due_date.is_none(), r.due_date, r.id));
    }
    Ok(out)
}

/// What the applicant sees.
#[derive(Debug, Clone, Serialize)]
pub struct PublicRequest {
    /// The request (id number masked by the caller's template).
    pub request: RequestRow,
    /// Status.
    pub status: RequestStatus,
    /// Masked 一号.
    pub masked_id: String,
    /// Letters.
    pub letters: Vec<LetterRow>,
    /// Released files only.
    pub released: Vec<FileRow>,
}

/// The applicant's view by request number and query password (the same answer for a wrong
/// number and a wrong password).
pub async fn track(app: &App, request_no: &str, password: &str) -> AppResult<PublicRequest> {
    if password.len() > 1024 || request_no.len() > 64 {
        return Err(AppError::InvalidCredentials);
    }
    let r = {
        let mut c = app.db.conn().await?;
        store::find_request(c.h(), request_no.trim()).await?
    };
    let Some(r) = r else {
        // Spend the time of a real check.
        let _ = hash_password(app, password).await;
        return Err(AppError::InvalidCredentials);
    };
    let ok = match &r.query_password_hash {
        Some(h) => verify_password(app, password, h).await?,
        None => false,
    };
    if !ok {
        return Err(AppError::InvalidCredentials);
    }
    public_view(app, r).await
}

/// A link token for the applicant's pages after a successful [`track`]: derived from the
/// stored password hash (salted), so it cannot be guessed without the database and changes
/// with the password.
pub fn access_token(r: &RequestRow) -> Option<String> {
    r.query_password_hash.as_ref().map(|h| {
        onewindow_storage::sha256_hex(format!("{h}:{}", r.request_no).as_bytes())[..32].to_string()
    })
}

/// The applicant's view through a link token from [`access_token`].
pub async fn track_by_token(app: &App, request_no: &str, token: &str) -> AppResult<PublicRequest> {
    let r = {
        let mut c = app.db.conn().await?;
        store::find_request(c.h(), request_no.trim()).await?
    };
    let Some(r) = r else {
        return Err(AppError::NotFound);
    };
    let ok = access_token(&r).is_some_and(|t| crate::auth::constant_time_eq(&t, token));
    if !ok {
        return Err(AppError::NotFound);
    }
    public_view(app, r).await
}

async fn public_view(app: &App, r: RequestRow) -> AppResult<PublicRequest> {
    let mut c = app.db.conn().await?;
    let letters = store::letters_of(c.h(), r.id)
        .await?
        .into_iter()
        .filter(|l| l.kind != "consultation")
        .collect();
    let released = store::files_of(c.h(), r.id)
        .await?
        .into_iter()
        .filter(|f| f.purpose == "released")
        .collect();
    Ok(PublicRequest {
        status: RequestStatus::parse(&r.status).unwrap_or(RequestStatus::Open),
        masked_id: ApplicantId::parse(&r.id_number)
            .map(|a| mask_applicant_id(&a))
            .unwrap_or_else(|_| "***".into()),
        letters,
        released,
        request: r,
    })
}

/// A letter and its content (staff, or the applicant through a checked [`PublicRequest`]).
pub async fn letter(app: &App, letter_id: i64) -> AppResult<(LetterRow, NoticeBody)> {
    let mut c = app.db.conn().await?;
    let l = store::get_letter(c.h(), letter_id).await?;
    let body: NoticeBody = serde_json::from_str(&l.body).map_err(unexpected)?;
    Ok((l, body))
}

/// The year's figures for the annual report: table 三 (domain-rules §2.3) and the processing
/// fees collected (section 六, in yuan: fees paid during the year).
#[derive(Debug, Clone, Serialize)]
pub struct YearFigures {
    /// The year.
    pub year: i32,
    /// Table 三, `[row - 1][column - 1]`.
    pub table3: [[u64; 7]; 25],
    /// 信息处理费 collected, yuan.
    pub fees_collected: i64,
}

/// Compute the year's figures from the stored requests (carry-over included).
pub async fn year_figures(app: &App, ctx: &Ctx, year: i32) -> AppResult<YearFigures> {
    ctx.require_any(Permission::HandleDisclosureRequests)
        .or_else(|_| ctx.require_any(Permission::ViewAnalytics))?;
    let (Some(first), Some(last)) = (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year, 12, 31),
    ) else {
        return Err(bad("year", "年份无效", "year: out of range"));
    };
    let mut c = app.db.conn().await?;
    let rows = store::requests_between(c.h(), first, last).await?;
    let mut entries = Vec::with_capacity(rows.len());
    let mut fees = 0;
    for r in &rows {
        let kind = RequesterKind::parse(&r.requester_kind).ok_or_else(|| {
            unexpected(anyhow::anyhow!("bad requester kind {}", r.requester_kind))
        })?;
        let replied = match (
            r.replied_on,
            r.outcome.as_deref().and_then(ReplyOutcome::parse),
        ) {
            (Some(d), Some(o)) => Some((d, o)),
            _ => None,
        };
        entries.push(rules::ReportEntry {
            kind,
            received_on: r.received_on,
            replied,
        });
        if r.fee_paid_on.is_some_and(|d| d >= first && d <= last) {
            fees += r.fee_amount.unwrap_or(0);
        }
    }
    Ok(YearFigures {
        year,
        table3: rules::table3(year, &entries),
        fees_collected: fees,
    })
}

/// Recompute every pending request's due date (after a calendar change).
pub(crate) async fn recompute_all(
    mut h: H<'_>,
    cal: &onewindow_domain::calendar::WorkCalendar,
) -> AppResult<usize> {
    let ids = store::pending_ids(h.re()).await?;
    let mut n = 0;
    for id in ids {
        let mut r = store::get_request(h.re(), id).await?;
        let before = r.due_date;
        r.due_date = clock_of(&r)?.due(cal)?;
        if r.due_date != before {
            r.version = store::save_request(h.re(), &r).await?;
            n += 1;
        }
    }
    Ok(n)
}
