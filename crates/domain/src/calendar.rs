//! The working-day calendar (工作日历) used for every statutory deadline counted in 工作日.
//!
//! Rules: a day is a working day if it is Monday–Friday, unless the State Council General Office's
//! yearly notice on public holidays (国务院办公厅关于××年部分节假日安排的通知) makes it a day off
//! (放假) — or it is a Saturday/Sunday that the notice turns into a make-up working day (调休上班).
//! The statutory holidays themselves come from 《全国年节及纪念日放假办法》 (revised by 国务院令第795号,
//! 13 days a year from 2025); the notice fixes the actual dates.
//!
//! The data for each year is kept in the JSON schema of the open dataset `NateScarlet/holiday-cn`
//! (`{year, papers, days: [{name, date, isOffDay}]}`) plus a `source` string naming the notice.
//! 2025 (国办发明电〔2024〕12号) and 2026 (国办发明电〔2025〕7号) are embedded; administrators add
//! later years with [`WorkCalendar::with_year`] once the notice is published (usually in
//! November). A computation that touches a year without data fails with
//! [`DomainError::CalendarYearMissing`] — it never silently falls back to weekends only.
//!
//! Deadlines follow 政府信息公开条例 practice: `n` working days from a start date means the n-th
//! working day strictly after the start date (the start day itself is not counted).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::error::DomainError;
use crate::identity::normalize;

const CALENDAR_FIELD: &str = "holiday_calendar";

/// Embedded data for 2025: 国务院办公厅关于2025年部分节假日安排的通知 (国办发明电〔2024〕12号).
const YEAR_2025_JSON: &str = include_str!("../data/holidays/2025.json");
/// Embedded data for 2026: 国务院办公厅关于2026年部分节假日安排的通知 (国办发明电〔2025〕7号).
const YEAR_2026_JSON: &str = include_str!("../data/holidays/2026.json");

/// Parse a `YYYY-MM-DD` date (after trimming and full-width → half-width normalisation).
///
/// The error (for field `field`) says in Chinese and English whether the format is wrong or the
/// date does not exist (e.g. `2025-02-29`).
pub fn parse_date(field: &'static str, s: &str) -> Result<NaiveDate, DomainError> {
    let t = normalize(s);
    let b = t.as_bytes();
    let well_formed = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        });
    if !well_formed {
        return Err(DomainError::field(
            field,
            format!("字段 {field} 的日期格式错误：应为 YYYY-MM-DD（例如 2025-09-26），收到「{t}」"),
            format!("{field}: date must be written YYYY-MM-DD (e.g. 2025-09-26), got '{t}'"),
        ));
    }
    NaiveDate::parse_from_str(&t, "%Y-%m-%d").map_err(|_| {
        DomainError::field(
            field,
            format!("字段 {field} 的日期 {t} 不存在（不是有效的日历日期）"),
            format!("{field}: {t} is not a real calendar date"),
        )
    })
}

/// One entry of a year's holiday notice (holiday-cn `days[]` element).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HolidayDay {
    /// Holiday the entry belongs to, e.g. `春节` or `国庆节、中秋节`.
    pub name: String,
    /// The date.
    pub date: NaiveDate,
    /// `true`: a day off inside the holiday block (放假); `false`: a make-up working day on a
    /// weekend (调休上班).
    #[serde(rename = "isOffDay")]
    pub is_off_day: bool,
}

/// The holiday arrangement of one year, in the holiday-cn JSON schema.
///
/// Ordinary weekends adjoining a holiday are not listed (they are non-working anyway). Per the
/// holiday-cn caveat, a year's file may contain dates of late December of the previous year or
/// early January of the next; those are accepted by [`YearData::validate`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearData {
    /// Year of the notice (the year in its title).
    pub year: i32,
    /// Name of the official notice, e.g.
    /// `国务院办公厅关于2026年部分节假日安排的通知（国办发明电〔2025〕7号）`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// URLs of the notice(s) on gov.cn.
    #[serde(default)]
    pub papers: Vec<String>,
    /// Days off and make-up working days.
    pub days: Vec<HolidayDay>,
}

