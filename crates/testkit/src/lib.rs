//! # onewindow-testkit
//!
//! The only way tests start OneWindow:
//! - [`TestDb`]: a fresh database — an SQLite file in a temporary directory, or a fresh schema
//!   in the PostgreSQL named by `TEST_DATABASE_URL` (dropped on [`TestDb::cleanup`]).
//!   [`TestDb::all`] gives one per available back end and says on standard error when the
//!   PostgreSQL leg is skipped, and why.
//! - [`TestApp`]: the real router over a migrated, demo-seeded database, driven in process.
//!   [`Client`] keeps cookies and the CSRF token like a browser.
//! - [`spawn_app`]: the same app on a real TCP port on 127.0.0.1, for tests that need sockets
//!   (browser tests, the CLI against a server).

// Test support: failing loudly is the point.
#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use onewindow_app::{App, Settings, demo};
use onewindow_storage::{Db, DbOptions};
use onewindow_web::{AppState, WebConfig};
use tower::ServiceExt;

/// Environment variable naming the PostgreSQL server for tests.
pub const PG_ENV: &str = "TEST_DATABASE_URL";

/// A database for one test.
pub struct TestDb {
    /// The pool.
    pub db: Db,
    /// `sqlite` or `postgres`.
    pub label: &'static str,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

fn random_suffix() -> String {
    let mut b = [0u8; 6];
    let _ = getrandom::fill(&mut b);
    hex::encode(b)
}

impl TestDb {
    /// A fresh, migrated SQLite database in a temporary directory.
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut opts = DbOptions::sqlite_in(dir.path());
        opts.max_connections = 8;
        let db = Db::connect(&opts).await.expect("open sqlite");
        db.migrate().await.expect("migrate sqlite");
        TestDb {
            db,
            label: "sqlite",
            _dir: Some(dir),
            pg: None,
        }
    }

    /// A fresh, migrated schema in the PostgreSQL of `TEST_DATABASE_URL`, or `None` if unset.
    pub async fn postgres() -> Option<TestDb> {
        let url = std::env::var(PG_ENV).ok().filter(|s| !s.is_empty())?;
        let schema = format!("ow_test_{}", random_suffix());
        let admin = Db::connect(&DbOptions {
            max_connections: 1,
            ..DbOptions::new(url.clone())
        })
        .await
        .unwrap_or_else(|e| panic!("{PG_ENV} is set but PostgreSQL does not answer: {e}"));
        if let Db::Postgres(p) = &admin {
            sqlx_exec(p, &format!("create schema {schema}")).await;
        }
        admin.close().await;
        let db = Db::connect(&DbOptions {
            max_connections: 6,
            pg_schema: Some(schema.clone()),
            ..DbOptions::new(url.clone())
        })
        .await
        .expect("connect to test schema");
        db.migrate().await.expect("migrate postgres");
        Some(TestDb {
            db,
            label: "postgres",
            _dir: None,
            pg: Some((url, schema)),
        })
    }

    /// One database per available back end: SQLite always, PostgreSQL when configured. When it
    /// is not, says so on standard error (a skipped leg is never silent).
    pub async fn all() -> Vec<TestDb> {
        let mut v = vec![TestDb::sqlite().await];
        match TestDb::postgres().await {
            Some(pg) => v.push(pg),
            None => skip_note(&format!(
                "note: PostgreSQL leg skipped: {PG_ENV} is not set (bash .ci/run sets it)"
            )),
        }
        v
    }

    /// Close the pool and drop the PostgreSQL schema.
    pub async fn cleanup(self) {
        self.db.close().await;
        if let Some((url, schema)) = self.pg
            && let Ok(admin) = Db::connect(&DbOptions {
                max_connections: 1,
                ..DbOptions::new(url)
            })
            .await
        {
            {
                if let Db::Postgres(p) = &admin {
                    sqlx_exec(p, &format!("drop schema if exists {schema} cascade")).await;
                }
                admin.close().await;
            }
        }
    }

