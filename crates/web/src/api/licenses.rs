//! The e-licence library as JSON: public verification (by identifier, QR payload or exported
//! file), the staff list and status changes, and the endpoint downstream libraries push to.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use onewindow_app::AppError;
use onewindow_app::licenses::{self, Received, SyncEvent};
use onewindow_domain::DomainError;
use onewindow_domain::license::StatusAction;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::api::dto::ErrorBody;
use crate::caller::StaffApi;
use crate::error::{Json, Path, Query, WebError};
use crate::pages::bad;

/// Verification query.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VerifyParams {
    /// The licence identifier (证照标识), or the text of its QR code.
    pub q: String,
}

/// What a verifier is told.
#[derive(Serialize, ToSchema)]
pub struct VerifyAnswer {
    /// `valid`, `suspended`, `revoked`, `cancelled`, `expired`, `unknown` or `bad_signature`.
    pub result: String,
    /// The result in Chinese.
    pub result_zh: String,
    /// The identifier (normalised).
    pub identifier: String,
    /// What was checked, for people.
    pub detail: Option<String>,
    /// Licence name.
    pub name: Option<String>,
    /// Holder (a person's name masked).
    pub holder: Option<String>,
    /// Holder code (a resident ID masked).
    pub holder_code: Option<String>,
    /// Issuer.
    pub issuer: Option<String>,
    /// Issue date.
    pub issued_on: Option<String>,
    /// End of validity (absent: 长期).
    pub valid_to: Option<String>,
    /// Why the status last changed.
    pub status_reason: Option<String>,
    /// When the status last changed (RFC 3339).
    pub status_at: Option<String>,
    /// Algorithm and key id of the signature checked.
    pub signature: Option<String>,
}

impl From<licenses::Verification> for VerifyAnswer {
    fn from(v: licenses::Verification) -> Self {
        Self {
            result: v.result,
            result_zh: v.result_zh,
            identifier: v.identifier,
            detail: v.detail,
            name: v.name,
            holder: v.holder,
            holder_code: v.holder_code,
            issuer: v.issuer,
            issued_on: v.issued_on.map(|d| d.to_string()),
            valid_to: v.valid_to.map(|d| d.to_string()),
            status_reason: v.status_reason,
            status_at: v.status_at.map(|t| t.to_rfc3339()),
            signature: v.signature,
        }
    }
}

/// Verify a licence by identifier or QR payload: its live status in this library and its
/// signature. Unknown identifiers answer `unknown` (200): the question was well formed.
#[utoipa::path(get, path = "/licenses/verify", tag = "licenses", params(VerifyParams),
    responses((status = 200, body = VerifyAnswer), (status = 400, body = ErrorBody)))]
pub async fn verify(
    State(st): State<AppState>,
    Query(p): Query<VerifyParams>,
) -> Result<Json<VerifyAnswer>, WebError> {
    if p.q.trim().is_empty() || p.q.chars().count() > 500 {
        return Err(bad(
            "q",
            "请输入证照标识或扫码内容（不超过 500 字符）",
            "q: the licence identifier or QR text, at most 500 characters",
        ));
    }
    Ok(Json(licenses::verify(&st.app, &p.q).await?.into()))
}

/// Verify an exported licence file (the body is the file): format, canonical form, signature
/// against the published keys, then the live status.
#[utoipa::path(post, path = "/licenses/verify", tag = "licenses",
    request_body(content = String, content_type = "application/json", description = "the exported licence file"),
    responses((status = 200, body = VerifyAnswer), (status = 400, body = ErrorBody)))]
pub async fn verify_file(
    State(st): State<AppState>,
    body: Bytes,
) -> Result<Json<VerifyAnswer>, WebError> {
    if body.is_empty() || body.len() > 1024 * 1024 {
        return Err(bad(
            "file",
            "请上传导出的电子证照文件（不超过 1 MB）",
            "file: the exported licence file, at most 1 MB",
        ));
    }
    match licenses::verify_upload(&st.app, &body).await {
        Ok(v) => Ok(Json(v.into())),
        // Not an export at all: the code of any other body that is not the JSON expected.
        Err(AppError::Domain(DomainError::Field(f))) if f.field == "file" => Err(
            WebError::bad_request("invalid_json", Some("file"), f.zh, f.en),
        ),
        Err(e) => Err(e.into()),
    }
}

