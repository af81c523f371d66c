//! Case pages: the intake desk (一窗受理), the intake form with the materials checklist, the
//! case page (tasks, deadlines and how they were computed, actions), printable notices, the
//! reviewer's queue, and the public status lookup.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use onewindow_app::cases::{
    self, ApplicantInput, ApplicantRow, CaseRow, CaseView, Desk, IntakeOutcome, IntakeRequest,
    MaterialTick, NoticeBody, PauseRequest, PlanRef, PublicStatus, QueueItem, TaskDecision,
};
use onewindow_app::catalog::{ListFilter, VersionSummary};
use onewindow_app::{AppError, catalog};
use onewindow_domain::calendar::parse_date;
use onewindow_domain::case::clock::PauseKind;
use onewindow_domain::case::state::{CaseAction, Delivery, MaterialCheck, MaterialStatus, Outcome};
use onewindow_domain::catalog::Situation;
use onewindow_domain::masking::mask_applicant_id;
use serde::Deserialize;

use crate::AppState;
use crate::caller::{Caller, StaffPage};
use crate::error::{Form, Path, Query, WebError};
use crate::pages::layout::Layout;
use crate::pages::{bad, field, form_error, opt, render};

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/cases", get(desk_page))
        .route("/cases/new", get(new_page).post(create))
        .route("/cases/activation", post(issue_activation))
        .route("/cases/{id}", get(case_page))
        .route("/cases/{id}/intake", post(intake_decision))
        .route("/cases/{id}/tasks/{task}", post(decide))
        .route("/cases/{id}/{action}", post(case_action))
        .route("/cases/{id}/notices/{nid}", get(notice_page))
        .route("/cases/{id}/notices/{nid}/docx", get(notice_docx))
        .route("/cases/{id}/files/{fid}", get(case_file))
        .route("/review", get(queue_page))
        .route("/status", get(status_page))
}

// ------------------------------------------------------------------------------------------
// Desk

#[derive(Template)]
#[template(path = "cases_desk.html")]
struct DeskPage {
    l: Layout,
    desk: Desk,
    items: Vec<VersionSummary>,
    lookup: String,
    applicant: Option<ApplicantRow>,
    history: Vec<CaseRow>,
    licenses: Vec<onewindow_app::licenses::LicenseRow>,
    looked_up: bool,
}

#[derive(Deserialize, Default)]
struct DeskQuery {
    id: Option<String>,
}

async fn desk_page(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Query(q): Query<DeskQuery>,
) -> Result<Response, WebError> {
    let ctx = c.ctx();
    let desk = cases::desk(&st.app, &ctx).await?;
    let (items, _) = catalog::public_list(&st.app, &ListFilter::default(), 0, 200).await?;
    let lookup = q.id.unwrap_or_default().trim().to_string();
    let (applicant, history, looked_up) = if lookup.is_empty() {
        (None, Vec::new(), false)
    } else {
        let (a, h) = cases::applicant_history(&st.app, &ctx, &lookup).await?;
        (a, h, true)
    };
    // The applicant's e-licences, which intake takes instead of paper (免提交).
    let licenses = match &applicant {
        Some(a) => onewindow_app::licenses::list(&st.app, Some(&a.id_number), None, 50).await?,
        None => Vec::new(),
    };
    render(&DeskPage {
        l: Layout::new(&c, &st.web.site_name, "/cases", "cases.desk"),
        desk,
        items,
        lookup,
        applicant,
        history,
        licenses,
        looked_up,
    })
}

/// The activation code a clerk hands to an applicant whose ID was checked at the window.
#[derive(Template)]
#[template(path = "activation.html")]
struct ActivationPage {
    l: Layout,
    a: onewindow_app::applicants::Activation,
    expires: String,
}

async fn issue_activation(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    c.check_csrf(field(&f, "csrf"))?;
    let a = onewindow_app::applicants::issue_activation(&st.app, &c.ctx(), field(&f, "id_number"))
        .await?;
    let expires = onewindow_app::auth::cst(a.expires_at);
    let mut resp = render(&ActivationPage {
        l: Layout::new(&c, &st.web.site_name, "/cases", "activation.title"),
        a,
        expires,
    })?;
    // Shown once: never kept by a browser or proxy cache.
    resp.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(resp)
}

