//! Request pipeline: request id, language, session/token resolution, error rendering, metrics.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use onewindow_app::{AppError, CurrentUser, auth};

use crate::AppState;
use crate::error::ErrorInfo;
use crate::i18n::{Lang, Tr};
use crate::pages::layout::ErrorPage;

/// The request id: taken from a sane incoming `x-request-id`, otherwise generated.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The client's address, when known.
#[derive(Debug, Clone)]
pub struct ClientAddr(pub Option<String>);

/// A resolved staff identity.
#[derive(Debug, Clone)]
pub struct Staff {
    /// The user.
    pub user: CurrentUser,
    /// CSRF token of the session (`None` for API tokens, which need none).
    pub csrf: Option<String>,
    /// Session cookie value (for logout).
    pub session_token: Option<String>,
}

/// Cookie names.
pub const SESSION_COOKIE: &str = "ow_session";
/// Anonymous double-submit CSRF cookie (login form).
pub const ANON_CSRF_COOKIE: &str = "ow_csrf";
/// Language cookie.
pub const LANG_COOKIE: &str = "ow_lang";

/// Value of a cookie in the request.
pub fn cookie<'a>(req_headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    req_headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|s| s.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn new_request_id() -> String {
    let mut b = [0u8; 8];
    if getrandom::fill(&mut b).is_err() {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        return format!("{t:016x}");
    }
    hex::encode(b)
}

/// Outermost layer: request id, client address, language, timing, metrics, log line.
pub async fn request_context(State(st): State<AppState>, mut req: Request, next: Next) -> Response {
    let start = Instant::now();
    let rid = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|s| {
            !s.is_empty()
                && s.len() <= 64
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        .map(str::to_string)
        .unwrap_or_else(new_request_id);
    let addr = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string());
    // Language: ?lang= (remembered in a cookie), then the cookie, then the configured default
    // (Chinese). Pages do not follow the browser's Accept-Language: a government site is Chinese
    // unless the visitor chooses English. API clients may ask for English by Accept-Language.
    let is_api = req.uri().path().starts_with("/api/");
    let query_lang = req.uri().query().and_then(|q| {
        q.split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == "lang")
            .and_then(|(_, v)| Lang::parse(v))
    });
    let lang = query_lang
        .or_else(|| cookie(req.headers(), LANG_COOKIE).and_then(Lang::parse))
        .or_else(|| {
            if !is_api {
                return None;
            }
            req.headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .filter(|v| v.trim_start().to_ascii_lowercase().starts_with("en"))
                .map(|_| Lang::En)
        })
        .unwrap_or(st.web.default_lang);
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string());
    req.extensions_mut().insert(RequestId(rid.clone()));
    req.extensions_mut().insert(ClientAddr(addr));
    req.extensions_mut().insert(lang);

    let span =
        tracing::info_span!("request", request.id = %rid, http.method = %method, http.path = %path);
    let mut resp = {
        use tracing::Instrument;
        next.run(req).instrument(span.clone()).await
    };

    let status = resp.status();
    if let Ok(v) = HeaderValue::from_str(&rid) {
        resp.headers_mut().insert("x-request-id", v);
    }
    if let Some(l) = query_lang {
        let c = format!(
            "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
            l.tag()
        );
        if let Ok(v) = HeaderValue::from_str(&c) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    let elapsed = start.elapsed();
    let route_label = route.unwrap_or_else(|| {
        if status.as_u16() == 404 {
            "<unmatched>".into()
        } else {
            path.clone()
        }
    });
    st.metrics
        .observe(method.as_str(), &route_label, status.as_u16(), elapsed);
    let _g = span.enter();
    if status.is_server_error() {
        tracing::warn!(
            http.status = status.as_u16(),
            elapsed_ms = elapsed.as_millis() as u64,
            "request failed"
        );
    } else {
        tracing::info!(
            http.status = status.as_u16(),
            elapsed_ms = elapsed.as_millis() as u64,
            "request"
        );
    }
    resp
}

/// Resolve the session cookie or bearer token into a [`Staff`] extension.
pub async fn resolve_staff(State(st): State<AppState>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path();
    // The licence sync endpoint authenticates downstream libraries itself (their tokens are
    // not staff API tokens).
    if path.starts_with("/static/")
        || path == "/healthz"
        || path == "/metrics"
        || path == "/api/v1/licenses/sync"
    {
        return next.run(req).await;
    }
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|s| s.trim().to_string());
    let session_token = cookie(req.headers(), SESSION_COOKIE).map(str::to_string);
    let staff = if let Some(tok) = bearer {
        match auth::token_user(&st.app, &tok).await {
            Ok(Some(user)) => Some(Staff {
                user,
                csrf: None,
                session_token: None,
            }),
            Ok(None) => {
                return crate::error::WebError::from(AppError::Unauthenticated).into_response();
            }
            Err(e) => return crate::error::WebError::from(e).into_response(),
        }
    } else if let Some(tok) = session_token {
        match auth::session(&st.app, &tok).await {
            Ok(Some(s)) => Some(Staff {
                user: s.user,
                csrf: Some(s.csrf_token),
                session_token: Some(tok),
            }),
            Ok(None) => None,
            Err(e) => return crate::error::WebError::from(e).into_response(),
        }
    } else {
        None
    };
    if let Some(s) = staff {
        req.extensions_mut().insert(s);
    }
    next.run(req).await
}

