//! The working-day calendar in force: official years shipped with the code, plus years that an
//! administrator entered from a newer State Council notice (stored in the database, audited).

use std::sync::Arc;

use onewindow_domain::audit::AuditAction;
use onewindow_domain::calendar::{WorkCalendar, YearData};
use onewindow_domain::org::{Permission, Target};
use onewindow_storage::{Db, audit, calendar as store};
use serde_json::json;

use crate::{App, AppError, AppResult, Ctx, unexpected};

/// Official years with stored years laid over them.
pub(crate) async fn load(db: &Db) -> AppResult<WorkCalendar> {
    let mut cal = WorkCalendar::official()?;
    let mut c = db.conn().await?;
    for row in store::list_years(c.h()).await? {
        // A stored year that today's rules refuse (e.g. outside YearData::YEARS, stored before
        // that check existed) must not keep the service from starting: it is left out, loudly.
        match YearData::from_json(&row.data).and_then(|y| cal.clone().with_year(y)) {
            Ok(next) => cal = next,
            Err(e) => tracing::error!(
                year = row.year,
                error = %e.message_en(),
                "stored holiday data left out of the calendar in force"
            ),
        }
    }
    Ok(cal)
}

impl App {
    /// The calendar in force (a cheap shared snapshot).
    pub fn calendar(&self) -> Arc<WorkCalendar> {
        match self.calendar.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn set_calendar(&self, cal: WorkCalendar) {
        match self.calendar.write() {
            Ok(mut g) => *g = Arc::new(cal),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(cal),
        }
    }
}

/// Add or replace one year (e.g. next year's notice, published each November). Audited with
/// the before/after day lists.
pub async fn set_year(app: &App, ctx: &Ctx, data: YearData) -> AppResult<()> {
    ctx.require(Permission::ManageCalendar, &Target::global())?;
    data.validate()?;
    let json_text = serde_json::to_string(&data).map_err(unexpected)?;
    let before = app.calendar().year_data(data.year).cloned();
    let mut tx = app.db.begin().await?;
    let existing = store::list_years(tx.h())
        .await?
        .into_iter()
        .find(|r| r.year == i64::from(data.year));
    store::put_year(
        tx.h(),
        i64::from(data.year),
        &json_text,
        existing.as_ref().map(|r| r.version),
    )
    .await?;
    // Open cases' due dates follow the calendar: recompute them in the same transaction.
    let cal = app
        .calendar()
        .as_ref()
        .clone()
        .with_year(data.clone())
        .map_err(AppError::Domain)?;
    // The case clocks count with the weekends-only placeholders for unpublished years; the
    // calendar in force keeps official years only (placeholders must never look official).
    let clocks = cal.with_provisional_years(app.provisional_through());
    let recomputed = crate::cases::recompute_all(tx.h(), &clocks).await?
        + crate::requests::recompute_all(tx.h(), &clocks).await?;
    audit::append(
        tx.h(),
        &ctx.event(
            AuditAction::CalendarYearSet,
            "calendar_year",
            data.year,
            None,
            json!({"before": before.map(|b| b.days.len()), "after": {"days": data.days.len(), "source": data.source}}),
        ),
    )
    .await?;
    if recomputed > 0 {
        audit::append(
            tx.h(),
            &ctx.event(
                AuditAction::CaseDeadlinesRecomputed,
                "calendar_year",
                data.year,
                None,
                json!({"cases": recomputed}),
            ),
        )
        .await?;
    }
    tx.commit().await?;
    app.set_calendar(cal);
    Ok(())
}