/// Staff list query.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Holder's resident ID or unified social credit code.
    pub holder: Option<String>,
    /// Status (`valid`, `suspended`, `revoked`, `cancelled`, `expired`).
    pub status: Option<String>,
}

/// One licence in a list.
#[derive(Serialize, ToSchema)]
pub struct LicenseLine {
    /// 证照标识.
    pub identifier: String,
    /// 证照名称.
    pub name: String,
    /// 证照编号.
    pub number: String,
    /// Holder.
    pub holder_name: String,
    /// Holder code.
    pub holder_code: String,
    /// Issuer.
    pub issuer_name: String,
    /// Issue date.
    pub issued_on: String,
    /// Status.
    pub status: String,
    /// Version (for status changes).
    pub version: i64,
    /// `local` or the downstream library it came from.
    pub origin: String,
}

impl From<onewindow_app::licenses::LicenseRow> for LicenseLine {
    fn from(r: onewindow_app::licenses::LicenseRow) -> Self {
        Self {
            identifier: r.identifier,
            name: r.name,
            number: r.number,
            holder_name: r.holder_name,
            holder_code: r.holder_code,
            issuer_name: r.issuer_name,
            issued_on: r.issued_on.to_string(),
            status: r.status,
            version: r.version,
            origin: r.origin,
        }
    }
}

/// Licences held by an applicant (staff who look applicants up: intake clerks).
#[utoipa::path(get, path = "/licenses", tag = "licenses", params(ListParams),
    security(("bearer" = [])),
    responses((status = 200, body = [LicenseLine]), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(st): State<AppState>,
    StaffApi(c): StaffApi,
    Query(p): Query<ListParams>,
) -> Result<Json<Vec<LicenseLine>>, WebError> {
    c.ctx()
        .require_any(onewindow_domain::org::Permission::LookupApplicant)?;
    let rows = licenses::list(&st.app, p.holder.as_deref(), p.status.as_deref(), 500).await?;
    Ok(Json(rows.into_iter().map(LicenseLine::from).collect()))
}

/// A status change.
#[derive(Deserialize, ToSchema)]
pub struct StatusChange {
    /// `suspend`, `reinstate`, `revoke` or `cancel`.
    pub action: String,
    /// Why (required).
    pub reason: String,
    /// The version seen (a concurrent change answers 409).
    pub expected_version: Option<i64>,
}

