//! Catalog API (`/api/v1/catalog/...`): the published catalog for WeChat mini-programs, the app
//! and kiosks — with ETag / If-None-Match and a change feed so channels sync cheaply — and the
//! staff lifecycle endpoints.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use onewindow_app::catalog::{self, ListFilter, VersionSummary};
use onewindow_app::search::search_catalog;
use onewindow_domain::catalog::{Hall, ServiceGuide};
use onewindow_domain::region::AdminLevel;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::dto::ErrorBody;
use crate::AppState;
use crate::caller::StaffApi;
use crate::error::{Json, Path, Query, WebError};

/// A catalog entry in lists.
#[derive(Serialize, ToSchema)]
pub struct ItemSummary {
    /// Item id (stable across versions).
    pub item_id: i64,
    /// Version id.
    pub version_id: i64,
    /// Version number.
    pub version: i64,
    /// Status (public lists: always `published`).
    pub status: String,
    /// 事项名称.
    pub name: String,
    /// 基本编码.
    pub catalog_code: String,
    /// Hall machine name.
    pub hall: String,
    /// Level: city, county, township, village.
    pub level: String,
    /// Region code.
    pub region_code: String,
    /// 实施主体.
    pub department: String,
    /// 事项类型 code.
    pub item_type: String,
    /// 自由裁量 class.
    pub discretion: String,
    /// 即办件 / 承诺件.
    pub case_kind: String,
    /// 承诺时限 (working days).
    pub promised_days: i64,
    /// ETag of the version's document.
    pub etag: String,
    /// Draft edit counter (for `PUT …/versions/{id}`).
    pub edit_version: i64,
}

impl From<VersionSummary> for ItemSummary {
    fn from(v: VersionSummary) -> Self {
        Self {
            item_id: v.item_id,
            version_id: v.id,
            version: v.version,
            status: v.status,
            name: v.name,
            catalog_code: v.catalog_code,
            hall: v.hall,
            level: v.level,
            region_code: v.region_code,
            department: v.department,
            item_type: v.item_type,
            discretion: v.discretion,
            case_kind: v.case_kind,
            promised_days: v.promised_days,
            etag: v.etag,
            edit_version: v.edit_version,
        }
    }
}

/// A page of entries.
#[derive(Serialize, ToSchema)]
pub struct ItemPage {
    /// Total matching.
    pub total: i64,
    /// This page.
    pub items: Vec<ItemSummary>,
}

/// List filters.
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Hall (machine name or Chinese label).
    pub hall: Option<String>,
    /// Department id.
    pub department: Option<i64>,
    /// Level (city, county, township, village).
    pub level: Option<String>,
    /// Region code.
    pub region: Option<String>,
    /// Life event, e.g. 开办企业.
    pub event: Option<String>,
    /// Staff lists only: status.
    pub status: Option<String>,
    /// Offset (default 0).
    pub offset: Option<i64>,
    /// Page size (1–200, default 50).
    pub limit: Option<i64>,
}

fn bad(field: &'static str, zh: String, en: String) -> WebError {
    WebError::bad_request("invalid_field", Some(field), zh, en)
}

/// Turn query parameters into a storage filter, validating names.
pub fn filter_of(q: &ListQuery) -> Result<ListFilter, WebError> {
    let hall = match q.hall.as_deref().filter(|s| !s.is_empty()) {
        Some(h) => Some(
            Hall::parse(h)
                .ok_or_else(|| {
                    bad(
                        "hall",
                        format!("办事大厅“{h}”不存在"),
                        format!("hall: unknown “{h}”"),
                    )
                })?
                .as_str()
                .to_string(),
        ),
        None => None,
    };
    let level = match q.level.as_deref().filter(|s| !s.is_empty()) {
        Some(l) => Some(
            l.parse::<AdminLevel>()
                .map_err(|_| {
                    bad(
                        "level",
                        format!("层级“{l}”不存在"),
                        format!("level: unknown “{l}”"),
                    )
                })?
                .as_str()
                .to_string(),
        ),
        None => None,
    };
    Ok(ListFilter {
        hall,
        department_id: q.department,
        level,
        region_code: q.region.clone().filter(|s| !s.is_empty()),
        event: q.event.clone().filter(|s| !s.is_empty()),
        status: match q.status.as_deref().filter(|s| !s.is_empty()) {
            Some(s) => Some(
                onewindow_domain::catalog::VersionStatus::parse(s)
                    .ok_or_else(|| {
                        bad(
                            "status",
                            format!("状态“{s}”不存在"),
                            format!("status: unknown “{s}”"),
                        )
                    })?
                    .as_str()
                    .to_string(),
            ),
            None => None,
        },
        ids: None,
    })
}

