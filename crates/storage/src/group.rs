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
//! The writer has two connections to the database file: the sqlx one, and the direct one
//! ([`crate::lite`]) for transactions begun with `begin_direct`. A batch runs on one of them;
//! a transaction for the other one first commits the open batch (the mutex serialises them,
//! so they never contend for SQLite's write lock).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, SqliteConnection};
use tokio::sync::{Mutex, OwnedMutexGuard, watch};

use crate::StoreError;
use crate::lite::LiteConn;

/// Most transactions in one commit (bounds the wait of the first one).
const MAX_BATCH: usize = 64;

/// How long a member waits for the batch's commit before checking that someone will do it.
const FALLBACK_WAIT: std::time::Duration = std::time::Duration::from_millis(50);

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
    lite_path: Option<std::path::PathBuf>,
    synchronous_full: bool,
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
                LiteConn::open(path, self.synchronous_full)?
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
    /// `lite_path`: the database file, for the direct connection (`None` in memory).
    pub(crate) async fn open(
        opts: &SqliteConnectOptions,
        lite_path: Option<std::path::PathBuf>,
        synchronous_full: bool,
    ) -> Result<Arc<Writer>, StoreError> {
        let conn = opts.connect().await?;
        Ok(Arc::new(Writer {
            state: Arc::new(Mutex::new(WriterState {
                conn,
                lite: None,
                lite_path,
                synchronous_full,
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
            flush(&mut g).await?;
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

    /// Close the writer connection (after the last transaction).
    pub(crate) async fn close(&self) {
        let mut g = self.state.lock().await;
        clean_up(&mut g).await;
        if g.batch.is_some() {
            let _ = flush(&mut g).await;
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

/// Commit the batch and tell its members.
async fn flush(g: &mut WriterState) -> Result<(), StoreError> {
    let Some(b) = g.batch.take() else {
        return Ok(());
    };
    match g.exec(b.direct, "COMMIT").await {
        Ok(()) => {
            b.done.send_replace(Some(Ok(())));
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
        if self.writer.queued.load(Ordering::SeqCst) == 0 || batch.members >= MAX_BATCH {
            return flush(g).await;
        }
        // Others are waiting: let them join this batch; the last of them commits it.
        let id = batch.id;
        let mut rx = batch.done.subscribe();
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
            return flush(&mut g).await;
        }
        drop(g);
        match rx.borrow().as_ref() {
            Some(Ok(())) => Ok(()),
            Some(Err(m)) => Err(batch_error(m.clone())),
            None => Err(batch_error("batch result lost".into())),
        }
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
                    let _ = flush(&mut g).await;
                }
            });
        }
    }
}
