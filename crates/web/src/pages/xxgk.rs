//! The 政府信息公开 column. Public: the list at `/xxgk/` (newest first, 20 a page, filters by
//! column, body, year and validity), the catalogue tree (公开指南 · 公开制度 · 法定主动公开内容 ·
//! 年报), item pages with their metadata, print view, attachments, Chinese full-text search, the
//! withdrawal notices, the Atom feed and the sitemap — all read through `items::public_*`, so
//! only reviewed, published, proactively disclosed items exist for them. Staff: the officer's
//! desk (drafts, review queue, scheduled, emergency publications awaiting approval, deadline
//! dashboard), the editor, and the item page with every workflow action.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use onewindow_app::AppError;
use onewindow_app::items::{
    self, Desk, ItemView, PublicFilter, PublicItem, PublicRow, VersionRow, WithdrawnRow,
};
use onewindow_domain::disclosure::item::{
    Attribute, ChangeSize, Column, DeadlineLevel, Genre, ItemContent, Validity, Verdict,
};
use serde::Deserialize;

use crate::AppState;
use crate::api::disclosure::{list_filter, search_filters};
use crate::caller::{Caller, StaffPage};
use crate::error::{Form, Path, Query, WebError};
use crate::i18n::Tr;
use crate::pages::applicant::{multipart_error, read_parts};
use crate::pages::layout::Layout;
use crate::pages::{Fields, bad, field, form_error, opt, render};

const PER_PAGE: i64 = 20;
/// Largest attachment upload (the use case checks 20 MB; the form adds a little).
const UPLOAD_LIMIT: usize = 21 * 1024 * 1024;
/// Cached public pages kept at most.
const CACHE_PAGES: usize = 2048;

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/xxgk", get(|| async { Redirect::permanent("/xxgk/") }))
        .route("/xxgk/", get(list_page))
        .route("/xxgk/search", get(search_page))
        .route("/xxgk/guide", get(guide_page))
        .route("/xxgk/withdrawn", get(withdrawn_page))
        .route("/xxgk/feed.atom", get(feed))
        .route("/sitemap.xml", get(sitemap))
        .route("/xxgk/{id}", get(item_page))
        .route("/xxgk/{id}/print", get(print_page))
        .route("/xxgk/{id}/files/{aid}", get(public_file))
        .route("/xxgk/admin", get(desk_page))
        .route("/xxgk/admin/new", get(new_page).post(create))
        .route("/xxgk/admin/{id}", get(staff_item_page))
        .route("/xxgk/admin/{id}/edit", get(edit_page).post(edit_submit))
        .route(
            "/xxgk/admin/{id}/attachments",
            post(upload).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/xxgk/admin/{id}/files/{aid}", get(staff_file))
        .route("/xxgk/admin/{id}/{action}", post(action))
}

// ---------------------------------------------------------------------------------------------
// Labels.

// The Atom feed is Chinese (`column_zh`); pages label codes in their own language by the
// `xxgk.*` keys of the locale files.
fn column_zh(k: &str) -> &'static str {
    Column::parse(k).map(|c| c.zh()).unwrap_or("")
}
fn column_label(tr: Tr, k: &str) -> String {
    tr.code("xxgk.column", k)
}
fn validity_label(tr: Tr, k: &str) -> String {
    tr.code("xxgk.validity", k)
}
fn genre_label(tr: Tr, k: &str) -> String {
    tr.code("xxgk.genre", k)
}
fn attribute_label(tr: Tr, k: &str) -> String {
    tr.code("xxgk.attribute", k)
}
fn state_label(tr: Tr, k: &str) -> String {
    tr.code("xxgk.state", k)
}
fn cst(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(onewindow_app::auth::cst_date).unwrap_or_default()
}
fn cst_time(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(|t| {
        (t + chrono::Duration::hours(8))
            .format("%Y-%m-%d %H:%M")
            .to_string()
    })
    .unwrap_or_default()
}

/// One entry of the catalogue tree.
pub struct TreeEntry {
    /// Column machine name.
    pub key: &'static str,
    /// Label.
    pub name: String,
}

fn tree(tr: Tr) -> (Vec<TreeEntry>, Vec<TreeEntry>) {
    let entry = |c: &Column| TreeEntry {
        key: c.as_str(),
        name: column_label(tr, c.as_str()),
    };
    (
        Column::ALL
            .iter()
            .filter(|c| !c.is_statutory_content())
            .map(entry)
            .collect(),
        Column::ALL
            .iter()
            .filter(|c| c.is_statutory_content())
            .map(entry)
            .collect(),
    )
}

// ---------------------------------------------------------------------------------------------
// Public cache: pages that do not depend on the caller, keyed by URL and language, valid while
// the disclosure change cursor has not moved.

fn cached(st: &AppState, key: &str) -> Option<axum::body::Bytes> {
    let cursor = items::cursor(&st.app);
    let mut cache = st.disclosure_pages.lock().ok()?;
    cache.tick += 1;
    let tick = cache.tick;
    let entry = cache.pages.get_mut(key).filter(|(c, _, _)| *c == cursor)?;
    entry.2 = tick;
    Some(entry.1.clone())
}

