//! Online application (网上申报) by registered applicants: accounts keyed by the 一号,
//! sessions, applying with uploaded materials (the same checklist as the window), following
//! one's own cases, and answering a one-time notice (补正) with more files.
//!
//! An online case starts as 待预审: a clerk pre-reviews it (预审) and reaches the same outcomes
//! as at the window — 受理, 容缺受理, 补正 with a one-time notice, 不予受理 — through
//! [`crate::cases::decide_intake`].

use chrono::{Duration, Utc};
use onewindow_domain::DomainError;
use onewindow_domain::audit::AuditAction;
use onewindow_domain::case::state::{CaseStatus, Delivery, IntakeChannel, MaterialStatus};
use onewindow_domain::identity::ApplicantId;
use onewindow_domain::masking::mask_applicant_id;
use onewindow_domain::org::{Permission, check_password_policy};
use onewindow_storage::cases::{self as store, ApplicantRow, CaseFilter, CaseRow, FileRow};
use onewindow_storage::{audit, random_token, token_hash};
use serde_json::json;

use crate::cases::{
    self, ApplicantInput, IntakeOutcome, IntakeRequest, MaterialTick, NoticeRow, PlanRef,
    StoredFile,
};
use crate::{App, AppError, AppResult, Ctx, unexpected};

/// Largest accepted file.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;

/// An uploaded file as received.
#[derive(Debug, Clone)]
pub struct Upload {
    /// Material it is for.
    pub material: String,
    /// Original file name.
    pub filename: String,
    /// Content.
    pub bytes: Vec<u8>,
}

/// The media type of an accepted upload, from its first bytes (the declared type is not
/// trusted): PDF, JPEG, PNG, or an OOXML/OFD zip package.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"PK\x03\x04") {
        Some("application/zip")
    } else {
        None
    }
}

/// Store a file content-addressed (SHA-256) in the object store; returns its SHA-256. Writing
/// is atomic, so a crash never leaves a half file under its name.
pub(crate) async fn store_file(app: &App, bytes: &[u8]) -> AppResult<String> {
    app.objects.put(bytes).await.map_err(unexpected)
}

/// Read a stored file; its content is checked against its SHA-256.
pub async fn read_file(app: &App, sha256: &str) -> AppResult<Vec<u8>> {
    app.objects
        .get(sha256)
        .await
        .map_err(unexpected)?
        .ok_or(AppError::NotFound)
}

/// A file name safe to store and to send back: no control characters or path separators, at
/// most 120 characters, never empty.
pub(crate) fn clean_filename(s: &str) -> String {
    let n: String = s
        .chars()
        .filter(|c| !c.is_control() && *c != '/' && *c != '\\')
        .take(120)
        .collect();
    if n.is_empty() { "file".into() } else { n }
}

fn check_uploads(uploads: &[Upload]) -> AppResult<Vec<StoredFileDraft>> {
    let mut out = Vec::new();
    for (i, u) in uploads.iter().enumerate() {
        if u.bytes.is_empty() {
            continue;
        }
        if u.bytes.len() > MAX_FILE_BYTES {
            return Err(AppError::Domain(DomainError::field(
                "files",
                format!("文件“{}”超过 10 MB", u.filename),
                format!("files[{i}]: “{}” is larger than 10 MB", u.filename),
            )));
        }
        let media = sniff(&u.bytes).ok_or_else(|| {
            AppError::Domain(DomainError::field(
                "files",
                format!("文件“{}”不是 PDF、JPG、PNG 或 OFD/DOCX 格式", u.filename),
                format!(
                    "files[{i}]: “{}” is not a PDF, JPEG, PNG or OFD/DOCX file",
                    u.filename
                ),
            ))
        })?;
        out.push(StoredFileDraft {
            material: u.material.trim().to_string(),
            filename: clean_filename(&u.filename),
            media_type: media.to_string(),
            index: i,
        });
    }
    Ok(out)
}

/// A checked upload (index into the uploads).
struct StoredFileDraft {
    material: String,
    filename: String,
    media_type: String,
    index: usize,
}

