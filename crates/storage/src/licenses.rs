//! The e-licence library: licence types, public signing keys, licences, their status history,
//! uses (用证记录), and the outbox/inbox of upward sharing.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::db::{H, direct, on};
use crate::lite::args;
use crate::{StoreError, now};

// ---------------------------------------------------------------------------------------------
// Licence types

/// A licence type of the 证照目录.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct TypeRow {
    /// 证照类型代码.
    pub code: String,
    /// 证照类型名称.
    pub name: String,
    /// 证照定义机构.
    pub definer_name: String,
    /// `person`, `organisation` or `any`.
    pub holder_kind: String,
    /// JSON of the whole type (face fields, validity).
    pub spec: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

const TYPE_COLS: &str = "code, name, definer_name, holder_kind, spec, created_at, updated_at";

/// Insert or replace a licence type.
pub async fn upsert_type(
    h: H<'_>,
    code: &str,
    name: &str,
    definer_name: &str,
    holder_kind: &str,
    spec: &str,
) -> Result<(), StoreError> {
    let t = now();
    on!(h, |c| {
        sqlx::query(
        "insert into license_types (code, name, definer_name, holder_kind, spec, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $6) on conflict (code) do update set name = excluded.name, \
         definer_name = excluded.definer_name, holder_kind = excluded.holder_kind, spec = excluded.spec, \
         updated_at = excluded.updated_at"
    )
    .bind(code)
    .bind(name)
    .bind(definer_name)
    .bind(holder_kind)
    .bind(spec)
    .bind(t)
    .execute(&mut *c)
    .await
    .map(|_| ())
    })?;
    Ok(())
}

/// One licence type.
pub async fn get_type(h: H<'_>, code: &str) -> Result<Option<TypeRow>, StoreError> {
    let sql = format!("select {TYPE_COLS} from license_types where code = $1");
    direct!(h, |l| l.opt(&sql, args![code]));
    Ok(on!(h, |c| sqlx::query_as::<_, TypeRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(code)
    .fetch_optional(&mut *c)
    .await)?)
}

/// Every licence type, by code.
pub async fn list_types(h: H<'_>) -> Result<Vec<TypeRow>, StoreError> {
    let sql = format!("select {TYPE_COLS} from license_types order by code");
    Ok(on!(h, |c| sqlx::query_as::<_, TypeRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .fetch_all(&mut *c)
    .await)?)
}

// ---------------------------------------------------------------------------------------------
// Public signing keys

/// The public half of a signing key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct KeyRow {
    /// Key id.
    pub kid: String,
    /// `SM2-SM3` or `Ed25519`.
    pub alg: String,
    /// The public key as a JWK (JSON).
    pub public_jwk: String,
    /// `local` or the downstream library it came from.
    pub origin: String,
    /// `active` or `retired`.
    pub status: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Retired.
    pub retired_at: Option<DateTime<Utc>>,
}

const KEY_COLS: &str = "kid, alg, public_jwk, origin, status, created_at, retired_at";

