//! The statutory annual report (政府信息公开工作年度报告) of a body — one department, or a region
//! rolled up (a county and all its departments, the city as a whole) — for a year.
//!
//! Figures come from the data: disclosure items that went live (table 二: 规章 and 行政规范性文件
//! made, repealed, in force), licensing decisions from the case engine, requests received,
//! carried over and answered by outcome and applicant type (table 三), appeals and their results
//! (table 四), fees collected (section 六). Figures the platform does not hold (行政处罚,
//! 行政强制, 行政事业性收费, and any figure of the 2019 trial table 二 that is not computed) are
//! entered by hand with their source, audited, and override nothing silently: the report shows
//! which figures were entered and by whom. Reports before 2019 use the free-form 附表, entered
//! row by row or derived from the data.
//!
//! The consistency rules of `onewindow_domain::report::check` run on every view; a report with
//! a hard finding cannot be published. Publication makes the report a disclosure item in the 年报
//! column and hands it to the same review workflow as any other item.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use onewindow_domain::DomainError;
use onewindow_domain::audit::AuditAction;
use onewindow_domain::disclosure::item::{Attribute, Column, Genre, ItemContent, Validity};
use onewindow_domain::disclosure::request::{
    AppealKind, AppealResult, Channel, ReplyOutcome, RequesterKind,
};
use onewindow_domain::org::Permission;
use onewindow_domain::report::{
    self as rules, Figures, Finding, Format, LegacyRow, Narrative, ReportDoc,
};
use onewindow_storage::H;
use onewindow_storage::audit;
use onewindow_storage::org::DepartmentRow;
use onewindow_storage::reports::{self as store, BodyFilter, ReportRow};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{App, AppError, AppResult, Ctx, unexpected};

/// The body a report is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Body {
    /// One department (its own requests and items).
    Department(DepartmentRow),
    /// A region and everything under it.
    Region {
        /// Region code.
        code: String,
        /// Name.
        name: String,
    },
}

impl Body {
    /// The name printed on the report.
    pub fn name(&self) -> &str {
        match self {
            Body::Department(d) => &d.name,
            Body::Region { name, .. } => name,
        }
    }

    fn scope(&self) -> (&'static str, String) {
        match self {
            Body::Department(d) => ("department", d.id.to_string()),
            Body::Region { code, .. } => ("region", code.clone()),
        }
    }

    /// The value to pass back to find this body (URLs, CLI).
    pub fn key(&self) -> String {
        match self {
            Body::Department(d) => d.id.to_string(),
            Body::Region { code, .. } => format!("region:{code}"),
        }
    }
}

/// Find a body by department id, credit code or exact name (full or short), or by region code
/// or name (prefixed `region:` to force a region).
pub async fn resolve_body(app: &App, key: &str) -> AppResult<Body> {
    let key = key.trim();
    let not_found = || {
        AppError::Domain(DomainError::field(
            "body",
            format!("没有名为“{key}”的机关或地区"),
            format!("body: no department or region “{key}”"),
        ))
    };
    let mut c = app.db.conn().await?;
    let regions = onewindow_storage::org::list_regions(c.h()).await?;
    let region_key = key.strip_prefix("region:");
    if region_key.is_none() {
        let departments = onewindow_storage::org::list_departments(c.h(), None).await?;
        if let Some(d) = departments.into_iter().find(|d| {
            d.id.to_string() == key
                || d.name == key
                || d.short_name == key
                || d.credit_code.as_deref() == Some(key)
        }) {
            return Ok(Body::Department(d));
        }
    }
    let rk = region_key.unwrap_or(key);
    regions
        .into_iter()
        .find(|r| r.code == rk || r.name == rk)
        .map(|r| Body::Region {
            code: r.code,
            name: r.name,
        })
        .ok_or_else(not_found)
}

/// The department that hosts the platform: records without a department belong to it.
async fn host_department(app: &App, h: H<'_>) -> AppResult<Option<i64>> {
    let departments = onewindow_storage::org::list_departments(h, None).await?;
    Ok(departments
        .iter()
        .find(|d| d.name.starts_with(&app.settings.center_name))
        .map(|d| d.id))
}

async fn body_filter(app: &App, mut h: H<'_>, body: &Body) -> AppResult<BodyFilter> {
    let host = host_department(app, h.re()).await?;
    match body {
        Body::Department(d) => Ok(BodyFilter {
            departments: vec![d.id],
            include_unassigned: host == Some(d.id),
            everything: false,
        }),
        Body::Region { code, .. } => {
            let regions = onewindow_storage::org::list_regions(h.re()).await?;
            let mut inside = vec![code.clone()];
            // Descendants through parent links (regions are few).
            loop {
                let before = inside.len();
                for r in &regions {
                    if let Some(p) = &r.parent_code
                        && inside.contains(p)
                        && !inside.contains(&r.code)
                    {
                        inside.push(r.code.clone());
                    }
                }
                if inside.len() == before {
                    break;
                }
            }
            let departments: Vec<DepartmentRow> =
                onewindow_storage::org::list_departments(h.re(), None)
                    .await?
                    .into_iter()
                    .filter(|d| inside.contains(&d.region_code))
                    .collect();
            let include_unassigned = host.is_some_and(|h| departments.iter().any(|d| d.id == h));
            let all = onewindow_storage::org::list_departments(h.re(), None)
                .await?
                .len();
            Ok(BodyFilter {
                everything: include_unassigned && departments.len() == all,
                departments: departments.iter().map(|d| d.id).collect(),
                include_unassigned,
            })
        }
    }
}