/// Check every upload (size, sniffed type) before storing any, then store them.
pub(crate) async fn persist(app: &App, uploads: &[Upload]) -> AppResult<Vec<StoredFile>> {
    let drafts = check_uploads(uploads)?;
    let mut out = Vec::new();
    for d in drafts {
        let u = &uploads[d.index];
        let sha = store_file(app, &u.bytes).await?;
        out.push(StoredFile {
            material: d.material,
            filename: d.filename,
            media_type: d.media_type,
            size: i64::try_from(u.bytes.len()).unwrap_or(i64::MAX),
            sha256: sha,
        });
    }
    Ok(out)
}

/// What a person enters to register.
#[derive(Debug, Clone)]
pub struct Registration {
    /// 一号.
    pub id_number: String,
    /// Name.
    pub name: String,
    /// Mobile.
    pub phone: Option<String>,
    /// Password.
    pub password: String,
    /// The activation code a window issued after checking the person's ID (needed when the
    /// 一号 is already on file).
    pub activation: Option<String>,
}

/// How long an activation code stays valid.
const ACTIVATION_DAYS: i64 = 7;
/// Wrong codes after which an activation code is void.
const ACTIVATION_TRIES: i64 = 5;

/// Register an online account. The 一号 is the account name; one account per 一号.
///
/// Nobody is identified online here (no 实名认证 service is connected), so an 一号 and a name
/// prove nothing: company codes and names are public, and so are many people's. Hence:
/// - an 一号 not yet on file opens a new, unverified account, which sees only what it applies
///   for online;
/// - an 一号 already on file (a case taken at a window, or an account) needs the activation
///   code that a window issued after checking the person's ID in person. Registering with it
///   sets the password, binds the account to the person (verified: it sees every case and
///   licence of the 一号) and ends every other session of the account. The name on file is
///   never replaced by what was typed.
pub async fn register(app: &App, ctx: &Ctx, r: Registration) -> AppResult<ApplicantRow> {
    let id = ApplicantId::parse_on(&r.id_number, app.today())?;
    let name = r.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::Domain(DomainError::field(
            "name",
            "姓名或单位名称不能为空且不超过 100 个字符",
            "name: 1–100 characters",
        )));
    }
    check_password_policy(&r.password)?;
    let code = match r.activation.as_deref().map(normalise_code) {
        Some(c) if c.is_empty() => None,
        // Not the shape of a code (a typing slip): said at once, and not counted as a try.
        Some(c) if !is_code(&c) => {
            return Err(AppError::Domain(DomainError::field(
                "activation",
                "激活码应为 10 位字母或数字（如 ABCDE-FGH23），请核对后重新输入",
                "activation: a code is 10 letters or digits (e.g. ABCDE-FGH23); check it and type it again",
            )));
        }
        c => c,
    };
    let hash = crate::auth::hash_password(app, &r.password).await?;
    let mut tx = app.db.begin().await?;
    let existing = store::find_applicant(tx.h(), id.as_str()).await?;
    let (a, verified) = match (existing, code) {
        (None, None) => {
            let phone = r.phone.as_deref().map(str::trim).filter(|p| !p.is_empty());
            let a = store::insert_applicant(tx.h(), id.as_str(), id.kind(), name, phone).await?;
            (a, false)
        }
        (Some(_), None) => {
            return Err(AppError::conflict(
                "该证件号码须凭激活码注册（或重设密码）：为保护办件和证照信息，请持本人有效证件到任一窗口领取网上账户激活码",
                "this ID registers (or resets its password) only with an activation code: to protect its cases and licences, bring your ID document to any window for one",
            ));
        }
        (existing, Some(code)) => {
            let wrong = || {
                AppError::Domain(DomainError::field(
                    "activation",
                    "激活码不正确、已过期或已失效，请到窗口重新领取",
                    "activation: the code is wrong, expired or void; ask a window for a new one",
                ))
            };
            let Some(a) = existing else {
                return Err(wrong());
            };
            if !store::consume_activation(tx.h(), a.id, &token_hash(&code), ACTIVATION_TRIES)
                .await?
            {
                store::count_activation_failure(tx.h(), a.id).await?;
                tx.commit().await?;
                return Err(wrong());
            }
            store::delete_applicant_sessions_of(tx.h(), a.id).await?;
            store::set_applicant_verified(tx.h(), a.id).await?;
            (a, true)
        }
    };
    store::set_applicant_password(tx.h(), a.id, &hash).await?;
    audit::append(
        tx.h(),
        &ctx.event(
            if verified {
                AuditAction::ApplicantVerified
            } else {
                AuditAction::ApplicantRegistered
            },
            "applicant",
            mask_applicant_id(&id),
            None,
            json!({"kind": id.kind(), "verified": verified}),
        ),
    )
    .await?;
    let a = store::get_applicant(tx.h(), a.id).await?;
    tx.commit().await?;
    Ok(a)
}

