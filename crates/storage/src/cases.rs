//! Cases (办件): applicants, plan definitions, cases, department tasks, the process log,
//! notices, uploaded files and numbering counters.
//!
//! Rows carry states as their machine names; the use-case layer parses them into the domain's
//! typed state machines. Every update of a case or task is guarded by its `version`: a writer
//! that read an older row gets [`StoreError::Conflict`] instead of overwriting a concurrent
//! change.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::db::{H, direct, on};
use crate::lite::args;
use crate::{StoreError, now};

/// Next value of a named counter (1, 2, 3 …), inside the caller's transaction.
pub async fn next_counter(h: H<'_>, name: &str) -> Result<i64, StoreError> {
    const SQL: &str = "insert into counters (name, value) values ($1, 1) \
         on conflict (name) do update set value = counters.value + 1 returning value";
    direct!(h, |l| l.scalar(SQL, args![name]));
    Ok(on!(h, |c| sqlx::query_scalar::<_, i64>(SQL)
        .bind(name)
        .fetch_one(&mut *c)
        .await)?)
}

// ---------------------------------------------------------------------------------------------
// Applicants

/// A stored applicant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ApplicantRow {
    /// Key.
    pub id: i64,
    /// The 一号, normalised.
    pub id_number: String,
    /// `resident-id` or `credit-code`.
    pub id_kind: String,
    /// Name (person or organisation).
    pub name: String,
    /// Mobile number.
    pub phone: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Argon2 hash of the online account's password.
    #[serde(skip_serializing)]
    pub password_hash: Option<String>,
    /// Failed logins in a row.
    pub failed_logins: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Changed.
    pub updated_at: DateTime<Utc>,
    /// When the online account was bound to the person through a window (an activation code
    /// issued after an in-person ID check); `None`: it sees only what it applied for online.
    pub verified_at: Option<DateTime<Utc>>,
}

const APPLICANT_COLS: &str = "id, id_number, id_kind, name, phone, email, password_hash, failed_logins, created_at, updated_at, verified_at";

/// An applicant by 一号.
pub async fn find_applicant(h: H<'_>, id_number: &str) -> Result<Option<ApplicantRow>, StoreError> {
    let sql = format!("select {APPLICANT_COLS} from applicants where id_number = $1");
    Ok(on!(h, |c| sqlx::query_as::<_, ApplicantRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(id_number)
    .fetch_optional(&mut *c)
    .await)?)
}

/// An applicant by key.
pub async fn get_applicant(h: H<'_>, id: i64) -> Result<ApplicantRow, StoreError> {
    let sql = format!("select {APPLICANT_COLS} from applicants where id = $1");
    Ok(on!(h, |c| sqlx::query_as::<_, ApplicantRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(id)
    .fetch_one(&mut *c)
    .await)?)
}

/// Insert an applicant, or update name and contact details of the existing one.
pub async fn upsert_applicant(
    h: H<'_>,
    id_number: &str,
    id_kind: &str,
    name: &str,
    phone: Option<&str>,
    email: Option<&str>,
) -> Result<ApplicantRow, StoreError> {
    let t = now();
    let sql = format!(
        "insert into applicants (id_number, id_kind, name, phone, email, failed_logins, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, 0, $6, $6) \
         on conflict (id_number) do update set name = excluded.name, \
           phone = coalesce(excluded.phone, applicants.phone), \
           email = coalesce(excluded.email, applicants.email), updated_at = excluded.updated_at \
         returning {APPLICANT_COLS}"
    );
    direct!(h, |l| l
        .one(&sql, args![id_number, id_kind, name, phone, email, t]));
    Ok(on!(h, |c| sqlx::query_as::<_, ApplicantRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(id_number)
    .bind(id_kind)
    .bind(name)
    .bind(phone)
    .bind(email)
    .bind(t)
    .fetch_one(&mut *c)
    .await)?)
}

