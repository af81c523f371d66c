//! The applicant's own pages (网上办事大厅): register and log in with the 一号, apply online
//! with uploaded materials, follow one's cases and their notices, answer a one-time notice with
//! more files. The applicant session is separate from staff sessions (its own cookie).

use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use onewindow_app::applicants::{self, OnlineApplication, Registration, Upload};
use onewindow_app::cases::{self, ApplicantRow, CaseRow, FileRow, NoticeRow};
use onewindow_app::catalog::{ListFilter, VersionSummary};
use onewindow_app::{AppError, catalog};
use onewindow_domain::DomainError;
use onewindow_domain::case::state::{Delivery, MaterialCheck};
use serde::Deserialize;

use crate::AppState;
use crate::caller::{Caller, constant_time_eq};
use crate::error::{Form, Path, Query, WebError};
use crate::middleware::cookie;
use crate::pages::cases::{NoticePage, plan_of};
use crate::pages::layout::Layout;
use crate::pages::{form_error, render};

/// Applicant session cookie.
pub const APPLICANT_COOKIE: &str = "ow_applicant";
/// Double-submit CSRF cookie of the register and login forms.
const APPLICANT_CSRF_COOKIE: &str = "ow_acsrf";
/// Largest request accepted by the upload forms.
const UPLOAD_LIMIT: usize = 60 * 1024 * 1024;

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/my", get(home))
        .route("/my/login", get(login_page).post(login_submit))
        .route("/my/register", post(register_submit))
        .route("/my/logout", post(logout))
        .route(
            "/my/apply",
            get(apply_page)
                .post(apply_submit)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/my/cases/{id}", get(case_page))
        .route(
            "/my/cases/{id}/resubmit",
            post(resubmit).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/my/cases/{id}/notices/{nid}", get(notice_page))
}

struct Me {
    who: ApplicantRow,
    csrf: String,
}

async fn me(st: &AppState, headers: &HeaderMap) -> Result<Option<Me>, WebError> {
    let Some(token) = cookie(headers, APPLICANT_COOKIE) else {
        return Ok(None);
    };
    Ok(applicants::session(&st.app, token)
        .await?
        .map(|(who, csrf)| Me { who, csrf }))
}

/// The applicant logged in on this request, if any.
pub(crate) async fn current(
    st: &AppState,
    headers: &HeaderMap,
) -> Result<Option<ApplicantRow>, WebError> {
    Ok(me(st, headers).await?.map(|m| m.who))
}

fn to_login() -> Response {
    Redirect::to("/my/login").into_response()
}

fn check(me: &Me, submitted: &str) -> Result<(), WebError> {
    if constant_time_eq(&me.csrf, submitted) {
        Ok(())
    } else {
        Err(WebError::csrf())
    }
}

// ------------------------------------------------------------------------------------------
// Login and registration

#[derive(Template)]
#[template(path = "my_login.html")]
struct LoginPage {
    l: Layout,
    token: String,
}

fn anon_token(headers: &HeaderMap) -> (String, bool) {
    crate::pages::login::anon_token_in(headers, APPLICANT_CSRF_COOKIE)
}

fn login_view(
    st: &AppState,
    c: &Caller,
    headers: &HeaderMap,
    err: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let (token, fresh) = anon_token(headers);
    let page = LoginPage {
        l: Layout::new(c, &st.web.site_name, "/my/login", "my.login").with_error(err),
        token: token.clone(),
    };
    let mut resp = (status, render(&page)?).into_response();
    if fresh
        && let Some(v) = crate::pages::login::anon_cookie_in(
            APPLICANT_CSRF_COOKIE,
            "/my",
            &token,
            st.web.cookie_secure,
        )
    {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(resp)
}

async fn login_page(
    State(st): State<AppState>,
    c: Caller,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    login_view(&st, &c, &headers, None, StatusCode::OK)
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    csrf: String,
    id_number: String,
    password: String,
}

fn anon_csrf_ok(headers: &HeaderMap, submitted: &str) -> bool {
    crate::pages::login::anon_csrf_ok_in(headers, APPLICANT_CSRF_COOKIE, submitted)
}

fn session_cookie(st: &AppState, token: &str, max_age: i64) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!(
        "{APPLICANT_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
        if st.web.cookie_secure { "; Secure" } else { "" }
    ))
    .ok()
}

