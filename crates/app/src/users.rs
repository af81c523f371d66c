//! Staff account administration.

use onewindow_domain::DomainError;
use onewindow_domain::audit::AuditAction;
use onewindow_domain::org::{Permission, Role, Target, check_password_policy, check_username};
use onewindow_domain::region::RegionCode;
pub use onewindow_storage::users::{GrantRow, UserRow};
use onewindow_storage::{H, audit, org, sessions, users};
use serde::Serialize;
use serde_json::json;

use crate::auth::hash_password;
use crate::{App, AppError, AppResult, Ctx};

/// Where a new grant applies, as entered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum GrantScopeInput {
    /// Platform-wide.
    Global,
    /// A region (and below).
    Region {
        /// Region code.
        region: String,
    },
    /// One department.
    Department {
        /// Department id.
        department: i64,
    },
}

/// A role grant to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantInput {
    /// Role.
    pub role: Role,
    /// Scope.
    pub scope: GrantScopeInput,
}

/// A new staff account.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Initial password.
    pub password: String,
    /// Home department.
    pub department_id: Option<i64>,
    /// Initial grants.
    pub grants: Vec<GrantInput>,
}

/// An account with its grants, for display.
#[derive(Debug, Clone, Serialize)]
pub struct UserView {
    /// The account.
    #[serde(flatten)]
    pub user: UserRow,
    /// Its grants.
    pub grants: Vec<GrantRow>,
}

pub(crate) async fn target_of_department(h: H<'_>, dept: Option<i64>) -> AppResult<Target> {
    Ok(match dept {
        None => Target::global(),
        Some(d) => {
            let row = org::get_department(h, d).await.map_err(|e| match e {
                onewindow_storage::StoreError::NotFound => AppError::Domain(DomainError::field(
                    "department_id",
                    format!("部门 {d} 不存在"),
                    format!("department_id: department {d} does not exist"),
                )),
                other => other.into(),
            })?;
            Target::department(
                onewindow_domain::ids::DepartmentId(row.id),
                RegionCode::parse(&row.region_code)?,
            )
        }
    })
}

async fn validate_grant(h: H<'_>, g: &GrantInput) -> AppResult<()> {
    match &g.scope {
        GrantScopeInput::Global if g.role.needs_department() => {
            Err(AppError::Domain(DomainError::field(
                "scope",
                format!("角色“{}”必须限定到一个部门", g.role.zh()),
                format!("scope: role {} must be scoped to a department", g.role.en()),
            )))
        }
        GrantScopeInput::Region { region } => {
            let r = RegionCode::parse(region)?;
            org::get_region(h, r.as_str()).await.map_err(|_| {
                AppError::Domain(DomainError::field(
                    "region_code",
                    format!("区划 {region} 不存在"),
                    format!("region_code: region {region} does not exist"),
                ))
            })?;
            if g.role.needs_department() {
                return Err(AppError::Domain(DomainError::field(
                    "scope",
                    format!("角色“{}”必须限定到一个部门", g.role.zh()),
                    format!("scope: role {} must be scoped to a department", g.role.en()),
                )));
            }
            Ok(())
        }
        GrantScopeInput::Department { department } => {
            target_of_department(h, Some(*department)).await.map(|_| ())
        }
        GrantScopeInput::Global => Ok(()),
    }
}

async fn insert_grant(h: H<'_>, user_id: i64, g: &GrantInput) -> AppResult<GrantRow> {
    let (kind, region, dept) = match &g.scope {
        GrantScopeInput::Global => ("global", None, None),
        GrantScopeInput::Region { region } => ("region", Some(region.as_str()), None),
        GrantScopeInput::Department { department } => ("department", None, Some(*department)),
    };
    Ok(users::insert_grant(h, user_id, g.role.as_str(), kind, region, dept).await?)
}

