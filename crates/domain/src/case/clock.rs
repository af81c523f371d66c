//! Statutory and promised time limits counted in working days, with pauses, restarts and
//! extensions — and an explanation of every due date.
//!
//! Conventions (domain-rules §6.5, 行政许可法 arts. 42, 45, 82):
//! - the start day is not counted; the due date is the `n`-th working day after it;
//! - a pause that begins on day `P` (a notice issued, a special procedure started) and ends on
//!   day `R` (materials received, procedure finished) leaves `P` counted and does not count any
//!   day `P < d <= R`; counting resumes on the day after `R` — the same "the day of the event is
//!   not counted" rule as the start;
//! - a restart (政府信息公开条例 art. 30: the period runs from receipt of the completed
//!   application) throws away everything before it: the clock runs from the restart day;
//! - an approved extension adds working days to the limit.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::DomainError;
use crate::calendar::{SkipReason, WorkCalendar};

labelled_enum!(
    /// Why a clock was stopped.
    PauseKind {
        /// 补正: waiting for the applicant's corrected or missing materials.
        Correction = ("correction", "补正材料"),
        /// 听证 (行政许可法 art. 45).
        Hearing = ("hearing", "听证"),
        /// 招标.
        Tender = ("tender", "招标"),
        /// 拍卖.
        Auction = ("auction", "拍卖"),
        /// 检验.
        Inspection = ("inspection", "检验"),
        /// 检测.
        Testing = ("testing", "检测"),
        /// 检疫.
        Quarantine = ("quarantine", "检疫"),
        /// 鉴定.
        Appraisal = ("appraisal", "鉴定"),
        /// 专家评审.
        ExpertReview = ("expert_review", "专家评审"),
        /// 现场踏勘.
        SiteSurvey = ("site_survey", "现场踏勘"),
        /// 征求第三方或其他机关意见 (政府信息公开条例 arts. 32, 33: not counted).
        Consultation = ("consultation", "征求意见"),
        /// 信息处理费 notice unpaid (国办函〔2020〕109号: not counted in the reply period).
        FeeNotice = ("fee_notice", "缴纳信息处理费"),
    }
);

/// One thing that happened to a clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ClockEvent {
    /// The clock stopped on `from`; it runs again after `to` (`None`: still stopped).
    Pause {
        /// Why.
        kind: PauseKind,
        /// Day the pause began (still counted).
        from: NaiveDate,
        /// Day it ended (not counted), if it has.
        to: Option<NaiveDate>,
    },
    /// The clock starts again from zero on this day (not counted).
    Restart {
        /// The day.
        on: NaiveDate,
    },
    /// The limit is extended by `days` working days.
    Extend {
        /// Working days added.
        days: u32,
        /// Day the extension was approved.
        on: NaiveDate,
    },
}

/// A time limit: a start day, a number of working days, and what happened since.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clock {
    /// Start day (receipt or acceptance), not counted.
    pub start: NaiveDate,
    /// The limit in working days.
    pub days: u32,
    /// Pauses, restarts and extensions, in the order they happened.
    pub events: Vec<ClockEvent>,
}

/// A day passed over while counting, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotCounted {
    /// The day.
    pub date: NaiveDate,
    /// Why it was not counted.
    pub reason: NotCountedReason,
}

/// Why a day was not counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum NotCountedReason {
    /// Weekend or public holiday.
    Off {
        /// Weekend or which holiday.
        reason: SkipReason,
    },
    /// Inside a pause (the clock was stopped).
    Paused {
        /// Why the clock was stopped.
        kind: PauseKind,
    },
}

impl NotCounted {
    /// Chinese label.
    pub fn zh(&self) -> String {
        match &self.reason {
            NotCountedReason::Off { reason } => reason.zh(),
            NotCountedReason::Paused { kind } => format!("{}（暂停计时）", kind.zh()),
        }
    }

    /// English label.
    pub fn en(&self) -> String {
        match &self.reason {
            NotCountedReason::Off { reason } => reason.en(),
            NotCountedReason::Paused { kind } => format!("clock stopped ({})", kind.as_str()),
        }
    }
}

