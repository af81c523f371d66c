//! Proactive disclosure (主动公开): drafting, 保密审查 and 审核 by someone other than the
//! author, immediate or scheduled publication, updates as new versions, withdrawal with a public
//! notice, logged emergency publication with retrospective approval, site migration, and the
//! public portal's reads and search.
//!
//! "未经审核的信息不得上网公布": every public read goes through [`store::public_get`] and friends,
//! which select only published, proactively disclosed versions; the database refuses to store a
//! published version without both reviews (CHECK constraints). The search index and page caches
//! are derived from the same reads after each commit, and every node follows the change feed
//! ([`follow_changes`]) so a withdrawal disappears everywhere.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use onewindow_domain::DomainError;
use onewindow_domain::audit::AuditAction;
use onewindow_domain::disclosure::item::{
    self as rules, Attribute, ChangeSize, Column, DeadlineLevel, Genre, ItemContent, Validity,
    Verdict, VersionState,
};
use onewindow_domain::org::{Permission, Target};
pub use onewindow_search::SearchResults;
use onewindow_search::{IndexDoc, SearchQuery};
use onewindow_storage::H;
use onewindow_storage::audit;
use onewindow_storage::items as store;
pub use onewindow_storage::items::{
    AttachmentRow, ItemRow, PublicFilter, PublicRow, VersionRow, WithdrawnRow,
};
use serde::Serialize;
use serde_json::json;

use crate::{App, AppError, AppResult, Ctx, unexpected};

/// Search index kind of disclosure items.
pub const KIND: &str = "disclosure";

/// Above this many pending changes the index is rebuilt instead of updated item by item.
const REBUILD_BACKLOG: i64 = 5000;

/// Largest attachment accepted.
pub const MAX_ATTACHMENT_BYTES: usize = 20 * 1024 * 1024;

/// An item as staff see it: every version, the one being worked on, the live one.
#[derive(Debug, Clone, Serialize)]
pub struct ItemView {
    /// The item.
    pub item: ItemRow,
    /// All versions, oldest first.
    pub versions: Vec<VersionRow>,
    /// The newest version.
    pub current: VersionRow,
    /// The version the public sees.
    pub live: Option<VersionRow>,
    /// Attachments of the newest version.
    pub attachments: Vec<AttachmentRow>,
    /// Publication deadline of the newest version while unpublished (条例 art. 26).
    pub due: Option<NaiveDate>,
    /// Where it stands against the deadline, and working days left.
    pub level: Option<(DeadlineLevel, i64)>,
}

/// What a published item shows the public.
#[derive(Debug, Clone, Serialize)]
pub struct PublicItem {
    /// The item (index number).
    pub item: ItemRow,
    /// The live version.
    pub version: VersionRow,
    /// Its attachments.
    pub attachments: Vec<AttachmentRow>,
    /// Earlier published versions' numbers and change notes (更新记录).
    pub history: Vec<HistoryEntry>,
}

/// One published version in an item's update record (更新记录).
#[derive(Debug, Clone, Serialize)]
pub struct HistoryEntry {
    /// Version number.
    pub version_no: i64,
    /// Size of the change (`major`/`minor`; none for the first version).
    pub change_size: Option<String>,
    /// What changed.
    pub change_note: Option<String>,
    /// When it went live.
    pub published_at: Option<DateTime<Utc>>,
}

fn staff_id(ctx: &Ctx) -> AppResult<Option<i64>> {
    match &ctx.principal {
        crate::Principal::Staff(u) => Ok(Some(u.id.get())),
        crate::Principal::Operator => Ok(None),
        crate::Principal::Anonymous => Err(AppError::Unauthenticated),
    }
}

async fn target(h: H<'_>, department: Option<i64>) -> AppResult<Target> {
    crate::users::target_of_department(h, department).await
}

fn state_of(v: &VersionRow) -> AppResult<VersionState> {
    VersionState::parse(&v.state)
        .ok_or_else(|| unexpected(anyhow::anyhow!("bad state {}", v.state)))
}

fn content_of(v: &VersionRow) -> ItemContent {
    ItemContent {
        title: v.title.clone(),
        doc_number: v.doc_number.clone(),
        issuing_body: v.issuing_body.clone(),
        written_on: v.written_on,
        formed_on: v.formed_on,
        column: Column::parse(&v.column_key).unwrap_or(Column::Notices),
        topic: v.topic.clone(),
        genre: Genre::parse(&v.genre).unwrap_or(Genre::Other),
        keywords: serde_json::from_str(&v.keywords).unwrap_or_default(),
        validity: Validity::parse(&v.validity).unwrap_or(Validity::Valid),
        attribute: Attribute::parse(&v.attribute).unwrap_or(Attribute::Proactive),
        attribute_reason: v.attribute_reason.clone(),
        summary: v.summary.clone(),
        body: v.body_src.clone(),
    }
}

/// The content of a version for editing.
pub fn content(v: &VersionRow) -> ItemContent {
    content_of(v)
}

fn apply_content(v: &mut VersionRow, c: &ItemContent) -> AppResult<()> {
    let rendered = onewindow_documents::render_markup(&c.body);
    v.title = c.title.clone();
    v.doc_number = c.doc_number.clone();
    v.issuing_body = c.issuing_body.clone();
    v.written_on = c.written_on;
    v.formed_on = c.formed_on;
    v.column_key = c.column.as_str().to_owned();
    v.topic = c.topic.clone();
    v.genre = c.genre.as_str().to_owned();
    v.keywords = serde_json::to_string(&c.keywords).map_err(unexpected)?;
    v.validity = c.validity.as_str().to_owned();
    v.attribute = c.attribute.as_str().to_owned();
    v.attribute_reason = c.attribute_reason.clone();
    v.summary = c.summary.clone();
    v.body_src = c.body.clone();
    v.body_html = rendered.html;
    v.body_text = rendered.text;
    Ok(())
}

fn blank_version(item_id: i64, department_id: Option<i64>, author: Option<i64>) -> VersionRow {
    let t = Utc::now();
    VersionRow {
        id: 0,
        item_id,
        version_no: 1,
        state: VersionState::Draft.as_str().to_owned(),
        department_id,
        change_size: None,
        change_note: None,
        title: String::new(),
        doc_number: String::new(),
        issuing_body: String::new(),
        written_on: None,
        formed_on: t.date_naive(),
        column_key: String::new(),
        topic: String::new(),
        genre: String::new(),
        keywords: "[]".into(),
        validity: String::new(),
        attribute: String::new(),
        attribute_reason: String::new(),
        summary: String::new(),
        body_src: String::new(),
        body_html: String::new(),
        body_text: String::new(),
        author_id: author,
        migrated_by: None,
        submitted_at: None,
        secrecy_by: None,
        secrecy_at: None,
        secrecy_note: None,
        content_by: None,
        content_at: None,
        content_note: None,
        returned_note: None,
        publish_at: None,
        published_at: None,
        emergency_by: None,
        emergency_reason: None,
        retro_by: None,
        retro_at: None,
        created_at: t,
        updated_at: t,
    }
}

