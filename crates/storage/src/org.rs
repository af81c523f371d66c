//! Regions (行政区划), departments (部门) and service windows (窗口).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::db::{H, direct, on};
use crate::{StoreError, now};

/// A stored region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct RegionRow {
    /// GB/T 2260 or statistical code.
    pub code: String,
    /// Name, e.g. 泉州市.
    pub name: String,
    /// `province`, `city`, `county`, `township` or `village`.
    pub level: String,
    /// Parent region code.
    pub parent_code: Option<String>,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// All regions ordered by code.
pub async fn list_regions(h: H<'_>) -> Result<Vec<RegionRow>, StoreError> {
    Ok(on!(h, |c| sqlx::query_as::<_, RegionRow>(
        "select code, name, level, parent_code, version, created_at, updated_at \
         from regions order by code"
    )
    .fetch_all(&mut *c)
    .await)?)
}

/// One region.
pub async fn get_region(h: H<'_>, code: &str) -> Result<RegionRow, StoreError> {
    Ok(on!(h, |c| sqlx::query_as::<_, RegionRow>(
        "select code, name, level, parent_code, version, created_at, updated_at \
         from regions where code = $1"
    )
    .bind(code)
    .fetch_one(&mut *c)
    .await)?)
}

/// Insert a region; [`StoreError::Duplicate`] if the code exists.
pub async fn insert_region(
    h: H<'_>,
    code: &str,
    name: &str,
    level: &str,
    parent_code: Option<&str>,
) -> Result<RegionRow, StoreError> {
    let t = now();
    Ok(on!(h, |c| sqlx::query_as::<_, RegionRow>(
        "insert into regions (code, name, level, parent_code, version, created_at, updated_at) \
         values ($1, $2, $3, $4, 1, $5, $5) \
         returning code, name, level, parent_code, version, created_at, updated_at"
    )
    .bind(code)
    .bind(name)
    .bind(level)
    .bind(parent_code)
    .bind(t)
    .fetch_one(&mut *c)
    .await)?)
}

/// Rename a region, guarded by the version the editor saw.
pub async fn update_region(
    h: H<'_>,
    code: &str,
    name: &str,
    expected_version: i64,
) -> Result<RegionRow, StoreError> {
    let t = now();
    let row = on!(h, |c| sqlx::query_as::<_, RegionRow>(
        "update regions set name = $1, version = version + 1, updated_at = $2 \
         where code = $3 and version = $4 \
         returning code, name, level, parent_code, version, created_at, updated_at"
    )
    .bind(name)
    .bind(t)
    .bind(code)
    .bind(expected_version)
    .fetch_optional(&mut *c)
    .await)?;
    row.ok_or_else(|| StoreError::Conflict(format!("region {code} version {expected_version}")))
}

/// A stored department.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct DepartmentRow {
    /// Key.
    pub id: i64,
    /// Full name, e.g. 泉州市市场监督管理局.
    pub name: String,
    /// Short name, e.g. 市场监管.
    pub short_name: String,
    /// 统一社会信用代码 of the body.
    pub credit_code: Option<String>,
    /// Region the department belongs to.
    pub region_code: String,
    /// Whether in service.
    #[serde(deserialize_with = "crate::lite::flag")]
    pub active: bool,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

const DEPT_COLS: &str =
    "id, name, short_name, credit_code, region_code, active, version, created_at, updated_at";

/// Fields of a department as entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepartmentFields {
    /// Full name.
    pub name: String,
    /// Short name.
    pub short_name: String,
    /// Credit code (already validated).
    pub credit_code: Option<String>,
    /// Region code (already validated).
    pub region_code: String,
    /// In service.
    pub active: bool,
}

/// Departments, optionally only those of one region, ordered by region then id.
pub async fn list_departments(
    h: H<'_>,
    region: Option<&str>,
) -> Result<Vec<DepartmentRow>, StoreError> {
    let sql = format!(
        "select {DEPT_COLS} from departments where ($1 is null or region_code = $1) \
         order by region_code, id"
    );
    direct!(h, |l| l.all(&sql, crate::lite::args![region]));
    Ok(on!(h, |c| sqlx::query_as::<_, DepartmentRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(region)
    .fetch_all(&mut *c)
    .await)?)
}

/// One department.
pub async fn get_department(h: H<'_>, id: i64) -> Result<DepartmentRow, StoreError> {
    let sql = format!("select {DEPT_COLS} from departments where id = $1");
    direct!(h, |l| l.one(&sql, crate::lite::args![id]));
    Ok(on!(h, |c| sqlx::query_as::<_, DepartmentRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(id)
    .fetch_one(&mut *c)
    .await)?)
}

/// Find a department by exact name.
pub async fn find_department_by_name(
    h: H<'_>,
    name: &str,
) -> Result<Option<DepartmentRow>, StoreError> {
    let sql = format!(
        "select {DEPT_COLS} from departments where name = $1 or short_name = $1 order by id limit 1"
    );
    Ok(on!(h, |c| sqlx::query_as::<_, DepartmentRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(name)
    .fetch_optional(&mut *c)
    .await)?)
}