/// Issue an online-account activation code for an applicant on file, after the clerk has
/// checked the person's ID document at the window. The code (10 characters, shown once, valid
/// for 7 days, void after 5 wrong tries) replaces any earlier one.
pub async fn issue_activation(app: &App, ctx: &Ctx, id_number: &str) -> AppResult<Activation> {
    ctx.require_any(Permission::IntakeCases)?;
    let id = ApplicantId::parse_on(id_number, app.today())?;
    let code = onewindow_storage::random_code(10)?;
    let expires_at = Utc::now() + Duration::days(ACTIVATION_DAYS);
    let mut tx = app.db.begin().await?;
    let a = store::find_applicant(tx.h(), id.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    store::put_activation(
        tx.h(),
        a.id,
        &token_hash(&code),
        expires_at,
        ctx.user().map(|u| u.id.get()),
    )
    .await?;
    audit::append(
        tx.h(),
        &ctx.event(
            AuditAction::ApplicantActivationIssued,
            "applicant",
            mask_applicant_id(&id),
            None,
            json!({"kind": id.kind(), "expires_at": expires_at}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(Activation {
        applicant: a,
        masked_id: mask_applicant_id(&id),
        code: format!("{}-{}", &code[..5], &code[5..]),
        expires_at,
    })
}

/// An activation code just issued (the only time the code itself is known).
#[derive(Debug, Clone)]
pub struct Activation {
    /// Whose.
    pub applicant: ApplicantRow,
    /// Their 一号, masked for the page the clerk prints.
    pub masked_id: String,
    /// The code, as printed (`XXXXX-XXXXX`).
    pub code: String,
    /// Valid until.
    pub expires_at: chrono::DateTime<Utc>,
}

/// The code as typed: full-width forms (a Chinese input method) folded to ASCII, letters
/// upper-cased, spaces and dash-like characters dropped.
fn normalise_code(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            // U+FF01..U+FF5E are the full-width forms of U+0021..U+007E.
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            c => c,
        })
        .filter(|c| {
            !c.is_whitespace()
                && !matches!(
                    c,
                    '-' | '_' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{30FC}'
                )
        })
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Whether a normalised entry has the shape of an activation code.
fn is_code(s: &str) -> bool {
    s.len() == 10
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// Whether an online account sees a case of its 一号: a verified account sees all of them, an
/// unverified one only those it applied for online itself.
pub fn sees(who: &ApplicantRow, case: &CaseRow) -> bool {
    case.applicant_id == who.id
        && (who.verified_at.is_some() || case.channel == IntakeChannel::Online.as_str())
}

/// An applicant's session: the token for the cookie and the CSRF token for forms.
#[derive(Debug, Clone)]
pub struct ApplicantLogin {
    /// Session token (cookie).
    pub token: String,
    /// CSRF token.
    pub csrf: String,
    /// Expiry.
    pub expires_at: chrono::DateTime<Utc>,
}

/// Log in with 一号 and password. The error does not say which was wrong.
pub async fn login(app: &App, id_number: &str, password: &str) -> AppResult<ApplicantLogin> {
    if password.len() > 1024 {
        return Err(AppError::InvalidCredentials);
    }
    let id =
        ApplicantId::parse_on(id_number, app.today()).map_err(|_| AppError::InvalidCredentials)?;
    let a = {
        let mut c = app.db.conn().await?;
        store::find_applicant(c.h(), id.as_str()).await?
    };
    let Some(a) = a else {
        return Err(AppError::InvalidCredentials);
    };
    let Some(hash) = a.password_hash.as_deref() else {
        return Err(AppError::InvalidCredentials);
    };
    let ok = crate::auth::verify_password(app, password, hash).await?;
    let mut tx = app.db.begin().await?;
    if !ok {
        store::set_applicant_failures(tx.h(), a.id, a.failed_logins + 1).await?;
        tx.commit().await?;
        return Err(AppError::InvalidCredentials);
    }
    let token = random_token(32)?;
    let csrf = random_token(24)?;
    let expires_at = Utc::now() + Duration::hours(app.settings.session_hours);
    store::set_applicant_failures(tx.h(), a.id, 0).await?;
    store::insert_applicant_session(tx.h(), &token_hash(&token), a.id, &csrf, expires_at).await?;
    tx.commit().await?;
    Ok(ApplicantLogin {
        token,
        csrf,
        expires_at,
    })
}

/// The applicant and CSRF token of a session token.
pub async fn session(app: &App, token: &str) -> AppResult<Option<(ApplicantRow, String)>> {
    let mut c = app.db.conn().await?;
    let Some((id, csrf)) = store::applicant_session(c.h(), &token_hash(token)).await? else {
        return Ok(None);
    };
    Ok(Some((store::get_applicant(c.h(), id).await?, csrf)))
}

/// Log out.
pub async fn logout(app: &App, token: &str) -> AppResult<()> {
    let mut tx = app.db.begin().await?;
    store::delete_applicant_session(tx.h(), &token_hash(token)).await?;
    tx.commit().await?;
    Ok(())
}

/// What an applicant submits online.
#[derive(Debug, Clone)]
pub struct OnlineApplication {
    /// Item or bundle.
    pub plan: PlanRef,
    /// Files, each for a material of the checklist.
    pub uploads: Vec<Upload>,
    /// Delivery of the result.
    pub delivery: Delivery,
    /// Courier address.
    pub delivery_address: Option<String>,
    /// 法定代表人.
    pub legal_rep: Option<String>,
    /// What the application is about.
    pub summary: String,
}

/// Apply online: the checklist is ticked from the uploaded files (a material with a file is
/// provided, the rest missing); the case waits for the clerk's pre-review.
pub async fn apply(
    app: &App,
    ctx: &Ctx,
    who: &ApplicantRow,
    a: OnlineApplication,
) -> AppResult<(CaseRow, NoticeRow)> {
    let (_, list) = cases::checklist(app, &a.plan).await?;
    for (i, u) in a.uploads.iter().enumerate() {
        if !u.bytes.is_empty() && !list.iter().any(|m| m.name == u.material.trim()) {
            return Err(AppError::Domain(DomainError::field(
                "files",
                format!("“{}”不是该事项的申请材料", u.material),
                format!(
                    "files[{i}]: “{}” is not a material of this item",
                    u.material
                ),
            )));
        }
    }
    let files = persist(app, &a.uploads).await?;
    let materials = list
        .iter()
        .map(|m| MaterialTick {
            name: m.name.clone(),
            status: if files.iter().any(|f| f.material == m.name) {
                MaterialStatus::Provided
            } else {
                MaterialStatus::Missing
            },
            note: None,
        })
        .collect();
    let req = IntakeRequest {
        plan: a.plan,
        applicant: ApplicantInput {
            id_number: who.id_number.clone(),
            name: who.name.clone(),
            phone: who.phone.clone(),
            // An address stored before addresses were checked may be malformed; the applicant
            // cannot correct it online, so it is left out rather than refusing the application.
            email: who
                .email
                .clone()
                .filter(|e| onewindow_domain::identity::check_email("email", e).is_ok()),
        },
        situation: None,
        contact_name: None,
        agent_name: None,
        agent_id_number: None,
        legal_rep: a.legal_rep,
        address: None,
        window_id: None,
        materials,
        delivery: a.delivery,
        delivery_address: a.delivery_address,
        summary: a.summary,
        outcome: IntakeOutcome::Accept,
    };
    cases::create_case(app, ctx, req, IntakeChannel::Online, &files).await
}

/// The applicant's own cases, newest first.
pub async fn my_cases(app: &App, who: &ApplicantRow) -> AppResult<Vec<CaseRow>> {
    let mut c = app.db.conn().await?;
    let mut rows = store::list_cases(
        c.h(),
        &CaseFilter {
            applicant_id: Some(who.id),
            newest_first: true,
            limit: 100,
            ..Default::default()
        },
    )
    .await?;
    rows.retain(|r| sees(who, r));
    Ok(rows)
}

/// One of the applicant's own cases with its notices and files; anyone else's is "not found".
pub async fn my_case(
    app: &App,
    who: &ApplicantRow,
    case_id: i64,
) -> AppResult<(CaseRow, Vec<NoticeRow>, Vec<FileRow>)> {
    let mut c = app.db.conn().await?;
    let row = store::get_case(c.h(), case_id)
        .await
        .map_err(|_| AppError::NotFound)?;
    if !sees(who, &row) {
        return Err(AppError::NotFound);
    }
    let notices = store::notices_of(c.h(), case_id).await?;
    let files = store::files_of(c.h(), case_id).await?;
    Ok((row, notices, files))
}

/// Answer a one-time notice online: more files for a case waiting for corrections (or
/// pre-review). The clerk then decides again.
pub async fn resubmit(
    app: &App,
    ctx: &Ctx,
    who: &ApplicantRow,
    case_id: i64,
    uploads: Vec<Upload>,
) -> AppResult<usize> {
    let files = persist(app, &uploads).await?;
    if files.is_empty() {
        return Err(AppError::Domain(DomainError::field(
            "files",
            "请至少上传一个文件",
            "files: upload at least one file",
        )));
    }
    let mut tx = app.db.begin().await?;
    store::lock_case(tx.h(), case_id).await?;
    let row = store::get_case(tx.h(), case_id)
        .await
        .map_err(|_| AppError::NotFound)?;
    if !sees(who, &row) {
        return Err(AppError::NotFound);
    }
    let status = CaseStatus::parse(&row.status)
        .ok_or_else(|| unexpected(anyhow::anyhow!("status {}", row.status)))?;
    if !matches!(status, CaseStatus::Correction | CaseStatus::PreReview) {
        return Err(AppError::conflict(
            format!("办件状态为“{}”，无需补充材料", status.zh()),
            format!("the case is {}; no materials are expected", status.as_str()),
        ));
    }
    let list: Vec<onewindow_domain::case::state::MaterialCheck> =
        serde_json::from_str(&row.materials).map_err(unexpected)?;
    for f in &files {
        if !list.iter().any(|m| m.name == f.material) {
            return Err(AppError::Domain(DomainError::field(
                "files",
                format!("“{}”不是该事项的申请材料", f.material),
                format!("files: “{}” is not a material of this item", f.material),
            )));
        }
        f.insert(tx.h(), case_id).await?;
    }
    store::insert_event(
        tx.h(),
        case_id,
        "applicant",
        "materials_resubmitted",
        &json!({"materials": files.iter().map(|f| &f.material).collect::<Vec<_>>()}),
    )
    .await?;
    audit::append(
        tx.h(),
        &ctx.event(
            AuditAction::CaseMaterialsSupplied,
            "case",
            &row.case_no,
            row.lead_department_id,
            json!({"online": true, "files": files.len()}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(files.len())
}

/// A file of a case, for staff who may see the case.
pub async fn case_file(
    app: &App,
    ctx: &Ctx,
    case_id: i64,
    file_id: i64,
) -> AppResult<(FileRow, Vec<u8>)> {
    let v = cases::view(app, ctx, case_id).await?;
    let f = v
        .files
        .into_iter()
        .find(|f| f.id == file_id)
        .ok_or(AppError::NotFound)?;
    let bytes = read_file(app, &f.sha256).await?;
    Ok((f, bytes))
}

#[cfg(test)]
mod tests {
    use super::{is_code, normalise_code};

    #[test]
    fn codes_are_read_as_people_type_them() {
        for typed in [
            "ABCDE-FGH23",
            "abcde fgh23",
            "ＡＢＣＤＥ－ＦＧＨ２３",
            "ABCDE—FGH23",
            "ABCDE\u{3000}FGH23",
            " abcde_fgh23 ",
        ] {
            assert_eq!(normalise_code(typed), "ABCDEFGH23", "{typed}");
            assert!(is_code(&normalise_code(typed)), "{typed}");
        }
        for typed in ["ABCDE-FGH2", "ABCDE-FGH234", "ABCDE-FGH2!", "激活码ABCDEFG"] {
            assert!(!is_code(&normalise_code(typed)), "{typed}");
        }
    }
}
