//! Administration pages: users and grants, organisation (regions, departments, windows),
//! department rosters, the audit trail, API tokens. Every action is checked in the use case
//! (scope included); these handlers only parse forms and render.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use onewindow_app::org::{DepartmentInput, WindowInput};
use onewindow_app::org::{DepartmentRow, RegionRow, WindowRow};
use onewindow_app::users::{GrantInput, GrantScopeInput, NewUser, UserView};
use onewindow_app::{AppError, audit, auth, org, users};
use onewindow_domain::DomainError;
use onewindow_domain::org::{Permission, Role};
use serde::Deserialize;

use crate::AppState;
use crate::caller::{Caller, StaffPage};
use crate::error::{Form, Path, Query, WebError};
use crate::pages::layout::Layout;
use crate::pages::{form_error, render};

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(users_page).post(user_create))
        .route("/admin/users/{id}", get(user_page).post(user_update))
        .route("/admin/users/{id}/grants", post(grant_add))
        .route("/admin/users/{id}/grants/{gid}/delete", post(grant_remove))
        .route("/admin/users/{id}/password", post(user_password))
        .route("/admin/org", get(org_page))
        .route("/admin/regions", post(region_create))
        .route("/admin/regions/{code}", post(region_rename))
        .route("/admin/departments", post(department_create))
        .route(
            "/admin/departments/{id}",
            get(department_page).post(department_update),
        )
        .route("/admin/departments/{id}/staff", get(roster_page))
        .route("/admin/windows", post(window_create))
        .route("/admin/windows/{id}", get(window_page).post(window_update))
        .route("/admin/audit", get(audit_page))
        .route("/admin/tokens", get(tokens_page).post(token_create))
        .route("/admin/tokens/{id}/revoke", post(token_revoke))
}

fn bad(field: &'static str, zh: String, en: String) -> WebError {
    WebError::from(AppError::Domain(DomainError::field(field, zh, en)))
}

fn parse_opt_i64(field: &'static str, s: &str) -> Result<Option<i64>, WebError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    s.parse().map(Some).map_err(|_| {
        bad(
            field,
            format!("“{s}”不是有效的编号"),
            format!("{field}: “{s}” is not a valid id"),
        )
    })
}

fn parse_version(s: &str) -> Result<i64, WebError> {
    s.trim().parse().map_err(|_| {
        bad(
            "version",
            "版本号缺失或无效，请刷新页面".into(),
            "version: missing or invalid; reload the page".into(),
        )
    })
}

/// Parse a scope select value: `global`, `region:CODE`, `department:ID`.
fn parse_scope(s: &str) -> Result<GrantScopeInput, WebError> {
    let s = s.trim();
    if s == "global" {
        return Ok(GrantScopeInput::Global);
    }
    if let Some(r) = s.strip_prefix("region:") {
        return Ok(GrantScopeInput::Region {
            region: r.to_string(),
        });
    }
    if let Some(d) = s.strip_prefix("department:")
        && let Ok(id) = d.parse()
    {
        return Ok(GrantScopeInput::Department { department: id });
    }
    Err(bad(
        "scope",
        format!("授权范围“{s}”无效"),
        format!("scope: “{s}” is not valid"),
    ))
}

fn parse_role(s: &str) -> Result<Role, WebError> {
    s.parse::<Role>().map_err(WebError::from)
}

/// Choices for selects.
pub struct Choice {
    /// Value.
    pub value: String,
    /// Label.
    pub label: String,
}

async fn scope_choices(st: &AppState, en: bool) -> Result<Vec<Choice>, WebError> {
    let mut out = vec![Choice {
        value: "global".into(),
        label: if en { "Whole platform" } else { "全平台" }.into(),
    }];
    for r in org::list_regions(&st.app).await? {
        if r.level == "city" || r.level == "county" {
            out.push(Choice {
                value: format!("region:{}", r.code),
                label: format!("{}（{}）", r.name, r.code),
            });
        }
    }
    for d in org::list_departments(&st.app, None).await? {
        out.push(Choice {
            value: format!("department:{}", d.id),
            label: d.name,
        });
    }
    Ok(out)
}

