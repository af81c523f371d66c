//! The annual report page (政府信息公开工作年度报告): pick a body and a year; see the report in
//! its official format with every figure linked to the records behind it (or to the source of a
//! hand-entered figure), the consistency findings, forms for hand-entered figures and the
//! narrative, downloads (HTML, DOCX, XLSX, PDF), and publication through the review workflow.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use onewindow_app::reports::{self, AnnualReport, Body, RecordLine};
use onewindow_domain::report::{Finding, GridCell, Narrative};
use serde::Deserialize;

use crate::AppState;
use crate::caller::{Caller, StaffPage};
use crate::error::{Form, Query, WebError};
use crate::pages::layout::Layout;
use crate::pages::{Fields, bad, field, form_error, render};

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reports/annual", get(page))
        .route("/reports/annual/records", get(records_page))
        .route("/reports/annual/download", get(download))
        .route("/reports/annual/figure", post(set_figure))
        .route("/reports/annual/narrative", post(set_narrative))
        .route("/reports/annual/publish", post(publish))
}

#[derive(Deserialize, Default)]
struct ReportQuery {
    body: Option<String>,
    year: Option<String>,
}

fn year_of(s: Option<&str>, default: i32) -> Result<i32, WebError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(y) => y
            .parse()
            .map_err(|_| bad("year", "年份应为四位数字", "year: four digits")),
    }
}

/// A table for the template: rows of cells that start in that row.
pub struct GridView {
    /// Heading of the section it belongs to.
    pub rows: Vec<Vec<GridCell>>,
}

/// A section for the template.
pub struct SectionView {
    /// Heading.
    pub heading: String,
    /// Paragraphs.
    pub paragraphs: Vec<String>,
    /// Table.
    pub grid: Option<GridView>,
}

#[derive(Template)]
#[template(path = "report_annual.html")]
struct ReportPage {
    l: Layout,
    bodies: Vec<(String, String)>,
    body: String,
    year: i32,
    report: Option<AnnualReport>,
    title: String,
    preface: String,
    sections: Vec<SectionView>,
    hard: Vec<Finding>,
    soft: Vec<Finding>,
    manual_keys: Vec<(&'static str, &'static str)>,
    narrative: Narrative,
    format: &'static str,
}

impl ReportPage {
    fn is_link(&self, s: &Option<String>) -> bool {
        s.as_deref().is_some_and(|s| s.starts_with('/'))
    }
    fn note<'a>(&self, s: &'a Option<String>) -> &'a str {
        s.as_deref().filter(|s| !s.starts_with('/')).unwrap_or("")
    }
}

async fn bodies(st: &AppState, tr: crate::i18n::Tr) -> Result<Vec<(String, String)>, WebError> {
    let mut out = Vec::new();
    for r in onewindow_app::org::list_regions(&st.app).await? {
        if matches!(r.level.as_str(), "city" | "county") {
            out.push((
                format!("region:{}", r.code),
                format!("{}{}", r.name, tr.pick("（全地区汇总）", " (whole region)")),
            ));
        }
    }
    for d in onewindow_app::org::list_departments(&st.app, None).await? {
        out.push((d.id.to_string(), d.name));
    }
    Ok(out)
}