/// A figure entered by hand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManualFigure {
    /// The value as entered (a whole number; fees in yuan).
    pub value: i64,
    /// Where it comes from (e.g. `行政执法平台 2025年度统计`).
    pub source: String,
    /// Who entered it.
    pub by: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// The figures that may be entered by hand, with their labels.
pub fn manual_keys(format: Format) -> Vec<(&'static str, &'static str)> {
    match format {
        Format::Y2021 => vec![
            ("table2.rules.0", "规章 本年制发件数"),
            ("table2.rules.1", "规章 本年废止件数"),
            ("table2.rules.2", "规章 现行有效件数"),
            ("table2.normative.0", "行政规范性文件 本年制发件数"),
            ("table2.normative.1", "行政规范性文件 本年废止件数"),
            ("table2.normative.2", "行政规范性文件 现行有效件数"),
            ("table2.licensing", "行政许可 本年处理决定数量"),
            ("table2.penalty", "行政处罚 本年处理决定数量"),
            ("table2.coercion", "行政强制 本年处理决定数量"),
            ("table2.fees", "行政事业性收费 本年收费金额（元）"),
        ],
        Format::Y2019 => vec![
            ("table2t.rules.0", "规章 本年新制作数量"),
            ("table2t.rules.1", "规章 本年新公开数量"),
            ("table2t.rules.2", "规章 对外公开总数量"),
            ("table2t.normative.0", "规范性文件 本年新制作数量"),
            ("table2t.normative.1", "规范性文件 本年新公开数量"),
            ("table2t.normative.2", "规范性文件 对外公开总数量"),
            ("table2t.licensing.0", "行政许可 上一年项目数量"),
            ("table2t.licensing.1", "行政许可 本年增/减"),
            ("table2t.licensing.2", "行政许可 处理决定数量"),
            (
                "table2t.other_services.0",
                "其他对外管理服务事项 上一年项目数量",
            ),
            ("table2t.other_services.1", "其他对外管理服务事项 本年增/减"),
            (
                "table2t.other_services.2",
                "其他对外管理服务事项 处理决定数量",
            ),
            ("table2t.penalty.0", "行政处罚 上一年项目数量"),
            ("table2t.penalty.1", "行政处罚 本年增/减"),
            ("table2t.penalty.2", "行政处罚 处理决定数量"),
            ("table2t.coercion.0", "行政强制 上一年项目数量"),
            ("table2t.coercion.1", "行政强制 本年增/减"),
            ("table2t.coercion.2", "行政强制 处理决定数量"),
            ("table2t.fees.0", "行政事业性收费 上一年项目数量"),
            ("table2t.fees.1", "行政事业性收费 本年增/减"),
            ("table2t.procurement.0", "政府集中采购 采购项目数量"),
            ("table2t.procurement.1", "政府集中采购 采购总金额（元）"),
        ],
        Format::Legacy => vec![],
    }
}

/// A report as computed now.
#[derive(Debug, Clone, Serialize)]
pub struct AnnualReport {
    /// The body.
    pub body: Body,
    /// The year.
    pub year: i32,
    /// All figures (hand-entered ones applied).
    pub figures: Figures,
    /// The texts (drafted where the officer has not written them).
    pub narrative: Narrative,
    /// Hand-entered figures.
    pub manual: BTreeMap<String, ManualFigure>,
    /// Consistency findings.
    pub findings: Vec<Finding>,
    /// Items first published in the year.
    pub items_published: u64,
    /// The disclosure item it was handed in as.
    pub item_id: Option<i64>,
    /// Version of the stored report (0 when nothing is stored yet).
    pub version: i64,
    /// Whether the legacy rows were entered by hand (else derived from the data).
    pub legacy_entered: bool,
}

impl AnnualReport {
    /// Whether a hard finding blocks publication.
    pub fn blocked(&self) -> bool {
        self.findings.iter().any(|f| f.hard)
    }
}

fn require_view(ctx: &Ctx) -> AppResult<()> {
    for p in [
        Permission::DraftDisclosure,
        Permission::ReviewDisclosure,
        Permission::HandleDisclosureRequests,
        Permission::ViewAnalytics,
    ] {
        if ctx.require_any(p).is_ok() {
            return Ok(());
        }
    }
    ctx.require_any(Permission::DraftDisclosure)
}

fn year_bounds(year: i32) -> AppResult<(NaiveDate, NaiveDate, DateTime<Utc>, DateTime<Utc>)> {
    let bad = || {
        AppError::Domain(DomainError::field(
            "year",
            "年份应在2000至2100之间",
            "year: between 2000 and 2100",
        ))
    };
    if !(2000..=2100).contains(&year) {
        return Err(bad());
    }
    let first = NaiveDate::from_ymd_opt(year, 1, 1).ok_or_else(bad)?;
    let last = NaiveDate::from_ymd_opt(year, 12, 31).ok_or_else(bad)?;
    // Year boundaries in China Standard Time.
    let from = first.and_hms_opt(0, 0, 0).ok_or_else(bad)?.and_utc() - Duration::hours(8);
    let to = from + Duration::days(if last.ordinal() == 366 { 366 } else { 365 });
    Ok((first, last, from, to))
}

