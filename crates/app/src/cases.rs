//! Cases (办件): one-window intake (一窗受理), parallel approval (并联审批) and statutory clocks.
//!
//! One engine serves single items and "一件事" bundles: a case runs a versioned plan of stages;
//! each stage holds one task per department, run in parallel; the lead department decides after
//! its co-reviewers ("1+N"); the next stage opens when a stage is done; the case completes
//! (办结) when the last stage is done, or as soon as a lead refuses.
//!
//! Rules enforced here:
//! - 受审分离: intake needs `IntakeCases`, opinions `ReviewCases`, decisions `DecideCases` plus
//!   a signing authority at least the item's (领导授权); whoever took a case in cannot decide it.
//! - 一次性告知 (行政许可法 art. 32): a 补正 notice lists every missing or defective material at
//!   once, and a case gets only one at intake.
//! - Time limits (行政许可法 arts. 42, 45, 82): working days from acceptance; special procedures
//!   and 补正 during review stop the clock; one extension, by the statutory amount.
//! - Every transition runs in one transaction with its audit event, after locking the case, and
//!   is guarded by the versions the caller saw: a concurrent change is a conflict, never a lost
//!   update.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{Duration, NaiveDate, Utc};
use onewindow_domain::DomainError;
use onewindow_domain::audit::AuditAction;
use onewindow_domain::case::clock::{
    Clock, ClockEvent, DueExplanation, PauseKind, Urgency, urgency,
};
use onewindow_domain::case::plan::{PlanDef, TaskRole};
use onewindow_domain::case::state::{
    CaseAction, CaseStatus, Delivery, IntakeAssessment, IntakeChannel, MaterialCheck,
    MaterialStatus, Outcome, TaskStatus,
};
use onewindow_domain::case::{
    NoticeKind, case_number, check_signing_authority, notice_number, require_reason,
};
use onewindow_domain::catalog::{Authority, MaterialSource, ServiceGuide};
use onewindow_domain::identity::ApplicantId;
use onewindow_domain::ids::DepartmentId;
use onewindow_domain::masking::{mask_applicant_id, mask_mobile, mask_name};
use onewindow_domain::org::{Permission, Target};
use onewindow_domain::region::RegionCode;
use onewindow_storage::cases::{self as store, CaseFilter};
pub use onewindow_storage::cases::{
    ApplicantRow, CaseRow, EventRow, FileRow, NoticeRow, PlanRow, QueueRow, TaskRow,
};
use onewindow_storage::{H, audit, catalog as catalog_store, org};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{App, AppError, AppResult, Ctx, Principal, unexpected};

/// Which plan a case runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "code", rename_all = "snake_case")]
pub enum PlanRef {
    /// A single catalog item, by 实施编码.
    Item(String),
    /// A bundle, by plan code.
    Bundle(String),
}

/// The applicant as entered at the window or online.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ApplicantInput {
    /// 一号: 公民身份号码 or 统一社会信用代码.
    pub id_number: String,
    /// Name of the person or organisation.
    pub name: String,
    /// Mobile phone.
    #[serde(default)]
    pub phone: Option<String>,
    /// E-mail.
    #[serde(default)]
    pub email: Option<String>,
}

/// One tick on the checklist.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MaterialTick {
    /// 材料名称, as in the catalog.
    pub name: String,
    /// What the clerk found.
    pub status: MaterialStatus,
    /// What is wrong, for missing or defective materials.
    #[serde(default)]
    pub note: Option<String>,
}

impl MaterialTick {
    /// The material handed in, in order.
    pub fn provided(name: &str) -> Self {
        Self {
            name: name.to_string(),
            status: MaterialStatus::Provided,
            note: None,
        }
    }
}

/// The window's outcome.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum IntakeOutcome {
    /// 受理.
    Accept,
    /// 容缺受理: accepted with the materials marked `tolerated` owed by `promised_by`.
    AcceptTolerated {
        /// Date the applicant promises to supply them.
        promised_by: NaiveDate,
    },
    /// 补正: one-time notice of every missing or defective material.
    Correct,
    /// 不予受理, with the reason.
    Refuse {
        /// Why (told to the applicant).
        reason: String,
    },
}

/// Everything the clerk enters.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IntakeRequest {
    /// Item or bundle.
    pub plan: PlanRef,
    /// Applicant.
    pub applicant: ApplicantInput,
    /// 情形 of a single item (decides the signing authority).
    #[serde(default)]
    pub situation: Option<String>,
    /// 联系人.
    #[serde(default)]
    pub contact_name: Option<String>,
    /// 代办人.
    #[serde(default)]
    pub agent_name: Option<String>,
    /// 代办人证件号码.
    #[serde(default)]
    pub agent_id_number: Option<String>,
    /// 法定代表人 (organisations).
    #[serde(default)]
    pub legal_rep: Option<String>,
    /// 通讯地址.
    #[serde(default)]
    pub address: Option<String>,
    /// Window of intake.
    #[serde(default)]
    pub window_id: Option<i64>,
    /// The checklist as ticked.
    #[serde(default)]
    pub materials: Vec<MaterialTick>,
    /// How the result is delivered.
    pub delivery: Delivery,
    /// Address for courier delivery.
    #[serde(default)]
    pub delivery_address: Option<String>,
    /// 办理摘要.
    #[serde(default)]
    pub summary: String,
    /// The outcome.
    #[serde(flatten)]
    pub outcome: IntakeOutcome,
}

/// A notice's content, stored with it (the document is rendered from this).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeBody {
    /// Title.
    pub title: String,
    /// Number.
    pub number: String,
    /// Issuer.
    pub issuer: String,
    /// Addressee line.
    pub recipient: String,
    /// Body paragraphs.
    pub paragraphs: Vec<String>,
    /// Table headers (empty = no table).
    #[serde(default)]
    pub headers: Vec<String>,
    /// Table rows.
    #[serde(default)]
    pub rows: Vec<Vec<String>>,
    /// Closing paragraphs.
    #[serde(default)]
    pub closing: Vec<String>,
    /// Date line, e.g. 2026年11月25日.
    pub date: String,
}

/// The stored content of a notice.
pub fn notice_content(n: &NoticeRow) -> AppResult<NoticeBody> {
    serde_json::from_str(&n.body).map_err(unexpected)
}

pub(crate) fn date_zh(d: NaiveDate) -> String {
    d.format("%Y年%-m月%-d日").to_string()
}

fn actor_label(ctx: &Ctx) -> String {
    ctx.actor().label
}

/// Everything shown about one case.
#[derive(Debug, Clone, Serialize)]
pub struct CaseView {
    /// The case.
    pub case: CaseRow,
    /// Typed status.
    pub status: CaseStatus,
    /// The plan it runs.
    pub plan: PlanDef,
    /// Tasks, with department names.
    pub tasks: Vec<TaskView>,
    /// Checklist.
    pub materials: Vec<MaterialCheck>,
    /// Process log.
    pub events: Vec<EventRow>,
    /// Notices.
    pub notices: Vec<NoticeRow>,
    /// Files uploaded with an online application.
    pub files: Vec<FileRow>,
    /// How the promised due date was computed (accepted cases).
    pub promised: Option<DueExplanation>,
    /// How the statutory due date was computed.
    pub statutory: Option<DueExplanation>,
    /// Urgency today.
    pub urgency: Option<Urgency>,
    /// Whether an extension was granted already.
    pub extended: bool,
}

/// A task with its department's name and urgency.
#[derive(Debug, Clone, Serialize)]
pub struct TaskView {
    /// The task.
    pub task: TaskRow,
    /// Department name.
    pub department: String,
    /// Urgency of an open task.
    pub urgency: Option<Urgency>,
    /// Review standards to tick (lead items).
    pub standards: Vec<String>,
}

/// A queue row with its urgency.
#[derive(Debug, Clone, Serialize)]
pub struct QueueItem {
    /// The row.
    pub row: QueueRow,
    /// Yellow / red.
    pub urgency: Urgency,
}

/// A reviewer's opinion or decision on a task.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TaskDecision {
    /// 同意/准予 or 不同意/不予.
    pub outcome: Outcome,
    /// The opinion (required when refusing).
    #[serde(default)]
    pub opinion: String,
    /// Review standards ticked as met.
    #[serde(default)]
    pub checked: Vec<String>,
    /// The task version the reviewer saw (optimistic concurrency); `None` skips the check.
    #[serde(default)]
    pub expected_version: Option<i64>,
}

/// What the public tracking page shows (masked).
#[derive(Debug, Clone, Serialize)]
pub struct PublicStatus {
    /// 办件编号.
    pub case_no: String,
    /// Item or bundle name.
    pub name: String,
    /// Applicant, masked.
    pub applicant: String,
    /// 一号, masked.
    pub id_number: String,
    /// Status label.
    pub status: CaseStatus,
    /// Outcome once completed.
    pub outcome: Option<Outcome>,
    /// Received (local date).
    pub received_on: String,
    /// Accepted.
    pub accepted_on: Option<NaiveDate>,
    /// Promised due date.
    pub promised_due: Option<NaiveDate>,
    /// Completed (local time).
    pub completed_at: Option<String>,
    /// Stages: name and whether done.
    pub stages: Vec<(String, String)>,
    /// Delivery.
    pub delivery: Delivery,
}

fn parse_status(s: &str) -> AppResult<CaseStatus> {
    CaseStatus::parse(s).ok_or_else(|| unexpected(anyhow::anyhow!("unknown case status {s}")))
}

fn parse_task_status(s: &str) -> AppResult<TaskStatus> {
    TaskStatus::parse(s).ok_or_else(|| unexpected(anyhow::anyhow!("unknown task status {s}")))
}

fn events_of(c: &CaseRow) -> AppResult<Vec<ClockEvent>> {
    serde_json::from_str(&c.clock_events).map_err(unexpected)
}

fn materials_of(c: &CaseRow) -> AppResult<Vec<MaterialCheck>> {
    serde_json::from_str(&c.materials).map_err(unexpected)
}

fn clocks(c: &CaseRow) -> AppResult<Option<(Clock, Clock)>> {
    let Some(start) = c.accepted_on else {
        return Ok(None);
    };
    let events = events_of(c)?;
    let days = |d: i64| u32::try_from(d).unwrap_or(0);
    Ok(Some((
        Clock {
            start,
            days: days(c.promised_days),
            events: events.clone(),
        },
        Clock {
            start,
            days: days(c.statutory_days),
            events,
        },
    )))
}