async fn view(
    st: &AppState,
    c: &Caller,
    q: &ReportQuery,
    err: Option<WebError>,
) -> Result<Response, WebError> {
    let ctx = c.ctx();
    let default_year = chrono::Datelike::year(&st.app.today()) - 1;
    let year = year_of(q.year.as_deref(), default_year)?;
    let (code, msg) = match err {
        Some(e) => (e.status, Some(form_error(e, c.tr())?)),
        None => (StatusCode::OK, None),
    };
    let l = Layout::new(c, &st.web.site_name, "/reports/annual", "report.title").with_error(msg);
    let all = bodies(st, c.tr()).await?;
    let mut page = ReportPage {
        l,
        bodies: all,
        body: q.body.clone().unwrap_or_default(),
        year,
        report: None,
        title: String::new(),
        preface: String::new(),
        sections: Vec::new(),
        hard: Vec::new(),
        soft: Vec::new(),
        manual_keys: Vec::new(),
        narrative: Narrative::default(),
        format: "",
    };
    if let Some(key) = q.body.as_deref().filter(|b| !b.trim().is_empty()) {
        let body = reports::resolve_body(&st.app, key).await?;
        let r = reports::build(&st.app, &ctx, &body, year).await?;
        let doc = reports::document(&st.app, &r);
        page.title = doc.title.clone();
        page.preface = doc.preface.clone();
        page.sections = doc
            .sections
            .into_iter()
            .map(|s| SectionView {
                heading: s.heading,
                paragraphs: s.paragraphs,
                grid: s.grid.map(|g| GridView {
                    rows: (0..g.rows)
                        .map(|r| g.cells.iter().filter(|c| c.row == r).cloned().collect())
                        .collect(),
                }),
            })
            .collect();
        page.hard = r.findings.iter().filter(|f| f.hard).cloned().collect();
        page.soft = r.findings.iter().filter(|f| !f.hard).cloned().collect();
        page.manual_keys = reports::manual_keys(r.figures.format);
        page.narrative = r.narrative.clone();
        page.format = r.figures.format.zh();
        page.body = body.key();
        page.report = Some(r);
    } else {
        ctx.require_any(onewindow_domain::org::Permission::DraftDisclosure)
            .or_else(|_| ctx.require_any(onewindow_domain::org::Permission::ViewAnalytics))
            .or_else(|_| ctx.require_any(onewindow_domain::org::Permission::ReviewDisclosure))
            .or_else(|_| {
                ctx.require_any(onewindow_domain::org::Permission::HandleDisclosureRequests)
            })?;
    }
    Ok((code, render(&page)?).into_response())
}

async fn page(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Query(q): Query<ReportQuery>,
) -> Result<Response, WebError> {
    view(&st, &c, &q, None).await
}

#[derive(Deserialize)]
struct RecordsQuery {
    body: String,
    year: i32,
    cell: String,
}

#[derive(Template)]
#[template(path = "report_records.html")]
struct RecordsPage {
    l: Layout,
    lines: Vec<RecordLine>,
    back: String,
}

async fn records_page(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Query(q): Query<RecordsQuery>,
) -> Result<Response, WebError> {
    let body = reports::resolve_body(&st.app, &q.body).await?;
    let lines = reports::records(&st.app, &c.ctx(), &body, q.year, &q.cell).await?;
    let mut l = Layout::new(&c, &st.web.site_name, "/reports/annual", "report.records");
    l.title = format!("{} · {} {} · {}", l.title, body.name(), q.year, q.cell);
    render(&RecordsPage {
        l,
        lines,
        back: format!(
            "/reports/annual?body={}&year={}",
            crate::caller::urlencode(&body.key()),
            q.year
        ),
    })
}

#[derive(Deserialize)]
struct DownloadQuery {
    body: String,
    year: i32,
    format: String,
}

