//! The HTTP client that pushes licence events to the upstream library (county → city → province).
//!
//! Plain HTTP/1.1 through hyper, which the server already builds on: no second HTTP stack. The
//! link between government libraries normally runs over the e-government extranet (电子政务外网)
//! or through a TLS-terminating gateway; an `https://` upstream is refused with a clear message
//! rather than silently sent in clear.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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

/// A reusable client (connection pool), which also remembers whether the link is down.
#[derive(Clone)]
pub struct Client {
    inner: HyperClient<HttpConnector, Full<Bytes>>,
    link: Arc<Mutex<Link>>,
}

/// The link's state: consecutive failures and when to try again.
#[derive(Debug, Default)]
struct Link {
    failures: u32,
    until: Option<Instant>,
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
            link: Arc::default(),
        }
    }

    fn link(&self) -> std::sync::MutexGuard<'_, Link> {
        match self.link.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// Whether the link may be tried now (not within the back-off after a failure).
    pub fn link_ready(&self) -> bool {
        self.link().until.is_none_or(|t| Instant::now() >= t)
    }

    /// The link failed as a whole: back off exponentially, 2 s … 5 min.
    pub fn link_failed(&self) -> Duration {
        let mut l = self.link();
        l.failures = l.failures.saturating_add(1);
        let wait = Duration::from_secs(2u64.saturating_pow(l.failures.min(9)).min(300));
        l.until = Some(Instant::now() + wait);
        wait
    }

    /// The upstream answered: the link is up.
    pub fn link_up(&self) {
        *self.link() = Link::default();
    }

    /// POST one event to `{url}/api/v1/licenses/sync`; `Ok` when the upstream answers 2xx
    /// (applied or already applied).
    pub async fn post_event(&self, up: &Upstream, body: &str) -> Result<(), PushError> {
        if !up.url.starts_with("http://") {
            return Err(PushError::Unavailable(format!(
                "upstream URL {} must be http:// (terminate TLS in a gateway)",
                up.url
            )));
        }
        let uri = format!("{}/api/v1/licenses/sync", up.url.trim_end_matches('/'));
        let req = hyper::Request::post(uri)
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {}", up.token))
            .body(Full::new(Bytes::from(body.to_string())))
            .map_err(|e| PushError::Unavailable(format!("request: {e}")))?;
        let fut = self.inner.request(req);
        let resp = tokio::time::timeout(Duration::from_secs(30), fut)
            .await
            .map_err(|_| PushError::Unavailable("upstream did not answer within 30 s".into()))?
            .map_err(|e| PushError::Unavailable(format!("upstream unreachable: {e}")))?;
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
        Err(PushError::of_answer(status, &text))
    }
}

/// Why an event did not go through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushError {
    /// Nothing can go through now: the upstream is unreachable, slow, failing (5xx), busy
    /// (408, 429), does not take this library at all (401, 403, 404, 405, 421: wrong token or
    /// address), or something other than the library answered (a gateway's page, not the
    /// library's JSON error). The round stops; every event waits.
    Unavailable(String),
    /// The upstream took the request and refused this event (400, 409, 422 …): only the later
    /// events of the same licence wait for it; other licences go on.
    Refused(String),
}

impl PushError {
    /// Classify an HTTP answer other than 2xx.
    pub fn of_status(status: hyper::StatusCode, reason: String) -> Self {
        use hyper::StatusCode as S;
        let whole_link = !status.is_client_error()
            || matches!(
                status,
                S::UNAUTHORIZED
                    | S::FORBIDDEN
                    | S::NOT_FOUND
                    | S::METHOD_NOT_ALLOWED
                    | S::REQUEST_TIMEOUT
                    | S::MISDIRECTED_REQUEST
                    | S::TOO_MANY_REQUESTS
            );
        if whole_link {
            Self::Unavailable(reason)
        } else {
            Self::Refused(reason)
        }
    }

    /// Classify an answer other than 2xx with its body. A refusal of this event comes from the
    /// upstream library itself, as its JSON error `{code, message}`; any other body (a
    /// gateway's or proxy's page) speaks for the whole link.
    pub fn of_answer(status: hyper::StatusCode, body: &str) -> Self {
        let from_library = serde_json::from_str::<serde_json::Value>(body)
            .ok()
            .is_some_and(|v| v.get("code").is_some_and(serde_json::Value::is_string));
        let reason = format!("upstream answered {status}: {body}");
        if from_library {
            Self::of_status(status, reason)
        } else {
            Self::Unavailable(reason)
        }
    }

    /// The reason, as recorded on the event.
    pub fn reason(&self) -> &str {
        match self {
            Self::Unavailable(r) | Self::Refused(r) => r,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::StatusCode as S;

    #[test]
    fn answers_about_one_event_are_refusals_the_rest_stop_the_link() {
        for s in [
            S::BAD_REQUEST,
            S::CONFLICT,
            S::UNPROCESSABLE_ENTITY,
            S::GONE,
        ] {
            assert!(
                matches!(
                    PushError::of_status(s, String::new()),
                    PushError::Refused(_)
                ),
                "{s}"
            );
        }
        for s in [
            S::UNAUTHORIZED,
            S::FORBIDDEN,
            S::NOT_FOUND,
            S::METHOD_NOT_ALLOWED,
            S::MISDIRECTED_REQUEST,
            S::REQUEST_TIMEOUT,
            S::TOO_MANY_REQUESTS,
            S::INTERNAL_SERVER_ERROR,
            S::BAD_GATEWAY,
            S::SERVICE_UNAVAILABLE,
            S::MOVED_PERMANENTLY,
        ] {
            assert!(
                matches!(
                    PushError::of_status(s, String::new()),
                    PushError::Unavailable(_)
                ),
                "{s}"
            );
        }
    }

    #[test]
    fn only_the_librarys_own_error_refuses_one_event() {
        let lib = r#"{"code":"invalid_field","message":"证照未通过核验"}"#;
        assert!(matches!(
            PushError::of_answer(S::BAD_REQUEST, lib),
            PushError::Refused(_)
        ));
        for body in [
            "<html><body>400 The plain HTTP request was sent to HTTPS port</body></html>",
            "",
            r#"{"error":"bad gateway config"}"#,
        ] {
            assert!(
                matches!(
                    PushError::of_answer(S::BAD_REQUEST, body),
                    PushError::Unavailable(_)
                ),
                "{body}"
            );
        }
        assert!(matches!(
            PushError::of_answer(S::SERVICE_UNAVAILABLE, lib),
            PushError::Unavailable(_)
        ));
    }

    #[test]
    fn the_link_backs_off_and_comes_back() {
        let c = Client::new();
        assert!(c.link_ready());
        assert_eq!(c.link_failed(), Duration::from_secs(2));
        assert!(!c.link_ready());
        assert_eq!(c.link_failed(), Duration::from_secs(4));
        for _ in 0..20 {
            c.link_failed();
        }
        assert_eq!(c.link_failed(), Duration::from_secs(300));
        c.link_up();
        assert!(c.link_ready());
    }
}