fn calendar_err(zh: String, en: String) -> DomainError {
    DomainError::field(CALENDAR_FIELD, zh, en)
}

impl YearData {
    /// Years for which holiday data may be loaded: the State Council has published an annual
    /// notice since the 1999 holiday reform; nothing later than 2100 is a real notice.
    pub const YEARS: std::ops::RangeInclusive<i32> = 1999..=2100;

    /// Parse a year's data from holiday-cn JSON and [`validate`](YearData::validate) it.
    pub fn from_json(json: &str) -> Result<Self, DomainError> {
        let data: Self = serde_json::from_str(json).map_err(|e| {
            calendar_err(
                format!("节假日安排数据不是有效的 JSON：{e}"),
                format!("holiday data: invalid JSON: {e}"),
            )
        })?;
        data.validate()?;
        Ok(data)
    }

    /// Check the data: the year lies in [`YearData::YEARS`]; every date lies in `year`, or in
    /// December of `year − 1`, or in January of `year + 1` (holiday-cn files are keyed by the
    /// notice's year, so a block around New Year may spill over); no date is listed twice; every
    /// entry has a holiday name.
    pub fn validate(&self) -> Result<(), DomainError> {
        let y = self.year;
        if !Self::YEARS.contains(&y) {
            return Err(calendar_err(
                format!(
                    "年份 {y} 超出范围：节假日安排只能载入 {}—{} 年",
                    Self::YEARS.start(),
                    Self::YEARS.end()
                ),
                format!(
                    "year {y} is out of range: holiday data can be loaded for {}–{} only",
                    Self::YEARS.start(),
                    Self::YEARS.end()
                ),
            ));
        }
        let mut seen = BTreeSet::new();
        for d in &self.days {
            let (dy, dm) = (d.date.year(), d.date.month());
            let in_range = dy == y || (dy == y - 1 && dm == 12) || (dy == y + 1 && dm == 1);
            if !in_range {
                return Err(calendar_err(
                    format!(
                        "{y} 年节假日安排数据中的日期 {} 不属于该年（只允许相邻的上年 12 月或次年 1 月）",
                        d.date
                    ),
                    format!(
                        "holiday data for {y}: date {} is outside the year (only December of the previous or January of the next year may spill over)",
                        d.date
                    ),
                ));
            }
            if !seen.insert(d.date) {
                return Err(calendar_err(
                    format!("{y} 年节假日安排数据中日期 {} 重复出现", d.date),
                    format!("holiday data for {y}: date {} is listed twice", d.date),
                ));
            }
            if d.name.trim().is_empty() {
                return Err(calendar_err(
                    format!("{y} 年节假日安排数据中日期 {} 缺少节日名称", d.date),
                    format!("holiday data for {y}: date {} has no holiday name", d.date),
                ));
            }
        }
        Ok(())
    }
}

/// Why a day was not counted as a working day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "holiday", rename_all = "snake_case")]
pub enum SkipReason {
    /// An ordinary Saturday or Sunday.
    Weekend,
    /// A day off of the named statutory holiday (including weekend days inside the block).
    Holiday(String),
}

impl SkipReason {
    /// Chinese label, e.g. `周末` or `春节放假`.
    pub fn zh(&self) -> String {
        match self {
            Self::Weekend => "周末".to_owned(),
            Self::Holiday(name) => format!("{name}放假"),
        }
    }

    /// English label, e.g. `weekend` or `public holiday (春节)`.
    pub fn en(&self) -> String {
        match self {
            Self::Weekend => "weekend".to_owned(),
            Self::Holiday(name) => format!("public holiday ({name})"),
        }
    }
}

/// A non-working day passed over while counting.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedDay {
    /// The date.
    pub date: NaiveDate,
    /// Why it was not counted.
    pub reason: SkipReason,
}