fn role_choices(en: bool) -> Vec<Choice> {
    Role::ALL
        .iter()
        .map(|r| Choice {
            value: r.as_str().into(),
            label: if en { r.en() } else { r.zh() }.into(),
        })
        .collect()
}

fn role_label(role: &str, en: bool) -> String {
    role.parse::<Role>()
        .map(|r| if en { r.en() } else { r.zh() }.to_string())
        .unwrap_or_else(|_| role.to_string())
}

/// A user row for the list.
pub struct UserLine {
    /// Id.
    pub id: i64,
    /// Username.
    pub username: String,
    /// Name.
    pub display_name: String,
    /// Department name.
    pub department: String,
    /// Active.
    pub active: bool,
    /// Role labels.
    pub roles: Vec<String>,
}

fn user_lines(views: &[UserView], depts: &[DepartmentRow], en: bool) -> Vec<UserLine> {
    views
        .iter()
        .map(|v| UserLine {
            id: v.user.id,
            username: v.user.username.clone(),
            display_name: v.user.display_name.clone(),
            department: v
                .user
                .department_id
                .and_then(|d| depts.iter().find(|x| x.id == d))
                .map(|d| d.name.clone())
                .unwrap_or_default(),
            active: v.user.active,
            roles: v.grants.iter().map(|g| role_label(&g.role, en)).collect(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    l: Layout,
    users: Vec<UserLine>,
    departments: Vec<DepartmentRow>,
    roles: Vec<Choice>,
    scopes: Vec<Choice>,
    form: NewUserForm,
}

#[derive(Deserialize, Default, Clone)]
struct NewUserForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    department_id: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    scope: String,
}

async fn users_view(
    st: &AppState,
    c: &Caller,
    form: NewUserForm,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let en = c.tr().en();
    let views = users::list_users(&st.app, &c.ctx(), None).await?;
    let departments = org::list_departments(&st.app, None).await?;
    let page = UsersPage {
        l: Layout::new(c, &st.web.site_name, "/admin/users", "users.title").with_error(error),
        users: user_lines(&views, &departments, en),
        departments,
        roles: role_choices(en),
        scopes: scope_choices(st, en).await?,
        form: NewUserForm {
            password: String::new(),
            ..form
        },
    };
    Ok((status, render(&page)?).into_response())
}

async fn users_page(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
) -> Result<Response, WebError> {
    users_view(&st, &c, NewUserForm::default(), None, StatusCode::OK).await
}

async fn user_create(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Form(f): Form<NewUserForm>,
) -> Result<Response, WebError> {
    c.check_csrf(&f.csrf)?;
    let r: Result<i64, WebError> = async {
        let mut grants = Vec::new();
        if !f.role.trim().is_empty() {
            grants.push(GrantInput {
                role: parse_role(&f.role)?,
                scope: parse_scope(&f.scope)?,
            });
        }
        let v = users::create_user(
            &st.app,
            &c.ctx(),
            NewUser {
                username: f.username.clone(),
                display_name: f.display_name.clone(),
                password: f.password.clone(),
                department_id: parse_opt_i64("department_id", &f.department_id)?,
                grants,
            },
        )
        .await?;
        Ok(v.user.id)
    }
    .await;
    match r {
        Ok(id) => Ok(Redirect::to(&format!("/admin/users/{id}?saved=1")).into_response()),
        Err(e) => {
            let status = e.status;
            let msg = form_error(e, c.tr())?;
            users_view(&st, &c, f, Some(msg), status).await
        }
    }
}

/// A grant row on the user page.
pub struct GrantView {
    /// Grant id.
    pub id: i64,
    /// Role label.
    pub role: String,
    /// Scope label.
    pub scope: String,
}

#[derive(Template)]
#[template(path = "admin_user.html")]
struct UserPage {
    l: Layout,
    u: onewindow_app::users::UserRow,
    grants: Vec<GrantView>,
    departments: Vec<DepartmentRow>,
    roles: Vec<Choice>,
    scopes: Vec<Choice>,
}

#[derive(Deserialize)]
struct SavedQuery {
    saved: Option<String>,
}

async fn user_view(
    st: &AppState,
    c: &Caller,
    id: i64,
    error: Option<String>,
    flash: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let en = c.tr().en();
    let v = users::get_user(&st.app, &c.ctx(), id).await?;
    let departments = org::list_departments(&st.app, None).await?;
    let regions = org::list_regions(&st.app).await?;
    let grants = v
        .grants
        .iter()
        .map(|g| GrantView {
            id: g.id,
            role: role_label(&g.role, en),
            scope: match g.scope_kind.as_str() {
                "global" => if en { "Whole platform" } else { "全平台" }.to_string(),
                "region" => g
                    .region_code
                    .as_ref()
                    .map(|code| {
                        regions
                            .iter()
                            .find(|r| &r.code == code)
                            .map(|r| format!("{}（{}）", r.name, r.code))
                            .unwrap_or_else(|| code.clone())
                    })
                    .unwrap_or_default(),
                _ => g
                    .department_id
                    .and_then(|d| departments.iter().find(|x| x.id == d))
                    .map(|d| d.name.clone())
                    .unwrap_or_default(),
            },
        })
        .collect();
    let page = UserPage {
        l: Layout::new(
            c,
            &st.web.site_name,
            &format!("/admin/users/{id}"),
            "users.title",
        )
        .with_error(error)
        .with_flash(flash),
        u: v.user.clone(),
        grants,
        departments,
        roles: role_choices(en),
        scopes: scope_choices(st, en).await?,
    };
    Ok((status, render(&page)?).into_response())
}

async fn user_page(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Path(id): Path<i64>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, WebError> {
    let flash = q.saved.map(|_| c.tr().t("common.saved").to_string());
    user_view(&st, &c, id, None, flash, StatusCode::OK).await
}

async fn after_post(
    st: &AppState,
    c: &Caller,
    id: i64,
    r: Result<(), WebError>,
) -> Result<Response, WebError> {
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/admin/users/{id}?saved=1")).into_response()),
        Err(e) => {
            let status = e.status;
            let msg = form_error(e, c.tr())?;
            user_view(st, c, id, Some(msg), None, status).await
        }
    }
}

#[derive(Deserialize)]
struct UserEditForm {
    csrf: String,
    display_name: String,
    #[serde(default)]
    department_id: String,
    #[serde(default)]
    active: Option<String>,
    version: String,
}

async fn user_update(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Path(id): Path<i64>,
    Form(f): Form<UserEditForm>,
) -> Result<Response, WebError> {
    c.check_csrf(&f.csrf)?;
    let r = async {
        users::update_user(
            &st.app,
            &c.ctx(),
            id,
            &f.display_name,
            parse_opt_i64("department_id", &f.department_id)?,
            f.active.is_some(),
            parse_version(&f.version)?,
        )
        .await?;
        Ok(())
    }
    .await;
    after_post(&st, &c, id, r).await
}

#[derive(Deserialize)]
struct GrantForm {
    csrf: String,
    role: String,
    scope: String,
}

async fn grant_add(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Path(id): Path<i64>,
    Form(f): Form<GrantForm>,
) -> Result<Response, WebError> {
    c.check_csrf(&f.csrf)?;
    let r = async {
        users::add_grant(
            &st.app,
            &c.ctx(),
            id,
            GrantInput {
                role: parse_role(&f.role)?,
                scope: parse_scope(&f.scope)?,
            },
        )
        .await?;
        Ok(())
    }
    .await;
    after_post(&st, &c, id, r).await
}

#[derive(Deserialize)]
struct CsrfOnly {
    csrf: String,
}

async fn grant_remove(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Path((id, gid)): Path<(i64, i64)>,
    Form(f): Form<CsrfOnly>,
) -> Result<Response, WebError> {
    c.check_csrf(&f.csrf)?;
    let r = users::remove_grant(&st.app, &c.ctx(), id, gid)
        .await
        .map_err(WebError::from);
    after_post(&st, &c, id, r).await
}

#[derive(Deserialize)]
struct ResetForm {
    csrf: String,
    password: String,
}

async fn user_password(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Path(id): Path<i64>,
    Form(f): Form<ResetForm>,
) -> Result<Response, WebError> {
    c.check_csrf(&f.csrf)?;
    let r = users::reset_password(&st.app, &c.ctx(), id, &f.password)
        .await
        .map_err(WebError::from);
    after_post(&st, &c, id, r).await
}

/// A region with its parent's name.
pub struct RegionLine {
    /// Row.
    pub r: RegionRow,
    /// Level label.
    pub level: String,
    /// Indentation (0 city … 3 village).
    pub depth: usize,
}

#[derive(Template)]
#[template(path = "admin_org.html")]
struct OrgPage {
    l: Layout,
    regions: Vec<RegionLine>,
    departments: Vec<DepartmentRow>,
    windows: Vec<WindowRow>,
    halls: Vec<&'static str>,
}

fn level_label(level: &str, en: bool) -> String {
    level
        .parse::<onewindow_domain::region::AdminLevel>()
        .map(|l| {
            if en {
                l.as_str().to_string()
            } else {
                l.zh().to_string()
            }
        })
        .unwrap_or_else(|_| level.to_string())
}

fn depth(level: &str) -> usize {
    match level {
        "province" | "city" => 0,
        "county" => 1,
        "township" => 2,
        _ => 3,
    }
}

async fn org_view(
    st: &AppState,
    c: &Caller,
    error: Option<String>,
    flash: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    c.ctx().require_any(Permission::ManageOrganisation)?;
    let en = c.tr().en();
    let regions = org::list_regions(&st.app)
        .await?
        .into_iter()
        .map(|r| RegionLine {
            level: level_label(&r.level, en),
            depth: depth(&r.level),
            r,
        })
        .collect();
    let page = OrgPage {
        l: Layout::new(c, &st.web.site_name, "/admin/org", "org.title")
            .with_error(error)
            .with_flash(flash),
        regions,
        departments: org::list_departments(&st.app, None).await?,
        windows: org::list_windows(&st.app).await?,
        halls: onewindow_app::demo::HALLS.to_vec(),
    };
    Ok((status, render(&page)?).into_response())
}

async fn org_page(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Query(q): Query<SavedQuery>,
) -> Result<Response, WebError> {
    let flash = q.saved.map(|_| c.tr().t("common.saved").to_string());
    org_view(&st, &c, None, flash, StatusCode::OK).await
}

async fn org_after(
    st: &AppState,
    c: &Caller,
    r: Result<(), WebError>,
) -> Result<Response, WebError> {
    match r {
        Ok(()) => Ok(Redirect::to("/admin/org?saved=1").into_response()),
        Err(e) => {
            let status = e.status;
            let msg = form_error(e, c.tr())?;
            org_view(st, c, Some(msg), None, status).await
        }
    }
}

#[derive(Deserialize)]
struct RegionForm {
    csrf: String,
    #[serde(default)]
    code: String,
    name: String,
    #[serde(default)]
    version: String,
}

async fn region_create(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Form(f): Form<RegionForm>,
) -> Result<Response, WebError> {
    c.check_csrf(&f.csrf)?;
    let r = org::create_region(&st.app, &c.ctx(), &f.code, &f.name)
        .await
        .map(|_| ())
        .map_err(WebError::from);
    org_after(&st, &c, r).await
}

async fn region_rename(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Path(code): Path<String>,
    Form(f): Form<RegionForm>,
) -> Result<Response, WebError> {
    c.check_csrf(&f.csrf)?;
    let r = async {
        org::update_region(
            &st.app,
            &c.ctx(),
            &code,
            &f.name,
            parse_version(&f.version)?,
        )
        .await?;
        Ok(())
    }
    .await;
    org_after(&st, &c, r).await
}

#[derive(Deserialize)]
struct DepartmentForm {
    csrf: String,
    name: String,
    short_name: String,
    #[serde(default)]
    credit_code: String,
    region_code: String,
    #[serde(default)]
    active: Option<String>,
    #[serde(default)]
    version: String,
}

impl DepartmentForm {
    fn input(&self, default_active: bool) -> DepartmentInput {
        DepartmentInput {
            name: self.name.clone(),
            short_name: self.short_name.clone(),
            credit_code: Some(self.credit_code.clone()),
            region_code: self.region_code.clone(),
            active: self.active.is_some() || default_active,
        }
    }
}

async fn department_create(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Form(f): Form<DepartmentForm>,
) -> Result<Response, WebError> {
    c.check_csrf(&f.csrf)?;
    let r = org::create_department(&st.app, &c.ctx(), f.input(true))
        .await
        .map(|_| ())
        .map_err(WebError::from);
    org_after(&st, &c, r).await
}

#[derive(Template)]
#[template(path = "admin_department.html")]
struct DepartmentPage {
    l: Layout,
    d: DepartmentRow,
    regions: Vec<RegionRow>,
}

async fn department_view(
    st: &AppState,
    c: &Caller,
    id: i64,
    error: Option<String>,
    flash: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    c.ctx().require_any(Permission::ManageOrganisation)?;
    let d = org::get_department(&st.app, id).await?;
    let page = DepartmentPage {
        l: Layout::new(
            c,
            &st.web.site_name,
            &format!("/admin/departments/{id}"),
            "org.departments",
        )
        .with_error(error)
        .with_flash(flash),
        d,
        regions: org::list_regions(&st.app).await?,
    };
    Ok((status, render(&page)?).into_response())
}

async fn department_page(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Path(id): Path<i64>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, WebError> {
    let flash = q.saved.map(|_| c.tr().t("common.saved").to_string());
    department_view(&st, &c, id, None, flash, StatusCode::OK).await
}

async fn department_update(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Path(id): Path<i64>,
    Form(f): Form<DepartmentForm>,
) -> Result<Response, WebError> {
    c.check_csrf(&f.csrf)?;
    let r: Result<(), WebError> = async {
        org::update_department(
            &st.app,
            &c.ctx(),
            id,
            f.input(false),
            parse_version(&f.version)?,
        )
        .await?;
        Ok(())
    }
    .await;
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/admin/departments/{id}?saved=1")).into_response()),
        Err(e) => {
            let status = e.status;
            let msg = form_error(e, c.tr())?;
            department_view(&st, &c, id, Some(msg), None, status).await
        }
    }
}

#[derive(Template)]
#[template(path = "admin_roster.html")]
struct RosterPage {
    l: Layout,
    department: String,
    users: Vec<UserLine>,
}

async fn roster_page(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let views = users::list_users(&st.app, &c.ctx(), Some(id)).await?;
    let depts = org::list_departments(&st.app, None).await?;
    let name = depts
        .iter()
        .find(|d| d.id == id)
        .map(|d| d.name.clone())
        .unwrap_or_default();
    render(&RosterPage {
        l: Layout::new(
            &c,
            &st.web.site_name,
            &format!("/admin/departments/{id}/staff"),
            "org.roster",
        ),
        department: name,
        users: user_lines(&views, &depts, c.tr().en()),
    })
}

#[derive(Deserialize)]
struct WindowForm {
    csrf: String,
    number: String,
    name: String,
    hall: String,
    region_code: String,
    #[serde(default)]
    department_id: String,
    #[serde(default)]
    active: Option<String>,
    #[serde(default)]
    version: String,
}

impl WindowForm {
    fn input(&self, default_active: bool) -> Result<WindowInput, WebError> {
        Ok(WindowInput {
            number: self.number.clone(),
            name: self.name.clone(),
            hall: self.hall.clone(),
            region_code: self.region_code.clone(),
            department_id: parse_opt_i64("department_id", &self.department_id)?,
            active: self.active.is_some() || default_active,
        })
    }
}

async fn window_create(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Form(f): Form<WindowForm>,
) -> Result<Response, WebError> {
    c.check_csrf(&f.csrf)?;
    let r = async {
        org::create_window(&st.app, &c.ctx(), f.input(true)?).await?;
        Ok(())
    }
    .await;
    org_after(&st, &c, r).await
}

#[derive(Template)]
#[template(path = "admin_window.html")]
struct WindowPage {
    l: Layout,
    w: WindowRow,
    departments: Vec<DepartmentRow>,
    halls: Vec<&'static str>,
}

async fn window_view(
    st: &AppState,
    c: &Caller,
    id: i64,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    c.ctx().require_any(Permission::ManageOrganisation)?;
    let w = org::list_windows(&st.app)
        .await?
        .into_iter()
        .find(|w| w.id == id)
        .ok_or(AppError::NotFound)?;
    let page = WindowPage {
        l: Layout::new(
            c,
            &st.web.site_name,
            &format!("/admin/windows/{id}"),
            "org.windows",
        )
        .with_error(error),
        w,
        departments: org::list_departments(&st.app, None).await?,
        halls: onewindow_app::demo::HALLS.to_vec(),
    };
    Ok((status, render(&page)?).into_response())
}

async fn window_page(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    window_view(&st, &c, id, None, StatusCode::OK).await
}

async fn window_update(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Path(id): Path<i64>,
    Form(f): Form<WindowForm>,
) -> Result<Response, WebError> {
    c.check_csrf(&f.csrf)?;
    let r: Result<(), WebError> = async {
        org::update_window(
            &st.app,
            &c.ctx(),
            id,
            f.input(false)?,
            parse_version(&f.version)?,
        )
        .await?;
        Ok(())
    }
    .await;
    match r {
        Ok(()) => Ok(Redirect::to("/admin/org?saved=1").into_response()),
        Err(e) => {
            let status = e.status;
            let msg = form_error(e, c.tr())?;
            window_view(&st, &c, id, Some(msg), status).await
        }
    }
}

#[derive(Deserialize, Default)]
struct AuditQuery {
    #[serde(default)]
    action: String,
    #[serde(default)]
    actor: String,
    #[serde(default)]
    object_type: String,
    #[serde(default)]
    object_id: String,
    #[serde(default)]
    before: String,
}

/// An audit row for display.
pub struct AuditLine {
    /// Sequence.
    pub seq: i64,
    /// Time (UTC+8).
    pub at: String,
    /// Actor.
    pub actor: String,
    /// Action.
    pub action: String,
    /// Object.
    pub object: String,
    /// Request id.
    pub request_id: String,
    /// Source.
    pub source: String,
    /// Summary JSON.
    pub summary: String,
    /// Hash prefix.
    pub hash: String,
}

#[derive(Template)]
#[template(path = "admin_audit.html")]
struct AuditPage {
    l: Layout,
    q: AuditQuery,
    rows: Vec<AuditLine>,
    next_before: Option<i64>,
}

async fn audit_page(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Query(q): Query<AuditQuery>,
) -> Result<Response, WebError> {
    let nonempty = |s: &str| {
        let s = s.trim();
        (!s.is_empty()).then(|| s.to_string())
    };
    let filter = onewindow_app::audit::AuditFilter {
        action: nonempty(&q.action),
        actor: nonempty(&q.actor),
        object_type: nonempty(&q.object_type),
        object_id: nonempty(&q.object_id),
        before: parse_opt_i64("before", &q.before)?,
        ..Default::default()
    };
    const PAGE: i64 = 50;
    let rows = audit::list(&st.app, &c.ctx(), filter, PAGE).await?;
    let next_before = (rows.len() as i64 == PAGE)
        .then(|| rows.last().map(|(r, _)| r.seq))
        .flatten();
    let rows = rows
        .into_iter()
        .map(|(r, h)| AuditLine {
            seq: r.seq,
            at: auth::cst(r.at),
            actor: r.actor,
            action: r.action,
            object: format!("{} {}", r.object_type, r.object_id),
            request_id: r.request_id.unwrap_or_default(),
            source: r.source.unwrap_or_default(),
            summary: r.summary,
            hash: h.chars().take(12).collect(),
        })
        .collect();
    render(&AuditPage {
        l: Layout::new(&c, &st.web.site_name, "/admin/audit", "audit.title"),
        q,
        rows,
        next_before,
    })
}

/// A token row for display.
pub struct TokenLine {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// User.
    pub user: String,
    /// Created.
    pub created: String,
    /// Last used.
    pub last_used: String,
    /// Expiry.
    pub expires: String,
    /// Revoked.
    pub revoked: bool,
}

#[derive(Template)]
#[template(path = "admin_tokens.html")]
struct TokensPage {
    l: Layout,
    tokens: Vec<TokenLine>,
    users: Vec<(i64, String)>,
    secret: Option<String>,
}

async fn tokens_view(
    st: &AppState,
    c: &Caller,
    secret: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let rows = auth::list_api_tokens(&st.app, &c.ctx()).await?;
    let views = users::list_users(&st.app, &c.ctx(), None).await?;
    let name_of = |id: i64| {
        views
            .iter()
            .find(|v| v.user.id == id)
            .map(|v| v.user.username.clone())
            .unwrap_or_else(|| id.to_string())
    };
    let tokens = rows
        .into_iter()
        .map(|t| TokenLine {
            id: t.id,
            name: t.name,
            user: name_of(t.user_id),
            created: auth::cst(t.created_at),
            last_used: t.last_used_at.map(auth::cst).unwrap_or_default(),
            expires: t.expires_at.map(auth::cst).unwrap_or_default(),
            revoked: t.revoked_at.is_some(),
        })
        .collect();
    let page = TokensPage {
        l: Layout::new(c, &st.web.site_name, "/admin/tokens", "tokens.title").with_error(error),
        tokens,
        users: views
            .iter()
            .map(|v| {
                (
                    v.user.id,
                    format!("{}（{}）", v.user.display_name, v.user.username),
                )
            })
            .collect(),
        secret,
    };
    Ok((status, render(&page)?).into_response())
}

async fn tokens_page(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
) -> Result<Response, WebError> {
    tokens_view(&st, &c, None, None, StatusCode::OK).await
}

#[derive(Deserialize)]
struct TokenForm {
    csrf: String,
    name: String,
    user_id: String,
    #[serde(default)]
    days: String,
}

async fn token_create(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Form(f): Form<TokenForm>,
) -> Result<Response, WebError> {
    c.check_csrf(&f.csrf)?;
    let r: Result<String, WebError> = async {
        let uid = parse_opt_i64("user_id", &f.user_id)?
            .ok_or_else(|| bad("user_id", "请选择用户".into(), "user_id: required".into()))?;
        let days = parse_opt_i64("days", &f.days)?;
        Ok(
            auth::create_api_token(&st.app, &c.ctx(), uid, &f.name, days)
                .await?
                .secret,
        )
    }
    .await;
    match r {
        Ok(secret) => tokens_view(&st, &c, Some(secret), None, StatusCode::OK).await,
        Err(e) => {
            let status = e.status;
            let msg = form_error(e, c.tr())?;
            tokens_view(&st, &c, None, Some(msg), status).await
        }
    }
}

async fn token_revoke(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Path(id): Path<i64>,
    Form(f): Form<CsrfOnly>,
) -> Result<Response, WebError> {
    c.check_csrf(&f.csrf)?;
    auth::revoke_api_token(&st.app, &c.ctx(), id).await?;
    Ok(Redirect::to("/admin/tokens").into_response())
}
