//! Staff API: the caller, users, organisation changes, audit trail.

use axum::extract::State;
use axum::http::StatusCode;
use onewindow_app::org::{DepartmentInput, WindowInput};
use onewindow_app::users::{GrantInput, GrantScopeInput, NewUser, UserView};
use onewindow_app::{AppError, audit, org, users};
use onewindow_domain::DomainError;
use onewindow_domain::org::Scope;

use super::dto::*;
use super::public::{department_dto, region_dto, window_dto};
use crate::AppState;
use crate::caller::StaffApi;
use crate::error::{Json, Path, Query, WebError};

fn missing(field: &'static str) -> WebError {
    AppError::Domain(DomainError::field(
        field,
        format!("缺少字段 {field}"),
        format!("{field}: required"),
    ))
    .into()
}

fn grant_input(g: &GrantDto) -> Result<GrantInput, WebError> {
    let role = g.role.parse().map_err(WebError::from)?;
    let scope = match g.scope.as_str() {
        "global" => GrantScopeInput::Global,
        "region" => GrantScopeInput::Region {
            region: g.region.clone().ok_or_else(|| missing("region"))?,
        },
        "department" => GrantScopeInput::Department {
            department: g.department.ok_or_else(|| missing("department"))?,
        },
        other => {
            return Err(AppError::Domain(DomainError::field(
                "scope",
                format!("授权范围“{other}”无效（应为 global、region 或 department）"),
                format!("scope: “{other}” is not global, region or department"),
            ))
            .into());
        }
    };
    Ok(GrantInput { role, scope })
}

fn user_dto(v: UserView) -> UserDto {
    UserDto {
        id: v.user.id,
        username: v.user.username,
        display_name: v.user.display_name,
        department_id: v.user.department_id,
        active: v.user.active,
        version: v.user.version,
        grants: v
            .grants
            .into_iter()
            .map(|g| GrantDto {
                role: g.role,
                scope: g.scope_kind,
                region: g.region_code,
                department: g.department_id,
            })
            .collect(),
    }
}

/// The caller's identity and grants.
#[utoipa::path(get, path = "/me", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = MeDto), (status = 401, body = ErrorBody)))]
pub async fn me(StaffApi(c): StaffApi) -> Result<Json<MeDto>, WebError> {
    let u = c.user().ok_or(AppError::Unauthenticated)?;
    Ok(Json(MeDto {
        id: u.id.get(),
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        department_id: u.department_id.map(|d| d.get()),
        grants: u
            .grants
            .0
            .iter()
            .map(|g| {
                let (scope, region, department) = match &g.scope {
                    Scope::Global => ("global", None, None),
                    Scope::Region { region } => ("region", Some(region.as_str().to_string()), None),
                    Scope::Department { department } => {
                        ("department", None, Some(department.get()))
                    }
                };
                GrantDto {
                    role: g.role.as_str().into(),
                    scope: scope.into(),
                    region,
                    department,
                }
            })
            .collect(),
    }))
}