/// How a due date was computed, for showing to applicants.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    /// The start date (not counted).
    pub start: NaiveDate,
    /// Number of working days added.
    pub n: u32,
    /// The resulting due date.
    pub due: NaiveDate,
    /// Non-working days between `start` and `due`, in order.
    pub skipped: Vec<SkippedDay>,
    /// Weekend days that were counted because they are make-up working days (调休上班), with the
    /// holiday they belong to.
    pub makeup_days: Vec<(NaiveDate, String)>,
}

/// What the holiday data says about one date.
#[derive(Clone, Debug, PartialEq, Eq)]
struct DayEntry {
    name: String,
    is_off_day: bool,
}

/// Working-day calendar built from the official holiday notices of a set of years.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkCalendar {
    years: BTreeMap<i32, YearData>,
    days: BTreeMap<NaiveDate, DayEntry>,
    /// Years assumed to have no public holidays because their notice is not published yet.
    provisional: BTreeSet<i32>,
}

impl WorkCalendar {
    /// The calendar with the embedded official data (2025 and 2026, State Council General Office
    /// notices 国办发明电〔2024〕12号 and 国办发明电〔2025〕7号).
    pub fn official() -> Result<Self, DomainError> {
        let years = [YEAR_2025_JSON, YEAR_2026_JSON]
            .into_iter()
            .map(YearData::from_json)
            .collect::<Result<Vec<_>, _>>()?;
        Self::from_years(years)
    }

    /// Build a calendar from years of data. Each year is validated; a year given twice, or two
    /// years that disagree about a spilled-over date, is an error.
    pub fn from_years(years: Vec<YearData>) -> Result<Self, DomainError> {
        let mut map = BTreeMap::new();
        for y in years {
            let year = y.year;
            if map.insert(year, y).is_some() {
                return Err(calendar_err(
                    format!("{year} 年的节假日安排数据重复提供"),
                    format!("holiday data for {year} given twice"),
                ));
            }
        }
        Self::build(map)
    }

    /// Add a year, or replace the data of a year already present (e.g. when the State Council
    /// publishes next year's notice). Returns the new calendar; `self` is consumed.
    pub fn with_year(mut self, data: YearData) -> Result<Self, DomainError> {
        self.years.insert(data.year, data);
        Self::build(self.years)
    }

    fn build(years: BTreeMap<i32, YearData>) -> Result<Self, DomainError> {
        let mut days: BTreeMap<NaiveDate, DayEntry> = BTreeMap::new();
        for data in years.values() {
            data.validate()?;
            for d in &data.days {
                let entry = DayEntry {
                    name: d.name.clone(),
                    is_off_day: d.is_off_day,
                };
                match days.get(&d.date) {
                    Some(prev) if prev.is_off_day != entry.is_off_day => {
                        return Err(calendar_err(
                            format!(
                                "节假日安排数据冲突：{} 在不同年份的数据中一处为放假、一处为上班",
                                d.date
                            ),
                            format!(
                                "holiday data conflict: {} is a day off in one year's data and a working day in another's",
                                d.date
                            ),
                        ));
                    }
                    Some(_) => {}
                    None => {
                        days.insert(d.date, entry);
                    }
                }
            }
        }
        Ok(Self {
            years,
            days,
            provisional: BTreeSet::new(),
        })
    }

    /// A calendar for time limits that run past the last year with official data: each later
    /// year up to `through` is assumed to have weekends only, and is marked provisional.
    ///
    /// domain-rules §6.5 allows this fallback "with a visible warning": callers show
    /// [`WorkCalendar::is_provisional`] years next to every date computed with them, and recompute
    /// when the year's notice is loaded (the State Council publishes it each November, so a
    /// 45-working-day limit started in late November would otherwise be impossible to compute).
    pub fn with_provisional_years(&self, through: i32) -> WorkCalendar {
        let mut c = self.clone();
        // Every missing year from the first official one on: a gap between official years
        // (a later notice loaded before an earlier one) is provisional too.
        let first = self.years.keys().next().copied().unwrap_or(through);
        for y in first..=through {
            if self.years.contains_key(&y) {
                continue;
            }
            c.years.insert(
                y,
                YearData {
                    year: y,
                    source: None,
                    papers: Vec::new(),
                    days: Vec::new(),
                },
            );
            c.provisional.insert(y);
        }
        c
    }

