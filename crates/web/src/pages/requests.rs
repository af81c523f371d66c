//! Disclosure on application (依申请公开) pages. Staff: the officer's list with due dates and
//! warnings, the clerk's entry form for requests received in person, by letter, fax or e-mail,
//! the request page with its clock explanation and every action, letters as print view and
//! DOCX. Public: the online application form, tracking by request number and query password,
//! and the applicant's letters and released files.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use onewindow_app::AppError;
use onewindow_app::cases::NoticeBody;
use onewindow_app::requests::{
    self, FeeMethod, NewRequest, PublicRequest, Released, Reply, RequestFile, RequestView,
};
use onewindow_app::requests::{LetterRow, RequestRow};
use onewindow_domain::calendar::parse_date;
use onewindow_domain::case::clock::Urgency;
use onewindow_domain::disclosure::request::{
    AppealKind, AppealResult, Channel, InfoForm, Obtain, ReplyOutcome, RequesterKind,
};
use onewindow_domain::masking::mask_applicant_id;

use crate::AppState;
use crate::caller::{Caller, StaffPage};
use crate::error::{Form, Path, WebError};
use crate::i18n::Tr;
use crate::pages::applicant::{Parts, multipart_error, read_parts};
use crate::pages::cases::NoticePage;
use crate::pages::layout::Layout;
use crate::pages::{Fields, bad, field, form_error, opt, render};

/// Double-submit CSRF cookie of the public forms.
const PUBLIC_CSRF_COOKIE: &str = "ow_ysqcsrf";
/// Largest request accepted by the forms with a file.
const UPLOAD_LIMIT: usize = 12 * 1024 * 1024;

/// The fields and files of a form, sent either as `multipart/form-data` (with files) or as
/// `application/x-www-form-urlencoded` (no files).
async fn read_form(st: &AppState, req: Request) -> Result<Parts, WebError> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if multipart {
        let mp = Multipart::from_request(req, st)
            .await
            .map_err(multipart_error)?;
        read_parts(mp).await
    } else {
        let Form(fields) = Form::<HashMap<String, String>>::from_request(req, st).await?;
        Ok(Parts {
            fields,
            files: Vec::new(),
        })
    }
}