/// Table 三 (2021 layout) from the grouped requests.
fn table3_of(groups: &[store::Table3Group]) -> AppResult<Vec<[u64; 7]>> {
    let mut t = vec![[0u64; 7]; 25];
    for g in groups {
        let kind = RequesterKind::parse(&g.requester_kind)
            .ok_or_else(|| unexpected(anyhow::anyhow!("bad kind {}", g.requester_kind)))?;
        let col = kind.report_column() - 1;
        let n = u64::try_from(g.n).unwrap_or(0);
        let mut add = |row: usize| {
            t[row - 1][col] += n;
            t[row - 1][6] += n;
        };
        add(if g.received == 1 { 1 } else { 2 });
        match g.outcome.as_deref() {
            Some(o) => {
                let outcome = ReplyOutcome::parse(o)
                    .ok_or_else(|| unexpected(anyhow::anyhow!("bad outcome {o}")))?;
                add(outcome.report_row());
                add(24);
            }
            None => add(25),
        }
    }
    Ok(t)
}

fn table4_of(groups: &[(String, String, i64)]) -> rules::Table4 {
    let mut t = [0u64; 15];
    for (kind, result, n) in groups {
        let block = match AppealKind::parse(kind) {
            Some(AppealKind::Reconsideration) => 0,
            Some(AppealKind::DirectSuit) => 1,
            Some(AppealKind::SuitAfterReconsideration) => 2,
            None => continue,
        };
        let col = match AppealResult::parse(result) {
            Some(AppealResult::Upheld) => 0,
            Some(AppealResult::Corrected) => 1,
            Some(AppealResult::Other) => 2,
            Some(AppealResult::Pending) | None => 3,
        };
        let n = u64::try_from(*n).unwrap_or(0);
        t[block * 5 + col] += n;
        t[block * 5 + 4] += n;
    }
    t
}

/// Per-genre counts of items: made (first published) in the year, repealed in the year, in
/// force at the end of the year, plus the number of items first published in the year and all
/// items public by the end of the year.
struct ItemCounts {
    made: HashMap<String, u64>,
    repealed: HashMap<String, u64>,
    in_force: HashMap<String, u64>,
    published_in_year: u64,
    public_by_end: u64,
}

