//! The public service-guide portal (办事指南), its print view and DOCX, and the kiosk view.
//! Everything here reads through `catalog::public_*`: only published versions exist for it.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use onewindow_app::catalog::{self, VersionRow, VersionSummary};
use onewindow_app::search::search_catalog;
use onewindow_domain::catalog::{Hall, MaterialSource, ServiceGuide};
use serde::Deserialize;

use crate::AppState;
use crate::api::catalog::{ListQuery, filter_of, search_filters};
use crate::caller::Caller;
use crate::error::{Path, Query, WebError};
use crate::i18n::Tr;
use crate::pages::layout::Layout;
use crate::pages::render;

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/guide", get(home))
        .route("/guide/items", get(list))
        .route("/guide/search", get(search))
        .route("/guide/items/{id}", get(item))
        .route("/guide/items/{id}/print", get(print))
        .route("/guide/items/{id}/guide.docx", get(docx))
        .route("/kiosk", get(kiosk_home))
        .route("/kiosk/items", get(kiosk_list))
        .route("/kiosk/items/{id}", get(kiosk_item))
}

/// A hall with its item count.
pub struct HallCount {
    /// Machine name.
    pub key: &'static str,
    /// Chinese name.
    pub name: &'static str,
    /// Published items.
    pub count: i64,
}

async fn hall_counts(st: &AppState) -> Result<(Vec<HallCount>, Vec<(String, i64)>), WebError> {
    let (halls, events) = catalog::public_facets(&st.app).await?;
    let counts = Hall::ALL
        .iter()
        .map(|h| HallCount {
            key: h.as_str(),
            name: h.zh(),
            count: halls
                .iter()
                .find(|(k, _)| k == h.as_str())
                .map(|(_, n)| *n)
                .unwrap_or(0),
        })
        .collect();
    Ok((counts, events))
}

#[derive(Template)]
#[template(path = "guide_home.html")]
struct HomePage {
    l: Layout,
    halls: Vec<HallCount>,
    events: Vec<(String, i64)>,
    departments: Vec<(i64, String)>,
}

async fn home(State(st): State<AppState>, c: Caller) -> Result<Response, WebError> {
    let (halls, events) = hall_counts(&st).await?;
    let departments = onewindow_app::org::list_departments(&st.app, None)
        .await?
        .into_iter()
        .map(|d| (d.id, d.name))
        .collect();
    render(&HomePage {
        l: Layout::new(&c, &st.web.site_name, "/guide", "guide.title"),
        halls,
        events,
        departments,
    })
}

/// A row in a list of items.
pub struct ItemLine {
    /// Item id.
    pub id: i64,
    /// Name (HTML-escaped by the template unless `name_html` is set).
    pub name: String,
    /// Highlighted name (search), already escaped HTML.
    pub name_html: Option<String>,
    /// Snippet (search), already escaped HTML.
    pub snippet_html: Option<String>,
    /// Department.
    pub department: String,
    /// Hall (Chinese).
    pub hall: String,
    /// Level, in the page's language.
    pub level: String,
    /// 承诺时限.
    pub promised_days: i64,
}

fn line(tr: Tr, v: &VersionSummary) -> ItemLine {
    ItemLine {
        id: v.item_id,
        name: v.name.clone(),
        name_html: None,
        snippet_html: None,
        department: v.department.clone(),
        hall: Hall::parse(&v.hall)
            .map(|h| h.zh())
            .unwrap_or("")
            .to_string(),
        level: v
            .level
            .parse::<onewindow_domain::region::AdminLevel>()
            .map(|l| tr.code("guide.level", l.as_str()))
            .unwrap_or_default(),
        promised_days: v.promised_days,
    }
}

#[derive(Template)]
#[template(path = "guide_list.html")]
struct ListPage {
    l: Layout,
    items: Vec<ItemLine>,
    total: i64,
    q: String,
    prev: Option<String>,
    next: Option<String>,
}

#[derive(Deserialize, Default)]
struct PageQuery {
    hall: Option<String>,
    department: Option<i64>,
    level: Option<String>,
    event: Option<String>,
    page: Option<i64>,
}

const PER_PAGE: i64 = 20;