fn etag_of(s: &str) -> String {
    format!("\"{s}\"")
}

fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
}

/// Respond with JSON and a strong ETag, or 304 when the client has it.
fn with_etag<T: Serialize>(headers: &HeaderMap, etag: String, body: &T) -> Response {
    let tag = etag_of(&etag);
    let mut resp = if not_modified(headers, &tag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        axum::Json(body).into_response()
    };
    if let Ok(v) = HeaderValue::from_str(&tag) {
        resp.headers_mut().insert(header::ETAG, v);
    }
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=0, must-revalidate"),
    );
    resp
}

fn hash(bytes: &[u8]) -> String {
    use std::hash::{Hash, Hasher};
    // Not security relevant: a cheap content fingerprint for list ETags.
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    format!("{:016x}-{}", h.finish(), bytes.len())
}

/// Published items (public). Responses are cached per query until the catalog changes (the
/// cache is keyed by the change-feed cursor), so channels polling lists cost almost nothing.
#[utoipa::path(get, path = "/catalog/items", tag = "catalog", params(ListQuery),
    responses((status = 200, body = ItemPage), (status = 304), (status = 400, body = ErrorBody)))]
pub async fn list_items(
    State(st): State<AppState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let key = uri.query().unwrap_or("").to_string();
    let cursor = st.app.catalog_cursor();
    let cached = st
        .catalog_lists
        .lock()
        .ok()
        .and_then(|m| m.get(&key).filter(|c| c.cursor == cursor).cloned());
    let entry = match cached {
        Some(c) => c,
        None => {
            let mut f = filter_of(&q)?;
            f.status = None;
            let (rows, total) =
                catalog::public_list(&st.app, &f, q.offset.unwrap_or(0), q.limit.unwrap_or(50))
                    .await?;
            let page = ItemPage {
                total,
                items: rows.into_iter().map(ItemSummary::from).collect(),
            };
            let body = serde_json::to_vec(&page)
                .map_err(|e| onewindow_app::AppError::Unexpected(e.into()))?;
            let entry = crate::CachedList {
                cursor,
                etag: hash(&body),
                body: body.into(),
            };
            if let Ok(mut m) = st.catalog_lists.lock() {
                if m.len() >= 2048 {
                    m.clear();
                }
                m.insert(key, entry.clone());
            }
            entry
        }
    };
    let tag = etag_of(&entry.etag);
    let mut resp = if not_modified(&headers, &tag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            entry.body.clone(),
        )
            .into_response()
    };
    if let Ok(v) = HeaderValue::from_str(&tag) {
        resp.headers_mut().insert(header::ETAG, v);
    }
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=0, must-revalidate"),
    );
    Ok(resp)
}

/// A published item with its complete guide.
#[derive(Serialize, ToSchema)]
pub struct ItemDetail {
    /// Item id.
    pub item_id: i64,
    /// Version id.
    pub version_id: i64,
    /// Version number.
    pub version: i64,
    /// Status.
    pub status: String,
    /// Publication time (RFC 3339).
    pub published_at: Option<String>,
    /// ETag of the guide.
    pub etag: String,
    /// Draft edit counter.
    pub edit_version: i64,
    /// The guide (every national element, materials, fees, FAQ, review standards …).
    #[schema(value_type = Object)]
    pub guide: ServiceGuide,
}

fn detail(v: &onewindow_app::catalog::VersionRow, g: ServiceGuide) -> ItemDetail {
    ItemDetail {
        item_id: v.summary.item_id,
        version_id: v.summary.id,
        version: v.summary.version,
        status: v.summary.status.clone(),
        published_at: v.summary.published_at.map(|t| t.to_rfc3339()),
        etag: v.summary.etag.clone(),
        edit_version: v.summary.edit_version,
        guide: g,
    }
}

/// One published item (public). Drafts, withdrawn and unknown items are 404.
#[utoipa::path(get, path = "/catalog/items/{id}", tag = "catalog",
    params(("id" = i64, Path, description = "Item id")),
    responses((status = 200, body = ItemDetail), (status = 304), (status = 404, body = ErrorBody)))]
pub async fn get_item(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let (v, g) = catalog::public_item(&st.app, id).await?;
    let etag = v.summary.etag.clone();
    Ok(with_etag(&headers, etag, &detail(&v, g)))
}

