//! The e-licence library (电子证照库): licence types (证照目录, GB/T 36902), issuance when a case
//! completes, signatures, verification, status changes, reuse at intake (免提交, 用证记录) and
//! sharing upward to the city or provincial library ("一次生成、多方复用，一库管理、互认共享").
//!
//! Rules enforced here:
//! - Identifiers follow GB/T 36904-2018 (domain-rules §5.2) and the signed data carries the
//!   GB/T 36903 core metadata (§5.4); see [`onewindow_domain::license`].
//! - Every licence is signed when it is issued, in the transaction that completes the case, by
//!   the library's active key (SM2 with SM3 by default, GB/T 32918 / GB/T 32905; Ed25519 as an
//!   alternative). Private keys live in the key store and never leave it; public keys are
//!   published with their key ids.
//! - A status change (暂扣, 恢复, 撤销, 注销 — 行政许可法 arts. 69–70 — and 失效) needs a reason,
//!   is audited, and is visible to verifiers at once: verification reads the library, not a cache.
//! - A licence used instead of a paper material is logged as a use of the holder's licence, and
//!   the holder can see who used it and when.
//! - Every new licence and every status change is queued in an outbox in the same transaction;
//!   a pusher sends the queue upstream in order, retrying with back-off; the upstream records
//!   `(source, event_id)` so that a resend is acknowledged without being applied twice.

use std::sync::Arc;

use base64::Engine;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use onewindow_domain::DomainError;
use onewindow_domain::audit::AuditAction;
use onewindow_domain::identity::ApplicantId;
use onewindow_domain::license::{
    EXPORT_FORMAT, ExportProblem, ExportedLicense, FaceInput, FaceValue, HolderCodeType,
    LicenseData, LicenseId, LicenseSignature, LicenseStatus, LicenseType, StatusAction,
    licence_number, serial_of,
};
use onewindow_domain::masking::{mask_applicant_id, mask_name};
use onewindow_domain::org::{Permission, Target};
use onewindow_domain::region::RegionCode;
use onewindow_signing::{Algorithm, KeyPair, PublicKey};
use onewindow_storage::licenses::{self as store, KeyRow, LicenseFilter, NewLicense};
use onewindow_storage::{H, audit, org};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{App, AppError, AppResult, Ctx, Principal, unexpected};

pub use onewindow_storage::licenses::{EventRow, LicenseRow, OutboxRow, TypeRow, UseRow};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn sign_err(e: onewindow_signing::SignError) -> AppError {
    AppError::Unexpected(anyhow::anyhow!("signing: {e}"))
}

// ---------------------------------------------------------------------------------------------
// Licence types

