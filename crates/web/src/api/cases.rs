//! Case API: intake, review decisions, clock actions, the reviewer's queue, bundles and the
//! checklist of what to bring, and public tracking (masked).
//!
//! Request and response bodies are the use-case types serialised as JSON (documented as
//! objects); see `docs/ARCHITECTURE.md` for their fields.

use axum::extract::State;
use axum::http::StatusCode;
use onewindow_app::AppError;
use onewindow_app::cases::{
    self, IntakeOutcome, IntakeRequest, MaterialTick, PauseRequest, PlanRef, TaskDecision,
};
use onewindow_domain::DomainError;
use onewindow_domain::case::state::CaseAction;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use utoipa::IntoParams;

use crate::AppState;
use crate::caller::StaffApi;
use crate::error::{Json, Path, Query, WebError};

fn parse<T: DeserializeOwned>(v: Value) -> Result<T, WebError> {
    serde_json::from_value(v).map_err(|e| {
        AppError::Domain(DomainError::field(
            "body",
            format!("请求内容不符合要求：{e}"),
            format!("body: {e}"),
        ))
        .into()
    })
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<Json<Value>, WebError> {
    serde_json::to_value(v)
        .map(Json)
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("serialise: {e}")).into())
}

/// Take in a case at the window (受理 / 容缺受理 / 补正 / 不予受理). Body: an intake request
/// (`plan`, `applicant`, `materials`, `delivery`, `outcome` …).
#[utoipa::path(post, path = "/cases", tag = "cases", security(("bearer" = [])),
    request_body = Object,
    responses((status = 201, body = Object), (status = 400, body = super::dto::ErrorBody),
        (status = 403, body = super::dto::ErrorBody)))]
pub async fn intake(
    State(st): State<AppState>,
    StaffApi(c): StaffApi,
    Json(body): Json<Value>,
) -> Result<(StatusCode, Json<Value>), WebError> {
    let req: IntakeRequest = parse(body)?;
    let (case, notice) = cases::intake(&st.app, &c.ctx(), req).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"case": case, "notice": notice})),
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FindQuery {
    /// 办件编号.
    no: String,
}

/// A case by its number (staff who may see it).
#[utoipa::path(get, path = "/cases", tag = "cases", security(("bearer" = [])), params(FindQuery),
    responses((status = 200, body = Object), (status = 404, body = super::dto::ErrorBody)))]
pub async fn find(
    State(st): State<AppState>,
    StaffApi(c): StaffApi,
    Query(q): Query<FindQuery>,
) -> Result<Json<Value>, WebError> {
    to_json(&cases::find_by_no(&st.app, &c.ctx(), &q.no).await?)
}

/// Everything about a case: tasks, checklist, process log, notices, and how each due date was
/// computed.
#[utoipa::path(get, path = "/cases/{id}", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Case id")),
    responses((status = 200, body = Object), (status = 404, body = super::dto::ErrorBody)))]
pub async fn get_case(
    State(st): State<AppState>,
    StaffApi(c): StaffApi,
    Path(id): Path<i64>,
) -> Result<Json<Value>, WebError> {
    to_json(&cases::view(&st.app, &c.ctx(), id).await?)
}

/// Record a department's opinion or decision (`outcome`: approve | deny, `opinion`,
/// `checked`: review standards met, `expected_version`: the task version seen → 409 if stale).
#[utoipa::path(post, path = "/cases/{id}/tasks/{task}", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Case id"), ("task" = i64, Path, description = "Task id")),
    request_body = Object,
    responses((status = 200, body = Object), (status = 409, body = super::dto::ErrorBody)))]
pub async fn decide(
    State(st): State<AppState>,
    StaffApi(c): StaffApi,
    Path((id, task)): Path<(i64, i64)>,
    Json(body): Json<Value>,
) -> Result<Json<Value>, WebError> {
    let d: TaskDecision = parse(body)?;
    to_json(&cases::decide_case_task(&st.app, &c.ctx(), id, task, d).await?)
}

#[derive(Deserialize)]
struct IntakeDecision {
    #[serde(default)]
    materials: Vec<MaterialTick>,
    #[serde(flatten)]
    outcome: IntakeOutcome,
}

/// Pre-review or re-intake of a case waiting for it (accept / accept_tolerated / correct /
/// refuse), with the checklist updated.
#[utoipa::path(post, path = "/cases/{id}/intake", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Case id")), request_body = Object,
    responses((status = 200, body = Object), (status = 409, body = super::dto::ErrorBody)))]
pub async fn intake_decision(
    State(st): State<AppState>,
    StaffApi(c): StaffApi,
    Path(id): Path<i64>,
    Json(body): Json<Value>,
) -> Result<Json<Value>, WebError> {
    let d: IntakeDecision = parse(body)?;
    let (case, notice) =
        cases::decide_intake(&st.app, &c.ctx(), id, d.materials, d.outcome).await?;
    Ok(Json(json!({"case": case, "notice": notice})))
}

