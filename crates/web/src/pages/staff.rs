//! The staff workbench and self-service (change own password).

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use onewindow_app::auth;
use onewindow_domain::org::{Grant, Scope};
use serde::Deserialize;

use crate::AppState;
use crate::caller::StaffPage;
use crate::error::{Form, WebError};
use crate::middleware::SESSION_COOKIE;
use crate::pages::layout::Layout;
use crate::pages::{form_error, render};

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff", get(workbench))
        .route("/staff/password", get(password_form).post(password_submit))
}

/// A grant described for people.
pub struct GrantLine {
    /// Role label.
    pub role: String,
    /// Scope label.
    pub scope: String,
}

#[derive(Template)]
#[template(path = "staff.html")]
struct WorkbenchPage {
    l: Layout,
    department: Option<String>,
    grants: Vec<GrantLine>,
}

/// Describe grants with department and region names.
pub async fn describe_grants(
    st: &AppState,
    grants: &[Grant],
    en: bool,
) -> Result<Vec<GrantLine>, WebError> {
    let depts = onewindow_app::org::list_departments(&st.app, None).await?;
    let regions = onewindow_app::org::list_regions(&st.app).await?;
    Ok(grants
        .iter()
        .map(|g| GrantLine {
            role: if en { g.role.en() } else { g.role.zh() }.to_string(),
            scope: match &g.scope {
                Scope::Global => if en { "whole platform" } else { "全平台" }.to_string(),
                Scope::Region { region } => regions
                    .iter()
                    .find(|r| r.code == region.as_str())
                    .map(|r| format!("{}（{}）", r.name, r.code))
                    .unwrap_or_else(|| region.as_str().to_string()),
                Scope::Department { department } => depts
                    .iter()
                    .find(|d| d.id == department.get())
                    .map(|d| d.name.clone())
                    .unwrap_or_else(|| department.to_string()),
            },
        })
        .collect())
}

async fn workbench(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
) -> Result<Response, WebError> {
    let Some(user) = c.user().cloned() else {
        return Err(onewindow_app::AppError::Unauthenticated.into());
    };
    let department = match user.department_id {
        Some(d) => onewindow_app::org::get_department(&st.app, d.get())
            .await
            .ok()
            .map(|d| d.name),
        None => None,
    };
    let grants = describe_grants(&st, &user.grants.0, c.tr().en()).await?;
    render(&WorkbenchPage {
        l: Layout::new(&c, &st.web.site_name, "/staff", "staff.title"),
        department,
        grants,
    })
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    l: Layout,
}

async fn password_form(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
) -> Result<Response, WebError> {
    render(&PasswordPage {
        l: Layout::new(&c, &st.web.site_name, "/staff/password", "password.title"),
    })
}

#[derive(Deserialize)]
struct PasswordForm {
    csrf: String,
    old: String,
    new: String,
    repeat: String,
}

async fn password_submit(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Form(f): Form<PasswordForm>,
) -> Result<Response, WebError> {
    c.check_csrf(&f.csrf)?;
    let result = if f.new != f.repeat {
        Err(WebError::bad_request(
            "invalid_field",
            Some("repeat"),
            c.tr().t("password.mismatch").to_string(),
            "repeat: the two new passwords differ",
        ))
    } else {
        auth::change_own_password(&st.app, &c.ctx(), &f.old, &f.new)
            .await
            .map_err(WebError::from)
    };
    match result {
        Ok(()) => {
            // All sessions of the user were closed; send them to log in again.
            let mut resp = Redirect::to("/login").into_response();
            if let Ok(v) = HeaderValue::from_str(&format!(
                "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"
            )) {
                resp.headers_mut().append(header::SET_COOKIE, v);
            }
            Ok(resp)
        }
        Err(e) => {
            let status = e.status;
            let msg = form_error(e, c.tr())?;
            let page = PasswordPage {
                l: Layout::new(&c, &st.web.site_name, "/staff/password", "password.title")
                    .with_error(Some(msg)),
            };
            Ok((
                if status == StatusCode::OK {
                    StatusCode::BAD_REQUEST
                } else {
                    status
                },
                render(&page)?,
            )
                .into_response())
        }
    }
}
