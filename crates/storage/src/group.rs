//! Group commit for SQLite: one writer connection, many transactions per durable commit.
//!
//! SQLite has one writer at a time. With a pool of connections, concurrent write transactions
//! each take the lock with `BEGIN IMMEDIATE`, wait for it in SQLite's busy handler (which sleeps
//! 1, 2, 5, 10 … ms between tries), and each pays its own `fsync` at commit. Here every write
//! transaction of the process runs on one dedicated connection, in arrival order (a fair
//! mutex), and transactions that arrive while others are running share one outer SQLite
//! transaction and one commit:
//!
//! - the first transaction of a batch (the *head*) opens the outer transaction with
//!   `BEGIN IMMEDIATE` and runs directly in it;
//! - each later one runs inside `SAVEPOINT ow_tx`, so that its failure rolls back only its own
//!   work (`ROLLBACK TO`), never its neighbours';
//! - a transaction that commits while nobody is waiting for the writer (or when the batch is
//!   full) commits the outer transaction; the others wait for that commit. **Nobody is told
//!   "committed" before the batch's `COMMIT` has returned**, and if that commit fails, every
//!   member of the batch gets the error.
//!
//! A transaction dropped without commit (an error path, a cancelled request) leaves a note;
//! the next holder of the writer rolls it back before doing anything else, and a clean-up task
//! makes sure a batch never stays open with nobody to commit it.
//!
//! **Durability outside the writer.** The writer's connections commit with
//! `synchronous = normal`: `COMMIT` writes the batch's pages to the write-ahead log without
//! waiting for the disk. When others are waiting for the writer, the batch goes to a sync
//! thread and the writer is free for the next batch at once; its members are told "committed"
//! only after an `fdatasync` of the log that began after their `COMMIT` returned (one sync
//! covers every batch committed before it began). When nobody is waiting, the committer syncs
//! the log itself before answering (a hand-off would only add two thread wake-ups). With
//! `sqlite_synchronous = "normal"` configured nothing is synced: members are told at `COMMIT`.
//! Another connection can *read* a batch between its `COMMIT` and its sync; a power failure in
//! that window loses a batch that nobody was told was committed, never one that was. A reader
//! that passes what it read to the outside world (the licence outbox) first calls
//! [`crate::Db::sync_barrier`].
//! Checkpoints stay SQLite's automatic ones, in the `COMMIT` that crosses 1,000 pages of log
//! (tried: a background connection checkpointing every 200 ms or 2 s was slower at one client
//! and no faster at 64).
//!
//! The writer has two connections to the database file: the sqlx one, and the direct one
//! ([`crate::lite`]) for transactions begun with `begin_direct`. A batch runs on one of them;
//! a transaction for the other one first commits the open batch (the mutex serialises them,
//! so they never contend for SQLite's write lock).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, SqliteConnection};
use tokio::sync::{Mutex, OwnedMutexGuard, watch};

use crate::StoreError;
use crate::lite::LiteConn;

/// Most transactions in one commit (bounds the wait of the first one).
const MAX_BATCH: usize = 64;

/// How long a member waits for the batch's commit before checking that someone will do it.
const FALLBACK_WAIT: std::time::Duration = std::time::Duration::from_millis(50);

/// Settings of both of the writer's connections (the sqlx one and the direct one):
/// `synchronous = normal` because the batch is synced outside the writer (module
/// documentation), and savepoint journals in memory (`temp_store = memory`): every member of a
/// batch runs inside `SAVEPOINT ow_tx`, and SQLite journals the original of each page it changes
/// there. By default that journal spills to a temporary file past 64 KiB, so most members paid a
/// `pwrite` per page changed (measured: an eighth of the CPU of the case lifecycle benchmark).
/// The journal lives only until `RELEASE`, a few pages.
///
/// A 32 MiB page cache (`cache_size = -32768`; SQLite's default is 2 MiB) for each: every
/// statement of every write transaction runs on these two connections, one transaction at a
/// time, so a page that is not cached is a `pread` while everyone else waits. Case lifecycle
/// benchmark, 12,000 lifecycles at 64 concurrent, 6 alternating pairs: 584 → 629 cases/s
/// (medians). The readers keep their small caches (the OS page cache serves them).
pub(crate) const WRITER_PRAGMAS: [(&str, &str); 5] = [
    ("journal_mode", "wal"),
    ("synchronous", "normal"),
    ("foreign_keys", "on"),
    ("temp_store", "memory"),
    ("cache_size", "-32768"),
];