fn remember(st: &AppState, key: String, cursor: i64, body: String) -> axum::body::Bytes {
    let body = axum::body::Bytes::from(body);
    if let Ok(mut cache) = st.disclosure_pages.lock() {
        if cache.pages.len() >= CACHE_PAGES {
            cache.pages.retain(|_, (c, _, _)| *c == cursor);
        }
        if cache.pages.len() >= CACHE_PAGES {
            // Least recently used half goes; the hot pages (the column's first page) stay.
            let mut uses: Vec<u64> = cache.pages.values().map(|(_, _, u)| *u).collect();
            uses.sort_unstable();
            let cut = uses[uses.len() / 2];
            cache.pages.retain(|_, (_, _, u)| *u > cut);
        }
        cache.tick += 1;
        let tick = cache.tick;
        cache.pages.insert(key, (cursor, body.clone(), tick));
    }
    body
}

fn html(body: axum::body::Bytes) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

/// Serve a public page from the cache, or build, cache and serve it. Staff callers (whose
/// header shows their name) bypass the cache. Concurrent misses of one page wait for the first
/// builder rather than all querying the database at once.
async fn public_cached<F, Fut>(
    st: &AppState,
    c: &Caller,
    key: String,
    build: F,
) -> Result<Response, WebError>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<String, WebError>>,
{
    let key = format!("{}|{key}", c.tr().lang.tag());
    if c.staff.is_some() {
        return Ok(Html(build().await?).into_response());
    }
    if let Some(body) = cached(st, &key) {
        return Ok(html(body));
    }
    let stripe = {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        key.hash(&mut h);
        (h.finish() % 16) as usize
    };
    let _building = st.page_builders[stripe].lock().await;
    if let Some(body) = cached(st, &key) {
        return Ok(html(body));
    }
    let cursor = items::cursor(&st.app);
    let body = build().await?;
    Ok(html(remember(st, key, cursor, body)))
}

fn render_string<T: Template>(t: &T) -> Result<String, WebError> {
    t.render()
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("template: {e}")).into())
}

// ---------------------------------------------------------------------------------------------
// Public list and search.

/// A line of a public list.
pub struct Line {
    /// Item id.
    pub id: i64,
    /// 索引号.
    pub index_no: String,
    /// Title (plain).
    pub title: String,
    /// Highlighted title (search; escaped HTML).
    pub title_html: Option<String>,
    /// Snippet (search; escaped HTML).
    pub snippet_html: Option<String>,
    /// 文号.
    pub doc_number: String,
    /// 发布机构.
    pub issuing_body: String,
    /// Column label.
    pub column: String,
    /// Validity label, when not valid.
    pub validity: Option<String>,
    /// 发布日期.
    pub published: String,
}

fn line(tr: Tr, r: &PublicRow) -> Line {
    Line {
        id: r.item_id,
        index_no: r.index_no.clone().unwrap_or_default(),
        title: r.title.clone(),
        title_html: None,
        snippet_html: None,
        doc_number: r.doc_number.clone(),
        issuing_body: r.issuing_body.clone(),
        column: column_label(tr, &r.column_key),
        validity: (r.validity != "valid").then(|| validity_label(tr, &r.validity)),
        published: cst(r.published_at),
    }
}

#[derive(Template)]
#[template(path = "xxgk_list.html")]
struct ListPage {
    l: Layout,
    lines: Vec<Line>,
    total: i64,
    q: String,
    search: bool,
    fixed: Vec<TreeEntry>,
    statutory: Vec<TreeEntry>,
    column: String,
    year: String,
    validity: String,
    department: String,
    years: Vec<i32>,
    departments: Vec<(i64, String)>,
    validities: Vec<(&'static str, String)>,
    prev: Option<String>,
    next: Option<String>,
    page: i64,
    pages: i64,
}

#[derive(Deserialize, Default)]
struct ListQuery {
    column: Option<String>,
    year: Option<String>,
    validity: Option<String>,
    department: Option<String>,
    page: Option<i64>,
    #[serde(default)]
    q: String,
}

impl ListQuery {
    fn year(&self) -> Result<Option<i32>, WebError> {
        match self
            .year
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => Ok(None),
            Some(y) => y
                .parse()
                .map(Some)
                .map_err(|_| bad("year", "年份不正确", "year: a four-digit year")),
        }
    }
    fn department(&self) -> Result<Option<i64>, WebError> {
        match self
            .department
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => Ok(None),
            Some(d) => d
                .parse()
                .map(Some)
                .map_err(|_| bad("department", "发布机构不正确", "department: an id")),
        }
    }
    fn link(&self, path: &str, page: i64) -> String {
        let mut parts = Vec::new();
        if !self.q.is_empty() {
            parts.push(format!("q={}", crate::caller::urlencode(&self.q)));
        }
        for (k, v) in [
            ("column", &self.column),
            ("year", &self.year),
            ("validity", &self.validity),
            ("department", &self.department),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                parts.push(format!("{k}={}", crate::caller::urlencode(v)));
            }
        }
        if page > 1 {
            parts.push(format!("page={page}"));
        }
        if parts.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{}", parts.join("&"))
        }
    }
}

