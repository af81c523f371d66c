//! E-licence pages: public verification (identifier, QR link or uploaded file), the published
//! key set, the staff library (list, one licence with history, uses and status actions,
//! downloads) and the holder's wallet (我的证照) with the uses of each licence (用证记录).

use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use onewindow_app::licenses::{self, LicenseRow, LicenseView, Verification};
use onewindow_domain::license::StatusAction;
use onewindow_domain::org::Permission;
use serde::Deserialize;

use crate::AppState;
use crate::caller::{Caller, StaffPage};
use crate::error::{Form, Path, Query, WebError};
use crate::pages::layout::Layout;
use crate::pages::{Fields, bad, field, form_error, render};

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/licenses/verify", get(verify_page))
        .route(
            "/licenses/verify/file",
            post(verify_upload).layer(DefaultBodyLimit::max(2 * 1024 * 1024)),
        )
        .route("/.well-known/onewindow-keys.json", get(jwks))
        .route("/licenses", get(staff_list))
        .route("/licenses/{identifier}", get(staff_page))
        .route("/licenses/{identifier}/status", post(staff_status))
        .route("/licenses/{identifier}/pdf", get(staff_pdf))
        .route("/licenses/{identifier}/export", get(staff_export))
        .route("/my/licenses", get(wallet_page))
        .route("/my/licenses/{identifier}", get(holder_page))
        .route("/my/licenses/{identifier}/{format}", get(holder_download))
}

// ------------------------------------------------------------------------------------------
// Public verification

#[derive(Template)]
#[template(path = "license_verify.html")]
struct VerifyPage {
    l: Layout,
    q: String,
    result: Option<Verification>,
}

#[derive(Deserialize)]
struct VerifyQuery {
    #[serde(default)]
    q: String,
}

async fn verify_page(
    State(st): State<AppState>,
    c: Caller,
    Query(p): Query<VerifyQuery>,
) -> Result<Response, WebError> {
    let q = p.q.trim().to_string();
    let mut l = Layout::new(&c, &st.web.site_name, "/licenses/verify", "lic.verify");
    let result = if q.is_empty() {
        None
    } else if q.chars().count() > 500 {
        l = l.with_error(Some(
            c.tr()
                .pick("证照标识过长", "the identifier is too long")
                .to_string(),
        ));
        None
    } else {
        Some(licenses::verify(&st.app, &q).await?)
    };
    let code = match &result {
        Some(v) if v.result == "unknown" => StatusCode::NOT_FOUND,
        _ => StatusCode::OK,
    };
    let page = VerifyPage { l, q, result };
    Ok((code, render(&page)?).into_response())
}

async fn verify_upload(
    State(st): State<AppState>,
    c: Caller,
    mut mp: Multipart,
) -> Result<Response, WebError> {
    let mut bytes = Vec::new();
    while let Some(f) = mp.next_field().await.map_err(|_| {
        bad(
            "file",
            "上传内容无法读取",
            "file: the upload could not be read",
        )
    })? {
        if f.name() == Some("file") {
            bytes = f
                .bytes()
                .await
                .map_err(|_| {
                    bad(
                        "file",
                        "上传内容无法读取",
                        "file: the upload could not be read",
                    )
                })?
                .to_vec();
        }
    }
    if bytes.is_empty() {
        return Err(bad(
            "file",
            "请选择导出的电子证照文件",
            "file: choose an exported licence file",
        ));
    }
    let result = licenses::verify_upload(&st.app, &bytes).await?;
    let page = VerifyPage {
        l: Layout::new(&c, &st.web.site_name, "/licenses/verify", "lic.verify"),
        q: result.identifier.clone(),
        result: Some(result),
    };
    render(&page)
}

async fn jwks(State(st): State<AppState>) -> Result<Response, WebError> {
    let v = licenses::jwks(&st.app).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        v.to_string(),
    )
        .into_response())
}

// ------------------------------------------------------------------------------------------
// Staff