/// Draft a new item for `department` (default: the author's home department).
pub async fn create(
    app: &App,
    ctx: &Ctx,
    department: Option<i64>,
    content: ItemContent,
) -> AppResult<i64> {
    let author = staff_id(ctx)?;
    let department = department.or_else(|| ctx.user().and_then(|u| u.department_id.map(|d| d.0)));
    let content = content.validate()?;
    content.check_formed_on(app.today())?;
    let mut tx = app.db.begin().await?;
    let t = target(tx.h(), department).await?;
    ctx.require(Permission::DraftDisclosure, &t)?;
    let id = store::insert_item(tx.h(), department, author).await?;
    let mut v = blank_version(id, department, author);
    apply_content(&mut v, &content)?;
    store::insert_version(tx.h(), &v).await?;
    audit::append(
        tx.h(),
        &ctx.event(
            AuditAction::InfoItemDrafted,
            "info_item",
            id,
            department,
            json!({"version": 1, "title": content.title}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Load an item and its newest version for a change, claiming the item (optimistic lock).
async fn claim(mut h: H<'_>, id: i64, expected: Option<i64>) -> AppResult<(ItemRow, VersionRow)> {
    let item = store::get_item(h.re(), id).await?;
    if let Some(e) = expected
        && e != item.version
    {
        return Err(AppError::stale());
    }
    if !store::bump_item(h.re(), id, item.version).await? {
        return Err(AppError::stale());
    }
    let newest = store::versions_of(h.re(), id)
        .await?
        .into_iter()
        .last()
        .ok_or(AppError::NotFound)?;
    Ok((item, newest))
}

/// [`claim`] for a caller who needs `perm` over the item's department (the claim is rolled
/// back with the transaction when the permission is missing).
async fn claim_as(
    mut h: H<'_>,
    ctx: &Ctx,
    perm: Permission,
    id: i64,
    expected: Option<i64>,
) -> AppResult<(ItemRow, VersionRow)> {
    let (item, newest) = claim(h.re(), id, expected).await?;
    let t = target(h, item.department_id).await?;
    ctx.require(perm, &t)?;
    Ok((item, newest))
}

fn wrong_state(s: VersionState) -> AppError {
    AppError::conflict(
        format!("该信息当前为“{}”，不能进行此操作", s.zh()),
        format!(
            "the item is {}; this action is not possible now",
            s.as_str()
        ),
    )
}

/// Save the draft's content. `expected` is the item version the editor saw; `change` is
/// required for versions after the first (重大/一般更新 with a change note).
pub async fn edit(
    app: &App,
    ctx: &Ctx,
    id: i64,
    expected: i64,
    content: ItemContent,
    change: Option<(ChangeSize, String)>,
) -> AppResult<()> {
    let content = content.validate()?;
    content.check_formed_on(app.today())?;
    let mut tx = app.db.begin().await?;
    let (item, mut v) =
        claim_as(tx.h(), ctx, Permission::DraftDisclosure, id, Some(expected)).await?;
    let state = state_of(&v)?;
    if state != VersionState::Draft {
        return Err(wrong_state(state));
    }
    if v.version_no > 1 {
        let (size, note) = change.ok_or_else(|| {
            DomainError::field(
                "change_note",
                "更新已发布的信息须选择更新类型并填写更新说明",
                "an update of a published item needs its size and a change note",
            )
        })?;
        let note = note.trim().to_owned();
        if note.is_empty() || note.chars().count() > 500 {
            return Err(DomainError::field(
                "change_note",
                "请填写更新说明（不超过500字）",
                "change_note is required (at most 500 characters)",
            )
            .into());
        }
        v.change_size = Some(size.as_str().to_owned());
        v.change_note = Some(note);
    }
    apply_content(&mut v, &content)?;
    store::save_version(tx.h(), &v).await?;
    audit::append(
        tx.h(),
        &ctx.event(
            AuditAction::InfoItemDrafted,
            "info_item",
            id,
            item.department_id,
            json!({"version": v.version_no, "saved": true}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Open a new draft version from the newest one (to update or correct a published item, or
/// to bring back a withdrawn one). Its attachments come along.
pub async fn new_version(app: &App, ctx: &Ctx, id: i64) -> AppResult<i64> {
    let author = staff_id(ctx)?;
    let mut tx = app.db.begin().await?;
    let (item, prev) = claim_as(tx.h(), ctx, Permission::DraftDisclosure, id, None).await?;
    let state = state_of(&prev)?;
    if state.is_open() || state == VersionState::Scheduled {
        return Err(wrong_state(state));
    }
    let mut v = blank_version(id, item.department_id, author);
    v.version_no = prev.version_no + 1;
    apply_content(&mut v, &content_of(&prev))?;
    v.change_size = Some(ChangeSize::Minor.as_str().to_owned());
    let v = store::insert_version(tx.h(), &v).await?;
    store::copy_attachments(tx.h(), prev.id, v.id).await?;
    audit::append(
        tx.h(),
        &ctx.event(
            AuditAction::InfoItemDrafted,
            "info_item",
            id,
            item.department_id,
            json!({"version": v.version_no, "from": prev.version_no}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(v.version_no)
}

/// Hand the draft in for 保密审查.
pub async fn submit(app: &App, ctx: &Ctx, id: i64) -> AppResult<()> {
    let mut tx = app.db.begin().await?;
    let (item, mut v) = claim_as(tx.h(), ctx, Permission::DraftDisclosure, id, None).await?;
    v.state = state_of(&v)?.submit()?.as_str().to_owned();
    v.submitted_at = Some(Utc::now());
    v.returned_note = None;
    store::save_version(tx.h(), &v).await?;
    audit::append(
        tx.h(),
        &ctx.event(
            AuditAction::InfoItemSubmitted,
            "info_item",
            id,
            item.department_id,
            json!({"version": v.version_no}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The author drops a draft that was never published (the item's earlier versions, if any,
/// stay as they are).
pub async fn abandon(app: &App, ctx: &Ctx, id: i64) -> AppResult<()> {
    let mut tx = app.db.begin().await?;
    let (item, mut v) = claim_as(tx.h(), ctx, Permission::DraftDisclosure, id, None).await?;
    v.state = state_of(&v)?.abandon()?.as_str().to_owned();
    store::save_version(tx.h(), &v).await?;
    audit::append(
        tx.h(),
        &ctx.event(
            AuditAction::InfoItemDrafted,
            "info_item",
            id,
            item.department_id,
            json!({"version": v.version_no, "abandoned": true}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The body code in index numbers: a department's credit code, else the configured code.
async fn body_code(app: &App, h: H<'_>, department: Option<i64>) -> AppResult<String> {
    Ok(match department {
        Some(d) => onewindow_storage::org::get_department(h, d)
            .await?
            .credit_code
            .unwrap_or_else(|| app.settings.index_body_code.clone()),
        None => app.settings.index_body_code.clone(),
    })
}

/// Make `v` the live version of `item` (within the caller's transaction): supersede the old
/// one, give the item its index number, record the change. Returns the change cursor.
async fn go_live(
    app: &App,
    mut h: H<'_>,
    item: &ItemRow,
    v: &mut VersionRow,
    at: DateTime<Utc>,
) -> AppResult<i64> {
    if let Some(live) = item.live_version
        && live != v.version_no
    {
        let mut old = store::get_version(h.re(), item.id, live).await?;
        if old.state == VersionState::Published.as_str() {
            old.state = VersionState::Superseded.as_str().to_owned();
            store::save_version(h.re(), &old).await?;
        }
    }
    v.state = VersionState::Published.as_str().to_owned();
    v.published_at = Some(at);
    v.publish_at.get_or_insert(at);
    store::save_version(h.re(), v).await?;
    let index_no = match &item.index_no {
        Some(n) => n.clone(),
        None => {
            let body = body_code(app, h.re(), item.department_id).await?;
            let year = (at + chrono::Duration::hours(8)).year();
            let serial = store::next_serial(h.re(), &body, year).await?;
            let column = Column::parse(&v.column_key).unwrap_or(Column::Notices);
            app.settings.index_format.format(
                &body,
                column,
                year,
                u32::try_from(serial).unwrap_or(u32::MAX),
            )
        }
    };
    store::set_public(h.re(), item.id, Some(&index_no), Some(v.version_no), None).await?;
    Ok(store::record_change(h, item.id).await?)
}

/// A reviewer decides the step the newest version waits in. Passing 审核 publishes it at once,
/// or at `publish_at` when that is in the future.
pub async fn review(
    app: &App,
    ctx: &Ctx,
    id: i64,
    verdict: Verdict,
    note: &str,
    publish_at: Option<DateTime<Utc>>,
) -> AppResult<()> {
    let reviewer = staff_id(ctx)?.ok_or(AppError::Forbidden)?;
    let note = note.trim();
    if note.chars().count() > 1000 {
        return Err(
            DomainError::field("note", "审核意见过长（最多1000字）", "note is too long").into(),
        );
    }
    if verdict == Verdict::Return && note.is_empty() {
        return Err(DomainError::field(
            "note",
            "退回修改须说明理由",
            "a returned item needs the reason",
        )
        .into());
    }
    let now = Utc::now();
    let mut tx = app.db.begin().await?;
    let (item, mut v) = claim_as(tx.h(), ctx, Permission::ReviewDisclosure, id, None).await?;
    if let Some(author) = v.author_id {
        rules::check_reviewer(author, reviewer)?;
    }
    let state = state_of(&v)?;
    let publish_now = publish_at.is_none_or(|p| p <= now);
    let next = state.review(verdict, publish_now)?;
    let note_opt = (!note.is_empty()).then(|| note.to_owned());
    match (state, verdict) {
        (_, Verdict::Return) => v.returned_note = note_opt.clone(),
        (VersionState::SecrecyReview, Verdict::Pass) => {
            v.secrecy_by = Some(reviewer);
            v.secrecy_at = Some(now);
            v.secrecy_note = note_opt.clone();
        }
        (_, Verdict::Pass) => {
            v.content_by = Some(reviewer);
            v.content_at = Some(now);
            v.content_note = note_opt.clone();
            v.publish_at = Some(publish_at.unwrap_or(now).max(now));
        }
    }
    if verdict == Verdict::Return {
        // Both reviews start again on the corrected draft.
        v.secrecy_by = None;
        v.secrecy_at = None;
        v.content_by = None;
        v.content_at = None;
    }
    let mut cursor = None;
    if next == VersionState::Published {
        cursor = Some(go_live(app, tx.h(), &item, &mut v, now).await?);
    } else {
        v.state = next.as_str().to_owned();
        store::save_version(tx.h(), &v).await?;
    }
    audit::append(
        tx.h(),
        &ctx.event(
            AuditAction::InfoItemReviewed,
            "info_item",
            id,
            item.department_id,
            json!({"version": v.version_no, "step": state.as_str(), "verdict": format!("{verdict:?}").to_lowercase(), "note": note_opt, "next": next.as_str(), "publish_at": v.publish_at}),
        ),
    )
    .await?;
    if next == VersionState::Published {
        audit::append(
            tx.h(),
            &ctx.event(
                AuditAction::InfoItemPublished,
                "info_item",
                id,
                item.department_id,
                json!({"version": v.version_no}),
            ),
        )
        .await?;
    }
    tx.commit().await?;
    if let Some(seq) = cursor {
        item_changed(app, id, seq).await;
    }
    Ok(())
}

/// Publish scheduled versions whose time has come (the server runs this every few seconds).
/// Returns the items published.
pub async fn release_due(app: &App) -> AppResult<Vec<i64>> {
    let now = Utc::now();
    let due = {
        let mut c = app.db.conn().await?;
        store::due_scheduled(c.h(), now).await?
    };
    let mut done = Vec::new();
    for d in due {
        let mut tx = app.db.begin().await?;
        let (item, mut v) = match claim(tx.h(), d.item_id, None).await {
            Ok(x) => x,
            Err(AppError::Conflict { .. }) => continue,
            Err(e) => return Err(e),
        };
        if v.id != d.id || state_of(&v)? != VersionState::Scheduled {
            continue;
        }
        state_of(&v)?.release()?;
        let seq = go_live(app, tx.h(), &item, &mut v, now).await?;
        let mut ev = Ctx::operator().event(
            AuditAction::InfoItemPublished,
            "info_item",
            item.id,
            item.department_id,
            json!({"version": v.version_no, "scheduled": v.publish_at}),
        );
        ev.actor = onewindow_domain::audit::Actor::system();
        ev.request_id = Some("scheduler".into());
        ev.source = Some("system".into());
        audit::append(tx.h(), &ev).await?;
        tx.commit().await?;
        item_changed(app, item.id, seq).await;
        done.push(item.id);
    }
    Ok(done)
}

/// Publish the newest version now without review — only as a logged emergency action with a
/// reason; it then waits for retrospective approval by another reviewer.
pub async fn emergency_publish(app: &App, ctx: &Ctx, id: i64, reason: &str) -> AppResult<()> {
    let by = staff_id(ctx)?.ok_or(AppError::Forbidden)?;
    let reason = rules::check_emergency_reason(reason)?;
    let now = Utc::now();
    let mut tx = app.db.begin().await?;
    let (item, mut v) = claim_as(tx.h(), ctx, Permission::ReviewDisclosure, id, None).await?;
    state_of(&v)?.emergency()?;
    v.emergency_by = Some(by);
    v.emergency_reason = Some(reason.clone());
    let seq = go_live(app, tx.h(), &item, &mut v, now).await?;
    audit::append(
        tx.h(),
        &ctx.event(
            AuditAction::InfoItemEmergencyPublished,
            "info_item",
            id,
            item.department_id,
            json!({"version": v.version_no, "reason": reason}),
        ),
    )
    .await?;
    tx.commit().await?;
    item_changed(app, id, seq).await;
    Ok(())
}

/// Approve an emergency publication afterwards, or reject it (the item is then withdrawn).
pub async fn retro_review(
    app: &App,
    ctx: &Ctx,
    id: i64,
    verdict: Verdict,
    note: &str,
) -> AppResult<()> {
    let by = staff_id(ctx)?.ok_or(AppError::Forbidden)?;
    let note = note.trim().chars().take(1000).collect::<String>();
    let mut tx = app.db.begin().await?;
    let (item, mut v) = claim_as(tx.h(), ctx, Permission::ReviewDisclosure, id, None).await?;
    let live = match item.live_version {
        Some(n) => store::get_version(tx.h(), id, n).await?,
        None => return Err(wrong_state(state_of(&v)?)),
    };
    if live.emergency_by.is_none() || live.retro_by.is_some() {
        return Err(AppError::conflict(
            "该信息没有待事后审核的紧急发布",
            "no emergency publication awaits approval",
        ));
    }
    if live.emergency_by == Some(by) {
        return Err(DomainError::field(
            "reviewer",
            "紧急发布须由发布人以外的人员事后审核",
            "someone other than the emergency publisher must approve it",
        )
        .into());
    }
    if live.author_id == Some(by) {
        rules::check_reviewer(by, by)?;
    }
    let mut cursor = None;
    if live.id == v.id {
        v.retro_by = Some(by);
        v.retro_at = Some(Utc::now());
        store::save_version(tx.h(), &v).await?;
    } else {
        let mut l = live.clone();
        l.retro_by = Some(by);
        l.retro_at = Some(Utc::now());
        store::save_version(tx.h(), &l).await?;
    }
    if verdict == Verdict::Return {
        let reason = if note.is_empty() {
            "紧急发布事后审核未通过".to_owned()
        } else {
            format!("紧急发布事后审核未通过：{note}")
        };
        let mut l = store::get_version(tx.h(), id, live.version_no).await?;
        l.state = state_of(&l)?.withdraw()?.as_str().to_owned();
        store::save_version(tx.h(), &l).await?;
        store::set_public(tx.h(), id, None, None, Some((by, &reason))).await?;
        cursor = Some(store::record_change(tx.h(), id).await?);
    }
    audit::append(
        tx.h(),
        &ctx.event(
            AuditAction::InfoItemRetroReviewed,
            "info_item",
            id,
            item.department_id,
            json!({"version": live.version_no, "verdict": format!("{verdict:?}").to_lowercase(), "note": note}),
        ),
    )
    .await?;
    tx.commit().await?;
    if let Some(seq) = cursor {
        item_changed(app, id, seq).await;
    }
    Ok(())
}

/// Withdraw the live (or cancel the scheduled) version, with the reason shown to the public
/// in the withdrawal notice (撤回公告).
pub async fn withdraw(app: &App, ctx: &Ctx, id: i64, reason: &str) -> AppResult<()> {
    let by = staff_id(ctx)?.ok_or(AppError::Forbidden)?;
    let reason = reason.trim();
    if reason.chars().count() < 4 || reason.chars().count() > 500 {
        return Err(DomainError::field(
            "reason",
            "撤回须说明理由（4至500字），理由将向公众公告",
            "a withdrawal needs a public reason (4 to 500 characters)",
        )
        .into());
    }
    let mut tx = app.db.begin().await?;
    let (item, newest) = claim_as(tx.h(), ctx, Permission::ReviewDisclosure, id, None).await?;
    let mut targets = Vec::new();
    if let Some(n) = item.live_version {
        targets.push(store::get_version(tx.h(), id, n).await?);
    }
    if newest.state == VersionState::Scheduled.as_str() {
        targets.push(newest.clone());
    }
    if targets.is_empty() {
        return Err(wrong_state(state_of(&newest)?));
    }
    for mut v in targets {
        v.state = state_of(&v)?.withdraw()?.as_str().to_owned();
        store::save_version(tx.h(), &v).await?;
    }
    let was_public = item.live_version.is_some();
    store::set_public(tx.h(), id, None, None, was_public.then_some((by, reason))).await?;
    let seq = store::record_change(tx.h(), id).await?;
    audit::append(
        tx.h(),
        &ctx.event(
            AuditAction::InfoItemWithdrawn,
            "info_item",
            id,
            item.department_id,
            json!({"reason": reason}),
        ),
    )
    .await?;
    tx.commit().await?;
    item_changed(app, id, seq).await;
    Ok(())
}

/// Attach a file (PDF, DOCX, JPEG or PNG) to the draft; its text is extracted for search.
pub async fn add_attachment(
    app: &App,
    ctx: &Ctx,
    id: i64,
    filename: &str,
    bytes: &[u8],
) -> AppResult<i64> {
    if bytes.is_empty() || bytes.len() > MAX_ATTACHMENT_BYTES {
        return Err(DomainError::field(
            "file",
            "附件须为非空文件，且不超过 20 MB",
            "the attachment must be a non-empty file of at most 20 MB",
        )
        .into());
    }
    let name = crate::applicants::clean_filename(filename);
    let lower = name.to_lowercase();
    let (media, text) = match crate::applicants::sniff(bytes) {
        Some("application/pdf") => (
            "application/pdf",
            onewindow_documents::pdf_text(bytes).unwrap_or_default(),
        ),
        Some("application/zip") if lower.ends_with(".docx") => (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            onewindow_documents::docx_text(bytes).map_err(|e| {
                DomainError::field(
                    "file",
                    format!("无法读取 DOCX 文件：{e}"),
                    format!("cannot read the DOCX file: {e}"),
                )
            })?,
        ),
        Some(m @ ("image/jpeg" | "image/png")) => (m, String::new()),
        _ => {
            return Err(DomainError::field(
                "file",
                "附件须为 PDF、DOCX、JPG 或 PNG 文件",
                "the attachment must be a PDF, DOCX, JPEG or PNG file",
            )
            .into());
        }
    };
    let sha = crate::applicants::store_file(app, bytes).await?;
    let mut tx = app.db.begin().await?;
    let (item, v) = claim_as(tx.h(), ctx, Permission::DraftDisclosure, id, None).await?;
    let state = state_of(&v)?;
    if state != VersionState::Draft {
        return Err(wrong_state(state));
    }
    let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    let aid = store::insert_attachment(tx.h(), v.id, &name, media, &sha, size, &text).await?;
    audit::append(
        tx.h(),
        &ctx.event(
            AuditAction::InfoItemDrafted,
            "info_item",
            id,
            item.department_id,
            json!({"version": v.version_no, "attachment": name, "sha256": sha}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(aid)
}

/// Remove an attachment from the draft.
pub async fn remove_attachment(app: &App, ctx: &Ctx, id: i64, attachment: i64) -> AppResult<()> {
    let mut tx = app.db.begin().await?;
    let (_, v) = claim_as(tx.h(), ctx, Permission::DraftDisclosure, id, None).await?;
    let state = state_of(&v)?;
    if state != VersionState::Draft {
        return Err(wrong_state(state));
    }
    if !store::delete_attachment(tx.h(), v.id, attachment).await? {
        return Err(AppError::NotFound);
    }
    tx.commit().await?;
    Ok(())
}

fn deadline(app: &App, v: &VersionRow) -> (Option<NaiveDate>, Option<(DeadlineLevel, i64)>) {
    let state = VersionState::parse(&v.state);
    if !state.is_some_and(|s| s.is_open()) {
        return (None, None);
    }
    let cal = app.case_calendar();
    let due = rules::publication_due(&cal, v.formed_on).ok();
    let level = due.and_then(|d| {
        rules::deadline_level(&cal, app.today(), d, app.settings.warn_days.max(3)).ok()
    });
    (due, level)
}

/// An item for staff (anyone who may draft or review in its department).
pub async fn view(app: &App, ctx: &Ctx, id: i64) -> AppResult<ItemView> {
    let mut c = app.db.conn().await?;
    let item = store::get_item(c.h(), id).await?;
    let t = target(c.h(), item.department_id).await?;
    if ctx.require(Permission::DraftDisclosure, &t).is_err() {
        ctx.require(Permission::ReviewDisclosure, &t)?;
    }
    let versions = store::versions_of(c.h(), id).await?;
    let current = versions.last().cloned().ok_or(AppError::NotFound)?;
    let live = item
        .live_version
        .and_then(|n| versions.iter().find(|v| v.version_no == n).cloned());
    let attachments = store::attachments_of(c.h(), current.id).await?;
    let (due, level) = deadline(app, &current);
    Ok(ItemView {
        item,
        versions,
        current,
        live,
        attachments,
        due,
        level,
    })
}

/// One row of an officer's list.
#[derive(Debug, Clone, Serialize)]
pub struct DeskRow {
    /// The version.
    pub version: VersionRow,
    /// Publication deadline while unpublished.
    pub due: Option<NaiveDate>,
    /// Deadline level and working days left.
    pub level: Option<(DeadlineLevel, i64)>,
}

/// The officer's pages: my drafts, my review queue, scheduled items, emergency publications
/// awaiting approval, and the deadline dashboard.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Desk {
    /// Drafts (mine; for an operator, all).
    pub drafts: Vec<DeskRow>,
    /// Versions waiting for a review step this user may do (not their own).
    pub queue: Vec<DeskRow>,
    /// Scheduled publications.
    pub scheduled: Vec<DeskRow>,
    /// Emergency publications awaiting retrospective approval.
    pub retro: Vec<DeskRow>,
    /// Every unpublished version with its deadline, most urgent first.
    pub deadlines: Vec<DeskRow>,
    /// Recently published.
    pub recent: Vec<DeskRow>,
}

/// The desk of the calling officer or reviewer.
pub async fn desk(app: &App, ctx: &Ctx) -> AppResult<Desk> {
    let me = staff_id(ctx)?;
    let drafter = ctx.require_any(Permission::DraftDisclosure).is_ok();
    let reviewer = ctx.require_any(Permission::ReviewDisclosure).is_ok();
    if !drafter && !reviewer {
        return Err(AppError::Forbidden);
    }
    let mut c = app.db.conn().await?;
    // Scope: what the caller may see (department-scoped grants filter the lists).
    let mut allowed: HashMap<Option<i64>, bool> = HashMap::new();
    let mut visible = Vec::new();
    let all = store::versions_in(
        c.h(),
        &["draft", "secrecy_review", "content_review", "scheduled"],
        None,
        None,
        2000,
    )
    .await?;
    let published = store::versions_in(c.h(), &["published"], None, None, 50).await?;
    for v in all.into_iter().chain(published) {
        let ok = match allowed.get(&v.department_id) {
            Some(ok) => *ok,
            None => {
                let t = target(c.h(), v.department_id).await?;
                let ok = ctx.require(Permission::DraftDisclosure, &t).is_ok()
                    || ctx.require(Permission::ReviewDisclosure, &t).is_ok();
                allowed.insert(v.department_id, ok);
                ok
            }
        };
        if ok {
            visible.push(v);
        }
    }
    let mut desk = Desk::default();
    let row = |v: &VersionRow| {
        let (due, level) = deadline(app, v);
        DeskRow {
            version: v.clone(),
            due,
            level,
        }
    };
    for v in &visible {
        match VersionState::parse(&v.state) {
            Some(VersionState::Draft) if me.is_none() || v.author_id == me => {
                desk.drafts.push(row(v))
            }
            Some(VersionState::SecrecyReview | VersionState::ContentReview)
                if reviewer && (me.is_none() || v.author_id != me) =>
            {
                desk.queue.push(row(v))
            }
            Some(VersionState::Scheduled) => desk.scheduled.push(row(v)),
            Some(VersionState::Published) => desk.recent.push(row(v)),
            _ => {}
        }
        if VersionState::parse(&v.state).is_some_and(|s| s.is_open()) {
            desk.deadlines.push(row(v));
        }
    }
    desk.deadlines.sort_by_key(|r| (r.due, r.version.id));
    desk.queue.sort_by_key(|r| (r.due, r.version.id));
    if reviewer {
        for v in store::awaiting_retro(c.h()).await? {
            desk.retro.push(row(&v));
        }
    }
    Ok(desk)
}

// ---------------------------------------------------------------------------------------------
// Public reads.

/// A published item, or `None` when the public may not see it.
pub async fn public_item(app: &App, id: i64) -> AppResult<Option<PublicItem>> {
    let mut c = app.db.conn().await?;
    let Some(version) = store::public_get(c.h(), id).await? else {
        return Ok(None);
    };
    let item = store::get_item(c.h(), id).await?;
    let attachments = store::attachments_of(c.h(), version.id).await?;
    let history = store::versions_of(c.h(), id)
        .await?
        .into_iter()
        .filter(|v| matches!(v.state.as_str(), "published" | "superseded"))
        .map(|v| HistoryEntry {
            version_no: v.version_no,
            change_size: v.change_size,
            change_note: v.change_note,
            published_at: v.published_at,
        })
        .collect();
    Ok(Some(PublicItem {
        item,
        version,
        attachments,
        history,
    }))
}

/// The withdrawal notice of an item, if it was withdrawn.
pub async fn withdrawal_notice(app: &App, id: i64) -> AppResult<Option<WithdrawnRow>> {
    let mut c = app.db.conn().await?;
    Ok(store::withdrawn(c.h(), Some(id), 1)
        .await?
        .into_iter()
        .next())
}

/// Withdrawal notices, newest first.
pub async fn withdrawal_notices(app: &App, limit: i64) -> AppResult<Vec<WithdrawnRow>> {
    let mut c = app.db.conn().await?;
    Ok(store::withdrawn(c.h(), None, limit).await?)
}

/// An attachment of a published item (public download).
pub async fn public_attachment(
    app: &App,
    id: i64,
    attachment: i64,
) -> AppResult<(AttachmentRow, Vec<u8>)> {
    let item = public_item(app, id).await?.ok_or(AppError::NotFound)?;
    let a = item
        .attachments
        .into_iter()
        .find(|a| a.id == attachment)
        .ok_or(AppError::NotFound)?;
    let bytes = crate::applicants::read_file(app, &a.sha256).await?;
    Ok((a, bytes))
}

/// An attachment of any version, for staff who may see the item.
pub async fn staff_attachment(
    app: &App,
    ctx: &Ctx,
    id: i64,
    attachment: i64,
) -> AppResult<(AttachmentRow, Vec<u8>)> {
    let v = view(app, ctx, id).await?;
    let mut c = app.db.conn().await?;
    for ver in v.versions.iter().rev() {
        if let Some(a) = store::attachments_of(c.h(), ver.id)
            .await?
            .into_iter()
            .find(|a| a.id == attachment)
        {
            let bytes = crate::applicants::read_file(app, &a.sha256).await?;
            return Ok((a, bytes));
        }
    }
    Err(AppError::NotFound)
}

/// A page of published items (newest first) and the total.
///
/// Any page costs the same: the ordered keys of the filter's whole list are read once per change
/// cursor (one scan of the covering index) and kept; a page is a slice of them and one read of
/// twenty rows by key. A deep page no longer walks the index up to its offset.
pub async fn public_list(
    app: &App,
    filter: &PublicFilter,
    offset: i64,
    limit: i64,
) -> AppResult<(Vec<PublicRow>, i64)> {
    let keys = public_keys(app, filter).await?;
    let total = i64::try_from(keys.len()).unwrap_or(i64::MAX);
    let from = usize::try_from(offset.max(0)).unwrap_or(usize::MAX);
    let n = usize::try_from(limit.clamp(1, 100)).unwrap_or(20);
    let page = keys
        .get(from..)
        .map(|rest| &rest[..rest.len().min(n)])
        .unwrap_or(&[]);
    let mut c = app.db.conn().await?;
    Ok((store::public_rows(c.h(), page).await?, total))
}

/// Most filters whose keys are kept at once (each at most 8 bytes a published item).
const LIST_KEYS_KEPT: usize = 32;

/// The ordered keys of a public list, read once per change cursor. The lock is held while they
/// are read, so concurrent requests for a list not yet read wait for one read (no stampede).
async fn public_keys(app: &App, filter: &PublicFilter) -> AppResult<Arc<Vec<i64>>> {
    let at = cursor(app);
    let key = format!("{filter:?}");
    let mut cache = app.list_keys.lock().await;
    if cache.0 != at {
        cache.1.clear();
        cache.0 = at;
    }
    if let Some(k) = cache.1.get(&key) {
        return Ok(Arc::clone(k));
    }
    let keys = {
        let mut c = app.db.conn().await?;
        Arc::new(store::public_keys(c.h(), filter).await?)
    };
    if cache.1.len() >= LIST_KEYS_KEPT {
        cache.1.clear();
    }
    cache.1.insert(key, Arc::clone(&keys));
    Ok(keys)
}

/// Items for the sitemap.
pub async fn sitemap(app: &App) -> AppResult<Vec<(i64, DateTime<Utc>)>> {
    let mut c = app.db.conn().await?;
    Ok(store::public_sitemap(c.h(), 50_000).await?)
}

/// The newest change this node has applied (public page caches key on it).
pub fn cursor(app: &App) -> i64 {
    app.disclosure_cursor.load(Ordering::SeqCst)
}

// ---------------------------------------------------------------------------------------------
// Search.

/// The search document of a published version.
pub fn search_doc(
    item_id: i64,
    index_no: Option<&str>,
    v: &VersionRow,
    attachments: &[AttachmentRow],
) -> IndexDoc {
    let keywords: Vec<String> = serde_json::from_str(&v.keywords).unwrap_or_default();
    let mut body = String::with_capacity(v.body_text.len() + 256);
    for part in [&v.summary, &v.doc_number] {
        if !part.is_empty() {
            body.push_str(part);
            body.push('\n');
        }
    }
    if !keywords.is_empty() {
        body.push_str(&keywords.join(" "));
        body.push('\n');
    }
    body.push_str(&v.body_text);
    for a in attachments {
        if !a.text.is_empty() {
            body.push('\n');
            body.push_str(&a.text);
        }
    }
    let year = v
        .published_at
        .map(|t| (t + chrono::Duration::hours(8)).year().to_string())
        .unwrap_or_default();
    let mut facets = vec![
        ("column".to_owned(), v.column_key.clone()),
        ("validity".to_owned(), v.validity.clone()),
        ("year".to_owned(), year),
    ];
    facets.push((
        "body".to_owned(),
        v.department_id
            .map(|d| d.to_string())
            .unwrap_or_else(|| "centre".to_owned()),
    ));
    if let Some(n) = index_no {
        body.push('\n');
        body.push_str(n);
    }
    IndexDoc {
        kind: KIND.to_owned(),
        id: item_id,
        title: v.title.clone(),
        body,
        facets,
        date: v.published_at.map(|t| t.timestamp()),
        url: format!("/xxgk/{item_id}"),
    }
}

/// Bring the index in line with the database for one item, and move this node's cursor.
/// Failures are logged, not returned: the database change committed, and the change feed or a
/// reindex repairs the index.
pub async fn item_changed(app: &App, id: i64, seq: i64) {
    let r: AppResult<()> = async {
        let doc = match public_item(app, id).await? {
            Some(p) => Some(search_doc(
                p.item.id,
                p.item.index_no.as_deref(),
                &p.version,
                &p.attachments,
            )),
            None => None,
        };
        let index = |docs: &[IndexDoc], removes: &[(&str, i64)]| {
            app.search
                .apply(docs, removes, Some((KIND, seq)))
                .map_err(|e| unexpected(anyhow::anyhow!("{e}")))
        };
        match doc {
            Some(d) => index(&[d], &[]),
            None => index(&[], &[(KIND, id)]),
        }
    }
    .await;
    app.disclosure_cursor.fetch_max(seq, Ordering::SeqCst);
    if let Err(e) = r {
        tracing::error!(item = id, error = ?e, "search index update failed; run `onewindow search reindex`");
    }
}

/// Apply changes made by other nodes (or missed before a restart) since the index's cursor.
/// Returns how many changes were applied.
pub async fn follow_changes(app: &App) -> AppResult<usize> {
    let from = app
        .search
        .cursor(KIND)
        .unwrap_or(0)
        .max(app.disclosure_cursor.load(Ordering::SeqCst));
    let (rows, newest) = {
        let mut c = app.db.conn().await?;
        (
            store::changes_since(c.h(), from, 1000).await?,
            store::last_change(c.h()).await?,
        )
    };
    let Some(&(last, _)) = rows.last() else {
        return Ok(0);
    };
    if newest - from > REBUILD_BACKLOG {
        // A bulk change (a site migration): one rebuild beats item-by-item updates.
        tracing::info!(
            backlog = newest - from,
            "rebuilding the disclosure search index"
        );
        reindex(app, |_, _| {}).await?;
        return Ok(usize::try_from(newest - from).unwrap_or(usize::MAX));
    }
    let mut ids: Vec<i64> = rows.iter().map(|r| r.1).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut docs = Vec::new();
    let mut removes = Vec::new();
    for id in ids {
        match public_item(app, id).await? {
            Some(p) => docs.push(search_doc(
                p.item.id,
                p.item.index_no.as_deref(),
                &p.version,
                &p.attachments,
            )),
            None => removes.push((KIND, id)),
        }
    }
    app.search
        .apply(&docs, &removes, Some((KIND, last)))
        .map_err(|e| unexpected(anyhow::anyhow!("{e}")))?;
    app.disclosure_cursor.fetch_max(last, Ordering::SeqCst);
    Ok(rows.len())
}

/// Rebuild the disclosure part of the index from the published items, in batches. Returns
/// the number indexed. `progress(done, total)` is called after each batch.
pub async fn reindex(app: &App, mut progress: impl FnMut(usize, usize)) -> AppResult<usize> {
    let (cursor, total) = {
        let mut c = app.db.conn().await?;
        (
            store::last_change(c.h()).await?,
            usize::try_from(store::public_count(c.h()).await?).unwrap_or(0),
        )
    };
    // Documents are replaced in place batch by batch (search keeps answering during the
    // rebuild); what the database no longer publishes is removed at the end.
    let mut seen = std::collections::HashSet::new();
    let mut after = 0;
    let mut done = 0;
    progress(0, total);
    loop {
        let batch = {
            let mut c = app.db.conn().await?;
            store::public_batch(c.h(), after, 2000)
                .await?
                .into_iter()
                .map(|(v, index_no, att)| search_doc(v.item_id, index_no.as_deref(), &v, &att))
                .collect::<Vec<_>>()
        };
        let Some(last) = batch.last() else {
            break;
        };
        after = last.id;
        done += batch.len();
        seen.extend(batch.iter().map(|d| d.id));
        app.search
            .apply(&batch, &[], None)
            .map_err(|e| unexpected(anyhow::anyhow!("{e}")))?;
        progress(done, total.max(done));
    }
    let stale: Vec<(&str, i64)> = app
        .search
        .ids(KIND)
        .map_err(|e| unexpected(anyhow::anyhow!("{e}")))?
        .into_iter()
        .filter(|id| !seen.contains(id))
        .map(|id| (KIND, id))
        .collect();
    app.search
        .apply(&[], &stale, Some((KIND, cursor)))
        .map_err(|e| unexpected(anyhow::anyhow!("{e}")))?;
    app.disclosure_cursor.fetch_max(cursor, Ordering::SeqCst);
    Ok(done)
}

/// Make sure the index reflects the database at start-up: a full rebuild when the index has
/// never seen disclosure items (or holds a different number of them than the database after
/// following the feed), else only the changes since its cursor.
pub async fn catch_up(app: &App) -> AppResult<usize> {
    if app.search.cursor(KIND).is_some() {
        while follow_changes(app).await? > 0 {}
        let (db, idx) = {
            let mut c = app.db.conn().await?;
            (
                store::public_count(c.h()).await?,
                app.search
                    .count(KIND)
                    .map_err(|e| unexpected(anyhow::anyhow!("{e}")))?,
            )
        };
        if u64::try_from(db).unwrap_or(0) == idx {
            return Ok(0);
        }
        tracing::warn!(db, index = idx, "search index out of step; rebuilding");
    }
    reindex(app, |_, _| {}).await
}

/// Search published items. Filters are facet pairs: `column`, `validity`, `year`, `body`.
pub fn search(
    app: &App,
    text: &str,
    filters: Vec<(String, String)>,
    offset: usize,
    limit: usize,
) -> AppResult<SearchResults> {
    app.search
        .search(&SearchQuery {
            kind: KIND.to_owned(),
            text: text.to_owned(),
            filters,
            offset,
            limit: limit.clamp(1, 100),
        })
        .map_err(|e| unexpected(anyhow::anyhow!("{e}")))
}

// ---------------------------------------------------------------------------------------------
// Site migration.

/// One document of an old website, as the migration file holds it (other fields ignored).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct ImportDoc {
    /// 名称.
    pub title: String,
    /// 文号.
    #[serde(default)]
    pub doc_number: String,
    /// 发布机构.
    pub issuing_body: String,
    /// 发布日期, `YYYY-MM-DD`.
    pub pub_date: String,
    /// The old site's category.
    #[serde(default)]
    pub category: String,
    /// Plain text, paragraphs on separate lines.
    pub body_text: String,
}

/// Parse and check the lines of a migration file. The first bad line stops everything and is
/// named (1-based); blank lines are skipped.
pub fn parse_import(text: &str, today: NaiveDate) -> AppResult<Vec<ItemContent>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let bad = |zh: String, en: String| {
            AppError::Domain(DomainError::field(
                "line",
                format!("第 {n} 行：{zh}"),
                format!("line {n}: {en}"),
            ))
        };
        let doc: ImportDoc = serde_json::from_str(line).map_err(|e| {
            bad(
                format!("不是有效的 JSON 记录（{e}）"),
                format!("not a valid JSON record ({e})"),
            )
        })?;
        let date = NaiveDate::parse_from_str(doc.pub_date.trim(), "%Y-%m-%d").map_err(|_| {
            bad(
                format!("pub_date “{}” 不是 YYYY-MM-DD 日期", doc.pub_date),
                format!("pub_date “{}” is not a YYYY-MM-DD date", doc.pub_date),
            )
        })?;
        let content = ItemContent {
            title: doc.title.clone(),
            doc_number: doc.doc_number.clone(),
            issuing_body: doc.issuing_body.clone(),
            written_on: Some(date),
            formed_on: date,
            column: Column::from_category(&doc.category),
            topic: doc.category.trim().to_owned(),
            genre: Genre::from_title(&doc.title),
            keywords: Vec::new(),
            validity: Validity::Valid,
            attribute: Attribute::Proactive,
            attribute_reason: String::new(),
            summary: String::new(),
            body: onewindow_documents::paragraphs_to_markup(&doc.body_text),
        }
        .validate()
        .and_then(|c| c.check_formed_on(today).map(|()| c))
        .map_err(|e| bad(e.to_string(), e.message_en()))?;
        out.push(content);
    }
    Ok(out)
}

/// Migrate documents already published on an old site: all in one transaction (a failure
/// stores nothing), published as of their original date, with the operator recorded as the
/// reviewer of the migration. Returns how many were stored.
pub async fn import(
    app: &App,
    ctx: &Ctx,
    operator: &str,
    docs: Vec<ItemContent>,
    mut progress: impl FnMut(usize, usize),
) -> AppResult<usize> {
    ctx.require(Permission::ReviewDisclosure, &Target::global())?;
    let operator = operator.trim();
    if operator.is_empty() {
        return Err(
            DomainError::field("operator", "请说明迁移操作人", "operator is required").into(),
        );
    }
    let total = docs.len();
    let body = app.settings.index_body_code.clone();
    let mut tx = app.db.begin().await?;
    // Serials per year, reserved in one step each.
    let mut per_year: std::collections::BTreeMap<i32, i64> = Default::default();
    for c in &docs {
        *per_year.entry(c.formed_on.year()).or_default() += 1;
    }
    let mut next: HashMap<i32, i64> = HashMap::new();
    for (year, count) in &per_year {
        next.insert(
            *year,
            store::next_serials(tx.h(), &body, *year, *count).await?,
        );
    }
    let mut last_seq = 0;
    for (i, c) in docs.iter().enumerate() {
        let id = store::insert_item(tx.h(), None, None).await?;
        let mut v = blank_version(id, None, None);
        apply_content(&mut v, c)?;
        let at = c
            .formed_on
            .and_hms_opt(1, 0, 0)
            .map(|d| d.and_utc())
            .unwrap_or_else(Utc::now);
        v.state = VersionState::Published.as_str().to_owned();
        v.migrated_by = Some(operator.to_owned());
        v.publish_at = Some(at);
        v.published_at = Some(at);
        store::insert_version(tx.h(), &v).await?;
        let year = c.formed_on.year();
        let serial = next.get(&year).copied().unwrap_or(1);
        next.insert(year, serial + 1);
        let index_no = app.settings.index_format.format(
            &body,
            c.column,
            year,
            u32::try_from(serial).unwrap_or(u32::MAX),
        );
        store::set_public(tx.h(), id, Some(&index_no), Some(1), None).await?;
        last_seq = store::record_change(tx.h(), id).await?;
        if (i + 1) % 500 == 0 || i + 1 == total {
            progress(i + 1, total);
        }
    }
    audit::append(
        tx.h(),
        &ctx.event(
            AuditAction::InfoItemsImported,
            "info_item",
            "import",
            None,
            json!({"count": total, "reviewer": operator, "note": "migrated from an old site; the operator reviewed the migration"}),
        ),
    )
    .await?;
    tx.commit().await?;
    let _ = last_seq;
    Ok(total)
}

/// Display names of the staff who appear in an item's record (author, reviewers).
pub async fn people(app: &App, v: &ItemView) -> AppResult<HashMap<i64, String>> {
    let mut ids: Vec<i64> = v
        .versions
        .iter()
        .flat_map(|x| {
            [
                x.author_id,
                x.secrecy_by,
                x.content_by,
                x.emergency_by,
                x.retro_by,
            ]
        })
        .flatten()
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let mut c = app.db.conn().await?;
    let mut out = HashMap::new();
    for id in ids {
        if let Ok(u) = onewindow_storage::users::get_user(c.h(), id).await {
            out.insert(id, u.display_name);
        }
    }
    Ok(out)
}

/// The Chinese label of a state (templates).
pub fn state_zh(s: &str) -> &'static str {
    VersionState::parse(s).map(|s| s.zh()).unwrap_or("")
}