async fn list_shell(
    st: &AppState,
    c: &Caller,
    q: &ListQuery,
    search: bool,
) -> Result<ListPage, WebError> {
    let departments = onewindow_app::org::list_departments(&st.app, None)
        .await?
        .into_iter()
        .map(|d| (d.id, d.name))
        .collect();
    let this_year = chrono::Datelike::year(&st.app.today());
    let (fixed, statutory) = tree(c.tr());
    let path = if search { "/xxgk/search" } else { "/xxgk/" };
    let mut l = Layout::new(c, &st.web.site_name, path, "xxgk.title");
    if let Some(col) = q.column.as_deref().and_then(Column::parse) {
        l.title = format!("{} · {}", l.title, column_label(c.tr(), col.as_str()));
    }
    if search {
        l.title = c
            .tr()
            .pick("政府信息检索", "Search government information")
            .to_owned();
    }
    Ok(ListPage {
        l,
        lines: Vec::new(),
        total: 0,
        q: q.q.clone(),
        search,
        fixed,
        statutory,
        column: q.column.clone().unwrap_or_default(),
        year: q.year.clone().unwrap_or_default(),
        validity: q.validity.clone().unwrap_or_default(),
        department: q.department.clone().unwrap_or_default(),
        years: (this_year - 9..=this_year).rev().collect(),
        departments,
        validities: c
            .tr()
            .options("xxgk.validity", Validity::ALL.iter().map(|v| v.as_str())),
        prev: None,
        next: None,
        page: 1,
        pages: 1,
    })
}

fn pager(p: &mut ListPage, q: &ListQuery, path: &str, page: i64, total: i64) {
    p.page = page;
    p.pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
    p.prev = (page > 1).then(|| q.link(path, page - 1));
    p.next = (page * PER_PAGE < total).then(|| q.link(path, page + 1));
}

async fn list_page(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let key = q.link("/xxgk/", q.page.unwrap_or(1));
    let st2 = st.clone();
    let c2 = c.clone();
    public_cached(&st, &c, key, move || async move {
        let (st, c) = (st2, c2);
        let mut f: PublicFilter =
            list_filter(q.column.as_deref(), q.year()?, q.validity.as_deref())?;
        f.department = q.department()?.map(Some);
        let page = q.page.unwrap_or(1).clamp(1, 100_000);
        let (rows, total) =
            items::public_list(&st.app, &f, (page - 1) * PER_PAGE, PER_PAGE).await?;
        let mut p = list_shell(&st, &c, &q, false).await?;
        p.lines = rows.iter().map(|r| line(c.tr(), r)).collect();
        p.total = total;
        pager(&mut p, &q, "/xxgk/", page, total);
        render_string(&p)
    })
    .await
}

async fn search_page(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    if q.q.chars().count() > 100 {
        return Err(bad(
            "q",
            "检索词过长（最多100字）",
            "q: at most 100 characters",
        ));
    }
    let filters = search_filters(q.column.as_deref(), q.year()?, q.validity.as_deref())?;
    let page = q.page.unwrap_or(1).clamp(1, 500);
    let r = crate::api::disclosure::search_blocking(
        &st,
        q.q.clone(),
        filters,
        usize::try_from((page - 1) * PER_PAGE).unwrap_or(0),
        PER_PAGE as usize,
    )
    .await?;
    let mut p = list_shell(&st, &c, &q, true).await?;
    let total = i64::try_from(r.total).unwrap_or(i64::MAX);
    p.lines = r
        .hits
        .into_iter()
        .map(|h| Line {
            id: h.id,
            index_no: String::new(),
            title: h.title,
            title_html: Some(h.title_html),
            snippet_html: Some(h.snippet_html),
            doc_number: String::new(),
            issuing_body: String::new(),
            column: String::new(),
            validity: None,
            published: String::new(),
        })
        .collect();
    p.total = total;
    pager(&mut p, &q, "/xxgk/search", page, total);
    render(&p)
}

// ---------------------------------------------------------------------------------------------
// Item pages.

#[derive(Template)]
#[template(path = "xxgk_item.html")]
struct ItemPage {
    l: Layout,
    p: PublicItem,
    column: String,
    genre: String,
    validity: String,
    keywords: String,
    written: String,
    published: String,
    print_mode: bool,
}

impl ItemPage {
    fn history_line(&self, h: &items::HistoryEntry) -> String {
        let tr = self.l.tr;
        let size = tr.code("xxgk.change", h.change_size.as_deref().unwrap_or("first"));
        let note = h
            .change_note
            .as_deref()
            .map(|n| format!("{}{n}", tr.pick("：", ": ")))
            .unwrap_or_default();
        if tr.en() {
            format!(
                "Version {} · {} · {size}{note}",
                h.version_no,
                cst(h.published_at)
            )
        } else {
            format!(
                "第{}版 · {} · {size}{note}",
                h.version_no,
                cst(h.published_at)
            )
        }
    }
}