/// Record a public key (a no-op if the key id is already known).
pub async fn insert_key(h: H<'_>, k: &KeyRow) -> Result<(), StoreError> {
    on!(h, |c| sqlx::query(
        "insert into signing_keys (kid, alg, public_jwk, origin, status, created_at, retired_at) \
         values ($1, $2, $3, $4, $5, $6, $7) on conflict (kid) do nothing"
    )
    .bind(&k.kid)
    .bind(&k.alg)
    .bind(&k.public_jwk)
    .bind(&k.origin)
    .bind(&k.status)
    .bind(k.created_at)
    .bind(k.retired_at)
    .execute(&mut *c)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Mark a key retired (it verifies, never signs).
pub async fn retire_key(h: H<'_>, kid: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
    on!(h, |c| {
        sqlx::query(
        "update signing_keys set status = 'retired', retired_at = $2 where kid = $1 and status = 'active'"
    )
    .bind(kid)
    .bind(at)
    .execute(&mut *c)
    .await
    .map(|_| ())
    })?;
    Ok(())
}

/// One key.
pub async fn get_key(h: H<'_>, kid: &str) -> Result<Option<KeyRow>, StoreError> {
    let sql = format!("select {KEY_COLS} from signing_keys where kid = $1");
    direct!(h, |l| l.opt(&sql, args![kid]));
    Ok(on!(h, |c| sqlx::query_as::<_, KeyRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(kid)
    .fetch_optional(&mut *c)
    .await)?)
}

/// Keys, oldest first; `origin` = `Some("local")` for this library's own.
pub async fn list_keys(h: H<'_>, origin: Option<&str>) -> Result<Vec<KeyRow>, StoreError> {
    let sql = format!(
        "select {KEY_COLS} from signing_keys where ($1 is null or origin = $1) order by created_at, kid"
    );
    Ok(on!(h, |c| sqlx::query_as::<_, KeyRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(origin)
    .fetch_all(&mut *c)
    .await)?)
}

// ---------------------------------------------------------------------------------------------
// Licences

/// A stored licence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct LicenseRow {
    /// Key.
    pub id: i64,
    /// 证照标识.
    pub identifier: String,
    /// 证照类型代码.
    pub type_code: String,
    /// 证照名称.
    pub name: String,
    /// 证照编号.
    pub number: String,
    /// 持证主体代码.
    pub holder_code: String,
    /// 持证主体.
    pub holder_name: String,
    /// 颁发机构代码.
    pub issuer_code: String,
    /// 颁发机构.
    pub issuer_name: String,
    /// 颁发日期.
    pub issued_on: NaiveDate,
    /// 有效期截止 (`None` = 长期).
    pub valid_to: Option<NaiveDate>,
    /// Status (`valid` …).
    pub status: String,
    /// Why the status last changed.
    pub status_reason: Option<String>,
    /// When the status last changed.
    pub status_at: DateTime<Utc>,
    /// The signed data (canonical JSON).
    pub data: String,
    /// Signature algorithm.
    pub alg: String,
    /// Key id.
    pub kid: String,
    /// Signature, base64.
    pub signature: String,
    /// When signed.
    pub signed_at: DateTime<Utc>,
    /// The case that produced it.
    pub case_id: Option<i64>,
    /// `local` or the downstream library it came from.
    pub origin: String,
    /// Identifier of the version it replaces.
    pub supersedes: Option<String>,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

const LIC_COLS: &str = "id, identifier, type_code, name, number, holder_code, holder_name, issuer_code, \
     issuer_name, issued_on, valid_to, status, status_reason, status_at, data, alg, kid, signature, \
     signed_at, case_id, origin, supersedes, version, created_at, updated_at";

/// A licence to store.
#[derive(Debug, Clone)]
pub struct NewLicense<'a> {
    /// 证照标识.
    pub identifier: &'a str,
    /// Type code.
    pub type_code: &'a str,
    /// Name.
    pub name: &'a str,
    /// Number.
    pub number: &'a str,
    /// Holder code.
    pub holder_code: &'a str,
    /// Holder name.
    pub holder_name: &'a str,
    /// Issuer code.
    pub issuer_code: &'a str,
    /// Issuer name.
    pub issuer_name: &'a str,
    /// Issue date.
    pub issued_on: NaiveDate,
    /// End of validity.
    pub valid_to: Option<NaiveDate>,
    /// Status.
    pub status: &'a str,
    /// Reason of the status.
    pub status_reason: Option<&'a str>,
    /// When the status was set.
    pub status_at: DateTime<Utc>,
    /// Signed data.
    pub data: &'a str,
    /// Algorithm.
    pub alg: &'a str,
    /// Key id.
    pub kid: &'a str,
    /// Signature.
    pub signature: &'a str,
    /// When signed.
    pub signed_at: DateTime<Utc>,
    /// Producing case.
    pub case_id: Option<i64>,
    /// Origin.
    pub origin: &'a str,
    /// Replaced version.
    pub supersedes: Option<&'a str>,
}

/// Store a licence. The row returned is built from `l` and the new id, as the backend stores
/// it: every column is stored as given (no defaults, no triggers), except that PostgreSQL keeps
/// times to the microsecond (ours are whole microseconds already; a received licence's times
/// may not be), so reading the row back and decoding it, in the writer's serial section, would
/// only repeat it.
pub async fn insert(h: H<'_>, l: &NewLicense<'_>) -> Result<LicenseRow, StoreError> {
    use chrono::SubsecRound;
    let t = now();
    let micros = matches!(h, H::Postgres(_));
    let stored = |at: DateTime<Utc>| if micros { at.trunc_subsecs(6) } else { at };
    let id = insert_row(h, l, t).await?;
    Ok(LicenseRow {
        id,
        identifier: l.identifier.to_string(),
        type_code: l.type_code.to_string(),
        name: l.name.to_string(),
        number: l.number.to_string(),
        holder_code: l.holder_code.to_string(),
        holder_name: l.holder_name.to_string(),
        issuer_code: l.issuer_code.to_string(),
        issuer_name: l.issuer_name.to_string(),
        issued_on: l.issued_on,
        valid_to: l.valid_to,
        status: l.status.to_string(),
        status_reason: l.status_reason.map(str::to_string),
        status_at: stored(l.status_at),
        data: l.data.to_string(),
        alg: l.alg.to_string(),
        kid: l.kid.to_string(),
        signature: l.signature.to_string(),
        signed_at: stored(l.signed_at),
        case_id: l.case_id,
        origin: l.origin.to_string(),
        supersedes: l.supersedes.map(str::to_string),
        version: 1,
        created_at: t,
        updated_at: t,
    })
}

async fn insert_row(h: H<'_>, l: &NewLicense<'_>, t: DateTime<Utc>) -> Result<i64, StoreError> {
    const SQL: &str = "insert into licenses (identifier, type_code, name, number, holder_code, \
         holder_name, issuer_code, issuer_name, issued_on, valid_to, status, status_reason, \
         status_at, data, alg, kid, signature, signed_at, case_id, origin, supersedes, version, \
         created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, \
         $19, $20, $21, 1, $22, $22) returning id";
    direct!(h, |lc| {
        lc.scalar(
            SQL,
            args![
                l.identifier,
                l.type_code,
                l.name,
                l.number,
                l.holder_code,
                l.holder_name,
                l.issuer_code,
                l.issuer_name,
                l.issued_on,
                l.valid_to,
                l.status,
                l.status_reason,
                l.status_at,
                l.data,
                l.alg,
                l.kid,
                l.signature,
                l.signed_at,
                l.case_id,
                l.origin,
                l.supersedes,
                t
            ],
        )
    });
    Ok(on!(h, |c| sqlx::query_scalar::<_, i64>(SQL)
        .bind(l.identifier)
        .bind(l.type_code)
        .bind(l.name)
        .bind(l.number)
        .bind(l.holder_code)
        .bind(l.holder_name)
        .bind(l.issuer_code)
        .bind(l.issuer_name)
        .bind(l.issued_on)
        .bind(l.valid_to)
        .bind(l.status)
        .bind(l.status_reason)
        .bind(l.status_at)
        .bind(l.data)
        .bind(l.alg)
        .bind(l.kid)
        .bind(l.signature)
        .bind(l.signed_at)
        .bind(l.case_id)
        .bind(l.origin)
        .bind(l.supersedes)
        .bind(t)
        .fetch_one(&mut *c)
        .await)?)
}

/// A licence by its identifier.
pub async fn by_identifier(h: H<'_>, identifier: &str) -> Result<Option<LicenseRow>, StoreError> {
    let sql = format!("select {LIC_COLS} from licenses where identifier = $1");
    Ok(on!(h, |c| sqlx::query_as::<_, LicenseRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(identifier)
    .fetch_optional(&mut *c)
    .await)?)
}

/// A licence by key.
pub async fn get(h: H<'_>, id: i64) -> Result<Option<LicenseRow>, StoreError> {
    let sql = format!("select {LIC_COLS} from licenses where id = $1");
    Ok(on!(h, |c| sqlx::query_as::<_, LicenseRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(id)
    .fetch_optional(&mut *c)
    .await)?)
}

/// What to list.
#[derive(Debug, Clone, Default)]
pub struct LicenseFilter<'a> {
    /// Holder code.
    pub holder: Option<&'a str>,
    /// Status.
    pub status: Option<&'a str>,
}

