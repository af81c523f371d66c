//! The direct SQLite path: the case engine's hot transactions without a thread hand-off per
//! statement.
//!
//! sqlx runs every SQLite statement on the connection's worker thread and hands the result
//! back: two cross-thread wake-ups per statement (≈ 20 µs here, most of it in the kernel). A
//! case's lifecycle runs ≈ 90 statements, so the hand-offs, not SQLite, bounded throughput
//! (`bench/cases.md`). Transactions begun with [`crate::Db::begin_direct`] instead run on a
//! second writer connection, opened with [rusqlite] and used synchronously by the task that
//! holds the group-commit writer: a statement is a function call.
//!
//! The repository functions those transactions call have an [`H::Lite`](crate::H::Lite) arm
//! that runs **the same SQL text** (`$n` placeholders are bound by number, as sqlx does) with
//! arguments encoded exactly as sqlx encodes them ([`ToArg`]), and rows decoded through serde
//! from the column names ([`LiteConn::all`]). Anything else called on a direct handle fails with
//! a clear error rather than running on the wrong connection; the storage tests run the direct
//! functions against rows written by sqlx and the other way round.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use rusqlite::types::Value;
use serde::de::DeserializeOwned;

use crate::StoreError;

/// The direct writer connection (SQLite only).
pub struct LiteConn {
    /// `None` only for a reader being returned to its pool.
    conn: Option<rusqlite::Connection>,
}

impl std::fmt::Debug for LiteConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LiteConn")
    }
}

/// How many prepared statements the connection keeps (the hot paths use about 30).
const STATEMENT_CACHE: usize = 128;

impl LiteConn {
    /// Open the database file with the sqlx connections' 10 s busy timeout, then `pragmas`.
    fn connect(path: &std::path::Path, pragmas: &str) -> Result<Self, StoreError> {
        let conn = rusqlite::Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.execute_batch(pragmas)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(LiteConn { conn: Some(conn) })
    }

    /// The writer: the settings of the sqlx writer connection (see [`crate::group`]: WAL,
    /// commits without `fsync` (the group writer syncs the log itself), savepoint journals in
    /// memory, foreign keys on).
    pub(crate) fn open(path: &std::path::Path) -> Result<Self, StoreError> {
        let pragmas: String = crate::group::WRITER_PRAGMAS
            .iter()
            .map(|(k, v)| format!("pragma {k} = {v};"))
            .collect();
        Self::connect(path, &pragmas)
    }

    /// A read-only connection (`query_only`), with the readers' small page cache.
    pub(crate) fn open_reader(
        path: &std::path::Path,
        cache_size: &str,
    ) -> Result<Self, StoreError> {
        Self::connect(
            path,
            &format!("pragma query_only = on; pragma cache_size = {cache_size};"),
        )
    }

    fn c(&self) -> Result<&rusqlite::Connection, StoreError> {
        self.conn
            .as_ref()
            .ok_or_else(|| StoreError::Other("direct connection closed".into()))
    }

    /// Run one statement without arguments (transaction control), prepared once.
    pub(crate) fn batch(&self, sql: &str) -> Result<(), StoreError> {
        self.c()?.prepare_cached(sql)?.raw_execute()?;
        Ok(())
    }

