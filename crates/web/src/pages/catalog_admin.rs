//! Staff pages of the service catalog: the list of items with their newest version, creating an
//! item, editing a draft (the complete guide as JSON, checked field by field on save), the
//! lifecycle actions, version history and field-level diffs, and the discretion statistics.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use onewindow_app::catalog::{self, ItemRow, VersionRow, VersionSummary};
use onewindow_app::{AppError, Problem};
use onewindow_domain::catalog::{FieldChange, ServiceGuide};
use serde::Deserialize;

use crate::AppState;
use crate::api::catalog::{ListQuery, filter_of};
use crate::caller::{Caller, StaffPage};
use crate::error::{Form, Path, Query, WebError};
use crate::pages::layout::Layout;
use crate::pages::{form_error, render};

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/catalog", get(list_page).post(create))
        .route("/catalog/stats", get(stats_page))
        .route("/catalog/items/{id}", get(item_page))
        .route("/catalog/items/{id}/withdraw", post(withdraw))
        .route("/catalog/items/{id}/versions", post(open_version))
        .route("/catalog/versions/{id}", post(save))
        .route("/catalog/versions/{id}/{action}", post(action))
        .route("/catalog/diff", get(diff_page))
}

/// Status, problem list and banner message of a failed form (a 5xx is passed on as an error).
fn error_parts(
    err: Option<WebError>,
    c: &Caller,
) -> Result<(StatusCode, Vec<String>, Option<String>), WebError> {
    match err {
        Some(e) => {
            let p = problems_of(&e, c.tr().en());
            let code = e.status;
            Ok((code, p, Some(form_error(e, c.tr())?)))
        }
        None => Ok((StatusCode::OK, Vec::new(), None)),
    }
}

fn problems_of(e: &WebError, en: bool) -> Vec<String> {
    e.info
        .problems
        .iter()
        .map(|p| format!("{}：{}", p.field, if en { &p.en } else { &p.zh }))
        .collect()
}

#[derive(Template)]
#[template(path = "catalog_list.html")]
struct ListPage {
    l: Layout,
    rows: Vec<VersionSummary>,
    total: i64,
    new_json: String,
    problems: Vec<String>,
}

#[derive(Deserialize, Default)]
struct StatusQuery {
    status: Option<String>,
}

async fn list_view(
    st: &AppState,
    c: &Caller,
    status: Option<String>,
    new_json: String,
    err: Option<WebError>,
) -> Result<Response, WebError> {
    let f = filter_of(&ListQuery {
        status: status.clone(),
        ..Default::default()
    })?;
    let (rows, total) = catalog::staff_list(&st.app, &c.ctx(), &f, 0, 200).await?;
    let (code, problems, msg) = error_parts(err, c)?;
    let page = ListPage {
        l: Layout::new(c, &st.web.site_name, "/catalog", "catalog.title").with_error(msg),
        rows,
        total,
        new_json,
        problems,
    };
    Ok((code, render(&page)?).into_response())
}

async fn list_page(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Query(q): Query<StatusQuery>,
) -> Result<Response, WebError> {
    list_view(&st, &c, q.status, String::new(), None).await
}

#[derive(Deserialize)]
struct GuideForm {
    csrf: String,
    guide: String,
    #[serde(default)]
    edit_version: String,
}

fn parse_guide(text: &str) -> Result<ServiceGuide, WebError> {
    serde_json::from_str::<ServiceGuide>(text).map_err(|e| {
        WebError::from(AppError::Invalid(vec![Problem {
            field: format!("line {} column {}", e.line(), e.column()),
            zh: format!("JSON 格式或字段不符合办事指南要素：{e}"),
            en: format!("the JSON does not match the guide elements: {e}"),
        }]))
    })
}

async fn create(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Form(f): Form<GuideForm>,
) -> Result<Response, WebError> {
    c.check_csrf(&f.csrf)?;
    let r = async {
        let g = parse_guide(&f.guide)?;
        Ok::<_, WebError>(catalog::create(&st.app, &c.ctx(), g).await?)
    }
    .await;
    match r {
        Ok(v) => Ok(
            Redirect::to(&format!("/catalog/items/{}?saved=1", v.summary.item_id)).into_response(),
        ),
        Err(e) => list_view(&st, &c, None, f.guide, Some(e)).await,
    }
}