/// How a due date was computed: everything an applicant or auditor needs to check it by hand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DueExplanation {
    /// The day counting starts after (the start, or the last restart).
    pub counted_from: NaiveDate,
    /// The original start day.
    pub start: NaiveDate,
    /// The base limit in working days.
    pub base_days: u32,
    /// Working days added by approved extensions.
    pub extension_days: u32,
    /// Pauses taken into account, with the working days each kept out of the count.
    pub pauses: Vec<PauseSpan>,
    /// The due date; `None` while the clock is stopped before reaching it.
    pub due: Option<NaiveDate>,
    /// Working days counted so far when the clock is stopped (`None` when `due` is known).
    pub used_when_paused: Option<u32>,
    /// Every day between the start and the due date (or the open pause) that was not counted.
    pub not_counted: Vec<NotCounted>,
    /// Weekend days that were counted because they are make-up working days (调休上班).
    pub makeup_days: Vec<(NaiveDate, String)>,
    /// Years the count ran through whose holiday notice is not published yet (counted as
    /// weekends only, provisionally).
    pub provisional_years: Vec<i32>,
}

/// A pause as it affected the count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PauseSpan {
    /// Why.
    pub kind: PauseKind,
    /// Began.
    pub from: NaiveDate,
    /// Ended, if it has.
    pub to: Option<NaiveDate>,
    /// Working days inside the pause that were not counted (so far, for an open pause).
    pub working_days: u32,
}

/// How close a time limit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// More than the warning margin left.
    Normal,
    /// Due within the warning margin (yellow, 黄牌预警).
    Approaching,
    /// Past due (red, 红牌).
    Overdue,
    /// The clock is stopped.
    Paused,
}

impl Urgency {
    /// Chinese label.
    pub fn zh(self) -> &'static str {
        match self {
            Urgency::Normal => "正常",
            Urgency::Approaching => "即将到期",
            Urgency::Overdue => "已超期",
            Urgency::Paused => "暂停计时",
        }
    }

    /// Machine name (also a CSS class).
    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::Normal => "normal",
            Urgency::Approaching => "approaching",
            Urgency::Overdue => "overdue",
            Urgency::Paused => "paused",
        }
    }
}

impl Clock {
    /// A clock of `days` working days from `start`.
    pub fn new(start: NaiveDate, days: u32) -> Self {
        Self {
            start,
            days,
            events: Vec::new(),
        }
    }

    /// The day counting runs from: the last restart, or the start.
    pub fn counted_from(&self) -> NaiveDate {
        self.events
            .iter()
            .filter_map(|e| match e {
                ClockEvent::Restart { on } => Some(*on),
                _ => None,
            })
            .next_back()
            .unwrap_or(self.start)
    }

    /// Total working days added by extensions.
    pub fn extension_days(&self) -> u32 {
        self.events
            .iter()
            .map(|e| match e {
                ClockEvent::Extend { days, .. } => *days,
                _ => 0,
            })
            .sum()
    }

    /// Whether a pause is open.
    pub fn is_paused(&self) -> bool {
        self.events
            .iter()
            .any(|e| matches!(e, ClockEvent::Pause { to: None, .. }))
    }

    /// Stop the clock. Fails if it is already stopped or the day is before the start.
    pub fn pause(&mut self, kind: PauseKind, from: NaiveDate) -> Result<(), DomainError> {
        if self.is_paused() {
            return Err(DomainError::field(
                "pause",
                "计时已处于暂停状态",
                "pause: the clock is already stopped",
            ));
        }
        if from < self.counted_from() {
            return Err(DomainError::field(
                "pause",
                "暂停日期早于计时起点",
                "pause: the date is before the start of the clock",
            ));
        }
        self.events.push(ClockEvent::Pause {
            kind,
            from,
            to: None,
        });
        Ok(())
    }

    /// Start the clock again after a pause. Returns the kind of the pause that ended.
    pub fn resume(&mut self, on: NaiveDate) -> Result<PauseKind, DomainError> {
        for e in self.events.iter_mut().rev() {
            if let ClockEvent::Pause { kind, from, to } = e
                && to.is_none()
            {
                if on < *from {
                    return Err(DomainError::field(
                        "resume",
                        "恢复计时日期早于暂停日期",
                        "resume: the date is before the pause began",
                    ));
                }
                *to = Some(on);
                return Ok(*kind);
            }
        }
        Err(DomainError::field(
            "resume",
            "计时未暂停，无需恢复",
            "resume: the clock is not stopped",
        ))
    }

    /// Restart from zero on `on` (the open pause, if any, ends there).
    pub fn restart(&mut self, on: NaiveDate) -> Result<(), DomainError> {
        if self.is_paused() {
            self.resume(on)?;
        }
        self.events.push(ClockEvent::Restart { on });
        Ok(())
    }

    /// Extend the limit.
    pub fn extend(&mut self, days: u32, on: NaiveDate) {
        self.events.push(ClockEvent::Extend { days, on });
    }

