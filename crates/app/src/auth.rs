//! Authentication: argon2id passwords, database sessions, lockout, API tokens.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use chrono::{DateTime, Duration, Utc};
use onewindow_domain::audit::{Actor, AuditAction};
use onewindow_domain::ids::{DepartmentId, UserId};
use onewindow_domain::org::{Grant, Grants, Role, Scope, check_password_policy};
use onewindow_domain::region::RegionCode;
use onewindow_storage::sessions::SessionRow;
use onewindow_storage::users::{GrantRow, UserRow};
use onewindow_storage::{H, audit, now, random_token, sessions, token_hash, tokens, users};
use serde_json::json;

use crate::{App, AppError, AppResult, Ctx, CurrentUser, unexpected};

/// Prefix of API tokens, so that leaked tokens are recognisable in logs and scanners.
pub const API_TOKEN_PREFIX: &str = "owt_";

/// A fresh login.
#[derive(Debug, Clone)]
pub struct LoginOutcome {
    /// Secret cookie value (only its hash is stored).
    pub token: String,
    /// CSRF token of the session.
    pub csrf_token: String,
    /// The user.
    pub user: CurrentUser,
    /// When the session expires.
    pub expires_at: DateTime<Utc>,
}

/// A resolved session.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    /// The user.
    pub user: CurrentUser,
    /// CSRF token of the session.
    pub csrf_token: String,
}