#[derive(Template)]
#[template(path = "catalog_item.html")]
struct ItemPage {
    l: Layout,
    item: ItemRow,
    versions: Vec<VersionSummary>,
    newest: VersionRow,
    json: String,
    problems: Vec<String>,
    can_review: bool,
}

#[derive(Deserialize)]
struct SavedQuery {
    saved: Option<String>,
}

async fn item_view(
    st: &AppState,
    c: &Caller,
    item_id: i64,
    json_override: Option<String>,
    flash: Option<String>,
    err: Option<WebError>,
) -> Result<Response, WebError> {
    let (item, versions) = catalog::history(&st.app, &c.ctx(), item_id).await?;
    let newest_id = versions.first().map(|v| v.id).ok_or(AppError::NotFound)?;
    let newest = catalog::get_version(&st.app, &c.ctx(), newest_id).await?;
    let json = match json_override {
        Some(j) => j,
        None => serde_json::to_string_pretty(&newest.guide().map_err(AppError::from)?)
            .unwrap_or_default(),
    };
    let (code, problems, msg) = error_parts(err, c)?;
    let can_review = c.user().is_some_and(|u| {
        u.grants
            .has(onewindow_domain::org::Permission::ReviewCatalog)
    });
    let mut l = Layout::new(
        c,
        &st.web.site_name,
        &format!("/catalog/items/{item_id}"),
        "catalog.title",
    )
    .with_error(msg)
    .with_flash(flash);
    l.title = newest.summary.name.clone();
    let page = ItemPage {
        l,
        item,
        versions,
        newest,
        json,
        problems,
        can_review,
    };
    Ok((code, render(&page)?).into_response())
}

async fn item_page(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Path(id): Path<i64>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, WebError> {
    let flash = q.saved.map(|_| c.tr().t("catalog.saved").to_string());
    item_view(&st, &c, id, None, flash, None).await
}

async fn save(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Path(version_id): Path<i64>,
    Form(f): Form<GuideForm>,
) -> Result<Response, WebError> {
    c.check_csrf(&f.csrf)?;
    let ctx = c.ctx();
    let v = catalog::get_version(&st.app, &ctx, version_id).await?;
    let item_id = v.summary.item_id;
    let r = async {
        let g = parse_guide(&f.guide)?;
        let ev: i64 = f.edit_version.trim().parse().map_err(|_| {
            WebError::bad_request(
                "invalid_field",
                Some("edit_version"),
                "版本号缺失，请刷新页面",
                "edit_version: missing; reload the page",
            )
        })?;
        catalog::save_draft(&st.app, &ctx, version_id, g, ev).await?;
        Ok::<_, WebError>(())
    }
    .await;
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/catalog/items/{item_id}?saved=1")).into_response()),
        Err(e) => item_view(&st, &c, item_id, Some(f.guide), None, Some(e)).await,
    }
}

#[derive(Deserialize)]
struct ActionForm {
    csrf: String,
    #[serde(default)]
    comment: String,
}

async fn after(
    st: &AppState,
    c: &Caller,
    item_id: i64,
    r: Result<(), WebError>,
) -> Result<Response, WebError> {
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/catalog/items/{item_id}?saved=1")).into_response()),
        Err(e) => item_view(st, c, item_id, None, None, Some(e)).await,
    }
}