type BatchResult = Option<Result<(), String>>;

/// The outer SQLite transaction of a batch.
struct Batch {
    id: u64,
    members: usize,
    done: watch::Sender<BatchResult>,
    /// Runs on the direct connection.
    direct: bool,
}

/// What a transaction dropped without commit left for the next holder to undo.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Leftover {
    None,
    /// A head transaction failed: roll back the outer transaction (it has no other members).
    RollbackAll,
    /// A member failed: roll back to its savepoint.
    RollbackSavepoint,
}

pub(crate) struct WriterState {
    conn: SqliteConnection,
    /// The direct connection, opened on first use ([`WriterState::lite`]).
    lite: Option<LiteConn>,
    /// Where to open it (None: an in-memory database, which has no second connection).
    lite_path: Option<PathBuf>,
    batch: Option<Batch>,
    leftover: Leftover,
}

impl WriterState {
    /// Run transaction control on the connection a batch uses.
    async fn exec(&mut self, direct: bool, sql: &'static str) -> Result<(), StoreError> {
        if direct {
            self.lite()?.batch(sql)
        } else {
            exec(&mut self.conn, sql).await
        }
    }

    /// The direct connection, opened on first use.
    fn lite(&mut self) -> Result<&mut LiteConn, StoreError> {
        let conn = match self.lite.take() {
            Some(c) => c,
            None => {
                let path = self.lite_path.as_deref().ok_or_else(|| {
                    StoreError::Config("the direct SQLite path needs a database file".into())
                })?;
                LiteConn::open(path)?
            }
        };
        Ok(self.lite.insert(conn))
    }

    fn batch_direct(&self) -> bool {
        self.batch.as_ref().is_some_and(|b| b.direct)
    }
}

/// The process's SQLite writer.
pub(crate) struct Writer {
    state: Arc<Mutex<WriterState>>,
    /// Transactions waiting for the writer (a commit with nobody waiting flushes at once).
    queued: AtomicUsize,
    next_batch: AtomicU64,
    /// Makes committed batches durable and tells their members (None: in memory, or
    /// `synchronous = normal` configured: members are told at `COMMIT`). Outside the mutex, so
    /// that [`Writer::sync_barrier`] never waits for the writer.
    syncer: Option<Syncer>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("queued", &self.queued.load(Ordering::Relaxed))
            .finish()
    }
}

async fn exec(c: &mut SqliteConnection, sql: &'static str) -> Result<(), StoreError> {
    sqlx::query(sql).execute(&mut *c).await?;
    Ok(())
}

fn batch_error(msg: String) -> StoreError {
    StoreError::Other(format!("group commit failed: {msg}"))
}

/// Decrements the waiting count when the wait ends, also if the waiting future is dropped.
struct QueuedGuard<'a>(&'a AtomicUsize);

impl Drop for QueuedGuard<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Writer {
    /// `lite_path`: the database file, for the direct connection and the sync thread (`None`
    /// in memory). `synchronous_full`: batches are synced before anyone is told they
    /// are committed.
    pub(crate) async fn open(
        opts: &SqliteConnectOptions,
        lite_path: Option<PathBuf>,
        synchronous_full: bool,
    ) -> Result<Arc<Writer>, StoreError> {
        let conn = WRITER_PRAGMAS
            .iter()
            .fold(opts.clone(), |o, (k, v)| o.pragma(*k, *v))
            .connect()
            .await?;
        let syncer = match &lite_path {
            Some(path) if synchronous_full => Some(spawn_syncer(path)?),
            _ => None,
        };
        Ok(Arc::new(Writer {
            syncer,
            state: Arc::new(Mutex::new(WriterState {
                conn,
                lite: None,
                lite_path,
                batch: None,
                leftover: Leftover::None,
            })),
            queued: AtomicUsize::new(0),
            next_batch: AtomicU64::new(1),
        }))
    }