#[derive(Template)]
#[template(path = "xxgk_withdrawn.html")]
struct WithdrawnPage {
    l: Layout,
    rows: Vec<WithdrawnRow>,
    single: bool,
}

impl WithdrawnPage {
    fn when(&self, r: &WithdrawnRow) -> String {
        cst(Some(r.withdrawn_at))
    }
}

async fn item_response(
    st: &AppState,
    c: &Caller,
    id: i64,
    print_mode: bool,
) -> Result<Response, WebError> {
    let key = format!("/xxgk/{id}{}", if print_mode { "/print" } else { "" });
    let st2 = st.clone();
    let c2 = c.clone();
    let r = public_cached(st, c, key, move || async move {
        let (st, c) = (st2, c2);
        let Some(p) = items::public_item(&st.app, id).await? else {
            return Err(AppError::NotFound.into());
        };
        let path = format!("/xxgk/{id}");
        let mut l = Layout::new(&c, &st.web.site_name, &path, "xxgk.title");
        l.title = p.version.title.clone();
        let keywords: Vec<String> = serde_json::from_str(&p.version.keywords).unwrap_or_default();
        let page = ItemPage {
            column: column_label(c.tr(), &p.version.column_key),
            genre: genre_label(c.tr(), &p.version.genre),
            validity: validity_label(c.tr(), &p.version.validity),
            keywords: keywords.join("、"),
            written: p
                .version
                .written_on
                .map(|d| d.to_string())
                .unwrap_or_default(),
            published: cst(p.version.published_at),
            print_mode,
            l,
            p,
        };
        render_string(&page)
    })
    .await;
    match r {
        Err(e) if e.status == StatusCode::NOT_FOUND => {
            // A withdrawn item answers 410 with its public notice (撤回公告).
            match items::withdrawal_notice(&st.app, id).await? {
                Some(n) => {
                    let mut l =
                        Layout::new(c, &st.web.site_name, "/xxgk/withdrawn", "xxgk.withdrawn");
                    l.title = c
                        .tr()
                        .pick("信息已撤回", "Information withdrawn")
                        .to_owned();
                    Ok((
                        StatusCode::GONE,
                        render(&WithdrawnPage {
                            l,
                            rows: vec![n],
                            single: true,
                        })?,
                    )
                        .into_response())
                }
                None => Err(e),
            }
        }
        other => other,
    }
}

async fn item_page(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    item_response(&st, &c, id, false).await
}

async fn print_page(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    item_response(&st, &c, id, true).await
}

async fn public_file(
    State(st): State<AppState>,
    Path((id, aid)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    let (a, bytes) = items::public_attachment(&st.app, id, aid).await?;
    Ok(crate::pages::attachment(&a.content_type, &a.name, bytes))
}

async fn withdrawn_page(State(st): State<AppState>, c: Caller) -> Result<Response, WebError> {
    let rows = items::withdrawal_notices(&st.app, 200).await?;
    render(&WithdrawnPage {
        l: Layout::new(&c, &st.web.site_name, "/xxgk/withdrawn", "xxgk.withdrawn"),
        rows,
        single: false,
    })
}

#[derive(Template)]
#[template(path = "xxgk_guide.html")]
struct GuidePage {
    l: Layout,
    statutory: Vec<TreeEntry>,
    guides: Vec<Line>,
}

async fn guide_page(State(st): State<AppState>, c: Caller) -> Result<Response, WebError> {
    let f = PublicFilter {
        column: Some(Column::Guide.as_str().to_owned()),
        ..Default::default()
    };
    let (rows, _) = items::public_list(&st.app, &f, 0, 20).await?;
    let (_, statutory) = tree(c.tr());
    render(&GuidePage {
        l: Layout::new(&c, &st.web.site_name, "/xxgk/guide", "xxgk.guide"),
        statutory,
        guides: rows.iter().map(|r| line(c.tr(), r)).collect(),
    })
}

// ---------------------------------------------------------------------------------------------
// Feed and sitemap.

fn xml_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => {}
            c => o.push(c),
        }
    }
    o
}

async fn feed(State(st): State<AppState>) -> Result<Response, WebError> {
    let (rows, _) = items::public_list(&st.app, &PublicFilter::default(), 0, 50).await?;
    let base = &st.web.public_url;
    let updated = rows
        .first()
        .and_then(|r| r.published_at)
        .unwrap_or_else(chrono::Utc::now)
        .to_rfc3339();
    let mut x = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n\
         <title>{} · 政府信息公开</title>\n<id>{base}/xxgk/</id>\n\
         <link rel=\"self\" href=\"{base}/xxgk/feed.atom\"/>\n<link href=\"{base}/xxgk/\"/>\n\
         <updated>{updated}</updated>\n",
        xml_escape(&st.web.site_name)
    );
    for r in &rows {
        let t = r.published_at.unwrap_or_else(chrono::Utc::now).to_rfc3339();
        x.push_str(&format!(
            "<entry>\n<title>{}</title>\n<id>{base}/xxgk/{id}</id>\n<link href=\"{base}/xxgk/{id}\"/>\n\
             <updated>{t}</updated>\n<published>{t}</published>\n<author><name>{}</name></author>\n\
             <summary>{}</summary>\n</entry>\n",
            xml_escape(&r.title),
            xml_escape(&r.issuing_body),
            xml_escape(&format!(
                "{} {} {}",
                r.index_no.as_deref().unwrap_or(""),
                r.doc_number,
                column_zh(&r.column_key)
            )),
            id = r.item_id,
        ));
    }
    x.push_str("</feed>\n");
    Ok((
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        x,
    )
        .into_response())
}

