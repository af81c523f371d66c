//! Public API: tools and the organisation directory.

use axum::extract::State;
use onewindow_app::org;
use onewindow_domain::calendar::parse_date;
use onewindow_domain::identity::ApplicantId;

use super::dto::*;
use crate::AppState;
use crate::caller::Caller;
use crate::error::{Json, Path, Query, WebError};

/// Check a resident ID number or unified social credit code.
#[utoipa::path(post, path = "/id/check", tag = "tools",
    request_body = IdCheckRequest,
    responses((status = 200, body = IdCheckResponse), (status = 400, body = ErrorBody)))]
pub async fn id_check(
    c: Caller,
    Json(req): Json<IdCheckRequest>,
) -> Result<Json<IdCheckResponse>, WebError> {
    // The domain names the field `applicant_id`; in this request it is `value`.
    let r = crate::pages::public::check_id(&req.value, c.tr().en()).map_err(|mut e| {
        if e.info.field.is_some() {
            e.info.field = Some("value");
        }
        e
    })?;
    let normalized = ApplicantId::parse(&req.value)?.as_str().to_string();
    Ok(Json(IdCheckResponse {
        kind: r.kind.to_string(),
        normalized,
        masked: r.masked,
        warnings: r.warnings,
    }))
}

/// The date a number of working days after a start date (start date not counted), with the
/// days passed over.
#[utoipa::path(get, path = "/calendar/add", tag = "tools", params(CalendarAddQuery),
    responses((status = 200, body = CalendarAddResponse), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn calendar_add(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<CalendarAddQuery>,
) -> Result<Json<CalendarAddResponse>, WebError> {
    let d = parse_date("date", &q.date)?;
    let n = crate::pages::public::parse_days("days", &q.days)?;
    let x = st.app.calendar().explain_add(d, n)?;
    let en = c.tr().en();
    Ok(Json(CalendarAddResponse {
        start: x.start.to_string(),
        days: x.n,
        due: x.due.to_string(),
        skipped: x
            .skipped
            .iter()
            .map(|s| SkippedDayDto {
                date: s.date.to_string(),
                reason: if en { s.reason.en() } else { s.reason.zh() },
            })
            .collect(),
        makeup_days: x.makeup_days.iter().map(|(d, _)| d.to_string()).collect(),
    }))
}

/// Whether a date is a working day.
#[utoipa::path(get, path = "/calendar/is-working", tag = "tools", params(IsWorkingQuery),
    responses((status = 200, body = IsWorkingResponse), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn calendar_is_working(
    State(st): State<AppState>,
    Query(q): Query<IsWorkingQuery>,
) -> Result<Json<IsWorkingResponse>, WebError> {
    let d = parse_date("date", &q.date)?;
    Ok(Json(IsWorkingResponse {
        date: d.to_string(),
        working: st.app.calendar().is_working_day(d)?,
    }))
}

pub(crate) fn region_dto(r: org::RegionRow) -> RegionDto {
    RegionDto {
        code: r.code,
        name: r.name,
        level: r.level,
        parent_code: r.parent_code,
        version: r.version,
    }
}

pub(crate) fn department_dto(d: org::DepartmentRow) -> DepartmentDto {
    DepartmentDto {
        id: d.id,
        name: d.name,
        short_name: d.short_name,
        credit_code: d.credit_code,
        region_code: d.region_code,
        active: d.active,
        version: d.version,
    }
}

pub(crate) fn window_dto(w: org::WindowRow) -> WindowDto {
    WindowDto {
        id: w.id,
        number: w.number,
        name: w.name,
        hall: w.hall,
        region_code: w.region_code,
        department_id: w.department_id,
        active: w.active,
        version: w.version,
    }
}

/// All regions (市/县/乡/村).
#[utoipa::path(get, path = "/regions", tag = "directory",
    responses((status = 200, body = [RegionDto])))]
pub async fn list_regions(State(st): State<AppState>) -> Result<Json<Vec<RegionDto>>, WebError> {
    Ok(Json(
        org::list_regions(&st.app)
            .await?
            .into_iter()
            .map(region_dto)
            .collect(),
    ))
}

/// Departments, optionally of one region.
#[utoipa::path(get, path = "/departments", tag = "directory", params(DepartmentsQuery),
    responses((status = 200, body = [DepartmentDto])))]
pub async fn list_departments(
    State(st): State<AppState>,
    Query(q): Query<DepartmentsQuery>,
) -> Result<Json<Vec<DepartmentDto>>, WebError> {
    Ok(Json(
        org::list_departments(&st.app, q.region.as_deref())
            .await?
            .into_iter()
            .map(department_dto)
            .collect(),
    ))
}

/// One department.
#[utoipa::path(get, path = "/departments/{id}", tag = "directory",
    params(("id" = i64, Path, description = "Department id")),
    responses((status = 200, body = DepartmentDto), (status = 404, body = ErrorBody)))]
pub async fn get_department(
    State(st): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<DepartmentDto>, WebError> {
    Ok(Json(department_dto(
        org::get_department(&st.app, id).await?,
    )))
}

/// All service windows.
#[utoipa::path(get, path = "/windows", tag = "directory",
    responses((status = 200, body = [WindowDto])))]
pub async fn list_windows(State(st): State<AppState>) -> Result<Json<Vec<WindowDto>>, WebError> {
    Ok(Json(
        org::list_windows(&st.app)
            .await?
            .into_iter()
            .map(window_dto)
            .collect(),
    ))
}