/// Insert a department.
pub async fn insert_department(
    h: H<'_>,
    f: &DepartmentFields,
) -> Result<DepartmentRow, StoreError> {
    let t = now();
    let sql = format!(
        "insert into departments (name, short_name, credit_code, region_code, active, version, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, 1, $6, $6) returning {DEPT_COLS}"
    );
    Ok(on!(h, |c| sqlx::query_as::<_, DepartmentRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(&f.name)
    .bind(&f.short_name)
    .bind(&f.credit_code)
    .bind(&f.region_code)
    .bind(f.active)
    .bind(t)
    .fetch_one(&mut *c)
    .await)?)
}

/// Update a department, guarded by the version the editor saw.
pub async fn update_department(
    h: H<'_>,
    id: i64,
    f: &DepartmentFields,
    expected_version: i64,
) -> Result<DepartmentRow, StoreError> {
    let t = now();
    let sql = format!(
        "update departments set name = $1, short_name = $2, credit_code = $3, region_code = $4, \
         active = $5, version = version + 1, updated_at = $6 where id = $7 and version = $8 \
         returning {DEPT_COLS}"
    );
    let row = on!(h, |c| sqlx::query_as::<_, DepartmentRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(&f.name)
    .bind(&f.short_name)
    .bind(&f.credit_code)
    .bind(&f.region_code)
    .bind(f.active)
    .bind(t)
    .bind(id)
    .bind(expected_version)
    .fetch_optional(&mut *c)
    .await)?;
    row.ok_or_else(|| StoreError::Conflict(format!("department {id} version {expected_version}")))
}

/// A stored service window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct WindowRow {
    /// Key.
    pub id: i64,
    /// Window number, e.g. A01.
    pub number: String,
    /// Name, e.g. 企业开办综合受理.
    pub name: String,
    /// Themed hall.
    pub hall: String,
    /// Region of the service center.
    pub region_code: String,
    /// Department, or none for a comprehensive window (综合窗口).
    pub department_id: Option<i64>,
    /// In service.
    #[serde(deserialize_with = "crate::lite::flag")]
    pub active: bool,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

const WIN_COLS: &str =
    "id, number, name, hall, region_code, department_id, active, version, created_at, updated_at";

/// Fields of a window as entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowFields {
    /// Number.
    pub number: String,
    /// Name.
    pub name: String,
    /// Hall.
    pub hall: String,
    /// Region.
    pub region_code: String,
    /// Department, if a department window.
    pub department_id: Option<i64>,
    /// In service.
    pub active: bool,
}

/// All windows ordered by region and number.
pub async fn list_windows(h: H<'_>) -> Result<Vec<WindowRow>, StoreError> {
    let sql = format!("select {WIN_COLS} from windows order by region_code, number");
    Ok(on!(h, |c| sqlx::query_as::<_, WindowRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .fetch_all(&mut *c)
    .await)?)
}

/// One window.
pub async fn get_window(h: H<'_>, id: i64) -> Result<WindowRow, StoreError> {
    let sql = format!("select {WIN_COLS} from windows where id = $1");
    Ok(on!(h, |c| sqlx::query_as::<_, WindowRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(id)
    .fetch_one(&mut *c)
    .await)?)
}

/// Insert a window.
pub async fn insert_window(h: H<'_>, f: &WindowFields) -> Result<WindowRow, StoreError> {
    let t = now();
    let sql = format!(
        "insert into windows (number, name, hall, region_code, department_id, active, version, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, 1, $7, $7) returning {WIN_COLS}"
    );
    Ok(on!(h, |c| sqlx::query_as::<_, WindowRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(&f.number)
    .bind(&f.name)
    .bind(&f.hall)
    .bind(&f.region_code)
    .bind(f.department_id)
    .bind(f.active)
    .bind(t)
    .fetch_one(&mut *c)
    .await)?)
}

/// Update a window, guarded by version.
pub async fn update_window(
    h: H<'_>,
    id: i64,
    f: &WindowFields,
    expected_version: i64,
) -> Result<WindowRow, StoreError> {
    let t = now();
    let sql = format!(
        "update windows set number = $1, name = $2, hall = $3, region_code = $4, department_id = $5, \
         active = $6, version = version + 1, updated_at = $7 where id = $8 and version = $9 \
         returning {WIN_COLS}"
    );
    let row = on!(h, |c| sqlx::query_as::<_, WindowRow>(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(&f.number)
    .bind(&f.name)
    .bind(&f.hall)
    .bind(&f.region_code)
    .bind(f.department_id)
    .bind(f.active)
    .bind(t)
    .bind(id)
    .bind(expected_version)
    .fetch_optional(&mut *c)
    .await)?;
    row.ok_or_else(|| StoreError::Conflict(format!("window {id} version {expected_version}")))
}