/// Write error bodies: JSON under `/api/`, HTML elsewhere; 5xx always opaque with the request id.
pub async fn render_errors(req: Request, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    let rid = req
        .extensions()
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    let lang = req.extensions().get::<Lang>().copied().unwrap_or_default();
    let staff = req.extensions().get::<Staff>().cloned();
    let site = req
        .extensions()
        .get::<crate::SiteName>()
        .cloned()
        .unwrap_or_default();
    let resp = next.run(req).await;
    let status = resp.status();
    let info = resp.extensions().get::<ErrorInfo>().cloned();
    let info = match info {
        Some(i) => i,
        None if status.is_server_error() => ErrorInfo {
            code: "internal_error",
            zh: "系统内部错误".into(),
            en: "internal error".into(),
            field: None,
            problems: Vec::new(),
        },
        None if status == axum::http::StatusCode::NOT_FOUND
            && resp.headers().get(header::CONTENT_TYPE).is_none() =>
        {
            ErrorInfo {
                code: "not_found",
                zh: "页面或对象不存在".into(),
                en: "not found".into(),
                field: None,
                problems: Vec::new(),
            }
        }
        // Under `/api/` every error is `{code, message}`: a bodiless or plain-text 4xx made
        // below the handlers (an extractor's own rejection, e.g. a body over the size limit)
        // gets a generic message for its status. A JSON body is the handler's own answer.
        None if is_api
            && status.is_client_error()
            && !resp
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("application/json")) =>
        {
            client_error_info(status)
        }
        None => return resp,
    };
    let (parts, _) = resp.into_parts();
    let mut headers = parts.headers;
    headers.remove(header::CONTENT_LENGTH);
    let en = lang.is_en();
    let mut message = if en { info.en.clone() } else { info.zh.clone() };
    // 5xx bodies are opaque, except a 503 that says which part of the server is missing.
    let opaque = status.is_server_error()
        && !(status == axum::http::StatusCode::SERVICE_UNAVAILABLE && info.code == "unavailable");
    if opaque {
        message = if en {
            "internal error".into()
        } else {
            "系统内部错误".into()
        };
    }
    let mut out = if is_api {
        axum::Json(serde_json::json!({
            "code": if opaque { "internal_error" } else { info.code },
            "message": message,
            "field": info.field,
            "problems": info.problems.iter().map(|p| serde_json::json!({
                "field": p.field,
                "message": if en { &p.en } else { &p.zh },
            })).collect::<Vec<_>>(),
            "request_id": rid,
        }))
        .into_response()
    } else {
        let page = ErrorPage::new(
            Tr { lang },
            staff.as_ref(),
            &site.0,
            status.as_u16(),
            message.clone(),
            rid.clone(),
        );
        match askama::Template::render(&page) {
            Ok(html) => Html(html).into_response(),
            Err(e) => {
                tracing::error!(error = %e, "error page did not render");
                (
                    [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                    format!("{message} (request id {rid})"),
                )
                    .into_response()
            }
        }
    };
    *out.status_mut() = status;
    for (k, v) in headers.iter() {
        if k != header::CONTENT_TYPE {
            out.headers_mut().append(k.clone(), v.clone());
        }
    }
    out
}

/// A generic error body for a 4xx that carries none of its own.
fn client_error_info(status: axum::http::StatusCode) -> ErrorInfo {
    use axum::http::StatusCode as S;
    let (code, zh, en) = match status {
        S::METHOD_NOT_ALLOWED => return crate::error::WebError::method_not_allowed().info,
        S::BAD_REQUEST => ("bad_request", "请求格式错误", "the request is malformed"),
        S::REQUEST_TIMEOUT => ("request_timeout", "请求超时", "the request timed out"),
        S::PAYLOAD_TOO_LARGE => (
            "payload_too_large",
            "请求内容过大",
            "the request body is too large",
        ),
        S::URI_TOO_LONG => (
            "uri_too_long",
            "请求地址过长",
            "the request URI is too long",
        ),
        S::UNSUPPORTED_MEDIA_TYPE => (
            "unsupported_media_type",
            "不支持该请求内容类型",
            "the request content type is not supported",
        ),
        _ => (
            "bad_request",
            "请求无法处理",
            "the request cannot be processed",
        ),
    };
    ErrorInfo {
        code,
        zh: zh.into(),
        en: en.into(),
        field: None,
        problems: Vec::new(),
    }
}

/// Insert the site name into extensions.
pub async fn site_name(State(st): State<AppState>, mut req: Request, next: Next) -> Response {
    req.extensions_mut()
        .insert(crate::SiteName(Arc::clone(&st.web.site_name)));
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use axum::routing::get;
    use http_body_util::BodyExt;
    use onewindow_app::AppError;
    use tower::ServiceExt;

    use crate::error::WebError;

    async fn answer(path: &str, e: fn() -> AppError) -> (StatusCode, serde_json::Value) {
        let app = Router::new()
            .route(
                path,
                get(move || async move { Err::<(), WebError>(e().into()) }),
            )
            .layer(axum::middleware::from_fn(super::render_errors));
        let r = app
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = r.status();
        let body = r.into_body().collect().await.unwrap().to_bytes();
        (status, serde_json::from_slice(&body).unwrap())
    }

    #[tokio::test]
    async fn a_missing_server_part_is_a_503_that_says_so_and_other_5xx_stay_opaque() {
        let (status, j) = answer("/api/v1/x", || AppError::Unavailable {
            zh: "PDF 暂不可用：服务器未安装中文字体".into(),
            en: "PDF is not available".into(),
        })
        .await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(j["code"], "unavailable");
        assert!(j["message"].as_str().unwrap().contains("中文字体"), "{j}");
        let (status, j) = answer("/api/v1/y", || {
            AppError::Unexpected(anyhow::anyhow!("secret database detail"))
        })
        .await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(j["code"], "internal_error");
        assert!(!j.to_string().contains("secret"), "{j}");
    }
}