    /// Whether a year's data is a weekends-only assumption (see
    /// [`WorkCalendar::with_provisional_years`]).
    pub fn is_provisional(&self, year: i32) -> bool {
        self.provisional.contains(&year)
    }

    /// Years with official data, ascending.
    pub fn years(&self) -> Vec<i32> {
        self.years.keys().copied().collect()
    }

    /// The data of one year, if present.
    pub fn year_data(&self, year: i32) -> Option<&YearData> {
        self.years.get(&year)
    }

    fn require_year(&self, date: NaiveDate) -> Result<(), DomainError> {
        if self.years.contains_key(&date.year()) {
            Ok(())
        } else {
            Err(DomainError::CalendarYearMissing { year: date.year() })
        }
    }

    /// Classify a day: `Ok(None)` for a working day, `Ok(Some(reason))` for a non-working day.
    pub fn classify(&self, date: NaiveDate) -> Result<Option<SkipReason>, DomainError> {
        self.require_year(date)?;
        let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
        Ok(match self.days.get(&date) {
            Some(e) if e.is_off_day => Some(SkipReason::Holiday(e.name.clone())),
            Some(_) => None,
            None if weekend => Some(SkipReason::Weekend),
            None => None,
        })
    }

    /// The holiday a make-up working day (调休上班) belongs to, if `date` is one.
    pub fn makeup_of(&self, date: NaiveDate) -> Option<&str> {
        self.days
            .get(&date)
            .filter(|e| !e.is_off_day)
            .map(|e| e.name.as_str())
    }

    /// Whether `date` is a working day: listed days off are not, listed make-up days are,
    /// otherwise Monday–Friday. Fails with [`DomainError::CalendarYearMissing`] if there is no
    /// data for the date's year.
    pub fn is_working_day(&self, date: NaiveDate) -> Result<bool, DomainError> {
        Ok(self.classify(date)?.is_none())
    }

    /// The `n`-th working day strictly after `start` (the start day is not counted); `n = 0`
    /// returns `start`. Fails with [`DomainError::CalendarYearMissing`] if the count runs into a
    /// year without data.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> Result<NaiveDate, DomainError> {
        let mut date = start;
        let mut left = n;
        while left > 0 {
            date = next_day(date)?;
            if self.is_working_day(date)? {
                left -= 1;
            }
        }
        Ok(date)
    }

    /// Number of working days `d` with `a < d <= b` (0 if `b <= a`). Thus
    /// `working_days_between(d, add_working_days(d, n)?) == n`.
    pub fn working_days_between(&self, a: NaiveDate, b: NaiveDate) -> Result<u32, DomainError> {
        let mut count = 0u32;
        let mut date = a;
        while date < b {
            date = next_day(date)?;
            if self.is_working_day(date)? {
                count += 1;
            }
        }
        Ok(count)
    }

    /// Like [`WorkCalendar::add_working_days`], but also lists the non-working days skipped and
    /// the make-up working days counted, to show applicants how the due date was reached.
    pub fn explain_add(&self, start: NaiveDate, n: u32) -> Result<Explanation, DomainError> {
        let mut date = start;
        let mut left = n;
        let mut skipped = Vec::new();
        let mut makeup_days = Vec::new();
        while left > 0 {
            date = next_day(date)?;
            match self.classify(date)? {
                Some(reason) => skipped.push(SkippedDay { date, reason }),
                None => {
                    left -= 1;
                    if let Some(e) = self.days.get(&date)
                        && !e.is_off_day
                    {
                        makeup_days.push((date, e.name.clone()));
                    }
                }
            }
        }
        Ok(Explanation {
            start,
            n,
            due: date,
            skipped,
            makeup_days,
        })
    }
}