/// Recompute a case's due dates and its open tasks' due dates from its clock events.
fn recompute(
    cal: &onewindow_domain::calendar::WorkCalendar,
    c: &mut CaseRow,
    tasks: &mut [TaskRow],
) -> AppResult<()> {
    if let Some((p, s)) = clocks(c)? {
        c.promised_due = p.due(cal)?;
        c.statutory_due = s.due(cal)?;
        let events = p.events;
        for t in tasks.iter_mut() {
            if t.status == TaskStatus::Open.as_str()
                && let Some(opened) = t.opened_on
            {
                let clock = Clock {
                    start: opened,
                    days: u32::try_from(t.days).unwrap_or(0),
                    events: events.clone(),
                };
                t.due_date = clock.due(cal)?;
            }
        }
    }
    Ok(())
}

/// Recompute the case's and its open tasks' due dates, and save both (inside the caller's
/// transaction). Every change of the clock events goes through here, so that a task's due date
/// never lags its case's.
async fn recompute_and_save(
    mut h: H<'_>,
    app: &App,
    row: &mut CaseRow,
    tasks: &mut [TaskRow],
) -> AppResult<()> {
    let cal = app.case_calendar();
    recompute(&cal, row, tasks)?;
    for t in tasks
        .iter()
        .filter(|t| t.status == TaskStatus::Open.as_str())
    {
        store::save_task(h.re(), t).await?;
    }
    row.version = store::save_case(h, row).await?;
    Ok(())
}

impl App {
    /// Today in China Standard Time (or the date fixed with [`App::set_today`]).
    pub fn today(&self) -> NaiveDate {
        let fixed = match self.today_override.read() {
            Ok(g) => *g,
            Err(p) => *p.into_inner(),
        };
        fixed.unwrap_or_else(|| (Utc::now() + Duration::hours(8)).date_naive())
    }

    /// The calendar for case clocks: the calendar in force, with years after the last published
    /// notice assumed to have weekends only (marked provisional, shown as a warning, recomputed
    /// when the notice is loaded).
    pub fn case_calendar(&self) -> std::sync::Arc<onewindow_domain::calendar::WorkCalendar> {
        let through = self.provisional_through();
        let base = self.calendar();
        let cached = match self.case_calendar.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        };
        if let Some((b, t, cal)) = cached
            && std::sync::Arc::ptr_eq(&b, &base)
            && t == through
        {
            return cal;
        }
        let cal = std::sync::Arc::new(base.with_provisional_years(through));
        let entry = Some((base, through, cal.clone()));
        match self.case_calendar.write() {
            Ok(mut g) => *g = entry,
            Err(p) => *p.into_inner() = entry,
        }
        cal
    }

    /// The last year the case calendar covers (provisionally where no notice is loaded):
    /// three years after both the fixed and the real "today", so that data stamped with the
    /// real date (e.g. seeded before a scenario fixed an earlier day) stays countable.
    pub fn provisional_through(&self) -> i32 {
        let real = chrono::Datelike::year(&(Utc::now() + Duration::hours(8)).date_naive());
        chrono::Datelike::year(&self.today()).max(real) + 3
    }

    /// Fix "today" for the case clocks (scenario tests and demonstrations of past dates);
    /// `None` returns to the real date.
    pub fn set_today(&self, day: Option<NaiveDate>) {
        match self.today_override.write() {
            Ok(mut g) => *g = day,
            Err(p) => *p.into_inner() = day,
        }
    }
}

/// Departments by id and by name.
struct Depts {
    rows: crate::Departments,
}

impl Depts {
    /// The departments, from the node's cache (see [`App::cached_departments`]).
    async fn load(h: H<'_>, app: &App) -> AppResult<Depts> {
        if let Some(rows) = app.cached_departments() {
            return Ok(Depts { rows });
        }
        let rows = Arc::new(org::list_departments(h, None).await?);
        app.cache_departments(rows.clone());
        Ok(Depts { rows })
    }

    fn by_name(&self, name: &str) -> AppResult<&org::DepartmentRow> {
        self.rows
            .iter()
            .find(|d| d.name == name || d.short_name == name)
            .ok_or_else(|| {
                AppError::Domain(DomainError::field(
                    "plan",
                    format!("方案中的部门“{name}”不存在"),
                    format!("plan: department “{name}” does not exist"),
                ))
            })
    }

    fn name(&self, id: i64) -> String {
        self.rows
            .iter()
            .find(|d| d.id == id)
            .map(|d| d.name.clone())
            .unwrap_or_default()
    }

    fn target(&self, id: i64) -> AppResult<Target> {
        let d = self
            .rows
            .iter()
            .find(|d| d.id == id)
            .ok_or(AppError::NotFound)?;
        Ok(Target::department(
            DepartmentId(d.id),
            RegionCode::parse(&d.region_code)?,
        ))
    }
}

/// The plan of a case, resolved against the published catalog.
struct Resolved {
    row: PlanRow,
    def: PlanDef,
    guides: HashMap<String, Arc<ServiceGuide>>,
}

/// The published guide of an item, parsed, from the node's cache (keyed by the catalog change
/// cursor, see [`App::catalog_cursor`]); `None` if no version is published.
async fn published_guide_opt(
    h: H<'_>,
    app: &App,
    task_code: &str,
) -> AppResult<Option<Arc<ServiceGuide>>> {
    let cursor = app.catalog_cursor();
    if let Some(g) = app.cached_guide(cursor, task_code) {
        return Ok(Some(g));
    }
    let Some(v) = catalog_store::public_by_task_code(h, task_code).await? else {
        return Ok(None);
    };
    let g = Arc::new(v.guide()?);
    app.cache_guide(cursor, task_code, g.clone());
    Ok(Some(g))
}

async fn published_guide(h: H<'_>, app: &App, task_code: &str) -> AppResult<Arc<ServiceGuide>> {
    published_guide_opt(h, app, task_code)
        .await?
        .ok_or_else(|| {
            AppError::Domain(DomainError::field(
                "plan",
                format!("实施编码为 {task_code} 的事项未发布，不能受理"),
                format!("plan: no published item with task_code {task_code}"),
            ))
        })
}

/// Resolve a plan against the published catalog (reads only). A single item's plan is derived
/// from its guide; its stored version (`row`) is a placeholder until [`item_plan_row`] stores or
/// finds it inside the intake transaction.
async fn resolve(mut h: H<'_>, app: &App, plan: &PlanRef) -> AppResult<Resolved> {
    let (row, def, mut guides) = match plan {
        PlanRef::Item(code) => {
            let g = published_guide(h.re(), app, code).await?;
            let def = PlanDef::single(&g);
            let row = PlanRow {
                id: 0,
                code: def.code.clone(),
                version: 0,
                name: def.name.clone(),
                bundle: false,
                active: true,
                def: String::new(),
                created_at: Utc::now(),
            };
            (row, def, HashMap::from([(code.clone(), g)]))
        }
        PlanRef::Bundle(code) => {
            let row = store::active_plan(h.re(), code)
                .await?
                .filter(|r| r.bundle)
                .ok_or_else(|| {
                    AppError::Domain(DomainError::field(
                        "plan",
                        format!("“一件事”方案 {code} 不存在"),
                        format!("plan: no bundle with code {code}"),
                    ))
                })?;
            let def: PlanDef = serde_json::from_str(&row.def).map_err(unexpected)?;
            (row, def, HashMap::new())
        }
    };
    for s in &def.stages {
        for t in &s.tasks {
            if let Some(code) = &t.task_code
                && !guides.contains_key(code)
            {
                guides.insert(code.clone(), published_guide(h.re(), app, code).await?);
            }
        }
    }
    Ok(Resolved { row, def, guides })
}

/// The stored plan version of a single-item plan, stored anew when the guide changed it (inside
/// the intake transaction, so that two intakes cannot both store it).
async fn item_plan_row(mut h: H<'_>, def: &PlanDef) -> AppResult<PlanRow> {
    let text = serde_json::to_string(def).map_err(unexpected)?;
    Ok(match store::active_plan(h.re(), &def.code).await? {
        Some(r) if r.def == text => r,
        _ => store::insert_plan(h.re(), &def.code, &def.name, false, &text).await?,
    })
}

/// The union of the materials of every item in the plan, each named once (一套材料: the
/// applicant submits a material once per case, not once per department).
fn checklist_of(r: &Resolved) -> Vec<MaterialCheck> {
    // Licences the plan itself produces (企业开办: the 营业执照) are not asked for by its other
    // items: the result is shared inside the case (信息共享).
    // (stage of the producing task, licence type)
    let produced: Vec<(usize, &str)> = r
        .def
        .stages
        .iter()
        .enumerate()
        .flat_map(|(i, s)| s.tasks.iter().map(move |t| (i, t)))
        .filter_map(|(i, t)| {
            t.task_code
                .as_ref()
                .and_then(|c| r.guides.get(c))
                .and_then(|g| g.result_license_type.as_deref())
                .map(|lt| (i, lt))
        })
        .collect();
    let mut out: Vec<MaterialCheck> = Vec::new();
    for (si, s) in r.def.stages.iter().enumerate() {
        for t in &s.tasks {
            let Some(g) = t.task_code.as_ref().and_then(|c| r.guides.get(c)) else {
                continue;
            };
            for m in &g.materials {
                match out.iter_mut().find(|x| x.name == m.name) {
                    Some(x) => x.required |= m.required,
                    None => {
                        let license_type = match &m.source {
                            MaterialSource::License { license_type_code } => {
                                Some(license_type_code.clone())
                            }
                            _ => None,
                        };
                        // Produced in this stage (in parallel, shared) or an earlier one.
                        let in_plan = license_type
                            .as_deref()
                            .is_some_and(|t| produced.iter().any(|(pi, pt)| *pi <= si && *pt == t));
                        out.push(MaterialCheck {
                            name: m.name.clone(),
                            required: m.required,
                            status: if in_plan {
                                MaterialStatus::NotApplicable
                            } else {
                                MaterialStatus::Missing
                            },
                            note: in_plan.then(|| "本件办理结果，共享使用，无需提交".to_string()),
                            license_type,
                            license: None,
                        })
                    }
                }
            }
        }
    }
    out
}

/// The checklist of an item or bundle, for the intake form.
pub async fn checklist(app: &App, plan: &PlanRef) -> AppResult<(String, Vec<MaterialCheck>)> {
    let mut c = app.db.conn().await?;
    let r = resolve(c.h(), app, plan).await?;
    Ok((r.def.name.clone(), checklist_of(&r)))
}