/// Search query.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Words, e.g. 开办企业.
    pub q: String,
    /// Hall filter.
    pub hall: Option<String>,
    /// Level filter.
    pub level: Option<String>,
    /// Life-event filter.
    pub event: Option<String>,
    /// Offset.
    pub offset: Option<usize>,
    /// Page size (≤ 100, default 20).
    pub limit: Option<usize>,
}

/// A search hit.
#[derive(Serialize, ToSchema)]
pub struct SearchHit {
    /// Item id.
    pub id: i64,
    /// Name.
    pub title: String,
    /// Page URL.
    pub url: String,
    /// Name with matches in `<mark>` (HTML, escaped).
    pub title_html: String,
    /// Text snippet with matches in `<mark>` (HTML, escaped).
    pub snippet_html: String,
}

/// Search results.
#[derive(Serialize, ToSchema)]
pub struct SearchPage {
    /// Total matching.
    pub total: usize,
    /// Hits, best first.
    pub hits: Vec<SearchHit>,
}

/// Turn search filters into facet pairs.
pub fn search_filters(
    hall: Option<&str>,
    level: Option<&str>,
    event: Option<&str>,
) -> Result<Vec<(String, String)>, WebError> {
    let q = ListQuery {
        hall: hall.map(str::to_string),
        level: level.map(str::to_string),
        event: event.map(str::to_string),
        ..Default::default()
    };
    let f = filter_of(&q)?;
    let mut out = Vec::new();
    if let Some(h) = f.hall {
        out.push(("hall".to_string(), h));
    }
    if let Some(l) = f.level {
        out.push(("level".to_string(), l));
    }
    if let Some(e) = f.event {
        out.push(("event".to_string(), e));
    }
    Ok(out)
}

/// A page of search results as the API returns it (shared by every `/search` endpoint).
pub fn search_page(r: onewindow_app::items::SearchResults) -> SearchPage {
    SearchPage {
        total: r.total,
        hits: r
            .hits
            .into_iter()
            .map(|h| SearchHit {
                id: h.id,
                title: h.title,
                url: h.url,
                title_html: h.title_html,
                snippet_html: h.snippet_html,
            })
            .collect(),
    }
}

/// Search published items by Chinese keywords (word segmentation, names ranked first).
#[utoipa::path(get, path = "/catalog/search", tag = "catalog", params(SearchParams),
    responses((status = 200, body = SearchPage), (status = 400, body = ErrorBody)))]
pub async fn search(
    State(st): State<AppState>,
    Query(p): Query<SearchParams>,
) -> Result<Json<SearchPage>, WebError> {
    let filters = search_filters(p.hall.as_deref(), p.level.as_deref(), p.event.as_deref())?;
    let r = search_catalog(
        &st.app,
        &p.q,
        filters,
        p.offset.unwrap_or(0),
        p.limit.unwrap_or(20),
    )
    .await?;
    Ok(Json(search_page(r)))
}

/// Change-feed query.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// Cursor: changes after this (0 = from the start).
    pub since: Option<i64>,
    /// Page size (≤ 1000, default 200).
    pub limit: Option<i64>,
}

/// One change.
#[derive(Serialize, ToSchema)]
pub struct Change {
    /// Cursor of this change.
    pub seq: i64,
    /// Item.
    pub item_id: i64,
    /// Version.
    pub version: i64,
    /// `published` or `withdrawn`.
    pub kind: String,
    /// When (RFC 3339).
    pub at: String,
}

/// Changes since a cursor.
#[derive(Serialize, ToSchema)]
pub struct ChangesPage {
    /// Changes, oldest first.
    pub changes: Vec<Change>,
    /// Pass as `since` next time.
    pub next: i64,
    /// Newest cursor that exists.
    pub last: i64,
}

/// Items published or withdrawn since a cursor: channels fetch only what changed.
#[utoipa::path(get, path = "/catalog/changes", tag = "catalog", params(ChangesQuery),
    responses((status = 200, body = ChangesPage)))]
pub async fn changes(
    State(st): State<AppState>,
    Query(q): Query<ChangesQuery>,
) -> Result<Json<ChangesPage>, WebError> {
    let since = q.since.unwrap_or(0);
    let (rows, last) = catalog::public_changes(&st.app, since, q.limit.unwrap_or(200)).await?;
    let next = rows.last().map(|r| r.seq).unwrap_or(since);
    Ok(Json(ChangesPage {
        changes: rows
            .into_iter()
            .map(|r| Change {
                seq: r.seq,
                item_id: r.item_id,
                version: r.version,
                kind: r.kind,
                at: r.at.to_rfc3339(),
            })
            .collect(),
        next,
        last,
    }))
}

