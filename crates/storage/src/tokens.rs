//! API tokens for machine clients (WeChat mini-program back ends, kiosks, scripts).

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::StoreError;
use crate::db::{H, on};

/// A stored API token (the secret itself is never stored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ApiTokenRow {
    /// Key.
    pub id: i64,
    /// Account the token acts as.
    pub user_id: i64,
    /// Label.
    pub name: String,
    /// SHA-256 (hex) of the token.
    #[serde(skip)]
    pub token_hash: String,
    /// Issued.
    pub created_at: DateTime<Utc>,
    /// Expiry, if any.
    pub expires_at: Option<DateTime<Utc>>,
    /// Last use.
    pub last_used_at: Option<DateTime<Utc>>,
    /// Revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

const TOK_COLS: &str =
    "id, user_id, name, token_hash, created_at, expires_at, last_used_at, revoked_at";

/// Store a token.
pub async fn insert_token(
    h: H<'_>,
    user_id: i64,
    name: &str,
    token_hash: &str,
    created_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
) -> Result<ApiTokenRow, StoreError> {
    let sql = format!(
        "insert into api_tokens (user_id, name, token_hash, created_at, expires_at) \
         values ($1, $2, $3, $4, $5) returning {TOK_COLS}"
    );
    Ok(on!(h, |c| sqlx::query_as::<_, ApiTokenRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(user_id)
    .bind(name)
    .bind(token_hash)
    .bind(created_at)
    .bind(expires_at)
    .fetch_one(&mut *c)
    .await)?)
}

/// A usable token by hash: not revoked, not expired.
pub async fn find_usable(
    h: H<'_>,
    token_hash: &str,
    at: DateTime<Utc>,
) -> Result<Option<ApiTokenRow>, StoreError> {
    let sql = format!(
        "select {TOK_COLS} from api_tokens where token_hash = $1 and revoked_at is null \
         and (expires_at is null or expires_at > $2)"
    );
    Ok(on!(h, |c| sqlx::query_as::<_, ApiTokenRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(token_hash)
    .bind(at)
    .fetch_optional(&mut *c)
    .await)?)
}

/// Record a use.
pub async fn touch(h: H<'_>, id: i64, at: DateTime<Utc>) -> Result<(), StoreError> {
    on!(h, |c| sqlx::query(
        "update api_tokens set last_used_at = $1 where id = $2"
    )
    .bind(at)
    .bind(id)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Revoke a token.
pub async fn revoke(h: H<'_>, id: i64, at: DateTime<Utc>) -> Result<ApiTokenRow, StoreError> {
    let sql = format!(
        "update api_tokens set revoked_at = $1 where id = $2 and revoked_at is null returning {TOK_COLS}"
    );
    Ok(on!(h, |c| sqlx::query_as::<_, ApiTokenRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(at)
    .bind(id)
    .fetch_one(&mut *c)
    .await)?)
}

/// All tokens, newest first.
pub async fn list(h: H<'_>) -> Result<Vec<ApiTokenRow>, StoreError> {
    let sql = format!("select {TOK_COLS} from api_tokens order by id desc");
    Ok(on!(h, |c| sqlx::query_as::<_, ApiTokenRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .fetch_all(&mut *c)
    .await)?)
}
