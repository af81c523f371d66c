//! The full-text index is derived data: rebuilt from the database at start-up (and by
//! `onewindow search reindex`), kept current by the use cases that publish or withdraw, and —
//! when several app nodes share one PostgreSQL — by following the catalog change feed
//! ([`follow_changes`]), so every node's index converges within a poll interval.

use std::sync::atomic::Ordering;

use onewindow_domain::catalog::ServiceGuide;
use onewindow_search::{IndexDoc, SearchQuery, SearchResults};
use onewindow_storage::catalog::{self as store, VersionRow};

use crate::{App, AppError, AppResult};

/// Index kind of service items.
pub const CATALOG: &str = "catalog";

/// The search document of a published catalog version.
pub fn catalog_doc(v: &VersionRow, g: &ServiceGuide) -> IndexDoc {
    let mut facets = vec![
        ("hall".to_string(), g.hall.as_str().to_string()),
        ("level".to_string(), g.level.as_str().to_string()),
        ("region".to_string(), g.region_code.clone()),
        ("department".to_string(), g.department.clone()),
        ("discretion".to_string(), g.discretion.as_str().to_string()),
    ];
    for e in &g.life_events {
        facets.push(("event".to_string(), e.clone()));
    }
    IndexDoc {
        kind: CATALOG.to_string(),
        id: v.summary.item_id,
        title: g.name.clone(),
        body: g.search_text(),
        facets,
        date: v.summary.published_at.map(|t| t.timestamp()),
        url: format!("/guide/items/{}", v.summary.item_id),
    }
}

/// Record this node's own change in the cursor (public list caches key on it).
async fn bump_cursor(app: &App) {
    let last = async {
        let mut c = app.db.conn().await?;
        Ok::<_, AppError>(store::last_change(c.h()).await?)
    }
    .await;
    match last {
        Ok(seq) => {
            app.catalog_cursor.fetch_max(seq, Ordering::SeqCst);
        }
        Err(e) => tracing::warn!(error = ?e, "reading the catalog change cursor"),
    }
}

/// Bring the index in line with the database for one item (upsert if published, else remove).
/// Index failures are logged, never returned: the database change already committed, and a
/// reindex repairs the index.
pub async fn catalog_changed(app: &App, item_id: i64) {
    bump_cursor(app).await;
    let r: AppResult<()> = async {
        let mut c = app.db.conn().await?;
        match store::public_get(c.h(), item_id).await? {
            Some(v) => {
                let g = v.guide()?;
                app.search
                    .upsert(&catalog_doc(&v, &g))
                    .map_err(|e| AppError::Unexpected(anyhow::anyhow!("{e}")))
            }
            None => app
                .search
                .remove(CATALOG, item_id)
                .map_err(|e| AppError::Unexpected(anyhow::anyhow!("{e}"))),
        }
    }
    .await;
    if let Err(e) = r {
        tracing::error!(item = item_id, error = ?e, "search index update failed; run `onewindow search reindex`");
    }
}

/// Bring the index in line for many items with one index commit (after an import).
pub async fn catalog_changed_many(app: &App, item_ids: &[i64]) {
    if item_ids.is_empty() {
        return;
    }
    bump_cursor(app).await;
    if item_ids.len() < 8 {
        for id in item_ids {
            catalog_changed(app, *id).await;
        }
        return;
    }
    let r: AppResult<()> = async {
        let wanted: std::collections::HashSet<i64> = item_ids.iter().copied().collect();
        let rows = {
            let mut c = app.db.conn().await?;
            store::public_all(c.h()).await?
        };
        let mut docs = Vec::new();
        let mut published = std::collections::HashSet::new();
        for v in rows.iter().filter(|v| wanted.contains(&v.summary.item_id)) {
            published.insert(v.summary.item_id);
            docs.push(catalog_doc(v, &v.guide()?));
        }
        for id in wanted.difference(&published) {
            app.search
                .remove(CATALOG, *id)
                .map_err(|e| AppError::Unexpected(anyhow::anyhow!("{e}")))?;
        }
        app.search
            .upsert_many(&docs)
            .map_err(|e| AppError::Unexpected(anyhow::anyhow!("{e}")))
    }
    .await;
    if let Err(e) = r {
        tracing::error!(error = ?e, "search index update failed; run `onewindow search reindex`");
    }
}

/// Rebuild the catalog part of the index from the published versions. Returns the count.
pub async fn reindex_catalog(
    app: &App,
    mut progress: impl FnMut(usize, usize),
) -> AppResult<usize> {
    let (rows, cursor) = {
        let mut c = app.db.conn().await?;
        let cursor = store::last_change(c.h()).await?;
        (store::public_all(c.h()).await?, cursor)
    };
    let total = rows.len();
    let mut docs = Vec::with_capacity(total);
    for (i, v) in rows.iter().enumerate() {
        docs.push(catalog_doc(v, &v.guide()?));
        progress(i + 1, total);
    }
    app.search
        .clear_kind(CATALOG)
        .and_then(|_| app.search.upsert_many(&docs))
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("{e}")))?;
    app.catalog_cursor.store(cursor, Ordering::SeqCst);
    Ok(total)
}

/// Apply catalog changes made by other nodes since the last one seen. Returns how many.
pub async fn follow_changes(app: &App) -> AppResult<usize> {
    let cursor = app.catalog_cursor.load(Ordering::SeqCst);
    let rows = {
        let mut c = app.db.conn().await?;
        store::changes_since(c.h(), cursor, 500).await?
    };
    let mut items: Vec<i64> = rows.iter().map(|r| r.item_id).collect();
    items.sort_unstable();
    items.dedup();
    for id in &items {
        catalog_changed(app, *id).await;
    }
    if let Some(last) = rows.last() {
        app.catalog_cursor.fetch_max(last.seq, Ordering::SeqCst);
    }
    Ok(rows.len())
}

/// Search published service items. Filters are facet name/value pairs (`hall`, `level`,
/// `region`, `department`, `discretion`, `event`).
pub async fn search_catalog(
    app: &App,
    text: &str,
    filters: Vec<(String, String)>,
    offset: usize,
    limit: usize,
) -> AppResult<SearchResults> {
    app.search
        .search(&SearchQuery {
            kind: CATALOG.to_string(),
            text: text.to_string(),
            filters,
            offset,
            limit: limit.clamp(1, 100),
        })
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("{e}")))
}