/// Set an applicant's password hash (opening their online account).
pub async fn set_applicant_password(h: H<'_>, id: i64, hash: &str) -> Result<(), StoreError> {
    on!(h, |c| sqlx::query(
        "update applicants set password_hash = $2, failed_logins = 0, updated_at = $3 where id = $1"
    )
    .bind(id)
    .bind(hash)
    .bind(now())
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Record a failed (`Some(n)`: set to n) or successful (`None`: reset) login.
pub async fn set_applicant_failures(h: H<'_>, id: i64, n: i64) -> Result<(), StoreError> {
    on!(h, |c| sqlx::query(
        "update applicants set failed_logins = $2 where id = $1"
    )
    .bind(id)
    .bind(n)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Create an applicant who registered online (no window record yet).
pub async fn insert_applicant(
    h: H<'_>,
    id_number: &str,
    id_kind: &str,
    name: &str,
    phone: Option<&str>,
) -> Result<ApplicantRow, StoreError> {
    let t = now();
    let sql = format!(
        "insert into applicants (id_number, id_kind, name, phone, failed_logins, created_at, updated_at) \
         values ($1, $2, $3, $4, 0, $5, $5) returning {APPLICANT_COLS}"
    );
    Ok(on!(h, |c| sqlx::query_as::<_, ApplicantRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(id_number)
    .bind(id_kind)
    .bind(name)
    .bind(phone)
    .bind(t)
    .fetch_one(&mut *c)
    .await)?)
}

/// Mark the applicant's online account as bound to the person (verified at a window).
pub async fn set_applicant_verified(h: H<'_>, id: i64) -> Result<(), StoreError> {
    on!(h, |c| sqlx::query(
        "update applicants set verified_at = $2, updated_at = $2 where id = $1"
    )
    .bind(id)
    .bind(now())
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Issue (or replace) an applicant's activation code.
pub async fn put_activation(
    h: H<'_>,
    applicant_id: i64,
    code_hash: &str,
    expires_at: DateTime<Utc>,
    issued_by: Option<i64>,
) -> Result<(), StoreError> {
    on!(h, |c| {
        sqlx::query(
        "insert into applicant_activations (applicant_id, code_hash, expires_at, failures, issued_by, created_at) \
         values ($1, $2, $3, 0, $4, $5) \
         on conflict (applicant_id) do update set code_hash = excluded.code_hash, \
           expires_at = excluded.expires_at, failures = 0, issued_by = excluded.issued_by, \
           created_at = excluded.created_at"
    )
    .bind(applicant_id)
    .bind(code_hash)
    .bind(expires_at)
    .bind(issued_by)
    .bind(now())
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// Use up the applicant's activation code if `code_hash` is it and it is still good (not
/// expired, fewer than `tries` wrong entries). One statement, so that of two concurrent uses only
/// one succeeds on every backend. `true` when it was used up here.
pub async fn consume_activation(
    h: H<'_>,
    applicant_id: i64,
    code_hash: &str,
    tries: i64,
) -> Result<bool, StoreError> {
    let n = on!(h, |c| sqlx::query(
        "delete from applicant_activations where applicant_id = $1 and code_hash = $2 \
         and expires_at > $3 and failures < $4"
    )
    .bind(applicant_id)
    .bind(code_hash)
    .bind(now())
    .bind(tries)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Count a wrong code (atomically, so that concurrent wrong entries all count).
pub async fn count_activation_failure(h: H<'_>, applicant_id: i64) -> Result<(), StoreError> {
    on!(h, |c| sqlx::query(
        "update applicant_activations set failures = failures + 1 where applicant_id = $1"
    )
    .bind(applicant_id)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Use up (or void) the applicant's activation code.
pub async fn delete_activation(h: H<'_>, applicant_id: i64) -> Result<(), StoreError> {
    on!(h, |c| sqlx::query(
        "delete from applicant_activations where applicant_id = $1"
    )
    .bind(applicant_id)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// End every session of an applicant (e.g. when the account passes to its verified owner).
pub async fn delete_applicant_sessions_of(h: H<'_>, applicant_id: i64) -> Result<u64, StoreError> {
    Ok(on!(h, |c| sqlx::query(
        "delete from applicant_sessions where applicant_id = $1"
    )
    .bind(applicant_id)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?)
}

/// Open an applicant session.
pub async fn insert_applicant_session(
    h: H<'_>,
    token_hash: &str,
    applicant_id: i64,
    csrf: &str,
    expires_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    on!(h, |c| sqlx::query(
        "insert into applicant_sessions (token_hash, applicant_id, csrf, created_at, expires_at) \
         values ($1, $2, $3, $4, $5)"
    )
    .bind(token_hash)
    .bind(applicant_id)
    .bind(csrf)
    .bind(now())
    .bind(expires_at)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// The applicant and CSRF token of a live session.
pub async fn applicant_session(
    h: H<'_>,
    token_hash: &str,
) -> Result<Option<(i64, String)>, StoreError> {
    Ok(on!(h, |c| {
        sqlx::query_as::<_, (i64, String)>(
        "select applicant_id, csrf from applicant_sessions where token_hash = $1 and expires_at > $2"
    )
    .bind(token_hash)
    .bind(now())
    .fetch_optional(&mut *c)
    .await
    })?)
}

/// Close an applicant session.
pub async fn delete_applicant_session(h: H<'_>, token_hash: &str) -> Result<(), StoreError> {
    on!(h, |c| sqlx::query(
        "delete from applicant_sessions where token_hash = $1"
    )
    .bind(token_hash)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Plans

/// A stored plan definition version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct PlanRow {
    /// Key.
    pub id: i64,
    /// Stable code.
    pub code: String,
    /// Version (1, 2, …).
    pub version: i64,
    /// Name.
    pub name: String,
    /// Bundle or single item.
    #[serde(deserialize_with = "crate::lite::flag")]
    pub bundle: bool,
    /// The version new cases use.
    #[serde(deserialize_with = "crate::lite::flag")]
    pub active: bool,
    /// The `PlanDef` as JSON.
    pub def: String,
    /// Created.
    pub created_at: DateTime<Utc>,
}

const PLAN_COLS: &str = "id, code, version, name, bundle, active, def, created_at";

/// Store a new version of a plan and make it the active one.
pub async fn insert_plan(
    mut h: H<'_>,
    code: &str,
    name: &str,
    bundle: bool,
    def: &str,
) -> Result<PlanRow, StoreError> {
    const MAX: &str = "select max(version) from case_plans where code = $1";
    const DEACTIVATE: &str = "update case_plans set active = false where code = $1";
    let sql = format!(
        "insert into case_plans (code, version, name, bundle, active, def, created_at) \
         values ($1, $2, $3, $4, true, $5, $6) returning {PLAN_COLS}"
    );
    if let H::Lite(l) = &mut h {
        let v: Option<i64> = l.scalar(MAX, args![code])?;
        l.exec(DEACTIVATE, args![code])?;
        return l.one(
            &sql,
            args![code, v.unwrap_or(0) + 1, name, bundle, def, now()],
        );
    }
    let v: Option<i64> = on!(&mut h, |c| sqlx::query_scalar::<_, Option<i64>>(MAX)
        .bind(code)
        .fetch_one(&mut **c)
        .await)?;
    on!(&mut h, |c| sqlx::query(DEACTIVATE)
        .bind(code)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(on!(&mut h, |c| sqlx::query_as::<_, PlanRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(code)
    .bind(v.unwrap_or(0) + 1)
    .bind(name)
    .bind(bundle)
    .bind(def)
    .bind(now())
    .fetch_one(&mut **c)
    .await)?)
}

/// The active version of a plan.
pub async fn active_plan(h: H<'_>, code: &str) -> Result<Option<PlanRow>, StoreError> {
    let sql = format!("select {PLAN_COLS} from case_plans where code = $1 and active");
    direct!(h, |l| l.opt(&sql, args![code]));
    Ok(on!(h, |c| sqlx::query_as::<_, PlanRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(code)
    .fetch_optional(&mut *c)
    .await)?)
}

/// One plan version.
pub async fn get_plan(h: H<'_>, id: i64) -> Result<PlanRow, StoreError> {
    let sql = format!("select {PLAN_COLS} from case_plans where id = $1");
    Ok(on!(h, |c| sqlx::query_as::<_, PlanRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(id)
    .fetch_one(&mut *c)
    .await)?)
}

/// Active bundle plans, by name.
pub async fn list_bundles(h: H<'_>) -> Result<Vec<PlanRow>, StoreError> {
    let sql = format!("select {PLAN_COLS} from case_plans where bundle and active order by code");
    Ok(on!(h, |c| sqlx::query_as::<_, PlanRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .fetch_all(&mut *c)
    .await)?)
}

// ---------------------------------------------------------------------------------------------
// Cases

/// A stored case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct CaseRow {
    /// Key.
    pub id: i64,
    /// 办件编号.
    pub case_no: String,
    /// Plan version.
    pub plan_id: i64,
    /// Name (item or bundle).
    pub name: String,
    /// Applicant.
    pub applicant_id: i64,
    /// Applicant's name.
    pub applicant_name: String,
    /// `resident-id` or `credit-code`.
    pub applicant_kind: String,
    /// The 一号.
    pub id_number: String,
    /// Contact person.
    pub contact_name: Option<String>,
    /// Contact phone.
    pub contact_phone: Option<String>,
    /// 代办人.
    pub agent_name: Option<String>,
    /// 代办人 ID number.
    pub agent_id_number: Option<String>,
    /// 法定代表人.
    pub legal_rep: Option<String>,
    /// Postal address.
    pub address: Option<String>,
    /// `window` or `online`.
    pub channel: String,
    /// Window of intake.
    pub window_id: Option<i64>,
    /// Case status machine name.
    pub status: String,
    /// `approve` / `deny` once completed.
    pub outcome: Option<String>,
    /// Delivery method.
    pub delivery: String,
    /// Delivery address (courier).
    pub delivery_address: Option<String>,
    /// Region of the case (numbering, scope).
    pub region_code: String,
    /// Department leading the current stage.
    pub lead_department_id: Option<i64>,
    /// Received (收件).
    pub received_at: DateTime<Utc>,
    /// Accepted (受理), the clocks' start day.
    pub accepted_on: Option<NaiveDate>,
    /// 承诺时限.
    pub promised_days: i64,
    /// 法定时限.
    pub statutory_days: i64,
    /// Clock events (JSON).
    pub clock_events: String,
    /// Promised due date (null while paused or not accepted).
    pub promised_due: Option<NaiveDate>,
    /// Statutory due date.
    pub statutory_due: Option<NaiveDate>,
    /// Index of the stage running.
    pub current_stage: i64,
    /// Number of stages.
    pub stage_count: i64,
    /// 容缺: date promised for the owed materials.
    pub tolerated_due: Option<NaiveDate>,
    /// Whether materials are still owed.
    #[serde(deserialize_with = "crate::lite::flag")]
    pub tolerated_open: bool,
    /// Checklist (JSON).
    pub materials: String,
    /// 办理摘要 / applicant's description.
    pub summary: String,
    /// Reason of 不予受理, withdrawal, termination.
    pub close_reason: Option<String>,
    /// Completed.
    pub completed_at: Option<DateTime<Utc>>,
    /// Clerk who took it in.
    pub intake_by: Option<i64>,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Changed.
    pub updated_at: DateTime<Utc>,
}

const CASE_COLS: &str = "id, case_no, plan_id, name, applicant_id, applicant_name, applicant_kind, \
    id_number, contact_name, contact_phone, agent_name, agent_id_number, legal_rep, address, \
    channel, window_id, status, outcome, delivery, delivery_address, region_code, \
    lead_department_id, received_at, accepted_on, promised_days, statutory_days, clock_events, \
    promised_due, statutory_due, current_stage, stage_count, tolerated_due, tolerated_open, \
    materials, summary, close_reason, completed_at, intake_by, version, created_at, updated_at";

/// Insert a case (its `id`, `version` and creation time are assigned; the rest is taken as
/// given). The row returned is `r` with those: every column is stored as given (no defaults or
/// triggers; times are whole microseconds), so reading the row back and decoding it, in the
/// writer's serial section, would only repeat it.
pub async fn insert_case(h: H<'_>, r: &CaseRow) -> Result<CaseRow, StoreError> {
    let t = now();
    let id = insert_case_row(h, r, t).await?;
    Ok(CaseRow {
        id,
        version: 1,
        created_at: t,
        updated_at: t,
        ..r.clone()
    })
}

async fn insert_case_row(h: H<'_>, r: &CaseRow, t: DateTime<Utc>) -> Result<i64, StoreError> {
    let sql = format!(
        "insert into cases ({}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, \
         $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, \
         $32, $33, $34, $35, $36, $37, 1, $38, $38) returning id",
        CASE_COLS
            .trim_start_matches("id, ")
            .trim_end_matches(", version, created_at, updated_at")
            .to_string()
            + ", version, created_at, updated_at"
    );
    direct!(h, |l| {
        l.scalar(
            &sql,
            args![
                r.case_no,
                r.plan_id,
                r.name,
                r.applicant_id,
                r.applicant_name,
                r.applicant_kind,
                r.id_number,
                r.contact_name,
                r.contact_phone,
                r.agent_name,
                r.agent_id_number,
                r.legal_rep,
                r.address,
                r.channel,
                r.window_id,
                r.status,
                r.outcome,
                r.delivery,
                r.delivery_address,
                r.region_code,
                r.lead_department_id,
                r.received_at,
                r.accepted_on,
                r.promised_days,
                r.statutory_days,
                r.clock_events,
                r.promised_due,
                r.statutory_due,
                r.current_stage,
                r.stage_count,
                r.tolerated_due,
                r.tolerated_open,
                r.materials,
                r.summary,
                r.close_reason,
                r.completed_at,
                r.intake_by,
                t
            ],
        )
    });
    Ok(on!(h, |c| sqlx::query_scalar::<_, i64>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(&r.case_no)
    .bind(r.plan_id)
    .bind(&r.name)
    .bind(r.applicant_id)
    .bind(&r.applicant_name)
    .bind(&r.applicant_kind)
    .bind(&r.id_number)
    .bind(&r.contact_name)
    .bind(&r.contact_phone)
    .bind(&r.agent_name)
    .bind(&r.agent_id_number)
    .bind(&r.legal_rep)
    .bind(&r.address)
    .bind(&r.channel)
    .bind(r.window_id)
    .bind(&r.status)
    .bind(&r.outcome)
    .bind(&r.delivery)
    .bind(&r.delivery_address)
    .bind(&r.region_code)
    .bind(r.lead_department_id)
    .bind(r.received_at)
    .bind(r.accepted_on)
    .bind(r.promised_days)
    .bind(r.statutory_days)
    .bind(&r.clock_events)
    .bind(r.promised_due)
    .bind(r.statutory_due)
    .bind(r.current_stage)
    .bind(r.stage_count)
    .bind(r.tolerated_due)
    .bind(r.tolerated_open)
    .bind(&r.materials)
    .bind(&r.summary)
    .bind(&r.close_reason)
    .bind(r.completed_at)
    .bind(r.intake_by)
    .bind(t)
    .fetch_one(&mut *c)
    .await)?)
}

/// Save the mutable state of a case, guarded by the version it was read at. Returns the new
/// version; [`StoreError::Conflict`] if someone else changed the case meanwhile.
pub async fn save_case(h: H<'_>, r: &CaseRow) -> Result<i64, StoreError> {
    const SQL: &str = "update cases set status = $3, outcome = $4, delivery = $5, delivery_address = $6, \
         lead_department_id = $7, accepted_on = $8, clock_events = $9, promised_due = $10, \
         statutory_due = $11, current_stage = $12, tolerated_due = $13, tolerated_open = $14, \
         materials = $15, close_reason = $16, completed_at = $17, intake_by = $18, \
         version = version + 1, updated_at = $19 \
         where id = $1 and version = $2";
    let n = match h {
        H::Lite(l) => l.exec(
            SQL,
            args![
                r.id,
                r.version,
                r.status,
                r.outcome,
                r.delivery,
                r.delivery_address,
                r.lead_department_id,
                r.accepted_on,
                r.clock_events,
                r.promised_due,
                r.statutory_due,
                r.current_stage,
                r.tolerated_due,
                r.tolerated_open,
                r.materials,
                r.close_reason,
                r.completed_at,
                r.intake_by,
                now()
            ],
        )?,
        h => on!(h, |c| sqlx::query(SQL)
            .bind(r.id)
            .bind(r.version)
            .bind(&r.status)
            .bind(&r.outcome)
            .bind(&r.delivery)
            .bind(&r.delivery_address)
            .bind(r.lead_department_id)
            .bind(r.accepted_on)
            .bind(&r.clock_events)
            .bind(r.promised_due)
            .bind(r.statutory_due)
            .bind(r.current_stage)
            .bind(r.tolerated_due)
            .bind(r.tolerated_open)
            .bind(&r.materials)
            .bind(&r.close_reason)
            .bind(r.completed_at)
            .bind(r.intake_by)
            .bind(now())
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected()))?,
    };
    if n == 0 {
        return Err(StoreError::Conflict(format!(
            "case {} changed since it was read",
            r.case_no
        )));
    }
    Ok(r.version + 1)
}

/// One case.
pub async fn get_case(h: H<'_>, id: i64) -> Result<CaseRow, StoreError> {
    let sql = format!("select {CASE_COLS} from cases where id = $1");
    direct!(h, |l| l.one(&sql, args![id]));
    Ok(on!(h, |c| sqlx::query_as::<_, CaseRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(id)
    .fetch_one(&mut *c)
    .await)?)
}

/// A case by its number.
pub async fn find_case_by_no(h: H<'_>, case_no: &str) -> Result<Option<CaseRow>, StoreError> {
    let sql = format!("select {CASE_COLS} from cases where case_no = $1");
    Ok(on!(h, |c| sqlx::query_as::<_, CaseRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(case_no)
    .fetch_optional(&mut *c)
    .await)?)
}

/// Which cases a list shows.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    /// Only this applicant's.
    pub applicant_id: Option<i64>,
    /// Only these statuses.
    pub statuses: Vec<String>,
    /// Only cases still owing 容缺 materials.
    pub tolerated_open: bool,
    /// Newest first (else by promised due date).
    pub newest_first: bool,
    /// At most this many.
    pub limit: i64,
}

/// Cases matching a filter.
pub async fn list_cases(h: H<'_>, f: &CaseFilter) -> Result<Vec<CaseRow>, StoreError> {
    let mut sql = format!("select {CASE_COLS} from cases where 1 = 1");
    if f.applicant_id.is_some() {
        sql.push_str(" and applicant_id = $1");
    } else {
        sql.push_str(" and $1 is null");
    }
    if !f.statuses.is_empty() {
        let list: Vec<String> = f
            .statuses
            .iter()
            .filter(|s| s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
            .map(|s| format!("'{s}'"))
            .collect();
        sql.push_str(&format!(" and status in ({})", list.join(", ")));
    }
    if f.tolerated_open {
        sql.push_str(" and tolerated_open = true");
    }
    if f.newest_first {
        sql.push_str(" order by id desc");
    } else if f.tolerated_open {
        sql.push_str(" order by tolerated_due, id");
    } else {
        sql.push_str(" order by promised_due, id");
    }
    sql.push_str(" limit $2");
    Ok(on!(h, |c| sqlx::query_as::<_, CaseRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(f.applicant_id)
    .bind(f.limit.clamp(1, 1000))
    .fetch_all(&mut *c)
    .await)?)
}

/// Ids of cases whose clocks run (for recomputing due dates after a calendar change).
pub async fn running_case_ids(h: H<'_>) -> Result<Vec<i64>, StoreError> {
    Ok(on!(h, |c| sqlx::query_scalar::<_, i64>(
        "select id from cases where status in ('in_review', 'paused') order by id"
    )
    .fetch_all(&mut *c)
    .await)?)
}

/// Counts of cases by status.
pub async fn count_by_status(h: H<'_>) -> Result<Vec<(String, i64)>, StoreError> {
    Ok(on!(h, |c| sqlx::query_as::<_, (String, i64)>(
        "select status, cast(count(*) as bigint) from cases group by status order by status"
    )
    .fetch_all(&mut *c)
    .await)?)
}

// ---------------------------------------------------------------------------------------------
// Tasks

/// A stored department task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct TaskRow {
    /// Key.
    pub id: i64,
    /// Case.
    pub case_id: i64,
    /// Stage index.
    pub stage: i64,
    /// Stage name.
    pub stage_name: String,
    /// Department.
    pub department_id: i64,
    /// `lead` or `co`.
    pub role: String,
    /// What the department does.
    pub name: String,
    /// Catalog item decided, if any.
    pub task_code: Option<String>,
    /// Working days allowed once open.
    pub days: i64,
    /// Lowest authority that may sign.
    pub authority_required: String,
    /// Task status machine name.
    pub status: String,
    /// Opened.
    pub opened_on: Option<NaiveDate>,
    /// Due (null while waiting or paused).
    pub due_date: Option<NaiveDate>,
    /// Opinion text.
    pub opinion: Option<String>,
    /// Review-standard checklist (JSON).
    pub checklist: Option<String>,
    /// Signer.
    pub decided_by: Option<i64>,
    /// Signer's name.
    pub decided_by_name: Option<String>,
    /// Decided.
    pub decided_at: Option<DateTime<Utc>>,
    /// Optimistic-concurrency version.
    pub version: i64,
}

const TASK_COLS: &str = "id, case_id, stage, stage_name, department_id, role, name, task_code, \
    days, authority_required, status, opened_on, due_date, opinion, checklist, decided_by, \
    decided_by_name, decided_at, version";

/// Store all tasks of a new case in one statement (ids are not returned; read them with
/// [`tasks_of`] when needed).
pub async fn insert_tasks(h: H<'_>, tasks: &[TaskRow]) -> Result<(), StoreError> {
    if tasks.is_empty() {
        return Ok(());
    }
    let mut sql = String::from(
        "insert into case_tasks (case_id, stage, stage_name, department_id, role, name, task_code, \
         days, authority_required, status, opened_on, due_date, version) values ",
    );
    for i in 0..tasks.len() {
        let b = i * 12;
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!(
            "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, 1)",
            b + 1,
            b + 2,
            b + 3,
            b + 4,
            b + 5,
            b + 6,
            b + 7,
            b + 8,
            b + 9,
            b + 10,
            b + 11,
            b + 12
        ));
    }
    if let H::Lite(l) = h {
        let mut a = Vec::with_capacity(tasks.len() * 12);
        for t in tasks {
            a.extend_from_slice(args![
                t.case_id,
                t.stage,
                t.stage_name,
                t.department_id,
                t.role,
                t.name,
                t.task_code,
                t.days,
                t.authority_required,
                t.status,
                t.opened_on,
                t.due_date
            ]);
        }
        l.exec(&sql, &a)?;
        return Ok(());
    }
    on!(h, |c| {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
        for t in tasks {
            q = q
                .bind(t.case_id)
                .bind(t.stage)
                .bind(&t.stage_name)
                .bind(t.department_id)
                .bind(&t.role)
                .bind(&t.name)
                .bind(&t.task_code)
                .bind(t.days)
                .bind(&t.authority_required)
                .bind(&t.status)
                .bind(t.opened_on)
                .bind(t.due_date);
        }
        q.execute(&mut *c).await.map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// Save a task's mutable state, guarded by its version.
pub async fn save_task(h: H<'_>, t: &TaskRow) -> Result<i64, StoreError> {
    const SQL: &str = "update case_tasks set status = $3, opened_on = $4, due_date = $5, opinion = $6, \
         checklist = $7, decided_by = $8, decided_by_name = $9, decided_at = $10, \
         version = version + 1 where id = $1 and version = $2";
    let n = match h {
        H::Lite(l) => l.exec(
            SQL,
            args![
                t.id,
                t.version,
                t.status,
                t.opened_on,
                t.due_date,
                t.opinion,
                t.checklist,
                t.decided_by,
                t.decided_by_name,
                t.decided_at
            ],
        )?,
        h => on!(h, |c| sqlx::query(SQL)
            .bind(t.id)
            .bind(t.version)
            .bind(&t.status)
            .bind(t.opened_on)
            .bind(t.due_date)
            .bind(&t.opinion)
            .bind(&t.checklist)
            .bind(t.decided_by)
            .bind(&t.decided_by_name)
            .bind(t.decided_at)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected()))?,
    };
    if n == 0 {
        return Err(StoreError::Conflict(format!(
            "task {} changed since it was read",
            t.id
        )));
    }
    Ok(t.version + 1)
}

/// The tasks of a case, by stage and id.
pub async fn tasks_of(h: H<'_>, case_id: i64) -> Result<Vec<TaskRow>, StoreError> {
    let sql = format!("select {TASK_COLS} from case_tasks where case_id = $1 order by stage, id");
    direct!(h, |l| l.all(&sql, args![case_id]));
    Ok(on!(h, |c| sqlx::query_as::<_, TaskRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(case_id)
    .fetch_all(&mut *c)
    .await)?)
}

/// What tells a case's stored state apart: its version and its tasks' ids and versions, by
/// stage and id. Every update of a case or a task bumps its version ([`save_case`],
/// [`save_task`]) and tasks are never deleted, so equal stamps mean that [`get_case`] and
/// [`tasks_of`] would read the same rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseStamp {
    /// `cases.version`.
    pub version: i64,
    /// `(case_tasks.id, case_tasks.version)`, by stage and id.
    pub tasks: Vec<(i64, i64)>,
}

impl CaseStamp {
    /// The stamp of rows already read.
    pub fn of(case: &CaseRow, tasks: &[TaskRow]) -> Self {
        CaseStamp {
            version: case.version,
            tasks: tasks.iter().map(|t| (t.id, t.version)).collect(),
        }
    }
}

#[derive(Deserialize, sqlx::FromRow)]
struct StampRow {
    case_version: i64,
    id: Option<i64>,
    version: Option<i64>,
}

/// The case's [`CaseStamp`] (`NotFound` if there is no such case): one query over two small
/// indexes, instead of reading and decoding the rows.
pub async fn stamp(h: H<'_>, case_id: i64) -> Result<CaseStamp, StoreError> {
    const SQL: &str = "select c.version as case_version, t.id, t.version from cases c \
         left join case_tasks t on t.case_id = c.id where c.id = $1 order by t.stage, t.id";
    let rows: Vec<StampRow> = match h {
        H::Lite(l) => l.all(SQL, args![case_id])?,
        h => on!(h, |c| sqlx::query_as::<_, StampRow>(SQL)
            .bind(case_id)
            .fetch_all(&mut *c)
            .await)?,
    };
    let version = rows
        .first()
        .map(|r| r.case_version)
        .ok_or(StoreError::NotFound)?;
    Ok(CaseStamp {
        version,
        tasks: rows
            .iter()
            .filter_map(|r| Some((r.id?, r.version?)))
            .collect(),
    })
}

/// One task.
pub async fn get_task(h: H<'_>, id: i64) -> Result<TaskRow, StoreError> {
    let sql = format!("select {TASK_COLS} from case_tasks where id = $1");
    direct!(h, |l| l.one(&sql, args![id]));
    Ok(on!(h, |c| sqlx::query_as::<_, TaskRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(id)
    .fetch_one(&mut *c)
    .await)?)
}

/// A row of a reviewer's queue: the task and what the reviewer needs of its case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct QueueRow {
    /// Task.
    pub task_id: i64,
    /// Task name.
    pub task_name: String,
    /// Stage name.
    pub stage_name: String,
    /// `lead` / `co`.
    pub role: String,
    /// Task due date (null while the case is paused).
    pub due_date: Option<NaiveDate>,
    /// Opened.
    pub opened_on: Option<NaiveDate>,
    /// Case.
    pub case_id: i64,
    /// 办件编号.
    pub case_no: String,
    /// Case name.
    pub case_name: String,
    /// Applicant.
    pub applicant_name: String,
    /// Case status.
    pub case_status: String,
    /// Case promised due date.
    pub promised_due: Option<NaiveDate>,
}

/// Open tasks of the given departments, soonest due first (paused cases last).
///
/// Each department is read as one range of the index `(department_id, status, due_date, id)`
/// — already in queue order, so the database reads at most `limit` entries and never sorts — and
/// the per-department lists are merged here. Tasks without a due date (their case is paused)
/// follow, oldest first.
pub async fn queue(
    mut h: H<'_>,
    departments: &[i64],
    limit: i64,
) -> Result<Vec<QueueRow>, StoreError> {
    let limit = limit.clamp(1, 500);
    const SELECT: &str = "select t.id as task_id, t.name as task_name, t.stage_name, t.role, \
         t.due_date, t.opened_on, c.id as case_id, c.case_no, c.name as case_name, \
         c.applicant_name, c.status as case_status, c.promised_due \
         from case_tasks t join cases c on c.id = t.case_id";
    let dated = format!(
        "{SELECT} where t.department_id = $1 and t.status = 'open' and t.due_date is not null \
         order by t.due_date, t.id limit $2"
    );
    let paused = format!(
        "{SELECT} where t.department_id = $1 and t.status = 'open' and t.due_date is null \
         order by t.id limit $2"
    );
    let mut rows: Vec<QueueRow> = Vec::new();
    for d in departments {
        let part = on!(&mut h, |c| sqlx::query_as::<_, QueueRow>(
            sqlx::AssertSqlSafe(dated.clone())
        )
        .bind(*d)
        .bind(limit)
        .fetch_all(&mut **c)
        .await)?;
        rows.extend(part);
    }
    rows.sort_by_key(|r| (r.due_date, r.task_id));
    rows.truncate(usize::try_from(limit).unwrap_or(500));
    let left = limit - i64::try_from(rows.len()).unwrap_or(limit);
    if left > 0 {
        let mut tail: Vec<QueueRow> = Vec::new();
        for d in departments {
            let part = on!(&mut h, |c| sqlx::query_as::<_, QueueRow>(
                sqlx::AssertSqlSafe(paused.clone())
            )
            .bind(*d)
            .bind(left)
            .fetch_all(&mut **c)
            .await)?;
            tail.extend(part);
        }
        tail.sort_by_key(|r| r.task_id);
        tail.truncate(usize::try_from(left).unwrap_or(0));
        rows.extend(tail);
    }
    Ok(rows)
}

/// Number of open tasks of the given departments.
pub async fn queue_len(h: H<'_>, departments: &[i64]) -> Result<i64, StoreError> {
    if departments.is_empty() {
        return Ok(0);
    }
    let ids: Vec<String> = departments.iter().map(|d| d.to_string()).collect();
    let sql = format!(
        "select cast(count(*) as bigint) from case_tasks where department_id in ({}) and status = 'open'",
        ids.join(", ")
    );
    Ok(on!(h, |c| sqlx::query_scalar::<_, i64>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .fetch_one(&mut *c)
    .await)?)
}

// ---------------------------------------------------------------------------------------------
// Process log, notices, files

/// One entry of a case's process log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct EventRow {
    /// Key.
    pub id: i64,
    /// Case.
    pub case_id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who (label).
    pub actor: String,
    /// What (machine name).
    pub action: String,
    /// Details (JSON).
    pub detail: String,
}

/// Append to a case's process log.
pub async fn insert_event(
    h: H<'_>,
    case_id: i64,
    actor: &str,
    action: &str,
    detail: &serde_json::Value,
) -> Result<(), StoreError> {
    const SQL: &str =
        "insert into case_events (case_id, at, actor, action, detail) values ($1, $2, $3, $4, $5)";
    direct!(h, |l| {
        l.exec(
            SQL,
            args![case_id, now(), actor, action, detail.to_string()],
        )?;
        Ok(())
    });
    on!(h, |c| sqlx::query(SQL)
        .bind(case_id)
        .bind(now())
        .bind(actor)
        .bind(action)
        .bind(detail.to_string())
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// A case's process log, oldest first.
pub async fn events_of(h: H<'_>, case_id: i64) -> Result<Vec<EventRow>, StoreError> {
    Ok(on!(h, |c| {
        sqlx::query_as::<_, EventRow>(
        "select id, case_id, at, actor, action, detail from case_events where case_id = $1 order by id"
    )
    .bind(case_id)
    .fetch_all(&mut *c)
    .await
    })?)
}

/// A stored notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct NoticeRow {
    /// Key.
    pub id: i64,
    /// Case.
    pub case_id: i64,
    /// Kind machine name.
    pub kind: String,
    /// Document number.
    pub number: String,
    /// Issued.
    pub issued_at: DateTime<Utc>,
    /// Content (JSON).
    pub body: String,
}

/// Store a notice.
pub async fn insert_notice(
    h: H<'_>,
    case_id: i64,
    kind: &str,
    number: &str,
    body: &serde_json::Value,
) -> Result<NoticeRow, StoreError> {
    const SQL: &str = "insert into case_notices (case_id, kind, number, issued_at, body) values ($1, $2, $3, $4, $5) \
         returning id, case_id, kind, number, issued_at, body";
    direct!(h, |l| l
        .one(SQL, args![case_id, kind, number, now(), body.to_string()]));
    Ok(on!(h, |c| {
        sqlx::query_as::<_, NoticeRow>(SQL)
            .bind(case_id)
            .bind(kind)
            .bind(number)
            .bind(now())
            .bind(body.to_string())
            .fetch_one(&mut *c)
            .await
    })?)
}

/// A case's notices, oldest first.
pub async fn notices_of(h: H<'_>, case_id: i64) -> Result<Vec<NoticeRow>, StoreError> {
    Ok(on!(h, |c| {
        sqlx::query_as::<_, NoticeRow>(
        "select id, case_id, kind, number, issued_at, body from case_notices where case_id = $1 order by id"
    )
    .bind(case_id)
    .fetch_all(&mut *c)
    .await
    })?)
}

/// One notice.
pub async fn get_notice(h: H<'_>, id: i64) -> Result<NoticeRow, StoreError> {
    Ok(on!(h, |c| sqlx::query_as::<_, NoticeRow>(
        "select id, case_id, kind, number, issued_at, body from case_notices where id = $1"
    )
    .bind(id)
    .fetch_one(&mut *c)
    .await)?)
}

/// A stored uploaded file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct FileRow {
    /// Key.
    pub id: i64,
    /// Case.
    pub case_id: i64,
    /// Material it belongs to.
    pub material: String,
    /// Original file name.
    pub filename: String,
    /// Media type.
    pub media_type: String,
    /// Size in bytes.
    pub size: i64,
    /// SHA-256 of the content (its name in the store).
    pub sha256: String,
    /// Uploaded.
    pub uploaded_at: DateTime<Utc>,
}

/// Record an uploaded file.
pub async fn insert_file(h: H<'_>, f: &FileRow) -> Result<i64, StoreError> {
    const SQL: &str = "insert into case_files (case_id, material, filename, media_type, size, sha256, uploaded_at) \
         values ($1, $2, $3, $4, $5, $6, $7) returning id";
    direct!(h, |l| {
        l.scalar(
            SQL,
            args![
                f.case_id,
                f.material,
                f.filename,
                f.media_type,
                f.size,
                f.sha256,
                now()
            ],
        )
    });
    Ok(on!(h, |c| {
        sqlx::query_scalar::<_, i64>(SQL)
            .bind(f.case_id)
            .bind(&f.material)
            .bind(&f.filename)
            .bind(&f.media_type)
            .bind(f.size)
            .bind(&f.sha256)
            .bind(now())
            .fetch_one(&mut *c)
            .await
    })?)
}

/// A case's files.
pub async fn files_of(h: H<'_>, case_id: i64) -> Result<Vec<FileRow>, StoreError> {
    Ok(on!(h, |c| sqlx::query_as::<_, FileRow>(
        "select id, case_id, material, filename, media_type, size, sha256, uploaded_at \
         from case_files where case_id = $1 order by id"
    )
    .bind(case_id)
    .fetch_all(&mut *c)
    .await)?)
}

/// Set a user's signing authority (领导授权).
pub async fn set_sign_authority(
    h: H<'_>,
    user_id: i64,
    authority: Option<&str>,
) -> Result<(), StoreError> {
    on!(h, |c| sqlx::query(
        "update users set sign_authority = $2 where id = $1"
    )
    .bind(user_id)
    .bind(authority)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// A user's signing authority.
pub async fn sign_authority(h: H<'_>, user_id: i64) -> Result<Option<String>, StoreError> {
    const SQL: &str = "select sign_authority from users where id = $1";
    direct!(h, |l| l.scalar(SQL, args![user_id]));
    Ok(on!(h, |c| sqlx::query_scalar::<_, Option<String>>(SQL)
        .bind(user_id)
        .fetch_one(&mut *c)
        .await)?)
}

/// Serialise writers of one case for the rest of the transaction. PostgreSQL: a row lock
/// (`for update`); SQLite: the transaction already holds the database write lock
/// (`BEGIN IMMEDIATE`), so this does nothing.
pub async fn lock_case(h: H<'_>, id: i64) -> Result<(), StoreError> {
    match h {
        // SQLite write transactions are already exclusive: one writer connection per process
        // (group commit) and `BEGIN IMMEDIATE` across processes. Nothing to lock; the read
        // that follows reports a missing case.
        H::Sqlite(_) | H::Lite(_) => {
            let _ = id;
        }
        H::Postgres(c) => {
            sqlx::query_scalar::<_, i64>("select id from cases where id = $1 for update")
                .bind(id)
                .fetch_one(&mut *c)
                .await?;
        }
    }
    Ok(())
}