fn item_counts(
    lines: &[store::ItemVersionLine],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> ItemCounts {
    let mut c = ItemCounts {
        made: HashMap::new(),
        repealed: HashMap::new(),
        in_force: HashMap::new(),
        published_in_year: 0,
        public_by_end: 0,
    };
    let mut i = 0;
    while i < lines.len() {
        let item = lines[i].item_id;
        let mut j = i;
        while j < lines.len() && lines[j].item_id == item {
            j += 1;
        }
        let versions = &lines[i..j];
        i = j;
        let first = &versions[0];
        let in_year = |t: DateTime<Utc>| t >= from && t < to;
        if in_year(first.published_at) {
            *c.made.entry(first.genre.clone()).or_default() += 1;
            c.published_in_year += 1;
        }
        if let Some(rep) = versions
            .iter()
            .find(|v| v.validity == Validity::Repealed.as_str())
            && in_year(rep.published_at)
        {
            *c.repealed.entry(rep.genre.clone()).or_default() += 1;
        }
        if let Some(last) = versions.iter().rev().find(|v| v.published_at < to) {
            let withdrawn = last.withdrawn_at.is_some_and(|w| w < to);
            if !withdrawn {
                c.public_by_end += 1;
                if last.validity == Validity::Valid.as_str() {
                    *c.in_force.entry(last.genre.clone()).or_default() += 1;
                }
            }
        }
    }
    c
}

fn get(m: &HashMap<String, u64>, g: Genre) -> u64 {
    m.get(g.as_str()).copied().unwrap_or(0)
}

fn stored_narrative(row: Option<&ReportRow>) -> Narrative {
    row.and_then(|r| serde_json::from_str(&r.narrative).ok())
        .unwrap_or_default()
}

fn stored_manual(row: Option<&ReportRow>) -> BTreeMap<String, ManualFigure> {
    row.and_then(|r| serde_json::from_str(&r.manual).ok())
        .unwrap_or_default()
}

fn apply_manual(f: &mut Figures, manual: &BTreeMap<String, ManualFigure>) {
    let u = |v: i64| u64::try_from(v).unwrap_or(0);
    for (k, m) in manual {
        let v = m.value;
        let parts: Vec<&str> = k.split('.').collect();
        let idx = parts
            .get(2)
            .and_then(|s| s.parse::<usize>().ok())
            .unwrap_or(0);
        match (parts.first().copied(), parts.get(1).copied()) {
            (Some("table2"), Some("rules")) if idx < 3 => f.table2.rules[idx] = u(v),
            (Some("table2"), Some("normative")) if idx < 3 => f.table2.normative[idx] = u(v),
            (Some("table2"), Some("licensing")) => f.table2.licensing = u(v),
            (Some("table2"), Some("penalty")) => f.table2.penalty = u(v),
            (Some("table2"), Some("coercion")) => f.table2.coercion = u(v),
            (Some("table2"), Some("fees")) => f.table2.fees_yuan = u(v),
            (Some("table2t"), Some("rules")) if idx < 3 => f.table2_trial.rules[idx] = u(v),
            (Some("table2t"), Some("normative")) if idx < 3 => f.table2_trial.normative[idx] = u(v),
            (Some("table2t"), Some("licensing")) if idx < 3 => f.table2_trial.licensing[idx] = v,
            (Some("table2t"), Some("other_services")) if idx < 3 => {
                f.table2_trial.other_services[idx] = v
            }
            (Some("table2t"), Some("penalty")) if idx < 3 => f.table2_trial.penalty[idx] = v,
            (Some("table2t"), Some("coercion")) if idx < 3 => f.table2_trial.coercion[idx] = v,
            (Some("table2t"), Some("fees")) if idx < 2 => f.table2_trial.fees[idx] = v,
            (Some("table2t"), Some("procurement")) if idx < 2 => {
                f.table2_trial.procurement[idx] = u(v)
            }
            _ => {}
        }
    }
}

/// Compute the report of `body` for `year`.
pub async fn build(app: &App, ctx: &Ctx, body: &Body, year: i32) -> AppResult<AnnualReport> {
    require_view(ctx)?;
    let (first, last, from, to) = year_bounds(year)?;
    let format = Format::for_year(year);
    let mut c = app.db.conn().await?;
    let filter = body_filter(app, c.h(), body).await?;
    let (scope, key) = body.scope();
    let row = store::get(c.h(), scope, &key, year).await?;
    let groups =
        store::table3_groups(c.h(), first, last, &filter, format == Format::Legacy).await?;
    let appeals = store::appeal_groups(c.h(), first, last, &filter).await?;
    let fees = store::fees_paid(c.h(), first, last, &filter).await?;
    let lines = store::item_versions(c.h(), &filter).await?;
    let licensing = store::licensing_decisions(c.h(), from, to, &filter).await?;
    let counts = item_counts(&lines, from, to);

    let mut f = Figures::empty(format);
    f.table3 = table3_of(&groups)?;
    f.table4 = table4_of(&appeals);
    f.fees_collected_yuan = u64::try_from(fees).unwrap_or(0);
    let licensing = u64::try_from(licensing).unwrap_or(0);
    f.table2.rules = [
        get(&counts.made, Genre::Rule),
        get(&counts.repealed, Genre::Rule),
        get(&counts.in_force, Genre::Rule),
    ];
    f.table2.normative = [
        get(&counts.made, Genre::Normative),
        get(&counts.repealed, Genre::Normative),
        get(&counts.in_force, Genre::Normative),
    ];
    f.table2.licensing = licensing;
    // 2019 trial: 新制作 / 新公开 / 对外公开总数.
    f.table2_trial.rules = [
        get(&counts.made, Genre::Rule),
        get(&counts.made, Genre::Rule),
        get(&counts.in_force, Genre::Rule),
    ];
    f.table2_trial.normative = [
        get(&counts.made, Genre::Normative),
        get(&counts.made, Genre::Normative),
        get(&counts.in_force, Genre::Normative),
    ];
    f.table2_trial.licensing[2] = i64::try_from(licensing).unwrap_or(i64::MAX);
    let manual = stored_manual(row.as_ref());
    apply_manual(&mut f, &manual);

    let mut legacy_entered = false;
    if format == Format::Legacy {
        match row.as_ref().and_then(|r| r.legacy.as_deref()) {
            Some(text) => {
                f.legacy = serde_json::from_str(text).map_err(unexpected)?;
                legacy_entered = true;
            }
            None => {
                // Derived: this year's figures and all years up to its end.
                let (all_groups, all_items) = {
                    let origin = NaiveDate::from_ymd_opt(1990, 1, 1).unwrap_or(first);
                    let g = store::table3_groups(c.h(), origin, last, &filter, true).await?;
                    let from0 = origin
                        .and_hms_opt(0, 0, 0)
                        .map(|d| d.and_utc())
                        .unwrap_or(from);
                    (g, item_counts(&lines, from0, to))
                };
                f.legacy = legacy_rows(&groups, &all_groups, &counts, &all_items, &f.table4);
            }
        }
    }

    let mut narrative = stored_narrative(row.as_ref());
    if narrative.overview.trim().is_empty() {
        narrative.overview = rules::draft_overview(body.name(), year, &f, counts.published_in_year);
    }
    if narrative.other.trim().is_empty() && format != Format::Legacy {
        narrative.other = rules::draft_other(&f);
    }
    // Last year's published carry-over (soft check).
    let prev = store::get(c.h(), scope, &key, year - 1)
        .await?
        .and_then(|r| r.snapshot)
        .and_then(|s| serde_json::from_str::<Figures>(&s).ok())
        .and_then(|p| p.table3.get(24).copied());
    let text = format!(
        "{}\n{}\n{}",
        narrative.overview, narrative.problems, narrative.other
    );
    let findings = rules::check(&f, prev, &text);
    Ok(AnnualReport {
        body: body.clone(),
        year,
        figures: f,
        narrative,
        manual,
        findings,
        items_published: counts.published_in_year,
        item_id: row.as_ref().and_then(|r| r.item_id),
        version: row.as_ref().map(|r| r.version).unwrap_or(0),
        legacy_entered,
    })
}

/// The pre-2019 附表 derived from the data.
fn legacy_rows(
    year: &[store::Table3Group],
    all: &[store::Table3Group],
    items: &ItemCounts,
    all_items: &ItemCounts,
    t4: &rules::Table4,
) -> Vec<LegacyRow> {
    let count = |gs: &[store::Table3Group], pred: &dyn Fn(&store::Table3Group) -> bool| -> i64 {
        gs.iter().filter(|g| pred(g)).map(|g| g.n).sum()
    };
    let received = |g: &store::Table3Group| g.received == 1;
    let by_channel = |chs: &'static [Channel]| {
        move |g: &store::Table3Group| g.received == 1 && chs.iter().any(|c| c.as_str() == g.channel)
    };
    let answered = |pred: fn(ReplyOutcome) -> bool| {
        move |g: &store::Table3Group| {
            g.outcome
                .as_deref()
                .and_then(ReplyOutcome::parse)
                .is_some_and(pred)
        }
    };
    let withheld = |o: ReplyOutcome| (5..=12).contains(&o.report_row());
    let other = |o: ReplyOutcome| o.report_row() > 12;
    let row = |label: &str, unit: &str, y: i64, c: i64| LegacyRow {
        label: label.into(),
        unit: unit.into(),
        year_value: y,
        cumulative: c,
    };
    let both = |p: &dyn Fn(&store::Table3Group) -> bool| (count(year, p), count(all, p));
    let (r, ra) = both(&received);
    let in_person = by_channel(&[Channel::InPerson]);
    let online = by_channel(&[Channel::Online, Channel::Email]);
    let letters = by_channel(&[Channel::RegisteredMail, Channel::OrdinaryMail, Channel::Fax]);
    let any = |g: &store::Table3Group| g.outcome.is_some();
    let disclosed = answered(|o| o == ReplyOutcome::Disclosed);
    let partial = answered(|o| o == ReplyOutcome::Partial);
    let refused = answered(withheld);
    let others = answered(other);
    let i = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    let appeals = i64::try_from(t4[4]).unwrap_or(0);
    let suits = i64::try_from(t4[9] + t4[14]).unwrap_or(0);
    let (a1, a2) = both(&in_person);
    let (b1, b2) = both(&online);
    let (c1, c2) = both(&letters);
    let (d1, d2) = both(&any);
    let (e1, e2) = both(&disclosed);
    let (f1, f2) = both(&partial);
    let (g1, g2) = both(&refused);
    let (h1, h2) = both(&others);
    vec![
        row(
            "主动公开文件数",
            "条",
            i(items.published_in_year),
            i(all_items.public_by_end),
        ),
        row(
            "其中:1.政府网站公开数",
            "条",
            i(items.published_in_year),
            i(all_items.public_by_end),
        ),
        row("2.政府公报公开数", "条", 0, 0),
        row("受理政府信息公开申请总数", "条", r, ra),
        row("其中:1.当面申请数", "条", a1, a2),
        row("2.网络申请数", "条", b1, b2),
        row("3.信函、传真申请数", "条", c1, c2),
        row("对申请的答复总数", "条", d1, d2),
        row("其中:1.同意公开答复数", "条", e1, e2),
        row("2.同意部分公开答复数", "条", f1, f2),
        row("3.不予公开答复数", "条", g1, g2),
        row("4.其他类型答复数", "条", h1, h2),
        row("接受行政申诉、举报数", "件", 0, 0),
        row("行政复议数", "件", appeals, appeals),
        row("行政诉讼数", "件", suits, suits),
    ]
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Where each figure comes from: a drill-down link, or the hand entry's source.
pub fn figure_links(r: &AnnualReport) -> impl Fn(&str) -> Option<String> + '_ {
    move |key: &str| {
        if let Some(m) = r.manual.get(key) {
            return Some(format!("手工填报：{}（{}）", m.source, m.by));
        }
        // Only figures computed from records have records behind them.
        let computed = key.starts_with("table3.")
            || key.starts_with("table4.")
            || key == "table2.licensing"
            || key.starts_with("table2.rules.")
            || key.starts_with("table2.normative.");
        if !computed {
            return None;
        }
        let body = r.body.key();
        Some(format!(
            "/reports/annual/records?body={}&year={}&cell={key}",
            urlencode(&body),
            r.year
        ))
    }
}

