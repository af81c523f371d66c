//! The service catalog: items, versions (one guide document each), life events, change feed.
//!
//! Public reads (`public_*`) only ever select `status = 'published'`: a draft or unreviewed
//! version cannot reach a public page, the API, search or intake through this module.

use chrono::{DateTime, Utc};
use onewindow_domain::catalog::{ServiceGuide, VersionStatus};
use serde::Serialize;

use crate::db::{H, direct, on};
use crate::{StoreError, now};

/// A stored catalog item (the stable identity across versions).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct ItemRow {
    /// Key.
    pub id: i64,
    /// 实施编码.
    pub task_code: String,
    /// Version in force, if any.
    pub current_version: Option<i64>,
    /// Highest version number.
    pub latest_version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
}

/// A version without its document (for lists).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct VersionSummary {
    /// Key of the version.
    pub id: i64,
    /// Item.
    pub item_id: i64,
    /// Version number (1, 2, …).
    pub version: i64,
    /// Status machine name.
    pub status: String,
    /// SHA-256 of the document (ETag).
    pub etag: String,
    /// 事项名称.
    pub name: String,
    /// 基本编码.
    pub catalog_code: String,
    /// Hall machine name.
    pub hall: String,
    /// Level machine name.
    pub level: String,
    /// Region code.
    pub region_code: String,
    /// Department name.
    pub department: String,
    /// Department id.
    pub department_id: Option<i64>,
    /// 事项类型 code.
    pub item_type: String,
    /// Discretion class machine name.
    pub discretion: String,
    /// 即办件/承诺件.
    pub case_kind: String,
    /// 承诺时限.
    pub promised_days: i64,
    /// Draft edit counter (optimistic concurrency).
    pub edit_version: i64,
    /// Author.
    pub created_by: Option<i64>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// Submitter.
    pub submitted_by: Option<i64>,
    /// Submitted.
    pub submitted_at: Option<DateTime<Utc>>,
    /// Reviewer.
    pub reviewed_by: Option<i64>,
    /// Reviewed.
    pub reviewed_at: Option<DateTime<Utc>>,
    /// Reviewer's comment.
    pub review_comment: Option<String>,
    /// Publisher.
    pub published_by: Option<i64>,
    /// Published.
    pub published_at: Option<DateTime<Utc>>,
    /// Withdrawn by.
    pub withdrawn_by: Option<i64>,
    /// Withdrawn.
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// Withdrawal reason.
    pub withdraw_reason: Option<String>,
}

/// A version with its document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct VersionRow {
    /// Everything but the document.
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub summary: VersionSummary,
    /// The guide as JSON text.
    pub doc: String,
}

impl VersionRow {
    /// The guide.
    pub fn guide(&self) -> Result<ServiceGuide, StoreError> {
        serde_json::from_str(&self.doc).map_err(|e| {
            StoreError::Other(format!(
                "stored guide of version {} does not parse: {e}",
                self.summary.id
            ))
        })
    }
}

const SUMMARY_COLS: &str = "id, item_id, version, status, etag, name, catalog_code, hall, level, \
    region_code, department, department_id, item_type, discretion, case_kind, promised_days, \
    edit_version, created_by, created_at, updated_at, submitted_by, submitted_at, reviewed_by, \
    reviewed_at, review_comment, published_by, published_at, withdrawn_by, withdrawn_at, withdraw_reason";

fn cols_with_doc() -> String {
    format!("{SUMMARY_COLS}, doc")
}

/// The canonical stored form of a guide and its ETag.
pub fn encode(guide: &ServiceGuide) -> Result<(String, String), StoreError> {
    use sha2::{Digest, Sha256};
    let doc = serde_json::to_string(guide).map_err(|e| StoreError::Other(e.to_string()))?;
    let etag = hex::encode(Sha256::digest(doc.as_bytes()));
    Ok((doc, etag))
}

/// Create an item.
pub async fn insert_item(h: H<'_>, task_code: &str) -> Result<ItemRow, StoreError> {
    let t = now();
    Ok(on!(h, |c| {
        sqlx::query_as::<_, ItemRow>(
        "insert into catalog_items (task_code, current_version, latest_version, created_at) \
         values ($1, null, 0, $2) returning id, task_code, current_version, latest_version, created_at"
    )
    .bind(task_code)
    .bind(t)
    .fetch_one(&mut *c)
    .await
    })?)
}