/// Licences, newest first.
pub async fn list(
    h: H<'_>,
    f: &LicenseFilter<'_>,
    limit: i64,
    offset: i64,
) -> Result<Vec<LicenseRow>, StoreError> {
    let sql = format!(
        "select {LIC_COLS} from licenses where ($1 is null or holder_code = $1) \
         and ($2 is null or status = $2) order by id desc limit $3 offset $4"
    );
    Ok(on!(h, |c| sqlx::query_as::<_, LicenseRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(f.holder)
    .bind(f.status)
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut *c)
    .await)?)
}

/// The holder's newest licence of a type that can be relied on today (valid, not past its end).
pub async fn find_usable(
    h: H<'_>,
    holder_code: &str,
    type_code: &str,
    today: NaiveDate,
) -> Result<Option<LicenseRow>, StoreError> {
    let sql = format!(
        "select {LIC_COLS} from licenses where holder_code = $1 and type_code = $2 \
         and status = 'valid' and (valid_to is null or valid_to >= $3) order by id desc limit 1"
    );
    direct!(h, |l| l.opt(&sql, args![holder_code, type_code, today]));
    Ok(on!(h, |c| sqlx::query_as::<_, LicenseRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(holder_code)
    .bind(type_code)
    .bind(today)
    .fetch_optional(&mut *c)
    .await)?)
}

