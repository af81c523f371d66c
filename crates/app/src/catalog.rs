//! The service catalog (事项库): one source for every channel (信息同源).
//!
//! Lifecycle (domain `VersionStatus`): draft → submitted → reviewed → published, a published
//! version is immutable, an edit opens a new version, withdrawal needs a reason. Only published
//! versions leave this module through the `public_*` functions (pages, API, kiosk, search, and
//! later intake), and the person who submitted a version cannot approve it.

use onewindow_domain::audit::AuditAction;
use onewindow_domain::catalog::{FieldChange, ServiceGuide, VersionAction, VersionStatus, diff};
use onewindow_domain::org::{Permission, Target};
use onewindow_domain::region::RegionCode;
use onewindow_storage::catalog::{self as store, TransitionBy};
pub use onewindow_storage::catalog::{
    ChangeRow, ClassStat, ItemRow, ListFilter, VersionRow, VersionSummary,
};
use onewindow_storage::{H, audit, org};
use serde_json::json;

use crate::{App, AppError, AppResult, Ctx, Principal, Problem};

/// Convert a guide's own validation problems, prefixing each field path.
fn guide_problems(g: &ServiceGuide, prefix: &str) -> Vec<Problem> {
    g.validate()
        .into_iter()
        .map(|p| Problem {
            field: format!("{prefix}{}", p.field),
            zh: p.zh,
            en: p.en,
        })
        .collect()
}

/// The departments and regions that guides refer to, loaded once per use case (an import of
/// thousands of guides checks them all against the same two lists).
struct References {
    departments: Vec<org::DepartmentRow>,
    regions: std::collections::HashSet<String>,
}

impl References {
    async fn load(h: &mut H<'_>) -> AppResult<References> {
        Ok(References {
            departments: org::list_departments(h.re(), None).await?,
            regions: org::list_regions(h.re())
                .await?
                .into_iter()
                .map(|r| r.code)
                .collect(),
        })
    }

    /// The department implementing a guide: the one whose credit code starts the 实施编码, and
    /// whose name is the guide's 实施主体. Also checks that the region exists.
    fn check(
        &self,
        g: &ServiceGuide,
        prefix: &str,
        problems: &mut Vec<Problem>,
    ) -> AppResult<Option<(i64, Target)>> {
        let Some(code) = g.implementing_body_code() else {
            return Ok(None);
        };
        let found = self
            .departments
            .iter()
            .find(|d| d.credit_code.as_deref() == Some(code));
        let Some(d) = found else {
            problems.push(Problem {
                field: format!("{prefix}task_code"),
                zh: format!("实施编码中的统一社会信用代码 {code} 不属于平台上的任何部门"),
                en: format!(
                    "task_code: credit code {code} belongs to no department on the platform"
                ),
            });
            return Ok(None);
        };
        if d.name != g.department {
            problems.push(Problem {
                field: format!("{prefix}department"),
                zh: format!(
                    "实施主体“{}”与实施编码对应的部门“{}”不一致",
                    g.department, d.name
                ),
                en: format!(
                    "department “{}” differs from “{}”, the body of the task_code",
                    g.department, d.name
                ),
            });
        }
        if !self.regions.contains(&g.region_code) {
            problems.push(Problem {
                field: format!("{prefix}region_code"),
                zh: format!("区划 {} 不存在", g.region_code),
                en: format!("region_code: {} does not exist", g.region_code),
            });
        }
        let region = RegionCode::parse(&d.region_code)?;
        Ok(Some((
            d.id,
            Target::department(onewindow_domain::ids::DepartmentId(d.id), region),
        )))
    }
}

/// Validate a guide completely for storage: its own rules plus its references.
async fn validate_for_store(app: &App, g: &ServiceGuide) -> AppResult<(i64, Target)> {
    let mut problems = guide_problems(g, "");
    let mut c = app.db.conn().await?;
    let refs = References::load(&mut c.h())
        .await?
        .check(g, "", &mut problems)?;
    match refs {
        Some(r) if problems.is_empty() => Ok(r),
        _ => Err(AppError::Invalid(problems)),
    }
}