    /// Begin a write transaction (waits for the writer); `direct`: on the direct connection.
    pub(crate) async fn begin(self: &Arc<Self>, direct: bool) -> Result<GroupTx, StoreError> {
        let mut g = {
            self.queued.fetch_add(1, Ordering::SeqCst);
            let _q = QueuedGuard(&self.queued);
            self.state.clone().lock_owned().await
        };
        clean_up(&mut g).await;
        if g.batch.as_ref().is_some_and(|b| b.direct != direct) {
            // The open batch is on the other connection: commit it first.
            flush(&mut g, self.syncer.as_ref(), false).await?;
        }
        let head = g.batch.is_none();
        if head {
            g.exec(direct, "BEGIN IMMEDIATE").await?;
            let (done, _) = watch::channel(None);
            g.batch = Some(Batch {
                id: self.next_batch.fetch_add(1, Ordering::Relaxed),
                members: 0,
                done,
                direct,
            });
        } else if let Err(e) = g.exec(direct, "SAVEPOINT ow_tx").await {
            fail_batch(&mut g, e.to_string()).await;
            return Err(e);
        }
        Ok(GroupTx {
            guard: g,
            writer: self.clone(),
            head,
            direct,
            done: false,
        })
    }

    /// Make every transaction committed so far durable, for a reader about to pass what it read
    /// to the outside world: a batch is readable between its `COMMIT` and its sync (see the
    /// module documentation). One `fdatasync` of the log; a no-op when commits are not synced
    /// outside the writer.
    pub(crate) async fn sync_barrier(&self) -> Result<(), StoreError> {
        let Some(log) = self.syncer.as_ref().map(|s| s.log.clone()) else {
            return Ok(());
        };
        tokio::task::spawn_blocking(move || log.sync())
            .await
            .map_err(|e| StoreError::Other(format!("log sync: {e}")))?
            .map_err(StoreError::Other)
    }

    /// Close the writer connection (after the last transaction).
    pub(crate) async fn close(&self) {
        let mut g = self.state.lock().await;
        clean_up(&mut g).await;
        if g.batch.is_some() {
            let _ = flush(&mut g, self.syncer.as_ref(), true).await;
        }
        g.lite = None;
        let _ = exec(&mut g.conn, "PRAGMA optimize").await;
    }
}

/// Undo what a dropped transaction left.
async fn clean_up(g: &mut WriterState) {
    match std::mem::replace(&mut g.leftover, Leftover::None) {
        Leftover::None => {}
        Leftover::RollbackAll => {
            let direct = g.batch_direct();
            let _ = g.exec(direct, "ROLLBACK").await;
            if let Some(b) = g.batch.take() {
                b.done.send_replace(Some(Err("rolled back".into())));
            }
        }
        Leftover::RollbackSavepoint => {
            let direct = g.batch_direct();
            let undone = match g.exec(direct, "ROLLBACK TO ow_tx").await {
                Ok(()) => g.exec(direct, "RELEASE ow_tx").await,
                Err(e) => Err(e),
            };
            if let Err(e) = undone {
                // The outer transaction itself is gone (SQLite rolls back the whole
                // transaction on some errors): nobody in this batch may be told "committed".
                fail_batch(g, e.to_string()).await;
            }
        }
    }
}

/// Abandon the batch: roll back, and answer every waiting member with the error.
async fn fail_batch(g: &mut WriterState, msg: String) {
    let direct = g.batch_direct();
    let _ = g.exec(direct, "ROLLBACK").await;
    if let Some(b) = g.batch.take() {
        b.done.send_replace(Some(Err(msg)));
    }
}

