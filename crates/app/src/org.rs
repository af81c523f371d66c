//! Organisation administration: regions (四级: 市/县/乡/村), departments, service windows.
//! Listing is public information (the directory of the service center); changes need
//! [`Permission::ManageOrganisation`] over the region concerned.

use onewindow_domain::DomainError;
use onewindow_domain::audit::AuditAction;
use onewindow_domain::identity::CreditCode;
use onewindow_domain::org::{Permission, Target};
use onewindow_domain::region::RegionCode;
use onewindow_storage::org::{DepartmentFields, WindowFields};
pub use onewindow_storage::org::{DepartmentRow, RegionRow, WindowRow};
use onewindow_storage::{audit, org};
use serde_json::json;

use crate::{App, AppError, AppResult, Ctx};

fn region_target(r: &RegionCode) -> Target {
    Target {
        department: None,
        region: Some(r.clone()),
    }
}

fn text(field: &'static str, zh_label: &str, value: &str, max: usize) -> AppResult<String> {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > max {
        return Err(AppError::Domain(DomainError::field(
            field,
            format!("{zh_label}不能为空，且不超过 {max} 个字符"),
            format!("{field}: required, at most {max} characters"),
        )));
    }
    Ok(v.to_string())
}

/// All regions.
pub async fn list_regions(app: &App) -> AppResult<Vec<RegionRow>> {
    let mut c = app.db.conn().await?;
    Ok(org::list_regions(c.h()).await?)
}