/// The login/registration page again, with the error as its banner and status.
fn login_failed(
    st: &AppState,
    c: &Caller,
    headers: &HeaderMap,
    e: WebError,
) -> Result<Response, WebError> {
    let status = e.status;
    let msg = form_error(e, c.tr())?;
    login_view(st, c, headers, Some(msg), status)
}

/// Redirect to the applicant's home with the new session cookie.
fn logged_in(st: &AppState, out: &applicants::ApplicantLogin) -> Response {
    let max_age = (out.expires_at - chrono::Utc::now()).num_seconds().max(0);
    let mut resp = Redirect::to("/my").into_response();
    if let Some(v) = session_cookie(st, &out.token, max_age) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

async fn login_submit(
    State(st): State<AppState>,
    c: Caller,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Result<Response, WebError> {
    if !anon_csrf_ok(&headers, &f.csrf) {
        return login_failed(&st, &c, &headers, WebError::csrf());
    }
    match applicants::login(&st.app, &f.id_number, &f.password).await {
        Ok(out) => Ok(logged_in(&st, &out)),
        Err(e) => login_failed(&st, &c, &headers, e.into()),
    }
}

#[derive(Deserialize)]
struct RegisterForm {
    #[serde(default)]
    csrf: String,
    id_number: String,
    name: String,
    #[serde(default)]
    phone: String,
    password: String,
    #[serde(default)]
    activation: String,
}

async fn register_submit(
    State(st): State<AppState>,
    c: Caller,
    headers: HeaderMap,
    Form(f): Form<RegisterForm>,
) -> Result<Response, WebError> {
    if !anon_csrf_ok(&headers, &f.csrf) {
        return login_failed(&st, &c, &headers, WebError::csrf());
    }
    let r = applicants::register(
        &st.app,
        &c.ctx(),
        Registration {
            id_number: f.id_number.clone(),
            name: f.name,
            phone: Some(f.phone).filter(|p| !p.trim().is_empty()),
            password: f.password.clone(),
            activation: Some(f.activation).filter(|a| !a.trim().is_empty()),
        },
    )
    .await;
    match r {
        Ok(_) => {
            let out = applicants::login(&st.app, &f.id_number, &f.password).await?;
            Ok(logged_in(&st, &out))
        }
        Err(e) => login_failed(&st, &c, &headers, e.into()),
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn logout(
    State(st): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> Result<Response, WebError> {
    if let Some(m) = me(&st, &headers).await? {
        check(&m, &f.csrf)?;
        if let Some(token) = cookie(&headers, APPLICANT_COOKIE) {
            applicants::logout(&st.app, token).await?;
        }
    }
    let mut resp = Redirect::to("/").into_response();
    if let Some(v) = session_cookie(&st, "", 0) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(resp)
}

// ------------------------------------------------------------------------------------------
// Home, apply

#[derive(Template)]
#[template(path = "my_home.html")]
struct HomePage {
    l: Layout,
    who: ApplicantRow,
    csrf: String,
    cases: Vec<CaseRow>,
    bundles: Vec<(String, String)>,
    items: Vec<VersionSummary>,
}

async fn home(
    State(st): State<AppState>,
    c: Caller,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let Some(m) = me(&st, &headers).await? else {
        return Ok(to_login());
    };
    let cases = applicants::my_cases(&st.app, &m.who).await?;
    let bundles = cases::bundles(&st.app)
        .await?
        .into_iter()
        .map(|(r, _)| (r.code, r.name))
        .collect();
    let (items, _) = catalog::public_list(&st.app, &ListFilter::default(), 0, 200).await?;
    render(&HomePage {
        l: Layout::new(&c, &st.web.site_name, "/my", "my.title"),
        who: m.who,
        csrf: m.csrf,
        cases,
        bundles,
        items,
    })
}

#[derive(Template)]
#[template(path = "my_apply.html")]
struct ApplyPage {
    l: Layout,
    csrf: String,
    plan_key: String,
    materials: Vec<MaterialCheck>,
}

#[derive(Deserialize, Default)]
struct ApplyQuery {
    plan: Option<String>,
    item: Option<i64>,
}

async fn apply_view(
    st: &AppState,
    c: &Caller,
    m: &Me,
    plan_key: String,
    err: Option<WebError>,
) -> Result<Response, WebError> {
    let plan = plan_of(&plan_key)?;
    let (name, materials) = cases::checklist(&st.app, &plan).await?;
    let (code, msg) = match err {
        Some(e) => (e.status, Some(form_error(e, c.tr())?)),
        None => (StatusCode::OK, None),
    };
    let mut l = Layout::new(c, &st.web.site_name, "/my/apply", "my.apply").with_error(msg);
    l.title = format!("{} · {name}", l.title);
    Ok((
        code,
        render(&ApplyPage {
            l,
            csrf: m.csrf.clone(),
            plan_key,
            materials,
        })?,
    )
        .into_response())
}

async fn apply_page(
    State(st): State<AppState>,
    c: Caller,
    headers: HeaderMap,
    Query(q): Query<ApplyQuery>,
) -> Result<Response, WebError> {
    let Some(m) = me(&st, &headers).await? else {
        return Ok(to_login());
    };
    let key = match (q.plan, q.item) {
        (Some(p), _) => p,
        (None, Some(item)) => {
            let (_, g) = catalog::public_item(&st.app, item).await?;
            format!("item:{}", g.task_code)
        }
        _ => return Err(plan_of("").err().unwrap_or_else(WebError::not_found)),
    };
    apply_view(&st, &c, &m, key, None).await
}

/// Text fields and files of a multipart form.
pub(crate) struct Parts {
    pub(crate) fields: std::collections::HashMap<String, String>,
    /// (field name, file name, bytes) of every non-empty file.
    pub(crate) files: Vec<(String, String, Vec<u8>)>,
}

pub(crate) fn multipart_error(e: impl std::fmt::Display) -> WebError {
    AppError::Domain(DomainError::field(
        "files",
        format!("上传内容无法读取：{e}"),
        format!("files: the upload could not be read: {e}"),
    ))
    .into()
}

pub(crate) async fn read_parts(mut mp: Multipart) -> Result<Parts, WebError> {
    let mut fields = std::collections::HashMap::new();
    let mut files = Vec::new();
    while let Some(field) = mp.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or("").to_string();
        match field.file_name().map(str::to_string) {
            Some(filename) => {
                let bytes = field.bytes().await.map_err(multipart_error)?;
                if !bytes.is_empty() {
                    files.push((name, filename, bytes.to_vec()));
                }
            }
            None => {
                let text = field.text().await.map_err(multipart_error)?;
                fields.insert(name, text);
            }
        }
    }
    Ok(Parts { fields, files })
}

/// Files named `file{i}` belong to the material in the field `mat{i}`.
fn uploads_of(p: &Parts) -> Vec<Upload> {
    p.files
        .iter()
        .filter_map(|(name, filename, bytes)| {
            let i = name.strip_prefix("file")?;
            let material = p.fields.get(&format!("mat{i}"))?.clone();
            Some(Upload {
                material,
                filename: filename.clone(),
                bytes: bytes.clone(),
            })
        })
        .collect()
}

async fn apply_submit(
    State(st): State<AppState>,
    c: Caller,
    headers: HeaderMap,
    mp: Multipart,
) -> Result<Response, WebError> {
    let Some(m) = me(&st, &headers).await? else {
        return Ok(to_login());
    };
    let p = read_parts(mp).await?;
    let get = |k: &str| {
        p.fields
            .get(k)
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    check(&m, &get("csrf"))?;
    let plan_key = get("plan");
    let r = async {
        let app = OnlineApplication {
            plan: plan_of(&plan_key)?,
            uploads: uploads_of(&p),
            delivery: Delivery::parse(&get("delivery")).unwrap_or(Delivery::Window),
            delivery_address: Some(get("delivery_address")).filter(|s| !s.is_empty()),
            legal_rep: Some(get("legal_rep")).filter(|s| !s.is_empty()),
            summary: get("summary"),
        };
        Ok::<_, WebError>(applicants::apply(&st.app, &c.ctx(), &m.who, app).await?)
    }
    .await;
    match r {
        Ok((case, _)) => Ok(Redirect::to(&format!("/my/cases/{}", case.id)).into_response()),
        Err(e) if plan_of(&plan_key).is_ok() => apply_view(&st, &c, &m, plan_key, Some(e)).await,
        Err(e) => Err(e),
    }
}

// ------------------------------------------------------------------------------------------
// Own cases

#[derive(Template)]
#[template(path = "my_case.html")]
struct CasePage {
    l: Layout,
    csrf: String,
    case: CaseRow,
    notices: Vec<NoticeRow>,
    files: Vec<FileRow>,
    materials: Vec<MaterialCheck>,
}

async fn case_view(
    st: &AppState,
    c: &Caller,
    m: &Me,
    id: i64,
    flash: Option<String>,
    err: Option<WebError>,
) -> Result<Response, WebError> {
    let (case, notices, files) = applicants::my_case(&st.app, &m.who, id).await?;
    let materials: Vec<MaterialCheck> = serde_json::from_str(&case.materials).unwrap_or_default();
    let (code, msg) = match err {
        Some(e) => (e.status, Some(form_error(e, c.tr())?)),
        None => (StatusCode::OK, None),
    };
    let mut l = Layout::new(c, &st.web.site_name, &format!("/my/cases/{id}"), "my.case")
        .with_error(msg)
        .with_flash(flash);
    l.title = format!("{} {}", case.name, case.case_no);
    Ok((
        code,
        render(&CasePage {
            l,
            csrf: m.csrf.clone(),
            case,
            notices,
            files,
            materials,
        })?,
    )
        .into_response())
}

async fn case_page(
    State(st): State<AppState>,
    c: Caller,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let Some(m) = me(&st, &headers).await? else {
        return Ok(to_login());
    };
    case_view(&st, &c, &m, id, None, None).await
}

async fn resubmit(
    State(st): State<AppState>,
    c: Caller,
    headers: HeaderMap,
    Path(id): Path<i64>,
    mp: Multipart,
) -> Result<Response, WebError> {
    let Some(m) = me(&st, &headers).await? else {
        return Ok(to_login());
    };
    let p = read_parts(mp).await?;
    check(&m, p.fields.get("csrf").map(|s| s.as_str()).unwrap_or(""))?;
    match applicants::resubmit(&st.app, &c.ctx(), &m.who, id, uploads_of(&p)).await {
        Ok(n) => {
            let msg = if c.tr().en() {
                format!("{n} file(s) received")
            } else {
                format!("已收到 {n} 个文件")
            };
            case_view(&st, &c, &m, id, Some(msg), None).await
        }
        Err(e) => case_view(&st, &c, &m, id, None, Some(e.into())).await,
    }
}

async fn notice_page(
    State(st): State<AppState>,
    c: Caller,
    headers: HeaderMap,
    Path((id, nid)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    let Some(m) = me(&st, &headers).await? else {
        return Ok(to_login());
    };
    let (_, notices, _) = applicants::my_case(&st.app, &m.who, id).await?;
    let n = notices
        .into_iter()
        .find(|n| n.id == nid)
        .ok_or(AppError::NotFound)?;
    let body = cases::notice_content(&n)?;
    let mut l = Layout::new(
        &c,
        &st.web.site_name,
        &format!("/my/cases/{id}"),
        "cases.notice",
    );
    l.title = body.title.clone();
    render(&NoticePage {
        l,
        n: body,
        back_href: format!("/my/cases/{id}"),
        docx_href: String::new(),
    })
}
