//! The HTTP client that pushes licence events to the upstream library (county → city → province).
//!
//! Plain HTTP/1.1 through hyper, which the server already builds on: no second HTTP stack. The
//! link between government libraries normally runs over the e-government extranet (电子政务外网)
//! or through a TLS-terminating gateway; an `https://` upstream is refused with a clear message
//! rather than silently sent in clear.

use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// Where and how to push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upstream {
    /// Base URL of the upstream library, e.g. `http://10.1.2.3:8080`.
    pub url: String,
    /// Bearer token the upstream knows this library by.
    pub token: String,
}

/// A reusable client (connection pool).
#[derive(Clone)]
pub struct Client {
    inner: HyperClient<HttpConnector, Full<Bytes>>,
}

impl Default for Client {
    fn default() -> Self {
        Self::new()
    }
}

impl Client {
    /// A client with a connect timeout of 5 s.
    pub fn new() -> Self {
        let mut conn = HttpConnector::new();
        conn.set_connect_timeout(Some(Duration::from_secs(5)));
        Self {
            inner: HyperClient::builder(TokioExecutor::new()).build(conn),
        }
    }

    /// POST one event to `{url}/api/v1/licenses/sync`; `Err` with a short reason unless the
    /// upstream answers 2xx (applied or already applied).
    pub async fn post_event(&self, up: &Upstream, body: &str) -> Result<(), String> {
        if !up.url.starts_with("http://") {
            return Err(format!(
                "upstream URL {} must be http:// (terminate TLS in a gateway)",
                up.url
            ));
        }
        let uri = format!("{}/api/v1/licenses/sync", up.url.trim_end_matches('/'));
        let req = hyper::Request::post(uri)
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {}", up.token))
            .body(Full::new(Bytes::from(body.to_string())))
            .map_err(|e| format!("request: {e}"))?;
        let fut = self.inner.request(req);
        let resp = tokio::time::timeout(Duration::from_secs(30), fut)
            .await
            .map_err(|_| "upstream did not answer within 30 s".to_string())?
            .map_err(|e| format!("upstream unreachable: {e}"))?;
        let status = resp.status();
        if status.is_success() {
            return Ok(());
        }
        let body = http_body_util::Limited::new(resp.into_body(), 64 * 1024);
        let text = match tokio::time::timeout(Duration::from_secs(10), body.collect()).await {
            Ok(Ok(b)) => String::from_utf8_lossy(&b.to_bytes())
                .chars()
                .take(300)
                .collect::<String>(),
            _ => String::new(),
        };
        Err(format!("upstream answered {status}: {text}"))
    }
}