/// Save a licence type of the 证照目录 (operators and catalog managers).
pub async fn save_type(app: &App, ctx: &Ctx, t: LicenseType) -> AppResult<()> {
    ctx.require_any(Permission::EditCatalog)?;
    t.validate()?;
    let spec = serde_json::to_string(&t).map_err(unexpected)?;
    let kind = serde_json::to_value(t.holder_kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| "any".into());
    let mut tx = app.db.begin().await?;
    store::upsert_type(
        tx.h(),
        t.code.as_str(),
        t.name.trim(),
        t.definer_name.trim(),
        &kind,
        &spec,
    )
    .await?;
    audit::append(
        tx.h(),
        &ctx.event(
            AuditAction::LicenseTypeSaved,
            "license_type",
            t.code.as_str(),
            None,
            json!({"name": t.name}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

fn parse_type(row: &TypeRow) -> AppResult<LicenseType> {
    serde_json::from_str(&row.spec).map_err(unexpected)
}

/// Every licence type.
pub async fn types(app: &App) -> AppResult<Vec<LicenseType>> {
    let mut c = app.db.conn().await?;
    store::list_types(c.h())
        .await?
        .iter()
        .map(parse_type)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Keys

/// A signing key as listed: public half, status, where the private half is.
#[derive(Debug, Clone, Serialize)]
pub struct KeyListing {
    /// Key id.
    pub kid: String,
    /// Algorithm.
    pub alg: String,
    /// `active` or `retired`.
    pub status: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Retired.
    pub retired_at: Option<DateTime<Utc>>,
}

fn key_row(info: &onewindow_signing::KeyInfo) -> KeyRow {
    KeyRow {
        kid: info.kid.clone(),
        alg: info.alg.as_str().to_string(),
        public_jwk: info.public.to_jwk().to_string(),
        origin: "local".into(),
        status: match info.status {
            onewindow_signing::KeyStatus::Active => "active".into(),
            onewindow_signing::KeyStatus::Retired => "retired".into(),
        },
        created_at: info.created_at,
        retired_at: info.retired_at,
    }
}

fn keystore(app: &App) -> AppResult<onewindow_signing::FileKeyStore> {
    onewindow_signing::FileKeyStore::open(&app.settings.keys_dir).map_err(sign_err)
}

/// Publish every key of the key store (public halves) in the database, where verifiers and the
/// well-known URL read them. Idempotent.
async fn publish_keys(app: &App, ctx: &Ctx, new: Option<(&str, AuditAction)>) -> AppResult<()> {
    let ks = keystore(app)?;
    let infos = ks.list().map_err(sign_err)?;
    let mut tx = app.db.begin().await?;
    for info in &infos {
        let row = key_row(info);
        store::insert_key(tx.h(), &row).await?;
        if row.status == "retired"
            && let Some(at) = row.retired_at
        {
            store::retire_key(tx.h(), &row.kid, at).await?;
        }
    }
    if let Some((kid, action)) = new {
        audit::append(
            tx.h(),
            &ctx.event(action, "signing_key", kid, None, json!({})),
        )
        .await?;
    }
    tx.commit().await?;
    *app.signer.write().map_err(|_| poisoned())? = None;
    Ok(())
}

fn poisoned() -> AppError {
    AppError::Unexpected(anyhow::anyhow!("signer lock poisoned"))
}

fn operator_only(ctx: &Ctx) -> AppResult<()> {
    match ctx.principal {
        Principal::Operator => Ok(()),
        _ => Err(AppError::Forbidden),
    }
}

/// `onewindow keys generate`: the first signing key (refused if one is active: rotate instead).
pub async fn generate_key(app: &App, ctx: &Ctx, alg: Algorithm) -> AppResult<KeyListing> {
    operator_only(ctx)?;
    let info = keystore(app)?.generate(alg).map_err(|e| match e {
        onewindow_signing::SignError::ActiveKeyExists(..) => AppError::conflict(
            "已有启用中的签名密钥；如需更换请使用 keys rotate",
            "an active signing key exists; use `keys rotate` to replace it",
        ),
        e => sign_err(e),
    })?;
    publish_keys(
        app,
        ctx,
        Some((&info.kid, AuditAction::SigningKeyGenerated)),
    )
    .await?;
    Ok(listing(&key_row(&info)))
}

/// `onewindow keys rotate`: a new active key; the old one is retired (it still verifies).
pub async fn rotate_key(app: &App, ctx: &Ctx, alg: Algorithm) -> AppResult<KeyListing> {
    operator_only(ctx)?;
    let (info, _old) = keystore(app)?.rotate(alg).map_err(sign_err)?;
    publish_keys(app, ctx, Some((&info.kid, AuditAction::SigningKeyRotated))).await?;
    Ok(listing(&key_row(&info)))
}

/// Make sure the library can sign: generate a key of the configured algorithm when the key store
/// is empty, and publish the public halves. Run at start-up and before demo data.
pub async fn ensure_signing_key(app: &App) -> AppResult<()> {
    let ks = keystore(app)?;
    let infos = ks.list().map_err(sign_err)?;
    let ctx = Ctx::operator();
    if infos.is_empty() {
        let info = ks.generate(app.settings.signing_alg).map_err(sign_err)?;
        publish_keys(
            app,
            &ctx,
            Some((&info.kid, AuditAction::SigningKeyGenerated)),
        )
        .await
    } else {
        publish_keys(app, &ctx, None).await
    }
}

fn listing(r: &KeyRow) -> KeyListing {
    KeyListing {
        kid: r.kid.clone(),
        alg: r.alg.clone(),
        status: r.status.clone(),
        created_at: r.created_at,
        retired_at: r.retired_at,
    }
}

/// This library's own keys, oldest first.
pub async fn list_keys(app: &App) -> AppResult<Vec<KeyListing>> {
    let mut c = app.db.conn().await?;
    Ok(store::list_keys(c.h(), Some("local"))
        .await?
        .iter()
        .map(listing)
        .collect())
}

/// The JSON Web Key Set published at `/.well-known/onewindow-keys.json`: every key this library
/// signs or signed with, and the keys of downstream libraries whose licences it holds.
pub async fn jwks(app: &App) -> AppResult<serde_json::Value> {
    let mut c = app.db.conn().await?;
    let keys: Vec<serde_json::Value> = store::list_keys(c.h(), None)
        .await?
        .into_iter()
        .filter_map(|k| {
            let mut v: serde_json::Value = serde_json::from_str(&k.public_jwk).ok()?;
            if let Some(o) = v.as_object_mut() {
                o.insert("status".into(), json!(k.status));
                o.insert("origin".into(), json!(k.origin));
                o.insert("created_at".into(), json!(k.created_at));
            }
            Some(v)
        })
        .collect();
    Ok(json!({ "keys": keys }))
}

/// The public keys of a key set (the well-known document, or a file saved from it).
pub fn keys_from_jwks(v: &serde_json::Value) -> Result<Vec<PublicKey>, String> {
    let arr = v
        .get("keys")
        .and_then(|k| k.as_array())
        .ok_or_else(|| "the key file has no \"keys\" array".to_string())?;
    arr.iter()
        .map(|k| PublicKey::from_jwk(k).map_err(|e| format!("key file: {e}")))
        .collect()
}

/// Every public key known to this library.
pub async fn known_keys(app: &App) -> AppResult<Vec<PublicKey>> {
    let mut c = app.db.conn().await?;
    Ok(store::list_keys(c.h(), None)
        .await?
        .iter()
        .filter_map(|k| {
            serde_json::from_str(&k.public_jwk)
                .ok()
                .and_then(|v: serde_json::Value| PublicKey::from_jwk(&v).ok())
        })
        .collect())
}

impl App {
    /// The active signing key, loaded from the key store once and kept.
    ///
    /// Every call checks the stamp of the key store's index (one `stat`; the index is replaced
    /// by a rename, so a rotation changes it) and reads the index again when it changed, so that
    /// a rotation by `onewindow keys rotate` in another process takes effect at the next
    /// issuance: a retired key never signs again.
    fn signing_key(&self) -> AppResult<Arc<KeyPair>> {
        let stamp = onewindow_signing::FileKeyStore::index_stamp(&self.settings.keys_dir);
        let cached = self
            .signer
            .read()
            .map_err(|_| poisoned())?
            .as_ref()
            .filter(|(at, _)| stamp.is_some() && *at == stamp)
            .map(|(_, k)| k.clone());
        if let Some(k) = cached {
            return Ok(k);
        }
        let ks = keystore(self)?;
        let active_kid = ks
            .list()
            .map_err(sign_err)?
            .into_iter()
            .find(|k| k.status == onewindow_signing::KeyStatus::Active)
            .map(|k| k.kid);
        let kept = self
            .signer
            .read()
            .map_err(|_| poisoned())?
            .as_ref()
            .map(|(_, k)| k.clone());
        if let Some(k) = kept
            && active_kid.as_deref() == Some(k.kid())
        {
            *self.signer.write().map_err(|_| poisoned())? = Some((stamp, k.clone()));
            return Ok(k);
        }
        let k = ks.active().map_err(sign_err)?.ok_or_else(|| {
            AppError::conflict(
                "电子证照签名密钥尚未生成，请运行 onewindow keys generate",
                "no signing key: run `onewindow keys generate`",
            )
        })?;
        let k = Arc::new(k);
        *self.signer.write().map_err(|_| poisoned())? = Some((stamp, k.clone()));
        Ok(k)
    }
}

// ---------------------------------------------------------------------------------------------
// Issuance

/// What a completed case tells the library about the licence to issue.
pub(crate) struct IssueInput<'a> {
    /// The case.
    pub case: &'a onewindow_storage::cases::CaseRow,
    /// Name of the item whose result it is.
    pub item_name: &'a str,
    /// 证照类型代码 of the result.
    pub type_code: &'a str,
    /// The issuing department.
    pub department_id: i64,
}

/// A licence drawn inside the transaction that completes a case: its number and identifier are
/// taken and its data fixed, and its signature is being computed on another thread while the
/// transaction goes on ([`SignJob`]); [`store_in_tx`] stores it before the commit.
pub(crate) struct Drawn {
    /// The signed data (number, identifier, holder, face …).
    pub data: LicenseData,
    signed: Signed,
    job: SignJob,
    case_id: i64,
    case_no: String,
    department_id: i64,
}

/// Draw a licence inside the transaction that completes a case (一次生成, seed document) and
/// start its signature. Returns `Ok(Err(reason))` when no licence can be issued (type not in the
/// 证照目录, holder of the wrong kind, issuer without a credit code); the caller records it on
/// the case.
pub(crate) async fn draw_in_tx(
    mut h: H<'_>,
    app: &App,
    input: IssueInput<'_>,
) -> AppResult<Result<Drawn, String>> {
    let Some(trow) = store::get_type(h.re(), input.type_code).await? else {
        return Ok(Err(format!(
            "证照类型 {} 未在证照目录中登记，未生成电子证照",
            input.type_code
        )));
    };
    let ltype = parse_type(&trow)?;
    let Ok(holder) = ApplicantId::parse(&input.case.id_number) else {
        return Ok(Err(
            "申请人证件号码无法作为持证主体代码，未生成电子证照".into()
        ));
    };
    let code_type = HolderCodeType::of(&holder);
    if !ltype.holder_kind.admits(code_type) {
        return Ok(Err(format!(
            "{}的持证主体应为{}，申请人不符，未生成电子证照",
            ltype.name,
            ltype.holder_kind.zh()
        )));
    }
    let dept = org::get_department(h.re(), input.department_id).await?;
    let Some(issuer_code) = dept.credit_code.clone() else {
        return Ok(Err(format!(
            "{}未登记统一社会信用代码，未生成电子证照",
            dept.name
        )));
    };
    let key = app.signing_key()?;
    let today = app.today();
    let year = today.year();
    let seq =
        onewindow_storage::cases::next_counter(h.re(), &format!("license:{issuer_code}:{year}"))
            .await?;
    let id = match LicenseId::new(ltype.code.clone(), &issuer_code, &serial_of(year, seq), 1) {
        Ok(id) => id,
        Err(e) => {
            return Ok(Err(format!(
                "{}：{}，未生成电子证照",
                dept.name,
                e.message_zh()
            )));
        }
    };
    let face = ltype
        .face(&FaceInput {
            holder_name: &input.case.applicant_name,
            holder_code: holder.as_str(),
            legal_rep: input.case.legal_rep.as_deref(),
            address: input.case.address.as_deref(),
            summary: &input.case.summary,
            case_no: &input.case.case_no,
            item_name: input.item_name,
        })
        .into_iter()
        .map(|(key, label, value)| FaceValue { key, label, value })
        .collect();
    let region: String = dept.region_code.chars().take(6).collect();
    let data = LicenseData {
        name: ltype.name.clone(),
        type_code: ltype.code.as_str().to_string(),
        number: licence_number(&region, year, seq),
        identifier: id.to_string(),
        issuer_name: dept.name.clone(),
        issuer_code: issuer_code.clone(),
        issued_on: today,
        holder_name: input.case.applicant_name.clone(),
        holder_code: holder.as_str().to_string(),
        holder_code_type: code_type.zh().to_string(),
        holder_code_type_code: code_type.as_str().to_string(),
        valid_from: today,
        valid_to: ltype.valid_to(today),
        region_code: region,
        case_no: Some(input.case.case_no.clone()),
        face,
    };
    let (signed, bytes) = Signed::of(&key, &data)?;
    Ok(Ok(Drawn {
        data,
        signed,
        job: SignJob::start(key, bytes),
        case_id: input.case.id,
        case_no: input.case.case_no.clone(),
        department_id: input.department_id,
    }))
}

/// Store a [`Drawn`] licence with its signature (waiting for it if it is still being computed),
/// its first status event, its place in the sharing outbox and its audit event.
pub(crate) async fn store_in_tx(mut h: H<'_>, ctx: &Ctx, d: Drawn) -> AppResult<LicenseRow> {
    let sig = d.job.wait()?;
    let row = insert_signed(h.re(), &d.data, &d.signed, &sig, Some(d.case_id), None).await?;
    store::insert_event(
        h.re(),
        row.id,
        "issue",
        Some(&format!("办件 {} 办结", d.case_no)),
        &ctx.actor().label,
    )
    .await?;
    enqueue(h.re(), &row, "issued").await?;
    audit::append(
        h,
        &ctx.event(
            AuditAction::LicenseIssued,
            "license",
            &row.identifier,
            Some(d.department_id),
            json!({"case": d.case_no, "type": row.type_code, "kid": row.kid}),
        ),
    )
    .await?;
    Ok(row)
}

/// What a signature covers besides the data, fixed when the licence is drawn.
struct Signed {
    alg: &'static str,
    kid: String,
    at: DateTime<Utc>,
    /// The stored `data` column: the data's signing bytes as text.
    text: String,
}

impl Signed {
    /// The signature's parameters, and the bytes to sign.
    fn of(key: &KeyPair, data: &LicenseData) -> AppResult<(Signed, Vec<u8>)> {
        let at = onewindow_storage::now();
        let alg = key.alg().as_str();
        let bytes =
            onewindow_domain::license::signed_bytes(data, alg, key.kid(), &at, &data.issuer_name)?;
        let text = String::from_utf8(data.signing_bytes()?).map_err(unexpected)?;
        Ok((
            Signed {
                alg,
                kid: key.kid().to_string(),
                at,
                text,
            },
            bytes,
        ))
    }
}

/// Sign and store a licence (renewals and replacements; a case's licence goes through
/// [`draw_in_tx`] and [`store_in_tx`]).
async fn store_signed(
    h: H<'_>,
    key: &KeyPair,
    data: LicenseData,
    case_id: Option<i64>,
    supersedes: Option<&str>,
) -> AppResult<LicenseRow> {
    let (signed, bytes) = Signed::of(key, &data)?;
    let sig = key.sign(&bytes);
    insert_signed(h, &data, &signed, &sig, case_id, supersedes).await
}

async fn insert_signed(
    h: H<'_>,
    data: &LicenseData,
    signed: &Signed,
    sig: &[u8],
    case_id: Option<i64>,
    supersedes: Option<&str>,
) -> AppResult<LicenseRow> {
    let sig = B64.encode(sig);
    Ok(store::insert(
        h,
        &NewLicense {
            identifier: &data.identifier,
            type_code: &data.type_code,
            name: &data.name,
            number: &data.number,
            holder_code: &data.holder_code,
            holder_name: &data.holder_name,
            issuer_code: &data.issuer_code,
            issuer_name: &data.issuer_name,
            issued_on: data.issued_on,
            valid_to: data.valid_to,
            status: LicenseStatus::Valid.as_str(),
            status_reason: None,
            status_at: signed.at,
            data: &signed.text,
            alg: signed.alg,
            kid: &signed.kid,
            signature: &sig,
            signed_at: signed.at,
            case_id,
            origin: "local",
            supersedes,
        },
    )
    .await?)
}

/// A licence's signature, computed on tokio's blocking pool while the transaction that drew the
/// licence goes on. Everything a write transaction does happens while it holds the database's
/// only writer, so an SM2 signature inside it (about 0.15 ms on a 2.4 GHz core, a ninth of the
/// writer's time per 企业开办 lifecycle) delays every other write; on the pool it runs on
/// another core beside the transaction's remaining statements.
///
/// [`SignJob::wait`] never waits for a job that has not started: it takes the job and signs
/// itself (the pool may be busy, or there may be no runtime). It blocks its thread while a
/// started signature finishes (at most the rest of a fraction of a millisecond): the caller
/// holds the writer, and yielding would leave the writer idle until the task runs again.
struct SignJob(Arc<(std::sync::Mutex<Job>, std::sync::Condvar)>);

enum Job {
    Queued(Arc<KeyPair>, Vec<u8>),
    Running,
    Done(Vec<u8>),
    Failed,
    Taken,
}

impl SignJob {
    fn start(key: Arc<KeyPair>, bytes: Vec<u8>) -> Self {
        let job = SignJob::queued(key, bytes);
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            let shared = job.0.clone();
            rt.spawn_blocking(move || run_sign_job(&shared));
        }
        job
    }

    fn queued(key: Arc<KeyPair>, bytes: Vec<u8>) -> Self {
        SignJob(Arc::new((
            std::sync::Mutex::new(Job::Queued(key, bytes)),
            std::sync::Condvar::new(),
        )))
    }

    /// The signature.
    fn wait(self) -> AppResult<Vec<u8>> {
        let (lock, done) = &*self.0;
        let mut g = lock.lock().map_err(|_| poisoned())?;
        loop {
            match std::mem::replace(&mut *g, Job::Taken) {
                Job::Queued(key, bytes) => {
                    drop(g);
                    return Ok(key.sign(&bytes));
                }
                Job::Done(sig) => return Ok(sig),
                Job::Running => {
                    *g = Job::Running;
                    g = done.wait(g).map_err(|_| poisoned())?;
                }
                Job::Failed => {
                    return Err(AppError::Unexpected(anyhow::anyhow!(
                        "signing: the signature thread failed"
                    )));
                }
                Job::Taken => {
                    return Err(AppError::Unexpected(anyhow::anyhow!(
                        "signing: the signature was taken twice"
                    )));
                }
            }
        }
    }
}

/// The pool's side of a [`SignJob`]: sign, unless the waiter took the job already.
fn run_sign_job(shared: &(std::sync::Mutex<Job>, std::sync::Condvar)) {
    let (lock, done) = shared;
    let (key, bytes) = {
        let Ok(mut g) = lock.lock() else {
            return;
        };
        match std::mem::replace(&mut *g, Job::Running) {
            Job::Queued(key, bytes) => (key, bytes),
            other => {
                *g = other;
                return;
            }
        }
    };
    let sig = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| key.sign(&bytes)));
    if let Ok(mut g) = lock.lock() {
        *g = match sig {
            Ok(sig) => Job::Done(sig),
            Err(_) => Job::Failed,
        };
    }
    done.notify_all();
}

// ---------------------------------------------------------------------------------------------
// Reading, export, verification

/// The signed data of a stored licence.
pub fn data_of(row: &LicenseRow) -> AppResult<LicenseData> {
    serde_json::from_str(&row.data).map_err(unexpected)
}

/// The exported form of a stored licence (`onewindow license export`).
pub fn export_of(row: &LicenseRow) -> AppResult<ExportedLicense> {
    Ok(ExportedLicense {
        format: EXPORT_FORMAT.into(),
        data: data_of(row)?,
        signature: LicenseSignature {
            alg: row.alg.clone(),
            kid: row.kid.clone(),
            value: row.signature.clone(),
            signed_at: row.signed_at,
            signer: row.issuer_name.clone(),
        },
    })
}

/// A licence by identifier (staff: any; the caller checks what it may show).
pub async fn get(app: &App, identifier: &str) -> AppResult<LicenseRow> {
    let id = LicenseId::parse(identifier)?;
    let mut c = app.db.conn().await?;
    store::by_identifier(c.h(), &id.to_string())
        .await?
        .ok_or(AppError::NotFound)
}

/// Licences for `onewindow license list` and the staff list.
pub async fn list(
    app: &App,
    holder: Option<&str>,
    status: Option<&str>,
    limit: i64,
) -> AppResult<Vec<LicenseRow>> {
    let holder = match holder.map(str::trim).filter(|h| !h.is_empty()) {
        Some(h) => Some(ApplicantId::parse(h)?.as_str().to_string()),
        None => None,
    };
    if let Some(s) = status
        && LicenseStatus::parse(s).is_none()
    {
        return Err(AppError::Domain(DomainError::field(
            "status",
            format!("证照状态“{s}”无效"),
            format!("status: unknown status “{s}”"),
        )));
    }
    let mut c = app.db.conn().await?;
    Ok(store::list(
        c.h(),
        &LicenseFilter {
            holder: holder.as_deref(),
            status,
        },
        limit.clamp(1, 10_000),
        0,
    )
    .await?)
}

/// What a verifier is told.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Verification {
    /// `valid`, `suspended`, `revoked`, `cancelled`, `expired`, `unknown` or `bad_signature`.
    pub result: String,
    /// The result in Chinese.
    pub result_zh: String,
    /// The identifier asked about (normalised when it parsed).
    pub identifier: String,
    /// What was checked and found, for people.
    pub detail: Option<String>,
    /// Licence name.
    pub name: Option<String>,
    /// Holder, masked.
    pub holder: Option<String>,
    /// Holder code, masked.
    pub holder_code: Option<String>,
    /// Issuer.
    pub issuer: Option<String>,
    /// Issue date.
    pub issued_on: Option<NaiveDate>,
    /// End of validity (`None` = 长期).
    pub valid_to: Option<NaiveDate>,
    /// Why the status last changed.
    pub status_reason: Option<String>,
    /// When the status last changed.
    pub status_at: Option<DateTime<Utc>>,
    /// Signature algorithm and key id, when checked.
    pub signature: Option<String>,
}