/// Suspend (暂扣), reinstate, revoke (撤销) or cancel (注销) a licence: the issuing department's
/// leads. Verifiers see the new status at once.
#[utoipa::path(post, path = "/licenses/{identifier}/status", tag = "licenses",
    params(("identifier" = String, Path, description = "证照标识")),
    request_body = StatusChange, security(("bearer" = [])),
    responses((status = 200, body = LicenseLine), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn change_status(
    State(st): State<AppState>,
    StaffApi(c): StaffApi,
    Path(identifier): Path<String>,
    Json(b): Json<StatusChange>,
) -> Result<Json<LicenseLine>, WebError> {
    let action = parse_action(&b.action)?;
    let row = licenses::change_status(
        &st.app,
        &c.ctx(),
        &identifier,
        action,
        &b.reason,
        b.expected_version,
    )
    .await?;
    Ok(Json(row.into()))
}

/// A status action typed by a person (the expiry is the calendar's, not theirs).
pub fn parse_action(s: &str) -> Result<StatusAction, WebError> {
    match StatusAction::parse(s) {
        Some(a) if a != StatusAction::Expire => Ok(a),
        _ => Err(bad(
            "action",
            "操作应为 暂扣、恢复、撤销 或 注销",
            "action: suspend, reinstate, revoke or cancel",
        )),
    }
}

/// The receipt of a pushed event.
#[derive(Serialize, ToSchema)]
pub struct SyncReceipt {
    /// `applied` or `duplicate` (seen before: nothing changed).
    pub result: String,
}

/// Receive a licence or a status change from a downstream library (`Authorization: Bearer`
/// with the token configured for it in `license_downstream_tokens`). Idempotent per event id.
#[utoipa::path(post, path = "/licenses/sync", tag = "licenses",
    request_body(content = String, content_type = "application/json", description = "one licence event"),
    responses((status = 200, body = SyncReceipt), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn sync(
    State(st): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<SyncReceipt>, WebError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or("");
    let Some(source) = licenses::downstream_of(&st.app, token) else {
        return Err(onewindow_app::AppError::Unauthenticated.into());
    };
    let source = source.to_string();
    let ev: SyncEvent = serde_json::from_slice(&body).map_err(|e| {
        bad(
            "body",
            "推送内容不是有效的证照事件",
            &format!("body: not a licence event: {e}"),
        )
    })?;
    let r = licenses::receive(&st.app, &source, ev).await?;
    Ok(Json(SyncReceipt {
        result: match r {
            Received::Applied => "applied",
            Received::Duplicate => "duplicate",
        }
        .into(),
    }))
}

/// A re-issue.
#[derive(Deserialize, ToSchema)]
pub struct Reissue {
    /// Why (required).
    pub reason: String,
}

/// Re-issue (换发) a valid licence as a new version; the old version is cancelled.
#[utoipa::path(post, path = "/licenses/{identifier}/reissue", tag = "licenses",
    params(("identifier" = String, Path, description = "证照标识")),
    request_body = Reissue, security(("bearer" = [])),
    responses((status = 200, body = LicenseLine), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn reissue(
    State(st): State<AppState>,
    StaffApi(c): StaffApi,
    Path(identifier): Path<String>,
    Json(b): Json<Reissue>,
) -> Result<Json<LicenseLine>, WebError> {
    let row = licenses::reissue(&st.app, &c.ctx(), &identifier, &b.reason).await?;
    Ok(Json(row.into()))
}

/// One licence type of the 证照目录.
#[derive(Serialize, ToSchema)]
pub struct TypeLine {
    /// 证照类型代码 (21 characters).
    pub code: String,
    /// 证照类型名称.
    pub name: String,
    /// 证照定义机构.
    pub definer_name: String,
    /// `person`, `organisation` or `any`.
    pub holder_kind: String,
    /// Face fields: (key, label).
    pub fields: Vec<(String, String)>,
    /// Validity in years (absent: 长期).
    pub validity_years: Option<u32>,
}

/// The licence types this library issues (证照目录, GB/T 36902).
#[utoipa::path(get, path = "/licenses/types", tag = "licenses",
    responses((status = 200, body = [TypeLine])))]
pub async fn types(State(st): State<AppState>) -> Result<Json<Vec<TypeLine>>, WebError> {
    let t = licenses::types(&st.app).await?;
    Ok(Json(
        t.into_iter()
            .map(|t| TypeLine {
                code: t.code.as_str().to_string(),
                name: t.name,
                definer_name: t.definer_name,
                holder_kind: serde_json::to_value(t.holder_kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                fields: t.fields.into_iter().map(|f| (f.key, f.label)).collect(),
                validity_years: t.validity_years,
            })
            .collect(),
    ))
}

/// Add or change a licence type of the 证照目录 (catalog managers). The body is the type:
/// `{"code", "name", "definer_name", "holder_kind": "person|organisation|any", "fields":
/// [{"key": "KZ_…", "label", "source": {"from": "holder_name|holder_code|legal_rep|address|summary|case_no|item_name|fixed", "value"?}}],
/// "validity_years": N | null}`; the code must equal the path's.
#[utoipa::path(put, path = "/licenses/types/{code}", tag = "licenses",
    params(("code" = String, Path, description = "证照类型代码 (21 characters)")),
    request_body(content = String, content_type = "application/json", description = "the licence type"),
    security(("bearer" = [])),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn put_type(
    State(st): State<AppState>,
    StaffApi(c): StaffApi,
    Path(code): Path<String>,
    body: Bytes,
) -> Result<axum::http::StatusCode, WebError> {
    let t: onewindow_domain::license::LicenseType = serde_json::from_slice(&body).map_err(|e| {
        bad(
            "body",
            "证照类型内容无效",
            &format!("body: not a licence type: {e}"),
        )
    })?;
    if t.code.as_str() != code.trim().to_ascii_uppercase() {
        return Err(bad(
            "code",
            "路径中的证照类型代码与内容不一致",
            "code: the path and the body name different types",
        ));
    }
    licenses::save_type(&st.app, &c.ctx(), t).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