/// Change the status if the licence is still at `expected_version`; the new version, or `None`
/// when someone else changed it first.
pub async fn set_status(
    h: H<'_>,
    id: i64,
    status: &str,
    reason: Option<&str>,
    at: DateTime<Utc>,
    expected_version: i64,
) -> Result<Option<i64>, StoreError> {
    Ok(on!(h, |c| sqlx::query_scalar::<_, i64>(
        "update licenses set status = $1, status_reason = $2, status_at = $3, updated_at = $3, \
         version = version + 1 where id = $4 and version = $5 returning version"
    )
    .bind(status)
    .bind(reason)
    .bind(at)
    .bind(id)
    .bind(expected_version)
    .fetch_optional(&mut *c)
    .await)?)
}

/// Valid or suspended licences whose validity ended before `today`.
pub async fn past_validity(
    h: H<'_>,
    today: NaiveDate,
    limit: i64,
) -> Result<Vec<LicenseRow>, StoreError> {
    let sql = format!(
        "select {LIC_COLS} from licenses where status in ('valid', 'suspended') \
         and valid_to is not null and valid_to < $1 and origin = 'local' order by id limit $2"
    );
    Ok(on!(h, |c| sqlx::query_as::<_, LicenseRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(today)
    .bind(limit)
    .fetch_all(&mut *c)
    .await)?)
}

/// Number of licences, per origin when given.
pub async fn count(h: H<'_>, origin: Option<&str>) -> Result<i64, StoreError> {
    Ok(on!(h, |c| sqlx::query_scalar::<_, i64>(
        "select count(*) from licenses where ($1 is null or origin = $1)"
    )
    .bind(origin)
    .fetch_one(&mut *c)
    .await)?)
}

// ---------------------------------------------------------------------------------------------
// Status history and uses

/// One entry of a licence's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct EventRow {
    /// Key.
    pub id: i64,
    /// Licence.
    pub license_id: i64,
    /// `issue`, `suspend`, … `received`.
    pub action: String,
    /// Reason.
    pub reason: Option<String>,
    /// Who.
    pub actor: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// Record a history entry.
pub async fn insert_event(
    h: H<'_>,
    license_id: i64,
    action: &str,
    reason: Option<&str>,
    actor: &str,
) -> Result<(), StoreError> {
    const SQL: &str = "insert into license_events (license_id, action, reason, actor, at) values ($1, $2, $3, $4, $5)";
    direct!(h, |l| {
        l.exec(SQL, args![license_id, action, reason, actor, now()])?;
        Ok(())
    });
    on!(h, |c| {
        sqlx::query(SQL)
            .bind(license_id)
            .bind(action)
            .bind(reason)
            .bind(actor)
            .bind(now())
            .execute(&mut *c)
            .await
            .map(|_| ())
    })?;
    Ok(())
}

/// A licence's history, oldest first.
pub async fn events(h: H<'_>, license_id: i64) -> Result<Vec<EventRow>, StoreError> {
    Ok(on!(h, |c| {
        sqlx::query_as::<_, EventRow>(
        "select id, license_id, action, reason, actor, at from license_events where license_id = $1 order by id"
    )
    .bind(license_id)
    .fetch_all(&mut *c)
    .await
    })?)
}

/// One use of a licence (用证记录).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct UseRow {
    /// Key.
    pub id: i64,
    /// Licence.
    pub license_id: i64,
    /// The case it served.
    pub case_id: Option<i64>,
    /// Who used it.
    pub used_by: String,
    /// Their department.
    pub department: Option<String>,
    /// What for.
    pub purpose: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// Record a use.