fn unknown(identifier: &str, detail: String) -> Verification {
    Verification {
        result: "unknown".into(),
        result_zh: "未查到该证照".into(),
        identifier: identifier.to_string(),
        detail: Some(detail),
        name: None,
        holder: None,
        holder_code: None,
        issuer: None,
        issued_on: None,
        valid_to: None,
        status_reason: None,
        status_at: None,
        signature: None,
    }
}

/// The identifier in what a verifier typed or scanned: the identifier itself, or the QR code's
/// URL (`…/licenses/verify?q=…`).
pub fn identifier_in(q: &str) -> String {
    let q = q.trim();
    if let Some((_, query)) = q.split_once('?') {
        for pair in query.split('&') {
            if let Some(v) = pair.strip_prefix("q=").or_else(|| pair.strip_prefix("id=")) {
                return v.replace("%2E", ".").replace("%2e", ".");
            }
        }
    }
    q.to_string()
}

/// The verification URL a licence's QR code carries.
pub fn verify_url(app: &App, identifier: &str) -> String {
    format!(
        "{}/licenses/verify?q={identifier}",
        app.settings.public_url.trim_end_matches('/')
    )
}

/// The licence as a PDF (face fields, issuer, dates, QR code to the verification page, the
/// signature's algorithm and key), Chinese fonts embedded.
pub fn pdf(app: &App, v: &LicenseView) -> AppResult<Vec<u8>> {
    let fonts = crate::reports::load_fonts()?;
    let d = &v.data;
    let code_label = if d.holder_code_type_code == HolderCodeType::ResidentId.as_str() {
        "公民身份号码"
    } else {
        "统一社会信用代码"
    };
    let doc = onewindow_documents::LicenseDoc {
        title: d.name.clone(),
        identifier: d.identifier.clone(),
        number: d.number.clone(),
        holder: d.holder_name.clone(),
        holder_code_label: code_label.into(),
        holder_code: d.holder_code.clone(),
        fields: d
            .face
            .iter()
            .map(|f| (f.label.clone(), f.value.clone()))
            .collect(),
        issuer: d.issuer_name.clone(),
        issued_on: date_zh(d.issued_on),
        valid_from: date_zh(d.valid_from),
        valid_to: d.valid_to.map(date_zh).unwrap_or_else(|| "长期".into()),
        status_note: (v.status != LicenseStatus::Valid).then(|| format!("已{}", v.status.zh())),
        verify_url: verify_url(app, &d.identifier),
        signature_line: format!(
            "电子签名：{} · 密钥 {} · 签名时间 {} · 签名值 SM3 摘要 {}",
            v.license.alg,
            v.license.kid,
            crate::auth::cst_date(v.license.signed_at),
            &onewindow_signing::sm3_hex(v.license.signature.as_bytes())[..16]
        ),
    };
    onewindow_documents::license_pdf(&doc, fonts)
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("licence PDF: {e}")))
}

