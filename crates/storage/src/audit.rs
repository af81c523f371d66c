//! The audit trail: hash-chained events appended in the caller's transaction.

use chrono::{DateTime, Utc};
use onewindow_domain::audit::{AuditRecord, NewAuditEvent};

use crate::db::{H, on};
use crate::{StoreError, now};

#[derive(sqlx::FromRow)]
struct EventRow {
    seq: i64,
    at: DateTime<Utc>,
    actor_id: Option<i64>,
    actor: String,
    action: String,
    object_type: String,
    object_id: String,
    department_id: Option<i64>,
    request_id: Option<String>,
    source: Option<String>,
    summary: String,
    prev_hash: String,
    hash: String,
}

impl EventRow {
    fn split(self) -> (AuditRecord, String) {
        (
            AuditRecord {
                seq: self.seq,
                at: self.at,
                actor_id: self.actor_id,
                actor: self.actor,
                action: self.action,
                object_type: self.object_type,
                object_id: self.object_id,
                department_id: self.department_id,
                request_id: self.request_id,
                source: self.source,
                summary: self.summary,
                prev_hash: self.prev_hash,
            },
            self.hash,
        )
    }
}

/// The columns of `audit_events`, in the order [`append`] binds them (a macro, so that the
/// insert statement can be one constant built from the same list).
macro_rules! ev_cols {
    () => {
        "seq, at, actor_id, actor, action, object_type, object_id, department_id, \
         request_id, source, summary, prev_hash, hash"
    };
}

const EV_COLS: &str = ev_cols!();