fn apply_ticks(list: &mut [MaterialCheck], ticks: &[MaterialTick]) -> AppResult<()> {
    let mut problems = Vec::new();
    for (i, t) in ticks.iter().enumerate() {
        match list.iter_mut().find(|m| m.name == t.name.trim()) {
            Some(m) => {
                m.status = t.status;
                if t.status != MaterialStatus::Reused {
                    m.license = None;
                }
                m.note = t
                    .note
                    .as_deref()
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(|n| n.chars().take(500).collect());
            }
            None => problems.push(crate::Problem {
                field: format!("materials[{i}].name"),
                zh: format!("“{}”不是该事项的申请材料", t.name),
                en: format!("“{}” is not a material of this item", t.name),
            }),
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(problems))
    }
}

pub(crate) fn opt_text(
    field: &'static str,
    v: &Option<String>,
    max: usize,
) -> AppResult<Option<String>> {
    match v.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) if s.chars().count() <= max => Ok(Some(s.to_string())),
        Some(_) => Err(AppError::Domain(DomainError::field(
            field,
            format!("{field} 不能超过 {max} 个字符"),
            format!("{field}: at most {max} characters"),
        ))),
    }
}

/// A notice's table: headers and rows.
type NoticeTable = (Vec<String>, Vec<Vec<String>>);

/// Issue a numbered notice inside the transaction.
async fn issue_notice(
    mut h: H<'_>,
    app: &App,
    case: &CaseRow,
    kind: NoticeKind,
    paragraphs: Vec<String>,
    table: Option<NoticeTable>,
    closing: Vec<String>,
) -> AppResult<NoticeRow> {
    let today = app.today();
    let year = chrono::Datelike::year(&today);
    let seq = store::next_counter(h.re(), &format!("notice:{}:{year}", kind.as_str())).await?;
    let number = notice_number(&app.settings.notice_prefix, kind, year, seq);
    let id = ApplicantId::parse(&case.id_number)
        .map(|a| mask_applicant_id(&a))
        .unwrap_or_else(|_| "***".into());
    let (headers, rows) = table.unwrap_or_default();
    let body = NoticeBody {
        title: kind.zh().to_string(),
        number: number.clone(),
        issuer: app.settings.center_name.clone(),
        recipient: format!("{}（{}）：", case.applicant_name, id),
        paragraphs,
        headers,
        rows,
        closing,
        date: date_zh(today),
    };
    let v = serde_json::to_value(&body).map_err(unexpected)?;
    Ok(store::insert_notice(h, case.id, kind.as_str(), &number, &v).await?)
}

fn contact_closing(app: &App) -> Vec<String> {
    vec![format!(
        "办件查询：凭办件编号和申请人证件号码登录{}网站“办件查询”栏目查询办理进度。",
        app.settings.center_name
    )]
}

/// The case action and notice of an intake outcome, checked against the checklist — one rule
/// for the window and for the pre-review of online applications.
///
/// 补正 needs something required to be missing (行政许可法 art. 32 ¶1 (4)); 不予受理 needs a
/// reason (art. 32 ¶1 (1)–(2)); 容缺受理 needs a material marked as owed and a promise date within
/// 90 days (local 容缺受理 rules, no single national text: domain-rules §3.6 — the 90 days are this
/// platform's bound).
fn check_outcome(
    outcome: &IntakeOutcome,
    a: &IntakeAssessment,
    today: NaiveDate,
) -> AppResult<(CaseAction, NoticeKind)> {
    Ok(match outcome {
        IntakeOutcome::Accept => {
            a.require_acceptable()?;
            if !a.tolerated.is_empty() {
                return Err(AppError::Domain(DomainError::field(
                    "outcome",
                    "有容缺材料时应选择“容缺受理”并填写承诺补交日期",
                    "outcome: materials are marked tolerated; use accept_tolerated with a promised date",
                )));
            }
            (CaseAction::Accept, NoticeKind::Acceptance)
        }
        IntakeOutcome::AcceptTolerated { promised_by } => {
            a.require_acceptable()?;
            if a.tolerated.is_empty() {
                return Err(AppError::Domain(DomainError::field(
                    "materials",
                    "容缺受理须至少标记一项容缺材料",
                    "materials: mark at least one material as tolerated",
                )));
            }
            if *promised_by <= today || *promised_by > today + Duration::days(90) {
                return Err(AppError::Domain(DomainError::field(
                    "promised_by",
                    "承诺补交日期须在今天之后的 90 天内",
                    "promised_by: must be within 90 days after today",
                )));
            }
            (CaseAction::Accept, NoticeKind::Tolerance)
        }
        IntakeOutcome::Correct => {
            if a.acceptable() {
                return Err(AppError::Domain(DomainError::field(
                    "outcome",
                    "必要材料已齐全，无需补正，请直接受理",
                    "outcome: nothing required is missing; accept instead",
                )));
            }
            (CaseAction::RequestCorrection, NoticeKind::Correction)
        }
        IntakeOutcome::Refuse { reason } => {
            require_reason("reason", Some(reason))?;
            (CaseAction::RefuseIntake, NoticeKind::Refusal)
        }
    })
}

/// Take in a case at the window: 受理, 容缺受理, 补正 (one-time notice) or 不予受理. Returns
/// the case and the notice issued; returns only after both are durably committed with the audit
/// event.
pub async fn intake(app: &App, ctx: &Ctx, req: IntakeRequest) -> AppResult<(CaseRow, NoticeRow)> {
    ctx.require_any(Permission::IntakeCases)?;
    create_case(app, ctx, req, IntakeChannel::Window, &[]).await
}

/// A file already stored in the content-addressed file store, to be attached to a new case.
#[derive(Debug, Clone)]
pub struct StoredFile {
    /// Material it belongs to.
    pub material: String,
    /// Original name.
    pub filename: String,
    /// Media type.
    pub media_type: String,
    /// Size in bytes.
    pub size: i64,
    /// SHA-256 (its name in the store).
    pub sha256: String,
}

impl StoredFile {
    /// Record the file as belonging to a case (inside the caller's transaction).
    pub(crate) async fn insert(&self, h: H<'_>, case_id: i64) -> AppResult<i64> {
        Ok(store::insert_file(
            h,
            &FileRow {
                id: 0,
                case_id,
                material: self.material.clone(),
                filename: self.filename.clone(),
                media_type: self.media_type.clone(),
                size: self.size,
                sha256: self.sha256.clone(),
                uploaded_at: onewindow_storage::now(),
            },
        )
        .await?)
    }
}

