//! # onewindow-app
//!
//! The use cases of OneWindow. Each public function is one thing a person or a script does
//! ("create a department", "log in", "verify the audit trail"). A use case checks the caller's
//! permission for the object's scope, opens a transaction, applies the domain rule, writes the
//! new state **and its audit event in the same transaction**, and commits. Web handlers and CLI
//! commands call exactly one use case each; neither contains SQL or business rules.
#![warn(missing_docs)]

pub mod applicants;
pub mod audit;
pub mod auth;
pub mod calendar;
pub mod cases;
pub mod catalog;
pub mod config;
pub mod demo;
pub mod demo_catalog;
mod error;
pub mod items;
pub mod org;
pub mod reports;
pub mod requests;
pub mod search;
pub mod users;

use std::sync::atomic::AtomicI64;
use std::sync::{Arc, RwLock};

use onewindow_domain::audit::{Actor, AuditAction, NewAuditEvent};
use onewindow_domain::calendar::WorkCalendar;
use onewindow_domain::ids::{DepartmentId, UserId};
use onewindow_domain::org::{Grants, Permission, Target};
use onewindow_storage::Db;

pub use error::{AppError, AppResult, Problem};

/// Tunables of the use cases (from configuration).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Absolute lifetime of a login session.
    pub session_hours: i64,
    /// Failed logins in a row before the account is locked.
    pub lockout_threshold: i64,
    /// How long a lock lasts.
    pub lockout_minutes: i64,
    /// Argon2id memory cost in KiB (OWASP minimum 19456).
    pub argon2_m_kib: u32,
    /// Argon2id iterations.
    pub argon2_t: u32,
    /// Name of the service center, printed as the issuer of notices.
    pub center_name: String,
    /// Abbreviation that starts notice numbers, e.g. `泉行服` in `泉行服受〔2026〕000001号`.
    pub notice_prefix: String,
    /// Region code of the center (case numbers of items without one).
    pub region_code: String,
    /// Yellow warning when at most this many working days are left.
    pub warn_days: u32,
    /// Where uploaded files are kept (content-addressed by SHA-256).
    pub files_dir: std::path::PathBuf,
    /// Pattern of disclosure index numbers.
    pub index_format: onewindow_domain::disclosure::item::IndexFormat,
    /// Index code of the centre in index numbers.
    pub index_body_code: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            session_hours: 8,
            lockout_threshold: 5,
            lockout_minutes: 15,
            argon2_m_kib: 19 * 1024,
            argon2_t: 2,
            center_name: "泉州市行政服务中心".into(),
            notice_prefix: "泉行服".into(),
            region_code: "350500".into(),
            warn_days: 2,
            files_dir: std::path::PathBuf::from("./data/files"),
            index_format: Default::default(),
            index_body_code: "QZ00100".into(),
        }
    }
}

/// The derived case-clock calendar: (calendar in force, last provisional year, derived calendar).
type CaseCalendar = (Arc<WorkCalendar>, i32, Arc<WorkCalendar>);

/// The application: storage plus shared state. Cheap to share behind an `Arc`.
pub struct App {
    /// The database.
    pub db: Db,
    /// Tunables.
    pub settings: Settings,
    calendar: RwLock<Arc<WorkCalendar>>,
    /// Full-text index (derived data, rebuilt at start-up).
    pub search: onewindow_search::SearchIndex,
    /// Last catalog change-feed cursor applied to the index (and seen by this node): public
    /// list caches are keyed by it.
    pub(crate) catalog_cursor: AtomicI64,
    /// Last disclosure change-feed cursor applied by this node: public disclosure page caches
    /// are keyed by it.
    pub(crate) disclosure_cursor: AtomicI64,
    /// A fixed "today" for the case clocks (tests, demonstrations), see [`App::set_today`].
    today_override: RwLock<Option<chrono::NaiveDate>>,
    /// The case-clock calendar (with provisional years) and what it was built from: the calendar
    /// in force (held, so that its identity cannot be reused) and the last provisional year.
    /// Rebuilt only when either changes.
    case_calendar: RwLock<Option<CaseCalendar>>,
}

