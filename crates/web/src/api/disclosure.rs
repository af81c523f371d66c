//! The public disclosure column (政府信息公开) as JSON for the WeChat mini-program, the app and
//! kiosks: ranked Chinese full-text search, the newest-first list, and one item. Only published,
//! proactively disclosed items exist here.

use axum::Json;
use axum::extract::State;
use onewindow_app::items;
use onewindow_app::items::PublicFilter;
use onewindow_domain::disclosure::item::{Column, Validity};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::api::catalog::{SearchPage, search_page};
use crate::api::dto::ErrorBody;
use crate::error::{Path, Query, WebError};
use crate::pages::bad;

/// Search query.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Words to look for (Chinese is segmented into words; every word must match).
    #[serde(default)]
    pub q: String,
    /// Hits to return (1–100, default 20).
    pub limit: Option<usize>,
    /// Hits to skip.
    pub offset: Option<usize>,
    /// Column machine name (e.g. `policies`).
    pub column: Option<String>,
    /// Year of publication.
    pub year: Option<i32>,
    /// `valid`, `expired` or `repealed`.
    pub validity: Option<String>,
}

fn column_param(c: Option<&str>) -> Result<Option<Column>, WebError> {
    match c.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => Column::parse(s)
            .map(Some)
            .ok_or_else(|| bad("column", "栏目不存在", "column: no such column")),
    }
}

fn validity_param(v: Option<&str>) -> Result<Option<Validity>, WebError> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => Validity::parse(s).map(Some).ok_or_else(|| {
            bad(
                "validity",
                "有效性取值不正确",
                "validity: valid, expired or repealed",
            )
        }),
    }
}

/// Facet filters of a search.
pub fn search_filters(
    column: Option<&str>,
    year: Option<i32>,
    validity: Option<&str>,
) -> Result<Vec<(String, String)>, WebError> {
    let mut f = Vec::new();
    if let Some(c) = column_param(column)? {
        f.push(("column".to_owned(), c.as_str().to_owned()));
    }
    if let Some(y) = year {
        f.push(("year".to_owned(), y.to_string()));
    }
    if let Some(v) = validity_param(validity)? {
        f.push(("validity".to_owned(), v.as_str().to_owned()));
    }
    Ok(f)
}

/// Run a search off the async workers (segmentation, scoring and snippets are CPU work; on a
/// small machine a slow query would otherwise hold a runtime thread).
pub async fn search_blocking(
    st: &AppState,
    q: String,
    filters: Vec<(String, String)>,
    offset: usize,
    limit: usize,
) -> Result<items::SearchResults, WebError> {
    let app = std::sync::Arc::clone(&st.app);
    let r = tokio::task::spawn_blocking(move || items::search(&app, &q, filters, offset, limit))
        .await
        .map_err(|e| onewindow_app::AppError::Unexpected(anyhow::anyhow!("search task: {e}")))??;
    Ok(r)
}

/// Search published disclosure items (Chinese word segmentation; titles rank first).
#[utoipa::path(get, path = "/disclosure/search", tag = "disclosure", params(SearchParams),
    responses((status = 200, body = SearchPage), (status = 400, body = ErrorBody)))]
pub async fn search(
    State(st): State<AppState>,
    Query(p): Query<SearchParams>,
) -> Result<Json<SearchPage>, WebError> {
    if p.q.chars().count() > 100 {
        return Err(bad(
            "q",
            "检索词过长（最多100字）",
            "q: at most 100 characters",
        ));
    }
    let filters = search_filters(p.column.as_deref(), p.year, p.validity.as_deref())?;
    let r = search_blocking(
        &st,
        p.q.clone(),
        filters,
        p.offset.unwrap_or(0),
        p.limit.unwrap_or(20),
    )
    .await?;
    Ok(Json(search_page(r)))
}

/// List query.
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Column machine name.
    pub column: Option<String>,
    /// Year of publication.
    pub year: Option<i32>,
    /// Validity.
    pub validity: Option<String>,
    /// Page (from 1; 20 items a page).
    pub page: Option<i64>,
}

/// One published item in a list.
#[derive(Serialize, ToSchema)]
pub struct ItemLine {
    /// Id.
    pub id: i64,
    /// 索引号.
    pub index_no: Option<String>,
    /// Title.
    pub title: String,
    /// 文号.
    pub doc_number: String,
    /// 发布机构.
    pub issuing_body: String,
    /// Column machine name.
    pub column: String,
    /// Validity machine name.
    pub validity: String,
    /// 成文日期.
    pub written_on: Option<String>,
    /// 发布日期 (China Standard Time).
    pub published_on: Option<String>,
    /// Page of the item.
    pub url: String,
}