/// One item.
pub async fn get_item(h: H<'_>, id: i64) -> Result<ItemRow, StoreError> {
    Ok(on!(h, |c| {
        sqlx::query_as::<_, ItemRow>(
        "select id, task_code, current_version, latest_version, created_at from catalog_items where id = $1"
    )
    .bind(id)
    .fetch_one(&mut *c)
    .await
    })?)
}

/// An item by 实施编码.
pub async fn find_item_by_task_code(
    h: H<'_>,
    task_code: &str,
) -> Result<Option<ItemRow>, StoreError> {
    Ok(on!(h, |c| {
        sqlx::query_as::<_, ItemRow>(
        "select id, task_code, current_version, latest_version, created_at from catalog_items where task_code = $1"
    )
    .bind(task_code)
    .fetch_optional(&mut *c)
    .await
    })?)
}

/// The columns derived from a guide (its document, ETag and the filter columns), in bind order
/// `$1..$16` for both the insert of a version and the update of a draft.
const GUIDE_COLS: [&str; 16] = [
    "doc",
    "etag",
    "name",
    "catalog_code",
    "hall",
    "level",
    "region_code",
    "department",
    "department_id",
    "item_type",
    "discretion",
    "case_kind",
    "promised_days",
    "technical_count",
    "expert_count",
    "inspection_count",
];

/// Bind the values of [`GUIDE_COLS`], in order.
macro_rules! bind_guide_cols {
    ($q:expr, $doc:expr, $etag:expr, $g:expr, $dept:expr) => {
        $q.bind($doc)
            .bind($etag)
            .bind(&$g.name)
            .bind(&$g.catalog_code)
            .bind($g.hall.as_str())
            .bind($g.level.as_str())
            .bind(&$g.region_code)
            .bind(&$g.department)
            .bind($dept)
            .bind($g.item_type.as_str())
            .bind($g.discretion.as_str())
            .bind($g.case_kind.as_str())
            .bind(i64::from($g.promised_days))
            .bind($g.review_standards.technical.len() as i64)
            .bind($g.review_standards.expert.len() as i64)
            .bind($g.review_standards.inspection.len() as i64)
    };
}

/// Add version `latest_version + 1` of an item in `status`, with its life events.
pub async fn insert_version(
    mut h: H<'_>,
    item_id: i64,
    status: VersionStatus,
    guide: &ServiceGuide,
    department_id: Option<i64>,
    created_by: Option<i64>,
) -> Result<VersionRow, StoreError> {
    let (doc, etag) = encode(guide)?;
    let t = now();
    let version: i64 = on!(&mut h, |c| {
        sqlx::query_scalar::<_, i64>(
            "update catalog_items set latest_version = latest_version + 1 where id = $1 returning latest_version",
        )
        .bind(item_id)
        .fetch_one(&mut **c)
        .await
    })?;
    let placeholders: Vec<String> = (1..=GUIDE_COLS.len()).map(|n| format!("${n}")).collect();
    let sql = format!(
        "insert into catalog_versions ({}, item_id, version, status, edit_version, created_by, created_at, updated_at) \
         values ({}, $17, $18, $19, 1, $20, $21, $21) returning {}",
        GUIDE_COLS.join(", "),
        placeholders.join(", "),
        cols_with_doc()
    );
    let row = on!(&mut h, |c| bind_guide_cols!(
        sqlx::query_as::<_, VersionRow>(sqlx::AssertSqlSafe(sql.clone())),
        &doc,
        &etag,
        guide,
        department_id
    )
    .bind(item_id)
    .bind(version)
    .bind(status.as_str())
    .bind(created_by)
    .bind(t)
    .fetch_one(&mut **c)
    .await)?;
    set_events(h, row.summary.id, &guide.life_events).await?;
    Ok(row)
}