// ------------------------------------------------------------------------------------------
// Intake form

#[derive(Template)]
#[template(path = "cases_new.html")]
struct NewPage {
    l: Layout,
    plan_key: String,
    materials: Vec<MaterialCheck>,
    statuses: Vec<(&'static str, &'static str)>,
    situations: Vec<Situation>,
    values: HashMap<String, String>,
}

#[derive(Deserialize, Default)]
struct NewQuery {
    plan: Option<String>,
    item: Option<i64>,
    id: Option<String>,
}

pub(crate) fn plan_of(key: &str) -> Result<PlanRef, WebError> {
    match key.split_once(':') {
        Some(("bundle", code)) => Ok(PlanRef::Bundle(code.to_string())),
        Some(("item", code)) => Ok(PlanRef::Item(code.to_string())),
        _ => Err(bad(
            "plan",
            "请选择事项或“一件事”",
            "plan: choose an item or a bundle",
        )),
    }
}

const STATUSES: &[MaterialStatus] = &[
    MaterialStatus::Provided,
    MaterialStatus::Missing,
    MaterialStatus::Defective,
    MaterialStatus::Tolerated,
    MaterialStatus::Reused,
    MaterialStatus::NotApplicable,
];

async fn new_view(
    st: &AppState,
    c: &Caller,
    plan_key: String,
    values: HashMap<String, String>,
    err: Option<WebError>,
) -> Result<Response, WebError> {
    let plan = plan_of(&plan_key)?;
    let (plan_name, mut materials) = cases::checklist(&st.app, &plan).await?;
    // Materials the applicant's e-licences stand in for are preselected as 共享复用 (免提交).
    if let Some(id) = values
        .get("id_number")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        && let Ok(id) = onewindow_domain::identity::ApplicantId::parse(id)
    {
        for m in materials.iter_mut() {
            if m.status != MaterialStatus::Missing {
                continue;
            }
            if let Some(t) = m.license_type.clone()
                && let Some(l) = onewindow_app::licenses::usable(&st.app, id.as_str(), &t).await?
            {
                m.status = MaterialStatus::Reused;
                m.note = Some(format!("电子证照：{}（{}）", l.name, l.number));
                m.license = Some(l.identifier);
            }
        }
    }
    let situations = cases::situations(&st.app, &plan).await?;
    let (code, msg) = match err {
        Some(e) => (e.status, Some(form_error(e, c.tr())?)),
        None => (StatusCode::OK, None),
    };
    let mut l = Layout::new(c, &st.web.site_name, "/cases/new", "cases.intake").with_error(msg);
    l.title = format!("{} · {}", l.title, plan_name);
    let page = NewPage {
        l,
        plan_key,
        materials,
        statuses: STATUSES.iter().map(|s| (s.as_str(), s.zh())).collect(),
        situations,
        values,
    };
    Ok((code, render(&page)?).into_response())
}

async fn new_page(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Query(q): Query<NewQuery>,
) -> Result<Response, WebError> {
    c.ctx()
        .require_any(onewindow_domain::org::Permission::IntakeCases)?;
    let key = match (q.plan, q.item) {
        (Some(p), _) => p,
        (None, Some(item)) => {
            let (_, g) = catalog::public_item(&st.app, item).await?;
            format!("item:{}", g.task_code)
        }
        _ => {
            return Err(bad(
                "plan",
                "请选择事项或“一件事”",
                "plan: choose an item or a bundle",
            ));
        }
    };
    let mut values = HashMap::new();
    if let Some(id) = q.id {
        values.insert("id_number".to_string(), id);
    }
    new_view(&st, &c, key, values, None).await
}