/// Counts per region and discretion class.
#[derive(Serialize, ToSchema)]
pub struct ClassStatDto {
    /// Region code.
    pub region_code: String,
    /// Class.
    pub discretion: String,
    /// Items.
    pub items: i64,
    /// 技术审查标准.
    pub technical: i64,
    /// 专家评审标准.
    pub expert: i64,
    /// 现场踏勘标准.
    pub inspection: i64,
}

/// Published items per region and discretion class, with review-standard counts.
#[utoipa::path(get, path = "/catalog/stats", tag = "catalog",
    responses((status = 200, body = [ClassStatDto])))]
pub async fn stats(State(st): State<AppState>) -> Result<Json<Vec<ClassStatDto>>, WebError> {
    Ok(Json(
        catalog::public_stats(&st.app)
            .await?
            .into_iter()
            .map(|s| ClassStatDto {
                region_code: s.region_code,
                discretion: s.discretion,
                items: s.items,
                technical: s.technical,
                expert: s.expert,
                inspection: s.inspection,
            })
            .collect(),
    ))
}

// ---- staff ----

/// Staff list: newest version of every item (or of one status).
#[utoipa::path(get, path = "/catalog/staff/items", tag = "catalog", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, body = ItemPage), (status = 403, body = ErrorBody)))]
pub async fn staff_items(
    State(st): State<AppState>,
    StaffApi(c): StaffApi,
    Query(q): Query<ListQuery>,
) -> Result<Json<ItemPage>, WebError> {
    let f = filter_of(&q)?;
    let (rows, total) = catalog::staff_list(
        &st.app,
        &c.ctx(),
        &f,
        q.offset.unwrap_or(0),
        q.limit.unwrap_or(50),
    )
    .await?;
    Ok(Json(ItemPage {
        total,
        items: rows.into_iter().map(ItemSummary::from).collect(),
    }))
}