    fn pauses(&self) -> Vec<(PauseKind, NaiveDate, Option<NaiveDate>)> {
        let from0 = self.counted_from();
        self.events
            .iter()
            .filter_map(|e| match e {
                ClockEvent::Pause { kind, from, to } if *from >= from0 => Some((*kind, *from, *to)),
                _ => None,
            })
            .collect()
    }

    /// Compute the due date and how it was reached.
    pub fn explain(&self, cal: &WorkCalendar) -> Result<DueExplanation, DomainError> {
        let counted_from = self.counted_from();
        let total = self.days + self.extension_days();
        let pauses = self.pauses();
        let mut spans: Vec<PauseSpan> = pauses
            .iter()
            .map(|(kind, from, to)| PauseSpan {
                kind: *kind,
                from: *from,
                to: *to,
                working_days: 0,
            })
            .collect();
        let mut not_counted = Vec::new();
        let mut makeup_days = Vec::new();
        let mut date = counted_from;
        let mut left = total;
        let mut used = 0u32;
        let mut due = Some(counted_from);
        let mut provisional_years: Vec<i32> = Vec::new();
        while left > 0 {
            date = date
                .succ_opt()
                .ok_or(DomainError::CalendarYearMissing { year: 9999 })?;
            let y = chrono::Datelike::year(&date);
            if cal.is_provisional(y) && !provisional_years.contains(&y) {
                provisional_years.push(y);
            }
            let paused = pauses
                .iter()
                .position(|(_, from, to)| date > *from && to.is_none_or(|t| date <= t));
            if let Some(i) = paused {
                let (kind, _, to) = pauses[i];
                if to.is_none() {
                    // Open pause: the due date cannot be known yet.
                    due = None;
                    break;
                }
                if cal.classify(date)?.is_none() {
                    spans[i].working_days += 1;
                }
                not_counted.push(NotCounted {
                    date,
                    reason: NotCountedReason::Paused { kind },
                });
                continue;
            }
            match cal.classify(date)? {
                Some(reason) => not_counted.push(NotCounted {
                    date,
                    reason: NotCountedReason::Off { reason },
                }),
                None => {
                    left -= 1;
                    used += 1;
                    if let Some(h) = cal.makeup_of(date) {
                        makeup_days.push((date, h.to_string()));
                    }
                }
            }
            due = Some(date);
        }
        // For an open pause, count the working days it has kept out so far is unknowable
        // without "today"; callers use `used_when_paused` and the pause's start.
        Ok(DueExplanation {
            counted_from,
            start: self.start,
            base_days: self.days,
            extension_days: self.extension_days(),
            pauses: spans,
            used_when_paused: if due.is_none() { Some(used) } else { None },
            due,
            not_counted,
            makeup_days,
            provisional_years,
        })
    }

    /// The due date, or `None` while the clock is stopped short of it.
    pub fn due(&self, cal: &WorkCalendar) -> Result<Option<NaiveDate>, DomainError> {
        Ok(self.explain(cal)?.due)
    }
}

