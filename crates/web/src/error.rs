//! Errors at the HTTP boundary.
//!
//! Handlers return `Result<_, WebError>`. A `WebError` becomes a response carrying an
//! [`ErrorInfo`] extension and no body; the `render_errors` middleware then writes the body —
//! JSON `{code, message, field, request_id}` under `/api/`, an HTML page elsewhere — in the
//! user's language, with the request id. 5xx bodies are always opaque; their cause is logged once
//! here. Extractor rejections (malformed JSON, form or query) are converted to `WebError` so
//! that bad input gets a 400 with a clear message, never a plain-text English body.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use onewindow_app::AppError;
use onewindow_domain::DomainError;

/// What the error renderer needs to write the body.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    /// Stable code.
    pub code: &'static str,
    /// Chinese message.
    pub zh: String,
    /// English message.
    pub en: String,
    /// Field concerned.
    pub field: Option<&'static str>,
    /// Every problem of an invalid document (field path and messages).
    pub problems: Vec<onewindow_app::Problem>,
}

/// An error leaving a handler.
#[derive(Debug)]
pub struct WebError {
    /// HTTP status.
    pub status: StatusCode,
    /// Body parts.
    pub info: ErrorInfo,
}

impl WebError {
    /// A 400 with both messages.
    pub fn bad_request(
        code: &'static str,
        field: Option<&'static str>,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            info: ErrorInfo {
                code,
                zh: zh.into(),
                en: en.into(),
                field,
                problems: Vec::new(),
            },
        }
    }

    /// 404.
    pub fn not_found() -> Self {
        AppError::NotFound.into()
    }

    /// 405: the path exists but not with this method.
    pub fn method_not_allowed() -> Self {
        Self {
            status: StatusCode::METHOD_NOT_ALLOWED,
            info: ErrorInfo {
                code: "method_not_allowed",
                zh: "该地址不支持此请求方法".into(),
                en: "this address does not support the request method".into(),
                field: None,
                problems: Vec::new(),
            },
        }
    }

    /// 403 for a failed CSRF check.
    pub fn csrf() -> Self {
        Self {
            status: StatusCode::FORBIDDEN,
            info: ErrorInfo {
                code: "csrf_failed",
                zh: "表单已过期或来源无效，请刷新页面后重试".into(),
                en:
                    "the form expired or did not come from this site; reload the page and try again"
                        .into(),
                field: None,
                problems: Vec::new(),
            },
        }
    }
}

impl From<AppError> for WebError {
    fn from(e: AppError) -> Self {
        let status = match &e {
            AppError::Domain(DomainError::CalendarYearMissing { .. }) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            AppError::Domain(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthenticated | AppError::InvalidCredentials => StatusCode::UNAUTHORIZED,
            AppError::Locked { .. } => StatusCode::LOCKED,
            AppError::Disabled | AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::Invalid(_) => StatusCode::BAD_REQUEST,
            AppError::Unexpected(cause) => {
                // Logged once, here, with the full chain; the client sees only the request id.
                tracing::error!(error = ?cause, "unexpected error");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        let field = match &e {
            AppError::Domain(d) => d.field_name(),
            _ => None,
        };
        let problems = match &e {
            AppError::Invalid(p) => p.clone(),
            _ => Vec::new(),
        };
        Self {
            status,
            info: ErrorInfo {
                code: e.code(),
                zh: e.message(false),
                en: e.message(true),
                field,
                problems,
            },
        }
    }
}

impl From<DomainError> for WebError {
    fn from(e: DomainError) -> Self {
        AppError::Domain(e).into()
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let mut r = self.status.into_response();
        r.extensions_mut().insert(self.info);
        r
    }
}

impl From<axum::extract::rejection::JsonRejection> for WebError {
    fn from(r: axum::extract::rejection::JsonRejection) -> Self {
        WebError::bad_request(
            "invalid_json",
            None,
            format!("请求体不是有效的 JSON 或字段不符合要求：{}", r.body_text()),
            format!(
                "the request body is not valid JSON for this endpoint: {}",
                r.body_text()
            ),
        )
    }
}

impl From<axum::extract::rejection::FormRejection> for WebError {
    fn from(r: axum::extract::rejection::FormRejection) -> Self {
        WebError::bad_request(
            "invalid_form",
            None,
            format!("表单内容不完整或格式错误：{}", r.body_text()),
            format!("the form is incomplete or malformed: {}", r.body_text()),
        )
    }
}

impl From<axum::extract::rejection::QueryRejection> for WebError {
    fn from(r: axum::extract::rejection::QueryRejection) -> Self {
        WebError::bad_request(
            "invalid_query",
            None,
            format!("查询参数格式错误：{}", r.body_text()),
            format!("malformed query parameters: {}", r.body_text()),
        )
    }
}

impl From<axum::extract::rejection::PathRejection> for WebError {
    fn from(_: axum::extract::rejection::PathRejection) -> Self {
        WebError::not_found()
    }
}

/// `Json` whose rejection is a [`WebError`].
#[derive(axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(WebError))]
pub struct Json<T>(pub T);

impl<T: serde::Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// `Form` whose rejection is a [`WebError`].
#[derive(axum::extract::FromRequest)]
#[from_request(via(axum::Form), rejection(WebError))]
pub struct Form<T>(pub T);

/// `Query` whose rejection is a [`WebError`].
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(WebError))]
pub struct Query<T>(pub T);

/// `Path` whose rejection is a 404.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(WebError))]
pub struct Path<T>(pub T);
