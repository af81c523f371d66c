//! Staff accounts and their role grants.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::db::{H, on};
use crate::{StoreError, now};

/// A stored staff account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct UserRow {
    /// Key.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Name shown to others.
    pub display_name: String,
    /// PHC-format argon2id hash.
    #[serde(skip)]
    pub password_hash: String,
    /// Home department.
    pub department_id: Option<i64>,
    /// Whether the account may log in.
    pub active: bool,
    /// Consecutive failed logins.
    pub failed_logins: i64,
    /// Locked until this time after too many failures.
    pub locked_until: Option<DateTime<Utc>>,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

const USER_COLS: &str = "id, username, display_name, password_hash, department_id, active, \
    failed_logins, locked_until, version, created_at, updated_at";

/// Insert an account.
pub async fn insert_user(
    h: H<'_>,
    username: &str,
    display_name: &str,
    password_hash: &str,
    department_id: Option<i64>,
) -> Result<UserRow, StoreError> {
    let t = now();
    let sql = format!(
        "insert into users (username, display_name, password_hash, department_id, active, failed_logins, version, created_at, updated_at) \
         values ($1, $2, $3, $4, true, 0, 1, $5, $5) returning {USER_COLS}"
    );
    Ok(on!(h, |c| sqlx::query_as::<_, UserRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(username)
    .bind(display_name)
    .bind(password_hash)
    .bind(department_id)
    .bind(t)
    .fetch_one(&mut *c)
    .await)?)
}

/// One account by id.
pub async fn get_user(h: H<'_>, id: i64) -> Result<UserRow, StoreError> {
    let sql = format!("select {USER_COLS} from users where id = $1");
    Ok(on!(h, |c| sqlx::query_as::<_, UserRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(id)
    .fetch_one(&mut *c)
    .await)?)
}

/// One account by username.
pub async fn find_user_by_username(
    h: H<'_>,
    username: &str,
) -> Result<Option<UserRow>, StoreError> {
    let sql = format!("select {USER_COLS} from users where username = $1");
    Ok(on!(h, |c| sqlx::query_as::<_, UserRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(username)
    .fetch_optional(&mut *c)
    .await)?)
}

/// Accounts, optionally of one department, ordered by username.
pub async fn list_users(h: H<'_>, department: Option<i64>) -> Result<Vec<UserRow>, StoreError> {
    let sql = format!(
        "select {USER_COLS} from users where ($1 is null or department_id = $1) order by username"
    );
    Ok(on!(h, |c| sqlx::query_as::<_, UserRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(department)
    .fetch_all(&mut *c)
    .await)?)
}

