//! The JSON API under `/api/v1`, for WeChat mini-programs, the mobile app, kiosks and scripts.
//! Every endpoint is described in the OpenAPI document at `/api/v1/openapi.json`. Errors are
//! `{ "code", "message", "field", "request_id" }` with a 4xx status for bad input; the message
//! follows `Accept-Language` (Chinese by default).

pub mod admin;
pub mod cases;
pub mod catalog;
pub mod disclosure;
pub mod dto;
pub mod licenses;
pub mod public;

use std::sync::Arc;

use axum::Router;
use axum::response::IntoResponse;
use axum::routing::get;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "OneWindow API",
        description = "一窗通办 政务服务平台 JSON API. Public endpoints need no authentication; \
                       staff endpoints take `Authorization: Bearer owt_…` (API token) or the \
                       session cookie plus an `x-csrf-token` header for changes.",
        version = "1"
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "tools", description = "便民工具: ID check, working-day calendar"),
        (name = "directory", description = "机构目录: regions, departments, windows"),
        (name = "admin", description = "管理: users, organisation, audit trail"),
        (name = "cases", description = "办件: one-window intake, parallel review, clocks, tracking"),
        (name = "catalog", description = "事项库: the published service catalog (ETag, change feed) and its staff lifecycle"),
        (name = "disclosure", description = "政府信息公开: published items, Chinese full-text search"),
        (name = "licenses", description = "电子证照: verification, the staff list and status changes, sharing with downstream libraries"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The API router together with its OpenAPI document.
pub fn api_router() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest(
            "/api/v1",
            OpenApiRouter::new()
                .routes(routes!(public::id_check))
                .routes(routes!(public::calendar_add))
                .routes(routes!(public::calendar_is_working))
                .routes(routes!(public::list_regions, admin::create_region))
                .routes(routes!(public::list_departments, admin::create_department))
                .routes(routes!(public::get_department, admin::update_department))
                .routes(routes!(admin::department_staff))
                .routes(routes!(public::list_windows, admin::create_window))
                .routes(routes!(admin::update_window))
                .routes(routes!(admin::me))
                .routes(routes!(admin::list_users, admin::create_user))
                .routes(routes!(admin::get_user, admin::update_user))
                .routes(routes!(admin::list_audit))
                .routes(routes!(admin::put_calendar_year))
                .routes(routes!(catalog::list_items, catalog::create_item))
                .routes(routes!(catalog::get_item))
                .routes(routes!(catalog::search))
                .routes(routes!(catalog::changes))
                .routes(routes!(catalog::stats))
                .routes(routes!(catalog::staff_items))
                .routes(routes!(catalog::get_version, catalog::save_draft))
                .routes(routes!(catalog::version_action))
                .routes(routes!(catalog::withdraw))
                .routes(routes!(catalog::open_version))
                .routes(routes!(catalog::history))
                .routes(routes!(catalog::diff))
                .routes(routes!(cases::intake, cases::find))
                .routes(routes!(cases::get_case))
                .routes(routes!(cases::decide))
                .routes(routes!(cases::intake_decision))
                .routes(routes!(cases::action))
                .routes(routes!(cases::queue))
                .routes(routes!(cases::bundles))
                .routes(routes!(cases::checklist))
                .routes(routes!(cases::track))
                .routes(routes!(disclosure::search))
                .routes(routes!(disclosure::list))
                .routes(routes!(disclosure::get_item))
                .routes(routes!(licenses::verify, licenses::verify_file))
                .routes(routes!(licenses::list))
                .routes(routes!(licenses::change_status))
                .routes(routes!(licenses::reissue))
                .routes(routes!(licenses::types))
                .routes(routes!(licenses::put_type))
                .routes(routes!(licenses::sync)),
        )
        .split_for_parts()
}

/// All API routes plus `/api/v1/openapi.json`.
pub fn router() -> Router<AppState> {
    let (router, doc) = api_router();
    let doc = Arc::new(doc);
    router
        .route(
            "/api/v1/openapi.json",
            get(move || {
                let doc = Arc::clone(&doc);
                async move { axum::Json(doc.as_ref().clone()).into_response() }
            }),
        )
        .fallback(fallback)
}

async fn fallback() -> crate::error::WebError {
    crate::error::WebError::not_found()
}