pub(crate) async fn create_case(
    app: &App,
    ctx: &Ctx,
    req: IntakeRequest,
    channel: IntakeChannel,
    files: &[StoredFile],
) -> AppResult<(CaseRow, NoticeRow)> {
    let today = app.today();
    let applicant = ApplicantId::parse_on(&req.applicant.id_number, today)?;
    let name = req.applicant.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::Domain(DomainError::field(
            "applicant.name",
            "申请人名称不能为空且不超过 100 个字符",
            "applicant.name: 1–100 characters",
        )));
    }
    let phone = opt_text("applicant.phone", &req.applicant.phone, 30)?;
    let email = opt_text("applicant.email", &req.applicant.email, 200)?;
    if let Some(e) = &email {
        onewindow_domain::identity::check_email("applicant.email", e)?;
    }
    let contact_name = opt_text("contact_name", &req.contact_name, 50)?;
    let agent_name = opt_text("agent_name", &req.agent_name, 50)?;
    let agent_id = match opt_text("agent_id_number", &req.agent_id_number, 30)? {
        Some(a) => Some(
            onewindow_domain::identity::ResidentId::parse_on(&a, today)
                .map_err(|_| {
                    DomainError::field(
                        "agent_id_number",
                        "代办人身份证号码无效",
                        "agent_id_number: not a valid resident ID number",
                    )
                })?
                .as_str()
                .to_string(),
        ),
        None => None,
    };
    let legal_rep = opt_text("legal_rep", &req.legal_rep, 50)?;
    let address = opt_text("address", &req.address, 200)?;
    let delivery_address = opt_text("delivery_address", &req.delivery_address, 200)?;
    if req.delivery == Delivery::Courier && delivery_address.is_none() {
        return Err(AppError::Domain(DomainError::field(
            "delivery_address",
            "选择快递送达时须填写收件地址",
            "delivery_address: required for courier delivery",
        )));
    }
    let summary: String = req.summary.trim().chars().take(2000).collect();

    // The hot paths of the engine (intake, decisions) use SQLite directly (storage::lite): a
    // statement is a function call on this thread, not a hand-off to a worker thread. Reads
    // happen before taking the writer (SQLite has one, and everything done while holding it is
    // serial): the plan, the departments and the applicant's licences.
    let (mut r, depts, list, reuses) = {
        let mut c = app.db.conn_direct().await?;
        let r = resolve(c.h(), app, &req.plan).await?;
        if let Some(p) = r.def.validate().first() {
            return Err(AppError::Domain(DomainError::field(
                "plan",
                p.zh.clone(),
                p.en.clone(),
            )));
        }
        let depts = Depts::load(c.h(), app).await?;
        let mut list = checklist_of(&r);
        apply_ticks(&mut list, &req.materials)?;
        // 免提交: materials the applicant's e-licences stand in for are taken from the library.
        let reuses =
            crate::licenses::resolve_reuse(c.h(), applicant.as_str(), today, &mut list).await?;
        (r, depts, list, reuses)
    };
    let assessment = IntakeAssessment::of(&list);
    let (status, action) = match channel {
        IntakeChannel::Online => (CaseStatus::PreReview, None),
        IntakeChannel::Window => {
            let (action, kind) = check_outcome(&req.outcome, &assessment, today)?;
            (CaseStatus::PreReview.apply(action)?, Some(kind))
        }
    };
    // Every repository call in this transaction has a direct implementation.
    let mut tx = app.db.begin_direct().await?;
    if let PlanRef::Item(_) = &req.plan {
        r.row = item_plan_row(tx.h(), &r.def).await?;
    }
    let ap = store::upsert_applicant(
        tx.h(),
        applicant.as_str(),
        applicant.kind(),
        &name,
        phone.as_deref(),
        email.as_deref(),
    )
    .await?;
    let lead_item = r
        .def
        .stages
        .first()
        .and_then(|s| s.lead())
        .and_then(|t| t.task_code.as_ref())
        .and_then(|c| r.guides.get(c));
    let region = lead_item
        .map(|g| g.region_code.clone())
        .unwrap_or_else(|| app.settings.region_code.clone());
    let region6: String = region.chars().take(6).collect();
    let seq = store::next_counter(tx.h(), &format!("case:{region6}:{today}")).await?;
    let case_no = case_number(&region6, today, seq);
    let now = onewindow_storage::now();
    let mut row = CaseRow {
        id: 0,
        case_no,
        plan_id: r.row.id,
        name: r.def.name.clone(),
        applicant_id: ap.id,
        applicant_name: name.clone(),
        applicant_kind: applicant.kind().to_string(),
        id_number: applicant.as_str().to_string(),
        contact_name,
        contact_phone: phone,
        agent_name,
        agent_id_number: agent_id,
        legal_rep,
        address,
        channel: channel.as_str().to_string(),
        window_id: req.window_id,
        status: status.as_str().to_string(),
        outcome: None,
        delivery: req.delivery.as_str().to_string(),
        delivery_address,
        region_code: region,
        lead_department_id: None,
        received_at: now,
        accepted_on: None,
        promised_days: i64::from(r.def.promised_days),
        statutory_days: i64::from(r.def.statutory_days),
        clock_events: "[]".into(),
        promised_due: None,
        statutory_due: None,
        current_stage: 0,
        stage_count: i64::try_from(r.def.stages.len()).unwrap_or(0),
        tolerated_due: None,
        tolerated_open: false,
        materials: serde_json::to_string(&list).map_err(unexpected)?,
        summary,
        close_reason: match &req.outcome {
            IntakeOutcome::Refuse { reason } if channel == IntakeChannel::Window => {
                Some(reason.trim().to_string())
            }
            _ => None,
        },
        completed_at: None,
        intake_by: ctx.user().map(|u| u.id.get()),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    if status == CaseStatus::NotAccepted {
        row.completed_at = Some(now);
    }
    if let IntakeOutcome::AcceptTolerated { promised_by } = &req.outcome {
        row.tolerated_due = Some(*promised_by);
        row.tolerated_open = true;
    }
    // Tasks exist from the start (waiting), so every department sees the whole plan. On
    // acceptance the first stage opens and every due date is computed before anything is
    // stored: one insert for the case, one for its tasks.
    let situation = req
        .situation
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let mut tasks = Vec::new();
    for (si, s) in r.def.stages.iter().enumerate() {
        for t in &s.tasks {
            let dept = depts.by_name(&t.department)?;
            let g = t.task_code.as_ref().and_then(|c| r.guides.get(c));
            let authority = g
                .map(|g| {
                    situation
                        .and_then(|name| g.situations.iter().find(|x| x.name == name))
                        .map(|x| x.authority)
                        .unwrap_or(g.authority)
                        .as_str()
                })
                .unwrap_or("");
            let days = t.days.or_else(|| g.map(|g| g.promised_days)).unwrap_or(1);
            tasks.push(TaskRow {
                id: 0,
                case_id: 0,
                stage: i64::try_from(si).unwrap_or(0),
                stage_name: s.name.clone(),
                department_id: dept.id,
                role: t.role.as_str().to_string(),
                name: t.name.clone(),
                task_code: t.task_code.clone(),
                days: i64::from(days),
                authority_required: authority.to_string(),
                status: TaskStatus::Waiting.as_str().to_string(),
                opened_on: None,
                due_date: None,
                opinion: None,
                checklist: None,
                decided_by: None,
                decided_by_name: None,
                decided_at: None,
                version: 1,
            });
        }
    }
    if status == CaseStatus::InReview {
        start_clocks(app, &mut row, &mut tasks, today)?;
    }
    let row = store::insert_case(tx.h(), &row).await?;
    for t in tasks.iter_mut() {
        t.case_id = row.id;
    }
    store::insert_tasks(tx.h(), &tasks).await?;
    for f in files {
        f.insert(tx.h(), row.id).await?;
    }
    if !reuses.is_empty() {
        let dept = ctx
            .user()
            .and_then(|u| u.department_id)
            .map(|d| depts.name(d.get()));
        crate::licenses::record_uses(tx.h(), ctx, &row, dept.as_deref(), &reuses).await?;
    }
    let notice = match action {
        Some(kind) => {
            let (paras, table) = notice_text(app, &row, kind, &assessment, &req.outcome);
            issue_notice(tx.h(), app, &row, kind, paras, table, contact_closing(app)).await?
        }
        None => {
            // Online submission: a receipt (网上申报回执); acceptance comes with the pre-review.
            issue_notice(
                tx.h(),
                app,
                &row,
                NoticeKind::Receipt,
                vec![format!(
                    "您于{}在网上申报的“{}”已收到，正在预审，预审结果将另行告知。",
                    date_zh(today),
                    row.name
                )],
                None,
                contact_closing(app),
            )
            .await?
        }
    };
    store::insert_event(
        tx.h(),
        row.id,
        &actor_label(ctx),
        status.as_str(),
        &json!({"channel": channel.as_str(), "notice": notice.number, "to_correct": assessment.to_correct.iter().map(|m| &m.name).collect::<Vec<_>>(), "tolerated": assessment.tolerated.iter().map(|m| &m.name).collect::<Vec<_>>()}),
    )
    .await?;
    let audit_action = match status {
        CaseStatus::InReview => AuditAction::CaseAccepted,
        CaseStatus::Correction => AuditAction::CaseCorrectionRequested,
        CaseStatus::NotAccepted => AuditAction::CaseRefused,
        _ => AuditAction::CaseSubmitted,
    };
    audit::append(
        tx.h(),
        &ctx.event(
            audit_action,
            "case",
            &row.case_no,
            row.lead_department_id,
            json!({"plan": r.def.code, "plan_version": r.row.version, "status": status.as_str(), "notice": notice.number}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok((row, notice))
}

/// Accept: set the start day, open the first stage, compute every due date.
fn start_clocks(
    app: &App,
    row: &mut CaseRow,
    tasks: &mut [TaskRow],
    today: NaiveDate,
) -> AppResult<()> {
    row.accepted_on = Some(today);
    row.status = CaseStatus::InReview.as_str().to_string();
    open_stage(row, tasks, 0, today);
    let cal = app.case_calendar();
    recompute(&cal, row, tasks)
}

fn open_stage(row: &mut CaseRow, tasks: &mut [TaskRow], stage: i64, today: NaiveDate) {
    row.current_stage = stage;
    for t in tasks.iter_mut().filter(|t| t.stage == stage) {
        t.status = TaskStatus::Open.as_str().to_string();
        t.opened_on = Some(today);
        if t.role == TaskRole::Lead.as_str() {
            row.lead_department_id = Some(t.department_id);
        }
    }
}

fn notice_text(
    app: &App,
    row: &CaseRow,
    kind: NoticeKind,
    a: &IntakeAssessment,
    outcome: &IntakeOutcome,
) -> (Vec<String>, Option<NoticeTable>) {
    let received = date_zh(app.today());
    let table = |items: &[MaterialCheck]| {
        (
            vec![
                "序号".to_string(),
                "材料名称".into(),
                "情况".into(),
                "说明".into(),
            ],
            items
                .iter()
                .enumerate()
                .map(|(i, m)| {
                    vec![
                        (i + 1).to_string(),
                        m.name.clone(),
                        m.status.zh().to_string(),
                        m.note.clone().unwrap_or_default(),
                    ]
                })
                .collect::<Vec<_>>(),
        )
    };
    match kind {
        NoticeKind::Acceptance | NoticeKind::Tolerance => {
            let mut p = vec![format!(
                "您于{received}提出的“{}”申请，经审查，申请材料齐全、符合法定形式，决定予以受理。办件编号：{}。",
                row.name, row.case_no
            )];
            if let Some(d) = row.promised_due {
                p.push(format!(
                    "本机关承诺于{}前（{}个工作日）办结；法定办结期限至{}。",
                    date_zh(d),
                    row.promised_days,
                    row.statutory_due.map(date_zh).unwrap_or_default()
                ));
            }
            if kind == NoticeKind::Tolerance
                && let IntakeOutcome::AcceptTolerated { promised_by } = outcome
            {
                p.push(format!(
                    "根据容缺受理制度，下列材料您已书面承诺于{}前补交；逾期未补交的，将影响办结。",
                    date_zh(*promised_by)
                ));
                return (p, Some(table(&a.tolerated)));
            }
            (p, None)
        }
        NoticeKind::Correction => (
            vec![
                format!(
                    "您于{received}提出的“{}”申请，申请材料不齐全或者不符合法定形式。根据《中华人民共和国行政许可法》第三十二条，现一次性告知您需要补正的全部内容如下：",
                    row.name
                ),
                "请补正后重新提交。补正材料齐全之日起予以受理。".into(),
            ],
            Some(table(&a.to_correct)),
        ),
        NoticeKind::Refusal => {
            let reason = match outcome {
                IntakeOutcome::Refuse { reason } => reason.trim().to_string(),
                _ => String::new(),
            };
            (
                vec![
                    format!(
                        "您于{received}提出的“{}”申请，经审查，决定不予受理。理由：{reason}",
                        row.name
                    ),
                    "如不服本决定，可以依法申请行政复议或者提起行政诉讼。".into(),
                ],
                None,
            )
        }
        _ => (Vec::new(), None),
    }
}

/// Load a case and its tasks for a change, after locking it.
async fn load_locked(mut h: H<'_>, case_id: i64) -> AppResult<(CaseRow, Vec<TaskRow>)> {
    store::lock_case(h.re(), case_id).await?;
    let c = store::get_case(h.re(), case_id).await?;
    let t = store::tasks_of(h.re(), case_id).await?;
    Ok((c, t))
}

/// [`load_locked`] for rows read before the lock (`seen`): if the case's stamp (its version and
/// its tasks' versions, [`store::CaseStamp`]) is unchanged, those rows are the rows now, and the
/// lock holder reads a few integers instead of reading and decoding the case and its tasks
/// again (everything done under the writer is serial). Otherwise they are read again.
async fn load_confirmed(
    mut h: H<'_>,
    case_id: i64,
    seen: (CaseRow, Vec<TaskRow>),
) -> AppResult<(CaseRow, Vec<TaskRow>)> {
    store::lock_case(h.re(), case_id).await?;
    if seen.0.id == case_id
        && store::stamp(h.re(), case_id).await? == store::CaseStamp::of(&seen.0, &seen.1)
    {
        return Ok(seen);
    }
    let c = store::get_case(h.re(), case_id).await?;
    let t = store::tasks_of(h.re(), case_id).await?;
    Ok((c, t))
}

/// Accept, 补正 or refuse a case that is waiting for pre-review (online) or for corrections.
/// `ticks` updates the checklist first.
pub async fn decide_intake(
    app: &App,
    ctx: &Ctx,
    case_id: i64,
    ticks: Vec<MaterialTick>,
    outcome: IntakeOutcome,
) -> AppResult<(CaseRow, NoticeRow)> {
    ctx.require_any(Permission::IntakeCases)?;
    let today = app.today();
    let mut tx = app.db.begin().await?;
    let (mut row, mut tasks) = load_locked(tx.h(), case_id).await?;
    let from = parse_status(&row.status)?;
    let mut list = materials_of(&row)?;
    apply_ticks(&mut list, &ticks)?;
    let had: Vec<String> = list
        .iter()
        .filter(|m| m.license.is_some())
        .map(|m| m.name.clone())
        .collect();
    let mut reuses =
        crate::licenses::resolve_reuse(tx.h(), &row.id_number, today, &mut list).await?;
    reuses.retain(|r| !had.contains(&r.material));
    let a = IntakeAssessment::of(&list);
    let (action, kind) = check_outcome(&outcome, &a, today)?;
    match &outcome {
        IntakeOutcome::AcceptTolerated { promised_by } => {
            row.tolerated_due = Some(*promised_by);
            row.tolerated_open = true;
        }
        IntakeOutcome::Refuse { reason } => row.close_reason = Some(reason.trim().to_string()),
        IntakeOutcome::Accept | IntakeOutcome::Correct => {}
    }
    let to = from.apply(action)?;
    row.materials = serde_json::to_string(&list).map_err(unexpected)?;
    row.status = to.as_str().to_string();
    row.intake_by = ctx.user().map(|u| u.id.get()).or(row.intake_by);
    match to {
        CaseStatus::InReview => {
            start_clocks(app, &mut row, &mut tasks, today)?;
            for t in &tasks {
                store::save_task(tx.h(), t).await?;
            }
        }
        CaseStatus::NotAccepted => row.completed_at = Some(onewindow_storage::now()),
        _ => {}
    }
    row.version = store::save_case(tx.h(), &row).await?;
    if !reuses.is_empty() {
        crate::licenses::record_uses(tx.h(), ctx, &row, None, &reuses).await?;
    }
    let (paras, table) = notice_text(app, &row, kind, &a, &outcome);
    let notice = issue_notice(tx.h(), app, &row, kind, paras, table, contact_closing(app)).await?;
    store::insert_event(
        tx.h(),
        row.id,
        &actor_label(ctx),
        to.as_str(),
        &json!({"from": from.as_str(), "notice": notice.number}),
    )
    .await?;
    let audit_action = match to {
        CaseStatus::InReview => AuditAction::CaseAccepted,
        CaseStatus::Correction => AuditAction::CaseCorrectionRequested,
        _ => AuditAction::CaseRefused,
    };
    audit::append(
        tx.h(),
        &ctx.event(
            audit_action,
            "case",
            &row.case_no,
            row.lead_department_id,
            json!({"before": {"status": from.as_str()}, "after": {"status": to.as_str()}, "notice": notice.number}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok((row, notice))
}

fn signer_authority(s: Option<&str>) -> Option<Authority> {
    s.and_then(Authority::parse)
}

/// Record a department's opinion (co-review) or decision (lead) on an open task. When the
/// stage is done the next one opens; when the last is done, or a lead refuses, the case is
/// completed (办结) and the decision notice issued.
pub async fn decide_task(
    app: &App,
    ctx: &Ctx,
    task_id: i64,
    d: TaskDecision,
) -> AppResult<CaseRow> {
    decide(app, ctx, None, task_id, d).await
}

/// [`decide_task`] for a task addressed under its case (`/cases/{case}/tasks/{task}`): a task
/// of another case is "not found", and nothing is written.
pub async fn decide_case_task(
    app: &App,
    ctx: &Ctx,
    case_id: i64,
    task_id: i64,
    d: TaskDecision,
) -> AppResult<CaseRow> {
    decide(app, ctx, Some(case_id), task_id, d).await
}

async fn decide(
    app: &App,
    ctx: &Ctx,
    case_id: Option<i64>,
    task_id: i64,
    d: TaskDecision,
) -> AppResult<CaseRow> {
    let user = match &ctx.principal {
        Principal::Staff(u) => Some(u.clone()),
        Principal::Operator => None,
        Principal::Anonymous => return Err(AppError::Unauthenticated),
    };
    let today = app.today();
    // Reads that do not need the case lock happen before taking the writer (everything done
    // while holding it is serial), on SQLite directly (storage::lite: function calls, no
    // hand-off to a worker thread): the task's department (for the permission check), the
    // departments, the signer's authority, the item's review standards, and the case with its
    // tasks. Under the lock the case's stamp confirms that the case and tasks are unchanged
    // (else they are read again); the rest is not part of the case's state.
    let (task0, depts, signer_level, standards, seen) = {
        let mut c = app.db.conn_direct().await?;
        let task0 = store::get_task(c.h(), task_id).await?;
        if case_id.is_some_and(|c| c != task0.case_id) {
            return Err(AppError::NotFound);
        }
        let depts = Depts::load(c.h(), app).await?;
        let level = match &user {
            Some(u) => store::sign_authority(c.h(), u.id.get()).await?,
            None => None,
        };
        let standards = standards_of(c.h(), app, task0.task_code.as_deref()).await?;
        // The case as it is now; under the lock only its stamp is read to confirm it.
        let seen = (
            store::get_case(c.h(), task0.case_id).await?,
            store::tasks_of(c.h(), task0.case_id).await?,
        );
        (task0, depts, level, standards, seen)
    };
    let target = depts.target(task0.department_id)?;
    ctx.require(Permission::ReviewCases, &target)?;
    let mut tx = app.db.begin_direct().await?;
    let (mut row, mut tasks) = load_confirmed(tx.h(), task0.case_id, seen).await?;
    let idx = tasks
        .iter()
        .position(|t| t.id == task_id)
        .ok_or(AppError::NotFound)?;
    if let Some(v) = d.expected_version
        && v != tasks[idx].version
    {
        return Err(AppError::conflict(
            "该审查任务已被他人处理，请刷新后查看（未保存任何更改）",
            "this task was handled by someone else meanwhile; reload (nothing was saved)",
        ));
    }
    let status = parse_status(&row.status)?;
    if status != CaseStatus::InReview {
        return Err(AppError::conflict(
            format!("办件当前状态为“{}”，不能审查", status.zh()),
            format!("the case is {}; it cannot be reviewed now", status.as_str()),
        ));
    }
    let tstatus = parse_task_status(&tasks[idx].status)?;
    if tstatus != TaskStatus::Open {
        return Err(AppError::conflict(
            format!("该审查任务状态为“{}”，不能重复处理", tstatus.zh()),
            format!(
                "the task is {}; it cannot be decided again",
                tstatus.as_str()
            ),
        ));
    }
    // 受审分离: the clerk who took the case in may not decide it.
    if let Some(u) = &user
        && row.intake_by == Some(u.id.get())
    {
        return Err(AppError::conflict(
            "受审分离：受理该办件的人员不能审查或决定该办件",
            "intake and review are separate: whoever took the case in may not review or decide it",
        ));
    }
    let is_lead = tasks[idx].role == TaskRole::Lead.as_str();
    let decides_item = tasks[idx].task_code.is_some();
    if is_lead || decides_item {
        ctx.require(Permission::DecideCases, &target)?;
        if user.is_some()
            && let Some(req) = Authority::parse(&tasks[idx].authority_required)
        {
            check_signing_authority(signer_authority(signer_level.as_deref()), req)?;
        }
    }
    let opinion = d.opinion.trim().to_string();
    if opinion.chars().count() > 2000 {
        return Err(AppError::Domain(DomainError::field(
            "opinion",
            "意见不能超过 2000 字",
            "opinion: at most 2000 characters",
        )));
    }
    if d.outcome == Outcome::Deny && opinion.is_empty() {
        // 行政许可法 art. 38 ¶2: a refusal states its reasons.
        return Err(AppError::Domain(DomainError::field(
            "opinion",
            "不同意或不予许可时须说明理由",
            "opinion: a refusal must state its reasons",
        )));
    }
    let stage = tasks[idx].stage;
    if is_lead {
        let pending: Vec<String> = tasks
            .iter()
            .filter(|t| t.stage == stage && t.id != task_id)
            .filter(|t| {
                !parse_task_status(&t.status)
                    .map(|s| s.is_done())
                    .unwrap_or(true)
            })
            .map(|t| depts.name(t.department_id))
            .collect();
        if !pending.is_empty() {
            return Err(AppError::conflict(
                format!(
                    "牵头部门须在配合部门出具意见后决定；尚未完成：{}",
                    pending.join("、")
                ),
                format!(
                    "the lead decides after the co-reviewers; still open: {}",
                    pending.join(", ")
                ),
            ));
        }
    }
    // Review standards of the item (技术审查 / 专家评审 / 现场踏勘) must all be met to approve.
    let unknown: Vec<&String> = d
        .checked
        .iter()
        .filter(|c| !standards.contains(c))
        .collect();
    if !unknown.is_empty() {
        return Err(AppError::Domain(DomainError::field(
            "checked",
            "勾选的审查标准不属于该事项",
            "checked: an item ticked is not a review standard of this item",
        )));
    }
    if d.outcome == Outcome::Approve {
        let missing: Vec<&String> = standards
            .iter()
            .filter(|s| !d.checked.contains(s))
            .collect();
        if !missing.is_empty() {
            return Err(AppError::Domain(DomainError::field(
                "checked",
                format!(
                    "准予前须逐项核对审查标准，尚未勾选：{}",
                    missing
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join("；")
                ),
                format!("checked: {} review standard(s) not ticked", missing.len()),
            )));
        }
    }
    let last_stage = stage + 1 == row.stage_count;
    if is_lead && last_stage && d.outcome == Outcome::Approve && row.tolerated_open {
        return Err(AppError::conflict(
            "容缺受理的材料尚未补齐，不能作出准予决定",
            "materials owed on promise (容缺) have not been supplied; the case cannot be approved yet",
        ));
    }
    {
        let t = &mut tasks[idx];
        t.status = d.outcome.task_status().as_str().to_string();
        t.opinion = Some(opinion.clone()).filter(|o| !o.is_empty());
        t.checklist = Some(serde_json::to_string(&d.checked).map_err(unexpected)?);
        t.decided_by = user.as_ref().map(|u| u.id.get());
        t.decided_by_name = Some(
            user.as_ref()
                .map(|u| u.display_name.clone())
                .unwrap_or_else(|| "operator".into()),
        );
        t.decided_at = Some(onewindow_storage::now());
    }
    store::save_task(tx.h(), &tasks[idx]).await?;
    store::insert_event(
        tx.h(),
        row.id,
        &actor_label(ctx),
        "task_decided",
        &json!({"task": tasks[idx].name, "department": depts.name(tasks[idx].department_id), "outcome": d.outcome.as_str(), "opinion": opinion, "lead": is_lead}),
    )
    .await?;
    let mut completed = None;
    let mut drawn = Vec::new();
    if is_lead {
        if d.outcome == Outcome::Deny {
            completed = Some(Outcome::Deny);
        } else if last_stage {
            completed = Some(Outcome::Approve);
        } else {
            open_stage(&mut row, &mut tasks, stage + 1, today);
            recompute_and_save(tx.h(), app, &mut row, &mut tasks).await?;
        }
    }
    if let Some(outcome) = completed {
        drawn = complete(tx.h(), app, ctx, &mut row, &mut tasks, outcome, &opinion).await?;
    }
    audit::append(
        tx.h(),
        &ctx.event(
            AuditAction::CaseTaskDecided,
            "case",
            &row.case_no,
            Some(tasks[idx].department_id),
            json!({"task": task_id, "outcome": d.outcome.as_str(), "lead": is_lead, "completed": completed.map(|o| o.as_str())}),
        ),
    )
    .await?;
    for l in drawn {
        crate::licenses::store_in_tx(tx.h(), ctx, l).await?;
    }
    tx.commit().await?;
    Ok(row)
}

async fn standards_of(h: H<'_>, app: &App, task_code: Option<&str>) -> AppResult<Vec<String>> {
    let Some(code) = task_code else {
        return Ok(Vec::new());
    };
    let Some(g) = published_guide_opt(h, app, code).await? else {
        return Ok(Vec::new());
    };
    let s = &g.review_standards;
    Ok(s.technical
        .iter()
        .chain(&s.expert)
        .chain(&s.inspection)
        .cloned()
        .collect())
}

/// 办结: record the outcome, cancel what is left, draw the result licences, issue the decision
/// notice. Returns the licences drawn, their signatures under way: the caller stores them
/// ([`crate::licenses::store_in_tx`]) as the last thing before its commit, so that each
/// signature runs beside the rest of the transaction.
async fn complete(
    mut h: H<'_>,
    app: &App,
    ctx: &Ctx,
    row: &mut CaseRow,
    tasks: &mut [TaskRow],
    outcome: Outcome,
    opinion: &str,
) -> AppResult<Vec<crate::licenses::Drawn>> {
    let from = parse_status(&row.status)?;
    let to = from.apply(CaseAction::Complete)?;
    for t in tasks.iter_mut() {
        let s = parse_task_status(&t.status)?;
        if !s.is_done() {
            t.status = TaskStatus::Cancelled.as_str().to_string();
            t.due_date = None;
            store::save_task(h.re(), t).await?;
        }
    }
    row.status = to.as_str().to_string();
    row.outcome = Some(outcome.as_str().to_string());
    row.completed_at = Some(onewindow_storage::now());
    row.version = store::save_case(h.re(), row).await?;
    let delivery = Delivery::parse(&row.delivery).unwrap_or(Delivery::Window);
    // 电子证照: every approved item whose result is a licence type gets its licence now, signed,
    // in this transaction ("一次生成", seed document).
    let mut issued = Vec::new();
    if outcome == Outcome::Approve {
        for t in tasks.iter() {
            if parse_task_status(&t.status)? != TaskStatus::Approved {
                continue;
            }
            let Some(code) = t.task_code.as_deref() else {
                continue;
            };
            let Some(g) = published_guide_opt(h.re(), app, code).await? else {
                continue;
            };
            let Some(type_code) = g.result_license_type.as_deref() else {
                continue;
            };
            let input = crate::licenses::IssueInput {
                case: &*row,
                item_name: &g.name,
                type_code,
                department_id: t.department_id,
            };
            match crate::licenses::draw_in_tx(h.re(), app, input).await? {
                Ok(l) => {
                    store::insert_event(
                        h.re(),
                        row.id,
                        &actor_label(ctx),
                        "license_issued",
                        &json!({"license": l.data.identifier, "name": l.data.name, "number": l.data.number}),
                    )
                    .await?;
                    issued.push(l);
                }
                Err(why) => {
                    tracing::warn!(case = %row.case_no, "{why}");
                    store::insert_event(
                        h.re(),
                        row.id,
                        &actor_label(ctx),
                        "license_not_issued",
                        &json!({"reason": why}),
                    )
                    .await?;
                }
            }
        }
    }
    let (kind, paras) = match outcome {
        Outcome::Approve => (
            NoticeKind::Approval,
            std::iter::once(format!(
                "您申请的“{}”（办件编号 {}），经审查，符合法定条件、标准，决定准予。",
                row.name, row.case_no
            ))
            .chain(issued.iter().map(|l| {
                format!(
                    "已同步生成电子证照“{}”（证照编号 {}，证照标识 {}），可登录“我的证照”查看、下载，办理其他事项时无需再提交纸质证照。",
                    l.data.name, l.data.number, l.data.identifier
                )
            }))
            .chain(std::iter::once(format!(
                "办理结果将以“{}”方式送达。",
                delivery.zh()
            )))
            .collect(),
        ),
        Outcome::Deny => (
            NoticeKind::Denial,
            vec![
                format!(
                    "您申请的“{}”（办件编号 {}），经审查，决定不予准予。理由：{opinion}",
                    row.name, row.case_no
                ),
                // 行政复议法 art. 20 (60 days); 行政诉讼法 art. 46 (6 months).
                "如不服本决定，可以在收到本决定书之日起六十日内依法申请行政复议，或者在六个月内依法提起行政诉讼。".into(),
            ],
        ),
    };
    let notice = issue_notice(h.re(), app, row, kind, paras, None, contact_closing(app)).await?;
    store::insert_event(
        h.re(),
        row.id,
        &actor_label(ctx),
        "completed",
        &json!({"outcome": outcome.as_str(), "notice": notice.number}),
    )
    .await?;
    audit::append(
        h,
        &ctx.event(
            AuditAction::CaseCompleted,
            "case",
            &row.case_no,
            row.lead_department_id,
            json!({"outcome": outcome.as_str(), "notice": notice.number}),
        ),
    )
    .await?;
    Ok(issued)
}

/// Why a clock is stopped during review.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PauseRequest {
    /// Special procedure or 补正.
    pub kind: PauseKind,
    /// Reason / basis (told to the applicant in writing).
    pub reason: String,
    /// For 补正 during review: the materials asked for.
    #[serde(default)]
    pub materials: Vec<String>,
}

/// Stop the clock for a special procedure (行政许可法 art. 45) or a 补正 during review. Only the
/// lead department of the running stage may do this.
pub async fn pause(app: &App, ctx: &Ctx, case_id: i64, p: PauseRequest) -> AppResult<CaseRow> {
    let reason = require_reason("reason", Some(&p.reason))?;
    let today = app.today();
    let mut tx = app.db.begin().await?;
    let (mut row, mut tasks) = load_locked(tx.h(), case_id).await?;
    let depts = Depts::load(tx.h(), app).await?;
    let lead = row.lead_department_id.ok_or(AppError::Forbidden)?;
    ctx.require(Permission::ReviewCases, &depts.target(lead)?)?;
    let from = parse_status(&row.status)?;
    let to = from.apply(CaseAction::Pause)?;
    let mut events = events_of(&row)?;
    let mut clock = Clock {
        start: row.accepted_on.unwrap_or(today),
        days: 0,
        events: std::mem::take(&mut events),
    };
    clock.pause(p.kind, today)?;
    row.clock_events = serde_json::to_string(&clock.events).map_err(unexpected)?;
    row.status = to.as_str().to_string();
    recompute_and_save(tx.h(), app, &mut row, &mut tasks).await?;
    let (kind, paras, table) = if p.kind == PauseKind::Correction {
        let rows: Vec<Vec<String>> = p
            .materials
            .iter()
            .enumerate()
            .map(|(i, m)| vec![(i + 1).to_string(), m.clone()])
            .collect();
        (
            NoticeKind::ReviewCorrection,
            vec![
                format!(
                    "您申请的“{}”（办件编号 {}）在审查中需要补正下列材料。理由：{reason}",
                    row.name, row.case_no
                ),
                "补正期间不计入办理时限，自收到补正材料之日起继续计算。".to_string(),
            ],
            Some((vec!["序号".to_string(), "材料名称".to_string()], rows)),
        )
    } else {
        (
            NoticeKind::Special,
            vec![
                format!(
                    "您申请的“{}”（办件编号 {}）需要进行{}。理由或依据：{reason}",
                    row.name,
                    row.case_no,
                    p.kind.zh()
                ),
                "根据《中华人民共和国行政许可法》第四十五条，所需时间不计算在办理期限内。"
                    .to_string(),
            ],
            None,
        )
    };
    let notice = issue_notice(tx.h(), app, &row, kind, paras, table, contact_closing(app)).await?;
    store::insert_event(
        tx.h(),
        row.id,
        &actor_label(ctx),
        "paused",
        &json!({"kind": p.kind.as_str(), "reason": reason, "notice": notice.number}),
    )
    .await?;
    audit::append(
        tx.h(),
        &ctx.event(
            AuditAction::CasePaused,
            "case",
            &row.case_no,
            Some(lead),
            json!({"kind": p.kind.as_str(), "from": today}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

/// Start the clock again (special procedure finished, corrected materials received).
pub async fn resume(app: &App, ctx: &Ctx, case_id: i64, note: &str) -> AppResult<CaseRow> {
    let today = app.today();
    let mut tx = app.db.begin().await?;
    let (mut row, mut tasks) = load_locked(tx.h(), case_id).await?;
    let depts = Depts::load(tx.h(), app).await?;
    let lead = row.lead_department_id.ok_or(AppError::Forbidden)?;
    ctx.require(Permission::ReviewCases, &depts.target(lead)?)
        .or_else(|_| ctx.require_any(Permission::IntakeCases))?;
    let from = parse_status(&row.status)?;
    let to = from.apply(CaseAction::Resume)?;
    let mut clock = Clock {
        start: row.accepted_on.unwrap_or(today),
        days: 0,
        events: events_of(&row)?,
    };
    let kind = clock.resume(today)?;
    row.clock_events = serde_json::to_string(&clock.events).map_err(unexpected)?;
    row.status = to.as_str().to_string();
    recompute_and_save(tx.h(), app, &mut row, &mut tasks).await?;
    store::insert_event(
        tx.h(),
        row.id,
        &actor_label(ctx),
        "resumed",
        &json!({"kind": kind.as_str(), "note": note.trim()}),
    )
    .await?;
    audit::append(
        tx.h(),
        &ctx.event(
            AuditAction::CaseResumed,
            "case",
            &row.case_no,
            Some(lead),
            json!({"kind": kind.as_str(), "on": today}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

/// Approve an extension (行政许可法 art. 42: +10 working days for one item with the agency
/// head's approval, +15 for joint handling with the government head's). Once per case; the
/// approver needs `ApproveExtensions` over the lead department.
pub async fn extend(app: &App, ctx: &Ctx, case_id: i64, reason: &str) -> AppResult<CaseRow> {
    let reason = require_reason("reason", Some(reason))?;
    let today = app.today();
    let mut tx = app.db.begin().await?;
    let (mut row, mut tasks) = load_locked(tx.h(), case_id).await?;
    let depts = Depts::load(tx.h(), app).await?;
    let lead = row.lead_department_id.ok_or(AppError::Forbidden)?;
    ctx.require(Permission::ApproveExtensions, &depts.target(lead)?)?;
    let status = parse_status(&row.status)?;
    if !status.is_running() {
        return Err(AppError::conflict(
            format!("办件状态为“{}”，不能延期", status.zh()),
            format!("the case is {}; it cannot be extended", status.as_str()),
        ));
    }
    let mut events = events_of(&row)?;
    if events
        .iter()
        .any(|e| matches!(e, ClockEvent::Extend { .. }))
    {
        return Err(AppError::conflict(
            "该办件已延期一次，法律只允许延长一次",
            "the case was extended once already; the law allows one extension",
        ));
    }
    let plan: PlanDef = {
        let p = store::get_plan(tx.h(), row.plan_id).await?;
        serde_json::from_str(&p.def).map_err(unexpected)?
    };
    let days = plan.extension_days();
    events.push(ClockEvent::Extend { days, on: today });
    row.clock_events = serde_json::to_string(&events).map_err(unexpected)?;
    // The extension moves the open tasks' due dates too (they share the case's clock events).
    recompute_and_save(tx.h(), app, &mut row, &mut tasks).await?;
    let notice = issue_notice(
        tx.h(),
        app,
        &row,
        NoticeKind::Extension,
        vec![
            format!(
                "您申请的“{}”（办件编号 {}），因{reason}，经本机关负责人批准，办理期限延长{days}个工作日。",
                row.name, row.case_no
            ),
            format!(
                "延长后的法定办结期限为{}。",
                row.statutory_due.map(date_zh).unwrap_or_else(|| "（计时暂停中）".into())
            ),
        ],
        None,
        contact_closing(app),
    )
    .await?;
    store::insert_event(
        tx.h(),
        row.id,
        &actor_label(ctx),
        "extended",
        &json!({"days": days, "reason": reason, "notice": notice.number}),
    )
    .await?;
    audit::append(
        tx.h(),
        &ctx.event(
            AuditAction::CaseExtended,
            "case",
            &row.case_no,
            Some(lead),
            json!({"days": days, "reason": reason, "statutory_due": row.statutory_due}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

/// The applicant supplied the materials owed on promise (容缺).
pub async fn supply_tolerated(app: &App, ctx: &Ctx, case_id: i64) -> AppResult<CaseRow> {
    ctx.require_any(Permission::IntakeCases)?;
    let mut tx = app.db.begin().await?;
    let (mut row, _) = load_locked(tx.h(), case_id).await?;
    if !row.tolerated_open {
        return Err(AppError::conflict(
            "该办件没有待补交的容缺材料",
            "no materials are owed on this case",
        ));
    }
    let mut list = materials_of(&row)?;
    let mut supplied = Vec::new();
    for m in list
        .iter_mut()
        .filter(|m| m.status == MaterialStatus::Tolerated)
    {
        m.status = MaterialStatus::Provided;
        supplied.push(m.name.clone());
    }
    row.materials = serde_json::to_string(&list).map_err(unexpected)?;
    row.tolerated_open = false;
    row.version = store::save_case(tx.h(), &row).await?;
    store::insert_event(
        tx.h(),
        row.id,
        &actor_label(ctx),
        "materials_supplied",
        &json!({"materials": supplied}),
    )
    .await?;
    audit::append(
        tx.h(),
        &ctx.event(
            AuditAction::CaseMaterialsSupplied,
            "case",
            &row.case_no,
            row.lead_department_id,
            json!({"materials": supplied}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

/// 撤回 (the applicant's request, recorded by a clerk) or 终止 (by the lead department's
/// decision-maker), with the reason.
pub async fn close(
    app: &App,
    ctx: &Ctx,
    case_id: i64,
    action: CaseAction,
    reason: &str,
) -> AppResult<CaseRow> {
    let reason = require_reason("reason", Some(reason))?;
    let mut tx = app.db.begin().await?;
    let (mut row, mut tasks) = load_locked(tx.h(), case_id).await?;
    let depts = Depts::load(tx.h(), app).await?;
    match action {
        CaseAction::Withdraw => ctx.require_any(Permission::IntakeCases)?,
        CaseAction::Terminate => {
            let lead = row.lead_department_id.ok_or(AppError::Forbidden)?;
            ctx.require(Permission::DecideCases, &depts.target(lead)?)?;
        }
        _ => {
            return Err(AppError::Domain(DomainError::field(
                "action",
                "只能撤回或终止",
                "action: withdraw or terminate only",
            )));
        }
    }
    let from = parse_status(&row.status)?;
    let to = from.apply(action)?;
    for t in tasks.iter_mut() {
        if !parse_task_status(&t.status)?.is_done() {
            t.status = TaskStatus::Cancelled.as_str().to_string();
            t.due_date = None;
            store::save_task(tx.h(), t).await?;
        }
    }
    row.status = to.as_str().to_string();
    row.close_reason = Some(reason.clone());
    row.completed_at = Some(onewindow_storage::now());
    row.version = store::save_case(tx.h(), &row).await?;
    store::insert_event(
        tx.h(),
        row.id,
        &actor_label(ctx),
        to.as_str(),
        &json!({"reason": reason}),
    )
    .await?;
    audit::append(
        tx.h(),
        &ctx.event(
            if action == CaseAction::Withdraw {
                AuditAction::CaseWithdrawn
            } else {
                AuditAction::CaseTerminated
            },
            "case",
            &row.case_no,
            row.lead_department_id,
            json!({"before": {"status": from.as_str()}, "reason": reason}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

/// Whether the caller may see a case: intake clerks and analysts everywhere, reviewers when one
/// of their departments has a task on it.
fn may_view(ctx: &Ctx, depts: &Depts, tasks: &[TaskRow]) -> AppResult<()> {
    if ctx.require_any(Permission::IntakeCases).is_ok()
        || ctx.require_any(Permission::ViewAnalytics).is_ok()
    {
        return Ok(());
    }
    for t in tasks {
        if ctx
            .require(Permission::ReviewCases, &depts.target(t.department_id)?)
            .is_ok()
        {
            return Ok(());
        }
    }
    match ctx.principal {
        Principal::Anonymous => Err(AppError::Unauthenticated),
        _ => Err(AppError::Forbidden),
    }
}

/// Everything about one case, for staff.
pub async fn view(app: &App, ctx: &Ctx, case_id: i64) -> AppResult<CaseView> {
    let mut c = app.db.conn().await?;
    let row = match store::get_case(c.h(), case_id).await {
        Ok(r) => r,
        Err(onewindow_storage::StoreError::NotFound) => {
            ctx.require_any(Permission::IntakeCases)
                .or_else(|_| ctx.require_any(Permission::ReviewCases))?;
            return Err(AppError::NotFound);
        }
        Err(e) => return Err(e.into()),
    };
    let tasks = store::tasks_of(c.h(), case_id).await?;
    let depts = Depts::load(c.h(), app).await?;
    may_view(ctx, &depts, &tasks)?;
    let plan: PlanDef = serde_json::from_str(&store::get_plan(c.h(), row.plan_id).await?.def)
        .map_err(unexpected)?;
    let cal = app.case_calendar();
    let today = app.today();
    let mut tv = Vec::new();
    for t in tasks {
        let st = parse_task_status(&t.status)?;
        let standards = if st == TaskStatus::Open {
            standards_of(c.h(), app, t.task_code.as_deref()).await?
        } else {
            Vec::new()
        };
        tv.push(TaskView {
            department: depts.name(t.department_id),
            urgency: if st == TaskStatus::Open {
                Some(urgency(&cal, t.due_date, today, app.settings.warn_days)?)
            } else {
                None
            },
            standards,
            task: t,
        });
    }
    let status = parse_status(&row.status)?;
    let (promised, statutory) = match clocks(&row)? {
        Some((p, s)) => (Some(p.explain(&cal)?), Some(s.explain(&cal)?)),
        None => (None, None),
    };
    let extended = events_of(&row)?
        .iter()
        .any(|e| matches!(e, ClockEvent::Extend { .. }));
    Ok(CaseView {
        urgency: if status.is_running() {
            Some(urgency(
                &cal,
                row.promised_due,
                today,
                app.settings.warn_days,
            )?)
        } else {
            None
        },
        materials: materials_of(&row)?,
        events: store::events_of(c.h(), case_id).await?,
        notices: store::notices_of(c.h(), case_id).await?,
        files: store::files_of(c.h(), case_id).await?,
        status,
        plan,
        tasks: tv,
        promised,
        statutory,
        extended,
        case: row,
    })
}

/// A case by number, for staff.
pub async fn find_by_no(app: &App, ctx: &Ctx, case_no: &str) -> AppResult<CaseView> {
    let id = {
        let mut c = app.db.conn().await?;
        store::find_case_by_no(c.h(), case_no.trim())
            .await?
            .map(|r| r.id)
    };
    match id {
        Some(id) => view(app, ctx, id).await,
        None => {
            ctx.require_any(Permission::IntakeCases)
                .or_else(|_| ctx.require_any(Permission::ReviewCases))?;
            Err(AppError::NotFound)
        }
    }
}

/// The reviewer's queue: open tasks of the caller's departments, soonest due first, with
/// yellow/red warnings.
pub async fn queue(app: &App, ctx: &Ctx, limit: i64) -> AppResult<(Vec<QueueItem>, i64)> {
    ctx.require_any(Permission::ReviewCases)?;
    let mut c = app.db.conn().await?;
    let depts: Vec<i64> = if ctx.is_global(Permission::ReviewCases) {
        Depts::load(c.h(), app)
            .await?
            .rows
            .iter()
            .map(|d| d.id)
            .collect()
    } else {
        match &ctx.principal {
            Principal::Staff(u) => {
                let all = Depts::load(c.h(), app).await?;
                all.rows
                    .iter()
                    .filter(|d| {
                        all.target(d.id)
                            .map(|t| u.grants.allows(Permission::ReviewCases, &t))
                            .unwrap_or(false)
                    })
                    .map(|d| d.id)
                    .collect()
            }
            _ => Vec::new(),
        }
    };
    let rows = store::queue(c.h(), &depts, limit).await?;
    let total = store::queue_len(c.h(), &depts).await?;
    let cal = app.case_calendar();
    let today = app.today();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let u = urgency(&cal, r.due_date, today, app.settings.warn_days)?;
        out.push(QueueItem { row: r, urgency: u });
    }
    Ok((out, total))
}

/// An applicant and their previous cases, by 一号 (for the window).
pub async fn applicant_history(
    app: &App,
    ctx: &Ctx,
    id_number: &str,
) -> AppResult<(Option<ApplicantRow>, Vec<CaseRow>)> {
    ctx.require_any(Permission::LookupApplicant)?;
    let id = ApplicantId::parse_on(id_number, app.today())?;
    let mut c = app.db.conn().await?;
    let Some(a) = store::find_applicant(c.h(), id.as_str()).await? else {
        return Ok((None, Vec::new()));
    };
    let cases = store::list_cases(
        c.h(),
        &CaseFilter {
            applicant_id: Some(a.id),
            newest_first: true,
            limit: 50,
            ..Default::default()
        },
    )
    .await?;
    Ok((Some(a), cases))
}

/// Lists for the intake desk: newest cases, cases waiting for pre-review or corrections, and
/// promises (容缺) coming due.
pub async fn desk(app: &App, ctx: &Ctx) -> AppResult<Desk> {
    ctx.require_any(Permission::IntakeCases)?;
    let mut c = app.db.conn().await?;
    let recent = store::list_cases(
        c.h(),
        &CaseFilter {
            newest_first: true,
            limit: 20,
            ..Default::default()
        },
    )
    .await?;
    let waiting = store::list_cases(
        c.h(),
        &CaseFilter {
            statuses: vec!["pre_review".into(), "correction".into()],
            newest_first: true,
            limit: 50,
            ..Default::default()
        },
    )
    .await?;
    let owed = store::list_cases(
        c.h(),
        &CaseFilter {
            tolerated_open: true,
            statuses: vec!["in_review".into(), "paused".into()],
            limit: 50,
            ..Default::default()
        },
    )
    .await?;
    let cal = app.case_calendar();
    let today = app.today();
    let mut reminders = Vec::new();
    for r in owed {
        let u = urgency(&cal, r.tolerated_due, today, app.settings.warn_days)?;
        reminders.push((r, u));
    }
    let bundles = store::list_bundles(c.h()).await?;
    Ok(Desk {
        recent,
        waiting,
        reminders,
        bundles,
    })
}

/// The intake desk's lists.
#[derive(Debug, Clone, Serialize)]
pub struct Desk {
    /// Newest cases.
    pub recent: Vec<CaseRow>,
    /// Waiting for pre-review or corrections.
    pub waiting: Vec<CaseRow>,
    /// 容缺 promises with their urgency.
    pub reminders: Vec<(CaseRow, Urgency)>,
    /// Bundles on offer.
    pub bundles: Vec<PlanRow>,
}

/// Public tracking: only with the case number **and** the applicant's 一号; the answer is
/// masked (个人信息保护法 arts. 28, 51: ID numbers are sensitive; display masking per
/// domain-rules §7.1). Any mismatch is the same "not found".
pub async fn track(app: &App, case_no: &str, id_number: &str) -> AppResult<PublicStatus> {
    let id = ApplicantId::parse_on(id_number, app.today()).map_err(|_| AppError::NotFound)?;
    let mut c = app.db.conn().await?;
    let row = store::find_case_by_no(c.h(), case_no.trim())
        .await?
        .filter(|r| r.id_number == id.as_str())
        .ok_or(AppError::NotFound)?;
    let tasks = store::tasks_of(c.h(), row.id).await?;
    let mut stages: Vec<(String, String)> = Vec::new();
    for s in 0..row.stage_count {
        let ts: Vec<&TaskRow> = tasks.iter().filter(|t| t.stage == s).collect();
        let name = ts.first().map(|t| t.stage_name.clone()).unwrap_or_default();
        let st = if ts.iter().all(|t| t.status == "approved") {
            "已完成"
        } else if ts.iter().any(|t| t.status == "open") {
            "办理中"
        } else if ts.iter().any(|t| t.status == "denied") {
            "不予通过"
        } else if ts.iter().any(|t| t.status == "cancelled") {
            "已取消"
        } else {
            "未开始"
        };
        stages.push((name, st.to_string()));
    }
    Ok(PublicStatus {
        case_no: row.case_no.clone(),
        name: row.name.clone(),
        applicant: if row.applicant_kind == "credit-code" {
            row.applicant_name.clone()
        } else {
            mask_name(&row.applicant_name)
        },
        id_number: mask_applicant_id(&id),
        status: parse_status(&row.status)?,
        outcome: row.outcome.as_deref().and_then(Outcome::parse),
        received_on: crate::auth::cst_date(row.received_at),
        accepted_on: row.accepted_on,
        promised_due: row.promised_due,
        completed_at: row.completed_at.map(crate::auth::cst),
        stages,
        delivery: Delivery::parse(&row.delivery).unwrap_or(Delivery::Window),
    })
}

/// Mask a phone for display.
pub fn masked_phone(p: &Option<String>) -> String {
    p.as_deref().map(mask_mobile).unwrap_or_default()
}

/// One notice, for staff who may see its case.
pub async fn notice(app: &App, ctx: &Ctx, notice_id: i64) -> AppResult<(NoticeRow, NoticeBody)> {
    let n = {
        let mut c = app.db.conn().await?;
        store::get_notice(c.h(), notice_id).await?
    };
    view(app, ctx, n.case_id).await?;
    let body = notice_content(&n)?;
    Ok((n, body))
}

/// Recompute due dates of every running case with the calendar in force (after a calendar
/// change). Runs in the caller's transaction; returns how many cases changed.
pub(crate) async fn recompute_all(
    mut h: H<'_>,
    cal: &onewindow_domain::calendar::WorkCalendar,
) -> AppResult<usize> {
    let ids = store::running_case_ids(h.re()).await?;
    let mut changed = 0;
    for id in ids {
        let mut row = store::get_case(h.re(), id).await?;
        let mut tasks = store::tasks_of(h.re(), id).await?;
        let before = (row.promised_due, row.statutory_due);
        let before_tasks: Vec<Option<NaiveDate>> = tasks.iter().map(|t| t.due_date).collect();
        recompute(cal, &mut row, &mut tasks)?;
        if before != (row.promised_due, row.statutory_due) {
            store::save_case(h.re(), &row).await?;
            changed += 1;
        }
        for (t, b) in tasks.iter().zip(before_tasks) {
            if t.due_date != b {
                store::save_task(h.re(), t).await?;
            }
        }
    }
    Ok(changed)
}

/// Store a new version of a bundle definition (cases already running keep theirs).
pub async fn define_plan(app: &App, ctx: &Ctx, def: PlanDef) -> AppResult<PlanRow> {
    ctx.require(Permission::EditCatalog, &Target::global())?;
    let problems: Vec<crate::Problem> = def
        .validate()
        .into_iter()
        .map(|p| crate::Problem {
            field: p.field,
            zh: p.zh,
            en: p.en,
        })
        .collect();
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    let text = serde_json::to_string(&def).map_err(unexpected)?;
    let mut tx = app.db.begin().await?;
    let depts = Depts::load(tx.h(), app).await?;
    for s in &def.stages {
        for t in &s.tasks {
            depts.by_name(&t.department)?;
            if let Some(code) = &t.task_code {
                published_guide(tx.h(), app, code).await?;
            }
        }
    }
    let row = store::insert_plan(tx.h(), &def.code, &def.name, true, &text).await?;
    audit::append(
        tx.h(),
        &ctx.event(
            AuditAction::PlanDefined,
            "case_plan",
            &def.code,
            None,
            json!({"version": row.version, "stages": def.stages.len()}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

/// Active bundles with their definitions.
pub async fn bundles(app: &App) -> AppResult<Vec<(PlanRow, PlanDef)>> {
    let mut c = app.db.conn().await?;
    store::list_bundles(c.h())
        .await?
        .into_iter()
        .map(|r| {
            let d: PlanDef = serde_json::from_str(&r.def).map_err(unexpected)?;
            Ok((r, d))
        })
        .collect()
}

/// Set a staff user's signing authority (领导授权).
pub async fn set_sign_authority(
    app: &App,
    ctx: &Ctx,
    user_id: i64,
    authority: Option<Authority>,
) -> AppResult<()> {
    ctx.require(Permission::ManageUsers, &Target::global())?;
    let mut tx = app.db.begin().await?;
    store::set_sign_authority(tx.h(), user_id, authority.map(|a| a.as_str())).await?;
    audit::append(
        tx.h(),
        &ctx.event(
            AuditAction::UserUpdated,
            "user",
            user_id,
            None,
            json!({"sign_authority": authority.map(|a| a.as_str())}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The situations (情形) of a single item, for the intake form (a bundle has none).
pub async fn situations(
    app: &App,
    plan: &PlanRef,
) -> AppResult<Vec<onewindow_domain::catalog::Situation>> {
    match plan {
        PlanRef::Item(code) => {
            let mut c = app.db.conn().await?;
            Ok(published_guide(c.h(), app, code).await?.situations.clone())
        }
        PlanRef::Bundle(_) => Ok(Vec::new()),
    }
}