    fn prepare(
        &self,
        sql: &str,
        args: &[Value],
    ) -> Result<rusqlite::CachedStatement<'_>, StoreError> {
        let mut st = self.c()?.prepare_cached(sql)?;
        for i in 1..=st.parameter_count() {
            // `$n` / `?n` name argument n; a bare `?` takes its position (sqlx's rule).
            let n = match st.parameter_name(i) {
                Some(name) => name
                    .trim_start_matches(['$', '?'])
                    .parse::<usize>()
                    .map_err(|_| {
                        StoreError::Other(format!("unsupported parameter {name} in: {sql}"))
                    })?,
                None => i,
            };
            let v = args
                .get(n.wrapping_sub(1))
                .ok_or_else(|| StoreError::Other(format!("no argument {n} for: {sql}")))?;
            st.raw_bind_parameter(i, v)?;
        }
        Ok(st)
    }

    /// Execute a statement that returns no rows; the number of rows changed.
    pub(crate) fn exec(&self, sql: &str, args: &[Value]) -> Result<u64, StoreError> {
        let mut st = self.prepare(sql, args)?;
        Ok(st.raw_execute()? as u64)
    }

    /// Every row, decoded by column name into `T` (serde, straight from SQLite's values).
    pub(crate) fn all<T: DeserializeOwned>(
        &self,
        sql: &str,
        args: &[Value],
    ) -> Result<Vec<T>, StoreError> {
        let mut st = self.prepare(sql, args)?;
        let cols: Vec<(String, bool)> = st
            .columns()
            .iter()
            .map(|c| {
                let boolean = c
                    .decl_type()
                    .is_some_and(|t| t.to_ascii_lowercase().starts_with("bool"));
                (c.name().to_string(), boolean)
            })
            .collect();
        let mut rows = st.raw_query();
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(
                T::deserialize(de::RowDe {
                    row: r,
                    cols: &cols,
                })
                .map_err(|e| StoreError::Other(format!("decoding a row of `{sql}`: {e}")))?,
            );
        }
        Ok(out)
    }

    /// The one row (`NotFound` if there is none).
    pub(crate) fn one<T: DeserializeOwned>(
        &self,
        sql: &str,
        args: &[Value],
    ) -> Result<T, StoreError> {
        self.opt(sql, args)?.ok_or(StoreError::NotFound)
    }

    /// The first row, if any.
    pub(crate) fn opt<T: DeserializeOwned>(
        &self,
        sql: &str,
        args: &[Value],
    ) -> Result<Option<T>, StoreError> {
        Ok(self.all(sql, args)?.into_iter().next())
    }

    /// `f` of the first row (`NotFound` if there is none).
    fn first<T>(
        &self,
        sql: &str,
        args: &[Value],
        f: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let mut st = self.prepare(sql, args)?;
        let mut rows = st.raw_query();
        match rows.next()? {
            Some(r) => Ok(f(r)?),
            None => Err(StoreError::NotFound),
        }
    }

    /// The first two columns of the first row (`NotFound` if there is none).
    pub(crate) fn pair<A, B>(&self, sql: &str, args: &[Value]) -> Result<(A, B), StoreError>
    where
        A: rusqlite::types::FromSql,
        B: rusqlite::types::FromSql,
    {
        self.first(sql, args, |r| Ok((r.get(0)?, r.get(1)?)))
    }

    /// The first column of the first row (`NotFound` if there is none).
    pub(crate) fn scalar<T: rusqlite::types::FromSql>(
        &self,
        sql: &str,
        args: &[Value],
    ) -> Result<T, StoreError> {
        self.first(sql, args, |r| r.get(0))
    }
}

/// A serde deserializer over one row: a map from column names to SQLite's values.
mod de {
    use rusqlite::types::ValueRef;
    use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, Visitor};
    use serde::forward_to_deserialize_any;

    type Error = de::value::Error;

    pub(super) struct RowDe<'a, 'r> {
        pub(super) row: &'a rusqlite::Row<'r>,
        /// Column names, and whether each is declared boolean.
        pub(super) cols: &'a [(String, bool)],
    }

    impl<'de> de::Deserializer<'de> for RowDe<'_, '_> {
        type Error = Error;
        fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
            v.visit_map(Columns { de: self, i: 0 })
        }
        forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
            option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
            identifier ignored_any
        }
    }

    struct Columns<'a, 'r> {
        de: RowDe<'a, 'r>,
        i: usize,
    }

    impl<'de> MapAccess<'de> for Columns<'_, '_> {
        type Error = Error;
        fn next_key_seed<K: DeserializeSeed<'de>>(
            &mut self,
            seed: K,
        ) -> Result<Option<K::Value>, Error> {
            match self.de.cols.get(self.i) {
                Some((name, _)) => seed
                    .deserialize(name.as_str().into_deserializer())
                    .map(Some),
                None => Ok(None),
            }
        }
        fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
            let i = self.i;
            self.i += 1;
            let boolean = self.de.cols.get(i).is_some_and(|c| c.1);
            let v = self
                .de
                .row
                .get_ref(i)
                .map_err(|e| <Error as de::Error>::custom(e.to_string()))?;
            seed.deserialize(Val(v, boolean))
        }
    }

    /// One value; `bool`: the column is declared boolean.
    struct Val<'a>(ValueRef<'a>, bool);

    impl<'de> de::Deserializer<'de> for Val<'_> {
        type Error = Error;
        fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
            match self.0 {
                ValueRef::Null => v.visit_unit(),
                ValueRef::Integer(i) if self.1 => v.visit_bool(i != 0),
                ValueRef::Integer(i) => v.visit_i64(i),
                ValueRef::Real(f) => v.visit_f64(f),
                ValueRef::Text(t) => match std::str::from_utf8(t) {
                    Ok(s) => v.visit_str(s),
                    Err(_) => v.visit_string(String::from_utf8_lossy(t).into_owned()),
                },
                ValueRef::Blob(b) => v.visit_bytes(b),
            }
        }
        fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
            match self.0 {
                ValueRef::Null => v.visit_none(),
                _ => v.visit_some(self),
            }
        }
        forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
            unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier
            ignored_any
        }
    }
}