async fn download(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Query(q): Query<DownloadQuery>,
) -> Result<Response, WebError> {
    let body = reports::resolve_body(&st.app, &q.body).await?;
    let r = reports::build(&st.app, &c.ctx(), &body, q.year).await?;
    let doc = reports::document(&st.app, &r);
    let name = format!("annual-report-{}-{}", body.key().replace(':', "-"), q.year);
    let doc_err = |e: onewindow_documents::DocumentError| {
        WebError::from(onewindow_app::AppError::Unexpected(anyhow::anyhow!("{e}")))
    };
    Ok(match q.format.as_str() {
        "html" => (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            reports::html(&doc),
        )
            .into_response(),
        "docx" => crate::pages::attachment(
            crate::pages::DOCX,
            &format!("{name}.docx"),
            onewindow_documents::report_docx(&doc).map_err(doc_err)?,
        ),
        "xlsx" => crate::pages::attachment(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            &format!("{name}.xlsx"),
            onewindow_documents::report_xlsx(&doc).map_err(doc_err)?,
        ),
        "pdf" => {
            let fonts = reports::load_fonts()?;
            crate::pages::attachment(
                "application/pdf",
                &format!("{name}.pdf"),
                onewindow_documents::report_pdf(&doc, fonts).map_err(doc_err)?,
            )
        }
        _ => {
            return Err(bad(
                "format",
                "格式应为 html、docx、xlsx 或 pdf",
                "format: html, docx, xlsx or pdf",
            ));
        }
    })
}

fn target(f: &Fields) -> Result<(String, i32), WebError> {
    let body = field(f, "body").to_owned();
    let year = year_of(Some(field(f, "year")), 0)?;
    Ok((body, year))
}

fn back(body: &str, year: i32) -> Response {
    Redirect::to(&format!(
        "/reports/annual?body={}&year={year}",
        crate::caller::urlencode(body)
    ))
    .into_response()
}

/// The report page again with the problem of a failed form shown on it.
async fn view_with_error(
    st: &AppState,
    c: &Caller,
    body: String,
    year: i32,
    e: WebError,
) -> Result<Response, WebError> {
    let q = ReportQuery {
        body: Some(body),
        year: Some(year.to_string()),
    };
    view(st, c, &q, Some(e)).await
}

async fn resolve(st: &AppState, body: &str) -> Result<Body, WebError> {
    Ok(reports::resolve_body(&st.app, body).await?)
}

async fn set_figure(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    c.check_csrf(field(&f, "csrf"))?;
    let (body_key, year) = target(&f)?;
    let r = async {
        let body = resolve(&st, &body_key).await?;
        let value = match field(&f, "value") {
            "" => None,
            v => Some(v.parse::<i64>().map_err(|_| {
                bad(
                    "value",
                    "数值应为整数（金额以元为单位）",
                    "value: a whole number (yuan for amounts)",
                )
            })?),
        };
        reports::set_figure(
            &st.app,
            &c.ctx(),
            &body,
            year,
            field(&f, "key"),
            value,
            field(&f, "source"),
        )
        .await?;
        Ok::<_, WebError>(())
    }
    .await;
    match r {
        Ok(()) => Ok(back(&body_key, year)),
        Err(e) => view_with_error(&st, &c, body_key, year, e).await,
    }
}

async fn set_narrative(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    c.check_csrf(field(&f, "csrf"))?;
    let (body_key, year) = target(&f)?;
    let r = async {
        let body = resolve(&st, &body_key).await?;
        let n = Narrative {
            overview: f.get("overview").cloned().unwrap_or_default(),
            problems: f.get("problems").cloned().unwrap_or_default(),
            other: f.get("other").cloned().unwrap_or_default(),
        };
        let expected = field(&f, "version").parse().unwrap_or(0);
        reports::set_narrative(&st.app, &c.ctx(), &body, year, expected, n).await?;
        Ok::<_, WebError>(())
    }
    .await;
    match r {
        Ok(()) => Ok(back(&body_key, year)),
        Err(e) => view_with_error(&st, &c, body_key, year, e).await,
    }
}

async fn publish(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    c.check_csrf(field(&f, "csrf"))?;
    let (body_key, year) = target(&f)?;
    let r = async {
        let body = resolve(&st, &body_key).await?;
        Ok::<_, WebError>(reports::publish(&st.app, &c.ctx(), &body, year).await?)
    }
    .await;
    match r {
        Ok(id) => Ok(Redirect::to(&format!("/xxgk/admin/{id}")).into_response()),
        Err(e) => view_with_error(&st, &c, body_key, year, e).await,
    }
}