async fn set_events(mut h: H<'_>, version_id: i64, events: &[String]) -> Result<(), StoreError> {
    on!(&mut h, |c| sqlx::query(
        "delete from catalog_version_events where version_id = $1"
    )
    .bind(version_id)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    let mut seen = std::collections::BTreeSet::new();
    for e in events {
        let e = e.trim();
        if e.is_empty() || !seen.insert(e.to_string()) {
            continue;
        }
        on!(&mut h, |c| sqlx::query(
            "insert into catalog_version_events (version_id, event) values ($1, $2)"
        )
        .bind(version_id)
        .bind(e)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    Ok(())
}

/// Replace the document of a draft, guarded by status and edit version.
pub async fn update_draft(
    mut h: H<'_>,
    version_id: i64,
    guide: &ServiceGuide,
    department_id: Option<i64>,
    expected_edit_version: i64,
) -> Result<VersionRow, StoreError> {
    let (doc, etag) = encode(guide)?;
    let t = now();
    let sets: Vec<String> = GUIDE_COLS
        .iter()
        .enumerate()
        .map(|(n, c)| format!("{c} = ${}", n + 1))
        .collect();
    let sql = format!(
        "update catalog_versions set {}, edit_version = edit_version + 1, updated_at = $17 \
         where id = $18 and status = 'draft' and edit_version = $19 returning {}",
        sets.join(", "),
        cols_with_doc()
    );
    let row = on!(&mut h, |c| bind_guide_cols!(
        sqlx::query_as::<_, VersionRow>(sqlx::AssertSqlSafe(sql.clone())),
        &doc,
        &etag,
        guide,
        department_id
    )
    .bind(t)
    .bind(version_id)
    .bind(expected_edit_version)
    .fetch_optional(&mut **c)
    .await)?;
    let row = row.ok_or_else(|| StoreError::Conflict(format!("catalog version {version_id}")))?;
    set_events(h, version_id, &guide.life_events).await?;
    Ok(row)
}

/// Who did a transition, and any comment/reason.
#[derive(Debug, Clone, Default)]
pub struct TransitionBy {
    /// Acting user.
    pub user_id: Option<i64>,
    /// Review comment or withdrawal reason.
    pub note: Option<String>,
}

/// Move a version from `from` to `to`, stamping who and when; guarded by the expected status so
/// that two people acting at once get one success and one conflict.
pub async fn transition(
    h: H<'_>,
    version_id: i64,
    from: VersionStatus,
    to: VersionStatus,
    by: &TransitionBy,
) -> Result<VersionSummary, StoreError> {
    let t = now();
    // One statement for every transition: each column is stamped only by the status it belongs
    // to, so that the history of who submitted, reviewed, published or withdrew stays readable.
    let sql = format!(
        "update catalog_versions set status = $1, updated_at = $3, \
         submitted_by = case when $1 = 'submitted' then $2 else submitted_by end, \
         submitted_at = case when $1 = 'submitted' then $3 else submitted_at end, \
         reviewed_by = case when $1 in ('reviewed', 'draft') then $2 else reviewed_by end, \
         reviewed_at = case when $1 in ('reviewed', 'draft') then $3 else reviewed_at end, \
         review_comment = case when $1 in ('reviewed', 'draft') then $4 else review_comment end, \
         published_by = case when $1 = 'published' then $2 else published_by end, \
         published_at = case when $1 = 'published' then $3 else published_at end, \
         withdrawn_by = case when $1 = 'withdrawn' then $2 else withdrawn_by end, \
         withdrawn_at = case when $1 = 'withdrawn' then $3 else withdrawn_at end, \
         withdraw_reason = case when $1 = 'withdrawn' then $4 else withdraw_reason end \
         where id = $5 and status = $6 returning {SUMMARY_COLS}"
    );
    let row = on!(h, |c| sqlx::query_as::<_, VersionSummary>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(to.as_str())
    .bind(by.user_id)
    .bind(t)
    .bind(by.note.clone())
    .bind(version_id)
    .bind(from.as_str())
    .fetch_optional(&mut *c)
    .await)?;
    row.ok_or_else(|| {
        StoreError::Conflict(format!(
            "catalog version {version_id} is no longer {}",
            from.as_str()
        ))
    })
}

/// Point the item at its version in force (or none).
pub async fn set_current(h: H<'_>, item_id: i64, version: Option<i64>) -> Result<(), StoreError> {
    on!(h, |c| sqlx::query(
        "update catalog_items set current_version = $1 where id = $2"
    )
    .bind(version)
    .bind(item_id)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Append to the change feed; returns the cursor value.
pub async fn insert_change(
    h: H<'_>,
    item_id: i64,
    version: i64,
    kind: &str,
) -> Result<i64, StoreError> {
    let t = now();
    Ok(on!(h, |c| {
        sqlx::query_scalar::<_, i64>(
        "insert into catalog_changes (item_id, version, kind, at) values ($1, $2, $3, $4) returning seq"
    )
    .bind(item_id)
    .bind(version)
    .bind(kind)
    .bind(t)
    .fetch_one(&mut *c)
    .await
    })?)
}

/// One entry of the change feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct ChangeRow {
    /// Cursor.
    pub seq: i64,
    /// Item.
    pub item_id: i64,
    /// Version.
    pub version: i64,
    /// `published` or `withdrawn`.
    pub kind: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// Changes after `cursor`, oldest first.
pub async fn changes_since(
    h: H<'_>,
    cursor: i64,
    limit: i64,
) -> Result<Vec<ChangeRow>, StoreError> {
    Ok(on!(h, |c| {
        sqlx::query_as::<_, ChangeRow>(
        "select seq, item_id, version, kind, at from catalog_changes where seq > $1 order by seq limit $2"
    )
    .bind(cursor)
    .bind(limit)
    .fetch_all(&mut *c)
    .await
    })?)
}

/// The newest cursor (0 when empty).
pub async fn last_change(h: H<'_>) -> Result<i64, StoreError> {
    Ok(on!(h, |c| sqlx::query_scalar::<_, Option<i64>>(
        "select max(seq) from catalog_changes"
    )
    .fetch_one(&mut *c)
    .await)?
    .unwrap_or(0))
}

/// One version by key (any status: staff use).
pub async fn get_version(h: H<'_>, id: i64) -> Result<VersionRow, StoreError> {
    let sql = format!(
        "select {} from catalog_versions where id = $1",
        cols_with_doc()
    );
    Ok(on!(h, |c| sqlx::query_as::<_, VersionRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(id)
    .fetch_one(&mut *c)
    .await)?)
}

/// Every version of an item, newest first (staff use).
pub async fn list_versions(h: H<'_>, item_id: i64) -> Result<Vec<VersionSummary>, StoreError> {
    let sql = format!(
        "select {SUMMARY_COLS} from catalog_versions where item_id = $1 order by version desc"
    );
    Ok(on!(h, |c| sqlx::query_as::<_, VersionSummary>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(item_id)
    .fetch_all(&mut *c)
    .await)?)
}

/// The published version of an item, or `None` — never a draft.
pub async fn public_get(h: H<'_>, item_id: i64) -> Result<Option<VersionRow>, StoreError> {
    let sql = format!(
        "select {} from catalog_versions where item_id = $1 and status = 'published'",
        cols_with_doc()
    );
    Ok(on!(h, |c| sqlx::query_as::<_, VersionRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(item_id)
    .fetch_optional(&mut *c)
    .await)?)
}

/// Every published version with its document (export, search index).
pub async fn public_all(h: H<'_>) -> Result<Vec<VersionRow>, StoreError> {
    let sql = format!(
        "select {} from catalog_versions where status = 'published' order by item_id",
        cols_with_doc()
    );
    Ok(on!(h, |c| sqlx::query_as::<_, VersionRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .fetch_all(&mut *c)
    .await)?)
}

/// Filter of catalog lists.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Hall machine name.
    pub hall: Option<String>,
    /// Department id.
    pub department_id: Option<i64>,
    /// Level machine name.
    pub level: Option<String>,
    /// Region code (exact).
    pub region_code: Option<String>,
    /// Life event.
    pub event: Option<String>,
    /// Staff lists: only this status (`None` = the newest version of every item).
    pub status: Option<String>,
    /// Only these item ids (search results).
    pub ids: Option<Vec<i64>>,
}

fn where_clause(f: &ListFilter, public: bool, n: &mut usize) -> String {
    let mut p = || {
        *n += 1;
        format!("${n}")
    };
    let mut w = String::new();
    if public {
        w += " and v.status = 'published'";
    } else if f.status.is_some() {
        w += &format!(" and v.status = {}", p());
    } else {
        w += " and v.version = (select max(v2.version) from catalog_versions v2 where v2.item_id = v.item_id)";
    }
    if f.hall.is_some() {
        w += &format!(" and v.hall = {}", p());
    }
    if f.department_id.is_some() {
        w += &format!(" and v.department_id = {}", p());
    }
    if f.level.is_some() {
        w += &format!(" and v.level = {}", p());
    }
    if f.region_code.is_some() {
        w += &format!(" and v.region_code = {}", p());
    }
    if f.event.is_some() {
        w += &format!(
            " and exists (select 1 from catalog_version_events e where e.version_id = v.id and e.event = {})",
            p()
        );
    }
    if let Some(ids) = &f.ids {
        if ids.is_empty() {
            w += " and 1 = 0";
        } else {
            let ps: Vec<String> = ids.iter().map(|_| p()).collect();
            w += &format!(" and v.item_id in ({})", ps.join(", "));
        }
    }
    w
}

macro_rules! bind_filter {
    ($q:expr, $f:expr, $public:expr) => {{
        let mut q = $q;
        if !$public {
            if let Some(s) = &$f.status {
                q = q.bind(s.clone());
            }
        }
        if let Some(x) = &$f.hall {
            q = q.bind(x.clone());
        }
        if let Some(x) = $f.department_id {
            q = q.bind(x);
        }
        if let Some(x) = &$f.level {
            q = q.bind(x.clone());
        }
        if let Some(x) = &$f.region_code {
            q = q.bind(x.clone());
        }
        if let Some(x) = &$f.event {
            q = q.bind(x.clone());
        }
        if let Some(ids) = &$f.ids {
            for i in ids {
                q = q.bind(*i);
            }
        }
        q
    }};
}

/// A page of versions matching the filter, ordered by hall then name, plus the total count.
/// `public` restricts to published versions.
pub async fn list(
    mut h: H<'_>,
    f: &ListFilter,
    public: bool,
    offset: i64,
    limit: i64,
) -> Result<(Vec<VersionSummary>, i64), StoreError> {
    let mut n = 0;
    let w = where_clause(f, public, &mut n);
    let count_sql = format!("select count(*) from catalog_versions v where 1 = 1{w}");
    let total: i64 = on!(&mut h, |c| {
        let q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(count_sql.clone()));
        bind_filter!(q, f, public).fetch_one(&mut **c).await
    })?;
    let cols: String = SUMMARY_COLS
        .split(", ")
        .map(|c| format!("v.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "select {cols} from catalog_versions v where 1 = 1{w} order by v.hall, v.name, v.item_id limit ${} offset ${}",
        n + 1,
        n + 2
    );
    let rows = on!(&mut h, |c| {
        let q = sqlx::query_as::<_, VersionSummary>(sqlx::AssertSqlSafe(sql.clone()));
        bind_filter!(q, f, public)
            .bind(limit)
            .bind(offset)
            .fetch_all(&mut **c)
            .await
    })?;
    Ok((rows, total))
}

/// Published item counts by hall.
pub async fn public_counts_by_hall(h: H<'_>) -> Result<Vec<(String, i64)>, StoreError> {
    Ok(on!(h, |c| {
        sqlx::query_as::<_, (String, i64)>(
        "select hall, count(*) from catalog_versions where status = 'published' group by hall order by hall"
    )
    .fetch_all(&mut *c)
    .await
    })?)
}

/// Published life events with item counts.
pub async fn public_events(h: H<'_>) -> Result<Vec<(String, i64)>, StoreError> {
    Ok(on!(h, |c| {
        sqlx::query_as::<_, (String, i64)>(
        "select e.event, count(*) from catalog_version_events e join catalog_versions v on v.id = e.version_id \
         where v.status = 'published' group by e.event order by count(*) desc, e.event"
    )
    .fetch_all(&mut *c)
    .await
    })?)
}

/// Statistics per region and discretion class (published items): item count and review-standard
/// counts, like the seed report's "鼓励允许类 6951 项、限制类 4141 项、禁止类 36 项；技术审查标准 1110 项…".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct ClassStat {
    /// Region code.
    pub region_code: String,
    /// Discretion class.
    pub discretion: String,
    /// Items.
    pub items: i64,
    /// 技术审查标准.
    pub technical: i64,
    /// 专家评审标准.
    pub expert: i64,
    /// 现场踏勘标准.
    pub inspection: i64,
}

/// Counts per region and class. (`sum` of a `bigint` is `numeric` on PostgreSQL, hence the casts.)
pub async fn public_class_stats(h: H<'_>) -> Result<Vec<ClassStat>, StoreError> {
    Ok(on!(h, |c| {
        sqlx::query_as::<_, ClassStat>(
            "select region_code, discretion, count(*) as items, \
         cast(coalesce(sum(technical_count), 0) as bigint) as technical, \
         cast(coalesce(sum(expert_count), 0) as bigint) as expert, \
         cast(coalesce(sum(inspection_count), 0) as bigint) as inspection \
         from catalog_versions where status = 'published' group by region_code, discretion \
         order by region_code, discretion",
        )
        .fetch_all(&mut *c)
        .await
    })?)
}

/// The published version of an item by 实施编码, or `None` — never a draft.
pub async fn public_by_task_code(
    h: H<'_>,
    task_code: &str,
) -> Result<Option<VersionRow>, StoreError> {
    let sql = format!(
        "select {} from catalog_versions where status = 'published' and item_id = \
         (select id from catalog_items where task_code = $1)",
        cols_with_doc()
    );
    direct!(h, |l| l.opt(&sql, crate::lite::args![task_code]));
    Ok(on!(h, |c| sqlx::query_as::<_, VersionRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(task_code)
    .fetch_optional(&mut *c)
    .await)?)
}