pub async fn insert_use(
    h: H<'_>,
    license_id: i64,
    case_id: Option<i64>,
    used_by: &str,
    department: Option<&str>,
    purpose: &str,
) -> Result<(), StoreError> {
    const SQL: &str = "insert into license_uses (license_id, case_id, used_by, department, purpose, at) \
         values ($1, $2, $3, $4, $5, $6)";
    direct!(h, |l| {
        l.exec(
            SQL,
            args![license_id, case_id, used_by, department, purpose, now()],
        )?;
        Ok(())
    });
    on!(h, |c| sqlx::query(SQL)
        .bind(license_id)
        .bind(case_id)
        .bind(used_by)
        .bind(department)
        .bind(purpose)
        .bind(now())
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Uses of a licence, newest first.
pub async fn uses(h: H<'_>, license_id: i64) -> Result<Vec<UseRow>, StoreError> {
    Ok(on!(h, |c| sqlx::query_as::<_, UseRow>(
        "select id, license_id, case_id, used_by, department, purpose, at from license_uses \
         where license_id = $1 order by id desc"
    )
    .bind(license_id)
    .fetch_all(&mut *c)
    .await)?)
}

// ---------------------------------------------------------------------------------------------
// Upward sharing

/// An event waiting to be (or already) pushed upstream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct OutboxRow {
    /// Key (delivery order).
    pub id: i64,
    /// Idempotency key.
    pub event_id: String,
    /// Licence.
    pub license_id: i64,
    /// JSON body.
    pub body: String,
    /// Attempts so far.
    pub attempts: i64,
    /// Not before.
    pub next_attempt_at: DateTime<Utc>,
    /// Last failure.
    pub last_error: Option<String>,
    /// When the upstream acknowledged it.
    pub sent_at: Option<DateTime<Utc>>,
}

const OUT_COLS: &str =
    "id, event_id, license_id, body, attempts, next_attempt_at, last_error, sent_at";

/// Queue an event (inside the transaction that changed the licence).
pub async fn enqueue(
    h: H<'_>,
    event_id: &str,
    license_id: i64,
    body: &str,
) -> Result<(), StoreError> {
    let t = now();
    const SQL: &str = "insert into license_outbox (event_id, license_id, body, attempts, next_attempt_at, created_at) \
         values ($1, $2, $3, 0, $4, $4)";
    direct!(h, |l| {
        l.exec(SQL, args![event_id, license_id, body, t])?;
        Ok(())
    });
    on!(h, |c| {
        sqlx::query(SQL)
            .bind(event_id)
            .bind(license_id)
            .bind(body)
            .bind(t)
            .execute(&mut *c)
            .await
            .map(|_| ())
    })?;
    Ok(())
}

/// The oldest unsent events after event `after` (0: from the start), in order. Whether each is
/// due yet is the sender's to check: a later event of a licence must not overtake an earlier
/// one that waits for its retry.
pub async fn due(h: H<'_>, after: i64, limit: i64) -> Result<Vec<OutboxRow>, StoreError> {
    let sql = format!(
        "select {OUT_COLS} from license_outbox where sent_at is null and id > $1 order by id limit $2"
    );
    Ok(on!(h, |c| sqlx::query_as::<_, OutboxRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(after)
    .bind(limit)
    .fetch_all(&mut *c)
    .await)?)
}

/// Acknowledged by the upstream.
pub async fn mark_sent(h: H<'_>, id: i64) -> Result<(), StoreError> {
    on!(h, |c| {
        sqlx::query(
        "update license_outbox set sent_at = $2, attempts = attempts + 1, last_error = null where id = $1"
    )
    .bind(id)
    .bind(now())
    .execute(&mut *c)
    .await
    .map(|_| ())
    })?;
    Ok(())
}

/// A failed attempt: try again at `next`.
pub async fn mark_failed(
    h: H<'_>,
    id: i64,
    error: &str,
    next: DateTime<Utc>,
) -> Result<(), StoreError> {
    on!(h, |c| {
        sqlx::query(
        "update license_outbox set attempts = attempts + 1, last_error = $2, next_attempt_at = $3 where id = $1"
    )
    .bind(id)
    .bind(error)
    .bind(next)
    .execute(&mut *c)
    .await
    .map(|_| ())
    })?;
    Ok(())
}

/// Counts of unsent and sent events.
pub async fn outbox_counts(h: H<'_>) -> Result<(i64, i64), StoreError> {
    let (a, b): (i64, i64) = on!(h, |c| sqlx::query_as(
        "select count(*) - count(sent_at), count(sent_at) from license_outbox"
    )
    .fetch_one(&mut *c)
    .await)?;
    Ok((a, b))
}

/// Record a received event; `false` if it had been received before (nothing to do).
pub async fn inbox_insert(
    h: H<'_>,
    source: &str,
    event_id: &str,
    license_id: i64,
) -> Result<bool, StoreError> {
    let n = on!(h, |c| {
        sqlx::query(
        "insert into license_inbox (source, event_id, license_id, received_at) values ($1, $2, $3, $4) \
         on conflict (source, event_id) do nothing"
    )
    .bind(source)
    .bind(event_id)
    .bind(license_id)
    .bind(now())
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(n == 1)
}

/// Whether an event was received before.
pub async fn inbox_seen(h: H<'_>, source: &str, event_id: &str) -> Result<bool, StoreError> {
    let n: i64 = on!(h, |c| sqlx::query_scalar(
        "select count(*) from license_inbox where source = $1 and event_id = $2"
    )
    .bind(source)
    .bind(event_id)
    .fetch_one(&mut *c)
    .await)?;
    Ok(n > 0)
}