#[derive(Template)]
#[template(path = "license_list.html")]
struct ListPage {
    l: Layout,
    holder: String,
    status: String,
    rows: Vec<LicenseRow>,
    statuses: Vec<(&'static str, String)>,
}

#[derive(Deserialize)]
struct ListQuery {
    #[serde(default)]
    holder: String,
    #[serde(default)]
    status: String,
}

async fn staff_list(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    c.ctx().require_any(Permission::LookupApplicant)?;
    let status = q.status.trim();
    let (rows, err) = match licenses::list(
        &st.app,
        Some(q.holder.as_str()),
        Some(status).filter(|s| !s.is_empty()),
        200,
    )
    .await
    {
        Ok(r) => (r, None),
        Err(e) => (Vec::new(), Some(form_error(e.into(), c.tr())?)),
    };
    let page = ListPage {
        l: Layout::new(&c, &st.web.site_name, "/licenses", "lic.library").with_error(err),
        holder: q.holder.trim().to_string(),
        status: status.to_string(),
        rows,
        statuses: c.tr().options(
            "lic.status",
            onewindow_domain::license::LicenseStatus::ALL
                .iter()
                .map(|s| s.as_str()),
        ),
    };
    render(&page)
}

#[derive(Template)]
#[template(path = "license_page.html")]
struct LicensePage {
    l: Layout,
    v: LicenseView,
    qr: String,
    base: String,
    staff: bool,
    can_manage: bool,
    actions: Vec<(&'static str, String)>,
    csrf: String,
}

fn qr_of(st: &AppState, identifier: &str) -> String {
    onewindow_documents::qr_svg(&licenses::verify_url(&st.app, identifier)).unwrap_or_default()
}

async fn staff_view(
    st: &AppState,
    c: &Caller,
    identifier: &str,
    err: Option<WebError>,
    flash: Option<String>,
) -> Result<Response, WebError> {
    let ctx = c.ctx();
    let v = licenses::staff_view(&st.app, &ctx, identifier).await?;
    let (code, msg) = match err {
        Some(e) => (e.status, Some(form_error(e, c.tr())?)),
        None => (StatusCode::OK, None),
    };
    let base = format!("/licenses/{}", v.license.identifier);
    let mut l = Layout::new(c, &st.web.site_name, &base, "lic.license")
        .with_error(msg)
        .with_flash(flash);
    l.title = format!("{} {}", v.license.name, v.license.number);
    let can_manage = v.license.origin == "local"
        && ctx
            .user()
            .map(|u| u.grants.has(Permission::ManageLicenses))
            .unwrap_or(false);
    let page = LicensePage {
        qr: qr_of(st, &v.license.identifier),
        csrf: c.csrf(),
        l,
        base,
        staff: true,
        can_manage,
        actions: [
            StatusAction::Suspend,
            StatusAction::Reinstate,
            StatusAction::Revoke,
            StatusAction::Cancel,
        ]
        .iter()
        .filter(|a| v.status.apply(**a).is_ok())
        .map(|a| a.as_str())
        .chain((v.status == onewindow_domain::license::LicenseStatus::Valid).then_some("reissue"))
        .map(|a| (a, c.tr().code("lic.action", a)))
        .collect(),
        v,
    };
    Ok((code, render(&page)?).into_response())
}

async fn staff_page(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Path(identifier): Path<String>,
) -> Result<Response, WebError> {
    staff_view(&st, &c, &identifier, None, None).await
}

async fn staff_status(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Path(identifier): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, WebError> {
    c.check_csrf(field(&f, "csrf"))?;
    if field(&f, "action") == "reissue" {
        return match licenses::reissue(&st.app, &c.ctx(), &identifier, field(&f, "reason")).await {
            Ok(row) => Ok(Redirect::to(&format!("/licenses/{}", row.identifier)).into_response()),
            Err(e) => staff_view(&st, &c, &identifier, Some(e.into()), None).await,
        };
    }
    let action = match crate::api::licenses::parse_action(field(&f, "action")) {
        Ok(a) => a,
        Err(e) => return staff_view(&st, &c, &identifier, Some(e), None).await,
    };
    let version = field(&f, "version").parse::<i64>().ok();
    match licenses::change_status(
        &st.app,
        &c.ctx(),
        &identifier,
        action,
        field(&f, "reason"),
        version,
    )
    .await
    {
        Ok(row) => Ok(Redirect::to(&format!("/licenses/{}", row.identifier)).into_response()),
        Err(e) => staff_view(&st, &c, &identifier, Some(e.into()), None).await,
    }
}

fn pdf_response(st: &AppState, v: &LicenseView) -> Result<Response, WebError> {
    let bytes = licenses::pdf(&st.app, v)?;
    Ok(crate::pages::attachment(
        "application/pdf",
        &format!("{}.pdf", v.license.identifier),
        bytes,
    ))
}

fn export_response(v: &LicenseView) -> Result<Response, WebError> {
    let bytes = licenses::export_of(&v.license).and_then(|e| Ok(e.to_file_bytes()?))?;
    Ok(crate::pages::attachment(
        "application/json",
        &format!("{}.json", v.license.identifier),
        bytes,
    ))
}

async fn staff_pdf(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Path(identifier): Path<String>,
) -> Result<Response, WebError> {
    let v = licenses::staff_view(&st.app, &c.ctx(), &identifier).await?;
    pdf_response(&st, &v)
}

async fn staff_export(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Path(identifier): Path<String>,
) -> Result<Response, WebError> {
    let v = licenses::staff_view(&st.app, &c.ctx(), &identifier).await?;
    export_response(&v)
}

// ------------------------------------------------------------------------------------------
// Holder wallet

#[derive(Template)]
#[template(path = "my_licenses.html")]
struct WalletPage {
    l: Layout,
    who: String,
    list: Vec<LicenseView>,
    verified: bool,
}

async fn holder(
    st: &AppState,
    headers: &HeaderMap,
) -> Result<Option<onewindow_app::cases::ApplicantRow>, WebError> {
    crate::pages::applicant::current(st, headers).await
}

async fn wallet_page(
    State(st): State<AppState>,
    c: Caller,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let Some(who) = crate::pages::applicant::current(&st, &headers).await? else {
        return Ok(Redirect::to("/my/login").into_response());
    };
    let list = licenses::wallet(&st.app, &who).await?;
    let verified = who.verified_at.is_some();
    let page = WalletPage {
        l: Layout::new(&c, &st.web.site_name, "/my/licenses", "lic.wallet"),
        who: who.name,
        list,
        verified,
    };
    render(&page)
}

async fn holder_page(
    State(st): State<AppState>,
    c: Caller,
    headers: HeaderMap,
    Path(identifier): Path<String>,
) -> Result<Response, WebError> {
    let Some(who) = holder(&st, &headers).await? else {
        return Ok(Redirect::to("/my/login").into_response());
    };
    let v = licenses::holder_view(&st.app, &who, &identifier).await?;
    let base = format!("/my/licenses/{}", v.license.identifier);
    let mut l = Layout::new(&c, &st.web.site_name, &base, "lic.license");
    l.title = format!("{} {}", v.license.name, v.license.number);
    let page = LicensePage {
        qr: qr_of(&st, &v.license.identifier),
        csrf: String::new(),
        l,
        base,
        staff: false,
        can_manage: false,
        actions: Vec::new(),
        v,
    };
    render(&page)
}

/// The holder's own licence as PDF (`pdf`) or as the signed export file (`export`).
async fn holder_download(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path((identifier, format)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let Some(who) = holder(&st, &headers).await? else {
        return Ok(Redirect::to("/my/login").into_response());
    };
    let v = licenses::holder_view(&st.app, &who, &identifier).await?;
    match format.as_str() {
        "pdf" => pdf_response(&st, &v),
        "export" => export_response(&v),
        _ => Err(WebError::not_found()),
    }
}