/// Create an item (version 1, draft).
#[utoipa::path(post, path = "/catalog/items", tag = "catalog", security(("bearer" = [])),
    request_body(content = Object, description = "A ServiceGuide"),
    responses((status = 201, body = ItemDetail), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_item(
    State(st): State<AppState>,
    StaffApi(c): StaffApi,
    Json(g): Json<ServiceGuide>,
) -> Result<(StatusCode, Json<ItemDetail>), WebError> {
    let v = catalog::create(&st.app, &c.ctx(), g).await?;
    let g = v.guide().map_err(onewindow_app::AppError::from)?;
    Ok((StatusCode::CREATED, Json(detail(&v, g))))
}

/// One version of any status (catalog staff).
#[utoipa::path(get, path = "/catalog/versions/{id}", tag = "catalog", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Version id")),
    responses((status = 200, body = ItemDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_version(
    State(st): State<AppState>,
    StaffApi(c): StaffApi,
    Path(id): Path<i64>,
) -> Result<Json<ItemDetail>, WebError> {
    let v = catalog::get_version(&st.app, &c.ctx(), id).await?;
    let g = v.guide().map_err(onewindow_app::AppError::from)?;
    Ok(Json(detail(&v, g)))
}

/// Draft update body.
#[derive(Deserialize, ToSchema)]
pub struct SaveDraft {
    /// The complete guide.
    #[schema(value_type = Object)]
    pub guide: ServiceGuide,
    /// `edit_version` read with the draft.
    pub edit_version: i64,
}

/// Save a draft (409 if someone saved since `edit_version`, or if it is no longer a draft).
#[utoipa::path(put, path = "/catalog/versions/{id}", tag = "catalog", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Version id")), request_body = SaveDraft,
    responses((status = 200, body = ItemDetail), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn save_draft(
    State(st): State<AppState>,
    StaffApi(c): StaffApi,
    Path(id): Path<i64>,
    Json(b): Json<SaveDraft>,
) -> Result<Json<ItemDetail>, WebError> {
    let v = catalog::save_draft(&st.app, &c.ctx(), id, b.guide, b.edit_version).await?;
    let g = v.guide().map_err(onewindow_app::AppError::from)?;
    Ok(Json(detail(&v, g)))
}

/// Comment or reason of a lifecycle action.
#[derive(Deserialize, ToSchema, Default)]
pub struct ActionBody {
    /// Review comment (approve/return) or withdrawal reason.
    pub comment: Option<String>,
}

/// Lifecycle action on a version: `submit`, `approve`, `return` (comment required), `publish`.
#[utoipa::path(post, path = "/catalog/versions/{id}/{action}", tag = "catalog", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Version id"), ("action" = String, Path, description = "submit | approve | return | publish")),
    request_body = ActionBody,
    responses((status = 200, body = ItemSummary), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn version_action(
    State(st): State<AppState>,
    StaffApi(c): StaffApi,
    Path((id, action)): Path<(i64, String)>,
    body: axum::body::Bytes,
) -> Result<Json<ItemSummary>, WebError> {
    // The body is optional: an empty body means no comment.
    let comment = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        serde_json::from_slice::<ActionBody>(&body)
            .map_err(|e| {
                WebError::bad_request(
                    "invalid_json",
                    None,
                    format!("请求体不是有效的 JSON：{e}"),
                    format!("the request body is not valid JSON: {e}"),
                )
            })?
            .comment
    };
    let ctx = c.ctx();
    let v = match action.as_str() {
        "submit" => catalog::submit(&st.app, &ctx, id).await?,
        "approve" => catalog::approve(&st.app, &ctx, id, comment).await?,
        "return" => {
            catalog::return_to_draft(&st.app, &ctx, id, comment.unwrap_or_default()).await?
        }
        "publish" => catalog::publish(&st.app, &ctx, id).await?,
        _ => return Err(WebError::not_found()),
    };
    Ok(Json(ItemSummary::from(v)))
}

/// Withdraw an item's version in force, with a reason.
#[utoipa::path(post, path = "/catalog/items/{id}/withdraw", tag = "catalog", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Item id")), request_body = ActionBody,
    responses((status = 200, body = ItemSummary), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn withdraw(
    State(st): State<AppState>,
    StaffApi(c): StaffApi,
    Path(id): Path<i64>,
    Json(b): Json<ActionBody>,
) -> Result<Json<ItemSummary>, WebError> {
    let v = catalog::withdraw(&st.app, &c.ctx(), id, b.comment.unwrap_or_default()).await?;
    Ok(Json(ItemSummary::from(v)))
}

/// Open a new draft version from the version in force.
#[utoipa::path(post, path = "/catalog/items/{id}/versions", tag = "catalog", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Item id")),
    responses((status = 201, body = ItemDetail), (status = 409, body = ErrorBody)))]
pub async fn open_version(
    State(st): State<AppState>,
    StaffApi(c): StaffApi,
    Path(id): Path<i64>,
) -> Result<(StatusCode, Json<ItemDetail>), WebError> {
    let v = catalog::open_new_version(&st.app, &c.ctx(), id).await?;
    let g = v.guide().map_err(onewindow_app::AppError::from)?;
    Ok((StatusCode::CREATED, Json(detail(&v, g))))
}

/// Version history of an item (catalog staff).
#[utoipa::path(get, path = "/catalog/items/{id}/history", tag = "catalog", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Item id")),
    responses((status = 200, body = [ItemSummary]), (status = 403, body = ErrorBody)))]
pub async fn history(
    State(st): State<AppState>,
    StaffApi(c): StaffApi,
    Path(id): Path<i64>,
) -> Result<Json<Vec<ItemSummary>>, WebError> {
    let (_, versions) = catalog::history(&st.app, &c.ctx(), id).await?;
    Ok(Json(versions.into_iter().map(ItemSummary::from).collect()))
}

/// Diff query.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiffQuery {
    /// Older version id.
    pub a: i64,
    /// Newer version id.
    pub b: i64,
}

/// A changed field.
#[derive(Serialize, ToSchema)]
pub struct FieldChangeDto {
    /// Path, e.g. `materials[1].name`.
    pub path: String,
    /// Old value.
    #[schema(value_type = Object)]
    pub before: serde_json::Value,
    /// New value.
    #[schema(value_type = Object)]
    pub after: serde_json::Value,
}

/// Field-level differences between two versions.
#[utoipa::path(get, path = "/catalog/diff", tag = "catalog", security(("bearer" = [])), params(DiffQuery),
    responses((status = 200, body = [FieldChangeDto]), (status = 403, body = ErrorBody)))]
pub async fn diff(
    State(st): State<AppState>,
    StaffApi(c): StaffApi,
    Query(q): Query<DiffQuery>,
) -> Result<Json<Vec<FieldChangeDto>>, WebError> {
    Ok(Json(
        catalog::diff_versions(&st.app, &c.ctx(), q.a, q.b)
            .await?
            .into_iter()
            .map(|c| FieldChangeDto {
                path: c.path,
                before: c.before,
                after: c.after,
            })
            .collect(),
    ))
}
