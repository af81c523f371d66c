//! # onewindow-web
//!
//! The HTTP face of OneWindow: server-rendered pages (askama templates, checked at compile
//! time; Simplified Chinese by default, English available), the JSON API under `/api/v1`
//! (documented by an OpenAPI document at `/api/v1/openapi.json`), `/healthz`, `/metrics`, and
//! the middleware that gives every request an id, a language and a caller. Handlers parse input
//! into domain types, call one use case, and render; they contain no SQL and no business rules.

pub mod api;
pub mod caller;
pub mod error;
pub mod i18n;
pub mod metrics;
pub mod middleware;
pub mod pages;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use onewindow_app::App;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

use crate::i18n::Lang;

/// Web-layer settings.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Default UI language.
    pub default_lang: Lang,
    /// Mark cookies `Secure`.
    pub cookie_secure: bool,
    /// Service center name for headers.
    pub site_name: Arc<str>,
    /// Public base URL.
    pub public_url: String,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            default_lang: Lang::Zh,
            cookie_secure: false,
            site_name: Arc::from("泉州市行政服务中心"),
            public_url: "http://127.0.0.1:8080".into(),
        }
    }
}

/// Site name carried in request extensions (for error pages).
#[derive(Debug, Clone, Default)]
pub struct SiteName(pub Arc<str>);

/// Shared state of all handlers.
#[derive(Clone)]
pub struct AppState {
    /// The application.
    pub app: Arc<App>,
    /// Web settings.
    pub web: Arc<WebConfig>,
    /// Metrics registry.
    pub metrics: Arc<metrics::Metrics>,
    /// Cached public catalog list responses: query → (catalog cursor, ETag, JSON body).
    pub catalog_lists: Arc<std::sync::Mutex<std::collections::HashMap<String, CachedList>>>,
    /// Cached public disclosure pages: URL and language → (disclosure change cursor, HTML).
    pub disclosure_pages: Arc<std::sync::Mutex<PageCache>>,
    /// One builder at a time per stripe of page keys: concurrent misses of the same page wait
    /// for the first to fill the cache instead of all rendering it (no stampede).
    pub page_builders: Arc<[tokio::sync::Mutex<()>; 16]>,
}

/// Cached public pages: key → (change cursor they were built at, HTML, last use), with a use
/// counter for least-recently-used eviction.
#[derive(Default)]
pub struct PageCache {
    /// The pages.
    pub pages: std::collections::HashMap<String, (i64, bytes_body::Bytes, u64)>,
    /// Incremented on every use.
    pub tick: u64,
}

/// A cached public list response.
#[derive(Clone)]
pub struct CachedList {
    /// Catalog change cursor it was computed at.
    pub cursor: i64,
    /// Its ETag.
    pub etag: String,
    /// The JSON body.
    pub body: bytes_body::Bytes,
}

/// Re-export of the byte buffer type used by the cache.
pub mod bytes_body {
    pub use axum::body::Bytes;
}

impl AppState {
    /// State over an application.
    pub fn new(app: Arc<App>, web: WebConfig) -> Self {
        Self {
            app,
            web: Arc::new(web),
            metrics: Arc::new(metrics::Metrics::new()),
            catalog_lists: Arc::default(),
            disclosure_pages: Arc::default(),
            page_builders: Arc::new(std::array::from_fn(|_| tokio::sync::Mutex::new(()))),
        }
    }
}

/// The complete router with all layers.
pub fn router(state: AppState) -> Router {
    let csp = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
               frame-ancestors 'none'; form-action 'self'; base-uri 'self'";
    Router::new()
        .merge(pages::router())
        .merge(api::router())
        // After every route is registered: a known path asked with a method it does not serve
        // answers a 405 that the error renderer writes like any other error (JSON under
        // `/api/`, an HTML page elsewhere); axum still adds the `Allow` header.
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(fallback)
        .layer(CatchPanicLayer::new())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::resolve_staff,
        ))
        .layer(axum::middleware::from_fn(middleware::render_errors))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::site_name,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::request_context,
        ))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(csp),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("cache-control"),
            HeaderValue::from_static("no-store"),
        ))
        .with_state(state)
}

async fn fallback() -> error::WebError {
    error::WebError::not_found()
}

async fn method_not_allowed() -> error::WebError {
    error::WebError::method_not_allowed()
}

/// Serve until Ctrl-C / SIGTERM on an already-bound listener (bind first so that callers, and
/// tests, can use port 0).
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
