//! Public pages: home, working-day calculator, ID / credit-code check, static assets, health.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use onewindow_domain::calendar::{Explanation, parse_date};
use onewindow_domain::identity::ApplicantId;
use onewindow_domain::masking::mask_applicant_id;
use serde::Deserialize;

use crate::AppState;
use crate::caller::Caller;
use crate::error::{Query, WebError};
use crate::pages::layout::Layout;
use crate::pages::{form_error, render};

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/tools/workdays", get(workdays))
        .route("/tools/id-check", get(id_check))
        .route("/static/{file}", get(static_file))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
}

/// A themed hall on the home page.
pub struct Hall {
    /// Name.
    pub name: &'static str,
    /// Description key.
    pub desc_key: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    l: Layout,
    halls: Vec<Hall>,
}

async fn home(State(st): State<AppState>, c: Caller) -> Result<Response, WebError> {
    let halls = onewindow_app::demo::HALLS
        .iter()
        .map(|h| Hall {
            name: h,
            desc_key: format!("hall.desc.{h}"),
        })
        .collect();
    render(&HomePage {
        l: Layout::new(&c, &st.web.site_name, "/", "home.title"),
        halls,
    })
}

#[derive(Deserialize)]
struct WorkdaysQuery {
    start: Option<String>,
    days: Option<String>,
    date: Option<String>,
}

#[derive(Template)]
#[template(path = "workdays.html")]
struct WorkdaysPage {
    l: Layout,
    start: String,
    days: String,
    date: String,
    result: Option<Explanation>,
    day_result: Option<bool>,
    years: Vec<i32>,
}

/// Parse a number of working days (0–3650) named `field`.
pub fn parse_days(field: &'static str, s: &str) -> Result<u32, WebError> {
    s.trim()
        .parse::<u32>()
        .ok()
        .filter(|n| *n <= 3650)
        .ok_or_else(|| {
            WebError::bad_request(
                "invalid_field",
                Some(field),
                format!("工作日数须为 0 到 3650 之间的整数（收到“{s}”）"),
                format!("{field}: must be a whole number from 0 to 3650 (got “{s}”)"),
            )
        })
}

async fn workdays(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<WorkdaysQuery>,
) -> Result<Response, WebError> {
    let cal = st.app.calendar();
    let mut error = None;
    let mut result = None;
    let mut day_result = None;
    let start = q.start.clone().unwrap_or_default();
    let days = q.days.clone().unwrap_or_default();
    let date = q.date.clone().unwrap_or_default();
    if !start.trim().is_empty() || !days.trim().is_empty() {
        let r: Result<Explanation, WebError> = (|| {
            let d = parse_date("start", &start)?;
            let n = parse_days("days", &days)?;
            Ok(cal.explain_add(d, n)?)
        })();
        match r {
            Ok(x) => result = Some(x),
            Err(e) => error = Some(form_error(e, c.tr())?),
        }
    }
    if !date.trim().is_empty() {
        let r: Result<bool, WebError> = (|| {
            let d = parse_date("date", &date)?;
            Ok(cal.is_working_day(d)?)
        })();
        match r {
            Ok(x) => day_result = Some(x),
            Err(e) => error = Some(form_error(e, c.tr())?),
        }
    }
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let page = WorkdaysPage {
        l: Layout::new(&c, &st.web.site_name, "/tools/workdays", "workdays.title")
            .with_error(error),
        start,
        days,
        date,
        result,
        day_result,
        years: cal.years(),
    };
    Ok((status, render(&page)?).into_response())
}

#[derive(Deserialize)]
struct IdQuery {
    value: Option<String>,
}

/// Outcome of an ID check, for display.
pub struct IdResult {
    /// `resident-id` or `credit-code`.
    pub kind: &'static str,
    /// Masked normalised value.
    pub masked: String,
    /// Warnings (credit codes).
    pub warnings: Vec<String>,
}

#[derive(Template)]
#[template(path = "idcheck.html")]
struct IdCheckPage {
    l: Layout,
    value: String,
    result: Option<IdResult>,
}

/// Check a value and describe it (masked) in the caller's language.
pub fn check_id(value: &str, en: bool) -> Result<IdResult, WebError> {
    let id = ApplicantId::parse(value)?;
    let warnings = match &id {
        ApplicantId::Organisation(cc) => cc
            .warnings()
            .iter()
            .map(|w| if en { w.en() } else { w.zh() })
            .collect(),
        ApplicantId::Person(_) => Vec::new(),
    };
    Ok(IdResult {
        kind: id.kind(),
        masked: mask_applicant_id(&id),
        warnings,
    })
}

async fn id_check(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<IdQuery>,
) -> Result<Response, WebError> {
    let value = q.value.unwrap_or_default();
    let mut error = None;
    let mut result = None;
    if !value.trim().is_empty() {
        match check_id(&value, c.tr().en()) {
            Ok(r) => result = Some(r),
            Err(e) => error = Some(form_error(e, c.tr())?),
        }
    }
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let page = IdCheckPage {
        l: Layout::new(&c, &st.web.site_name, "/tools/id-check", "idcheck.title").with_error(error),
        // The value is echoed only when invalid (so the user can correct it); a valid
        // resident ID is shown masked only.
        value: if result.is_some() {
            String::new()
        } else {
            value
        },
        result,
    };
    Ok((status, render(&page)?).into_response())
}

async fn static_file(crate::error::Path(file): crate::error::Path<String>) -> Response {
    let (body, ctype): (&'static [u8], &str) = match file.as_str() {
        "app.css" => (
            include_bytes!("../../static/app.css"),
            "text/css; charset=utf-8",
        ),
        "emblem.svg" => (include_bytes!("../../static/emblem.svg"), "image/svg+xml"),
        "print.js" => (
            include_bytes!("../../static/print.js"),
            "text/javascript; charset=utf-8",
        ),
        _ => return WebError::not_found().into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, ctype),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

async fn healthz(State(st): State<AppState>) -> Response {
    match st.app.db.ping().await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check: database does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

async fn metrics(State(st): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        st.metrics.render(),
    )
        .into_response()
}