fn date_zh(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// Verify a licence by identifier or QR payload: live status from the library and the stored
/// signature checked against the published key. Reads the database every time, so a status
/// change is visible at once.
pub async fn verify(app: &App, q: &str) -> AppResult<Verification> {
    let raw = identifier_in(q);
    let id = match LicenseId::parse(&raw) {
        Ok(id) => id,
        Err(e) => return Ok(unknown(&raw, e.message_zh())),
    };
    let ident = id.to_string();
    let (row, key) = {
        let mut c = app.db.conn().await?;
        let Some(row) = store::by_identifier(c.h(), &ident).await? else {
            return Ok(unknown(&ident, "本库中没有该证照标识".into()));
        };
        let key = store::get_key(c.h(), &row.kid).await?;
        (row, key)
    };
    let sig_check = check_stored_signature(&row, key.as_ref());
    let status = LicenseStatus::parse(&row.status).unwrap_or(LicenseStatus::Valid);
    let today = app.today();
    let status = if matches!(status, LicenseStatus::Valid | LicenseStatus::Suspended)
        && row.valid_to.is_some_and(|d| d < today)
    {
        LicenseStatus::Expired
    } else {
        status
    };
    let masked_code = ApplicantId::parse(&row.holder_code)
        .map(|a| mask_applicant_id(&a))
        .unwrap_or_else(|_| "***".into());
    let holder = if is_organisation(&row.holder_code) {
        row.holder_name.clone()
    } else {
        mask_name(&row.holder_name)
    };
    let (result, result_zh, detail) = match &sig_check {
        Err(why) => (
            "bad_signature".to_string(),
            "签名无效".to_string(),
            Some(why.clone()),
        ),
        Ok(()) => (
            status.as_str().to_string(),
            status.zh().to_string(),
            Some(format!("签名有效（{}，密钥 {}）", row.alg, row.kid)),
        ),
    };
    Ok(Verification {
        result,
        result_zh,
        identifier: ident,
        detail,
        name: Some(row.name.clone()),
        holder: Some(holder),
        holder_code: Some(masked_code),
        issuer: Some(row.issuer_name.clone()),
        issued_on: Some(row.issued_on),
        valid_to: row.valid_to,
        status_reason: row.status_reason.clone(),
        status_at: Some(row.status_at),
        signature: Some(format!("{} · {}", row.alg, row.kid)),
    })
}

/// Organisations' names are public; persons' are masked (个人信息保护法 art. 28 and the
/// masking rules of domain-rules §7.1).
fn is_organisation(code: &str) -> bool {
    matches!(ApplicantId::parse(code), Ok(ApplicantId::Organisation(_)))
}

fn check_stored_signature(row: &LicenseRow, key: Option<&KeyRow>) -> Result<(), String> {
    let Some(key) = key else {
        return Err(format!("签名密钥 {} 未在本库公布", row.kid));
    };
    let jwk: serde_json::Value =
        serde_json::from_str(&key.public_jwk).map_err(|e| format!("公钥无法读取：{e}"))?;
    let pk = PublicKey::from_jwk(&jwk).map_err(|e| format!("公钥无法读取：{e}"))?;
    let sig = B64
        .decode(&row.signature)
        .map_err(|_| "签名值不是有效的 base64".to_string())?;
    let e = export_of(row).map_err(|e| format!("证照数据无法读取：{e}"))?;
    let bytes = e
        .signature
        .signed_bytes(&e.data)
        .map_err(|e| e.message_zh())?;
    pk.verify(&bytes, &sig)
        .map_err(|e| format!("签名与证照数据不符：{e}"))
}

/// Why an exported licence file does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileProblem {
    /// Refused before the signature (format, canonical form, identifier).
    #[error("{0}")]
    File(#[from] ExportProblem),
    /// The key id is not among the keys given.
    #[error("unknown signing key {0}: it is not among the published keys given")]
    UnknownKey(String),
    /// The algorithm in the file differs from the key's.
    #[error("the file says algorithm {0} but key {1} is {2}")]
    Algorithm(String, String, String),
    /// The signature value is not base64.
    #[error("the signature value is not base64")]
    SignatureEncoding,
    /// The signature does not match the data.
    #[error("signature check failed: {0}")]
    Signature(String),
}

impl FileProblem {
    /// The finding in Chinese, for the verification page and API (the `Display` text is
    /// English, for the command line and logs).
    pub fn message_zh(&self) -> String {
        match self {
            FileProblem::File(ExportProblem::Unreadable(_)) => {
                "文件不是可读取的电子证照导出文件".into()
            }
            FileProblem::File(ExportProblem::Format(f)) => {
                format!("文件格式 {f} 无法识别（应为 {EXPORT_FORMAT}）")
            }
            FileProblem::File(ExportProblem::NotCanonical) => {
                "文件已被改动：与导出时的规范格式不一致".into()
            }
            FileProblem::File(ExportProblem::Identifier(_)) => {
                "证照标识无效，或与文件中的证照数据不符".into()
            }
            FileProblem::UnknownKey(kid) => format!("签名密钥 {kid} 不在已公布的密钥中"),
            FileProblem::Algorithm(alg, kid, key_alg) => {
                format!("文件声明的签名算法 {alg} 与密钥 {kid} 的算法 {key_alg} 不符")
            }
            FileProblem::SignatureEncoding => "签名值不是有效的 base64".into(),
            FileProblem::Signature(_) => "签名与证照数据不符：文件内容在签发后被改动".into(),
        }
    }
}

/// Verify an exported licence offline with only public keys: format and canonical form,
/// identifier and check character, and the signature over the data. Returns the licence's data;
/// whether it has expired is for the caller to say (it needs a date).
pub fn verify_file(bytes: &[u8], keys: &[PublicKey]) -> Result<ExportedLicense, FileProblem> {
    let e = ExportedLicense::from_file_bytes(bytes)?;
    let key = keys
        .iter()
        .find(|k| k.kid == e.signature.kid)
        .ok_or_else(|| FileProblem::UnknownKey(e.signature.kid.clone()))?;
    if key.alg.as_str() != e.signature.alg {
        return Err(FileProblem::Algorithm(
            e.signature.alg.clone(),
            key.kid.clone(),
            key.alg.as_str().to_string(),
        ));
    }
    let sig = B64
        .decode(&e.signature.value)
        .map_err(|_| FileProblem::SignatureEncoding)?;
    let data = e
        .signature
        .signed_bytes(&e.data)
        .map_err(|err| FileProblem::Signature(err.message_en()))?;
    key.verify(&data, &sig)
        .map_err(|err| FileProblem::Signature(err.to_string()))?;
    Ok(e)
}

/// Verify an uploaded export against this library's keys and live status. An upload that is
/// not an export at all (not JSON of the export's shape) is a bad request, a field error on
/// `file`, not a failed verification; findings about an export are told in Chinese.
pub async fn verify_upload(app: &App, bytes: &[u8]) -> AppResult<Verification> {
    let keys = known_keys(app).await?;
    match verify_file(bytes, &keys) {
        Err(FileProblem::File(ExportProblem::Unreadable(why))) => {
            Err(AppError::Domain(DomainError::field(
                "file",
                "请求内容不是电子证照导出文件，请提交从电子证照库导出的证照文件",
                format!("the request is not an exported e-licence file: {why}"),
            )))
        }
        Ok(e) => {
            let stored = {
                let mut c = app.db.conn().await?;
                store::by_identifier(c.h(), &e.data.identifier).await?
            };
            match stored {
                Some(row) if data_of(&row)? == e.data && row.kid == e.signature.kid => {
                    verify(app, &e.data.identifier).await
                }
                Some(_) => {
                    let mut v = unknown(
                        &e.data.identifier,
                        "文件签名有效，但内容与本库中的该证照记录不符".into(),
                    );
                    v.result = "bad_signature".into();
                    v.result_zh = "文件与证照库记录不符".into();
                    Ok(v)
                }
                None => Ok(unknown(
                    &e.data.identifier,
                    "文件签名有效，但本库中没有该证照".into(),
                )),
            }
        }
        Err(p) => {
            let mut v = unknown("", p.message_zh());
            v.result = "bad_signature".into();
            v.result_zh = "文件未通过核验".into();
            Ok(v)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Status

/// One licence with its history and uses (staff page, holder wallet).
#[derive(Debug, Clone, Serialize)]
pub struct LicenseView {
    /// The licence.
    pub license: LicenseRow,
    /// Signed data.
    pub data: LicenseData,
    /// Typed status (expired when past its validity).
    pub status: LicenseStatus,
    /// History.
    pub events: Vec<EventRow>,
    /// Uses (用证记录), newest first.
    pub uses: Vec<UseRow>,
}

async fn view_of(app: &App, row: LicenseRow) -> AppResult<LicenseView> {
    let mut c = app.db.conn().await?;
    let events = store::events(c.h(), row.id).await?;
    let uses = store::uses(c.h(), row.id).await?;
    let data = data_of(&row)?;
    let status = LicenseStatus::parse(&row.status).unwrap_or(LicenseStatus::Valid);
    let status = if matches!(status, LicenseStatus::Valid | LicenseStatus::Suspended)
        && data.expired_on(app.today())
    {
        LicenseStatus::Expired
    } else {
        status
    };
    Ok(LicenseView {
        license: row,
        data,
        status,
        events,
        uses,
    })
}

async fn issuer_target(app: &App, issuer_code: &str) -> AppResult<Option<(i64, Target)>> {
    let mut c = app.db.conn().await?;
    let depts = org::list_departments(c.h(), None).await?;
    match depts
        .iter()
        .find(|d| d.credit_code.as_deref() == Some(issuer_code))
    {
        Some(d) => Ok(Some((
            d.id,
            Target::department(
                onewindow_domain::ids::DepartmentId(d.id),
                RegionCode::parse(&d.region_code)?,
            ),
        ))),
        None => Ok(None),
    }
}

/// A licence for staff: lookups by 一号 (`LookupApplicant`) or the issuing department's
/// reviewers and leads.
pub async fn staff_view(app: &App, ctx: &Ctx, identifier: &str) -> AppResult<LicenseView> {
    let row = get(app, identifier).await?;
    let allowed = ctx.require_any(Permission::LookupApplicant).is_ok()
        || match issuer_target(app, &row.issuer_code).await? {
            Some((_, t)) => ctx.require(Permission::ReviewCases, &t).is_ok(),
            None => false,
        };
    if !allowed {
        return Err(AppError::Forbidden);
    }
    view_of(app, row).await
}

/// A licence for its holder (the wallet): only the holder's own.
pub async fn holder_view(
    app: &App,
    who: &crate::cases::ApplicantRow,
    identifier: &str,
) -> AppResult<LicenseView> {
    let row = get(app, identifier).await?;
    if row.holder_code != who.id_number || !holder_sees(app, who, &row).await? {
        return Err(AppError::NotFound);
    }
    view_of(app, row).await
}

/// Whether an online account sees a licence of its 一号: a verified account all of them, an
/// unverified one only those issued on cases it applied for online itself
/// ([`crate::applicants::sees`]).
async fn holder_sees(
    app: &App,
    who: &crate::cases::ApplicantRow,
    row: &LicenseRow,
) -> AppResult<bool> {
    if who.verified_at.is_some() {
        return Ok(true);
    }
    let Some(case_id) = row.case_id else {
        return Ok(false);
    };
    let mut c = app.db.conn().await?;
    let case = onewindow_storage::cases::get_case(c.h(), case_id).await?;
    Ok(crate::applicants::sees(who, &case))
}

/// The holder's licences, newest first (电子证照 wallet); an unverified account sees only
/// those of cases it applied for online.
pub async fn wallet(app: &App, who: &crate::cases::ApplicantRow) -> AppResult<Vec<LicenseView>> {
    let rows = {
        let mut c = app.db.conn().await?;
        store::list(
            c.h(),
            &LicenseFilter {
                holder: Some(&who.id_number),
                ..Default::default()
            },
            500,
            0,
        )
        .await?
    };
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        if holder_sees(app, who, &r).await? {
            out.push(view_of(app, r).await?);
        }
    }
    Ok(out)
}

/// Suspend, reinstate, revoke or cancel a licence (the issuing department's leads; operators).
/// `expected_version` guards against a concurrent change.
pub async fn change_status(
    app: &App,
    ctx: &Ctx,
    identifier: &str,
    action: StatusAction,
    reason: &str,
    expected_version: Option<i64>,
) -> AppResult<LicenseRow> {
    let row = get(app, identifier).await?;
    if row.origin != "local" {
        return Err(AppError::conflict(
            "该证照由下级证照库颁发，状态只能由颁发地变更",
            "this licence belongs to a downstream library; only its issuer can change its status",
        ));
    }
    let target = issuer_target(app, &row.issuer_code).await?;
    match &target {
        Some((_, t)) => ctx.require(Permission::ManageLicenses, t)?,
        None => operator_only(ctx)?,
    }
    let reason = reason.trim();
    if action.needs_reason() && (reason.is_empty() || reason.chars().count() > 500) {
        return Err(AppError::Domain(DomainError::field(
            "reason",
            "请填写理由（不超过 500 字）",
            "reason: required, at most 500 characters",
        )));
    }
    apply_status(
        app,
        ctx,
        row,
        action,
        reason,
        expected_version,
        target.map(|t| t.0),
    )
    .await
}

async fn apply_status(
    app: &App,
    ctx: &Ctx,
    row: LicenseRow,
    action: StatusAction,
    reason: &str,
    expected_version: Option<i64>,
    department_id: Option<i64>,
) -> AppResult<LicenseRow> {
    let from = LicenseStatus::parse(&row.status).unwrap_or(LicenseStatus::Valid);
    let to = from.apply(action)?;
    if expected_version.is_some_and(|v| v != row.version) {
        return Err(stale());
    }
    let mut tx = app.db.begin().await?;
    let at = onewindow_storage::now();
    let reason_opt = Some(reason).filter(|r| !r.is_empty());
    let Some(_v) =
        store::set_status(tx.h(), row.id, to.as_str(), reason_opt, at, row.version).await?
    else {
        return Err(stale());
    };
    let row = store::get(tx.h(), row.id)
        .await?
        .ok_or(AppError::NotFound)?;
    store::insert_event(
        tx.h(),
        row.id,
        action.as_str(),
        reason_opt,
        &ctx.actor().label,
    )
    .await?;
    enqueue(tx.h(), &row, "status").await?;
    audit::append(
        tx.h(),
        &ctx.event(
            AuditAction::LicenseStatusChanged,
            "license",
            &row.identifier,
            department_id,
            json!({"from": from.as_str(), "to": to.as_str(), "reason": reason}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

/// Re-issue (换发) a valid licence: a new version of the same identifier (version + 1, GB/T
/// 36904), signed now, that supersedes the old one; the old version is cancelled (注销) in the
/// same transaction with a reason naming its successor. The issuing department's leads only.
pub async fn reissue(
    app: &App,
    ctx: &Ctx,
    identifier: &str,
    reason: &str,
) -> AppResult<LicenseRow> {
    let old = get(app, identifier).await?;
    if old.origin != "local" {
        return Err(AppError::conflict(
            "该证照由下级证照库颁发，只能由颁发地换发",
            "this licence belongs to a downstream library; only its issuer can re-issue it",
        ));
    }
    let target = issuer_target(app, &old.issuer_code).await?;
    match &target {
        Some((_, t)) => ctx.require(Permission::ManageLicenses, t)?,
        None => operator_only(ctx)?,
    }
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(AppError::Domain(DomainError::field(
            "reason",
            "请填写换发理由（不超过 500 字）",
            "reason: required, at most 500 characters",
        )));
    }
    let status = LicenseStatus::parse(&old.status).unwrap_or(LicenseStatus::Valid);
    let cancelled = status.apply(StatusAction::Cancel)?;
    if status != LicenseStatus::Valid {
        return Err(AppError::conflict(
            format!("证照当前状态为“{}”，不能换发", status.zh()),
            format!(
                "the licence is {}; only a valid licence can be re-issued",
                status.as_str()
            ),
        ));
    }
    let next = LicenseId::parse(&old.identifier)?.next_version()?;
    let mut data = data_of(&old)?;
    if data.expired_on(app.today()) {
        return Err(AppError::conflict(
            "证照已过有效期，不能换发，请重新申请",
            "the licence's validity has ended; it cannot be re-issued",
        ));
    }
    data.identifier = next.to_string();
    data.issued_on = app.today();
    let key = app.signing_key()?;
    let mut tx = app.db.begin().await?;
    let at = onewindow_storage::now();
    let note = format!("换发新版本 {}：{reason}", data.identifier);
    store::set_status(
        tx.h(),
        old.id,
        cancelled.as_str(),
        Some(&note),
        at,
        old.version,
    )
    .await?
    .ok_or_else(stale)?;
    let old_now = store::get(tx.h(), old.id)
        .await?
        .ok_or(AppError::NotFound)?;
    store::insert_event(tx.h(), old.id, "cancel", Some(&note), &ctx.actor().label).await?;
    enqueue(tx.h(), &old_now, "status").await?;
    let row = store_signed(tx.h(), &key, data, old.case_id, Some(&old.identifier)).await?;
    store::insert_event(
        tx.h(),
        row.id,
        "issue",
        Some(&format!("换发（原 {}）：{reason}", old.identifier)),
        &ctx.actor().label,
    )
    .await?;
    enqueue(tx.h(), &row, "issued").await?;
    audit::append(
        tx.h(),
        &ctx.event(
            AuditAction::LicenseIssued,
            "license",
            &row.identifier,
            target.map(|t| t.0),
            json!({"supersedes": old.identifier, "reason": reason, "kid": row.kid}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

fn stale() -> AppError {
    AppError::conflict(
        "该证照已被他人变更，请刷新后再操作（未保存任何更改）",
        "the licence was changed by someone else meanwhile; reload (nothing was saved)",
    )
}

/// Mark licences past their validity as 失效 (run by the server's ticker). Returns how many.
pub async fn expire_due(app: &App) -> AppResult<usize> {
    let ctx = Ctx::operator();
    let mut n = 0;
    loop {
        let rows = {
            let mut c = app.db.conn().await?;
            store::past_validity(c.h(), app.today(), 200).await?
        };
        let batch = rows.len();
        let mut changed = 0;
        for r in rows {
            match apply_status(app, &ctx, r, StatusAction::Expire, "有效期届满", None, None).await
            {
                Ok(_) => changed += 1,
                Err(AppError::Conflict { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        n += changed;
        if batch < 200 || changed == 0 {
            return Ok(n);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Reuse at intake (免提交)

/// A licence to use instead of a paper material: found before the case transaction, recorded
/// in it.
#[derive(Debug, Clone)]
pub(crate) struct Reuse {
    pub license_id: i64,
    pub identifier: String,
    pub material: String,
}

/// The holder's licence of a type that intake can rely on today.
pub async fn usable(
    app: &App,
    holder_code: &str,
    type_code: &str,
) -> AppResult<Option<LicenseRow>> {
    let mut c = app.db.conn().await?;
    Ok(store::find_usable(c.h(), holder_code, type_code, app.today()).await?)
}

/// Fill in the licences for the checklist: a material that an e-licence can stand in for is
/// taken from the library when the clerk ticked it `reused`, and also when it was not handed in
/// but the applicant holds a valid licence of that type — the applicant is never asked for a
/// paper copy of what the government issued. A `reused` tick without such a licence is refused,
/// naming the material.
pub(crate) async fn resolve_reuse(
    h: H<'_>,
    holder_code: &str,
    today: NaiveDate,
    list: &mut [onewindow_domain::case::state::MaterialCheck],
) -> AppResult<Vec<Reuse>> {
    use onewindow_domain::case::state::MaterialStatus as M;
    let mut h = h;
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (i, m) in list.iter_mut().enumerate() {
        let Some(t) = m.license_type.clone() else {
            continue;
        };
        if !matches!(m.status, M::Reused | M::Missing) {
            continue;
        }
        match store::find_usable(h.re(), holder_code, &t, today).await? {
            Some(l) => {
                m.status = M::Reused;
                m.license = Some(l.identifier.clone());
                m.note = Some(format!("电子证照：{}（{}）", l.name, l.number));
                out.push(Reuse {
                    license_id: l.id,
                    identifier: l.identifier,
                    material: m.name.clone(),
                });
            }
            None if m.status == M::Reused => problems.push(crate::Problem {
                field: format!("materials[{i}]"),
                zh: format!(
                    "证照库中没有申请人有效的“{}”电子证照，请收取纸质材料",
                    m.name
                ),
                en: format!(
                    "the library holds no valid e-licence of the applicant for “{}”; take the paper",
                    m.name
                ),
            }),
            None => {}
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(AppError::Invalid(problems))
    }
}

/// Record the uses (用证记录) inside the case's transaction.
pub(crate) async fn record_uses(
    mut h: H<'_>,
    ctx: &Ctx,
    case: &onewindow_storage::cases::CaseRow,
    department: Option<&str>,
    uses: &[Reuse],
) -> AppResult<()> {
    for u in uses {
        store::insert_use(
            h.re(),
            u.license_id,
            Some(case.id),
            &ctx.actor().label,
            department,
            &format!("{}（{}）：{}", case.name, case.case_no, u.material),
        )
        .await?;
        audit::append(
            h.re(),
            &ctx.event(
                AuditAction::LicenseUsed,
                "license",
                &u.identifier,
                None,
                json!({"case": case.case_no, "material": u.material}),
            ),
        )
        .await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Upward sharing

/// What one library sends its upstream for each new licence or status change.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SyncEvent {
    /// Idempotency key: the licence identifier and its version in the sending library.
    pub event_id: String,
    /// `issued` or `status`.
    pub kind: String,
    /// The licence as exported (data + signature).
    pub license: ExportedLicense,
    /// Status in the sending library.
    pub status: String,
    /// Reason of the status.
    pub status_reason: Option<String>,
    /// When the status was set.
    pub status_at: DateTime<Utc>,
    /// The signing key's public half (JWK), for the upstream's key set.
    pub key: serde_json::Value,
}

async fn enqueue(mut h: H<'_>, row: &LicenseRow, kind: &str) -> AppResult<()> {
    let key = store::get_key(h.re(), &row.kid)
        .await?
        .and_then(|k| serde_json::from_str::<serde_json::Value>(&k.public_jwk).ok())
        .unwrap_or(serde_json::Value::Null);
    let ev = SyncEvent {
        event_id: format!("{}#{}", row.identifier, row.version),
        kind: kind.to_string(),
        license: export_of(row)?,
        status: row.status.clone(),
        status_reason: row.status_reason.clone(),
        status_at: row.status_at,
        key,
    };
    let body = serde_json::to_string(&ev).map_err(unexpected)?;
    store::enqueue(h, &ev.event_id, row.id, &body).await?;
    Ok(())
}

/// What a push round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PushReport {
    /// Events acknowledged.
    pub sent: usize,
    /// Events that failed this round (retried later).
    pub failed: usize,
}

/// Send due outbox events upstream, oldest first. The order that matters is per licence (an
/// issue must not arrive after its revocation), so an event waiting for its retry holds back only
/// the later events of its own licence:
/// - the upstream refuses an event (a 4xx about that event): it backs off, its licence's later
///   events wait behind it, every other licence goes on;
/// - the upstream cannot take anything (unreachable, 5xx, wrong token): the round stops.
///
/// A refused event backs off exponentially (2 s … 5 min), the link as a whole likewise (in
/// the client); the reason is kept on the event for the operator (`onewindow license outbox`).
pub async fn push_outbox(app: &App, client: &crate::upstream::Client) -> AppResult<PushReport> {
    use crate::upstream::PushError;
    let Some(up) = app.settings.upstream.clone() else {
        return Ok(PushReport::default());
    };
    if !client.link_ready() {
        return Ok(PushReport::default());
    }
    let mut report = PushReport::default();
    let mut held: std::collections::HashSet<i64> = std::collections::HashSet::new();
    let mut after = 0;
    loop {
        let page = {
            let mut c = app.db.conn().await?;
            store::due(c.h(), after, 50).await?
        };
        let Some(last) = page.last() else {
            return Ok(report);
        };
        after = last.id;
        // What goes upstream must not be lost here by a power failure afterwards.
        app.db.sync_barrier().await?;
        for ev in page {
            if held.contains(&ev.license_id) {
                continue;
            }
            if ev.next_attempt_at > onewindow_storage::now() {
                held.insert(ev.license_id);
                continue;
            }
            let result = client.post_event(&up, &ev.body).await;
            let mut tx = app.db.begin().await?;
            match &result {
                Ok(()) => {
                    store::mark_sent(tx.h(), ev.id).await?;
                    report.sent += 1;
                }
                Err(PushError::Refused(reason)) => {
                    let secs = 2i64
                        .saturating_pow(u32::try_from(ev.attempts.clamp(0, 8)).unwrap_or(8) + 1)
                        .min(300);
                    let next = onewindow_storage::now() + chrono::Duration::seconds(secs);
                    store::mark_failed(tx.h(), ev.id, reason, next).await?;
                    held.insert(ev.license_id);
                    report.failed += 1;
                }
                // Due again as soon as the link is back.
                Err(PushError::Unavailable(reason)) => {
                    store::mark_failed(tx.h(), ev.id, reason, ev.next_attempt_at).await?;
                    report.failed += 1;
                }
            }
            tx.commit().await?;
            match result {
                Err(PushError::Unavailable(_)) => {
                    client.link_failed();
                    return Ok(report);
                }
                _ => client.link_up(),
            }
        }
    }
}

/// Push the outbox every `interval` for as long as the process runs (a no-op without an
/// upstream). Events survive restarts in the database; nothing is lost while the upstream is
/// down, and the upstream's inbox makes a resend harmless.
pub async fn run_pusher(app: Arc<App>, interval: std::time::Duration) {
    if app.settings.upstream.is_none() {
        return;
    }
    let client = crate::upstream::Client::new();
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match push_outbox(&app, &client).await {
            Ok(r) if r.sent > 0 || r.failed > 0 => {
                tracing::info!(
                    sent = r.sent,
                    failed = r.failed,
                    "licence events pushed upstream"
                )
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = ?e, "pushing licence events upstream failed"),
        }
    }
}

/// The oldest event still waiting to go upstream, if any (it holds back only its own licence's
/// later events).
pub async fn outbox_head(app: &App) -> AppResult<Option<OutboxRow>> {
    let mut c = app.db.conn().await?;
    Ok(store::due(c.h(), 0, 1).await?.into_iter().next())
}

/// Outbox counts: (waiting, sent).
pub async fn outbox_counts(app: &App) -> AppResult<(i64, i64)> {
    let mut c = app.db.conn().await?;
    Ok(store::outbox_counts(c.h()).await?)
}

/// Whether a received event was new or a resend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Received {
    /// Applied now.
    Applied,
    /// Seen before: acknowledged, nothing changed.
    Duplicate,
}

/// The downstream library a bearer token belongs to.
pub fn downstream_of<'a>(app: &'a App, token: &str) -> Option<&'a str> {
    app.settings
        .downstream
        .iter()
        .find(|(_, t)| !t.is_empty() && constant_time_eq(t.as_bytes(), token.as_bytes()))
        .map(|(name, _)| name.as_str())
}

/// Whether a region code (GB/T 2260, 6 digits) lies within another: `350582` within `350500` and
/// `350000`; trailing `00` pairs of the outer code are wildcards.
pub fn within_region(inner: &str, outer: &str) -> bool {
    let mut prefix = outer;
    while prefix.len() > 2 && prefix.ends_with("00") {
        prefix = &prefix[..prefix.len() - 2];
    }
    inner.len() == 6 && inner.starts_with(prefix)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Apply an event from a downstream library (the upstream side of sharing). The signature is
/// checked against the key sent with it, which must match any key of that id already known;
/// a resend of an event already applied is acknowledged without change.
pub async fn receive(app: &App, source: &str, ev: SyncEvent) -> AppResult<Received> {
    let event_id = ev.event_id.clone();
    match receive_once(app, source, ev).await {
        // The same event delivered twice at once: the second transaction lost the race to the
        // first (a version or key conflict). If the first recorded it, this one is a resend.
        Err(AppError::Conflict { .. })
            if {
                let mut c = app.db.conn().await?;
                store::inbox_seen(c.h(), source, &event_id).await?
            } =>
        {
            Ok(Received::Duplicate)
        }
        r => r,
    }
}

async fn receive_once(app: &App, source: &str, ev: SyncEvent) -> AppResult<Received> {
    let bad = |zh: String, en: String| AppError::Domain(DomainError::field("license", zh, en));
    // The licence must be issued inside the sending library's region (the region code in the
    // issuer's unified social credit code, GB 32100 positions 3–8): a county library cannot
    // plant licences of the city's departments or of another county.
    let region = app
        .settings
        .downstream_regions
        .iter()
        .find(|(n, _)| n == source)
        .map(|(_, r)| r.clone())
        .unwrap_or_default();
    let issuer_region = ev.license.data.issuer_code.get(2..8).unwrap_or("");
    if region.is_empty() || !within_region(issuer_region, &region) {
        return Err(bad(
            format!(
                "颁发机构代码 {} 不属于下级证照库“{source}”的行政区域",
                ev.license.data.issuer_code
            ),
            format!(
                "issuer {} is outside the region of downstream library {source}",
                ev.license.data.issuer_code
            ),
        ));
    }
    let d = &ev.license.data;
    let sane = |x: NaiveDate| (1949..=2200).contains(&x.year());
    if !sane(d.issued_on) || !sane(d.valid_from) || d.valid_to.is_some_and(|x| !sane(x)) {
        return Err(bad(
            "证照日期超出合理范围".into(),
            "licence dates out of range (1949–2200)".into(),
        ));
    }
    if !ev
        .license
        .signature
        .signed_at
        .timestamp_subsec_nanos()
        .is_multiple_of(1000)
        || !ev.status_at.timestamp_subsec_nanos().is_multiple_of(1000)
    {
        return Err(bad(
            "时间精度超过微秒".into(),
            "timestamps must have at most microsecond precision".into(),
        ));
    }
    let pk = PublicKey::from_jwk(&ev.key)
        .map_err(|e| bad(format!("公钥无法读取：{e}"), format!("key: {e}")))?;
    let bytes = ev
        .license
        .to_file_bytes()
        .map_err(|e| bad(e.message_zh(), e.message_en()))?;
    verify_file(&bytes, std::slice::from_ref(&pk)).map_err(|e| {
        bad(
            format!("证照未通过核验：{e}"),
            format!("licence does not verify: {e}"),
        )
    })?;
    let status = LicenseStatus::parse(&ev.status).ok_or_else(|| {
        bad(
            format!("证照状态“{}”无效", ev.status),
            format!("status: unknown “{}”", ev.status),
        )
    })?;
    let ctx = Ctx {
        principal: Principal::Operator,
        request_id: None,
        source: Some(format!("downstream:{source}")),
    };
    let mut tx = app.db.begin().await?;
    if store::inbox_seen(tx.h(), source, &ev.event_id).await? {
        return Ok(Received::Duplicate);
    }
    if let Some(k) = store::get_key(tx.h(), &pk.kid).await? {
        if k.origin != source {
            return Err(AppError::conflict(
                "该签名密钥属于其他证照库",
                "this signing key belongs to another library",
            ));
        }
        let known: serde_json::Value = serde_json::from_str(&k.public_jwk).map_err(unexpected)?;
        if PublicKey::from_jwk(&known).map(|p| p.bytes).ok() != Some(pk.bytes.clone()) {
            return Err(AppError::conflict(
                "公钥与本库已登记的同名密钥不一致",
                "the key differs from the one known under this key id",
            ));
        }
    } else {
        store::insert_key(
            tx.h(),
            &KeyRow {
                kid: pk.kid.clone(),
                alg: pk.alg.as_str().to_string(),
                public_jwk: pk.to_jwk().to_string(),
                origin: source.to_string(),
                status: "active".into(),
                created_at: onewindow_storage::now(),
                retired_at: None,
            },
        )
        .await?;
    }
    let d = &ev.license.data;
    let row = match store::by_identifier(tx.h(), &d.identifier).await? {
        Some(existing) => {
            if existing.origin != source {
                return Err(AppError::conflict(
                    "该证照标识已由其他来源登记",
                    "this identifier is already held from another source",
                ));
            }
            if existing.data != String::from_utf8(d.signing_bytes()?).map_err(unexpected)? {
                return Err(AppError::conflict(
                    "同一证照标识的内容与已接收的不一致",
                    "the content differs from the licence already received under this identifier",
                ));
            }
            // An older status (a retry overtaken by a later change) does not undo a newer one.
            if ev.status_at >= existing.status_at {
                store::set_status(
                    tx.h(),
                    existing.id,
                    status.as_str(),
                    ev.status_reason.as_deref(),
                    ev.status_at,
                    existing.version,
                )
                .await?
                .ok_or_else(stale)?;
            }
            existing
        }
        None => {
            let text = String::from_utf8(d.signing_bytes()?).map_err(unexpected)?;
            store::insert(
                tx.h(),
                &NewLicense {
                    identifier: &d.identifier,
                    type_code: &d.type_code,
                    name: &d.name,
                    number: &d.number,
                    holder_code: &d.holder_code,
                    holder_name: &d.holder_name,
                    issuer_code: &d.issuer_code,
                    issuer_name: &d.issuer_name,
                    issued_on: d.issued_on,
                    valid_to: d.valid_to,
                    status: status.as_str(),
                    status_reason: ev.status_reason.as_deref(),
                    status_at: ev.status_at,
                    data: &text,
                    alg: &ev.license.signature.alg,
                    kid: &ev.license.signature.kid,
                    signature: &ev.license.signature.value,
                    signed_at: ev.license.signature.signed_at,
                    case_id: None,
                    origin: source,
                    supersedes: None,
                },
            )
            .await?
        }
    };
    store::insert_event(
        tx.h(),
        row.id,
        "received",
        Some(&format!("{}（{}）", ev.kind, ev.status)),
        &format!("downstream:{source}"),
    )
    .await?;
    if !store::inbox_insert(tx.h(), source, &ev.event_id, row.id).await? {
        return Ok(Received::Duplicate);
    }
    // County → city → province: what the city receives goes on up.
    if app.settings.upstream.is_some() {
        let row = store::get(tx.h(), row.id)
            .await?
            .ok_or(AppError::NotFound)?;
        enqueue(tx.h(), &row, &ev.kind).await?;
    }
    audit::append(
        tx.h(),
        &ctx.event(
            AuditAction::LicenseReceived,
            "license",
            &row.identifier,
            None,
            json!({"source": source, "event": ev.event_id, "kind": ev.kind, "status": ev.status}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(Received::Applied)
}

/// Licences held, per origin (`local` or a downstream library).
pub async fn count(app: &App, origin: Option<&str>) -> AppResult<i64> {
    let mut c = app.db.conn().await?;
    Ok(store::count(c.h(), origin).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_job_not_yet_started_is_signed_by_its_waiter() {
        let key = Arc::new(KeyPair::generate(Algorithm::Sm2Sm3).unwrap());
        // Outside a runtime nothing starts it: `wait` signs.
        let job = SignJob::start(key.clone(), b"licence".to_vec());
        let sig = job.wait().unwrap();
        key.public().verify(b"licence", &sig).unwrap();
        // The pool's side finds the job taken and leaves it alone.
        let job = SignJob::queued(key.clone(), b"other".to_vec());
        let shared = job.0.clone();
        let sig = job.wait().unwrap();
        run_sign_job(&shared);
        assert!(matches!(*shared.0.lock().unwrap(), Job::Taken));
        key.public().verify(b"other", &sig).unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn signature_jobs_on_the_pool_give_valid_signatures() {
        let key = Arc::new(KeyPair::generate(Algorithm::Sm2Sm3).unwrap());
        let jobs: Vec<(Vec<u8>, SignJob)> = (0..32)
            .map(|i| {
                let msg = format!("licence {i}").into_bytes();
                (msg.clone(), SignJob::start(key.clone(), msg))
            })
            .collect();
        for (msg, job) in jobs {
            let sig = job.wait().unwrap();
            key.public().verify(&msg, &sig).unwrap();
        }
        // A job that the pool already finished is just taken.
        let job = SignJob::queued(key.clone(), b"done".to_vec());
        run_sign_job(&job.0);
        assert!(matches!(*job.0.0.lock().unwrap(), Job::Done(_)));
        let sig = job.wait().unwrap();
        key.public().verify(b"done", &sig).unwrap();
    }

    #[test]
    fn regions_nest_by_their_code() {
        assert!(within_region("350582", "350582"));
        assert!(within_region("350582", "350500"));
        assert!(within_region("350582", "350000"));
        assert!(!within_region("350500", "350582"));
        assert!(!within_region("350583", "350582"));
        assert!(!within_region("360582", "350000"));
        assert!(!within_region("", "350000"));
    }

    #[test]
    fn the_identifier_is_found_in_what_a_verifier_scans() {
        let id = "1.2.156.3005.2.11100000000013127D001.11350500003010052X.2026000001.001.K";
        assert_eq!(identifier_in(id), id);
        assert_eq!(identifier_in(&format!("  {id} ")), id);
        assert_eq!(
            identifier_in(&format!("http://x.gov.cn/licenses/verify?q={id}")),
            id
        );
        assert_eq!(
            identifier_in(&format!(
                "http://x.gov.cn/licenses/verify?lang=en&q={id}&x=1"
            )),
            id
        );
        assert_eq!(identifier_in(&format!("/licenses/verify?id={id}")), id);
    }
}