/// Commit the batch; its members are told once it is durable. `inline`: nobody is waiting for
/// the writer, so sync here rather than hand the batch to the sync thread (two thread wake-ups
/// that a lone client would wait for on every commit).
async fn flush(
    g: &mut WriterState,
    syncer: Option<&Syncer>,
    inline: bool,
) -> Result<(), StoreError> {
    let Some(b) = g.batch.take() else {
        return Ok(());
    };
    match g.exec(b.direct, "COMMIT").await {
        Ok(()) => {
            match syncer {
                Some(s) if inline => {
                    let r = s.log.sync();
                    b.done.send_replace(Some(r.clone()));
                    r.map_err(batch_error)?;
                }
                Some(s) => {
                    if let Err(mpsc::SendError(done)) = s.tx.send(b.done) {
                        // The sync thread is gone: the batch is committed but nobody can
                        // vouch for it reaching the disk.
                        done.send_replace(Some(Err("the sync thread stopped".into())));
                        return Err(batch_error("the sync thread stopped".into()));
                    }
                }
                None => {
                    b.done.send_replace(Some(Ok(())));
                }
            }
            Ok(())
        }
        Err(e) => {
            let msg = e.to_string();
            let _ = g.exec(b.direct, "ROLLBACK").await;
            b.done.send_replace(Some(Err(msg)));
            Err(e)
        }
    }
}

/// Wait until the batch is durably committed (or failed).
async fn outcome(mut rx: watch::Receiver<BatchResult>) -> Result<(), StoreError> {
    match rx.wait_for(Option::is_some).await.as_deref() {
        Ok(Some(Ok(()))) => Ok(()),
        Ok(Some(Err(m))) => Err(batch_error(m.clone())),
        _ => Err(batch_error("the writer stopped".into())),
    }
}

/// Makes committed batches durable: inline, or on the sync thread (`fdatasync` of the
/// write-ahead log for every batch handed to it, many batches per sync when they commit while
/// one is under way).
struct Syncer {
    tx: mpsc::Sender<watch::Sender<BatchResult>>,
    log: Arc<Log>,
}

/// The write-ahead log file (`<db>-wal`), opened at its first sync and kept open: SQLite
/// deletes it only when the last connection closes, and the writer's stay open.
struct Log {
    db: PathBuf,
    file: std::sync::OnceLock<std::fs::File>,
}

impl Log {
    fn sync(&self) -> Result<(), String> {
        self.sync_io()
            .map_err(|e| format!("fsync of the SQLite log: {e}"))
    }

    fn sync_io(&self) -> std::io::Result<()> {
        if let Some(f) = self.file.get() {
            return f.sync_data();
        }
        let mut wal = self.db.as_os_str().to_os_string();
        wal.push("-wal");
        let f = match std::fs::File::open(&wal) {
            Ok(f) => f,
            // No log: everything is in the database file (a checkpoint synced it).
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        f.sync_data()?;
        // A new file survives a power failure only once its directory entry is on disk too
        // (SQLite syncs the directory after creating a log; do the same once).
        let dir = match self.db.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        std::fs::File::open(dir)?.sync_all()?;
        let _ = self.file.set(f);
        Ok(())
    }
}

fn spawn_syncer(db: &Path) -> Result<Syncer, StoreError> {
    let (tx, rx) = mpsc::channel::<watch::Sender<BatchResult>>();
    let log = Arc::new(Log {
        db: db.to_path_buf(),
        file: std::sync::OnceLock::new(),
    });
    let on_thread = log.clone();
    std::thread::Builder::new()
        .name("sqlite-sync".into())
        .spawn(move || {
            while let Ok(first) = rx.recv() {
                let mut waiting = vec![first];
                waiting.extend(rx.try_iter());
                let r = on_thread.sync();
                for w in waiting {
                    w.send_replace(Some(r.clone()));
                }
            }
        })
        .map_err(|e| StoreError::Other(format!("cannot start the SQLite sync thread: {e}")))?;
    Ok(Syncer { tx, log })
}

/// A write transaction on the group writer. Dropped without [`GroupTx::commit`], it rolls back
/// (done by the next holder of the writer, or by a clean-up task).
pub struct GroupTx {
    guard: OwnedMutexGuard<WriterState>,
    writer: Arc<Writer>,
    head: bool,
    /// On the direct connection.
    direct: bool,
    /// Committed or failed: nothing left for `Drop` to undo.
    done: bool,
}

impl std::fmt::Debug for GroupTx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupTx").field("head", &self.head).finish()
    }
}