fn argon(app: &App) -> AppResult<Argon2<'static>> {
    let params = Params::new(app.settings.argon2_m_kib, app.settings.argon2_t, 1, None)
        .map_err(|e| unexpected(anyhow::anyhow!("argon2 params: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hash a password (argon2id, random salt) off the async executor.
pub async fn hash_password(app: &App, password: &str) -> AppResult<String> {
    let a = argon(app)?;
    let pw = password.to_string();
    tokio::task::spawn_blocking(move || {
        a.hash_password(pw.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| unexpected(anyhow::anyhow!("hashing password: {e}")))
    })
    .await
    .map_err(unexpected)?
}

/// Check a password against a stored hash off the async executor. A malformed stored hash
/// counts as a mismatch (and is logged).
pub async fn verify_password(app: &App, password: &str, stored: &str) -> AppResult<bool> {
    let a = argon(app)?;
    let pw = password.to_string();
    let stored = stored.to_string();
    tokio::task::spawn_blocking(move || match PasswordHash::new(&stored) {
        Ok(h) => a.verify_password(pw.as_bytes(), &h).is_ok(),
        Err(e) => {
            tracing::error!(error = %e, "stored password hash is malformed");
            false
        }
    })
    .await
    .map_err(unexpected)
}

/// Convert stored grants into domain grants, skipping (and logging) any that no longer parse.
pub(crate) fn to_grants(rows: &[GrantRow]) -> Grants {
    Grants(
        rows.iter()
            .filter_map(|g| {
                let role: Role = g.role.parse().ok()?;
                let scope = match g.scope_kind.as_str() {
                    "global" => Scope::Global,
                    "region" => Scope::Region {
                        region: RegionCode::parse(g.region_code.as_deref()?).ok()?,
                    },
                    "department" => Scope::Department {
                        department: DepartmentId(g.department_id?),
                    },
                    other => {
                        tracing::warn!(scope = other, grant = g.id, "unknown grant scope");
                        return None;
                    }
                };
                Some(Grant { role, scope })
            })
            .collect(),
    )
}

pub(crate) async fn current_user(h: H<'_>, u: &UserRow) -> AppResult<CurrentUser> {
    let grants = users::list_grants(h, u.id).await?;
    Ok(CurrentUser {
        id: UserId(u.id),
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        department_id: u.department_id.map(DepartmentId),
        grants: to_grants(&grants),
    })
}

/// Local time (China Standard Time, UTC+8, no daylight saving) for messages.
pub fn cst(t: DateTime<Utc>) -> String {
    (t + Duration::hours(8))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// The local (UTC+8) calendar date, e.g. of a publication.
pub fn cst_date(t: DateTime<Utc>) -> String {
    (t + Duration::hours(8)).format("%Y-%m-%d").to_string()
}

/// Passwords longer than this are refused without hashing (staff passwords are at most 256
/// characters by policy; this bounds the work an anonymous login request can cause).
const MAX_LOGIN_PASSWORD_BYTES: usize = 1024;

/// Log in with username and password. Failures are audited; `lockout_threshold` failures in a
/// row lock the account for `lockout_minutes`. The error does not say whether the username
/// exists.
pub async fn login(
    app: &App,
    ctx: &Ctx,
    username: &str,
    password: &str,
    user_agent: Option<&str>,
) -> AppResult<LoginOutcome> {
    let username = username.trim().to_ascii_lowercase();
    let found = {
        let mut c = app.db.conn().await?;
        users::find_user_by_username(c.h(), &username).await?
    };
    let Some(user) = found else {
        // Spend the same time as a real check, so that timing does not reveal the username.
        if password.len() <= MAX_LOGIN_PASSWORD_BYTES {
            let _ = hash_password(app, password).await;
        }
        let mut tx = app.db.begin().await?;
        audit::append(
            tx.h(),
            &ctx.event(
                AuditAction::LoginFailed,
                "user",
                &username,
                None,
                json!({"reason": "unknown_user"}),
            ),
        )
        .await?;
        tx.commit().await?;
        return Err(AppError::InvalidCredentials);
    };
    let t = now();
    if let Some(until) = user.locked_until.filter(|u| *u > t) {
        return Err(AppError::Locked { until: cst(until) });
    }
    let ok = password.len() <= MAX_LOGIN_PASSWORD_BYTES
        && verify_password(app, password, &user.password_hash).await?;
    let mut tx = app.db.begin().await?;
    let anon_as = |ctx: &Ctx| {
        let mut c = ctx.clone();
        c.principal = crate::Principal::Anonymous;
        c
    };
    if !ok {
        let would_lock = user.failed_logins + 1 >= app.settings.lockout_threshold;
        let lock_until = would_lock.then(|| t + Duration::minutes(app.settings.lockout_minutes));
        let n = users::record_login_failure(tx.h(), user.id, lock_until).await?;
        let c = anon_as(ctx);
        let mut ev = c.event(
            AuditAction::LoginFailed,
            "user",
            user.id,
            user.department_id,
            json!({"reason": "wrong_password", "failed_logins": n}),
        );
        ev.actor = Actor {
            user_id: None,
            label: format!("anonymous:{}", user.username),
        };
        audit::append(tx.h(), &ev).await?;
        if let Some(until) = lock_until {
            let mut ev = c.event(
                AuditAction::AccountLocked,
                "user",
                user.id,
                user.department_id,
                json!({"locked_until": until.to_rfc3339(), "failed_logins": n}),
            );
            ev.actor = Actor::system();
            audit::append(tx.h(), &ev).await?;
            tx.commit().await?;
            return Err(AppError::Locked { until: cst(until) });
        }
        tx.commit().await?;
        return Err(AppError::InvalidCredentials);
    }
    if !user.active {
        return Err(AppError::Disabled);
    }
    users::reset_login_failures(tx.h(), user.id).await?;
    let token = random_token(32)?;
    let csrf = random_token(24)?;
    let expires_at = t + Duration::hours(app.settings.session_hours);
    sessions::insert_session(
        tx.h(),
        &SessionRow {
            id: token_hash(&token),
            user_id: user.id,
            csrf_token: csrf.clone(),
            created_at: t,
            expires_at,
            last_seen_at: t,
            source: ctx.source.clone(),
            user_agent: user_agent.map(|s| s.chars().take(300).collect()),
        },
    )
    .await?;
    let cu = current_user(tx.h(), &user).await?;
    let staff = Ctx::staff(cu.clone(), ctx.request_id.clone(), ctx.source.clone());
    audit::append(
        tx.h(),
        &staff.event(
            AuditAction::LoginSucceeded,
            "user",
            user.id,
            user.department_id,
            json!({"session_expires_at": expires_at.to_rfc3339()}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(LoginOutcome {
        token,
        csrf_token: csrf,
        user: cu,
        expires_at,
    })
}

/// Resolve a session cookie to its user. Returns `None` for unknown or expired sessions and for
/// disabled accounts.
pub async fn session(app: &App, token: &str) -> AppResult<Option<SessionInfo>> {
    let id = token_hash(token);
    let t = now();
    let mut c = app.db.conn().await?;
    let Some(s) = sessions::get_live_session(c.h(), &id, t).await? else {
        return Ok(None);
    };
    let user = users::get_user(c.h(), s.user_id).await?;
    if !user.active {
        return Ok(None);
    }
    if t - s.last_seen_at > Duration::minutes(5) {
        // Writes go through a write transaction (on SQLite: the group-commit writer).
        let mut tx = app.db.begin().await?;
        sessions::touch_session(tx.h(), &id, t).await?;
        tx.commit().await?;
    }
    let cu = current_user(c.h(), &user).await?;
    Ok(Some(SessionInfo {
        user: cu,
        csrf_token: s.csrf_token,
    }))
}

/// Close a session (audited when it existed).
pub async fn logout(app: &App, ctx: &Ctx, token: &str) -> AppResult<()> {
    let mut tx = app.db.begin().await?;
    if let Some(uid) = sessions::delete_session(tx.h(), &token_hash(token)).await? {
        let dept = ctx.user().and_then(|u| u.department_id).map(|d| d.get());
        audit::append(
            tx.h(),
            &ctx.event(AuditAction::Logout, "user", uid, dept, json!({})),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Compare two secrets in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A logged-in user changes their own password (old password required). Other sessions of
/// the user are closed.
pub async fn change_own_password(app: &App, ctx: &Ctx, old: &str, new: &str) -> AppResult<()> {
    let me = ctx.user().ok_or(AppError::Unauthenticated)?;
    check_password_policy(new)?;
    let row = {
        let mut c = app.db.conn().await?;
        users::get_user(c.h(), me.id.get()).await?
    };
    if !verify_password(app, old, &row.password_hash).await? {
        return Err(AppError::Domain(onewindow_domain::DomainError::field(
            "old_password",
            "原密码不正确",
            "old password: incorrect",
        )));
    }
    let hash = hash_password(app, new).await?;
    let mut tx = app.db.begin().await?;
    users::set_password_hash(tx.h(), row.id, &hash).await?;
    sessions::delete_user_sessions(tx.h(), row.id).await?;
    audit::append(
        tx.h(),
        &ctx.event(
            AuditAction::PasswordChanged,
            "user",
            row.id,
            row.department_id,
            json!({}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// An issued API token: the secret is shown once.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// Token id.
    pub id: i64,
    /// The secret, `owt_…`.
    pub secret: String,
}

/// Issue an API token acting as `user_id` (admins: any user; others: themselves only).
pub async fn create_api_token(
    app: &App,
    ctx: &Ctx,
    user_id: i64,
    name: &str,
    valid_days: Option<i64>,
) -> AppResult<IssuedToken> {
    let own = ctx.user().is_some_and(|u| u.id.get() == user_id);
    if !own {
        ctx.require(
            onewindow_domain::org::Permission::ManageApiTokens,
            &onewindow_domain::org::Target::global(),
        )?;
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::Domain(onewindow_domain::DomainError::field(
            "name",
            "令牌名称不能为空，且不超过 100 个字符",
            "name: required, at most 100 characters",
        )));
    }
    let secret = format!("{API_TOKEN_PREFIX}{}", random_token(32)?);
    let t = now();
    let expires = valid_days.map(|d| t + Duration::days(d.clamp(1, 3650)));
    let mut tx = app.db.begin().await?;
    let user = users::get_user(tx.h(), user_id).await?;
    let row = tokens::insert_token(tx.h(), user.id, name, &token_hash(&secret), t, expires).await?;
    audit::append(
        tx.h(),
        &ctx.event(
            AuditAction::ApiTokenCreated,
            "api_token",
            row.id,
            user.department_id,
            json!({"after": {"name": name, "user": user.username, "expires_at": expires.map(|e| e.to_rfc3339())}}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(IssuedToken { id: row.id, secret })
}

/// Resolve a bearer token to its user (`None` if unknown, revoked, expired or the user is
/// disabled).
pub async fn token_user(app: &App, secret: &str) -> AppResult<Option<CurrentUser>> {
    if !secret.starts_with(API_TOKEN_PREFIX) {
        return Ok(None);
    }
    let t = now();
    let mut c = app.db.conn().await?;
    let Some(tok) = tokens::find_usable(c.h(), &token_hash(secret), t).await? else {
        return Ok(None);
    };
    let user = users::get_user(c.h(), tok.user_id).await?;
    if !user.active {
        return Ok(None);
    }
    if tok
        .last_used_at
        .is_none_or(|l| t - l > Duration::minutes(5))
    {
        let mut tx = app.db.begin().await?;
        tokens::touch(tx.h(), tok.id, t).await?;
        tx.commit().await?;
    }
    Ok(Some(current_user(c.h(), &user).await?))
}

/// Revoke an API token.
pub async fn revoke_api_token(app: &App, ctx: &Ctx, token_id: i64) -> AppResult<()> {
    ctx.require(
        onewindow_domain::org::Permission::ManageApiTokens,
        &onewindow_domain::org::Target::global(),
    )?;
    let mut tx = app.db.begin().await?;
    let row = tokens::revoke(tx.h(), token_id, now()).await?;
    audit::append(
        tx.h(),
        &ctx.event(
            AuditAction::ApiTokenRevoked,
            "api_token",
            row.id,
            None,
            json!({"before": {"name": row.name}}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// All API tokens (token administrators only).
pub async fn list_api_tokens(app: &App, ctx: &Ctx) -> AppResult<Vec<tokens::ApiTokenRow>> {
    ctx.require(
        onewindow_domain::org::Permission::ManageApiTokens,
        &onewindow_domain::org::Target::global(),
    )?;
    let mut c = app.db.conn().await?;
    Ok(tokens::list(c.h()).await?)
}

/// A staff context for an active account by username, without a login: for the operator's
/// batch tools, benchmarks and tests that drive use cases directly.
pub async fn staff_ctx(app: &App, username: &str) -> AppResult<Ctx> {
    let mut c = app.db.conn().await?;
    let u = users::find_user_by_username(c.h(), username)
        .await?
        .filter(|u| u.active)
        .ok_or(AppError::NotFound)?;
    let cu = current_user(c.h(), &u).await?;
    Ok(Ctx::staff(
        cu,
        Some(format!("batch-{username}")),
        Some("batch".into()),
    ))
}
