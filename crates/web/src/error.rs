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
            AppError::Unavailable { en, .. } => {
                tracing::warn!(reason = %en, "service part unavailable");
                StatusCode::SERVICE_UNAVAILABLE
            }
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
        let (zh, en) = explain(&r.body_text());
        WebError::bad_request(
            "invalid_json",
            None,
            format!("请求体不是有效的 JSON 或字段不符合要求：{zh}"),
            format!("the request body is not valid JSON for this endpoint: {en}"),
        )
    }
}

impl From<axum::extract::rejection::FormRejection> for WebError {
    fn from(r: axum::extract::rejection::FormRejection) -> Self {
        let (zh, en) = explain(&r.body_text());
        WebError::bad_request(
            "invalid_form",
            None,
            format!("表单内容不完整或格式错误：{zh}"),
            format!("the form is incomplete or malformed: {en}"),
        )
    }
}

impl From<axum::extract::rejection::QueryRejection> for WebError {
    fn from(r: axum::extract::rejection::QueryRejection) -> Self {
        let (zh, en) = explain(&r.body_text());
        WebError::bad_request(
            "invalid_query",
            None,
            format!("查询参数格式错误：{zh}"),
            format!("malformed query parameters: {en}"),
        )
    }
}

/// A rejection's text (serde's, through axum) said in both languages: the field it names and
/// what is wrong with it, in Chinese without the parser's English; the English keeps the
/// parser's detail, without axum's "Failed to deserialize …" preamble.
fn explain(text: &str) -> (String, String) {
    const PREAMBLES: [&str; 5] = [
        "Failed to deserialize the JSON body into the target type: ",
        "Failed to deserialize form body: ",
        "Failed to deserialize query string: ",
        "Failed to parse the request body as JSON: ",
        "Failed to deserialize form: ",
    ];
    let detail = PREAMBLES
        .iter()
        .find_map(|p| text.strip_prefix(p))
        .unwrap_or(text)
        .trim();
    // serde_json adds " at line L column C"; it means nothing to a person filling a form.
    let detail = match detail.rfind(" at line ") {
        Some(i) if detail[i..].contains(" column ") => &detail[..i],
        _ => detail,
    };
    let quoted = |s: &str| s.split('`').nth(1).map(str::to_string).unwrap_or_default();
    let zh = if text.contains("Content-Type") {
        "请求须为 JSON（Content-Type: application/json）".to_string()
    } else if text.starts_with("Failed to parse the request body as JSON") {
        "JSON 语法错误".to_string()
    } else if let Some(rest) = detail.strip_prefix("missing field ") {
        format!("缺少必填字段“{}”", quoted(rest))
    } else if let Some((field, what)) = detail
        .split_once(": ")
        .filter(|(f, _)| !f.is_empty() && !f.contains(' '))
    {
        if let Some(rest) = what.strip_prefix("unknown variant ") {
            format!("字段“{field}”的取值“{}”无效", quoted(rest))
        } else if let Some(rest) = what.strip_prefix("missing field ") {
            format!("“{field}”中缺少必填字段“{}”", quoted(rest))
        } else {
            format!("字段“{field}”的值格式不正确")
        }
    } else if detail.starts_with("unknown field ") {
        format!("不认识的字段“{}”", quoted(detail))
    } else {
        "内容格式不正确".to_string()
    };
    (zh, detail.to_string())
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

#[cfg(test)]
mod tests {
    use super::explain;

    #[test]
    fn rejections_name_the_field_in_chinese_without_the_parsers_english() {
        let cases = [
            (
                "Failed to deserialize query string: limit: invalid digit found in string",
                "字段“limit”的值格式不正确",
                "limit: invalid digit found in string",
            ),
            (
                "Failed to deserialize form body: missing field `name`",
                "缺少必填字段“name”",
                "missing field `name`",
            ),
            (
                "Failed to deserialize the JSON body into the target type: value: invalid type: integer `123`, expected a string at line 1 column 12",
                "字段“value”的值格式不正确",
                "value: invalid type: integer `123`, expected a string",
            ),
            (
                "Failed to deserialize the JSON body into the target type: outcome: unknown variant `maybe`, expected one of `approve`, `refuse` at line 1 column 20",
                "字段“outcome”的取值“maybe”无效",
                "outcome: unknown variant `maybe`, expected one of `approve`, `refuse`",
            ),
            (
                "Failed to parse the request body as JSON: EOF while parsing an object at line 1 column 1",
                "JSON 语法错误",
                "EOF while parsing an object",
            ),
            (
                "Expected request with `Content-Type: application/json`",
                "请求须为 JSON（Content-Type: application/json）",
                "Expected request with `Content-Type: application/json`",
            ),
        ];
        for (text, zh, en) in cases {
            let (z, e) = explain(text);
            assert_eq!(z, zh, "{text}");
            assert_eq!(e, en, "{text}");
            assert!(!z.contains("Failed"), "{z}");
        }
    }
}