fn page_links(base: &str, page: i64, total: i64) -> (Option<String>, Option<String>) {
    let sep = if base.contains('?') { '&' } else { '?' };
    let prev = (page > 1).then(|| format!("{base}{sep}page={}", page - 1));
    let next = (page * PER_PAGE < total).then(|| format!("{base}{sep}page={}", page + 1));
    (prev, next)
}

fn list_heading(tr: Tr, q: &PageQuery, depts: &[(i64, String)]) -> String {
    let mut parts = Vec::new();
    if let Some(h) = q.hall.as_deref().and_then(Hall::parse) {
        parts.push(h.zh().to_string());
    }
    if let Some(e) = &q.event {
        parts.push(e.clone());
    }
    if let Some(l) = q
        .level
        .as_deref()
        .and_then(|l| l.parse::<onewindow_domain::region::AdminLevel>().ok())
    {
        parts.push(tr.code("guide.by_level", l.as_str()));
    }
    if let Some(d) = q.department.and_then(|d| depts.iter().find(|x| x.0 == d)) {
        parts.push(d.1.clone());
    }
    if parts.is_empty() {
        tr.t("guide.list").to_string()
    } else {
        parts.join(" · ")
    }
}

async fn list(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<PageQuery>,
) -> Result<Response, WebError> {
    let f = filter_of(&ListQuery {
        hall: q.hall.clone(),
        department: q.department,
        level: q.level.clone(),
        event: q.event.clone(),
        ..Default::default()
    })?;
    let page = q.page.unwrap_or(1).max(1);
    let (rows, total) = catalog::public_list(&st.app, &f, (page - 1) * PER_PAGE, PER_PAGE).await?;
    let depts: Vec<(i64, String)> = onewindow_app::org::list_departments(&st.app, None)
        .await?
        .into_iter()
        .map(|d| (d.id, d.name))
        .collect();
    let mut base = String::from("/guide/items?");
    for (k, v) in [
        ("hall", q.hall.clone()),
        ("level", q.level.clone()),
        ("event", q.event.clone()),
        ("department", q.department.map(|d| d.to_string())),
    ] {
        if let Some(v) = v {
            base.push_str(&format!("{k}={}&", crate::caller::urlencode(&v)));
        }
    }
    let base = base.trim_end_matches(['&', '?']).to_string();
    let (prev, next) = page_links(&base, page, total);
    let mut l = Layout::new(&c, &st.web.site_name, "/guide/items", "guide.list");
    l.title = list_heading(c.tr(), &q, &depts);
    render(&ListPage {
        l,
        items: rows.iter().map(|r| line(c.tr(), r)).collect(),
        total,
        q: String::new(),
        prev,
        next,
    })
}

#[derive(Deserialize)]
struct SearchQuery {
    #[serde(default)]
    q: String,
    hall: Option<String>,
    level: Option<String>,
    event: Option<String>,
    page: Option<i64>,
}

async fn search(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<SearchQuery>,
) -> Result<Response, WebError> {
    let filters = search_filters(q.hall.as_deref(), q.level.as_deref(), q.event.as_deref())?;
    let page = q.page.unwrap_or(1).max(1);
    let r = search_catalog(
        &st.app,
        &q.q,
        filters,
        ((page - 1) * PER_PAGE) as usize,
        PER_PAGE as usize,
    )
    .await?;
    let base = format!("/guide/search?q={}", crate::caller::urlencode(&q.q));
    let total = r.total as i64;
    let (prev, next) = page_links(&base, page, total);
    let items = r
        .hits
        .into_iter()
        .map(|h| ItemLine {
            id: h.id,
            name: h.title,
            name_html: Some(h.title_html),
            snippet_html: Some(h.snippet_html),
            department: String::new(),
            hall: String::new(),
            level: String::new(),
            promised_days: -1,
        })
        .collect();
    let l = Layout::new(&c, &st.web.site_name, "/guide/search", "guide.results");
    render(&ListPage {
        l,
        items,
        total,
        q: q.q,
        prev,
        next,
    })
}

/// Material rows with their source in words.
pub struct MaterialLine {
    /// The material.
    pub m: onewindow_domain::catalog::Material,
    /// Source described.
    pub source: String,
}