fn ticks_of(f: &HashMap<String, String>) -> Result<Vec<MaterialTick>, WebError> {
    let mut out = Vec::new();
    for i in 0..500 {
        let Some(name) = f.get(&format!("m{i}_name")) else {
            break;
        };
        let status = MaterialStatus::parse(field(f, &format!("m{i}_status"))).ok_or_else(|| {
            bad(
                "materials",
                "材料情况取值无效",
                "materials: unknown material status",
            )
        })?;
        out.push(MaterialTick {
            name: name.clone(),
            status,
            note: opt(f, &format!("m{i}_note")),
        });
    }
    Ok(out)
}

fn outcome_of(f: &HashMap<String, String>) -> Result<IntakeOutcome, WebError> {
    Ok(match field(f, "outcome") {
        "accept" => IntakeOutcome::Accept,
        "accept_tolerated" => IntakeOutcome::AcceptTolerated {
            promised_by: parse_date("promised_by", field(f, "promised_by"))?,
        },
        "correct" => IntakeOutcome::Correct,
        "refuse" => IntakeOutcome::Refuse {
            reason: field(f, "reason").to_string(),
        },
        _ => {
            return Err(bad(
                "outcome",
                "请选择受理结果",
                "outcome: choose the outcome",
            ));
        }
    })
}

async fn create(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    c.check_csrf(field(&f, "csrf"))?;
    let plan_key = field(&f, "plan").to_string();
    let r = async {
        let req = IntakeRequest {
            plan: plan_of(&plan_key)?,
            applicant: ApplicantInput {
                id_number: field(&f, "id_number").to_string(),
                name: field(&f, "name").to_string(),
                phone: opt(&f, "phone"),
                email: opt(&f, "email"),
            },
            situation: opt(&f, "situation"),
            contact_name: opt(&f, "contact_name"),
            agent_name: opt(&f, "agent_name"),
            agent_id_number: opt(&f, "agent_id_number"),
            legal_rep: opt(&f, "legal_rep"),
            address: opt(&f, "address"),
            window_id: None,
            materials: ticks_of(&f)?,
            delivery: Delivery::parse(field(&f, "delivery")).unwrap_or(Delivery::Window),
            delivery_address: opt(&f, "delivery_address"),
            summary: field(&f, "summary").to_string(),
            outcome: outcome_of(&f)?,
        };
        Ok::<_, WebError>(cases::intake(&st.app, &c.ctx(), req).await?)
    }
    .await;
    match r {
        Ok((case, notice)) => {
            Ok(Redirect::to(&format!("/cases/{}?notice={}", case.id, notice.id)).into_response())
        }
        Err(e) if plan_of(&plan_key).is_ok() => new_view(&st, &c, plan_key, f, Some(e)).await,
        Err(e) => Err(e),
    }
}

// ------------------------------------------------------------------------------------------
// Case page and actions

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    l: Layout,
    v: CaseView,
    masked_id: String,
    masked_phone: String,
    new_notice: Option<i64>,
    can_intake: bool,
    pause_kinds: Vec<(&'static str, String)>,
    statuses: Vec<(&'static str, &'static str)>,
}

#[derive(Deserialize, Default)]
struct CaseQuery {
    notice: Option<i64>,
}

async fn case_view(
    st: &AppState,
    c: &Caller,
    id: i64,
    notice: Option<i64>,
    err: Option<WebError>,
) -> Result<Response, WebError> {
    let ctx = c.ctx();
    let v = cases::view(&st.app, &ctx, id).await?;
    let (code, msg) = match err {
        Some(e) => (e.status, Some(form_error(e, c.tr())?)),
        None => (StatusCode::OK, None),
    };
    let mut l =
        Layout::new(c, &st.web.site_name, &format!("/cases/{id}"), "cases.case").with_error(msg);
    l.title = format!("{} {}", v.case.name, v.case.case_no);
    let masked_id = onewindow_domain::identity::ApplicantId::parse(&v.case.id_number)
        .map(|a| mask_applicant_id(&a))
        .unwrap_or_default();
    let page = CasePage {
        masked_phone: cases::masked_phone(&v.case.contact_phone),
        masked_id,
        new_notice: notice,
        can_intake: ctx
            .require_any(onewindow_domain::org::Permission::IntakeCases)
            .is_ok(),
        pause_kinds: c.tr().options(
            "pause",
            PauseKind::ALL
                .iter()
                .filter(|k| !matches!(k, PauseKind::Consultation | PauseKind::FeeNotice))
                .map(|k| k.as_str()),
        ),
        statuses: STATUSES.iter().map(|s| (s.as_str(), s.zh())).collect(),
        l,
        v,
    };
    Ok((code, render(&page)?).into_response())
}