/// A value bound to a statement, encoded as sqlx encodes it for SQLite (so that rows written
/// on either path read back the same on both).
pub(crate) trait ToArg {
    /// The SQLite value.
    fn to_arg(&self) -> Value;
}

impl ToArg for i64 {
    fn to_arg(&self) -> Value {
        Value::Integer(*self)
    }
}
impl ToArg for bool {
    fn to_arg(&self) -> Value {
        Value::Integer(i64::from(*self))
    }
}
impl ToArg for str {
    fn to_arg(&self) -> Value {
        Value::Text(self.to_string())
    }
}
impl ToArg for String {
    fn to_arg(&self) -> Value {
        Value::Text(self.clone())
    }
}
/// sqlx: `to_rfc3339_opts(SecondsFormat::AutoSi, false)`.
impl ToArg for DateTime<Utc> {
    fn to_arg(&self) -> Value {
        Value::Text(self.to_rfc3339_opts(SecondsFormat::AutoSi, false))
    }
}
/// sqlx: `%F`.
impl ToArg for NaiveDate {
    fn to_arg(&self) -> Value {
        Value::Text(self.format("%F").to_string())
    }
}
impl<T: ToArg> ToArg for Option<T> {
    fn to_arg(&self) -> Value {
        match self {
            Some(v) => v.to_arg(),
            None => Value::Null,
        }
    }
}
impl<T: ToArg + ?Sized> ToArg for &T {
    fn to_arg(&self) -> Value {
        (**self).to_arg()
    }
}

/// The arguments of a direct statement: `args![a, b, …]` is `$1, $2, …`.
macro_rules! args {
    ($($a:expr),* $(,)?) => {
        &[$($crate::lite::ToArg::to_arg(&$a)),*][..]
    };
}
pub(crate) use args;

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match &e {
            rusqlite::Error::QueryReturnedNoRows => StoreError::NotFound,
            rusqlite::Error::SqliteFailure(f, msg)
                if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
            {
                StoreError::Duplicate(msg.clone().unwrap_or_else(|| e.to_string()))
            }
            _ => StoreError::Sqlite(e.to_string()),
        }
    }
}

/// Serde: a boolean column, as SQLite returns it (an integer) or as JSON has it. Rows decoded on
/// the direct path get an integer where the column's declared type is not known (`returning`).
pub(crate) fn flag<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Bool(bool),
        Int(i64),
    }
    Ok(match <Flag as serde::Deserialize>::deserialize(d)? {
        Flag::Bool(b) => b,
        Flag::Int(i) => i != 0,
    })
}

/// Direct read connections (SQLite only), for the case engine's reads outside its transactions:
/// a read is a function call on the caller's thread instead of a hand-off to a pooled sqlx
/// connection's worker thread. Connections are opened on demand and kept (at most
/// [`READERS_KEPT`] idle).
#[derive(Debug)]
pub(crate) struct ReadPool {
    path: std::path::PathBuf,
    cache_size: &'static str,
    idle: std::sync::Mutex<Vec<LiteConn>>,
}

/// Idle direct readers kept open.
const READERS_KEPT: usize = 8;

impl ReadPool {
    pub(crate) fn new(path: std::path::PathBuf, cache_size: &'static str) -> Self {
        ReadPool {
            path,
            cache_size,
            idle: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// A reader: an idle one, or a new one.
    pub(crate) fn get(self: &std::sync::Arc<Self>) -> Result<LiteRead, StoreError> {
        let kept = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match kept {
            Some(c) => c,
            None => LiteConn::open_reader(&self.path, self.cache_size)?,
        };
        Ok(LiteRead {
            conn,
            pool: self.clone(),
        })
    }

    /// Close the idle readers.
    pub(crate) fn close(&self) {
        self.idle.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

/// A direct reader borrowed from the [`ReadPool`]; returned to it when dropped.
#[derive(Debug)]
pub struct LiteRead {
    conn: LiteConn,
    pool: std::sync::Arc<ReadPool>,
}

impl LiteRead {
    pub(crate) fn conn(&mut self) -> &mut LiteConn {
        &mut self.conn
    }
}

impl Drop for LiteRead {
    fn drop(&mut self) {
        let c = std::mem::replace(&mut self.conn, LiteConn { conn: None });
        if c.conn.is_some() {
            let mut idle = self.pool.idle.lock().unwrap_or_else(|p| p.into_inner());
            if idle.len() < READERS_KEPT {
                idle.push(c);
            }
        }
    }
}