/// Create a region. Its level follows from the code; the parent must exist (except for the
/// top region of an installation).
pub async fn create_region(app: &App, ctx: &Ctx, code: &str, name: &str) -> AppResult<RegionRow> {
    let rc = RegionCode::parse(code)?;
    let name = text("name", "名称", name, 50)?;
    let parent = rc.parent();
    let mut tx = app.db.begin().await?;
    let parent_code = match &parent {
        Some(p) => match org::get_region(tx.h(), p.as_str()).await {
            Ok(_) => Some(p.as_str().to_string()),
            Err(onewindow_storage::StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    // Permission over the new region: a region-scoped administrator may add below their region.
    ctx.require(Permission::ManageOrganisation, &region_target(&rc))?;
    let row = org::insert_region(
        tx.h(),
        rc.as_str(),
        &name,
        rc.level().as_str(),
        parent_code.as_deref(),
    )
    .await?;
    audit::append(
        tx.h(),
        &ctx.event(
            AuditAction::RegionCreated,
            "region",
            &row.code,
            None,
            json!({"after": {"code": row.code, "name": row.name, "level": row.level, "parent": row.parent_code}}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

/// Rename a region (guarded by version).
pub async fn update_region(
    app: &App,
    ctx: &Ctx,
    code: &str,
    name: &str,
    expected_version: i64,
) -> AppResult<RegionRow> {
    let rc = RegionCode::parse(code)?;
    ctx.require(Permission::ManageOrganisation, &region_target(&rc))?;
    let name = text("name", "名称", name, 50)?;
    let mut tx = app.db.begin().await?;
    let before = org::get_region(tx.h(), rc.as_str()).await?;
    let after = org::update_region(tx.h(), rc.as_str(), &name, expected_version).await?;
    audit::append(
        tx.h(),
        &ctx.event(
            AuditAction::RegionUpdated,
            "region",
            &after.code,
            None,
            json!({"before": {"name": before.name}, "after": {"name": after.name}}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// A department as entered in a form or API call.
#[derive(Debug, Clone)]
pub struct DepartmentInput {
    /// Full name.
    pub name: String,
    /// Short name.
    pub short_name: String,
    /// 统一社会信用代码 (optional).
    pub credit_code: Option<String>,
    /// Region code.
    pub region_code: String,
    /// In service.
    pub active: bool,
}

async fn validate_department(app: &App, d: &DepartmentInput) -> AppResult<DepartmentFields> {
    let name = text("name", "部门名称", &d.name, 100)?;
    let short_name = text("short_name", "简称", &d.short_name, 30)?;
    let credit_code = match d.credit_code.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) => Some(CreditCode::parse(s)?.as_str().to_string()),
    };
    let rc = RegionCode::parse(&d.region_code)?;
    let mut c = app.db.conn().await?;
    org::get_region(c.h(), rc.as_str())
        .await
        .map_err(|e| match e {
            onewindow_storage::StoreError::NotFound => AppError::Domain(DomainError::field(
                "region_code",
                format!("区划 {} 不存在", rc.as_str()),
                format!("region_code: region {} does not exist", rc.as_str()),
            )),
            other => other.into(),
        })?;
    Ok(DepartmentFields {
        name,
        short_name,
        credit_code,
        region_code: rc.as_str().to_string(),
        active: d.active,
    })
}

/// Departments, optionally of one region.
pub async fn list_departments(app: &App, region: Option<&str>) -> AppResult<Vec<DepartmentRow>> {
    let mut c = app.db.conn().await?;
    Ok(org::list_departments(c.h(), region).await?)
}

/// One department.
pub async fn get_department(app: &App, id: i64) -> AppResult<DepartmentRow> {
    let mut c = app.db.conn().await?;
    Ok(org::get_department(c.h(), id).await?)
}

/// Find a department by id, exact name or short name (for the CLI).
pub async fn find_department(app: &App, key: &str) -> AppResult<DepartmentRow> {
    let mut c = app.db.conn().await?;
    if let Ok(id) = key.trim().parse::<i64>()
        && let Ok(d) = org::get_department(c.h(), id).await
    {
        return Ok(d);
    }
    org::find_department_by_name(c.h(), key.trim())
        .await?
        .ok_or(AppError::NotFound)
}

/// Create a department.
pub async fn create_department(
    app: &App,
    ctx: &Ctx,
    d: DepartmentInput,
) -> AppResult<DepartmentRow> {
    let f = validate_department(app, &d).await?;
    ctx.require(
        Permission::ManageOrganisation,
        &region_target(&RegionCode::parse(&f.region_code)?),
    )?;
    let mut tx = app.db.begin().await?;
    let row = org::insert_department(tx.h(), &f).await?;
    audit::append(
        tx.h(),
        &ctx.event(
            AuditAction::DepartmentCreated,
            "department",
            row.id,
            Some(row.id),
            json!({"after": {"name": row.name, "short_name": row.short_name, "credit_code": row.credit_code, "region_code": row.region_code, "active": row.active}}),
        ),
    )
    .await?;
    tx.commit().await?;
    app.departments_changed();
    Ok(row)
}

/// Edit a department, guarded by the version the editor loaded.
pub async fn update_department(
    app: &App,
    ctx: &Ctx,
    id: i64,
    d: DepartmentInput,
    expected_version: i64,
) -> AppResult<DepartmentRow> {
    let f = validate_department(app, &d).await?;
    let before = get_department(app, id).await?;
    for code in [&before.region_code, &f.region_code] {
        ctx.require(
            Permission::ManageOrganisation,
            &region_target(&RegionCode::parse(code)?),
        )?;
    }
    let mut tx = app.db.begin().await?;
    let after = org::update_department(tx.h(), id, &f, expected_version).await?;
    audit::append(
        tx.h(),
        &ctx.event(
            AuditAction::DepartmentUpdated,
            "department",
            id,
            Some(id),
            json!({"before": {"name": before.name, "short_name": before.short_name, "credit_code": before.credit_code, "region_code": before.region_code, "active": before.active},
                   "after": {"name": after.name, "short_name": after.short_name, "credit_code": after.credit_code, "region_code": after.region_code, "active": after.active}}),
        ),
    )
    .await?;
    tx.commit().await?;
    app.departments_changed();
    Ok(after)
}

/// A window as entered.
#[derive(Debug, Clone)]
pub struct WindowInput {
    /// Number, e.g. A01.
    pub number: String,
    /// Name.
    pub name: String,
    /// Themed hall.
    pub hall: String,
    /// Region.
    pub region_code: String,
    /// Department window, or none for a comprehensive window.
    pub department_id: Option<i64>,
    /// In service.
    pub active: bool,
}

async fn validate_window(app: &App, w: &WindowInput) -> AppResult<WindowFields> {
    let number = text("number", "窗口号", &w.number, 10)?;
    let name = text("name", "窗口名称", &w.name, 50)?;
    let hall = text("hall", "办事大厅", &w.hall, 30)?;
    let rc = RegionCode::parse(&w.region_code)?;
    if let Some(d) = w.department_id {
        get_department(app, d).await.map_err(|e| match e {
            AppError::NotFound => AppError::Domain(DomainError::field(
                "department_id",
                format!("部门 {d} 不存在"),
                format!("department_id: department {d} does not exist"),
            )),
            other => other,
        })?;
    }
    Ok(WindowFields {
        number,
        name,
        hall,
        region_code: rc.as_str().to_string(),
        department_id: w.department_id,
        active: w.active,
    })
}

/// All windows.
pub async fn list_windows(app: &App) -> AppResult<Vec<WindowRow>> {
    let mut c = app.db.conn().await?;
    Ok(org::list_windows(c.h()).await?)
}

/// Create a window.
pub async fn create_window(app: &App, ctx: &Ctx, w: WindowInput) -> AppResult<WindowRow> {
    let f = validate_window(app, &w).await?;
    ctx.require(
        Permission::ManageOrganisation,
        &region_target(&RegionCode::parse(&f.region_code)?),
    )?;
    let mut tx = app.db.begin().await?;
    let row = org::insert_window(tx.h(), &f).await?;
    audit::append(
        tx.h(),
        &ctx.event(
            AuditAction::WindowCreated,
            "window",
            row.id,
            row.department_id,
            json!({"after": {"number": row.number, "name": row.name, "hall": row.hall, "department_id": row.department_id}}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

/// Edit a window, guarded by version.
pub async fn update_window(
    app: &App,
    ctx: &Ctx,
    id: i64,
    w: WindowInput,
    expected_version: i64,
) -> AppResult<WindowRow> {
    let f = validate_window(app, &w).await?;
    ctx.require(
        Permission::ManageOrganisation,
        &region_target(&RegionCode::parse(&f.region_code)?),
    )?;
    let mut tx = app.db.begin().await?;
    let before = org::get_window(tx.h(), id).await?;
    let after = org::update_window(tx.h(), id, &f, expected_version).await?;
    audit::append(
        tx.h(),
        &ctx.event(
            AuditAction::WindowUpdated,
            "window",
            id,
            after.department_id,
            json!({"before": {"number": before.number, "name": before.name, "hall": before.hall, "department_id": before.department_id, "active": before.active},
                   "after": {"number": after.number, "name": after.name, "hall": after.hall, "department_id": after.department_id, "active": after.active}}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}
