//! # onewindow-storage
//!
//! All SQL of OneWindow lives here. One query code path serves both back ends: a [`Db`] enum
//! holds either an SQLite or a PostgreSQL pool, and the private `on!` macro stamps the same sqlx
//! body once per back end (SQL written in the common subset: `$n` placeholders, `returning`,
//! lowercase keywords, no vendor functions). Where the back ends must differ, the difference is
//! an explicit match arm in the module concerned.
//!
//! Repository functions take an [`H`] (a handle on one connection, borrowed from a [`Tx`] or a
//! [`Conn`]) so that the same function works inside a use-case transaction and for plain reads.
#![warn(missing_docs)]

mod db;
mod error;
mod group;
mod lite;

pub mod audit;
pub mod calendar;
pub mod cases;
pub mod catalog;
pub mod disclosure;
pub mod items;
pub mod licenses;
pub mod org;
pub mod reports;
pub mod sessions;
pub mod tokens;
pub mod users;

pub use db::{Backend, Conn, Db, DbOptions, H, SqliteDb, Tx};
pub use error::StoreError;
pub use group::GroupTx;
pub use lite::{LiteConn, LiteRead};

/// Current time truncated to microseconds, the precision every back end stores exactly.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::SubsecRound;
    chrono::Utc::now().trunc_subsecs(6)
}

/// A random token of `n` bytes, hex-encoded (for sessions, CSRF and API tokens).
pub fn random_token(n: usize) -> Result<String, StoreError> {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf).map_err(|e| StoreError::Other(format!("random source: {e}")))?;
    Ok(hex::encode(buf))
}

/// A random code for people to type: `len` characters from 32 letters and digits without the
/// look-alikes 0/O and 1/I (5 bits each).
pub fn random_code(len: usize) -> Result<String, StoreError> {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut buf = vec![0u8; len];
    getrandom::fill(&mut buf).map_err(|e| StoreError::Other(format!("random source: {e}")))?;
    Ok(buf
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(b & 31)]))
        .collect())
}

/// SHA-256 (hex) of a secret token, as stored.
pub fn token_hash(token: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Pool types, for test support that runs raw SQL.
pub type PgPoolRef = sqlx::PgPool;
/// Pool types, for test support that runs raw SQL.
pub type SqlitePoolRef = sqlx::SqlitePool;

/// Raw SQL for tests and maintenance tools (never used by the application itself).
pub mod raw {
    /// Execute one statement on PostgreSQL.
    pub async fn exec_pg(p: &sqlx::PgPool, sql: &str) -> Result<u64, sqlx::Error> {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(p)
            .await
            .map(|r| r.rows_affected())
    }

    /// The first column (text) of every row of a query on PostgreSQL.
    pub async fn strings_pg(p: &sqlx::PgPool, sql: &str) -> Result<Vec<String>, sqlx::Error> {
        sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql.to_string()))
            .fetch_all(p)
            .await
    }

    /// The first column (text) of every row of a query on SQLite.
    pub async fn strings_sqlite(
        p: &sqlx::SqlitePool,
        sql: &str,
    ) -> Result<Vec<String>, sqlx::Error> {
        sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql.to_string()))
            .fetch_all(p)
            .await
    }

    /// Execute one statement on SQLite.
    pub async fn exec_sqlite(p: &sqlx::SqlitePool, sql: &str) -> Result<u64, sqlx::Error> {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(p)
            .await
            .map(|r| r.rows_affected())
    }
}

/// SHA-256 (hex) of bytes (content addresses of stored files).
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}
