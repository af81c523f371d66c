//! Server-rendered HTML pages, one module per area.

pub mod admin;
pub mod applicant;
pub mod cases;
pub mod catalog_admin;
pub mod guide;
pub mod layout;
pub mod licenses;
pub mod login;
pub mod public;
pub mod reports;
pub mod requests;
pub mod staff;
pub mod xxgk;

use axum::Router;
use axum::response::{Html, IntoResponse, Response};

use crate::AppState;
use crate::error::WebError;

/// All page routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(public::router())
        .merge(guide::router())
        .merge(catalog_admin::router())
        .merge(cases::router())
        .merge(applicant::router())
        .merge(requests::router())
        .merge(xxgk::router())
        .merge(reports::router())
        .merge(login::router())
        .merge(staff::router())
        .merge(admin::router())
        .merge(licenses::router())
}

/// Render a template into a response.
pub fn render<T: askama::Template>(t: &T) -> Result<Response, WebError> {
    match t.render() {
        Ok(html) => Ok(Html(html).into_response()),
        Err(e) => Err(onewindow_app::AppError::Unexpected(anyhow::anyhow!("template: {e}")).into()),
    }
}

/// Render a template, or the error as a banner on it when `result` failed with a 4xx.
pub fn form_error(e: WebError, tr: crate::i18n::Tr) -> Result<String, WebError> {
    if e.status.is_client_error() {
        Ok(if tr.en() { e.info.en } else { e.info.zh })
    } else {
        Err(e)
    }
}

/// A moment in China Standard Time (UTC+8), `YYYY-MM-DD HH:MM`, for templates:
/// `{{ crate::pages::local_time(e.at) }}`. Stored times are UTC; staff and applicants read
/// local time.
pub fn local_time(t: &chrono::DateTime<chrono::Utc>) -> String {
    onewindow_app::auth::cst(*t)
}

/// Why a day was not counted towards a time limit, in the page's language (the kind of a pause
/// by its `pause.*` label).
pub fn not_counted(tr: &crate::i18n::Tr, n: &onewindow_domain::case::clock::NotCounted) -> String {
    use onewindow_domain::case::clock::NotCountedReason;
    match &n.reason {
        NotCountedReason::Off { reason } => {
            if tr.en() {
                reason.en()
            } else {
                reason.zh()
            }
        }
        NotCountedReason::Paused { kind } => {
            let kind = tr.code("pause", kind.as_str());
            if tr.en() {
                format!("clock stopped ({kind})")
            } else {
                format!("{kind}（暂停计时）")
            }
        }
    }
}

/// Form fields of the HTML pages, as submitted (`application/x-www-form-urlencoded`).
pub(crate) type Fields = std::collections::HashMap<String, String>;

/// A form field, trimmed (`""` when absent).
pub(crate) fn field<'a>(f: &'a Fields, k: &str) -> &'a str {
    f.get(k).map(|s| s.trim()).unwrap_or("")
}

/// A form field, trimmed, `None` when absent or blank.
pub(crate) fn opt(f: &Fields, k: &str) -> Option<String> {
    Some(field(f, k).to_string()).filter(|s| !s.is_empty())
}

/// A 4xx naming the field, in both languages.
pub(crate) fn bad(field: &'static str, zh: &str, en: &str) -> WebError {
    onewindow_app::AppError::Domain(onewindow_domain::DomainError::field(
        field,
        zh.to_string(),
        en.to_string(),
    ))
    .into()
}

/// The media type of DOCX files.
pub const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// A file download: its media type, an ASCII file name (other characters become `_`), and
/// `nosniff`.
pub fn attachment(media_type: &str, filename: &str, bytes: Vec<u8>) -> Response {
    use axum::http::header;
    let ascii: String = filename
        .chars()
        .map(|ch| {
            if ch.is_ascii_alphanumeric() || ch == '.' || ch == '-' {
                ch
            } else {
                '_'
            }
        })
        .collect();
    (
        [
            (header::CONTENT_TYPE, media_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{ascii}\""),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        bytes,
    )
        .into_response()
}