async fn sitemap(State(st): State<AppState>) -> Result<Response, WebError> {
    let base = &st.web.public_url;
    let mut x = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for p in [
        "/",
        "/guide",
        "/xxgk/",
        "/xxgk/guide",
        "/xxgk/withdrawn",
        "/ysqgk/apply",
    ] {
        x.push_str(&format!("<url><loc>{base}{p}</loc></url>\n"));
    }
    for (id, at) in items::sitemap(&st.app).await? {
        x.push_str(&format!(
            "<url><loc>{base}/xxgk/{id}</loc><lastmod>{}</lastmod></url>\n",
            at.format("%Y-%m-%d")
        ));
    }
    x.push_str("</urlset>\n");
    Ok((
        [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
        x,
    )
        .into_response())
}

// ---------------------------------------------------------------------------------------------
// Staff: desk.

/// A desk row for templates.
pub struct DeskLine {
    /// Item id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// State label.
    pub state: String,
    /// Column label.
    pub column: String,
    /// Version.
    pub version_no: i64,
    /// 形成日期.
    pub formed: String,
    /// Deadline.
    pub due: String,
    /// `ok` / `approaching` / `overdue` / ``.
    pub level: &'static str,
    /// Working days left (negative: late).
    pub left: i64,
    /// Scheduled time / emergency reason etc.
    pub note: String,
}

fn desk_line(tr: Tr, r: &items::DeskRow) -> DeskLine {
    let v = &r.version;
    let (level, left) = match r.level {
        Some((DeadlineLevel::Ok, n)) => ("ok", n),
        Some((DeadlineLevel::Approaching, n)) => ("approaching", n),
        Some((DeadlineLevel::Overdue, n)) => ("overdue", n),
        None => ("", 0),
    };
    let note = if v.state == "scheduled" {
        cst_time(v.publish_at)
    } else if let Some(reason) = &v.emergency_reason {
        reason.clone()
    } else if let Some(n) = &v.returned_note {
        format!("{}{n}", tr.pick("退回：", "Returned: "))
    } else {
        cst_time(v.published_at)
    };
    DeskLine {
        id: v.item_id,
        title: v.title.clone(),
        state: state_label(tr, &v.state),
        column: column_label(tr, &v.column_key),
        version_no: v.version_no,
        formed: v.formed_on.to_string(),
        due: r.due.map(|d| d.to_string()).unwrap_or_default(),
        level,
        left,
        note,
    }
}

#[derive(Template)]
#[template(path = "xxgk_desk.html")]
struct DeskPage {
    l: Layout,
    drafts: Vec<DeskLine>,
    queue: Vec<DeskLine>,
    scheduled: Vec<DeskLine>,
    retro: Vec<DeskLine>,
    deadlines: Vec<DeskLine>,
    recent: Vec<DeskLine>,
    can_draft: bool,
}

async fn desk_page(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
) -> Result<Response, WebError> {
    let ctx = c.ctx();
    let d: Desk = items::desk(&st.app, &ctx).await?;
    let lines = |v: &[items::DeskRow]| v.iter().map(|r| desk_line(c.tr(), r)).collect::<Vec<_>>();
    render(&DeskPage {
        l: Layout::new(&c, &st.web.site_name, "/xxgk/admin", "xxgk.desk"),
        drafts: lines(&d.drafts),
        queue: lines(&d.queue),
        scheduled: lines(&d.scheduled),
        retro: lines(&d.retro),
        deadlines: lines(&d.deadlines),
        recent: lines(&d.recent),
        can_draft: ctx
            .require_any(onewindow_domain::org::Permission::DraftDisclosure)
            .is_ok(),
    })
}

// ---------------------------------------------------------------------------------------------
// Staff: editor.

#[derive(Template)]
#[template(path = "xxgk_edit.html")]
struct EditPage {
    l: Layout,
    action: String,
    values: HashMap<String, String>,
    columns: Vec<(&'static str, String)>,
    genres: Vec<(&'static str, String)>,
    validities: Vec<(&'static str, String)>,
    attributes: Vec<(&'static str, String)>,
    update: bool,
    expected: i64,
}

impl EditPage {
    fn v(&self, k: &str) -> &str {
        self.values.get(k).map(String::as_str).unwrap_or("")
    }
}

fn editor(
    st: &AppState,
    c: &Caller,
    action: String,
    values: HashMap<String, String>,
    update: bool,
    expected: i64,
    err: Option<String>,
) -> EditPage {
    let tr = c.tr();
    let mut l = Layout::new(c, &st.web.site_name, "/xxgk/admin", "xxgk.edit").with_error(err);
    if let Some(t) = values.get("title").filter(|t| !t.is_empty()) {
        l.title = format!("{} · {t}", l.title);
    }
    EditPage {
        l,
        action,
        values,
        columns: tr.options("xxgk.column", Column::ALL.iter().map(|c| c.as_str())),
        genres: tr.options("xxgk.genre", Genre::ALL.iter().map(|c| c.as_str())),
        validities: tr.options("xxgk.validity", Validity::ALL.iter().map(|c| c.as_str())),
        attributes: tr.options("xxgk.attribute", Attribute::ALL.iter().map(|c| c.as_str())),
        update,
        expected,
    }
}

fn values_of(c: &ItemContent, v: &VersionRow) -> HashMap<String, String> {
    let mut m = HashMap::new();
    m.insert("title".into(), c.title.clone());
    m.insert("doc_number".into(), c.doc_number.clone());
    m.insert("issuing_body".into(), c.issuing_body.clone());
    m.insert(
        "written_on".into(),
        c.written_on.map(|d| d.to_string()).unwrap_or_default(),
    );
    m.insert("formed_on".into(), c.formed_on.to_string());
    m.insert("column".into(), c.column.as_str().into());
    m.insert("topic".into(), c.topic.clone());
    m.insert("genre".into(), c.genre.as_str().into());
    m.insert("keywords".into(), c.keywords.join("，"));
    m.insert("validity".into(), c.validity.as_str().into());
    m.insert("attribute".into(), c.attribute.as_str().into());
    m.insert("attribute_reason".into(), c.attribute_reason.clone());
    m.insert("summary".into(), c.summary.clone());
    m.insert("body".into(), c.body.clone());
    m.insert(
        "change_size".into(),
        v.change_size.clone().unwrap_or_else(|| "minor".into()),
    );
    m.insert(
        "change_note".into(),
        v.change_note.clone().unwrap_or_default(),
    );
    m
}

fn content_from(f: &Fields) -> Result<ItemContent, WebError> {
    let date = |k: &'static str| -> Result<Option<NaiveDate>, WebError> {
        match opt(f, k) {
            None => Ok(None),
            Some(s) => NaiveDate::parse_from_str(&s, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| bad(k, "日期格式应为 YYYY-MM-DD", "a date YYYY-MM-DD")),
        }
    };
    let pick = |k: &'static str, zh: &str, en: &str| -> Result<String, WebError> {
        opt(f, k).ok_or_else(|| bad(k, zh, en))
    };
    Ok(ItemContent {
        title: field(f, "title").to_owned(),
        doc_number: field(f, "doc_number").to_owned(),
        issuing_body: field(f, "issuing_body").to_owned(),
        written_on: date("written_on")?,
        formed_on: date("formed_on")?.ok_or_else(|| {
            bad(
                "formed_on",
                "请填写信息形成（变更）日期",
                "formed_on is required",
            )
        })?,
        column: Column::parse(&pick("column", "请选择栏目", "column: choose one")?)
            .ok_or_else(|| bad("column", "请选择栏目", "column: choose one"))?,
        topic: field(f, "topic").to_owned(),
        genre: Genre::parse(&pick("genre", "请选择体裁", "genre: choose one")?)
            .ok_or_else(|| bad("genre", "请选择体裁", "genre: choose one"))?,
        keywords: vec![field(f, "keywords").to_owned()],
        validity: Validity::parse(field(f, "validity")).unwrap_or(Validity::Valid),
        attribute: Attribute::parse(field(f, "attribute")).unwrap_or(Attribute::Proactive),
        attribute_reason: field(f, "attribute_reason").to_owned(),
        summary: field(f, "summary").to_owned(),
        body: f.get("body").cloned().unwrap_or_default(),
    })
}

async fn new_page(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
) -> Result<Response, WebError> {
    let mut values = HashMap::new();
    values.insert("formed_on".into(), st.app.today().to_string());
    values.insert("issuing_body".into(), st.web.site_name.to_string());
    values.insert("column".into(), "notices".into());
    values.insert("genre".into(), "notice".into());
    render(&editor(
        &st,
        &c,
        "/xxgk/admin/new".into(),
        values,
        false,
        0,
        None,
    ))
}

async fn create(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Form(f): Form<Fields>,
) -> Result<Response, WebError> {
    c.check_csrf(field(&f, "csrf"))?;
    let r = async {
        let content = content_from(&f)?;
        Ok::<_, WebError>(items::create(&st.app, &c.ctx(), None, content).await?)
    }
    .await;
    match r {
        Ok(id) => Ok(Redirect::to(&format!("/xxgk/admin/{id}")).into_response()),
        Err(e) => {
            let status = e.status;
            let msg = form_error(e, c.tr())?;
            let page = editor(&st, &c, "/xxgk/admin/new".into(), f, false, 0, Some(msg));
            Ok((status, render(&page)?).into_response())
        }
    }
}

async fn edit_page(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let v = items::view(&st.app, &c.ctx(), id).await?;
    let values = values_of(&items::content(&v.current), &v.current);
    render(&editor(
        &st,
        &c,
        format!("/xxgk/admin/{id}/edit"),
        values,
        v.current.version_no > 1,
        v.item.version,
        None,
    ))
}

async fn edit_submit(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Path(id): Path<i64>,
    Form(f): Form<Fields>,
) -> Result<Response, WebError> {
    c.check_csrf(field(&f, "csrf"))?;
    let expected: i64 = field(&f, "expected").parse().unwrap_or(-1);
    let r = async {
        let content = content_from(&f)?;
        let change = opt(&f, "change_size")
            .and_then(|s| ChangeSize::parse(&s))
            .map(|s| (s, field(&f, "change_note").to_owned()));
        items::edit(&st.app, &c.ctx(), id, expected, content, change).await?;
        Ok::<_, WebError>(())
    }
    .await;
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/xxgk/admin/{id}")).into_response()),
        Err(e) if e.status == StatusCode::NOT_FOUND || e.status == StatusCode::FORBIDDEN => Err(e),
        Err(e) => {
            let status = e.status;
            let msg = form_error(e, c.tr())?;
            let update = f.contains_key("change_size");
            let page = editor(
                &st,
                &c,
                format!("/xxgk/admin/{id}/edit"),
                f,
                update,
                expected,
                Some(msg),
            );
            Ok((status, render(&page)?).into_response())
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Staff: item page and actions.

/// A version line for the staff history.
pub struct VersionLine {
    /// Number.
    pub no: i64,
    /// State label.
    pub state: String,
    /// Review record in words.
    pub record: String,
}

#[derive(Template)]
#[template(path = "xxgk_admin_item.html")]
struct StaffItemPage {
    l: Layout,
    v: ItemView,
    state: String,
    column: String,
    genre: String,
    validity: String,
    attribute: String,
    versions: Vec<VersionLine>,
    due: String,
    level: &'static str,
    left: i64,
    can_draft: bool,
    can_review: bool,
    is_author: bool,
    retro_pending: bool,
    now_local: String,
}

async fn staff_item_view(
    st: &AppState,
    c: &Caller,
    id: i64,
    err: Option<WebError>,
) -> Result<Response, WebError> {
    let ctx = c.ctx();
    let v = items::view(&st.app, &ctx, id).await?;
    let (code, msg) = match err {
        Some(e) => (e.status, Some(form_error(e, c.tr())?)),
        None => (StatusCode::OK, None),
    };
    let who = items::people(&st.app, &v).await?;
    let tr = c.tr();
    let name = |u: Option<i64>| {
        u.and_then(|u| who.get(&u).cloned())
            .unwrap_or_else(|| "—".into())
    };
    let versions = v
        .versions
        .iter()
        .rev()
        .map(|x| {
            let mut rec = Vec::new();
            if let Some(m) = &x.migrated_by {
                rec.push(format!(
                    "{} {m}",
                    tr.pick(
                        "网站迁移，审核人",
                        "Migrated from the old website, checked by"
                    )
                ));
            }
            if x.secrecy_by.is_some() {
                rec.push(format!(
                    "{}{} {}",
                    tr.pick("保密审查：", "Confidentiality review: "),
                    name(x.secrecy_by),
                    cst_time(x.secrecy_at)
                ));
            }
            if x.content_by.is_some() {
                rec.push(format!(
                    "{}{} {}",
                    tr.pick("内容审核：", "Content review: "),
                    name(x.content_by),
                    cst_time(x.content_at)
                ));
            }
            if x.emergency_by.is_some() {
                rec.push(format!(
                    "{}{}（{}）",
                    tr.pick("紧急发布：", "Emergency publication: "),
                    name(x.emergency_by),
                    x.emergency_reason.clone().unwrap_or_default()
                ));
            }
            if x.retro_by.is_some() {
                rec.push(format!(
                    "{}{} {}",
                    tr.pick("事后审核：", "Review afterwards: "),
                    name(x.retro_by),
                    cst_time(x.retro_at)
                ));
            }
            if x.published_at.is_some() {
                rec.push(format!(
                    "{}{}",
                    tr.pick("发布：", "Published: "),
                    cst_time(x.published_at)
                ));
            }
            if let Some(n) = &x.change_note {
                rec.push(format!("{}{n}", tr.pick("更新说明：", "Change note: ")));
            }
            if let Some(n) = &x.returned_note {
                rec.push(format!("{}{n}", tr.pick("退回意见：", "Returned: ")));
            }
            VersionLine {
                no: x.version_no,
                state: state_label(tr, &x.state),
                record: rec.join(tr.pick("；", "; ")),
            }
        })
        .collect();
    let mut l = Layout::new(
        c,
        &st.web.site_name,
        &format!("/xxgk/admin/{id}"),
        "xxgk.item",
    )
    .with_error(msg);
    l.title = v.current.title.clone();
    let (level, left) = match v.level {
        Some((DeadlineLevel::Ok, n)) => ("ok", n),
        Some((DeadlineLevel::Approaching, n)) => ("approaching", n),
        Some((DeadlineLevel::Overdue, n)) => ("overdue", n),
        None => ("", 0),
    };
    let me = c.staff.as_ref().map(|s| s.user.id.get());
    let retro_pending = v
        .live
        .as_ref()
        .is_some_and(|x| x.emergency_by.is_some() && x.retro_by.is_none());
    let page = StaffItemPage {
        state: state_label(tr, &v.current.state),
        column: column_label(tr, &v.current.column_key),
        genre: genre_label(tr, &v.current.genre),
        validity: validity_label(tr, &v.current.validity),
        attribute: attribute_label(tr, &v.current.attribute),
        due: v.due.map(|d| d.to_string()).unwrap_or_default(),
        level,
        left,
        can_draft: ctx
            .require_any(onewindow_domain::org::Permission::DraftDisclosure)
            .is_ok(),
        can_review: ctx
            .require_any(onewindow_domain::org::Permission::ReviewDisclosure)
            .is_ok(),
        is_author: me.is_some() && v.current.author_id == me,
        retro_pending,
        now_local: (chrono::Utc::now() + chrono::Duration::hours(8))
            .format("%Y-%m-%dT%H:%M")
            .to_string(),
        versions,
        l,
        v,
    };
    Ok((code, render(&page)?).into_response())
}

async fn staff_item_page(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    staff_item_view(&st, &c, id, None).await
}

/// `YYYY-MM-DDTHH:MM` (an `<input type="datetime-local">`, China Standard Time) → UTC.
fn local_time(s: &str) -> Result<Option<chrono::DateTime<chrono::Utc>>, WebError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M"))
        .map_err(|_| {
            bad(
                "publish_at",
                "发布时间格式应为 YYYY-MM-DD HH:MM",
                "publish_at: YYYY-MM-DD HH:MM",
            )
        })?;
    let tz = chrono::FixedOffset::east_opt(8 * 3600)
        .ok_or_else(|| bad("publish_at", "时区错误", "time zone"))?;
    Ok(tz
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.with_timezone(&chrono::Utc)))
}

async fn action(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Path((id, action)): Path<(i64, String)>,
    Form(f): Form<Fields>,
) -> Result<Response, WebError> {
    c.check_csrf(field(&f, "csrf"))?;
    let ctx = c.ctx();
    let app = &st.app;
    let r: Result<(), WebError> = async {
        match action.as_str() {
            "submit" => items::submit(app, &ctx, id).await?,
            "pass" => {
                let at = local_time(field(&f, "publish_at"))?;
                items::review(app, &ctx, id, Verdict::Pass, field(&f, "note"), at).await?
            }
            "return" => {
                items::review(app, &ctx, id, Verdict::Return, field(&f, "note"), None).await?
            }
            "emergency" => items::emergency_publish(app, &ctx, id, field(&f, "reason")).await?,
            "retro_pass" => {
                items::retro_review(app, &ctx, id, Verdict::Pass, field(&f, "note")).await?
            }
            "retro_reject" => {
                items::retro_review(app, &ctx, id, Verdict::Return, field(&f, "note")).await?
            }
            "withdraw" => items::withdraw(app, &ctx, id, field(&f, "reason")).await?,
            "new_version" => {
                items::new_version(app, &ctx, id).await?;
            }
            "abandon" => items::abandon(app, &ctx, id).await?,
            "remove_attachment" => {
                let aid = field(&f, "attachment")
                    .parse()
                    .map_err(|_| bad("attachment", "请选择附件", "attachment: an id"))?;
                items::remove_attachment(app, &ctx, id, aid).await?
            }
            _ => return Err(AppError::NotFound.into()),
        }
        Ok(())
    }
    .await;
    match r {
        Ok(()) if action == "new_version" => {
            Ok(Redirect::to(&format!("/xxgk/admin/{id}/edit")).into_response())
        }
        Ok(()) => Ok(Redirect::to(&format!("/xxgk/admin/{id}")).into_response()),
        Err(e) if e.status == StatusCode::NOT_FOUND => Err(e),
        Err(e) => staff_item_view(&st, &c, id, Some(e)).await,
    }
}

async fn upload(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Path(id): Path<i64>,
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, WebError> {
    let parts = read_parts(mp.map_err(multipart_error)?).await?;
    c.check_csrf(field(&parts.fields, "csrf"))?;
    let r: Result<(), WebError> = async {
        let (_, name, bytes) = parts
            .files
            .into_iter()
            .find(|(n, _, b)| n == "file" && !b.is_empty())
            .ok_or_else(|| bad("file", "请选择要上传的附件", "file: choose a file"))?;
        items::add_attachment(&st.app, &c.ctx(), id, &name, &bytes).await?;
        Ok(())
    }
    .await;
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/xxgk/admin/{id}")).into_response()),
        Err(e) if e.status == StatusCode::NOT_FOUND => Err(e),
        Err(e) => staff_item_view(&st, &c, id, Some(e)).await,
    }
}

async fn staff_file(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Path((id, aid)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    let (a, bytes) = items::staff_attachment(&st.app, &c.ctx(), id, aid).await?;
    Ok(crate::pages::attachment(&a.content_type, &a.name, bytes))
}