/// The following day; fails only at the end of chrono's date range.
fn next_day(date: NaiveDate) -> Result<NaiveDate, DomainError> {
    date.succ_opt().ok_or(DomainError::CalendarYearMissing {
        year: date.year().saturating_add(1),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn cal() -> WorkCalendar {
        WorkCalendar::official().unwrap()
    }

    /// Working days per month, counted directly with `is_working_day`.
    fn monthly_counts(c: &WorkCalendar, year: i32) -> Vec<u32> {
        (1..=12)
            .map(|m| {
                let first = NaiveDate::from_ymd_opt(year, m, 1).unwrap();
                let count = first
                    .iter_days()
                    .take_while(|d| d.month() == m)
                    .filter(|d| c.is_working_day(*d).unwrap())
                    .count();
                u32::try_from(count).unwrap()
            })
            .collect()
    }

    #[test]
    fn official_years() {
        assert_eq!(cal().years(), vec![2025, 2026]);
        let y = cal().year_data(2026).unwrap().clone();
        assert!(
            y.source
                .as_deref()
                .unwrap()
                .contains("国办发明电〔2025〕7号")
        );
        assert_eq!(y.papers.len(), 1);
    }

    #[test]
    fn working_days_per_year_and_month() {
        let c = cal();
        let m25 = monthly_counts(&c, 2025);
        assert_eq!(m25, vec![19, 19, 21, 22, 19, 20, 23, 21, 23, 18, 20, 23]);
        assert_eq!(m25.iter().sum::<u32>(), 248);
        let m26 = monthly_counts(&c, 2026);
        assert_eq!(m26, vec![21, 16, 22, 21, 19, 21, 23, 21, 22, 18, 21, 23]);
        assert_eq!(m26.iter().sum::<u32>(), 248);
        // (a, b] excludes a, so a may lie in a year without data.
        assert_eq!(
            c.working_days_between(day("2024-12-31"), day("2025-12-31"))
                .unwrap(),
            248
        );
        assert_eq!(
            c.working_days_between(day("2025-12-31"), day("2026-12-31"))
                .unwrap(),
            248
        );
        assert_eq!(
            c.working_days_between(day("2026-12-31"), day("2025-01-01"))
                .unwrap(),
            0
        );
    }

    #[test]
    fn worked_examples() {
        let c = cal();
        for (start, n, due) in [
            ("2025-09-26", 20, "2025-10-30"),
            ("2025-09-26", 7, "2025-10-13"),
            ("2025-09-26", 40, "2025-11-27"),
            ("2026-02-10", 20, "2026-03-16"),
            ("2025-12-31", 20, "2026-01-29"),
        ] {
            assert_eq!(
                c.add_working_days(day(start), n).unwrap(),
                day(due),
                "{start} + {n}"
            );
            assert_eq!(c.working_days_between(day(start), day(due)).unwrap(), n);
            let e = c.explain_add(day(start), n).unwrap();
            assert_eq!(e.due, day(due));
        }
        assert_eq!(
            c.add_working_days(day("2025-09-26"), 0).unwrap(),
            day("2025-09-26")
        );
    }

    #[test]
    fn specific_days() {
        let c = cal();
        for d in [
            "2026-02-14",
            "2026-02-28",
            "2026-09-20",
            "2026-10-10",
            "2026-01-04",
            "2025-01-26",
            "2025-02-08",
            "2025-04-27",
            "2025-09-28",
            "2025-10-11",
            "2026-05-09",
        ] {
            assert!(c.is_working_day(day(d)).unwrap(), "{d} should be working");
        }
        for d in [
            "2026-10-01",
            "2026-02-16",
            "2025-10-08",
            "2026-01-02",
            "2026-06-19",
            "2025-06-01",
            "2026-08-01",
        ] {
            assert!(!c.is_working_day(day(d)).unwrap(), "{d} should be off");
        }
    }

    #[test]
    fn a_year_outside_real_notices_is_refused() {
        for y in [i32::MIN, -1, 1900, 1998, 2101, i32::MAX] {
            let data = YearData {
                year: y,
                source: None,
                papers: Vec::new(),
                days: Vec::new(),
            };
            let err = data.validate().unwrap_err();
            assert!(err.message_zh().contains("超出范围"), "{y}: {err:?}");
        }
    }

    #[test]
    fn provisional_years_fill_gaps_between_official_ones() {
        let last = *cal().years().last().unwrap();
        let later = YearData {
            year: last + 3,
            source: None,
            papers: Vec::new(),
            days: Vec::new(),
        };
        let c = cal()
            .with_year(later)
            .unwrap()
            .with_provisional_years(last + 4);
        for y in [last + 1, last + 2, last + 4] {
            assert!(c.is_provisional(y), "{y}");
        }
        assert!(!c.is_provisional(last + 3));
        assert!(
            c.is_working_day(day(&format!("{}-03-02", last + 2)))
                .is_ok()
        );
    }

    #[test]
    fn missing_year_is_an_error() {
        let c = cal();
        assert_eq!(
            c.is_working_day(day("2027-01-04")),
            Err(DomainError::CalendarYearMissing { year: 2027 })
        );
        assert_eq!(
            c.add_working_days(day("2026-12-20"), 20),
            Err(DomainError::CalendarYearMissing { year: 2027 })
        );
        assert_eq!(
            c.is_working_day(day("2024-12-31")),
            Err(DomainError::CalendarYearMissing { year: 2024 })
        );
        assert_eq!(
            c.working_days_between(day("2026-12-01"), day("2027-01-10")),
            Err(DomainError::CalendarYearMissing { year: 2027 })
        );
    }

    #[test]
    fn explanation_lists_skipped_and_makeup_days() {
        let c = cal();
        let e = c.explain_add(day("2025-09-26"), 7).unwrap();
        assert_eq!(e.due, day("2025-10-13"));
        assert_eq!(
            e.makeup_days,
            vec![
                (day("2025-09-28"), "国庆节、中秋节".to_owned()),
                (day("2025-10-11"), "国庆节、中秋节".to_owned()),
            ]
        );
        let skipped: Vec<_> = e.skipped.iter().map(|s| s.date).collect();
        assert_eq!(skipped.first(), Some(&day("2025-09-27")));
        assert_eq!(e.skipped[0].reason, SkipReason::Weekend);
        assert!(skipped.contains(&day("2025-10-08")));
        assert!(skipped.contains(&day("2025-10-12")));
        let oct4 = e
            .skipped
            .iter()
            .find(|s| s.date == day("2025-10-04"))
            .unwrap();
        assert_eq!(oct4.reason, SkipReason::Holiday("国庆节、中秋节".into()));
        assert_eq!(oct4.reason.zh(), "国庆节、中秋节放假");
        // 09-27 weekend, 10-01..10-08 holiday, 10-12 Sunday.
        assert_eq!(e.skipped.len(), 10);
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["skipped"][0]["reason"]["kind"], "weekend");
    }

    #[test]
    fn admins_can_add_a_year() {
        let c = cal();
        let mut y2027 = c.year_data(2026).unwrap().clone();
        y2027.year = 2027;
        y2027.source = Some("test".into());
        y2027.days = vec![HolidayDay {
            name: "元旦".into(),
            date: day("2027-01-01"),
            is_off_day: true,
        }];
        let c = c.with_year(y2027.clone()).unwrap();
        assert_eq!(c.years(), vec![2025, 2026, 2027]);
        assert!(!c.is_working_day(day("2027-01-01")).unwrap());
        assert!(c.is_working_day(day("2027-01-04")).unwrap());
        // Replacing the year.
        y2027.days.clear();
        let c = c.with_year(y2027).unwrap();
        assert!(c.is_working_day(day("2027-01-01")).unwrap());
    }

    #[test]
    fn year_validation() {
        let mk = |year, dates: &[(&str, bool)]| YearData {
            year,
            source: None,
            papers: vec![],
            days: dates
                .iter()
                .map(|(d, off)| HolidayDay {
                    name: "元旦".into(),
                    date: day(d),
                    is_off_day: *off,
                })
                .collect(),
        };
        // Spill-over into late December of the previous year is allowed (holiday-cn caveat).
        assert!(
            mk(2012, &[("2011-12-31", false), ("2012-01-01", true)])
                .validate()
                .is_ok()
        );
        assert!(
            mk(2027, &[("2027-12-31", true), ("2028-01-01", true)])
                .validate()
                .is_ok()
        );
        assert!(mk(2027, &[("2026-11-30", true)]).validate().is_err());
        assert!(mk(2027, &[("2028-02-01", true)]).validate().is_err());
        let dup = mk(2027, &[("2027-01-01", true), ("2027-01-01", true)]);
        let err = WorkCalendar::from_years(vec![dup]).unwrap_err();
        assert!(err.message_zh().contains("重复"), "{err}");
        assert!(err.message_en().contains("twice"));
        // Two years that disagree on a spilled date.
        let a = mk(2011, &[("2011-12-31", true)]);
        let b = mk(2012, &[("2011-12-31", false)]);
        assert!(WorkCalendar::from_years(vec![a.clone(), b]).is_err());
        // Same year twice.
        assert!(WorkCalendar::from_years(vec![a.clone(), a]).is_err());
        assert!(YearData::from_json("{\"year\": 2027}").is_err());
        let ok = YearData::from_json(
            r#"{"year": 2027, "papers": [], "days": [{"name": "元旦", "date": "2027-01-01", "isOffDay": true}]}"#,
        )
        .unwrap();
        assert_eq!(ok.source, None);
    }

    #[test]
    fn data_files_round_trip_schema() {
        for json in [YEAR_2025_JSON, YEAR_2026_JSON] {
            let y = YearData::from_json(json).unwrap();
            let v: serde_json::Value = serde_json::from_str(json).unwrap();
            assert_eq!(serde_json::to_value(&y).unwrap(), v);
            assert!(y.days.windows(2).all(|w| w[0].date < w[1].date));
        }
    }

    #[test]
    fn parse_date_messages() {
        assert_eq!(
            parse_date("received_on", " 2025-09-26 ").unwrap(),
            day("2025-09-26")
        );
        assert_eq!(
            parse_date("received_on", "２０２５－０９－２６").unwrap(),
            day("2025-09-26")
        );
        match parse_date("received_on", "2025-9-26").unwrap_err() {
            DomainError::Field(f) => {
                assert_eq!(f.field, "received_on");
                assert!(f.zh.contains("received_on") && f.zh.contains("YYYY-MM-DD"));
                assert!(f.en.contains("received_on"));
            }
            e => panic!("{e:?}"),
        }
        match parse_date("due_on", "2025-02-29").unwrap_err() {
            DomainError::Field(f) => assert!(f.zh.contains("不存在"), "{}", f.zh),
            e => panic!("{e:?}"),
        }
        assert!(parse_date("d", "").is_err());
        assert!(parse_date("d", "2025/09/26").is_err());
    }

    proptest! {
        #[test]
        fn add_then_count_is_identity(offset in 0i64..670, n in 0u32..=40) {
            let c = cal();
            let start = day("2025-01-01") + chrono::TimeDelta::days(offset);
            let due = c.add_working_days(start, n).unwrap();
            if n > 0 {
                prop_assert!(c.is_working_day(due).unwrap());
                prop_assert!(due > start);
            } else {
                prop_assert_eq!(due, start);
            }
            prop_assert_eq!(c.working_days_between(start, due).unwrap(), n);
            let e = c.explain_add(start, n).unwrap();
            prop_assert_eq!(e.due, due);
            let span = u32::try_from((due - start).num_days()).unwrap();
            prop_assert_eq!(e.skipped.len() as u32 + n, span);
        }

        #[test]
        fn parse_date_never_panics(s in any::<String>()) {
            let _ = parse_date("d", &s);
        }
    }
}
