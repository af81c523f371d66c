//! The storage layer's one error type.

/// What can go wrong in storage.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row asked for does not exist.
    #[error("not found")]
    NotFound,
    /// A guarded update found the row changed since it was read (optimistic concurrency), or a
    /// state guard did not match.
    #[error("conflict: {0}")]
    Conflict(String),
    /// A uniqueness constraint was violated; carries the constraint or column description.
    #[error("duplicate: {0}")]
    Duplicate(String),
    /// Misconfiguration, e.g. an unsupported database URL.
    #[error("configuration: {0}")]
    Config(String),
    /// Applying migrations failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Any other database error.
    #[error("database: {0}")]
    Database(sqlx::Error),
    /// A database error on the direct SQLite path ([`crate::lite`]).
    #[error("database: {0}")]
    Sqlite(String),
    /// Anything else (e.g. corrupt stored JSON).
    #[error("{0}")]
    Other(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Duplicate(db.constraint().unwrap_or(db.message()).to_string())
            }
            _ => StoreError::Database(e),
        }
    }
}