impl GroupTx {
    /// The handle for repository calls: the direct connection for a transaction begun on it
    /// (`begin` opened it), else the sqlx one.
    pub(crate) fn handle(&mut self) -> crate::H<'_> {
        let st = &mut *self.guard;
        match (&mut st.lite, self.direct) {
            (Some(l), true) => crate::H::Lite(l),
            _ => crate::H::Sqlite(&mut st.conn),
        }
    }

    /// Commit: returns once the batch holding this transaction is durably committed.
    pub async fn commit(mut self) -> Result<(), StoreError> {
        self.done = true;
        let head = self.head;
        let direct = self.direct;
        let g = &mut *self.guard;
        if !head && let Err(e) = g.exec(direct, "RELEASE ow_tx").await {
            fail_batch(g, e.to_string()).await;
            return Err(e);
        }
        let Some(batch) = g.batch.as_mut() else {
            // The batch was abandoned under us; make sure nothing of ours survives.
            let _ = g.exec(direct, "ROLLBACK").await;
            return Err(batch_error("no open batch".into()));
        };
        batch.members += 1;
        let id = batch.id;
        let mut rx = batch.done.subscribe();
        let alone = self.writer.queued.load(Ordering::SeqCst) == 0;
        if alone || batch.members >= MAX_BATCH {
            flush(g, self.writer.syncer.as_ref(), alone).await?;
            drop(self);
            return outcome(rx).await;
        }
        // Others are waiting: let them join this batch; the last of them commits it.
        let writer = self.writer.clone();
        drop(self);
        // Normally the last member commits and wakes us. If a waiter gave up before its turn
        // (a cancelled request), nobody might: after a short wait, take the writer and commit
        // the batch ourselves unless that has happened meanwhile.
        if let Ok(r) = tokio::time::timeout(FALLBACK_WAIT, rx.wait_for(Option::is_some)).await {
            return match r.as_deref() {
                Ok(Some(Ok(()))) => Ok(()),
                Ok(Some(Err(m))) => Err(batch_error(m.clone())),
                _ => Err(batch_error("the writer stopped".into())),
            };
        }
        let mut g = writer.state.clone().lock_owned().await;
        clean_up(&mut g).await;
        if g.batch.as_ref().map(|b| b.id) == Some(id) {
            flush(&mut g, writer.syncer.as_ref(), false).await?;
        }
        drop(g);
        // Committed (or failed) meanwhile, perhaps not yet synced: wait for the answer.
        outcome(rx).await
    }
}

