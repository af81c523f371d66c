//! The annual report: the stored report (narrative, hand-entered figures) and the aggregate
//! queries that compute its tables from requests, appeals, disclosure items and cases. The
//! aggregates group in SQL, so a region with a million requests is counted by the database,
//! not by moving rows into the program.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::db::{H, on};
use crate::{StoreError, now};

/// A stored report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ReportRow {
    /// Key.
    pub id: i64,
    /// `department` or `region`.
    pub scope: String,
    /// Department id or region code.
    pub scope_key: String,
    /// Year reported on.
    pub year: i64,
    /// Narrative JSON.
    pub narrative: String,
    /// Hand-entered figures JSON.
    pub manual: String,
    /// Pre-2019 rows JSON.
    pub legacy: Option<String>,
    /// Figures as published (JSON).
    pub snapshot: Option<String>,
    /// The disclosure item it was published as.
    pub item_id: Option<i64>,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

const COLS: &str = "id, scope, scope_key, year, narrative, manual, legacy, snapshot, item_id, version, created_at, updated_at";

/// The stored report of a body and year.
pub async fn get(
    h: H<'_>,
    scope: &str,
    key: &str,
    year: i32,
) -> Result<Option<ReportRow>, StoreError> {
    let sql = format!(
        "select {COLS} from annual_reports where scope = $1 and scope_key = $2 and year = $3"
    );
    Ok(on!(h, |c| sqlx::query_as::<_, ReportRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(scope)
    .bind(key)
    .bind(i64::from(year))
    .fetch_optional(&mut *c)
    .await)?)
}

/// Create the report of a body and year (empty texts); returns it.
pub async fn create(
    h: H<'_>,
    scope: &str,
    key: &str,
    year: i32,
    narrative: &str,
) -> Result<ReportRow, StoreError> {
    let t = now();
    let sql = format!(
        "insert into annual_reports (scope, scope_key, year, narrative, manual, version, created_at, updated_at) \
         values ($1, $2, $3, $4, '{{}}', 1, $5, $5) returning {COLS}"
    );
    Ok(on!(h, |c| sqlx::query_as::<_, ReportRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(scope)
    .bind(key)
    .bind(i64::from(year))
    .bind(narrative)
    .bind(t)
    .fetch_one(&mut *c)
    .await)?)
}

/// Save narrative, manual figures, legacy rows and the published item, if the row is still
/// at `r.version`; returns the new version, or `None` when someone else saved first.
pub async fn save(h: H<'_>, r: &ReportRow) -> Result<Option<i64>, StoreError> {
    let t = now();
    Ok(on!(h, |c| sqlx::query_scalar::<_, i64>(
        "update annual_reports set narrative = $1, manual = $2, legacy = $3, item_id = $4, \
         snapshot = $8, version = version + 1, updated_at = $5 where id = $6 and version = $7 \
         returning version"
    )
    .bind(&r.narrative)
    .bind(&r.manual)
    .bind(&r.legacy)
    .bind(r.item_id)
    .bind(t)
    .bind(r.id)
    .bind(r.version)
    .bind(&r.snapshot)
    .fetch_optional(&mut *c)
    .await)?)
}

/// Which records belong to the body reported on: these departments, and (for the host body)
/// records not assigned to any department.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BodyFilter {
    /// Department ids.
    pub departments: Vec<i64>,
    /// Also records without a department (they belong to the centre itself).
    pub include_unassigned: bool,
    /// The body covers every record (the whole installation): no predicate at all.
    pub everything: bool,
}

impl BodyFilter {
    /// ` and (<col> in (...) or <col> is null)` with placeholders from `$start`; returns the SQL
    /// and the next placeholder number.
    fn sql(&self, col: &str, start: usize) -> (String, usize) {
        if self.everything {
            return (String::new(), start);
        }
        let mut n = start;
        let ps: Vec<String> = self
            .departments
            .iter()
            .map(|_| {
                let p = format!("${n}");
                n += 1;
                p
            })
            .collect();
        let mut parts = Vec::new();
        if !ps.is_empty() {
            parts.push(format!("{col} in ({})", ps.join(", ")));
        }
        if self.include_unassigned {
            parts.push(format!("{col} is null"));
        }
        if parts.is_empty() {
            (" and 1 = 0".into(), n)
        } else {
            (format!(" and ({})", parts.join(" or ")), n)
        }
    }
}

