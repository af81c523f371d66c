//! Connection pools for both back ends, transactions, and the `on!` macro.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgConnection, PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool, Transaction};

use crate::StoreError;
use crate::group::{GroupTx, Writer};
use std::sync::Arc;

impl H<'_> {
    /// Reborrow, so that one handle can serve several repository calls.
    pub fn re(&mut self) -> H<'_> {
        match self {
            H::Sqlite(c) => H::Sqlite(c),
            H::Postgres(c) => H::Postgres(c),
            H::Lite(c) => H::Lite(c),
        }
    }
}

/// Run the same sqlx body on whichever back end `$h` is; `$c` is `&mut <Backend>Connection`.
/// A direct handle ([`H::Lite`]) has no sqlx connection: a function meant for the direct path
/// matches it before using `on!`; any other fails here with an error naming the problem.
macro_rules! on {
    ($h:expr, |$c:ident| $body:expr) => {
        match $h {
            $crate::db::H::Sqlite($c) => $body,
            $crate::db::H::Postgres($c) => $body,
            $crate::db::H::Lite(_) => Err($crate::db::not_direct(module_path!(), line!())),
        }
    };
}
pub(crate) use on;

/// The direct-path arm of a repository function: on a direct handle ([`H::Lite`]) return
/// `$body` with `$l` the connection; otherwise `$h` stays the handle for `on!`.
macro_rules! direct {
    ($h:ident, |$l:ident| $body:expr) => {
        let $h = match $h {
            $crate::db::H::Lite($l) => return $body,
            h => h,
        };
    };
}
pub(crate) use direct;

/// The error of a repository call that has no direct-path implementation.
pub(crate) fn not_direct(module: &str, line: u32) -> sqlx::Error {
    sqlx::Error::Protocol(format!(
        "{module}:{line} is not available on the direct SQLite path (a transaction begun with begin_direct)"
    ))
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Which back end a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// Pool of connections to one database.
#[derive(Clone, Debug)]
pub enum Db {
    /// Embedded SQLite (WAL mode): pooled connections for reads, one group-commit writer.
    Sqlite(SqliteDb),
    /// PostgreSQL.
    Postgres(PgPool),
}

/// Connection settings.
#[derive(Debug, Clone)]
pub struct DbOptions {
    /// `sqlite:PATH`, `sqlite::memory:`, `postgres://…` or `postgresql://…`.
    pub url: String,
    /// Maximum pool size.
    pub max_connections: u32,
    /// SQLite only: `full` (every commit reaches the disk before returning; the default) or
    /// `normal` (faster; the newest commits may be lost on power failure, never corrupted).
    pub sqlite_synchronous_full: bool,
    /// PostgreSQL only: a schema to use as `search_path` (tests use one schema per test).
    pub pg_schema: Option<String>,
    /// How long to wait for a connection at start-up before giving up.
    pub connect_timeout: Duration,
}

/// SQLite `cache_size` of each read connection: negative means KiB.
const READER_CACHE_SIZE: &str = "-1024";

impl DbOptions {
    /// Options for a URL with the defaults.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            max_connections: 16,
            sqlite_synchronous_full: true,
            pg_schema: None,
            connect_timeout: Duration::from_secs(5),
        }
    }

    /// The SQLite URL of a file inside a data directory.
    pub fn sqlite_in(data_dir: &Path) -> Self {
        Self::new(format!(
            "sqlite:{}",
            data_dir.join("onewindow.db").display()
        ))
    }
}

/// A URL with any password replaced, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