/// The report as a document (title, sections, tables) for the writers.
pub fn document(app: &App, r: &AnnualReport) -> ReportDoc {
    let links = figure_links(r);
    let date = app.today();
    rules::document(
        r.body.name(),
        r.year,
        &r.figures,
        &r.narrative,
        r.body.name(),
        &format!("{}年{}月{}日", date.year(), date.month(), date.day()),
        &links,
    )
}

async fn stored_row(app: &App, h: H<'_>, body: &Body, year: i32) -> AppResult<ReportRow> {
    let _ = app;
    let (scope, key) = body.scope();
    let mut h = h;
    match store::get(h.re(), scope, &key, year).await? {
        Some(r) => Ok(r),
        None => Ok(store::create(h, scope, &key, year, "{}").await?),
    }
}

fn require_edit(ctx: &Ctx) -> AppResult<()> {
    ctx.require_any(Permission::DraftDisclosure)
}

fn by_name(ctx: &Ctx) -> String {
    ctx.actor().label
}

/// Enter (or, with `None`, clear) a figure by hand, with its source.
pub async fn set_figure(
    app: &App,
    ctx: &Ctx,
    body: &Body,
    year: i32,
    key: &str,
    value: Option<i64>,
    source: &str,
) -> AppResult<()> {
    require_edit(ctx)?;
    year_bounds(year)?;
    let format = Format::for_year(year);
    if !manual_keys(format).iter().any(|(k, _)| *k == key) {
        return Err(DomainError::field(
            "key",
            format!("“{key}”不是{}中可手工填报的数据项", format.zh()),
            format!("key: “{key}” cannot be entered by hand in this format"),
        )
        .into());
    }
    let source = source.trim();
    if value.is_some() && (source.chars().count() < 2 || source.chars().count() > 200) {
        return Err(DomainError::field(
            "source",
            "手工填报的数据须注明来源（2至200字）",
            "source: say where the figure comes from (2 to 200 characters)",
        )
        .into());
    }
    if value.is_some_and(|v| v < 0 && !key.ends_with(".1")) {
        return Err(
            DomainError::field("value", "数值不能为负数", "value: must not be negative").into(),
        );
    }
    let mut tx = app.db.begin().await?;
    let mut row = stored_row(app, tx.h(), body, year).await?;
    let mut manual = stored_manual(Some(&row));
    let before = manual.get(key).map(|m| m.value);
    match value {
        Some(v) => {
            manual.insert(
                key.to_owned(),
                ManualFigure {
                    value: v,
                    source: source.to_owned(),
                    by: by_name(ctx),
                    at: Utc::now(),
                },
            );
        }
        None => {
            manual.remove(key);
        }
    }
    row.manual = serde_json::to_string(&manual).map_err(unexpected)?;
    if store::save(tx.h(), &row).await?.is_none() {
        return Err(AppError::stale());
    }
    audit::append(
        tx.h(),
        &ctx.event(
            AuditAction::ReportFigureEntered,
            "annual_report",
            format!("{}:{}", body.key(), year),
            match body {
                Body::Department(d) => Some(d.id),
                Body::Region { .. } => None,
            },
            json!({"key": key, "before": before, "value": value, "source": source}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Save the narrative (一, 五, 六). `expected` is the version the officer edited.
pub async fn set_narrative(
    app: &App,
    ctx: &Ctx,
    body: &Body,
    year: i32,
    expected: i64,
    n: Narrative,
) -> AppResult<()> {
    require_edit(ctx)?;
    year_bounds(year)?;
    for (field, text) in [
        ("overview", &n.overview),
        ("problems", &n.problems),
        ("other", &n.other),
    ] {
        if text.chars().count() > 20_000 {
            return Err(DomainError::field(field, "正文过长（最多2万字）", "text too long").into());
        }
    }
    let mut tx = app.db.begin().await?;
    let mut row = stored_row(app, tx.h(), body, year).await?;
    if expected != 0 && expected != row.version {
        return Err(AppError::stale());
    }
    row.narrative = serde_json::to_string(&n).map_err(unexpected)?;
    if store::save(tx.h(), &row).await?.is_none() {
        return Err(AppError::stale());
    }
    audit::append(
        tx.h(),
        &ctx.event(
            AuditAction::ReportNarrativeSaved,
            "annual_report",
            format!("{}:{}", body.key(), year),
            None,
            json!({"chars": n.overview.chars().count() + n.problems.chars().count() + n.other.chars().count()}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Enter the rows of a pre-2019 统计附表 (replacing any derived from the data).
pub async fn set_legacy_rows(
    app: &App,
    ctx: &Ctx,
    body: &Body,
    year: i32,
    rows: Vec<LegacyRow>,
    source: &str,
) -> AppResult<()> {
    require_edit(ctx)?;
    if Format::for_year(year) != Format::Legacy {
        return Err(DomainError::field(
            "year",
            "2019年及以后的年报使用国家统一格式，不使用自由附表",
            "year: reports from 2019 use the national format",
        )
        .into());
    }
    if rows.is_empty() || rows.len() > 100 || rows.iter().any(|r| r.label.trim().is_empty()) {
        return Err(
            DomainError::field("rows", "附表行不能为空", "rows: at least one named row").into(),
        );
    }
    let mut tx = app.db.begin().await?;
    let mut row = stored_row(app, tx.h(), body, year).await?;
    row.legacy = Some(serde_json::to_string(&rows).map_err(unexpected)?);
    if store::save(tx.h(), &row).await?.is_none() {
        return Err(AppError::stale());
    }
    audit::append(
        tx.h(),
        &ctx.event(
            AuditAction::ReportFigureEntered,
            "annual_report",
            format!("{}:{}", body.key(), year),
            None,
            json!({"legacy_rows": rows.len(), "source": source}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The report as Markdown for the body of its disclosure item (tables flattened).
fn markdown(doc: &ReportDoc) -> String {
    let esc = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    let mut out = String::new();
    out.push_str(&doc.preface);
    out.push_str("\n\n");
    for s in &doc.sections {
        out.push_str(&format!("# {}\n\n", s.heading));
        for p in &s.paragraphs {
            out.push_str(&esc(p));
            out.push_str("\n\n");
        }
        if let Some(g) = &s.grid {
            for r in 0..g.rows {
                let cells: Vec<String> = (0..g.cols)
                    .map(|c| match g.at(r, c) {
                        Some(cell) if cell.row == r && cell.col == c => esc(&cell.text),
                        _ => String::new(),
                    })
                    .collect();
                out.push_str(&format!("| {} |\n", cells.join(" | ")));
                if r == 0 {
                    out.push_str(&format!("|{}\n", "---|".repeat(g.cols)));
                }
            }
            out.push('\n');
        }
    }
    out.push_str(&format!("{}\n\n{}\n", doc.issuer, doc.date));
    out
}

/// Hand the report in for publication: refused while a hard finding stands; otherwise it
/// becomes a disclosure item in the 年报 column (body, DOCX attached) submitted to 保密审查 —
/// the same review workflow as any other item. Returns the item.
pub async fn publish(app: &App, ctx: &Ctx, body: &Body, year: i32) -> AppResult<i64> {
    require_edit(ctx)?;
    let r = build(app, ctx, body, year).await?;
    if let Some(f) = r.findings.iter().find(|f| f.hard) {
        return Err(AppError::conflict(
            format!("年报存在必须更正的问题，不能发布：{}", f.zh),
            format!(
                "the report has a problem that must be fixed first: {}",
                f.en
            ),
        ));
    }
    if r.item_id.is_some() {
        return Err(AppError::conflict(
            "该年报已提交发布，请在主动公开工作台跟进审核",
            "this report was already handed in for publication",
        ));
    }
    let doc = document(app, &r);
    let docx = onewindow_documents::report_docx(&doc)
        .map_err(|e| unexpected(anyhow::anyhow!("report DOCX: {e}")))?;
    let today = app.today();
    let content = ItemContent {
        title: doc.title.clone(),
        doc_number: String::new(),
        issuing_body: r.body.name().to_owned(),
        written_on: Some(today),
        formed_on: today,
        column: Column::AnnualReport,
        topic: "政府信息公开年报".into(),
        genre: Genre::Report,
        keywords: vec!["年报".into(), format!("{year}年")],
        validity: Validity::Valid,
        attribute: Attribute::Proactive,
        attribute_reason: String::new(),
        summary: format!("{}{}年政府信息公开工作年度报告", r.body.name(), year),
        body: markdown(&doc),
    };
    let department = match &r.body {
        Body::Department(d) => Some(d.id),
        Body::Region { .. } => None,
    };
    let id = crate::items::create(app, ctx, department, content).await?;
    crate::items::add_attachment(app, ctx, id, &format!("{}.docx", doc.title), &docx).await?;
    crate::items::submit(app, ctx, id).await?;
    let mut tx = app.db.begin().await?;
    let mut row = stored_row(app, tx.h(), body, year).await?;
    row.item_id = Some(id);
    row.snapshot = Some(serde_json::to_string(&r.figures).map_err(unexpected)?);
    if store::save(tx.h(), &row).await?.is_none() {
        return Err(AppError::stale());
    }
    audit::append(
        tx.h(),
        &ctx.event(
            AuditAction::ReportPublished,
            "annual_report",
            format!("{}:{}", body.key(), year),
            department,
            json!({"item": id, "format": r.figures.format}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// One record behind a figure.
#[derive(Debug, Clone, Serialize)]
pub struct RecordLine {
    /// What it is (申请 / 信息 / 办件).
    pub kind: &'static str,
    /// Its number or title.
    pub label: String,
    /// Detail (dates, outcome).
    pub detail: String,
    /// Staff link.
    pub url: String,
}

/// The records behind one figure (drill-down), at most 500.
pub async fn records(
    app: &App,
    ctx: &Ctx,
    body: &Body,
    year: i32,
    cell: &str,
) -> AppResult<Vec<RecordLine>> {
    require_view(ctx)?;
    let (first, last, from, to) = year_bounds(year)?;
    let mut c = app.db.conn().await?;
    let filter = body_filter(app, c.h(), body).await?;
    let parts: Vec<&str> = cell.split('.').collect();
    let bad = || {
        AppError::Domain(DomainError::field(
            "cell",
            format!("数据项“{cell}”不存在"),
            format!("cell: no figure “{cell}”"),
        ))
    };
    match parts.as_slice() {
        ["table3", row, col] => {
            let col: usize = col.parse().map_err(|_| bad())?;
            let rows: Vec<usize> = if let Some(range) = row.strip_prefix('r') {
                match range.split_once('-') {
                    Some((a, b)) => {
                        let (a, b): (usize, usize) =
                            (a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?);
                        (a..=b).collect()
                    }
                    None => vec![range.parse().map_err(|_| bad())?],
                }
            } else {
                return Err(bad());
            };
            let lines = store::table3_requests(c.h(), first, last, &filter, 100_000).await?;
            let mut out = Vec::new();
            for (id, no, kind, received, replied, outcome) in lines {
                let k = RequesterKind::parse(&kind)
                    .map(|k| k.report_column())
                    .unwrap_or(0);
                if col < 6 && k != col + 1 {
                    continue;
                }
                let answered = replied.is_some_and(|d| d <= last);
                let out_row = outcome
                    .as_deref()
                    .and_then(ReplyOutcome::parse)
                    .filter(|_| answered)
                    .map(|o| o.report_row());
                let hit = rows.iter().any(|r| match r {
                    1 => received >= first,
                    2 => received < first,
                    24 => out_row.is_some(),
                    25 => out_row.is_none(),
                    n => out_row == Some(*n),
                });
                if hit {
                    out.push(RecordLine {
                        kind: "申请",
                        label: no,
                        detail: format!(
                            "收到 {received}{}",
                            replied
                                .map(|d| format!(
                                    "，答复 {d}（{}）",
                                    outcome
                                        .as_deref()
                                        .and_then(ReplyOutcome::parse)
                                        .map(|o| o.zh())
                                        .unwrap_or("")
                                ))
                                .unwrap_or_default()
                        ),
                        url: format!("/ysqgk/requests/{id}"),
                    });
                    if out.len() >= 500 {
                        break;
                    }
                }
            }
            Ok(out)
        }
        ["table4", col] => {
            let col: usize = col.parse().map_err(|_| bad())?;
            if col >= 15 {
                return Err(bad());
            }
            let (block, result) = (col / 5, col % 5);
            Ok(store::appeals(c.h(), first, last, &filter)
                .await?
                .into_iter()
                .filter(|(_, _, kind, res, _)| {
                    let b = match AppealKind::parse(kind) {
                        Some(AppealKind::Reconsideration) => 0,
                        Some(AppealKind::DirectSuit) => 1,
                        Some(AppealKind::SuitAfterReconsideration) => 2,
                        None => 9,
                    };
                    let r = match AppealResult::parse(res) {
                        Some(AppealResult::Upheld) => 0,
                        Some(AppealResult::Corrected) => 1,
                        Some(AppealResult::Other) => 2,
                        _ => 3,
                    };
                    b == block && (result == 4 || r == result)
                })
                .map(|(id, no, kind, res, filed)| RecordLine {
                    kind: "复议诉讼",
                    label: no,
                    detail: format!(
                        "{} · {} · 提起 {filed}",
                        AppealKind::parse(&kind).map(|k| k.zh()).unwrap_or(""),
                        AppealResult::parse(&res).map(|k| k.zh()).unwrap_or("")
                    ),
                    url: format!("/ysqgk/requests/{id}"),
                })
                .collect())
        }
        ["table2", "licensing"] => Ok(store::licensing_cases(c.h(), from, to, &filter, 500)
            .await?
            .into_iter()
            .map(|(id, no, at)| RecordLine {
                kind: "办件",
                label: no,
                detail: at
                    .map(|t| format!("办结 {}", crate::auth::cst_date(t)))
                    .unwrap_or_default(),
                url: format!("/cases/{id}"),
            })
            .collect()),
        ["table2", genre @ ("rules" | "normative"), col] => {
            let genre = if *genre == "rules" {
                Genre::Rule
            } else {
                Genre::Normative
            };
            let col: usize = col.parse().map_err(|_| bad())?;
            let lines = store::item_versions(c.h(), &filter).await?;
            let mut out = Vec::new();
            let mut i = 0;
            while i < lines.len() {
                let item = lines[i].item_id;
                let mut j = i;
                while j < lines.len() && lines[j].item_id == item {
                    j += 1;
                }
                let vs = &lines[i..j];
                i = j;
                let in_year = |t: DateTime<Utc>| t >= from && t < to;
                let hit = match col {
                    0 => vs[0].genre == genre.as_str() && in_year(vs[0].published_at),
                    1 => vs
                        .iter()
                        .find(|v| v.validity == Validity::Repealed.as_str())
                        .is_some_and(|v| v.genre == genre.as_str() && in_year(v.published_at)),
                    _ => vs
                        .iter()
                        .rev()
                        .find(|v| v.published_at < to)
                        .is_some_and(|v| {
                            v.genre == genre.as_str()
                                && v.validity == Validity::Valid.as_str()
                                && v.withdrawn_at.is_none_or(|w| w >= to)
                        }),
                };
                if hit {
                    out.push(RecordLine {
                        kind: "信息",
                        label: vs[vs.len() - 1].title.clone(),
                        detail: format!("首次发布 {}", crate::auth::cst_date(vs[0].published_at)),
                        url: format!("/xxgk/admin/{item}"),
                    });
                }
            }
            Ok(out)
        }
        _ => Err(bad()),
    }
}

/// The Chinese font for PDF output: the first font file found in the usual places (Debian's
/// `fonts-noto-cjk`), read once per process. A clear error names the package when none is
/// installed.
pub fn load_fonts() -> AppResult<&'static [Vec<u8>]> {
    static FONTS: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    let fonts = FONTS.get_or_init(|| {
        onewindow_documents::find_cjk_fonts()
            .into_iter()
            .find_map(|p| std::fs::read(p).ok())
            .into_iter()
            .collect()
    });
    if fonts.is_empty() {
        return Err(AppError::Unavailable {
            zh: "PDF 暂不可用：服务器未安装中文字体（fonts-noto-cjk），请改为下载 DOCX 或联系管理员".into(),
            en: "PDF is not available: the server has no Chinese font (fonts-noto-cjk); download the DOCX instead or tell the administrator".into(),
        });
    }
    Ok(fonts)
}

/// The report as a standalone HTML page (the `html` output of the command line).
pub fn html(doc: &ReportDoc) -> String {
    let e = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let mut o = format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<title>{t}</title>\n<style>\
         body{{font-family:\"Noto Serif CJK SC\",\"SimSun\",serif;max-width:60rem;margin:2rem auto;line-height:1.8}}\
         h1{{text-align:center;font-size:1.5rem}}h2{{font-size:1.15rem}}p{{text-indent:2em}}\
         table{{border-collapse:collapse;width:100%;margin:1rem 0;font-size:.9rem}}\
         td,th{{border:1px solid #333;padding:3px 6px}}th{{background:#f2f2f2;font-weight:600}}\
         td.n{{text-align:center}}.sign{{text-align:right}}</style>\n</head>\n<body>\n<h1>{t}</h1>\n<p>{p}</p>\n",
        t = e(&doc.title),
        p = e(&doc.preface)
    );
    for s in &doc.sections {
        o.push_str(&format!("<h2>{}</h2>\n", e(&s.heading)));
        for p in &s.paragraphs {
            o.push_str(&format!("<p>{}</p>\n", e(p)));
        }
        if let Some(g) = &s.grid {
            o.push_str("<table>\n");
            for r in 0..g.rows {
                o.push_str("<tr>");
                for cell in g.cells.iter().filter(|c| c.row == r) {
                    let tag = if cell.header { "th" } else { "td" };
                    let mut attrs = String::new();
                    if cell.rowspan > 1 {
                        attrs.push_str(&format!(" rowspan=\"{}\"", cell.rowspan));
                    }
                    if cell.colspan > 1 {
                        attrs.push_str(&format!(" colspan=\"{}\"", cell.colspan));
                    }
                    if cell.number {
                        attrs.push_str(" class=\"n\"");
                    }
                    o.push_str(&format!("<{tag}{attrs}>{}</{tag}>", e(&cell.text)));
                }
                o.push_str("</tr>\n");
            }
            o.push_str("</table>\n");
        }
    }
    o.push_str(&format!(
        "<p class=\"sign\">{}</p>\n<p class=\"sign\">{}</p>\n</body>\n</html>\n",
        e(&doc.issuer),
        e(&doc.date)
    ));
    o
}