    /// Run a raw SQL statement and report the database's answer (tests that check constraints).
    pub async fn try_exec(&self, sql: &str) -> Result<u64, String> {
        match &self.db {
            Db::Sqlite(p) => onewindow_storage::raw::exec_sqlite(p, sql).await,
            Db::Postgres(p) => onewindow_storage::raw::exec_pg(p, sql).await,
        }
        .map_err(|e| e.to_string())
    }

    /// The first column (text) of every row of a query.
    pub async fn strings(&self, sql: &str) -> Vec<String> {
        match &self.db {
            Db::Sqlite(p) => onewindow_storage::raw::strings_sqlite(p, sql).await,
            Db::Postgres(p) => onewindow_storage::raw::strings_pg(p, sql).await,
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// Run a raw SQL statement (for tests that simulate tampering).
    pub async fn exec(&self, sql: &str) {
        match &self.db {
            Db::Sqlite(p) => {
                sqlx_exec_sqlite(p, sql).await;
            }
            Db::Postgres(p) => sqlx_exec(p, sql).await,
        }
    }
}

async fn sqlx_exec(p: &onewindow_storage::PgPoolRef, sql: &str) {
    onewindow_storage::raw::exec_pg(p, sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn sqlx_exec_sqlite(p: &onewindow_storage::SqlitePoolRef, sql: &str) {
    onewindow_storage::raw::exec_sqlite(p, sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Use-case settings for tests: cheap password hashing, the real rules otherwise; every call
/// gets a key store of its own (an empty directory), so each test app signs with its own key.
pub fn test_settings() -> Settings {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let keys_dir = std::env::temp_dir().join(format!(
        "onewindow-test-keys-{}-{n}-{}",
        std::process::id(),
        onewindow_storage::random_token(4).unwrap_or_default()
    ));
    Settings {
        argon2_m_kib: 256,
        argon2_t: 1,
        files_dir: std::env::temp_dir()
            .join(format!("onewindow-test-files-{}", std::process::id())),
        keys_dir,
        ..Settings::default()
    }
}

/// The application over a test database, with the demo data seeded.
pub struct TestApp {
    /// Shared state (app, config, metrics).
    pub state: AppState,
    /// The router.
    pub router: Router,
    /// The database.
    pub tdb: TestDb,
}

impl TestApp {
    /// Build over PostgreSQL when `TEST_DATABASE_URL` is set (a fresh schema), else SQLite —
    /// so that CI's PostgreSQL pass runs every web test on PostgreSQL too.
    pub async fn new() -> TestApp {
        let tdb = match TestDb::postgres().await {
            Some(pg) => pg,
            None => TestDb::sqlite().await,
        };
        TestApp::over(tdb).await
    }

    /// Build over a given database.
    pub async fn over(tdb: TestDb) -> TestApp {
        TestApp::with_settings(tdb, test_settings()).await
    }

    /// Build over a given database with given settings (e.g. an upstream licence library).
    pub async fn with_settings(tdb: TestDb, settings: Settings) -> TestApp {
        TestApp::build(tdb, settings, true).await
    }

    /// An empty instance (migrated, no demo data): e.g. an upstream library that holds nothing
    /// yet.
    pub async fn empty(tdb: TestDb, settings: Settings) -> TestApp {
        TestApp::build(tdb, settings, false).await
    }

    async fn build(tdb: TestDb, settings: Settings, seed: bool) -> TestApp {
        let app = App::new(tdb.db.clone(), settings).await.expect("app");
        if seed {
            demo::seed(&app).await.expect("demo seed");
        }
        onewindow_app::search::reindex_catalog(&app, |_, _| {})
            .await
            .expect("search index");
        let state = AppState::new(Arc::new(app), WebConfig::default());
        let router = onewindow_web::router(state.clone());
        TestApp { state, router, tdb }
    }

    /// The application.
    pub fn app(&self) -> &App {
        &self.state.app
    }

    /// A fresh browser-like client (no cookies).
    pub fn client(&self) -> Client {
        Client {
            router: self.router.clone(),
            cookies: HashMap::new(),
            csrf: None,
            headers: Vec::new(),
        }
    }

    /// A client logged in as a demo user.
    pub async fn login(&self, username: &str) -> Client {
        let mut c = self.client();
        let r = c.login(username, demo::DEMO_PASSWORD).await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "login of {username}: {}",
            r.text
        );
        c
    }
}

/// A response, fully read.
#[derive(Debug)]
pub struct Resp {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: axum::http::HeaderMap,
    /// Body as text.
    pub text: String,
}

impl Resp {
    /// Body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    /// A response header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A client with a cookie jar, driving the router in process.
#[derive(Clone)]
pub struct Client {
    router: Router,
    /// Cookies.
    pub cookies: HashMap<String, String>,
    /// CSRF token of the session (read from a page after login).
    pub csrf: Option<String>,
    /// Extra headers on every request.
    pub headers: Vec<(String, String)>,
}

/// The value of `<input … name="csrf" value="…">` in a page.
pub fn csrf_in(html: &str) -> Option<String> {
    let i = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    let rest = &html[i..];
    Some(rest[..rest.find('"')?].to_string())
}

impl Client {
    /// Send a request.
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        ctype: Option<&str>,
        body: impl Into<Body>,
    ) -> Resp {
        let mut b = Request::builder().method(method).uri(path);
        if !self.cookies.is_empty() {
            let c: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            b = b.header(header::COOKIE, c.join("; "));
        }
        if let Some(t) = ctype {
            b = b.header(header::CONTENT_TYPE, t);
        }
        for (k, v) in &self.headers {
            b = b.header(k.as_str(), v.as_str());
        }
        let req = b.body(body.into()).expect("request");
        let resp = self.router.clone().oneshot(req).await.expect("infallible");
        for v in resp.headers().get_all(header::SET_COOKIE) {
            let Ok(s) = v.to_str() else { continue };
            let (kv, attrs) = s.split_once(';').unwrap_or((s, ""));
            let Some((k, val)) = kv.split_once('=') else {
                continue;
            };
            if val.is_empty() || attrs.contains("Max-Age=0") {
                self.cookies.remove(k.trim());
            } else {
                self.cookies.insert(k.trim().to_string(), val.to_string());
            }
        }
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.expect("body").to_bytes();
        Resp {
            status,
            headers,
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// GET.
    pub async fn get(&mut self, path: &str) -> Resp {
        self.send(Method::GET, path, None, String::new()).await
    }

    /// POST a form; adds the session's CSRF token unless the form has one.
    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let mut f: Vec<(String, String)> = fields
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        if !fields.iter().any(|(k, _)| *k == "csrf")
            && let Some(t) = &self.csrf
        {
            f.push(("csrf".into(), t.clone()));
        }
        let body = serde_urlencoded::to_string(&f).expect("form");
        self.send(
            Method::POST,
            path,
            Some("application/x-www-form-urlencoded"),
            body,
        )
        .await
    }

    /// Send JSON with the session's CSRF header (if logged in by cookie).
    pub async fn json(&mut self, method: Method, path: &str, body: serde_json::Value) -> Resp {
        let mut c = self.clone();
        if let Some(t) = &self.csrf {
            c.headers.push(("x-csrf-token".into(), t.clone()));
        }
        let r = c
            .send(method, path, Some("application/json"), body.to_string())
            .await;
        self.cookies = c.cookies;
        r
    }

    /// Log in through the login form like a person; afterwards `csrf` holds the session token.
    pub async fn login(&mut self, username: &str, password: &str) -> Resp {
        let page = self.get("/login").await;
        let anon = csrf_in(&page.text).expect("csrf on login page");
        let r = self
            .post_form(
                "/login",
                &[
                    ("username", username),
                    ("password", password),
                    ("csrf", &anon),
                ],
            )
            .await;
        if r.status == StatusCode::SEE_OTHER {
            let staff = self.get("/staff").await;
            self.csrf = csrf_in(&staff.text);
        }
        r
    }
}

/// The app on a real TCP port on 127.0.0.1 (demo data seeded). The server runs until the
/// test's runtime ends.
pub async fn spawn_app() -> (SocketAddr, TestApp) {
    let t = TestApp::new().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let state = t.state.clone();
    tokio::spawn(async move {
        let _ = onewindow_web::serve(listener, state).await;
    });
    (addr, t)
}

/// Print a note that the test harness does not capture (a skipped leg is never silent).
pub fn skip_note(msg: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{msg}");
}