/// Append an event to the chain inside the caller's transaction.
///
/// On PostgreSQL the first statement is a no-op update of the chain head, which takes the head
/// row's lock, so concurrent appenders queue behind each other. On SQLite the transaction
/// already holds the database's write lock (`BEGIN IMMEDIATE`), so the head is only read (a
/// no-op update would journal the page for nothing, in every write transaction of the
/// process). Either way each event links to the one before it and sequence numbers have no
/// gaps.
pub async fn append(mut h: H<'_>, ev: &NewAuditEvent) -> Result<AuditRecord, StoreError> {
    const LOCK_HEAD: &str = "update audit_head set seq = seq where id = 1 returning seq, hash";
    const READ_HEAD: &str = "select seq, hash from audit_head where id = 1";
    const MOVE_HEAD: &str = "update audit_head set seq = $1, hash = $2 where id = 1";
    const INSERT: &str = concat!(
        "insert into audit_events (",
        ev_cols!(),
        ") values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    );
    let (seq, hash): (i64, String) = match &mut h {
        H::Lite(l) => l.pair(READ_HEAD, &[])?,
        H::Sqlite(c) => sqlx::query_as(READ_HEAD).fetch_one(&mut **c).await?,
        H::Postgres(c) => sqlx::query_as(LOCK_HEAD).fetch_one(&mut **c).await?,
    };
    let rec = AuditRecord::chain(ev, now(), (seq != 0).then_some((seq, hash.as_str())));
    let new_hash = rec.hash();
    if let H::Lite(l) = &mut h {
        l.exec(
            INSERT,
            crate::lite::args![
                rec.seq,
                rec.at,
                rec.actor_id,
                rec.actor,
                rec.action,
                rec.object_type,
                rec.object_id,
                rec.department_id,
                rec.request_id,
                rec.source,
                rec.summary,
                rec.prev_hash,
                new_hash
            ],
        )?;
        l.exec(MOVE_HEAD, crate::lite::args![rec.seq, new_hash])?;
        return Ok(rec);
    }
    on!(&mut h, |c| sqlx::query(INSERT)
        .bind(rec.seq)
        .bind(rec.at)
        .bind(rec.actor_id)
        .bind(&rec.actor)
        .bind(&rec.action)
        .bind(&rec.object_type)
        .bind(&rec.object_id)
        .bind(rec.department_id)
        .bind(&rec.request_id)
        .bind(&rec.source)
        .bind(&rec.summary)
        .bind(&rec.prev_hash)
        .bind(&new_hash)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?;
    on!(&mut h, |c| sqlx::query(MOVE_HEAD)
        .bind(rec.seq)
        .bind(&new_hash)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(rec)
}

/// The chain head: last sequence number and its hash (`(0, genesis)` when empty).
pub async fn head(h: H<'_>) -> Result<(i64, String), StoreError> {
    Ok(on!(h, |c| sqlx::query_as::<_, (i64, String)>(
        "select seq, hash from audit_head where id = 1"
    )
    .fetch_one(&mut *c)
    .await)?)
}

/// Events with `seq > after`, in order, at most `limit` (for streaming verification).
pub async fn batch_after(
    h: H<'_>,
    after: i64,
    limit: i64,
) -> Result<Vec<(AuditRecord, String)>, StoreError> {
    let sql = format!("select {EV_COLS} from audit_events where seq > $1 order by seq limit $2");
    let rows = on!(h, |c| sqlx::query_as::<_, EventRow>(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(after)
    .bind(limit)
    .fetch_all(&mut *c)
    .await)?;
    Ok(rows.into_iter().map(EventRow::split).collect())
}

/// Filter for browsing the trail.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Exact action name, or a prefix ending in `.` (e.g. `auth.`).
    pub action: Option<String>,
    /// Actor label.
    pub actor: Option<String>,
    /// Object kind.
    pub object_type: Option<String>,
    /// Object id.
    pub object_id: Option<String>,
    /// Restrict to these departments (department-scoped viewers). `None` = no restriction.
    pub departments: Option<Vec<i64>>,
    /// From this time (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// Until this time (exclusive).
    pub until: Option<DateTime<Utc>>,
    /// Only events with `seq < before` (keyset pagination, newest first).
    pub before: Option<i64>,
}

/// Events matching the filter, newest first, at most `limit`.
pub async fn list(
    h: H<'_>,
    f: &AuditFilter,
    limit: i64,
) -> Result<Vec<(AuditRecord, String)>, StoreError> {
    // Built from fixed fragments only; every value is bound.
    let mut sql = format!("select {EV_COLS} from audit_events where 1 = 1");
    let mut n = 0;
    let mut p = || {
        n += 1;
        format!("${n}")
    };
    let action_prefix = f.action.as_ref().filter(|a| a.ends_with('.'));
    let action_exact = f.action.as_ref().filter(|a| !a.ends_with('.'));
    let action_like = action_prefix.map(|a| format!("{}%", a.replace(['%', '_'], "")));
    if action_exact.is_some() {
        sql += &format!(" and action = {}", p());
    }
    if action_like.is_some() {
        sql += &format!(" and action like {}", p());
    }
    if f.actor.is_some() {
        sql += &format!(" and actor = {}", p());
    }
    if f.object_type.is_some() {
        sql += &format!(" and object_type = {}", p());
    }
    if f.object_id.is_some() {
        sql += &format!(" and object_id = {}", p());
    }
    let depts = f.departments.clone();
    if let Some(ds) = &depts {
        if ds.is_empty() {
            sql += " and 1 = 0";
        } else {
            let ps: Vec<String> = ds.iter().map(|_| p()).collect();
            sql += &format!(" and department_id in ({})", ps.join(", "));
        }
    }
    if f.from.is_some() {
        sql += &format!(" and at >= {}", p());
    }
    if f.until.is_some() {
        sql += &format!(" and at < {}", p());
    }
    if f.before.is_some() {
        sql += &format!(" and seq < {}", p());
    }
    sql += &format!(" order by seq desc limit {}", p());

    let rows = on!(h, |c| {
        let mut q = sqlx::query_as::<_, EventRow>(sqlx::AssertSqlSafe(sql.clone()));
        if let Some(a) = action_exact {
            q = q.bind(a.clone());
        }
        if let Some(a) = &action_like {
            q = q.bind(a.clone());
        }
        if let Some(a) = &f.actor {
            q = q.bind(a.clone());
        }
        if let Some(a) = &f.object_type {
            q = q.bind(a.clone());
        }
        if let Some(a) = &f.object_id {
            q = q.bind(a.clone());
        }
        if let Some(ds) = &depts {
            for d in ds {
                q = q.bind(*d);
            }
        }
        if let Some(t) = f.from {
            q = q.bind(t);
        }
        if let Some(t) = f.until {
            q = q.bind(t);
        }
        if let Some(b) = f.before {
            q = q.bind(b);
        }
        q.bind(limit).fetch_all(&mut *c).await
    })?;
    Ok(rows.into_iter().map(EventRow::split).collect())
}