fn can_edit(ctx: &Ctx, target: &Target) -> AppResult<()> {
    ctx.require(Permission::EditCatalog, target)
}

/// Staff who may see unpublished versions: catalog managers and catalog reviewers.
fn require_staff(ctx: &Ctx) -> AppResult<()> {
    ctx.require_any(Permission::EditCatalog)
        .or_else(|_| ctx.require_any(Permission::ReviewCatalog))
}

fn actor_id(ctx: &Ctx) -> Option<i64> {
    ctx.user().map(|u| u.id.get())
}

/// Create a new catalog item: version 1 as a draft.
pub async fn create(app: &App, ctx: &Ctx, g: ServiceGuide) -> AppResult<VersionRow> {
    let (dept_id, target) = validate_for_store(app, &g).await?;
    can_edit(ctx, &target)?;
    let mut tx = app.db.begin().await?;
    if store::find_item_by_task_code(tx.h(), &g.task_code)
        .await?
        .is_some()
    {
        return Err(AppError::conflict(
            format!("实施编码 {} 的事项已存在", g.task_code),
            format!("an item with task_code {} already exists", g.task_code),
        ));
    }
    let item = store::insert_item(tx.h(), &g.task_code).await?;
    let v = store::insert_version(
        tx.h(),
        item.id,
        VersionStatus::Draft,
        &g,
        Some(dept_id),
        actor_id(ctx),
    )
    .await?;
    audit::append(
        tx.h(),
        &ctx.event(
            AuditAction::CatalogCreated,
            "catalog_item",
            item.id,
            Some(dept_id),
            json!({"after": {"version": v.summary.version, "name": g.name, "task_code": g.task_code}}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(v)
}

/// Save a draft (the 实施编码 of an item never changes). Guarded by the draft's edit version.
pub async fn save_draft(
    app: &App,
    ctx: &Ctx,
    version_id: i64,
    g: ServiceGuide,
    expected_edit_version: i64,
) -> AppResult<VersionRow> {
    let before = get_version(app, ctx, version_id).await?;
    let item = {
        let mut c = app.db.conn().await?;
        store::get_item(c.h(), before.summary.item_id).await?
    };
    if g.task_code != item.task_code {
        return Err(AppError::Invalid(vec![Problem {
            field: "task_code".into(),
            zh: format!("实施编码是事项的标识，不能修改（应为 {}）", item.task_code),
            en: format!(
                "task_code identifies the item and cannot change (expected {})",
                item.task_code
            ),
        }]));
    }
    let status = VersionStatus::parse(&before.summary.status).unwrap_or(VersionStatus::Published);
    if !status.is_editable() {
        return Err(AppError::conflict(
            format!("版本状态为“{}”，不能修改；请先退回或新建版本", status.zh()),
            format!(
                "the version is {}, not a draft; return it or open a new version",
                status.as_str()
            ),
        ));
    }
    let (dept_id, target) = validate_for_store(app, &g).await?;
    can_edit(ctx, &target)?;
    let old = before.guide()?;
    let mut tx = app.db.begin().await?;
    let v =
        store::update_draft(tx.h(), version_id, &g, Some(dept_id), expected_edit_version).await?;
    let changes: Vec<String> = diff(&old, &g).into_iter().map(|c| c.path).collect();
    audit::append(
        tx.h(),
        &ctx.event(
            AuditAction::CatalogDraftSaved,
            "catalog_item",
            v.summary.item_id,
            Some(dept_id),
            json!({"version": v.summary.version, "changed_fields": changes}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(v)
}

/// Target of an existing version (its department).
fn target_of(v: &VersionSummary) -> AppResult<Target> {
    match v.department_id {
        Some(d) => {
            let region = RegionCode::parse(&v.region_code)?;
            Ok(Target::department(
                onewindow_domain::ids::DepartmentId(d),
                region,
            ))
        }
        None => Ok(Target::global()),
    }
}

async fn step(
    app: &App,
    ctx: &Ctx,
    version_id: i64,
    action: VersionAction,
    note: Option<String>,
) -> AppResult<VersionSummary> {
    let v = get_version(app, ctx, version_id).await?;
    let target = target_of(&v.summary)?;
    let from = VersionStatus::parse(&v.summary.status).ok_or_else(|| {
        AppError::Unexpected(anyhow::anyhow!("unknown status {}", v.summary.status))
    })?;
    let to = from.apply(action)?;
    match action {
        VersionAction::Submit => {
            can_edit(ctx, &target)?;
            let g = v.guide()?;
            validate_for_store(app, &g).await?;
        }
        VersionAction::Approve | VersionAction::Return => {
            ctx.require(Permission::ReviewCatalog, &target)?;
            // 审核与提交分离: the submitter cannot approve their own version.
            if action == VersionAction::Approve
                && matches!(ctx.principal, Principal::Staff(_))
                && v.summary.submitted_by.is_some()
                && v.summary.submitted_by == actor_id(ctx)
            {
                return Err(AppError::conflict(
                    "提交人不能审核自己提交的版本，请由其他审核人员审核",
                    "the person who submitted a version cannot approve it; another reviewer must",
                ));
            }
            if action == VersionAction::Return
                && note.as_deref().is_none_or(|n| n.trim().is_empty())
            {
                return Err(AppError::Domain(onewindow_domain::DomainError::field(
                    "comment",
                    "退回修改时须说明原因",
                    "comment: say why the version is returned",
                )));
            }
        }
        VersionAction::Publish => {
            ctx.require(Permission::EditCatalog, &target)
                .or_else(|_| ctx.require(Permission::ReviewCatalog, &target))?;
        }
        VersionAction::Withdraw | VersionAction::Supersede => {
            can_edit(ctx, &target)?;
        }
    }
    let by = TransitionBy {
        user_id: actor_id(ctx),
        note: note.clone(),
    };
    let mut tx = app.db.begin().await?;
    let superseded = if action == VersionAction::Publish {
        supersede_current(tx.h(), v.summary.item_id, &by).await?
    } else {
        None
    };
    let after = store::transition(tx.h(), version_id, from, to, &by).await?;
    let audit_action = match action {
        VersionAction::Submit => AuditAction::CatalogSubmitted,
        VersionAction::Approve => AuditAction::CatalogApproved,
        VersionAction::Return => AuditAction::CatalogReturned,
        VersionAction::Publish => AuditAction::CatalogPublished,
        VersionAction::Withdraw | VersionAction::Supersede => AuditAction::CatalogWithdrawn,
    };
    audit::append(
        tx.h(),
        &ctx.event(
            audit_action,
            "catalog_item",
            after.item_id,
            after.department_id,
            json!({"version": after.version, "before": {"status": from.as_str()},
                   "after": {"status": to.as_str()}, "note": note, "superseded": superseded}),
        ),
    )
    .await?;
    // The change feed row comes after the audit append, which serialises these transactions,
    // so cursors follow commit order.
    match to {
        VersionStatus::Published => {
            store::set_current(tx.h(), after.item_id, Some(after.version)).await?;
            store::insert_change(tx.h(), after.item_id, after.version, "published").await?;
        }
        VersionStatus::Withdrawn => {
            store::set_current(tx.h(), after.item_id, None).await?;
            store::insert_change(tx.h(), after.item_id, after.version, "withdrawn").await?;
        }
        _ => {}
    }
    tx.commit().await?;
    if matches!(to, VersionStatus::Published | VersionStatus::Withdrawn) {
        crate::search::catalog_changed(app, after.item_id).await;
    }
    Ok(after)
}

/// Mark an item's version in force as superseded (before a newer one is published). Returns
/// the superseded version number, if there was one.
async fn supersede_current(
    mut h: H<'_>,
    item_id: i64,
    by: &TransitionBy,
) -> AppResult<Option<i64>> {
    let Some(cur) = store::get_item(h.re(), item_id).await?.current_version else {
        return Ok(None);
    };
    let versions = store::list_versions(h.re(), item_id).await?;
    match versions
        .iter()
        .find(|x| x.version == cur && x.status == "published")
    {
        Some(old) => {
            store::transition(
                h.re(),
                old.id,
                VersionStatus::Published,
                VersionStatus::Superseded,
                by,
            )
            .await?;
            Ok(Some(cur))
        }
        None => Ok(None),
    }
}

/// Submit a draft for review.
pub async fn submit(app: &App, ctx: &Ctx, version_id: i64) -> AppResult<VersionSummary> {
    step(app, ctx, version_id, VersionAction::Submit, None).await
}

/// Approve a submitted version (not by its submitter).
pub async fn approve(
    app: &App,
    ctx: &Ctx,
    version_id: i64,
    comment: Option<String>,
) -> AppResult<VersionSummary> {
    step(app, ctx, version_id, VersionAction::Approve, comment).await
}

/// Return a submitted version to draft, with a comment.
pub async fn return_to_draft(
    app: &App,
    ctx: &Ctx,
    version_id: i64,
    comment: String,
) -> AppResult<VersionSummary> {
    step(app, ctx, version_id, VersionAction::Return, Some(comment)).await
}

/// Publish a reviewed version; the version in force (if any) is superseded.
pub async fn publish(app: &App, ctx: &Ctx, version_id: i64) -> AppResult<VersionSummary> {
    step(app, ctx, version_id, VersionAction::Publish, None).await
}

/// Withdraw the version in force of an item, with a reason. It disappears from every channel.
pub async fn withdraw(
    app: &App,
    ctx: &Ctx,
    item_id: i64,
    reason: String,
) -> AppResult<VersionSummary> {
    if reason.trim().is_empty() || reason.chars().count() > 500 {
        return Err(AppError::Domain(onewindow_domain::DomainError::field(
            "reason",
            "撤回须说明原因（不超过 500 字）",
            "reason: required, at most 500 characters",
        )));
    }
    let current = {
        let mut c = app.db.conn().await?;
        store::public_get(c.h(), item_id).await?
    };
    let Some(v) = current else {
        require_staff(ctx)?;
        return Err(AppError::conflict(
            "该事项没有已发布的版本",
            "the item has no published version",
        ));
    };
    step(
        app,
        ctx,
        v.summary.id,
        VersionAction::Withdraw,
        Some(reason),
    )
    .await
}

/// Open a new draft from the version in force (or the newest version). Only one unpublished
/// version may be open at a time.
pub async fn open_new_version(app: &App, ctx: &Ctx, item_id: i64) -> AppResult<VersionRow> {
    require_staff(ctx)?;
    let (item, versions) = {
        let mut c = app.db.conn().await?;
        let item = store::get_item(c.h(), item_id).await?;
        let versions = store::list_versions(c.h(), item_id).await?;
        (item, versions)
    };
    if let Some(open) = versions
        .iter()
        .find(|v| matches!(v.status.as_str(), "draft" | "submitted" | "reviewed"))
    {
        return Err(AppError::conflict(
            format!(
                "该事项已有未发布的版本 v{}（{}），请在该版本上继续",
                open.version, open.status
            ),
            format!(
                "version {} ({}) is still open; continue there",
                open.version, open.status
            ),
        ));
    }
    let base = versions.first().ok_or(AppError::NotFound)?;
    let base_row = {
        let mut c = app.db.conn().await?;
        store::get_version(c.h(), base.id).await?
    };
    let g = base_row.guide()?;
    let target = target_of(&base_row.summary)?;
    can_edit(ctx, &target)?;
    let mut tx = app.db.begin().await?;
    let v = store::insert_version(
        tx.h(),
        item.id,
        VersionStatus::Draft,
        &g,
        base_row.summary.department_id,
        actor_id(ctx),
    )
    .await?;
    audit::append(
        tx.h(),
        &ctx.event(
            AuditAction::CatalogVersionOpened,
            "catalog_item",
            item.id,
            v.summary.department_id,
            json!({"after": {"version": v.summary.version, "from_version": base.version}}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(v)
}

/// A version of any status (catalog staff only).
pub async fn get_version(app: &App, ctx: &Ctx, version_id: i64) -> AppResult<VersionRow> {
    require_staff(ctx)?;
    let mut c = app.db.conn().await?;
    Ok(store::get_version(c.h(), version_id).await?)
}

/// Item and all its versions, newest first (catalog staff only).
pub async fn history(
    app: &App,
    ctx: &Ctx,
    item_id: i64,
) -> AppResult<(ItemRow, Vec<VersionSummary>)> {
    require_staff(ctx)?;
    let mut c = app.db.conn().await?;
    let item = store::get_item(c.h(), item_id).await?;
    let versions = store::list_versions(c.h(), item_id).await?;
    Ok((item, versions))
}

/// Field-level changes from version `a` to version `b` (catalog staff only).
pub async fn diff_versions(app: &App, ctx: &Ctx, a: i64, b: i64) -> AppResult<Vec<FieldChange>> {
    let va = get_version(app, ctx, a).await?;
    let vb = get_version(app, ctx, b).await?;
    Ok(diff(&va.guide()?, &vb.guide()?))
}

/// Staff list: newest version of each item (or those in a status).
pub async fn staff_list(
    app: &App,
    ctx: &Ctx,
    f: &ListFilter,
    offset: i64,
    limit: i64,
) -> AppResult<(Vec<VersionSummary>, i64)> {
    require_staff(ctx)?;
    let mut c = app.db.conn().await?;
    Ok(store::list(c.h(), f, false, offset, limit.clamp(1, 200)).await?)
}

/// Public list (published only).
pub async fn public_list(
    app: &App,
    f: &ListFilter,
    offset: i64,
    limit: i64,
) -> AppResult<(Vec<VersionSummary>, i64)> {
    let mut c = app.db.conn().await?;
    Ok(store::list(c.h(), f, true, offset.max(0), limit.clamp(1, 200)).await?)
}

/// The published version of an item with its guide; 404 for drafts, withdrawn and unknown items.
pub async fn public_item(app: &App, item_id: i64) -> AppResult<(VersionRow, ServiceGuide)> {
    let mut c = app.db.conn().await?;
    let v = store::public_get(c.h(), item_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let g = v.guide()?;
    Ok((v, g))
}

/// Change feed after a cursor, and the newest cursor.
pub async fn public_changes(
    app: &App,
    cursor: i64,
    limit: i64,
) -> AppResult<(Vec<ChangeRow>, i64)> {
    let mut c = app.db.conn().await?;
    let rows = store::changes_since(c.h(), cursor.max(0), limit.clamp(1, 1000)).await?;
    let last = store::last_change(c.h()).await?;
    Ok((rows, last))
}

/// Counts per hall and life event (published).
pub async fn public_facets(app: &App) -> AppResult<(Vec<(String, i64)>, Vec<(String, i64)>)> {
    let mut c = app.db.conn().await?;
    let halls = store::public_counts_by_hall(c.h()).await?;
    let events = store::public_events(c.h()).await?;
    Ok((halls, events))
}

/// Statistics per region and discretion class (published).
pub async fn public_stats(app: &App) -> AppResult<Vec<ClassStat>> {
    let mut c = app.db.conn().await?;
    Ok(store::public_class_stats(c.h()).await?)
}

/// Every published guide, ordered by item id (export).
pub async fn export(app: &App) -> AppResult<Vec<ServiceGuide>> {
    let mut c = app.db.conn().await?;
    store::public_all(c.h())
        .await?
        .iter()
        .map(|v| v.guide().map_err(AppError::from))
        .collect()
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// New items.
    pub created: usize,
    /// Items that got a new version.
    pub updated: usize,
    /// Items whose version in force already had this exact content.
    pub unchanged: usize,
}

/// Import guides atomically: every guide is validated first (its own rules and its references),
/// and if any problem is found nothing is stored and every problem is reported as
/// `items[i].field` (i from 0). With `publish`, new content is published directly and the
/// operator is recorded in the audit trail as its reviewer (site migration); only server
/// operators (CLI) may do that. Otherwise new content becomes drafts.
pub async fn import(
    app: &App,
    ctx: &Ctx,
    guides: Vec<ServiceGuide>,
    publish: bool,
    mut progress: impl FnMut(usize),
) -> AppResult<ImportReport> {
    if publish && !matches!(ctx.principal, Principal::Operator) {
        return Err(AppError::Forbidden);
    }
    require_staff(ctx)?;
    let mut problems = Vec::new();
    let mut seen = std::collections::HashMap::new();
    let mut depts = Vec::with_capacity(guides.len());
    {
        let mut c = app.db.conn().await?;
        let refs = References::load(&mut c.h()).await?;
        for (i, g) in guides.iter().enumerate() {
            let prefix = format!("items[{i}].");
            problems.extend(guide_problems(g, &prefix));
            if let Some(prev) = seen.insert(g.task_code.clone(), i) {
                problems.push(Problem {
                    field: format!("{prefix}task_code"),
                    zh: format!("实施编码 {} 与第 {} 项重复", g.task_code, prev),
                    en: format!("task_code {} repeats item {}", g.task_code, prev),
                });
            }
            let r = refs.check(g, &prefix, &mut problems)?;
            if let Some((_, target)) = &r
                && let Err(e) = can_edit(ctx, target)
            {
                return Err(e);
            }
            depts.push(r.map(|(d, _)| d));
        }
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    let mut report = ImportReport::default();
    let mut changed_items = Vec::new();
    let by = TransitionBy {
        user_id: actor_id(ctx),
        note: Some("批量导入".into()),
    };
    let mut tx = app.db.begin().await?;
    for (i, g) in guides.iter().enumerate() {
        let dept = depts.get(i).copied().flatten();
        let item = match store::find_item_by_task_code(tx.h(), &g.task_code).await? {
            Some(item) => {
                let versions = store::list_versions(tx.h(), item.id).await?;
                if let Some(cur) = versions.iter().find(|v| v.status == "published") {
                    let (_, etag) = store::encode(g)?;
                    if cur.etag == etag {
                        report.unchanged += 1;
                        progress(i + 1);
                        continue;
                    }
                }
                if let Some(open) = versions
                    .iter()
                    .find(|v| matches!(v.status.as_str(), "draft" | "submitted" | "reviewed"))
                {
                    return Err(AppError::Invalid(vec![Problem {
                        field: format!("items[{i}].task_code"),
                        zh: format!(
                            "事项 {} 已有未发布的版本 v{}，导入会覆盖他人的编辑",
                            g.task_code, open.version
                        ),
                        en: format!(
                            "item {} has an open version {}; importing would overwrite it",
                            g.task_code, open.version
                        ),
                    }]));
                }
                report.updated += 1;
                item
            }
            None => {
                report.created += 1;
                store::insert_item(tx.h(), &g.task_code).await?
            }
        };
        let v = store::insert_version(
            tx.h(),
            item.id,
            VersionStatus::Draft,
            g,
            dept,
            actor_id(ctx),
        )
        .await?;
        if publish {
            for (from, to) in [
                (VersionStatus::Draft, VersionStatus::Submitted),
                (VersionStatus::Submitted, VersionStatus::Reviewed),
            ] {
                store::transition(tx.h(), v.summary.id, from, to, &by).await?;
            }
            supersede_current(tx.h(), item.id, &by).await?;
            store::transition(
                tx.h(),
                v.summary.id,
                VersionStatus::Reviewed,
                VersionStatus::Published,
                &by,
            )
            .await?;
        }
        audit::append(
            tx.h(),
            &ctx.event(
                AuditAction::CatalogImported,
                "catalog_item",
                item.id,
                dept,
                json!({"after": {"version": v.summary.version, "name": g.name,
                       "status": if publish { "published" } else { "draft" }}}),
            ),
        )
        .await?;
        if publish {
            store::set_current(tx.h(), item.id, Some(v.summary.version)).await?;
            store::insert_change(tx.h(), item.id, v.summary.version, "published").await?;
            changed_items.push(item.id);
        }
        progress(i + 1);
    }
    tx.commit().await?;
    crate::search::catalog_changed_many(app, &changed_items).await;
    Ok(report)
}
