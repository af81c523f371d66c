//! Request and response bodies of the API (kept separate from storage rows, so that the API
//! contract changes only on purpose).

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Error body.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable snake_case code, e.g. `invalid_field`, `forbidden`, `conflict`.
    pub code: String,
    /// Message in the caller's language.
    pub message: String,
    /// Field concerned, when one is.
    pub field: Option<String>,
    /// Request id to quote to staff.
    pub request_id: String,
}

/// An identifier to check.
#[derive(Deserialize, ToSchema)]
pub struct IdCheckRequest {
    /// 公民身份号码 (18 or legacy 15) or 统一社会信用代码 (18); full-width input accepted.
    pub value: String,
}

/// A valid identifier.
#[derive(Serialize, ToSchema)]
pub struct IdCheckResponse {
    /// `resident-id` or `credit-code`.
    pub kind: String,
    /// Normalised value (half-width, upper case, 15-digit IDs upgraded to 18).
    pub normalized: String,
    /// Display-masked value.
    pub masked: String,
    /// Non-fatal findings (e.g. inner organisation-code check of a credit code).
    pub warnings: Vec<String>,
}

/// Query of the due-date calculator.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CalendarAddQuery {
    /// Start date `YYYY-MM-DD` (not counted).
    pub date: String,
    /// Working days to add (0–3650).
    pub days: String,
}

/// A skipped day.
#[derive(Serialize, ToSchema)]
pub struct SkippedDayDto {
    /// Date.
    pub date: String,
    /// Reason in the caller's language.
    pub reason: String,
}

/// Result of the due-date calculator.
#[derive(Serialize, ToSchema)]
pub struct CalendarAddResponse {
    /// Start date.
    pub start: String,
    /// Working days added.
    pub days: u32,
    /// Due date.
    pub due: String,
    /// Non-working days passed over.
    pub skipped: Vec<SkippedDayDto>,
    /// Weekend make-up working days (调休) counted.
    pub makeup_days: Vec<String>,
}

/// Query of the working-day check.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IsWorkingQuery {
    /// Date `YYYY-MM-DD`.
    pub date: String,
}

/// Whether a date is a working day.
#[derive(Serialize, ToSchema)]
pub struct IsWorkingResponse {
    /// Date.
    pub date: String,
    /// True for a working day.
    pub working: bool,
}

/// A region.
#[derive(Serialize, ToSchema)]
pub struct RegionDto {
    /// GB/T 2260 (6) or statistical (9/12) code.
    pub code: String,
    /// Name.
    pub name: String,
    /// province, city, county, township, village.
    pub level: String,
    /// Parent code.
    pub parent_code: Option<String>,
    /// Version for optimistic concurrency.
    pub version: i64,
}

/// New region.
#[derive(Deserialize, ToSchema)]
pub struct CreateRegion {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
}

/// A department.
#[derive(Serialize, ToSchema)]
pub struct DepartmentDto {
    /// Id.
    pub id: i64,
    /// Full name.
    pub name: String,
    /// Short name.
    pub short_name: String,
    /// 统一社会信用代码.
    pub credit_code: Option<String>,
    /// Region code.
    pub region_code: String,
    /// In service.
    pub active: bool,
    /// Version for optimistic concurrency.
    pub version: i64,
}

/// Department fields for create/update.
#[derive(Deserialize, ToSchema)]
pub struct DepartmentBody {
    /// Full name.
    pub name: String,
    /// Short name.
    pub short_name: String,
    /// 统一社会信用代码 (optional).
    pub credit_code: Option<String>,
    /// Region code.
    pub region_code: String,
    /// In service (default true).
    pub active: Option<bool>,
    /// For updates: the version the client read (required).
    pub version: Option<i64>,
}

/// Query of the department list.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DepartmentsQuery {
    /// Only departments of this region.
    pub region: Option<String>,
}