/// Create a staff account with its grants.
pub async fn create_user(app: &App, ctx: &Ctx, new: NewUser) -> AppResult<UserView> {
    let username = new.username.trim().to_ascii_lowercase();
    check_username(&username)?;
    let display = new.display_name.trim();
    if display.is_empty() || display.chars().count() > 50 {
        return Err(AppError::Domain(DomainError::field(
            "display_name",
            "姓名不能为空，且不超过 50 个字符",
            "display_name: required, at most 50 characters",
        )));
    }
    check_password_policy(&new.password)?;
    {
        let mut c = app.db.conn().await?;
        let target = target_of_department(c.h(), new.department_id).await?;
        ctx.require(Permission::ManageUsers, &target)?;
        for g in &new.grants {
            validate_grant(c.h(), g).await?;
        }
    }
    let hash = hash_password(app, &new.password).await?;
    let mut tx = app.db.begin().await?;
    if users::find_user_by_username(tx.h(), &username)
        .await?
        .is_some()
    {
        return Err(AppError::conflict(
            format!("用户名 {username} 已存在"),
            format!("username {username} already exists"),
        ));
    }
    let user = users::insert_user(tx.h(), &username, display, &hash, new.department_id).await?;
    let mut grants = Vec::new();
    for g in &new.grants {
        grants.push(insert_grant(tx.h(), user.id, g).await?);
    }
    audit::append(
        tx.h(),
        &ctx.event(
            AuditAction::UserCreated,
            "user",
            user.id,
            user.department_id,
            json!({"after": {"username": user.username, "display_name": user.display_name,
                   "department_id": user.department_id,
                   "grants": grants.iter().map(|g| json!({"role": g.role, "scope": g.scope_kind, "region": g.region_code, "department": g.department_id})).collect::<Vec<_>>()}}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(UserView { user, grants })
}

/// Accounts visible to the caller: all for user administrators; for department leads, the
/// staff of their own departments (optionally filtered by one department).
pub async fn list_users(app: &App, ctx: &Ctx, department: Option<i64>) -> AppResult<Vec<UserView>> {
    let mut c = app.db.conn().await?;
    if !ctx.is_global(Permission::ManageUsers) {
        // Scoped roster access: a department must be named and be within scope.
        let d = department.ok_or(AppError::Forbidden)?;
        roster_target(c.h(), ctx, d).await?;
    }
    let rows = users::list_users(c.h(), department).await?;
    let all = users::list_all_grants(c.h()).await?;
    Ok(rows
        .into_iter()
        .map(|u| {
            let grants = all.iter().filter(|g| g.user_id == u.id).cloned().collect();
            UserView { user: u, grants }
        })
        .collect())
}

/// Check roster access to a department. Refuses identically whether or not it exists.
async fn roster_target(h: H<'_>, ctx: &Ctx, department: i64) -> AppResult<()> {
    match org::get_department(h, department).await {
        Ok(row) => {
            let target = Target::department(
                onewindow_domain::ids::DepartmentId(row.id),
                RegionCode::parse(&row.region_code)?,
            );
            ctx.require(Permission::ViewDepartmentRoster, &target)
        }
        Err(onewindow_storage::StoreError::NotFound) => {
            if ctx.is_global(Permission::ViewDepartmentRoster) {
                Err(AppError::NotFound)
            } else {
                ctx.require_any(Permission::ViewDepartmentRoster)?;
                Err(AppError::Forbidden)
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// One account with grants (user administrators only).
pub async fn get_user(app: &App, ctx: &Ctx, id: i64) -> AppResult<UserView> {
    let mut c = app.db.conn().await?;
    let user = match users::get_user(c.h(), id).await {
        Ok(u) => u,
        Err(onewindow_storage::StoreError::NotFound) => {
            return Err(if ctx.is_global(Permission::ManageUsers) {
                AppError::NotFound
            } else {
                ctx.require_any(Permission::ManageUsers)?;
                AppError::Forbidden
            });
        }
        Err(e) => return Err(e.into()),
    };
    let target = target_of_department(c.h(), user.department_id).await?;
    ctx.require(Permission::ManageUsers, &target)?;
    let grants = users::list_grants(c.h(), id).await?;
    Ok(UserView { user, grants })
}

/// Find an account by username (for the CLI).
pub async fn find_by_username(app: &App, username: &str) -> AppResult<UserRow> {
    let mut c = app.db.conn().await?;
    users::find_user_by_username(c.h(), &username.trim().to_ascii_lowercase())
        .await?
        .ok_or(AppError::NotFound)
}

/// Edit display name, department and active flag. `expected_version` is the version the
/// editor loaded; if someone saved in between, nothing is changed and a conflict is returned.
pub async fn update_user(
    app: &App,
    ctx: &Ctx,
    id: i64,
    display_name: &str,
    department_id: Option<i64>,
    active: bool,
    expected_version: i64,
) -> AppResult<UserRow> {
    let before = get_user(app, ctx, id).await?.user;
    if !active {
        refuse_self_lockout(ctx, id)?;
    }
    {
        let mut c = app.db.conn().await?;
        let target = target_of_department(c.h(), department_id).await?;
        ctx.require(Permission::ManageUsers, &target)?;
    }
    let display = display_name.trim();
    if display.is_empty() || display.chars().count() > 50 {
        return Err(AppError::Domain(DomainError::field(
            "display_name",
            "姓名不能为空，且不超过 50 个字符",
            "display_name: required, at most 50 characters",
        )));
    }
    let mut tx = app.db.begin().await?;
    let after =
        users::update_user(tx.h(), id, display, department_id, active, expected_version).await?;
    if before.active && !after.active {
        sessions::delete_user_sessions(tx.h(), id).await?;
    }
    let action = match (before.active, after.active) {
        (true, false) => AuditAction::UserDisabled,
        (false, true) => AuditAction::UserEnabled,
        _ => AuditAction::UserUpdated,
    };
    audit::append(
        tx.h(),
        &ctx.event(
            action,
            "user",
            id,
            after.department_id,
            json!({"before": {"display_name": before.display_name, "department_id": before.department_id, "active": before.active},
                   "after": {"display_name": after.display_name, "department_id": after.department_id, "active": after.active}}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Disable or enable an account (disabling closes its sessions at once).
pub async fn set_active(app: &App, ctx: &Ctx, id: i64, active: bool) -> AppResult<UserRow> {
    let before = get_user(app, ctx, id).await?.user;
    if !active {
        refuse_self_lockout(ctx, id)?;
    }
    let mut tx = app.db.begin().await?;
    let after = users::set_active(tx.h(), id, active).await?;
    if !active {
        sessions::delete_user_sessions(tx.h(), id).await?;
    }
    audit::append(
        tx.h(),
        &ctx.event(
            if active {
                AuditAction::UserEnabled
            } else {
                AuditAction::UserDisabled
            },
            "user",
            id,
            after.department_id,
            json!({"before": {"active": before.active}, "after": {"active": after.active}}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// An administrator sets a user's password (closes the user's sessions, clears lockout).
pub async fn reset_password(app: &App, ctx: &Ctx, id: i64, password: &str) -> AppResult<()> {
    let user = get_user(app, ctx, id).await?.user;
    check_password_policy(password)?;
    let hash = hash_password(app, password).await?;
    let mut tx = app.db.begin().await?;
    users::set_password_hash(tx.h(), id, &hash).await?;
    sessions::delete_user_sessions(tx.h(), id).await?;
    audit::append(
        tx.h(),
        &ctx.event(
            AuditAction::PasswordReset,
            "user",
            id,
            user.department_id,
            json!({}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Add a grant to an account.
pub async fn add_grant(app: &App, ctx: &Ctx, user_id: i64, g: GrantInput) -> AppResult<GrantRow> {
    let view = get_user(app, ctx, user_id).await?;
    {
        let mut c = app.db.conn().await?;
        validate_grant(c.h(), &g).await?;
    }
    let dup = view.grants.iter().any(|x| {
        x.role == g.role.as_str()
            && match &g.scope {
                GrantScopeInput::Global => x.scope_kind == "global",
                GrantScopeInput::Region { region } => {
                    x.region_code.as_deref() == Some(region.as_str())
                }
                GrantScopeInput::Department { department } => x.department_id == Some(*department),
            }
    });
    if dup {
        return Err(AppError::conflict(
            "该用户已拥有此角色授权",
            "the user already holds this grant",
        ));
    }
    let mut tx = app.db.begin().await?;
    let row = insert_grant(tx.h(), user_id, &g).await?;
    audit::append(
        tx.h(),
        &ctx.event(
            AuditAction::GrantAdded,
            "user",
            user_id,
            view.user.department_id,
            json!({"after": {"grant": row.id, "role": row.role, "scope": row.scope_kind, "region": row.region_code, "department": row.department_id}}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

/// Remove a grant from an account.
pub async fn remove_grant(app: &App, ctx: &Ctx, user_id: i64, grant_id: i64) -> AppResult<()> {
    let view = get_user(app, ctx, user_id).await?;
    let removing_admin = view
        .grants
        .iter()
        .any(|g| g.id == grant_id && g.role == Role::SystemAdmin.as_str());
    if removing_admin {
        refuse_self_lockout(ctx, user_id)?;
    }
    let mut tx = app.db.begin().await?;
    let row = users::delete_grant(tx.h(), user_id, grant_id).await?;
    audit::append(
        tx.h(),
        &ctx.event(
            AuditAction::GrantRemoved,
            "user",
            user_id,
            view.user.department_id,
            json!({"before": {"grant": row.id, "role": row.role, "scope": row.scope_kind, "region": row.region_code, "department": row.department_id}}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// An administrator may not disable their own account or remove their own system-administrator
/// grant: the platform must never be left without a way back in through the web.
fn refuse_self_lockout(ctx: &Ctx, target_user: i64) -> AppResult<()> {
    if ctx.user().is_some_and(|u| u.id.get() == target_user) {
        return Err(AppError::conflict(
            "不能停用自己的账号，也不能移除自己的系统管理员授权（请由另一位管理员操作）",
            "you cannot disable your own account or remove your own administrator grant (ask another administrator)",
        ));
    }
    Ok(())
}