impl Db {
    /// Connect, choosing the back end strictly from the URL scheme.
    pub async fn connect(opts: &DbOptions) -> Result<Db, StoreError> {
        let url = opts.url.as_str();
        if url.starts_with("sqlite:") {
            let co = SqliteConnectOptions::from_str(url)
                .map_err(|e| StoreError::Config(format!("invalid SQLite URL {url}: {e}")))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(if opts.sqlite_synchronous_full {
                    SqliteSynchronous::Full
                } else {
                    SqliteSynchronous::Normal
                })
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true);
            // A local file connection does not go stale: no ping before every acquire (it
            // was a round trip through the connection's worker thread for every read).
            // Readers keep a small page cache each (SQLite's default is 2 MiB a connection,
            // 34 MiB over the pool): the database file's pages stay in the kernel's page cache
            // anyway, outside the server's memory; the B-tree's inner pages still fit.
            let pool = SqlitePoolOptions::new()
                .test_before_acquire(false)
                .max_connections(opts.max_connections.max(1))
                .acquire_timeout(opts.connect_timeout)
                .connect_with(co.clone().pragma("cache_size", READER_CACHE_SIZE))
                .await
                .map_err(|e| {
                    StoreError::Config(format!("cannot open SQLite database {url}: {e}"))
                })?;
            // The direct path (storage::lite) opens its own connections: a file database only.
            let file = co.get_filename();
            let direct_path = (!file.as_os_str().is_empty() && file.as_os_str() != ":memory:")
                .then(|| file.to_path_buf());
            let writer = Writer::open(&co, direct_path.clone(), opts.sqlite_synchronous_full)
                .await
                .map_err(|e| {
                    StoreError::Config(format!("cannot open SQLite database {url}: {e}"))
                })?;
            let reads =
                direct_path.map(|p| Arc::new(crate::lite::ReadPool::new(p, READER_CACHE_SIZE)));
            Ok(Db::Sqlite(SqliteDb {
                pool,
                writer,
                reads,
            }))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let mut co = PgConnectOptions::from_str(url).map_err(|e| {
                StoreError::Config(format!("invalid PostgreSQL URL {}: {e}", redact_url(url)))
            })?;
            if let Some(schema) = &opts.pg_schema {
                co = co.options([("search_path", schema.as_str())]);
            }
            let pool = PgPoolOptions::new()
                .max_connections(opts.max_connections.max(1))
                .acquire_timeout(opts.connect_timeout)
                .connect_with(co)
                .await
                .map_err(|e| {
                    StoreError::Config(format!(
                        "cannot connect to PostgreSQL at {}: {e}",
                        redact_url(url)
                    ))
                })?;
            Ok(Db::Postgres(pool))
        } else {
            Err(StoreError::Config(format!(
                "unsupported database URL {}: use sqlite:PATH or postgres://…",
                redact_url(url)
            )))
        }
    }

    /// Which back end this is.
    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Apply pending migrations of this back end.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self {
            Db::Sqlite(d) => SQLITE_MIGRATIONS.run(&d.pool).await?,
            Db::Postgres(p) => POSTGRES_MIGRATIONS.run(p).await?,
        }
        Ok(())
    }

    /// Names of the embedded migrations of a back end (for the lockstep check).
    pub fn migration_names(backend: Backend) -> Vec<String> {
        let m = match backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        m.iter()
            .map(|m| format!("{}_{}", m.version, m.description))
            .collect()
    }

    /// Begin a write transaction. On SQLite it runs on the group-commit writer (see
    /// [`crate::group`]): write transactions are serialised in arrival order, the first of a
    /// batch takes the write lock up front (`BEGIN IMMEDIATE`, so a read-then-write transaction
    /// cannot fail to upgrade), and [`Tx::commit`] returns once the batch is durably committed.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(match self {
            Db::Sqlite(d) => Tx::Sqlite(d.writer.begin(false).await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// Make every transaction committed so far durable before passing what was read to the
    /// outside world. On SQLite a batch can be read between its `COMMIT` and the `fdatasync`
    /// that follows it outside the writer ([`crate::group`]); this is one `fdatasync` of the
    /// log. On PostgreSQL (commits are visible only once durable) and in memory a no-op.
    pub async fn sync_barrier(&self) -> Result<(), StoreError> {
        match self {
            Db::Sqlite(d) => d.writer.sync_barrier().await,
            Db::Postgres(_) => Ok(()),
        }
    }

    /// Begin a write transaction for the case engine's hot paths. On SQLite it runs on the
    /// writer's direct connection ([`crate::lite`]): repository calls made with its handle run
    /// synchronously, and only functions with a direct implementation may be called. Group
    /// commit, durability and rollback-on-drop are those of [`Db::begin`]. On PostgreSQL it
    /// is [`Db::begin`].
    pub async fn begin_direct(&self) -> Result<Tx, StoreError> {
        Ok(match self {
            Db::Sqlite(d) => Tx::Sqlite(d.writer.begin(true).await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// A pooled connection for reads.
    pub async fn conn(&self) -> Result<Conn, StoreError> {
        Ok(match self {
            Db::Sqlite(p) => Conn::Sqlite(p.acquire().await?),
            Db::Postgres(p) => Conn::Postgres(p.acquire().await?),
        })
    }

    /// A connection for the case engine's reads: on SQLite a direct reader ([`crate::lite`]):
    /// only repository functions with a direct implementation may be called with it. On
    /// PostgreSQL (or an in-memory SQLite database) a pooled connection.
    pub async fn conn_direct(&self) -> Result<Conn, StoreError> {
        match self {
            Db::Sqlite(d) => match &d.reads {
                Some(r) => Ok(Conn::Lite(r.get()?)),
                None => self.conn().await,
            },
            Db::Postgres(_) => self.conn().await,
        }
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> Result<(), StoreError> {
        let mut c = self.conn().await?;
        on!(c.h(), |c| sqlx::query("select 1")
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Close all connections.
    pub async fn close(&self) {
        match self {
            Db::Sqlite(d) => {
                if let Some(r) = &d.reads {
                    r.close();
                }
                d.writer.close().await;
                d.pool.close().await
            }
            Db::Postgres(p) => p.close().await,
        }
    }
}

/// The SQLite side of a [`Db`]: a read pool and the group-commit writer. Dereferences to the
/// pool (for raw maintenance SQL in tests and tools).
#[derive(Clone, Debug)]
pub struct SqliteDb {
    pool: SqlitePool,
    writer: Arc<Writer>,
    /// Direct read connections (a file database only).
    reads: Option<Arc<crate::lite::ReadPool>>,
}

impl std::ops::Deref for SqliteDb {
    type Target = SqlitePool;
    fn deref(&self) -> &SqlitePool {
        &self.pool
    }
}

/// A transaction on either back end. Dropped without [`Tx::commit`], it rolls back.
pub enum Tx {
    /// SQLite transaction (a member of a group commit).
    Sqlite(GroupTx),
    /// PostgreSQL transaction.
    Postgres(Transaction<'static, Postgres>),
}

impl Tx {
    /// A handle for repository calls.
    pub fn h(&mut self) -> H<'_> {
        match self {
            Tx::Sqlite(t) => t.handle(),
            Tx::Postgres(t) => H::Postgres(t),
        }
    }

    /// Commit durably.
    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}

/// A pooled connection on either back end.
pub enum Conn {
    /// SQLite connection.
    Sqlite(PoolConnection<Sqlite>),
    /// PostgreSQL connection.
    Postgres(PoolConnection<Postgres>),
    /// SQLite direct reader ([`Db::conn_direct`]).
    Lite(crate::lite::LiteRead),
}

impl Conn {
    /// A handle for repository calls.
    pub fn h(&mut self) -> H<'_> {
        match self {
            Conn::Sqlite(c) => H::Sqlite(c),
            Conn::Postgres(c) => H::Postgres(c),
            Conn::Lite(r) => H::Lite(r.conn()),
        }
    }
}

/// A borrowed connection of either back end; repository functions take one by value.
pub enum H<'a> {
    /// SQLite.
    Sqlite(&'a mut SqliteConnection),
    /// PostgreSQL.
    Postgres(&'a mut PgConnection),
    /// SQLite's direct writer ([`crate::lite`]), in a transaction begun with
    /// [`Db::begin_direct`].
    Lite(&'a mut crate::lite::LiteConn),
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://ow:secret@db:5432/ow"),
            "postgres://ow:***@db:5432/ow"
        );
        assert_eq!(
            redact_url("postgres://postgres@127.0.0.1/x"),
            "postgres://postgres@127.0.0.1/x"
        );
        assert_eq!(redact_url("sqlite:data/x.db"), "sqlite:data/x.db");
    }
}