/// A form's fields, and the uploaded files of its field `name` (moved out, not copied).
fn split_form(p: Parts, name: &str) -> (Fields, Vec<RequestFile>) {
    let files = p
        .files
        .into_iter()
        .filter(|(n, _, _)| n == name)
        .map(|(_, filename, bytes)| RequestFile { filename, bytes })
        .collect();
    (p.fields, files)
}

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ysqgk/requests", get(list_page))
        .route("/ysqgk/requests/close-lapsed", post(close_lapsed))
        .route(
            "/ysqgk/requests/new",
            get(new_page)
                .post(create)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/ysqgk/requests/{id}", get(request_page))
        .route(
            "/ysqgk/requests/{id}/reply",
            post(reply_submit).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/ysqgk/requests/{id}/{action}", post(action))
        .route("/ysqgk/requests/{id}/letters/{lid}", get(staff_letter))
        .route(
            "/ysqgk/requests/{id}/letters/{lid}/docx",
            get(staff_letter_docx),
        )
        .route("/ysqgk/requests/{id}/files/{fid}", get(staff_file))
        .route(
            "/ysqgk/apply",
            get(apply_page)
                .post(apply_submit)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/ysqgk/track", get(track_page).post(track_submit))
        .route("/ysqgk/r/{no}/{token}", get(public_page))
        .route("/ysqgk/r/{no}/{token}/letters/{lid}", get(public_letter))
        .route(
            "/ysqgk/r/{no}/{token}/letters/{lid}/docx",
            get(public_letter_docx),
        )
        .route("/ysqgk/r/{no}/{token}/files/{fid}", get(public_file))
}

fn date(f: &HashMap<String, String>, k: &'static str) -> Result<chrono::NaiveDate, WebError> {
    Ok(parse_date(k, field(f, k)).map_err(AppError::Domain)?)
}

// ------------------------------------------------------------------------------------------
// Officer's list

#[derive(Template)]
#[template(path = "ysq_list.html")]
struct ListPage {
    l: Layout,
    rows: Vec<(RequestRow, Urgency, String)>,
    pending: bool,
}

#[derive(serde::Deserialize, Default)]
struct ListQuery {
    all: Option<String>,
    overdue: Option<String>,
}

async fn list_page(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    crate::error::Query(q): crate::error::Query<ListQuery>,
) -> Result<Response, WebError> {
    let pending = q.all.is_none();
    let overdue = q.overdue.is_some();
    let rows = requests::list(&st.app, &c.ctx(), pending)
        .await?
        .into_iter()
        .filter(|(_, u)| !overdue || *u == Urgency::Overdue)
        .map(|(r, u)| {
            let status = c.tr().code("ysq.state", &r.status);
            (r, u, status)
        })
        .collect();
    render(&ListPage {
        l: Layout::new(&c, &st.web.site_name, "/ysqgk/requests", "ysq.list"),
        rows,
        pending,
    })
}

async fn close_lapsed(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    c.check_csrf(field(&f, "csrf"))?;
    requests::close_lapsed(&st.app, &c.ctx()).await?;
    Ok(Redirect::to("/ysqgk/requests").into_response())
}

// ------------------------------------------------------------------------------------------
// Entry form (clerk) and online form (public)

#[derive(Template)]
#[template(path = "ysq_new.html")]
struct NewPage {
    l: Layout,
    public: bool,
    action: String,
    channels: Vec<(&'static str, String)>,
    kinds: Vec<(&'static str, String)>,
    forms: Vec<(&'static str, String)>,
    obtains: Vec<(&'static str, String)>,
    values: HashMap<String, String>,
    receipt: Option<(String, String)>,
}

impl NewPage {
    fn v(&self, k: &str) -> &str {
        self.values.get(k).map(String::as_str).unwrap_or("")
    }
}

fn new_view(
    st: &AppState,
    c: &Caller,
    public: bool,
    values: HashMap<String, String>,
    err: Option<String>,
    receipt: Option<(String, String)>,
    csrf_override: Option<String>,
) -> NewPage {
    let (path, key) = if public {
        ("/ysqgk/apply", "ysq.apply")
    } else {
        ("/ysqgk/requests/new", "ysq.new")
    };
    let tr = c.tr();
    let mut l = Layout::new(c, &st.web.site_name, path, key).with_error(err);
    if let Some(t) = csrf_override {
        l.csrf = t;
    }
    NewPage {
        l,
        public,
        action: path.to_string(),
        channels: tr.options(
            "ysq.channel",
            Channel::ALL
                .iter()
                .filter(|ch| **ch != Channel::Online)
                .map(|ch| ch.as_str()),
        ),
        kinds: tr.options("ysq.kind", RequesterKind::ALL.iter().map(|k| k.as_str())),
        forms: tr.options("ysq.form", InfoForm::ALL.iter().map(|k| k.as_str())),
        obtains: tr.options("ysq.obtain", Obtain::ALL.iter().map(|k| k.as_str())),
        values,
        receipt,
    }
}

fn parse_new(f: &HashMap<String, String>, public: bool) -> Result<NewRequest, WebError> {
    Ok(NewRequest {
        channel: if public {
            Channel::Online
        } else {
            Channel::parse(field(f, "channel"))
                .ok_or_else(|| bad("channel", "请选择申请渠道", "channel: choose one"))?
        },
        received_on: if public {
            None
        } else {
            Some(date(f, "received_on")?)
        },
        requester_kind: RequesterKind::parse(field(f, "requester_kind")).ok_or_else(|| {
            bad(
                "requester_kind",
                "请选择申请人类型",
                "requester_kind: choose one",
            )
        })?,
        applicant_name: field(f, "applicant_name").to_string(),
        id_number: field(f, "id_number").to_string(),
        legal_rep: opt(f, "legal_rep"),
        contact_name: opt(f, "contact_name"),
        phone: opt(f, "phone"),
        email: opt(f, "email"),
        address: opt(f, "address"),
        description: field(f, "description").to_string(),
        doc_ref: opt(f, "doc_ref"),
        info_form: InfoForm::parse(field(f, "info_form"))
            .ok_or_else(|| bad("info_form", "请选择载体形式", "info_form: choose one"))?,
        obtain: Obtain::parse(field(f, "obtain"))
            .ok_or_else(|| bad("obtain", "请选择获取方式", "obtain: choose one"))?,
        accept_other_form: f.contains_key("accept_other_form"),
        department_id: None,
    })
}

async fn new_page(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
) -> Result<Response, WebError> {
    let mut v = HashMap::new();
    v.insert("received_on".into(), st.app.today().to_string());
    render(&new_view(&st, &c, false, v, None, None, None))
}

async fn create(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    req: Request,
) -> Result<Response, WebError> {
    let (f, scans) = split_form(read_form(&st, req).await?, "scan");
    c.check_csrf(field(&f, "csrf"))?;
    let r = async {
        let req = parse_new(&f, false)?;
        Ok::<_, WebError>(requests::receive(&st.app, &c.ctx(), req, scans).await?)
    }
    .await;
    match r {
        Ok((row, _)) => Ok(Redirect::to(&format!("/ysqgk/requests/{}", row.id)).into_response()),
        Err(e) => {
            let code = e.status;
            let msg = form_error(e, c.tr())?;
            Ok((
                code,
                render(&new_view(&st, &c, false, f, Some(msg), None, None))?,
            )
                .into_response())
        }
    }
}

fn with_public_csrf(mut resp: Response, st: &AppState, token: &str, fresh: bool) -> Response {
    if fresh
        && let Some(v) = crate::pages::login::anon_cookie_in(
            PUBLIC_CSRF_COOKIE,
            "/ysqgk",
            token,
            st.web.cookie_secure,
        )
    {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

fn check_public_csrf(headers: &HeaderMap, submitted: &str) -> Result<(), WebError> {
    if crate::pages::login::anon_csrf_ok_in(headers, PUBLIC_CSRF_COOKIE, submitted) {
        Ok(())
    } else {
        Err(WebError::csrf())
    }
}

async fn apply_page(
    State(st): State<AppState>,
    c: Caller,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let (token, fresh) = crate::pages::login::anon_token_in(&headers, PUBLIC_CSRF_COOKIE);
    let page = new_view(
        &st,
        &c,
        true,
        HashMap::new(),
        None,
        None,
        Some(token.clone()),
    );
    Ok(with_public_csrf(render(&page)?, &st, &token, fresh))
}

async fn apply_submit(
    State(st): State<AppState>,
    c: Caller,
    headers: HeaderMap,
    req: Request,
) -> Result<Response, WebError> {
    let (f, identity) = split_form(read_form(&st, req).await?, "identity");
    check_public_csrf(&headers, field(&f, "csrf"))?;
    let token = field(&f, "csrf").to_string();
    let r = async {
        let req = parse_new(&f, true)?;
        if field(&f, "query_password") != field(&f, "query_password2") {
            return Err(bad(
                "query_password",
                "两次输入的查询密码不一致",
                "query_password: the two entries differ",
            ));
        }
        Ok::<_, WebError>(
            requests::apply_online(
                &st.app,
                &c.ctx(),
                req,
                field(&f, "query_password"),
                None,
                identity,
            )
            .await?,
        )
    }
    .await;
    match r {
        Ok((row, _)) => {
            let link = requests::access_token(&row)
                .map(|t| format!("/ysqgk/r/{}/{t}", row.request_no))
                .unwrap_or_else(|| "/ysqgk/track".into());
            let page = new_view(
                &st,
                &c,
                true,
                HashMap::new(),
                None,
                Some((row.request_no.clone(), link)),
                Some(token),
            );
            render(&page)
        }
        Err(e) => {
            let code = e.status;
            let msg = form_error(e, c.tr())?;
            let mut values = f.clone();
            values.remove("query_password");
            values.remove("query_password2");
            let page = new_view(&st, &c, true, values, Some(msg), None, Some(token));
            Ok((code, render(&page)?).into_response())
        }
    }
}

// ------------------------------------------------------------------------------------------
// Request page and actions

#[derive(Template)]
#[template(path = "ysq_request.html")]
struct RequestPage {
    l: Layout,
    v: RequestView,
    masked_id: String,
    kind_label: String,
    channel_label: String,
    form_label: String,
    obtain_label: String,
    outcome_label: String,
    outcomes: Vec<(&'static str, String)>,
    appeal_kinds: Vec<(&'static str, String)>,
    appeal_results: Vec<(&'static str, String)>,
    today: String,
}

/// The label of a stored machine name (letter kind, file purpose, consultation party or answer:
/// `ysq.label.*`; appeal kind or result); the name itself when it has none.
fn label(tr: Tr, kind: &str) -> String {
    if AppealKind::parse(kind).is_some() {
        tr.code("ysq.appeal", kind)
    } else if AppealResult::parse(kind).is_some() {
        tr.code("ysq.appeal_result", kind)
    } else {
        tr.code("ysq.label", kind)
    }
}

/// The label of a reply outcome, empty while there is none.
fn outcome_label(tr: Tr, outcome: Option<&str>) -> String {
    outcome
        .map(|o| tr.code("ysq.outcome", o))
        .unwrap_or_default()
}

impl RequestPage {
    fn label(&self, kind: &str) -> String {
        label(self.l.tr, kind)
    }
}

async fn request_view(
    st: &AppState,
    c: &Caller,
    id: i64,
    err: Option<WebError>,
) -> Result<Response, WebError> {
    let v = requests::view(&st.app, &c.ctx(), id).await?;
    let (code, msg) = match err {
        Some(e) => (e.status, Some(form_error(e, c.tr())?)),
        None => (StatusCode::OK, None),
    };
    let mut l = Layout::new(
        c,
        &st.web.site_name,
        &format!("/ysqgk/requests/{id}"),
        "ysq.request",
    )
    .with_error(msg);
    l.title = format!("{} {}", l.title, v.request.request_no);
    let r = &v.request;
    let tr = c.tr();
    let page = RequestPage {
        masked_id: onewindow_domain::identity::ApplicantId::parse(&r.id_number)
            .map(|a| mask_applicant_id(&a))
            .unwrap_or_default(),
        kind_label: tr.code("ysq.kind", &r.requester_kind),
        channel_label: tr.code("ysq.channel", &r.channel),
        form_label: tr.code("ysq.form", &r.info_form),
        obtain_label: tr.code("ysq.obtain", &r.obtain),
        outcome_label: outcome_label(tr, r.outcome.as_deref()),
        outcomes: tr.options("ysq.outcome", ReplyOutcome::ALL.iter().map(|o| o.as_str())),
        appeal_kinds: tr.options("ysq.appeal", AppealKind::ALL.iter().map(|a| a.as_str())),
        appeal_results: tr.options(
            "ysq.appeal_result",
            AppealResult::ALL.iter().map(|a| a.as_str()),
        ),
        today: st.app.today().to_string(),
        l,
        v,
    };
    Ok((code, render(&page)?).into_response())
}

async fn request_page(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    request_view(&st, &c, id, None).await
}

async fn action(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Path((id, action)): Path<(i64, String)>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    c.check_csrf(field(&f, "csrf"))?;
    let ctx = c.ctx();
    let app = &st.app;
    let r: Result<(), WebError> = async {
        match action.as_str() {
            "correction" => {
                requests::ask_correction(app, &ctx, id, field(&f, "what"), date(&f, "due")?)
                    .await?;
            }
            "correction_received" => {
                requests::correction_received(app, &ctx, id, date(&f, "on")?).await?;
            }
            "extend" => {
                requests::extend(app, &ctx, id, field(&f, "approved_by"), field(&f, "reason"))
                    .await?;
            }
            "consult" => {
                requests::consult(
                    app,
                    &ctx,
                    id,
                    field(&f, "party"),
                    field(&f, "party_kind") == "agency",
                )
                .await?;
            }
            "consultation_answer" => {
                let cid = field(&f, "consultation").parse::<i64>().map_err(|_| {
                    bad("consultation", "请选择征求意见", "consultation: choose one")
                })?;
                requests::consultation_answer(
                    app,
                    &ctx,
                    id,
                    cid,
                    field(&f, "answer"),
                    field(&f, "note"),
                    date(&f, "on")?,
                )
                .await?;
            }
            "fee" => {
                let method = match field(&f, "method") {
                    "pages" => FeeMethod::ByPages {
                        pages: field(&f, "pages")
                            .parse()
                            .map_err(|_| bad("pages", "请填写页数", "pages: a whole number"))?,
                    },
                    _ => FeeMethod::ByCount,
                };
                requests::fee_notice(app, &ctx, id, method).await?;
            }
            "fee_paid" => {
                requests::fee_paid(app, &ctx, id, date(&f, "on")?).await?;
            }
            "appeal" => {
                let kind = AppealKind::parse(field(&f, "kind"))
                    .ok_or_else(|| bad("kind", "请选择类型", "kind: choose one"))?;
                requests::add_appeal(
                    app,
                    &ctx,
                    id,
                    kind,
                    date(&f, "filed_on")?,
                    field(&f, "note"),
                )
                .await?;
            }
            "appeal_result" => {
                let aid = field(&f, "appeal")
                    .parse::<i64>()
                    .map_err(|_| bad("appeal", "请选择", "appeal: choose one"))?;
                let result = AppealResult::parse(field(&f, "result"))
                    .ok_or_else(|| bad("result", "请选择结果", "result: choose one"))?;
                let on = if field(&f, "decided_on").is_empty() {
                    None
                } else {
                    Some(date(&f, "decided_on")?)
                };
                requests::decide_appeal(app, &ctx, id, aid, result, on).await?;
            }
            _ => return Err(AppError::NotFound.into()),
        }
        Ok(())
    }
    .await;
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/ysqgk/requests/{id}")).into_response()),
        Err(e) if e.status == StatusCode::NOT_FOUND => Err(e),
        Err(e) => request_view(&st, &c, id, Some(e)).await,
    }
}

async fn reply_submit(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Path(id): Path<i64>,
    req: Request,
) -> Result<Response, WebError> {
    let (fields, pdfs) = split_form(read_form(&st, req).await?, "released_pdf");
    let f = &fields;
    c.check_csrf(field(f, "csrf"))?;
    let r = async {
        let outcome = ReplyOutcome::parse(field(f, "outcome"))
            .ok_or_else(|| bad("outcome", "请选择答复类型", "outcome: choose one"))?;
        let text = field(f, "released_text");
        let released = match pdfs.into_iter().next() {
            Some(pdf) => Some(Released::Pdf(pdf)),
            None if !text.is_empty() => Some(Released::Text {
                title: opt(f, "released_title").unwrap_or_else(|| "依申请公开的政府信息".into()),
                text: text.to_string(),
            }),
            None => None,
        };
        requests::reply(
            &st.app,
            &c.ctx(),
            id,
            Reply {
                outcome,
                reason: field(f, "reason").to_string(),
                provision: field(f, "provision").to_string(),
                pointer: field(f, "pointer").to_string(),
                released,
                hidden: field(f, "hidden")
                    .lines()
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect(),
            },
        )
        .await?;
        Ok::<_, WebError>(())
    }
    .await;
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/ysqgk/requests/{id}")).into_response()),
        Err(e) if e.status == StatusCode::NOT_FOUND => Err(e),
        Err(e) => request_view(&st, &c, id, Some(e)).await,
    }
}

// ------------------------------------------------------------------------------------------
// Letters and files

fn letter_page(
    st: &AppState,
    c: &Caller,
    n: NoticeBody,
    back: String,
    docx: String,
) -> Result<Response, WebError> {
    let mut l = Layout::new(c, &st.web.site_name, &back, "ysq.letter");
    l.title = n.title.clone();
    render(&NoticePage {
        l,
        n,
        back_href: back,
        docx_href: docx,
    })
}

fn letter_docx(n: NoticeBody, lid: i64) -> Result<Response, WebError> {
    let footer = format!("文书编号 {} · 本文书由系统生成", n.number);
    crate::pages::cases::notice_body_docx(n, &format!("letter-{lid}.docx"), footer)
}

async fn staff_letter_of(
    st: &AppState,
    c: &Caller,
    id: i64,
    lid: i64,
) -> Result<NoticeBody, WebError> {
    // Viewing the request checks the officer's permission.
    requests::view(&st.app, &c.ctx(), id).await?;
    let (row, body): (LetterRow, NoticeBody) = requests::letter(&st.app, lid).await?;
    if row.request_id != id {
        return Err(AppError::NotFound.into());
    }
    Ok(body)
}

async fn staff_letter(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Path((id, lid)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    let n = staff_letter_of(&st, &c, id, lid).await?;
    letter_page(
        &st,
        &c,
        n,
        format!("/ysqgk/requests/{id}"),
        format!("/ysqgk/requests/{id}/letters/{lid}/docx"),
    )
}

async fn staff_letter_docx(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Path((id, lid)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    letter_docx(staff_letter_of(&st, &c, id, lid).await?, lid)
}

async fn staff_file(
    State(st): State<AppState>,
    StaffPage(c): StaffPage,
    Path((id, fid)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    let v = requests::view(&st.app, &c.ctx(), id).await?;
    let f = v
        .files
        .iter()
        .find(|f| f.id == fid)
        .ok_or(AppError::NotFound)?;
    let bytes = onewindow_app::applicants::read_file(&st.app, &f.sha256).await?;
    Ok(crate::pages::attachment(&f.media_type, &f.filename, bytes))
}

// ------------------------------------------------------------------------------------------
// Public tracking

#[derive(Template)]
#[template(path = "ysq_public.html")]
struct PublicPage {
    l: Layout,
    result: Option<PublicRequest>,
    base: String,
    outcome_label: String,
    failed: bool,
}

impl PublicPage {
    fn label(&self, kind: &str) -> String {
        label(self.l.tr, kind)
    }
}

async fn track_page(
    State(st): State<AppState>,
    c: Caller,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let (token, fresh) = crate::pages::login::anon_token_in(&headers, PUBLIC_CSRF_COOKIE);
    let mut l = Layout::new(&c, &st.web.site_name, "/ysqgk/track", "ysq.track");
    l.csrf = token.clone();
    let page = PublicPage {
        l,
        result: None,
        base: String::new(),
        outcome_label: String::new(),
        failed: false,
    };
    Ok(with_public_csrf(render(&page)?, &st, &token, fresh))
}

async fn track_submit(
    State(st): State<AppState>,
    c: Caller,
    headers: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    check_public_csrf(&headers, field(&f, "csrf"))?;
    match requests::track(&st.app, field(&f, "no"), field(&f, "password")).await {
        Ok(p) => {
            let link = requests::access_token(&p.request)
                .map(|t| format!("/ysqgk/r/{}/{t}", p.request.request_no))
                .unwrap_or_else(|| "/ysqgk/track".into());
            Ok(Redirect::to(&link).into_response())
        }
        Err(AppError::InvalidCredentials) => {
            let mut l = Layout::new(&c, &st.web.site_name, "/ysqgk/track", "ysq.track");
            l.csrf = field(&f, "csrf").to_string();
            let page = PublicPage {
                l,
                result: None,
                base: String::new(),
                outcome_label: String::new(),
                failed: true,
            };
            Ok((StatusCode::NOT_FOUND, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn public_page(
    State(st): State<AppState>,
    c: Caller,
    Path((no, token)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let p = requests::track_by_token(&st.app, &no, &token).await?;
    let outcome_label = outcome_label(c.tr(), p.request.outcome.as_deref());
    render(&PublicPage {
        l: Layout::new(&c, &st.web.site_name, "/ysqgk/track", "ysq.track"),
        base: format!("/ysqgk/r/{no}/{token}"),
        result: Some(p),
        outcome_label,
        failed: false,
    })
}

async fn public_letter_of(
    st: &AppState,
    no: &str,
    token: &str,
    lid: i64,
) -> Result<NoticeBody, WebError> {
    let p = requests::track_by_token(&st.app, no, token).await?;
    if !p.letters.iter().any(|l| l.id == lid) {
        return Err(AppError::NotFound.into());
    }
    Ok(requests::letter(&st.app, lid).await?.1)
}

async fn public_letter(
    State(st): State<AppState>,
    c: Caller,
    Path((no, token, lid)): Path<(String, String, i64)>,
) -> Result<Response, WebError> {
    let n = public_letter_of(&st, &no, &token, lid).await?;
    let base = format!("/ysqgk/r/{no}/{token}");
    letter_page(
        &st,
        &c,
        n,
        base.clone(),
        format!("{base}/letters/{lid}/docx"),
    )
}

async fn public_letter_docx(
    State(st): State<AppState>,
    Path((no, token, lid)): Path<(String, String, i64)>,
) -> Result<Response, WebError> {
    letter_docx(public_letter_of(&st, &no, &token, lid).await?, lid)
}

async fn public_file(
    State(st): State<AppState>,
    Path((no, token, fid)): Path<(String, String, i64)>,
) -> Result<Response, WebError> {
    let p = requests::track_by_token(&st.app, &no, &token).await?;
    let f = p
        .released
        .iter()
        .find(|f| f.id == fid)
        .ok_or(AppError::NotFound)?;
    let bytes = onewindow_app::applicants::read_file(&st.app, &f.sha256).await?;
    Ok(crate::pages::attachment(&f.media_type, &f.filename, bytes))
}
