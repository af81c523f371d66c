//! Browsing and verifying the audit trail.

use onewindow_domain::audit::{AuditRecord, ChainBreak, ChainVerifier};
use onewindow_domain::org::Permission;
use onewindow_storage::audit as store;
pub use onewindow_storage::audit::AuditFilter;

use crate::{App, AppError, AppResult, Ctx, Principal};

/// Events visible to the caller under `filter`, newest first. Global viewers see everything;
/// department leads see their departments' events only.
pub async fn list(
    app: &App,
    ctx: &Ctx,
    mut filter: AuditFilter,
    limit: i64,
) -> AppResult<Vec<(AuditRecord, String)>> {
    ctx.require_any(Permission::ViewAudit)?;
    if !ctx.is_global(Permission::ViewAudit) {
        let Principal::Staff(u) = &ctx.principal else {
            return Err(AppError::Forbidden);
        };
        let mine = u.grants.departments_with(Permission::ViewAudit);
        filter.departments = Some(match filter.departments.take() {
            Some(asked) => asked
                .into_iter()
                .filter(|d| mine.contains(&onewindow_domain::ids::DepartmentId(*d)))
                .collect(),
            None => mine.iter().map(|d| d.get()).collect(),
        });
    }
    let mut c = app.db.conn().await?;
    Ok(store::list(c.h(), &filter, limit.clamp(1, 500)).await?)
}

/// Outcome of a verification run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// Every event links correctly; the number of events checked.
    Intact(u64),
    /// The first break found.
    Broken(ChainBreak),
}

/// Recompute the whole hash chain, streaming in batches.
pub async fn verify(app: &App) -> AppResult<Verification> {
    let mut c = app.db.conn().await?;
    let mut v = ChainVerifier::new();
    let mut after = 0;
    loop {
        let batch = store::batch_after(c.h(), after, 2000).await?;
        if batch.is_empty() {
            break;
        }
        for (rec, hash) in &batch {
            if let Err(b) = v.push(rec, hash) {
                return Ok(Verification::Broken(b));
            }
            after = rec.seq;
        }
    }
    let (seq, hash) = store::head(c.h()).await?;
    match v.finish(Some((seq, &hash))) {
        Ok(n) => Ok(Verification::Intact(n)),
        Err(b) => Ok(Verification::Broken(b)),
    }
}