async fn action(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Path((version_id, action)): Path<(i64, String)>,
    Form(f): Form<ActionForm>,
) -> Result<Response, WebError> {
    c.check_csrf(&f.csrf)?;
    let ctx = c.ctx();
    let v = catalog::get_version(&st.app, &ctx, version_id).await?;
    let comment = Some(f.comment.trim().to_string()).filter(|s| !s.is_empty());
    let r = match action.as_str() {
        "submit" => catalog::submit(&st.app, &ctx, version_id).await.map(|_| ()),
        "approve" => catalog::approve(&st.app, &ctx, version_id, comment)
            .await
            .map(|_| ()),
        "return" => {
            catalog::return_to_draft(&st.app, &ctx, version_id, comment.unwrap_or_default())
                .await
                .map(|_| ())
        }
        "publish" => catalog::publish(&st.app, &ctx, version_id)
            .await
            .map(|_| ()),
        _ => return Err(WebError::not_found()),
    };
    after(&st, &c, v.summary.item_id, r.map_err(WebError::from)).await
}

async fn withdraw(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Path(item_id): Path<i64>,
    Form(f): Form<ActionForm>,
) -> Result<Response, WebError> {
    c.check_csrf(&f.csrf)?;
    let r = catalog::withdraw(&st.app, &c.ctx(), item_id, f.comment)
        .await
        .map(|_| ());
    after(&st, &c, item_id, r.map_err(WebError::from)).await
}

async fn open_version(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Path(item_id): Path<i64>,
    Form(f): Form<ActionForm>,
) -> Result<Response, WebError> {
    c.check_csrf(&f.csrf)?;
    let r = catalog::open_new_version(&st.app, &c.ctx(), item_id)
        .await
        .map(|_| ());
    after(&st, &c, item_id, r.map_err(WebError::from)).await
}

#[derive(Deserialize)]
struct DiffQuery {
    a: i64,
    b: i64,
}

#[derive(Template)]
#[template(path = "catalog_diff.html")]
struct DiffPage {
    l: Layout,
    changes: Vec<(String, String, String)>,
    a: i64,
    b: i64,
}

async fn diff_page(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Query(q): Query<DiffQuery>,
) -> Result<Response, WebError> {
    let changes: Vec<FieldChange> = catalog::diff_versions(&st.app, &c.ctx(), q.a, q.b).await?;
    render(&DiffPage {
        l: Layout::new(&c, &st.web.site_name, "/catalog/diff", "catalog.changes"),
        changes: changes
            .into_iter()
            .map(|ch| (ch.path, ch.before.to_string(), ch.after.to_string()))
            .collect(),
        a: q.a,
        b: q.b,
    })
}

#[derive(Template)]
#[template(path = "catalog_stats.html")]
struct StatsPage {
    l: Layout,
    rows: Vec<(String, String, i64, i64, i64, i64)>,
    totals: (i64, i64, i64, i64, i64, i64),
}

async fn stats_page(State(st): State<AppState>, c: Caller) -> Result<Response, WebError> {
    let regions = onewindow_app::org::list_regions(&st.app).await?;
    let stats = catalog::public_stats(&st.app).await?;
    // One row per region: 鼓励允许 / 限制 / 禁止 items, and review standards.
    let mut rows: Vec<(String, String, i64, i64, i64, i64)> = Vec::new();
    let mut totals = (0, 0, 0, 0, 0, 0);
    for s in &stats {
        let name = regions
            .iter()
            .find(|r| r.code == s.region_code)
            .map(|r| r.name.clone())
            .unwrap_or_else(|| s.region_code.clone());
        if !rows.iter().any(|r| r.0 == s.region_code) {
            rows.push((s.region_code.clone(), name, 0, 0, 0, 0));
        }
        if let Some(r) = rows.iter_mut().find(|r| r.0 == s.region_code) {
            match s.discretion.as_str() {
                "encouraged" => r.2 += s.items,
                "restricted" => r.3 += s.items,
                _ => r.4 += s.items,
            }
            r.5 += s.technical + s.expert + s.inspection;
        }
        match s.discretion.as_str() {
            "encouraged" => totals.0 += s.items,
            "restricted" => totals.1 += s.items,
            _ => totals.2 += s.items,
        }
        totals.3 += s.technical;
        totals.4 += s.expert;
        totals.5 += s.inspection;
    }
    render(&StatsPage {
        l: Layout::new(&c, &st.web.site_name, "/catalog/stats", "catalog.stats"),
        rows,
        totals,
    })
}