fn materials(g: &ServiceGuide, tr: Tr) -> Vec<MaterialLine> {
    g.materials
        .iter()
        .map(|m| MaterialLine {
            source: match &m.source {
                MaterialSource::Applicant => tr.t("guide.src.applicant").to_string(),
                MaterialSource::Department { name } => {
                    format!(
                        "{}{}{name}",
                        tr.t("guide.src.department"),
                        tr.pick("：", ": ")
                    )
                }
                MaterialSource::License { license_type_code } => format!(
                    "{}{}{license_type_code}{}",
                    tr.t("guide.src.license"),
                    tr.pick("（", " ("),
                    tr.pick("）", ")")
                ),
            },
            m: m.clone(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "guide_item.html")]
struct ItemPage {
    l: Layout,
    v: VersionRow,
    g: ServiceGuide,
    materials: Vec<MaterialLine>,
    published: String,
    print_mode: bool,
}

fn item_page(
    st: &AppState,
    c: &Caller,
    v: VersionRow,
    g: ServiceGuide,
    print_mode: bool,
) -> Result<Response, WebError> {
    let path = format!("/guide/items/{}", v.summary.item_id);
    let mut l = Layout::new(c, &st.web.site_name, &path, "guide.title");
    l.title = g.name.clone();
    let published = v
        .summary
        .published_at
        .map(onewindow_app::auth::cst_date)
        .unwrap_or_default();
    render(&ItemPage {
        materials: materials(&g, c.tr()),
        l,
        v,
        g,
        published,
        print_mode,
    })
}

async fn item(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let (v, g) = catalog::public_item(&st.app, id).await?;
    item_page(&st, &c, v, g, false)
}

async fn print(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let (v, g) = catalog::public_item(&st.app, id).await?;
    item_page(&st, &c, v, g, true)
}

async fn docx(State(st): State<AppState>, Path(id): Path<i64>) -> Result<Response, WebError> {
    let (v, g) = catalog::public_item(&st.app, id).await?;
    let meta = onewindow_documents::GuideMeta {
        site_name: st.web.site_name.to_string(),
        version: v.summary.version,
        published_at: v.summary.published_at.map(onewindow_app::auth::cst_date),
        url: format!("{}/guide/items/{id}", st.web.public_url),
    };
    let bytes = onewindow_documents::guide_docx(&g, &meta)
        .map_err(|e| onewindow_app::AppError::Unexpected(anyhow::anyhow!("docx: {e}")))?;
    let filename = format!("guide-{id}-v{}.docx", v.summary.version);
    Ok(crate::pages::attachment(
        crate::pages::DOCX,
        &filename,
        bytes,
    ))
}

#[derive(Template)]
#[template(path = "kiosk_home.html")]
struct KioskHome {
    l: Layout,
    halls: Vec<HallCount>,
}

async fn kiosk_home(State(st): State<AppState>, c: Caller) -> Result<Response, WebError> {
    let (halls, _) = hall_counts(&st).await?;
    render(&KioskHome {
        l: Layout::new(&c, &st.web.site_name, "/kiosk", "kiosk.title"),
        halls,
    })
}

#[derive(Template)]
#[template(path = "kiosk_list.html")]
struct KioskList {
    l: Layout,
    items: Vec<ItemLine>,
}

async fn kiosk_list(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<PageQuery>,
) -> Result<Response, WebError> {
    let f = filter_of(&ListQuery {
        hall: q.hall.clone(),
        event: q.event.clone(),
        ..Default::default()
    })?;
    let (rows, _) = catalog::public_list(&st.app, &f, 0, 200).await?;
    let mut l = Layout::new(&c, &st.web.site_name, "/kiosk/items", "kiosk.title");
    if let Some(h) = q.hall.as_deref().and_then(Hall::parse) {
        l.title = h.zh().to_string();
    }
    render(&KioskList {
        l,
        items: rows.iter().map(|r| line(c.tr(), r)).collect(),
    })
}

#[derive(Template)]
#[template(path = "kiosk_item.html")]
struct KioskItem {
    l: Layout,
    g: ServiceGuide,
    id: i64,
    materials: Vec<MaterialLine>,
}

async fn kiosk_item(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let (v, g) = catalog::public_item(&st.app, id).await?;
    let mut l = Layout::new(
        &c,
        &st.web.site_name,
        &format!("/kiosk/items/{id}"),
        "kiosk.title",
    );
    l.title = g.name.clone();
    render(&KioskItem {
        materials: materials(&g, c.tr()),
        l,
        g,
        id: v.summary.item_id,
    })
}