async fn case_page(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Path(id): Path<i64>,
    Query(q): Query<CaseQuery>,
) -> Result<Response, WebError> {
    case_view(&st, &c, id, q.notice, None).await
}

async fn decide(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Path((id, task)): Path<(i64, i64)>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    c.check_csrf(field(&f, "csrf"))?;
    let r = async {
        let outcome = Outcome::parse(field(&f, "outcome"))
            .ok_or_else(|| bad("outcome", "请选择同意或不同意", "outcome: approve or deny"))?;
        let mut checked = Vec::new();
        for i in 0..200 {
            match (f.get(&format!("std{i}")), f.get(&format!("std{i}_name"))) {
                (Some(_), Some(name)) => checked.push(name.clone()),
                (None, Some(_)) => {}
                _ => break,
            }
        }
        let expected_version = field(&f, "version").parse::<i64>().ok();
        cases::decide_case_task(
            &st.app,
            &c.ctx(),
            id,
            task,
            TaskDecision {
                outcome,
                opinion: field(&f, "opinion").to_string(),
                checked,
                expected_version,
            },
        )
        .await?;
        Ok::<_, WebError>(())
    }
    .await;
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/cases/{id}")).into_response()),
        Err(e) => case_view(&st, &c, id, None, Some(e)).await,
    }
}

async fn intake_decision(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    c.check_csrf(field(&f, "csrf"))?;
    let r = async {
        let ticks = ticks_of(&f)?;
        let outcome = outcome_of(&f)?;
        Ok::<_, WebError>(cases::decide_intake(&st.app, &c.ctx(), id, ticks, outcome).await?)
    }
    .await;
    match r {
        Ok((_, n)) => Ok(Redirect::to(&format!("/cases/{id}?notice={}", n.id)).into_response()),
        Err(e) => case_view(&st, &c, id, None, Some(e)).await,
    }
}

async fn case_action(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Path((id, action)): Path<(i64, String)>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    c.check_csrf(field(&f, "csrf"))?;
    let ctx = c.ctx();
    let app = &st.app;
    let r: Result<(), WebError> = async {
        match action.as_str() {
            "pause" => {
                let kind = PauseKind::parse(field(&f, "kind"))
                    .ok_or_else(|| bad("kind", "请选择暂停原因", "kind: choose why"))?;
                let materials = field(&f, "materials")
                    .lines()
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect();
                cases::pause(
                    app,
                    &ctx,
                    id,
                    PauseRequest {
                        kind,
                        reason: field(&f, "reason").to_string(),
                        materials,
                    },
                )
                .await?;
            }
            "resume" => {
                cases::resume(app, &ctx, id, field(&f, "note")).await?;
            }
            "extend" => {
                cases::extend(app, &ctx, id, field(&f, "reason")).await?;
            }
            "supply" => {
                cases::supply_tolerated(app, &ctx, id).await?;
            }
            "withdraw" => {
                cases::close(app, &ctx, id, CaseAction::Withdraw, field(&f, "reason")).await?;
            }
            "terminate" => {
                cases::close(app, &ctx, id, CaseAction::Terminate, field(&f, "reason")).await?;
            }
            _ => return Err(AppError::NotFound.into()),
        }
        Ok(())
    }
    .await;
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/cases/{id}")).into_response()),
        Err(e) if e.status == StatusCode::NOT_FOUND => Err(e),
        Err(e) => case_view(&st, &c, id, None, Some(e)).await,
    }
}

// ------------------------------------------------------------------------------------------
// Notices