/// How urgent a due date is on `today`: overdue after the due date; approaching when at most
/// `warn_days` working days remain.
pub fn urgency(
    cal: &WorkCalendar,
    due: Option<NaiveDate>,
    today: NaiveDate,
    warn_days: u32,
) -> Result<Urgency, DomainError> {
    let Some(due) = due else {
        return Ok(Urgency::Paused);
    };
    if today > due {
        return Ok(Urgency::Overdue);
    }
    if cal.working_days_between(today, due)? <= warn_days {
        return Ok(Urgency::Approaching);
    }
    Ok(Urgency::Normal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn cal() -> WorkCalendar {
        WorkCalendar::official().unwrap()
    }

    /// The worked examples of domain-rules §6.5.
    #[test]
    fn spec_worked_examples() {
        let c = cal();
        for (start, n, due) in [
            ("2025-09-26", 20, "2025-10-30"),
            ("2025-09-26", 7, "2025-10-13"),
            ("2025-09-26", 40, "2025-11-27"),
            ("2026-02-10", 20, "2026-03-16"),
            ("2025-12-31", 20, "2026-01-29"),
        ] {
            let clock = Clock::new(d(start), n);
            assert_eq!(clock.due(&c).unwrap(), Some(d(due)), "{start} + {n}");
        }
    }

    #[test]
    fn extension_equals_longer_limit() {
        let c = cal();
        let mut clock = Clock::new(d("2025-09-26"), 20);
        clock.extend(20, d("2025-10-20"));
        assert_eq!(clock.due(&c).unwrap(), Some(d("2025-11-27")));
        assert_eq!(clock.explain(&c).unwrap().extension_days, 20);
    }

    #[test]
    fn national_day_explained() {
        let c = cal();
        let e = Clock::new(d("2026-09-28"), 5).explain(&c).unwrap();
        // 09-29, 09-30 counted; 10-01..10-07 holiday; 10-08 (Thu), 10-09 (Fri) counted;
        // 10-10 (Sat) is a make-up working day: the 5th.
        assert_eq!(e.due, Some(d("2026-10-10")));
        assert_eq!(e.makeup_days, vec![(d("2026-10-10"), "国庆节".to_string())]);
        assert_eq!(e.not_counted.len(), 7);
        assert!(e.not_counted.iter().all(|n| n.zh() == "国庆节放假"));
    }

    #[test]
    fn pause_moves_due_by_working_days_inside_it() {
        let c = cal();
        // 2026-03-02 (Mon) + 10 = 2026-03-16 (Mon).
        let mut clock = Clock::new(d("2026-03-02"), 10);
        assert_eq!(clock.due(&c).unwrap(), Some(d("2026-03-16")));
        // Paused Wed 03-04 .. Mon 03-09: 03-05, 03-06, 03-09 are working days not counted.
        clock
            .pause(PauseKind::ExpertReview, d("2026-03-04"))
            .unwrap();
        assert!(clock.is_paused());
        let open = clock.explain(&c).unwrap();
        assert_eq!(open.due, None);
        assert_eq!(open.used_when_paused, Some(2));
        assert_eq!(
            clock.resume(d("2026-03-09")).unwrap(),
            PauseKind::ExpertReview
        );
        let e = clock.explain(&c).unwrap();
        assert_eq!(e.due, Some(d("2026-03-19")));
        assert_eq!(e.pauses[0].working_days, 3);
        assert!(clock.resume(d("2026-03-10")).is_err());
    }

    #[test]
    fn restart_counts_from_the_new_day() {
        let c = cal();
        let mut clock = Clock::new(d("2025-09-01"), 20);
        clock.pause(PauseKind::Correction, d("2025-09-05")).unwrap();
        clock.restart(d("2025-09-26")).unwrap();
        let e = clock.explain(&c).unwrap();
        assert_eq!(e.counted_from, d("2025-09-26"));
        assert_eq!(e.due, Some(d("2025-10-30")));
        assert!(e.pauses.is_empty());
    }

    #[test]
    fn pause_guards() {
        let mut clock = Clock::new(d("2026-03-02"), 10);
        assert!(clock.resume(d("2026-03-03")).is_err());
        assert!(clock.pause(PauseKind::Hearing, d("2026-03-01")).is_err());
        clock.pause(PauseKind::Hearing, d("2026-03-03")).unwrap();
        assert!(clock.pause(PauseKind::Hearing, d("2026-03-04")).is_err());
        assert!(clock.resume(d("2026-03-02")).is_err());
    }

    #[test]
    fn urgency_levels() {
        let c = cal();
        let due = Some(d("2026-03-16"));
        assert_eq!(
            urgency(&c, due, d("2026-03-02"), 2).unwrap(),
            Urgency::Normal
        );
        assert_eq!(
            urgency(&c, due, d("2026-03-12"), 2).unwrap(),
            Urgency::Approaching
        );
        assert_eq!(
            urgency(&c, due, d("2026-03-16"), 2).unwrap(),
            Urgency::Approaching
        );
        assert_eq!(
            urgency(&c, due, d("2026-03-17"), 2).unwrap(),
            Urgency::Overdue
        );
        assert_eq!(
            urgency(&c, None, d("2026-03-17"), 2).unwrap(),
            Urgency::Paused
        );
    }

    #[test]
    fn provisional_years_count_weekends_only_and_say_so() {
        let c = cal();
        let clock = Clock::new(d("2026-12-28"), 10);
        assert!(clock.due(&c).is_err(), "no 2027 data: refuse");
        let p = c.with_provisional_years(2028);
        let e = clock.explain(&p).unwrap();
        // 12-29, 12-30, 12-31, then 2027 weekdays: 01-01 (Fri) … 01-11 (Mon).
        assert_eq!(e.due, Some(d("2027-01-11")));
        assert_eq!(e.provisional_years, vec![2027]);
        assert!(!p.is_provisional(2026));
    }

    #[test]
    fn zero_days_is_the_start_day() {
        let c = cal();
        assert_eq!(
            Clock::new(d("2026-02-14"), 0).due(&c).unwrap(),
            Some(d("2026-02-14"))
        );
    }
}