impl App {
    /// The newest catalog change this node has applied. Anything cached from the published
    /// catalog under an older value is stale.
    pub fn catalog_cursor(&self) -> i64 {
        self.catalog_cursor
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Build the application over a migrated database, loading calendar years stored by admins
    /// on top of the official years shipped with the code.
    pub async fn new(db: Db, settings: Settings) -> AppResult<App> {
        let index = onewindow_search::SearchIndex::in_ram()
            .map_err(|e| AppError::Unexpected(anyhow::anyhow!("search index: {e}")))?;
        App::with_index(db, settings, index).await
    }

    /// Build over a given search index (e.g. on disk in the data directory). The index is not
    /// rebuilt here (command-line tools do not need it); servers call
    /// [`search::reindex_catalog`] at start-up.
    pub async fn with_index(
        db: Db,
        settings: Settings,
        index: onewindow_search::SearchIndex,
    ) -> AppResult<App> {
        let cal = calendar::load(&db).await?;
        let app = App {
            db,
            settings,
            calendar: RwLock::new(Arc::new(cal)),
            search: index,
            catalog_cursor: AtomicI64::new(0),
            disclosure_cursor: AtomicI64::new(0),
            today_override: RwLock::new(None),
            case_calendar: RwLock::new(None),
        };
        Ok(app)
    }
}

/// A logged-in staff user, with the grants that decide what they may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentUser {
    /// Account id.
    pub id: UserId,
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Home department.
    pub department_id: Option<DepartmentId>,
    /// Role grants.
    pub grants: Grants,
}

/// Who is calling a use case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// A server operator at the command line (trusted: has shell access to the data).
    Operator,
    /// A logged-in staff user.
    Staff(CurrentUser),
    /// Nobody logged in.
    Anonymous,
}

/// The calling context of a use case: who, and from which request (for the audit trail).
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The caller.
    pub principal: Principal,
    /// Request id (HTTP) or run id (CLI).
    pub request_id: Option<String>,
    /// Source address.
    pub source: Option<String>,
}

impl Ctx {
    /// A command-line operator.
    pub fn operator() -> Self {
        Self {
            principal: Principal::Operator,
            request_id: Some(format!("cli-{}", std::process::id())),
            source: Some("cli".into()),
        }
    }

    /// An anonymous caller from a request.
    pub fn anonymous(request_id: Option<String>, source: Option<String>) -> Self {
        Self {
            principal: Principal::Anonymous,
            request_id,
            source,
        }
    }

    /// A staff user from a request.
    pub fn staff(user: CurrentUser, request_id: Option<String>, source: Option<String>) -> Self {
        Self {
            principal: Principal::Staff(user),
            request_id,
            source,
        }
    }

    /// The logged-in user, if any.
    pub fn user(&self) -> Option<&CurrentUser> {
        match &self.principal {
            Principal::Staff(u) => Some(u),
            _ => None,
        }
    }

    /// The actor recorded in audit events.
    pub fn actor(&self) -> Actor {
        match &self.principal {
            Principal::Operator => Actor::cli(),
            Principal::Staff(u) => Actor::user(u.id.get(), &u.username),
            Principal::Anonymous => Actor::anonymous(),
        }
    }

    /// Require `perm` over `target`: operators always pass, anonymous callers get
    /// [`AppError::Unauthenticated`], staff outside their scope get [`AppError::Forbidden`].
    pub fn require(&self, perm: Permission, target: &Target) -> AppResult<()> {
        match &self.principal {
            Principal::Operator => Ok(()),
            Principal::Staff(u) if u.grants.allows(perm, target) => Ok(()),
            Principal::Staff(_) => Err(AppError::Forbidden),
            Principal::Anonymous => Err(AppError::Unauthenticated),
        }
    }

    /// Require `perm` in some scope (for lists that are then filtered by scope).
    pub fn require_any(&self, perm: Permission) -> AppResult<()> {
        match &self.principal {
            Principal::Operator => Ok(()),
            Principal::Staff(u) if u.grants.has(perm) => Ok(()),
            Principal::Staff(_) => Err(AppError::Forbidden),
            Principal::Anonymous => Err(AppError::Unauthenticated),
        }
    }

    /// Whether the caller holds `perm` platform-wide.
    pub fn is_global(&self, perm: Permission) -> bool {
        match &self.principal {
            Principal::Operator => true,
            Principal::Staff(u) => u.grants.allows(perm, &Target::global()),
            Principal::Anonymous => false,
        }
    }

    /// An audit event by this caller.
    pub fn event(
        &self,
        action: AuditAction,
        object_type: &'static str,
        object_id: impl ToString,
        department_id: Option<i64>,
        summary: serde_json::Value,
    ) -> NewAuditEvent {
        NewAuditEvent {
            actor: self.actor(),
            action,
            object_type,
            object_id: object_id.to_string(),
            department_id,
            request_id: self.request_id.clone(),
            source: self.source.clone(),
            summary,
        }
    }
}

/// Map an unexpected error into [`AppError::Unexpected`].
pub(crate) fn unexpected(e: impl Into<anyhow::Error>) -> AppError {
    AppError::Unexpected(e.into())
}