/// Change display name, department and active flag, guarded by version.
pub async fn update_user(
    h: H<'_>,
    id: i64,
    display_name: &str,
    department_id: Option<i64>,
    active: bool,
    expected_version: i64,
) -> Result<UserRow, StoreError> {
    let t = now();
    let sql = format!(
        "update users set display_name = $1, department_id = $2, active = $3, \
         version = version + 1, updated_at = $4 where id = $5 and version = $6 returning {USER_COLS}"
    );
    let row = on!(h, |c| sqlx::query_as::<_, UserRow>(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(display_name)
    .bind(department_id)
    .bind(active)
    .bind(t)
    .bind(id)
    .bind(expected_version)
    .fetch_optional(&mut *c)
    .await)?;
    row.ok_or_else(|| StoreError::Conflict(format!("user {id} version {expected_version}")))
}

/// Set the active flag (unguarded: disabling must always succeed).
pub async fn set_active(h: H<'_>, id: i64, active: bool) -> Result<UserRow, StoreError> {
    let t = now();
    let sql = format!(
        "update users set active = $1, version = version + 1, updated_at = $2 where id = $3 returning {USER_COLS}"
    );
    Ok(on!(h, |c| sqlx::query_as::<_, UserRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(active)
    .bind(t)
    .bind(id)
    .fetch_one(&mut *c)
    .await)?)
}

/// Replace the password hash and clear any lockout.
pub async fn set_password_hash(h: H<'_>, id: i64, hash: &str) -> Result<(), StoreError> {
    let t = now();
    let n = on!(h, |c| sqlx::query(
        "update users set password_hash = $1, failed_logins = 0, locked_until = null, \
         version = version + 1, updated_at = $2 where id = $3"
    )
    .bind(hash)
    .bind(t)
    .bind(id)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Record a failed login; returns the new count. `lock_until` locks the account when given.
pub async fn record_login_failure(
    h: H<'_>,
    id: i64,
    lock_until: Option<DateTime<Utc>>,
) -> Result<i64, StoreError> {
    Ok(on!(h, |c| sqlx::query_scalar::<_, i64>(
        "update users set failed_logins = failed_logins + 1, \
         locked_until = coalesce($1, locked_until) where id = $2 returning failed_logins"
    )
    .bind(lock_until)
    .bind(id)
    .fetch_one(&mut *c)
    .await)?)
}

/// Clear the failure counter after a successful login.
pub async fn reset_login_failures(h: H<'_>, id: i64) -> Result<(), StoreError> {
    on!(h, |c| sqlx::query(
        "update users set failed_logins = 0, locked_until = null where id = $1"
    )
    .bind(id)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// A stored role grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct GrantRow {
    /// Key.
    pub id: i64,
    /// Account.
    pub user_id: i64,
    /// Role machine name.
    pub role: String,
    /// `global`, `region` or `department`.
    pub scope_kind: String,
    /// Region of a region grant.
    pub region_code: Option<String>,
    /// Department of a department grant.
    pub department_id: Option<i64>,
    /// Created.
    pub created_at: DateTime<Utc>,
}

/// Grants of one account.
pub async fn list_grants(h: H<'_>, user_id: i64) -> Result<Vec<GrantRow>, StoreError> {
    Ok(on!(h, |c| sqlx::query_as::<_, GrantRow>(
        "select id, user_id, role, scope_kind, region_code, department_id, created_at \
         from user_grants where user_id = $1 order by id"
    )
    .bind(user_id)
    .fetch_all(&mut *c)
    .await)?)
}

/// Every grant (for account lists).
pub async fn list_all_grants(h: H<'_>) -> Result<Vec<GrantRow>, StoreError> {
    Ok(on!(h, |c| sqlx::query_as::<_, GrantRow>(
        "select id, user_id, role, scope_kind, region_code, department_id, created_at \
         from user_grants order by user_id, id"
    )
    .fetch_all(&mut *c)
    .await)?)
}

/// Add a grant.
pub async fn insert_grant(
    h: H<'_>,
    user_id: i64,
    role: &str,
    scope_kind: &str,
    region_code: Option<&str>,
    department_id: Option<i64>,
) -> Result<GrantRow, StoreError> {
    let t = now();
    Ok(on!(h, |c| {
        sqlx::query_as::<_, GrantRow>(
        "insert into user_grants (user_id, role, scope_kind, region_code, department_id, created_at) \
         values ($1, $2, $3, $4, $5, $6) \
         returning id, user_id, role, scope_kind, region_code, department_id, created_at"
    )
    .bind(user_id)
    .bind(role)
    .bind(scope_kind)
    .bind(region_code)
    .bind(department_id)
    .bind(t)
    .fetch_one(&mut *c)
    .await
    })?)
}

/// Remove a grant of a user; [`StoreError::NotFound`] if it is not theirs.
pub async fn delete_grant(h: H<'_>, user_id: i64, grant_id: i64) -> Result<GrantRow, StoreError> {
    Ok(on!(h, |c| sqlx::query_as::<_, GrantRow>(
        "delete from user_grants where id = $1 and user_id = $2 \
         returning id, user_id, role, scope_kind, region_code, department_id, created_at"
    )
    .bind(grant_id)
    .bind(user_id)
    .fetch_one(&mut *c)
    .await)?)
}