/// A service window.
#[derive(Serialize, ToSchema)]
pub struct WindowDto {
    /// Id.
    pub id: i64,
    /// Number.
    pub number: String,
    /// Name.
    pub name: String,
    /// Themed hall.
    pub hall: String,
    /// Region.
    pub region_code: String,
    /// Department (null: comprehensive window).
    pub department_id: Option<i64>,
    /// In service.
    pub active: bool,
    /// Version.
    pub version: i64,
}

/// Window fields for create/update.
#[derive(Deserialize, ToSchema)]
pub struct WindowBody {
    /// Number.
    pub number: String,
    /// Name.
    pub name: String,
    /// Hall.
    pub hall: String,
    /// Region.
    pub region_code: String,
    /// Department.
    pub department_id: Option<i64>,
    /// In service (default true).
    pub active: Option<bool>,
    /// For updates: the version read.
    pub version: Option<i64>,
}

/// A grant.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct GrantDto {
    /// Role: system_admin, catalog_manager, intake_clerk, dept_reviewer, dept_lead,
    /// disclosure_officer, publishing_reviewer, analyst.
    pub role: String,
    /// `global`, `region` or `department`.
    pub scope: String,
    /// Region of a region grant.
    pub region: Option<String>,
    /// Department of a department grant.
    pub department: Option<i64>,
}

/// A staff account.
#[derive(Serialize, ToSchema)]
pub struct UserDto {
    /// Id.
    pub id: i64,
    /// Username.
    pub username: String,
    /// Name.
    pub display_name: String,
    /// Department.
    pub department_id: Option<i64>,
    /// Active.
    pub active: bool,
    /// Version.
    pub version: i64,
    /// Grants.
    pub grants: Vec<GrantDto>,
}

/// New account.
#[derive(Deserialize, ToSchema)]
pub struct CreateUser {
    /// Username.
    pub username: String,
    /// Name.
    pub display_name: String,
    /// Initial password.
    pub password: String,
    /// Department.
    pub department_id: Option<i64>,
    /// Grants.
    #[serde(default)]
    pub grants: Vec<GrantDto>,
}

/// Account changes.
#[derive(Deserialize, ToSchema)]
pub struct UpdateUser {
    /// Name.
    pub display_name: String,
    /// Department.
    pub department_id: Option<i64>,
    /// Active.
    pub active: bool,
    /// The version read.
    pub version: i64,
}

/// The caller.
#[derive(Serialize, ToSchema)]
pub struct MeDto {
    /// Id.
    pub id: i64,
    /// Username.
    pub username: String,
    /// Name.
    pub display_name: String,
    /// Department.
    pub department_id: Option<i64>,
    /// Grants.
    pub grants: Vec<GrantDto>,
}

/// Query of the audit trail.
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Exact action, or a prefix ending in `.`.
    pub action: Option<String>,
    /// Actor label.
    pub actor: Option<String>,
    /// Object kind.
    pub object_type: Option<String>,
    /// Object id.
    pub object_id: Option<String>,
    /// Only events before this sequence number (paging).
    pub before: Option<i64>,
    /// Page size (1–500, default 100).
    pub limit: Option<i64>,
}

/// An audit event.
#[derive(Serialize, ToSchema)]
pub struct AuditEventDto {
    /// Position in the chain.
    pub seq: i64,
    /// Time (RFC 3339, UTC).
    pub at: String,
    /// Actor label.
    pub actor: String,
    /// Actor user id.
    pub actor_id: Option<i64>,
    /// Action.
    pub action: String,
    /// Object kind.
    pub object_type: String,
    /// Object id.
    pub object_id: String,
    /// Department.
    pub department_id: Option<i64>,
    /// Request id.
    pub request_id: Option<String>,
    /// Source address.
    pub source: Option<String>,
    /// Before/after summary.
    #[schema(value_type = Object)]
    pub summary: serde_json::Value,
    /// Hash of the previous event.
    pub prev_hash: String,
    /// This event's hash.
    pub hash: String,
}