#[derive(Deserialize)]
struct Reason {
    #[serde(default)]
    reason: String,
}

/// A clock or lifecycle action: `pause` (body: kind, reason, materials), `resume` (reason as
/// note), `extend` (reason), `supply` (容缺 materials received), `withdraw` or `terminate`
/// (reason).
#[utoipa::path(post, path = "/cases/{id}/actions/{action}", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Case id"), ("action" = String, Path, description = "pause | resume | extend | supply | withdraw | terminate")),
    request_body = Object,
    responses((status = 200, body = Object), (status = 409, body = super::dto::ErrorBody)))]
pub async fn action(
    State(st): State<AppState>,
    StaffApi(c): StaffApi,
    Path((id, action)): Path<(i64, String)>,
    Json(body): Json<Value>,
) -> Result<Json<Value>, WebError> {
    let ctx = c.ctx();
    let app = &st.app;
    let row = match action.as_str() {
        "pause" => cases::pause(app, &ctx, id, parse::<PauseRequest>(body)?).await?,
        "resume" => cases::resume(app, &ctx, id, &parse::<Reason>(body)?.reason).await?,
        "extend" => cases::extend(app, &ctx, id, &parse::<Reason>(body)?.reason).await?,
        "supply" => cases::supply_tolerated(app, &ctx, id).await?,
        "withdraw" => {
            let r = parse::<Reason>(body)?;
            cases::close(app, &ctx, id, CaseAction::Withdraw, &r.reason).await?
        }
        "terminate" => {
            let r = parse::<Reason>(body)?;
            cases::close(app, &ctx, id, CaseAction::Terminate, &r.reason).await?
        }
        _ => return Err(AppError::NotFound.into()),
    };
    to_json(&row)
}

/// The caller's review queue: open tasks of their departments, soonest due first, with
/// `urgency` (normal | approaching | overdue | paused).
#[utoipa::path(get, path = "/review/queue", tag = "cases", security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 403, body = super::dto::ErrorBody)))]
pub async fn queue(
    State(st): State<AppState>,
    StaffApi(c): StaffApi,
) -> Result<Json<Value>, WebError> {
    let (rows, total) = cases::queue(&st.app, &c.ctx(), 200).await?;
    Ok(Json(json!({"total": total, "tasks": rows})))
}

/// The "一件事" bundles on offer, with their stages and departments (public).
#[utoipa::path(get, path = "/bundles", tag = "cases", responses((status = 200, body = Object)))]
pub async fn bundles(State(st): State<AppState>) -> Result<Json<Value>, WebError> {
    let list: Vec<Value> = cases::bundles(&st.app)
        .await?
        .into_iter()
        .map(|(row, def)| json!({"code": row.code, "version": row.version, "definition": def}))
        .collect();
    Ok(Json(json!({ "bundles": list })))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChecklistQuery {
    /// `bundle:<code>` or `item:<实施编码>`.
    plan: String,
}

/// What to bring (一次告知): the materials of an item or bundle, each named once (public).
#[utoipa::path(get, path = "/checklist", tag = "cases", params(ChecklistQuery),
    responses((status = 200, body = Object), (status = 400, body = super::dto::ErrorBody)))]
pub async fn checklist(
    State(st): State<AppState>,
    Query(q): Query<ChecklistQuery>,
) -> Result<Json<Value>, WebError> {
    let plan = match q.plan.split_once(':') {
        Some(("bundle", c)) => PlanRef::Bundle(c.to_string()),
        Some(("item", c)) => PlanRef::Item(c.to_string()),
        _ => {
            return Err(AppError::Domain(DomainError::field(
                "plan",
                "plan 应为 bundle:<编码> 或 item:<实施编码>",
                "plan: bundle:<code> or item:<task code>",
            ))
            .into());
        }
    };
    let (name, list) = cases::checklist(&st.app, &plan).await?;
    Ok(Json(json!({"name": name, "materials": list})))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TrackQuery {
    /// 办件编号.
    no: String,
    /// The applicant's 一号.
    id: String,
}

/// Public tracking by case number **and** the applicant's ID; masked; any mismatch is 404.
#[utoipa::path(get, path = "/track", tag = "cases", params(TrackQuery),
    responses((status = 200, body = Object), (status = 404, body = super::dto::ErrorBody)))]
pub async fn track(
    State(st): State<AppState>,
    Query(q): Query<TrackQuery>,
) -> Result<Json<Value>, WebError> {
    to_json(&cases::track(&st.app, &q.no, &q.id).await?)
}