macro_rules! bind_body {
    ($q:expr, $f:expr) => {{
        let mut q = $q;
        if !$f.everything {
            for d in &$f.departments {
                q = q.bind(*d);
            }
        }
        q
    }};
}

/// One group of table 三: requester kind, received in the year (else carried over), the
/// outcome when replied within the year, and the count.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Table3Group {
    /// Requester kind machine name.
    pub requester_kind: String,
    /// Channel machine name.
    pub channel: String,
    /// 1 = received in the year, 2 = carried over.
    pub received: i64,
    /// Outcome machine name when replied by 31 December.
    pub outcome: Option<String>,
    /// Requests.
    pub n: i64,
}

/// The requests that table 三 of `year` counts, grouped: received by 31 December and not
/// answered before 1 January (domain rules §2.3).
///
/// `by_channel` adds the channel to the grouping (only the pre-2019 附表 needs it; leaving it
/// out keeps the sort small).
pub async fn table3_groups(
    h: H<'_>,
    first: NaiveDate,
    last: NaiveDate,
    body: &BodyFilter,
    by_channel: bool,
) -> Result<Vec<Table3Group>, StoreError> {
    let (w, _) = body.sql("department_id", 3);
    let channel = if by_channel { "channel" } else { "''" };
    let sql = format!(
        "select requester_kind, {channel} as channel, case when received_on >= $1 then cast(1 as bigint) else cast(2 as bigint) end as received, \
         case when replied_on <= $2 then outcome end as outcome, count(*) as n \
         from disclosure_requests where received_on <= $2 \
         and (replied_on is null or replied_on >= $1){w} group by 1, 2, 3, 4"
    );
    Ok(on!(h, |c| {
        let q = sqlx::query_as::<_, Table3Group>(sqlx::AssertSqlSafe(sql.clone()))
            .bind(first)
            .bind(last);
        bind_body!(q, body).fetch_all(&mut *c).await
    })?)
}

/// The same requests one by one (drill-down): id, number, kind, received, replied, outcome.
pub type RequestLine = (
    i64,
    String,
    String,
    NaiveDate,
    Option<NaiveDate>,
    Option<String>,
);

/// Requests behind table 三 (at most `limit`).
pub async fn table3_requests(
    h: H<'_>,
    first: NaiveDate,
    last: NaiveDate,
    body: &BodyFilter,
    limit: i64,
) -> Result<Vec<RequestLine>, StoreError> {
    let (w, n) = body.sql("department_id", 3);
    let sql = format!(
        "select id, request_no, requester_kind, received_on, replied_on, outcome \
         from disclosure_requests where received_on <= $2 \
         and (replied_on is null or replied_on >= $1){w} order by received_on, id limit ${n}"
    );
    Ok(on!(h, |c| {
        let q = sqlx::query_as::<_, RequestLine>(sqlx::AssertSqlSafe(sql.clone()))
            .bind(first)
            .bind(last);
        bind_body!(q, body).bind(limit).fetch_all(&mut *c).await
    })?)
}

/// Appeals filed in the year by kind and result as of 31 December (a result decided later is
/// still 尚未审结 at the end of the year), with counts.
pub async fn appeal_groups(
    h: H<'_>,
    first: NaiveDate,
    last: NaiveDate,
    body: &BodyFilter,
) -> Result<Vec<(String, String, i64)>, StoreError> {
    let (w, _) = body.sql("r.department_id", 3);
    let sql = format!(
        "select a.kind, case when a.result <> 'pending' and (a.decided_on is null or a.decided_on <= $2) \
         then a.result else 'pending' end as result, count(*) from disclosure_appeals a \
         join disclosure_requests r on r.id = a.request_id \
         where a.filed_on >= $1 and a.filed_on <= $2{w} group by 1, 2"
    );
    Ok(on!(h, |c| {
        let q = sqlx::query_as::<_, (String, String, i64)>(sqlx::AssertSqlSafe(sql.clone()))
            .bind(first)
            .bind(last);
        bind_body!(q, body).fetch_all(&mut *c).await
    })?)
}