#[derive(Template)]
#[template(path = "case_notice.html")]
pub(crate) struct NoticePage {
    pub(crate) l: Layout,
    pub(crate) n: NoticeBody,
    pub(crate) back_href: String,
    pub(crate) docx_href: String,
}

async fn notice_page(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Path((id, nid)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    let (row, n) = cases::notice(&st.app, &c.ctx(), nid).await?;
    if row.case_id != id {
        return Err(AppError::NotFound.into());
    }
    let mut l = Layout::new(
        &c,
        &st.web.site_name,
        &format!("/cases/{id}"),
        "cases.notice",
    );
    l.title = n.title.clone();
    render(&NoticePage {
        l,
        n,
        back_href: format!("/cases/{id}"),
        docx_href: format!("/cases/{id}/notices/{nid}/docx"),
    })
}

async fn notice_docx(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Path((id, nid)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    let (row, n) = cases::notice(&st.app, &c.ctx(), nid).await?;
    if row.case_id != id {
        return Err(AppError::NotFound.into());
    }
    let footer = format!("文书编号 {} · 本文书由系统生成，可凭编号核验", n.number);
    notice_body_docx(n, &format!("notice-{nid}.docx"), footer)
}

/// A notice or letter as a DOCX download.
pub(crate) fn notice_body_docx(
    n: NoticeBody,
    filename: &str,
    footer: String,
) -> Result<Response, WebError> {
    let doc = onewindow_documents::NoticeDoc {
        title: n.title,
        number: n.number,
        issuer: n.issuer,
        recipient: n.recipient,
        paragraphs: n.paragraphs,
        table: if n.headers.is_empty() {
            None
        } else {
            Some(onewindow_documents::NoticeTable {
                headers: n.headers,
                rows: n.rows,
            })
        },
        closing: n.closing,
        date: n.date,
        footer: Some(footer),
    };
    let bytes = onewindow_documents::notice_docx(&doc)
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("notice docx: {e}")))?;
    Ok(crate::pages::attachment(
        crate::pages::DOCX,
        filename,
        bytes,
    ))
}

// ------------------------------------------------------------------------------------------
// Reviewer's queue

#[derive(Template)]
#[template(path = "review_queue.html")]
struct QueuePage {
    l: Layout,
    rows: Vec<QueueItem>,
    total: i64,
}

async fn queue_page(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
) -> Result<Response, WebError> {
    let (rows, total) = cases::queue(&st.app, &c.ctx(), 200).await?;
    render(&QueuePage {
        l: Layout::new(&c, &st.web.site_name, "/review", "cases.queue"),
        rows,
        total,
    })
}

// ------------------------------------------------------------------------------------------
// Public status

#[derive(Template)]
#[template(path = "status.html")]
struct StatusPage {
    l: Layout,
    no: String,
    result: Option<PublicStatus>,
    asked: bool,
}

#[derive(Deserialize, Default)]
struct StatusQuery {
    no: Option<String>,
    id: Option<String>,
}

async fn status_page(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<StatusQuery>,
) -> Result<Response, WebError> {
    let no = q.no.unwrap_or_default().trim().to_string();
    let id = q.id.unwrap_or_default();
    let asked = !no.is_empty() || !id.trim().is_empty();
    let (result, code) = if asked {
        match cases::track(&st.app, &no, &id).await {
            Ok(s) => (Some(s), StatusCode::OK),
            Err(AppError::NotFound) => (None, StatusCode::NOT_FOUND),
            Err(e) => return Err(e.into()),
        }
    } else {
        (None, StatusCode::OK)
    };
    let page = StatusPage {
        l: Layout::new(&c, &st.web.site_name, "/status", "cases.status"),
        no,
        result,
        asked,
    };
    Ok((code, render(&page)?).into_response())
}

async fn case_file(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Path((id, fid)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    let (f, bytes) = onewindow_app::applicants::case_file(&st.app, &c.ctx(), id, fid).await?;
    Ok(crate::pages::attachment(&f.media_type, &f.filename, bytes))
}
