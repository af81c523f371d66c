//! Staff login and logout.
//!
//! The login form is protected by a double-submit CSRF cookie (there is no session yet); every
//! later form uses the session's own CSRF token. The session cookie is `HttpOnly`,
//! `SameSite=Lax`, and `Secure` when configured.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use onewindow_app::auth;
use serde::Deserialize;

use crate::AppState;
use crate::caller::{Caller, constant_time_eq, safe_next};
use crate::error::{Form, Query, WebError};
use crate::middleware::{ANON_CSRF_COOKIE, SESSION_COOKIE, cookie};
use crate::pages::layout::Layout;
use crate::pages::{form_error, render};

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_form).post(login_submit))
        .route("/logout", post(logout))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    l: Layout,
    next: String,
    username: String,
    anon_csrf: String,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

/// The double-submit CSRF token of a form used before there is a session: the one in the
/// `name` cookie, or a fresh one (`true`: set the cookie).
pub(crate) fn anon_token_in(headers: &HeaderMap, name: &str) -> (String, bool) {
    match cookie(headers, name).filter(|v| v.len() == 48) {
        Some(v) => (v.to_string(), false),
        None => {
            let mut b = [0u8; 24];
            let _ = getrandom::fill(&mut b);
            (hex::encode(b), true)
        }
    }
}

fn anon_token(headers: &HeaderMap) -> (String, bool) {
    anon_token_in(headers, ANON_CSRF_COOKIE)
}

/// The cookie `name` carrying a pre-session CSRF token, sent back only to `path`.
pub(crate) fn anon_cookie_in(
    name: &str,
    path: &str,
    token: &str,
    secure: bool,
) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!(
        "{name}={token}; Path={path}; HttpOnly; SameSite=Strict{}",
        if secure { "; Secure" } else { "" }
    ))
    .ok()
}

/// Whether a form's pre-session CSRF token matches its double-submit cookie `name`.
pub(crate) fn anon_csrf_ok_in(headers: &HeaderMap, name: &str, submitted: &str) -> bool {
    let expected = cookie(headers, name).unwrap_or("");
    !expected.is_empty() && constant_time_eq(expected, submitted)
}

fn anon_cookie(token: &str, secure: bool) -> Option<HeaderValue> {
    anon_cookie_in(ANON_CSRF_COOKIE, "/login", token, secure)
}

fn login_page(
    st: &AppState,
    c: &Caller,
    headers: &HeaderMap,
    next: String,
    username: String,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let (token, fresh) = anon_token(headers);
    let page = LoginPage {
        l: Layout::new(c, &st.web.site_name, "/login", "login.title").with_error(error),
        next,
        username,
        anon_csrf: token.clone(),
    };
    let mut resp = (status, render(&page)?).into_response();
    if fresh && let Some(v) = anon_cookie(&token, st.web.cookie_secure) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(resp)
}

async fn login_form(
    State(st): State<AppState>,
    c: Caller,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Result<Response, WebError> {
    if c.staff.is_some() {
        return Ok(Redirect::to(&safe_next(q.next.as_deref())).into_response());
    }
    login_page(
        &st,
        &c,
        &headers,
        safe_next(q.next.as_deref()),
        String::new(),
        None,
        StatusCode::OK,
    )
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    next: Option<String>,
    #[serde(default)]
    csrf: String,
}

async fn login_submit(
    State(st): State<AppState>,
    c: Caller,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Result<Response, WebError> {
    let next = safe_next(f.next.as_deref());
    if !anon_csrf_ok_in(&headers, ANON_CSRF_COOKIE, &f.csrf) {
        let e = form_error(WebError::csrf(), c.tr())?;
        return login_page(
            &st,
            &c,
            &headers,
            next,
            f.username,
            Some(e),
            StatusCode::FORBIDDEN,
        );
    }
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    match auth::login(&st.app, &c.ctx(), &f.username, &f.password, ua).await {
        Ok(out) => {
            let max_age = (out.expires_at - chrono::Utc::now()).num_seconds().max(0);
            let cookie = format!(
                "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
                out.token,
                if st.web.cookie_secure { "; Secure" } else { "" }
            );
            let mut resp = Redirect::to(&next).into_response();
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                resp.headers_mut().append(header::SET_COOKIE, v);
            }
            Ok(resp)
        }
        Err(e) => {
            let e: WebError = e.into();
            let status = e.status;
            let msg = form_error(e, c.tr())?;
            login_page(&st, &c, &headers, next, f.username, Some(msg), status)
        }
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn logout(
    State(st): State<AppState>,
    c: Caller,
    Form(f): Form<CsrfForm>,
) -> Result<Response, WebError> {
    if let Some(token) = c.staff.as_ref().and_then(|s| s.session_token.clone()) {
        c.check_csrf(&f.csrf)?;
        auth::logout(&st.app, &c.ctx(), &token).await?;
    }
    let mut resp = Redirect::to("/").into_response();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"
    )) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(resp)
}