/// Create a region.
#[utoipa::path(post, path = "/regions", tag = "admin", security(("bearer" = [])),
    request_body = CreateRegion,
    responses((status = 201, body = RegionDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_region(
    State(st): State<AppState>,
    StaffApi(c): StaffApi,
    Json(b): Json<CreateRegion>,
) -> Result<(StatusCode, Json<RegionDto>), WebError> {
    let r = org::create_region(&st.app, &c.ctx(), &b.code, &b.name).await?;
    Ok((StatusCode::CREATED, Json(region_dto(r))))
}

fn department_input(b: &DepartmentBody) -> DepartmentInput {
    DepartmentInput {
        name: b.name.clone(),
        short_name: b.short_name.clone(),
        credit_code: b.credit_code.clone(),
        region_code: b.region_code.clone(),
        active: b.active.unwrap_or(true),
    }
}

/// Create a department.
#[utoipa::path(post, path = "/departments", tag = "admin", security(("bearer" = [])),
    request_body = DepartmentBody,
    responses((status = 201, body = DepartmentDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_department(
    State(st): State<AppState>,
    StaffApi(c): StaffApi,
    Json(b): Json<DepartmentBody>,
) -> Result<(StatusCode, Json<DepartmentDto>), WebError> {
    let d = org::create_department(&st.app, &c.ctx(), department_input(&b)).await?;
    Ok((StatusCode::CREATED, Json(department_dto(d))))
}

/// Update a department. `version` must be the version read; a stale version gets 409 and
/// changes nothing.
#[utoipa::path(put, path = "/departments/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Department id")),
    request_body = DepartmentBody,
    responses((status = 200, body = DepartmentDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update_department(
    State(st): State<AppState>,
    StaffApi(c): StaffApi,
    Path(id): Path<i64>,
    Json(b): Json<DepartmentBody>,
) -> Result<Json<DepartmentDto>, WebError> {
    let version = b.version.ok_or_else(|| missing("version"))?;
    let d = org::update_department(&st.app, &c.ctx(), id, department_input(&b), version).await?;
    Ok(Json(department_dto(d)))
}

/// Staff of a department (administrators; department leads for their own department).
#[utoipa::path(get, path = "/departments/{id}/staff", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Department id")),
    responses((status = 200, body = [UserDto]), (status = 403, body = ErrorBody)))]
pub async fn department_staff(
    State(st): State<AppState>,
    StaffApi(c): StaffApi,
    Path(id): Path<i64>,
) -> Result<Json<Vec<UserDto>>, WebError> {
    Ok(Json(
        users::list_users(&st.app, &c.ctx(), Some(id))
            .await?
            .into_iter()
            .map(user_dto)
            .collect(),
    ))
}

fn window_input(b: &WindowBody) -> WindowInput {
    WindowInput {
        number: b.number.clone(),
        name: b.name.clone(),
        hall: b.hall.clone(),
        region_code: b.region_code.clone(),
        department_id: b.department_id,
        active: b.active.unwrap_or(true),
    }
}

/// Create a window.
#[utoipa::path(post, path = "/windows", tag = "admin", security(("bearer" = [])),
    request_body = WindowBody,
    responses((status = 201, body = WindowDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_window(
    State(st): State<AppState>,
    StaffApi(c): StaffApi,
    Json(b): Json<WindowBody>,
) -> Result<(StatusCode, Json<WindowDto>), WebError> {
    let w = org::create_window(&st.app, &c.ctx(), window_input(&b)).await?;
    Ok((StatusCode::CREATED, Json(window_dto(w))))
}

/// Update a window (optimistic concurrency on `version`).
#[utoipa::path(put, path = "/windows/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Window id")),
    request_body = WindowBody,
    responses((status = 200, body = WindowDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update_window(
    State(st): State<AppState>,
    StaffApi(c): StaffApi,
    Path(id): Path<i64>,
    Json(b): Json<WindowBody>,
) -> Result<Json<WindowDto>, WebError> {
    let version = b.version.ok_or_else(|| missing("version"))?;
    let w = org::update_window(&st.app, &c.ctx(), id, window_input(&b), version).await?;
    Ok(Json(window_dto(w)))
}

/// All staff accounts (user administrators).
#[utoipa::path(get, path = "/users", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = [UserDto]), (status = 403, body = ErrorBody)))]
pub async fn list_users(
    State(st): State<AppState>,
    StaffApi(c): StaffApi,
) -> Result<Json<Vec<UserDto>>, WebError> {
    Ok(Json(
        users::list_users(&st.app, &c.ctx(), None)
            .await?
            .into_iter()
            .map(user_dto)
            .collect(),
    ))
}

/// Create a staff account with grants.
#[utoipa::path(post, path = "/users", tag = "admin", security(("bearer" = [])),
    request_body = CreateUser,
    responses((status = 201, body = UserDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_user(
    State(st): State<AppState>,
    StaffApi(c): StaffApi,
    Json(b): Json<CreateUser>,
) -> Result<(StatusCode, Json<UserDto>), WebError> {
    let grants = b
        .grants
        .iter()
        .map(grant_input)
        .collect::<Result<Vec<_>, _>>()?;
    let v = users::create_user(
        &st.app,
        &c.ctx(),
        NewUser {
            username: b.username,
            display_name: b.display_name,
            password: b.password,
            department_id: b.department_id,
            grants,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(user_dto(v))))
}

/// One staff account.
#[utoipa::path(get, path = "/users/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")),
    responses((status = 200, body = UserDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_user(
    State(st): State<AppState>,
    StaffApi(c): StaffApi,
    Path(id): Path<i64>,
) -> Result<Json<UserDto>, WebError> {
    Ok(Json(user_dto(
        users::get_user(&st.app, &c.ctx(), id).await?,
    )))
}

/// Update a staff account (optimistic concurrency on `version`).
#[utoipa::path(put, path = "/users/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")),
    request_body = UpdateUser,
    responses((status = 200, body = UserDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update_user(
    State(st): State<AppState>,
    StaffApi(c): StaffApi,
    Path(id): Path<i64>,
    Json(b): Json<UpdateUser>,
) -> Result<Json<UserDto>, WebError> {
    users::update_user(
        &st.app,
        &c.ctx(),
        id,
        &b.display_name,
        b.department_id,
        b.active,
        b.version,
    )
    .await?;
    Ok(Json(user_dto(
        users::get_user(&st.app, &c.ctx(), id).await?,
    )))
}

/// The audit trail, newest first (global viewers: all; department leads: their departments).
#[utoipa::path(get, path = "/audit", tag = "admin", security(("bearer" = [])), params(AuditQuery),
    responses((status = 200, body = [AuditEventDto]), (status = 403, body = ErrorBody)))]
pub async fn list_audit(
    State(st): State<AppState>,
    StaffApi(c): StaffApi,
    Query(q): Query<AuditQuery>,
) -> Result<Json<Vec<AuditEventDto>>, WebError> {
    let filter = audit::AuditFilter {
        action: q.action,
        actor: q.actor,
        object_type: q.object_type,
        object_id: q.object_id,
        before: q.before,
        ..Default::default()
    };
    let rows = audit::list(&st.app, &c.ctx(), filter, q.limit.unwrap_or(100)).await?;
    Ok(Json(
        rows.into_iter()
            .map(|(r, h)| AuditEventDto {
                seq: r.seq,
                at: r.at.to_rfc3339(),
                actor: r.actor,
                actor_id: r.actor_id,
                action: r.action,
                object_type: r.object_type,
                object_id: r.object_id,
                department_id: r.department_id,
                request_id: r.request_id,
                source: r.source,
                summary: serde_json::from_str(&r.summary).unwrap_or(serde_json::Value::Null),
                prev_hash: r.prev_hash,
                hash: h,
            })
            .collect(),
    ))
}

/// Add or replace one year of the working-day calendar from the State Council's holiday notice
/// (holiday-cn JSON). System administrators only; audited. Takes effect at once.
#[utoipa::path(put, path = "/calendar/years/{year}", tag = "admin", security(("bearer" = [])),
    params(("year" = i32, Path, description = "Year of the notice")),
    request_body(content = Object, description = "{\"year\": 2027, \"source\": \"…\", \"days\": [{\"name\": \"元旦\", \"date\": \"2027-01-01\", \"isOffDay\": true}]}"),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn put_calendar_year(
    State(st): State<AppState>,
    StaffApi(c): StaffApi,
    Path(year): Path<i32>,
    Json(data): Json<onewindow_domain::calendar::YearData>,
) -> Result<StatusCode, WebError> {
    if data.year != year {
        return Err(AppError::Domain(DomainError::field(
            "year",
            format!("路径中的年份 {year} 与数据中的年份 {} 不一致", data.year),
            format!("year: the path says {year} but the data says {}", data.year),
        ))
        .into());
    }
    onewindow_app::calendar::set_year(&st.app, &c.ctx(), data).await?;
    Ok(StatusCode::NO_CONTENT)
}