/// 信息处理费 paid in the year, yuan.
pub async fn fees_paid(
    h: H<'_>,
    first: NaiveDate,
    last: NaiveDate,
    body: &BodyFilter,
) -> Result<i64, StoreError> {
    let (w, _) = body.sql("department_id", 3);
    let sql = format!(
        "select cast(coalesce(sum(fee_amount), 0) as bigint) from disclosure_requests \
         where fee_paid_on >= $1 and fee_paid_on <= $2{w}"
    );
    Ok(on!(h, |c| {
        let q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.clone()))
            .bind(first)
            .bind(last);
        bind_body!(q, body).fetch_one(&mut *c).await
    })?)
}

/// One version of a proactively disclosed item that was (or is) public.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ItemVersionLine {
    /// Item.
    pub item_id: i64,
    /// Version.
    pub version_no: i64,
    /// Title.
    pub title: String,
    /// Genre machine name.
    pub genre: String,
    /// Validity machine name.
    pub validity: String,
    /// When it went live.
    pub published_at: DateTime<Utc>,
    /// When the item was withdrawn, if it is.
    pub withdrawn_at: Option<DateTime<Utc>>,
}

/// Every version that went live (published, superseded or later withdrawn) of the body's
/// proactively disclosed items, by item and version.
pub async fn item_versions(
    h: H<'_>,
    body: &BodyFilter,
) -> Result<Vec<ItemVersionLine>, StoreError> {
    let (w, _) = body.sql("v.department_id", 1);
    let sql = format!(
        "select v.item_id, v.version_no, v.title, v.genre, v.validity, v.published_at, i.withdrawn_at \
         from info_versions v join info_items i on i.id = v.item_id \
         where v.published_at is not null and v.attribute = 'proactive' \
         and v.state in ('published', 'superseded', 'withdrawn'){w} order by v.item_id, v.version_no"
    );
    Ok(on!(h, |c| {
        let q = sqlx::query_as::<_, ItemVersionLine>(sqlx::AssertSqlSafe(sql.clone()));
        bind_body!(q, body).fetch_all(&mut *c).await
    })?)
}

/// Licensing decisions (准予 / 不予) made in the year on cases led by the body's departments.
pub async fn licensing_decisions(
    h: H<'_>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    body: &BodyFilter,
) -> Result<i64, StoreError> {
    let (w, _) = body.sql("lead_department_id", 3);
    let sql = format!(
        "select count(*) from cases where completed_at >= $1 and completed_at < $2 \
         and outcome is not null{w}"
    );
    Ok(on!(h, |c| {
        let q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.clone()))
            .bind(from)
            .bind(to);
        bind_body!(q, body).fetch_one(&mut *c).await
    })?)
}

/// Cases behind the licensing figure (drill-down): id, case number, completed.
pub async fn licensing_cases(
    h: H<'_>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    body: &BodyFilter,
    limit: i64,
) -> Result<Vec<(i64, String, Option<DateTime<Utc>>)>, StoreError> {
    let (w, n) = body.sql("lead_department_id", 3);
    let sql = format!(
        "select id, case_no, completed_at from cases where completed_at >= $1 and completed_at < $2 \
         and outcome is not null{w} order by completed_at, id limit ${n}"
    );
    Ok(on!(h, |c| {
        let q = sqlx::query_as::<_, (i64, String, Option<DateTime<Utc>>)>(sqlx::AssertSqlSafe(
            sql.clone(),
        ))
        .bind(from)
        .bind(to);
        bind_body!(q, body).bind(limit).fetch_all(&mut *c).await
    })?)
}

/// Appeals filed in the year (drill-down): request id and number, kind, result as of
/// 31 December, filed.
pub async fn appeals(
    h: H<'_>,
    first: NaiveDate,
    last: NaiveDate,
    body: &BodyFilter,
) -> Result<Vec<(i64, String, String, String, NaiveDate)>, StoreError> {
    let (w, _) = body.sql("r.department_id", 3);
    let sql = format!(
        "select r.id, r.request_no, a.kind, case when a.result <> 'pending' and \
         (a.decided_on is null or a.decided_on <= $2) then a.result else 'pending' end, a.filed_on \
         from disclosure_appeals a join disclosure_requests r on r.id = a.request_id \
         where a.filed_on >= $1 and a.filed_on <= $2{w} order by a.filed_on, a.id"
    );
    Ok(on!(h, |c| {
        let q = sqlx::query_as::<_, (i64, String, String, String, NaiveDate)>(sqlx::AssertSqlSafe(
            sql.clone(),
        ))
        .bind(first)
        .bind(last);
        bind_body!(q, body).fetch_all(&mut *c).await
    })?)
}
