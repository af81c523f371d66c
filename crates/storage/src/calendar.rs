//! Working-day calendar years entered by administrators (beyond the years shipped in the code).

use chrono::{DateTime, Utc};

use crate::db::{H, on};
use crate::{StoreError, now};

/// A stored calendar year.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CalendarYearRow {
    /// The year.
    pub year: i64,
    /// Holiday-cn style JSON of the year.
    pub data: String,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// All stored years.
pub async fn list_years(h: H<'_>) -> Result<Vec<CalendarYearRow>, StoreError> {
    Ok(on!(h, |c| sqlx::query_as::<_, CalendarYearRow>(
        "select year, data, version, updated_at from calendar_years order by year"
    )
    .fetch_all(&mut *c)
    .await)?)
}

/// Insert or replace a year. `expected_version` guards a replacement (`None` = insert only).
pub async fn put_year(
    h: H<'_>,
    year: i64,
    data: &str,
    expected_version: Option<i64>,
) -> Result<CalendarYearRow, StoreError> {
    let t = now();
    let row = match expected_version {
        None => on!(h, |c| {
            sqlx::query_as::<_, CalendarYearRow>(
            "insert into calendar_years (year, data, version, updated_at) values ($1, $2, 1, $3) \
             on conflict (year) do nothing returning year, data, version, updated_at"
        )
        .bind(year)
        .bind(data)
        .bind(t)
        .fetch_optional(&mut *c)
        .await
        })?,
        Some(v) => on!(h, |c| sqlx::query_as::<_, CalendarYearRow>(
            "update calendar_years set data = $1, version = version + 1, updated_at = $2 \
             where year = $3 and version = $4 returning year, data, version, updated_at"
        )
        .bind(data)
        .bind(t)
        .bind(year)
        .bind(v)
        .fetch_optional(&mut *c)
        .await)?,
    };
    row.ok_or_else(|| StoreError::Conflict(format!("calendar year {year}")))
}