impl Drop for GroupTx {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        self.guard.leftover = if self.head {
            Leftover::RollbackAll
        } else {
            Leftover::RollbackSavepoint
        };
        // The guard is released after this; make sure the leftover is undone and the batch
        // committed even if no other write comes along.
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            let writer = self.writer.clone();
            rt.spawn(async move {
                let mut g = writer.state.clone().lock_owned().await;
                clean_up(&mut g).await;
                if g.batch.is_some() && writer.queued.load(Ordering::SeqCst) == 0 {
                    let _ = flush(&mut g, writer.syncer.as_ref(), false).await;
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_sync_keeps_the_log_open_once_it_exists() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let db = dir.path().join("t.db");
        let log = Log {
            db: db.clone(),
            file: std::sync::OnceLock::new(),
        };
        // No log yet (nothing written): nothing to sync, and nothing kept.
        log.sync()?;
        assert!(log.file.get().is_none());
        let conn = LiteConn::open(&db)?;
        conn.batch("create table t (x integer)")?;
        conn.batch("insert into t values (1)")?;
        log.sync()?;
        assert!(
            log.file.get().is_some(),
            "the log is kept open after its first sync"
        );
        // A second sync uses the open file.
        conn.batch("insert into t values (2)")?;
        log.sync()?;
        Ok(())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_lone_commit_and_a_handed_off_batch_are_both_answered() -> Result<(), StoreError> {
        let dir = tempfile::tempdir().map_err(|e| StoreError::Other(e.to_string()))?;
        let db = dir.path().join("t.db");
        let opts = SqliteConnectOptions::new()
            .filename(&db)
            .create_if_missing(true)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal);
        let w = Writer::open(&opts, Some(db.clone()), true).await?;
        fn insert(tx: &mut GroupTx, x: i64) -> Result<(), StoreError> {
            match tx.handle() {
                crate::H::Lite(l) => l
                    .exec("insert into t values ($1)", crate::lite::args![x])
                    .map(drop),
                _ => Err(StoreError::Other("not the direct connection".into())),
            }
        }
        // Both of the writer's connections have the writer's settings.
        let mut tx = w.begin(false).await?;
        if let crate::H::Sqlite(c) = tx.handle() {
            let temp: i64 = sqlx::query_scalar("pragma temp_store")
                .fetch_one(&mut *c)
                .await?;
            let sync: i64 = sqlx::query_scalar("pragma synchronous")
                .fetch_one(&mut *c)
                .await?;
            let cache: i64 = sqlx::query_scalar("pragma cache_size")
                .fetch_one(&mut *c)
                .await?;
            assert_eq!(
                (temp, sync, cache),
                (2, 1, -32768),
                "sqlx writer: memory, normal, 32 MiB"
            );
        }
        tx.commit().await?;
        // A lone commit: synced by the committer.
        let mut tx = w.begin(true).await?;
        if let crate::H::Lite(l) = tx.handle() {
            let temp: i64 = l.scalar("pragma temp_store", &[])?;
            let sync: i64 = l.scalar("pragma synchronous", &[])?;
            let cache: i64 = l.scalar("pragma cache_size", &[])?;
            assert_eq!(
                (temp, sync, cache),
                (2, 1, -32768),
                "direct writer: memory, normal, 32 MiB"
            );
        }
        if let crate::H::Lite(l) = tx.handle() {
            l.batch("create table t (x integer)")?;
        }
        tx.commit().await?;
        // Hold the writer while 100 transactions queue for it: the 64th member of the batch
        // commits it with others still waiting, so that batch goes to the sync thread.
        let mut first = w.begin(true).await?;
        insert(&mut first, 0)?;
        let mut handles = Vec::new();
        for i in 1..=100_i64 {
            let w = w.clone();
            handles.push(tokio::spawn(async move {
                let mut tx = w.begin(true).await?;
                insert(&mut tx, i)?;
                tx.commit().await
            }));
        }
        for _ in 0..500 {
            if w.queued.load(Ordering::SeqCst) == 100 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
        assert_eq!(w.queued.load(Ordering::SeqCst), 100, "all queued");
        first.commit().await?;
        for h in handles {
            h.await.map_err(|e| StoreError::Other(e.to_string()))??;
        }
        assert!(
            w.next_batch.load(Ordering::SeqCst) >= 4,
            "the 101 transactions took at least two batches"
        );
        w.sync_barrier().await?;
        // What was answered "committed" is in the file, for a connection of its own.
        let reader = LiteConn::open(&db)?;
        let n: i64 = reader.scalar("select count(*) from t", &[])?;
        assert_eq!(n, 101);
        w.close().await;
        Ok(())
    }
}
