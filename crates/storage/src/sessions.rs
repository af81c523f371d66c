//! Login sessions, stored in the database so that several app nodes can share them.

use chrono::{DateTime, Utc};

use crate::StoreError;
use crate::db::{H, on};

/// A stored session (the id is the SHA-256 of the cookie token).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionRow {
    /// SHA-256 (hex) of the token.
    pub id: String,
    /// Account.
    pub user_id: i64,
    /// Per-session CSRF token, embedded in every form.
    pub csrf_token: String,
    /// Opened.
    pub created_at: DateTime<Utc>,
    /// Expires (absolute).
    pub expires_at: DateTime<Utc>,
    /// Last request.
    pub last_seen_at: DateTime<Utc>,
    /// Source address at login.
    pub source: Option<String>,
    /// Browser at login.
    pub user_agent: Option<String>,
}

/// Store a new session.
pub async fn insert_session(h: H<'_>, s: &SessionRow) -> Result<(), StoreError> {
    on!(h, |c| {
        sqlx::query(
        "insert into sessions (id, user_id, csrf_token, created_at, expires_at, last_seen_at, source, user_agent) \
         values ($1, $2, $3, $4, $5, $6, $7, $8)"
    )
    .bind(&s.id)
    .bind(s.user_id)
    .bind(&s.csrf_token)
    .bind(s.created_at)
    .bind(s.expires_at)
    .bind(s.last_seen_at)
    .bind(&s.source)
    .bind(&s.user_agent)
    .execute(&mut *c)
    .await.map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// A live (unexpired) session by its id.
pub async fn get_live_session(
    h: H<'_>,
    id: &str,
    at: DateTime<Utc>,
) -> Result<Option<SessionRow>, StoreError> {
    Ok(on!(h, |c| sqlx::query_as::<_, SessionRow>(
        "select id, user_id, csrf_token, created_at, expires_at, last_seen_at, source, user_agent \
         from sessions where id = $1 and expires_at > $2"
    )
    .bind(id)
    .bind(at)
    .fetch_optional(&mut *c)
    .await)?)
}

/// Update last-seen time.
pub async fn touch_session(h: H<'_>, id: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
    on!(h, |c| sqlx::query(
        "update sessions set last_seen_at = $1 where id = $2"
    )
    .bind(at)
    .bind(id)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Delete one session; returns its user if it existed.
pub async fn delete_session(h: H<'_>, id: &str) -> Result<Option<i64>, StoreError> {
    Ok(on!(h, |c| sqlx::query_scalar::<_, i64>(
        "delete from sessions where id = $1 returning user_id"
    )
    .bind(id)
    .fetch_optional(&mut *c)
    .await)?)
}

/// Delete every session of a user (on disable or password change).
pub async fn delete_user_sessions(h: H<'_>, user_id: i64) -> Result<u64, StoreError> {
    Ok(on!(h, |c| sqlx::query(
        "delete from sessions where user_id = $1"
    )
    .bind(user_id)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?)
}

/// Delete expired sessions.
pub async fn purge_expired(h: H<'_>, at: DateTime<Utc>) -> Result<u64, StoreError> {
    Ok(on!(h, |c| sqlx::query(
        "delete from sessions where expires_at <= $1"
    )
    .bind(at)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?)
}