/// A page of items.
#[derive(Serialize, ToSchema)]
pub struct ItemList {
    /// Matching items.
    pub total: i64,
    /// This page, newest first.
    pub items: Vec<ItemLine>,
}

/// Build the list filter from query parameters.
pub fn list_filter(
    column: Option<&str>,
    year: Option<i32>,
    validity: Option<&str>,
) -> Result<PublicFilter, WebError> {
    Ok(PublicFilter {
        column: column_param(column)?.map(|c| c.as_str().to_owned()),
        year: match year {
            Some(y) if !(1949..=9999).contains(&y) => {
                return Err(bad("year", "年份不正确", "year: out of range"));
            }
            y => y,
        },
        validity: validity_param(validity)?.map(|v| v.as_str().to_owned()),
        ..Default::default()
    })
}

/// Published items, newest first (20 a page).
#[utoipa::path(get, path = "/disclosure/items", tag = "disclosure", params(ListParams),
    responses((status = 200, body = ItemList), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(st): State<AppState>,
    Query(p): Query<ListParams>,
) -> Result<Json<ItemList>, WebError> {
    let f = list_filter(p.column.as_deref(), p.year, p.validity.as_deref())?;
    let page = p.page.unwrap_or(1).clamp(1, 100_000);
    let (rows, total) = items::public_list(&st.app, &f, (page - 1) * 20, 20).await?;
    Ok(Json(ItemList {
        total,
        items: rows
            .into_iter()
            .map(|r| ItemLine {
                url: format!("/xxgk/{}", r.item_id),
                id: r.item_id,
                index_no: r.index_no,
                title: r.title,
                doc_number: r.doc_number,
                issuing_body: r.issuing_body,
                column: r.column_key,
                validity: r.validity,
                written_on: r.written_on.map(|d| d.to_string()),
                published_on: r.published_at.map(onewindow_app::auth::cst_date),
            })
            .collect(),
    }))
}

/// One published item.
#[derive(Serialize, ToSchema)]
pub struct ItemDoc {
    /// Id.
    pub id: i64,
    /// 索引号.
    pub index_no: Option<String>,
    /// Title.
    pub title: String,
    /// 文号.
    pub doc_number: String,
    /// 发布机构.
    pub issuing_body: String,
    /// 主题分类.
    pub topic: String,
    /// Column machine name.
    pub column: String,
    /// Genre machine name.
    pub genre: String,
    /// Validity machine name.
    pub validity: String,
    /// Keywords.
    pub keywords: Vec<String>,
    /// 成文日期.
    pub written_on: Option<String>,
    /// 发布日期.
    pub published_on: Option<String>,
    /// Version number.
    pub version: i64,
    /// Body as safe HTML.
    pub body_html: String,
    /// Body as plain text.
    pub body_text: String,
    /// Attachments: name and download URL.
    pub attachments: Vec<(String, String)>,
}

/// One published item (404 when it does not exist, is not published, or was withdrawn).
#[utoipa::path(get, path = "/disclosure/items/{id}", tag = "disclosure",
    params(("id" = i64, Path, description = "item id")),
    responses((status = 200, body = ItemDoc), (status = 404, body = ErrorBody)))]
pub async fn get_item(
    State(st): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<ItemDoc>, WebError> {
    let p = items::public_item(&st.app, id)
        .await?
        .ok_or(onewindow_app::AppError::NotFound)?;
    let v = p.version;
    Ok(Json(ItemDoc {
        id,
        index_no: p.item.index_no,
        keywords: serde_json::from_str(&v.keywords).unwrap_or_default(),
        attachments: p
            .attachments
            .iter()
            .map(|a| (a.name.clone(), format!("/xxgk/{id}/files/{}", a.id)))
            .collect(),
        title: v.title,
        doc_number: v.doc_number,
        issuing_body: v.issuing_body,
        topic: v.topic,
        column: v.column_key,
        genre: v.genre,
        validity: v.validity,
        written_on: v.written_on.map(|d| d.to_string()),
        published_on: v.published_at.map(onewindow_app::auth::cst_date),
        version: v.version_no,
        body_html: v.body_html,
        body_text: v.body_text,
    }))
}
