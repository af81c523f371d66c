//! Extractors that tell a handler who is calling.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use onewindow_app::{AppError, Ctx, CurrentUser};

use crate::error::WebError;
use crate::i18n::{Lang, Tr};
use crate::middleware::{ClientAddr, RequestId, Staff};

/// Anyone: a citizen or a logged-in staff member.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Staff identity, if logged in.
    pub staff: Option<Staff>,
    /// Request id.
    pub request_id: String,
    /// Client address.
    pub addr: Option<String>,
    /// UI language.
    pub lang: Lang,
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Caller {
            staff: parts.extensions.get::<Staff>().cloned(),
            request_id: parts
                .extensions
                .get::<RequestId>()
                .map(|r| r.0.clone())
                .unwrap_or_default(),
            addr: parts
                .extensions
                .get::<ClientAddr>()
                .and_then(|a| a.0.clone()),
            lang: parts.extensions.get::<Lang>().copied().unwrap_or_default(),
        })
    }
}

impl Caller {
    /// Use-case context for this caller.
    pub fn ctx(&self) -> Ctx {
        match &self.staff {
            Some(s) => Ctx::staff(
                s.user.clone(),
                Some(self.request_id.clone()),
                self.addr.clone(),
            ),
            None => Ctx::anonymous(Some(self.request_id.clone()), self.addr.clone()),
        }
    }

    /// Translator.
    pub fn tr(&self) -> Tr {
        Tr { lang: self.lang }
    }

    /// The logged-in user.
    pub fn user(&self) -> Option<&CurrentUser> {
        self.staff.as_ref().map(|s| &s.user)
    }

    /// Check a form's CSRF token against the session's.
    pub fn check_csrf(&self, submitted: &str) -> Result<(), WebError> {
        match self.staff.as_ref().and_then(|s| s.csrf.as_deref()) {
            Some(expected) if constant_time_eq(expected, submitted) => Ok(()),
            _ => Err(WebError::csrf()),
        }
    }

    /// The session CSRF token (empty when not logged in).
    pub fn csrf(&self) -> String {
        self.staff
            .as_ref()
            .and_then(|s| s.csrf.clone())
            .unwrap_or_default()
    }
}

pub use onewindow_app::auth::constant_time_eq;

/// A logged-in staff member on an HTML page; anonymous visitors are redirected to the login
/// page (and come back afterwards).
#[derive(Debug, Clone)]
pub struct StaffPage(pub Caller);

/// Rejection of [`StaffPage`].
pub enum StaffPageRejection {
    /// Not logged in.
    Login(String),
    /// Other failure.
    Error(WebError),
}

impl IntoResponse for StaffPageRejection {
    fn into_response(self) -> Response {
        match self {
            StaffPageRejection::Login(next) => {
                Redirect::to(&format!("/login?next={}", urlencode(&next))).into_response()
            }
            StaffPageRejection::Error(e) => e.into_response(),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for StaffPage {
    type Rejection = StaffPageRejection;

    async fn from_request_parts(parts: &mut Parts, s: &S) -> Result<Self, Self::Rejection> {
        let c = Caller::from_request_parts(parts, s)
            .await
            .map_err(StaffPageRejection::Error)?;
        if c.staff.is_none() {
            let next = parts
                .uri
                .path_and_query()
                .map(|p| p.as_str().to_string())
                .unwrap_or_else(|| "/staff".into());
            return Err(StaffPageRejection::Login(next));
        }
        Ok(StaffPage(c))
    }
}

/// A staff member calling the JSON API (session cookie or bearer token). Mutating requests
/// authenticated by cookie must carry the session's CSRF token in `x-csrf-token`.
#[derive(Debug, Clone)]
pub struct StaffApi(pub Caller);

impl<S: Send + Sync> FromRequestParts<S> for StaffApi {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, s: &S) -> Result<Self, Self::Rejection> {
        let c = Caller::from_request_parts(parts, s).await?;
        let Some(staff) = &c.staff else {
            return Err(AppError::Unauthenticated.into());
        };
        let safe = matches!(parts.method.as_str(), "GET" | "HEAD" | "OPTIONS");
        if !safe && let Some(expected) = &staff.csrf {
            let got = parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !constant_time_eq(expected, got) {
                return Err(WebError::csrf());
            }
        }
        Ok(StaffApi(c))
    }
}

/// Minimal percent-encoding for a URL query value.
pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Only same-site relative paths are accepted as a post-login destination.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/staff".to_string(),
    }
}
