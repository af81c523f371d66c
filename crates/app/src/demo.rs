//! Demo data: 泉州市 with its county-level divisions (GB/T 2260 codes), a few townships and
//! villages (illustrative statistical codes in the GB/T 10114 structure), the departments named
//! in the service center's 2018 report, windows in its five themed halls, and a staff account
//! for every role. Seeding is idempotent: what exists is left alone.

use onewindow_domain::case::plan::PlanDef;
use onewindow_domain::catalog::Authority;
use onewindow_domain::identity::CreditCode;
use onewindow_domain::org::Role;
use onewindow_storage::org as store_org;
use onewindow_storage::users as store_users;

use crate::org::{DepartmentInput, WindowInput};
use crate::users::{GrantInput, GrantScopeInput, NewUser};
use crate::{App, AppResult, Ctx, org, users};

/// Password of every demo account (printed at start-up; demo installations only).
pub const DEMO_PASSWORD: &str = "OneWindow-2026";

/// The city of the demo installation.
pub const CITY: &str = "350500";

/// Regions: code, name. Parents follow from the codes.
pub const REGIONS: &[(&str, &str)] = &[
    ("350500", "泉州市"),
    ("350502", "鲤城区"),
    ("350503", "丰泽区"),
    ("350504", "洛江区"),
    ("350505", "泉港区"),
    ("350521", "惠安县"),
    ("350524", "安溪县"),
    ("350525", "永春县"),
    ("350526", "德化县"),
    ("350527", "金门县"),
    ("350581", "石狮市"),
    ("350582", "晋江市"),
    ("350583", "南安市"),
    // Townships (9 digits) and villages/communities (12 digits): illustrative codes.
    ("350503001", "东海街道"),
    ("350503001001", "东海社区居民委员会"),
    ("350582100", "陈埭镇"),
    ("350582100201", "涵口村民委员会"),
    ("350524100", "凤城镇"),
    ("350524100001", "凤城社区居民委员会"),
];

/// Departments: full name, short name, region, organisation-code body (for a synthetic but
/// check-digit-valid 统一社会信用代码).
pub const DEPARTMENTS: &[(&str, &str, &str, &str)] = &[
    (
        "泉州市行政服务中心管委会",
        "行政服务中心",
        "350500",
        "00301001",
    ),
    ("泉州市发展和改革委员会", "发改", "350500", "00301002"),
    (
        "泉州市自然资源和规划局",
        "自然资源和规划",
        "350500",
        "00301003",
    ),
    ("泉州市住房和城乡建设局", "住建", "350500", "00301004"),
    ("泉州市市场监督管理局", "市场监管", "350500", "00301005"),
    ("泉州市公安局", "公安", "350500", "00301006"),
    ("国家税务总局泉州市税务局", "税务", "350500", "00301007"),
    ("中国人民银行泉州市分行", "人民银行", "350500", "00301008"),
    ("泉州市医疗保障局", "医保", "350500", "00301009"),
    ("泉州市人力资源和社会保障局", "人社", "350500", "00301010"),
    ("泉州市不动产登记中心", "不动产登记", "350500", "00301011"),
    ("泉州市公安局出入境管理支队", "出入境", "350500", "00301012"),
    ("泉州市生态环境局", "生态环境", "350500", "00301013"),
    ("泉州市消防救援支队", "消防", "350500", "00301014"),
    ("泉州市卫生健康委员会", "卫健", "350500", "00301015"),
    (
        "晋江市行政服务中心管委会",
        "晋江行政服务中心",
        "350582",
        "00302001",
    ),
    ("晋江市市场监督管理局", "晋江市场监管", "350582", "00302005"),
];

/// The five themed halls of the seed document.
pub const HALLS: [&str; 5] = ["市场准入", "投资建设", "社会民生", "便民服务", "中介服务"];

/// Windows: number, name, hall, department short name (None = comprehensive window).
pub const WINDOWS: &[(&str, &str, &str, Option<&str>)] = &[
    ("A01", "企业开办综合受理", "市场准入", None),
    ("A02", "市场准入综合受理", "市场准入", None),
    ("B01", "投资项目咨询", "投资建设", None),
    ("B02", "立项用地规划许可综合受理", "投资建设", None),
    ("B03", "工程建设许可综合受理", "投资建设", None),
    ("B04", "施工许可综合受理", "投资建设", None),
    ("B05", "竣工验收综合受理", "投资建设", None),
    ("B06", "工程项目发证", "投资建设", None),
    ("C01", "不动产登记综合受理", "社会民生", None),
    ("C02", "医保社保综合受理", "社会民生", None),
    ("C03", "出入境综合受理", "社会民生", Some("出入境")),
    ("D01", "咨询导办", "便民服务", None),
    ("D02", "智能+快递寄递", "便民服务", None),
    ("E01", "中介服务超市", "中介服务", None),
];

/// One demo account: username, display name, home department, grants.
pub type DemoUser = (
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static [(Role, Option<&'static str>)],
);

/// Demo accounts: username, display name, home department (short name), grants
/// (role, department short name or None for the city region / global).
pub const USERS: &[DemoUser] = &[
    (
        "admin",
        "系统管理员",
        Some("行政服务中心"),
        &[(Role::SystemAdmin, None)],
    ),
    (
        "catalog",
        "林事项",
        Some("行政服务中心"),
        &[(Role::CatalogManager, None)],
    ),
    (
        "clerk",
        "陈受理",
        Some("行政服务中心"),
        &[(Role::IntakeClerk, None)],
    ),
    (
        "reviewer.scjg",
        "王审查",
        Some("市场监管"),
        &[(Role::DeptReviewer, Some("市场监管"))],
    ),
    (
        "lead.scjg",
        "黄科长",
        Some("市场监管"),
        &[(Role::DeptLead, Some("市场监管"))],
    ),
    (
        "reviewer.ga",
        "张审查",
        Some("公安"),
        &[(Role::DeptReviewer, Some("公安"))],
    ),
    (
        "reviewer.sw",
        "李审查",
        Some("税务"),
        &[(Role::DeptReviewer, Some("税务"))],
    ),
    (
        "reviewer.rh",
        "吴审查",
        Some("人民银行"),
        &[(Role::DeptReviewer, Some("人民银行"))],
    ),
    (
        "lead.fg",
        "何主任",
        Some("发改"),
        &[(Role::DeptLead, Some("发改"))],
    ),
    (
        "lead.zrzy",
        "罗处长",
        Some("自然资源和规划"),
        &[(Role::DeptLead, Some("自然资源和规划"))],
    ),
    (
        "lead.zj",
        "梁处长",
        Some("住建"),
        &[(Role::DeptLead, Some("住建"))],
    ),
    (
        "lead.sthj",
        "宋处长",
        Some("生态环境"),
        &[(Role::DeptLead, Some("生态环境"))],
    ),
    (
        "lead.xf",
        "谢参谋",
        Some("消防"),
        &[(Role::DeptLead, Some("消防"))],
    ),
    (
        "lead.bdc",
        "唐主任",
        Some("不动产登记"),
        &[(Role::DeptLead, Some("不动产登记"))],
    ),
    (
        "lead.rs",
        "韩科长",
        Some("人社"),
        &[(Role::DeptLead, Some("人社"))],
    ),
    (
        "lead.yb",
        "冯科长",
        Some("医保"),
        &[(Role::DeptLead, Some("医保"))],
    ),
    (
        "lead.crj",
        "曹科长",
        Some("出入境"),
        &[(Role::DeptLead, Some("出入境"))],
    ),
    (
        "lead.ga",
        "邓科长",
        Some("公安"),
        &[(Role::DeptLead, Some("公安"))],
    ),
    (
        "lead.sw",
        "彭科长",
        Some("税务"),
        &[(Role::DeptLead, Some("税务"))],
    ),
    (
        "disclosure",
        "郑公开",
        Some("行政服务中心"),
        &[(Role::DisclosureOfficer, Some("行政服务中心"))],
    ),
    (
        "publisher",
        "蔡审核",
        Some("行政服务中心"),
        // City-wide: reviews every department's catalog items and disclosure items.
        &[(Role::PublishingReviewer, None)],
    ),
    (
        "analyst",
        "许分析",
        Some("行政服务中心"),
        &[(Role::Analyst, None)],
    ),
];

/// 领导授权 of the demo accounts that sign decisions. Reviewers are 窗口首席代表 (they sign
/// what the catalog lets a window officer sign); leads sign higher. `lead.scjg` is a 科长, so
/// items of 市场监管 that need a deputy director are beyond him — on purpose.
pub const SIGN_AUTHORITY: &[(&str, Authority)] = &[
    ("reviewer.scjg", Authority::WindowOfficer),
    ("reviewer.ga", Authority::WindowOfficer),
    ("reviewer.sw", Authority::WindowOfficer),
    ("reviewer.rh", Authority::WindowOfficer),
    ("lead.scjg", Authority::SectionChief),
    ("lead.fg", Authority::Director),
    ("lead.zrzy", Authority::Director),
    ("lead.zj", Authority::Director),
    ("lead.sthj", Authority::Director),
    ("lead.xf", Authority::Director),
    ("lead.bdc", Authority::Director),
    ("lead.rs", Authority::Director),
    ("lead.yb", Authority::Director),
    ("lead.crj", Authority::Director),
    ("lead.ga", Authority::Director),
    ("lead.sw", Authority::Director),
];

/// The demo "一件事" bundles (JSON list of plan definitions).
pub const DEMO_BUNDLES_JSON: &str = include_str!("../data/bundles_demo.json");

/// What seeding did.
#[derive(Debug, Clone, Default)]
pub struct DemoSummary {
    /// Records created this time (0 on a re-run).
    pub created: usize,
    /// Demo accounts: username, display name, role labels.
    pub accounts: Vec<(String, String, Vec<Role>)>,
}

/// Seed the demo data (idempotent).
pub async fn seed(app: &App) -> AppResult<DemoSummary> {
    let ctx = Ctx {
        request_id: Some("demo-seed".into()),
        ..Ctx::operator()
    };
    let mut sum = DemoSummary::default();

    let existing: Vec<String> = org::list_regions(app)
        .await?
        .into_iter()
        .map(|r| r.code)
        .collect();
    for (code, name) in REGIONS {
        if !existing.iter().any(|c| c == code) {
            org::create_region(app, &ctx, code, name).await?;
            sum.created += 1;
        }
    }

    let mut depts = org::list_departments(app, None).await?;
    for (name, short, region, body) in DEPARTMENTS {
        if depts.iter().any(|d| d.name == *name) {
            continue;
        }
        let prefix = format!("11{region}");
        let code = CreditCode::synthesize(&prefix, body)?;
        let row = org::create_department(
            app,
            &ctx,
            DepartmentInput {
                name: name.to_string(),
                short_name: short.to_string(),
                credit_code: Some(code.as_str().to_string()),
                region_code: region.to_string(),
                active: true,
            },
        )
        .await?;
        depts.push(row);
        sum.created += 1;
    }
    let dept_id =
        |short: &str| -> Option<i64> { depts.iter().find(|d| d.short_name == short).map(|d| d.id) };

    let windows = {
        let mut c = app.db.conn().await?;
        store_org::list_windows(c.h()).await?
    };
    for (number, name, hall, dept) in WINDOWS {
        if windows
            .iter()
            .any(|w| w.number == *number && w.region_code == CITY)
        {
            continue;
        }
        org::create_window(
            app,
            &ctx,
            WindowInput {
                number: number.to_string(),
                name: name.to_string(),
                hall: hall.to_string(),
                region_code: CITY.to_string(),
                department_id: dept.and_then(dept_id),
                active: true,
            },
        )
        .await?;
        sum.created += 1;
    }

    for (username, display, home, grants) in USERS {
        let roles: Vec<Role> = grants.iter().map(|(r, _)| *r).collect();
        sum.accounts
            .push((username.to_string(), display.to_string(), roles));
        let exists = {
            let mut c = app.db.conn().await?;
            store_users::find_user_by_username(c.h(), username)
                .await?
                .is_some()
        };
        if exists {
            continue;
        }
        let grants = grants
            .iter()
            .map(|(role, dept)| GrantInput {
                role: *role,
                scope: match (dept.and_then(dept_id), role) {
                    (Some(d), _) => GrantScopeInput::Department { department: d },
                    (None, Role::SystemAdmin | Role::CatalogManager) => GrantScopeInput::Global,
                    (None, _) => GrantScopeInput::Region {
                        region: CITY.to_string(),
                    },
                },
            })
            .collect();
        users::create_user(
            app,
            &ctx,
            NewUser {
                username: username.to_string(),
                display_name: display.to_string(),
                password: DEMO_PASSWORD.to_string(),
                department_id: home.and_then(dept_id),
                grants,
            },
        )
        .await?;
        sum.created += 1;
    }

    // The demo service catalog, published (the demo operator stands as its reviewer).
    let guides = crate::demo_catalog::demo_guides().map_err(|e| {
        crate::AppError::Unexpected(anyhow::anyhow!("demo catalog does not parse: {e}"))
    })?;
    let report = crate::catalog::import(app, &ctx, guides, true, |_| {}).await?;
    sum.created += report.created + report.updated;

    // Signing authorities (idempotent: set every time).
    for (username, level) in SIGN_AUTHORITY {
        let mut tx = app.db.begin().await?;
        if let Some(u) = store_users::find_user_by_username(tx.h(), username).await? {
            onewindow_storage::cases::set_sign_authority(tx.h(), u.id, Some(level.as_str()))
                .await?;
        }
        tx.commit().await?;
    }

    // The "一件事" bundles, stored when missing or changed.
    let defs: Vec<PlanDef> = serde_json::from_str(DEMO_BUNDLES_JSON).map_err(|e| {
        crate::AppError::Unexpected(anyhow::anyhow!("demo bundles do not parse: {e}"))
    })?;
    for def in defs {
        let current = {
            let mut c = app.db.conn().await?;
            onewindow_storage::cases::active_plan(c.h(), &def.code).await?
        };
        let text = serde_json::to_string(&def).map_err(crate::unexpected)?;
        if current.is_none_or(|r| r.def != text) {
            crate::cases::define_plan(app, &ctx, def).await?;
            sum.created += 1;
        }
    }
    // E-licences: a signing key, and the licence types the demo catalog's results produce.
    crate::licenses::ensure_signing_key(app).await?;
    sum.created += seed_license_types(app, &ctx).await?;
    sum.created += seed_cases(app).await?;
    sum.created += seed_requests(app).await?;
    sum.created += seed_items(app).await?;
    sum.created += seed_reports(app).await?;
    Ok(sum)
}

/// The centre's 2018 annual report as the seed document published it: the 附表 row for row and
/// the narrative, whose "1786条" contradicts the table's 1104 (the consistency check flags it).
async fn seed_reports(app: &App) -> AppResult<usize> {
    use crate::reports;
    use onewindow_domain::report::{Narrative, seed_2018_legacy_rows};
    let ctx = Ctx::operator();
    let Ok(body) = reports::resolve_body(app, DEPARTMENTS[0].0).await else {
        return Ok(0);
    };
    let existing = reports::build(app, &ctx, &body, 2018).await?;
    if existing.legacy_entered {
        return Ok(0);
    }
    reports::set_legacy_rows(
        app,
        &ctx,
        &body,
        2018,
        seed_2018_legacy_rows(),
        "泉州市行政服务中心2018年政府信息公开工作年度报告附表",
    )
    .await?;
    let narrative = Narrative {
        overview: "2018年，泉州市行政服务中心管委会认真贯彻落实《中华人民共和国政府信息公开条例》，规范信息采集、审核、发布、更新流程，未经审核的信息不得上网公布。\n\
                   按照《中华人民共和国政府信息公开条例》、《福建省政府信息公开办法》的要求，从2018年1月1日至12月31日，中心通过多种渠道共公开各类信息1786条，其中在信息公开平台主动公开信息23条，通过中心门户网站、网上办事大厅、官方微信等渠道公开各类业务办事指南2154条，业务审批处理信息51092条。\n\
                   2018年，中心管委会未收到企业群众要求公开本单位有关信息的申请，未发生有关政府信息公开事务的行政复议案、行政诉讼案和有关的申诉案。".into(),
        problems: "政府信息公开工作虽然取得了一定成绩，但与上级要求和群众期盼相比，还存在一些差距和不足。主要是信息公开宣传的氛围还不够浓厚，信息公开内容有些还不具体、重点不突出，信息公开的及时性还有待进一步提高。".into(),
        other: "需要说明的其他事项：无。".into(),
    };
    reports::set_narrative(app, &ctx, &body, 2018, 0, narrative).await?;
    Ok(1)
}

/// Demo disclosure items (主动公开), drafted by the disclosure officer and reviewed by the
/// publishing reviewer through the real workflow: the guide, a rules document, policy documents
/// on business licences and real-estate registration, statistics, a repealed notice, and one
/// draft waiting in the review queue. Only when no item exists yet.
async fn seed_items(app: &App) -> AppResult<usize> {
    use crate::items;
    use onewindow_domain::disclosure::item::{
        Attribute, Column, Genre, ItemContent, Validity, Verdict,
    };
    let any = {
        let mut c = app.db.conn().await?;
        onewindow_storage::items::last_change(c.h()).await? > 0
            || !onewindow_storage::items::versions_in(
                c.h(),
                &["draft", "secrecy_review"],
                None,
                None,
                1,
            )
            .await?
            .is_empty()
    };
    if any {
        return Ok(0);
    }
    let officer = crate::auth::staff_ctx(app, "disclosure").await?;
    let reviewer = crate::auth::staff_ctx(app, "publisher").await?;
    let today = app.today();
    let days_ago = |n: i64| today - chrono::Duration::days(n);
    let item = |title: &str,
                doc: &str,
                column: Column,
                genre: Genre,
                formed: chrono::NaiveDate,
                keywords: &str,
                body: &str| ItemContent {
        title: title.into(),
        doc_number: doc.into(),
        issuing_body: app.settings.center_name.clone(),
        written_on: Some(formed),
        formed_on: formed,
        column,
        topic: String::new(),
        genre,
        keywords: vec![keywords.into()],
        validity: Validity::Valid,
        attribute: Attribute::Proactive,
        attribute_reason: String::new(),
        summary: String::new(),
        body: body.into(),
    };
    let docs = vec![
        item(
            "泉州市行政服务中心政府信息公开指南",
            "",
            Column::Guide,
            Genre::Other,
            days_ago(30),
            "公开指南",
            "# 一、信息分类与编排\n\n本中心主动公开的政府信息按机构职能、政策文件、规划计划、统计信息、财政资金、清单公开等栏目编排。\n\n# 二、获取方式\n\n公众可通过本网站“政府信息公开”栏目检索、查阅、下载，也可到中心一楼政务公开查阅点查阅。\n\n# 三、依申请公开\n\n可通过网上申请、当面、信函、传真、电子邮件提出申请，本中心自收到申请之日起20个工作日内答复。",
        ),
        item(
            "泉州市行政服务中心政府信息公开工作制度",
            "泉行服〔2026〕1号",
            Column::Rules,
            Genre::Normative,
            days_ago(28),
            "保密审查，发布审核",
            "为规范政府信息公开工作，制定本制度。\n\n- 信息发布前须经保密审查和内容审核，未经审核的信息不得上网公布；\n- 主动公开信息自形成或者变更之日起20个工作日内公开；\n- 已公开信息需撤回的，应当发布撤回公告并说明理由。",
        ),
        item(
            "关于进一步优化营业执照办理流程的通知",
            "泉行服〔2026〕5号",
            Column::Policies,
            Genre::Notice,
            days_ago(20),
            "营业执照，企业开办",
            "各进驻部门：\n\n为深化“一窗通办”改革，现就优化营业执照办理流程通知如下：企业开办实行“一表申请、一窗受理”，营业执照、公章刻制、发票申领、银行开户一日办结。\n\n申请人可通过网上申报提交材料，审核通过后营业执照可选择邮寄送达。",
        ),
        item(
            "不动产登记“一窗受理、集成服务”实施方案",
            "泉行服〔2026〕7号",
            Column::Policies,
            Genre::Plan,
            days_ago(15),
            "不动产登记，一窗受理",
            "为推进不动产登记便民利民，实行交易、税收、登记“一窗受理、并联办理”。\n\n| 环节 | 时限 |\n|---|---|\n| 受理 | 即时 |\n| 登记 | 3个工作日 |\n\n办理不动产登记不再要求申请人重复提交已有电子证照的材料。",
        ),
        item(
            "2025年泉州市行政服务中心办件情况统计",
            "",
            Column::Statistics,
            Genre::Report,
            days_ago(10),
            "统计，办件量",
            "2025年，中心共受理各类审批服务事项办件，按时办结率100%。\n\n其中企业开办、不动产登记、工程建设项目审批办件量居前。",
        ),
        item(
            "关于调整窗口服务时间的通知",
            "泉行服〔2024〕9号",
            Column::Notices,
            Genre::Notice,
            days_ago(400),
            "服务时间",
            "自2024年7月1日起，中心窗口服务时间调整为夏令时下午15:00至18:00。",
        ),
    ];
    let mut n = 0;
    let mut ids = Vec::new();
    for d in docs {
        let id = items::create(app, &officer, None, d).await?;
        items::submit(app, &officer, id).await?;
        items::review(app, &reviewer, id, Verdict::Pass, "未发现涉密内容", None).await?;
        items::review(app, &reviewer, id, Verdict::Pass, "同意发布", None).await?;
        ids.push(id);
        n += 1;
    }
    // The old notice was later repealed: an update marks it 废止 and it stays online saying so.
    if let Some(&old) = ids.last() {
        items::new_version(app, &officer, old).await?;
        let v = items::view(app, &officer, old).await?;
        let mut c = items::content(&v.current);
        c.validity = Validity::Repealed;
        c.formed_on = today;
        items::edit(
            app,
            &officer,
            old,
            v.item.version,
            c,
            Some((
                onewindow_domain::disclosure::item::ChangeSize::Minor,
                "该通知已废止".into(),
            )),
        )
        .await?;
        items::submit(app, &officer, old).await?;
        items::review(app, &reviewer, old, Verdict::Pass, "", None).await?;
        items::review(app, &reviewer, old, Verdict::Pass, "", None).await?;
    }
    // Waiting in the review queue, formed 17 working days before the last working day
    // on or before today: three working days are left, so the dashboard warns on any
    // day of the week (counted from a weekend, 17 back from today would leave four).
    let cal = app.case_calendar();
    let mut formed = today;
    while !cal.is_working_day(formed).unwrap_or(true) {
        formed -= chrono::Duration::days(1);
    }
    let mut k = 0;
    while k < 17 {
        formed -= chrono::Duration::days(1);
        if cal.is_working_day(formed).unwrap_or(true) {
            k += 1;
        }
    }
    let id = items::create(
        app,
        &officer,
        None,
        item(
            "2026年度部门预算公开",
            "",
            Column::Finance,
            Genre::Report,
            formed,
            "部门预算，财政资金",
            "根据《中华人民共和国预算法》，现将本中心2026年度部门预算公开如下。",
        ),
    )
    .await?;
    items::submit(app, &officer, id).await?;
    Ok(n + 1)
}

/// A few disclosure requests (依申请公开) so that the officer's list, a request page and the
/// public tracking have something to show: one answered 部分公开 with a released document, one
/// waiting for 补正, one being handled. Only when no request exists yet. The online one can be
/// followed at `/ysqgk/track` with the query password `demo-query-1`.
async fn seed_requests(app: &App) -> AppResult<usize> {
    use crate::requests::{self, NewRequest, Released, Reply};
    use onewindow_domain::disclosure::request::{
        Channel, InfoForm, Obtain, ReplyOutcome, RequesterKind,
    };
    let any = {
        let mut c = app.db.conn().await?;
        !onewindow_storage::disclosure::list_requests(c.h(), false, 1)
            .await?
            .is_empty()
    };
    if any {
        return Ok(0);
    }
    let officer = crate::auth::staff_ctx(app, "disclosure").await?;
    let today = app.today();
    let person = |name: &str, id: &str, what: &str, channel: Channel| NewRequest {
        channel,
        received_on: Some(today),
        requester_kind: RequesterKind::NaturalPerson,
        applicant_name: name.into(),
        id_number: id.into(),
        legal_rep: None,
        contact_name: None,
        phone: Some("13912345678".into()),
        email: Some("citizen@example.cn".into()),
        address: None,
        description: what.into(),
        doc_ref: None,
        info_form: InfoForm::Electronic,
        obtain: Obtain::Email,
        accept_other_form: true,
        department_id: None,
    };
    let (answered, _) = requests::apply_online(
        app,
        &crate::Ctx::anonymous(None, Some("demo".into())),
        person(
            "林晓",
            "35050219900101123X",
            "2025年度泉州市行政服务中心部门预算及“三公”经费支出情况",
            Channel::Online,
        ),
        "demo-query-1",
        None,
        Vec::new(),
    )
    .await?;
    requests::reply(
        app,
        &officer,
        answered.id,
        Reply {
            outcome: ReplyOutcome::Partial,
            reason: "预算明细中含有供应商联系人的个人信息，依《政府信息公开条例》第十五条不予公开，其余部分予以公开。".into(),
            provision: String::new(),
            pointer: String::new(),
            released: Some(Released::Text {
                title: "泉州市行政服务中心2025年度部门预算（公开部分）".into(),
                text: "一、收入预算合计 3,210.5 万元\n二、支出预算合计 3,210.5 万元\n三、“三公”经费预算 18.2 万元（供应商信息已删除）".into(),
            }),
            hidden: Vec::new(),
        },
    )
    .await?;
    let (waiting, _) = requests::receive(
        app,
        &officer,
        person(
            "陈静",
            "350503198506150026",
            "关于某小区规划许可的文件",
            Channel::RegisteredMail,
        ),
        Vec::new(),
    )
    .await?;
    requests::ask_correction(
        app,
        &officer,
        waiting.id,
        "请写明所需规划许可文件对应的小区名称、地址或许可证号。",
        today + chrono::Duration::days(15),
    )
    .await?;
    requests::receive(
        app,
        &officer,
        person(
            "王强",
            "350521197812030012",
            "2026年泉州市行政服务中心窗口人员招聘公告及结果",
            Channel::InPerson,
        ),
        Vec::new(),
    )
    .await?;
    Ok(3)
}

/// A few cases so that the desk, the queues and the status page have something to show: a
/// 企业开办 bundle completed, one waiting for its reviewers, a construction project in its first
/// stage, and an application waiting for corrections. Only when no case exists yet.
/// The licence types of the demo 证照目录 (GB/T 36902): the results of the demo catalog's items.
/// Type codes are the defining ministry's credit code + a serial (domain-rules §5.3). Validity:
/// 食品经营许可证 five years (食品经营许可和备案管理办法); 营业执照 and 不动产权证书 carry no end
/// date unless the business term or the right says so (长期 here).
pub const LICENSE_TYPES_JSON: &str = r#"[
 {"code": "11100000000013127D001", "name": "营业执照", "definer_name": "国家市场监督管理总局",
  "holder_kind": "any", "validity_years": null, "fields": [
   {"key": "KZ_FDDBR", "label": "法定代表人（负责人）", "source": {"from": "legal_rep"}},
   {"key": "KZ_ZS", "label": "住所（经营场所）", "source": {"from": "address"}},
   {"key": "KZ_JYFW", "label": "经营范围", "source": {"from": "summary"}}]},
 {"code": "11100000000013127D003", "name": "食品经营许可证", "definer_name": "国家市场监督管理总局",
  "holder_kind": "organisation", "validity_years": 5, "fields": [
   {"key": "KZ_JYZMC", "label": "经营者名称", "source": {"from": "holder_name"}},
   {"key": "KZ_FDDBR", "label": "法定代表人（负责人）", "source": {"from": "legal_rep"}},
   {"key": "KZ_JYCS", "label": "经营场所", "source": {"from": "address"}},
   {"key": "KZ_JYXM", "label": "经营项目", "source": {"from": "summary"}}]},
 {"code": "11100000MB03271699001", "name": "不动产权证书", "definer_name": "自然资源部",
  "holder_kind": "any", "validity_years": null, "fields": [
   {"key": "KZ_QLR", "label": "权利人", "source": {"from": "holder_name"}},
   {"key": "KZ_ZL", "label": "坐落", "source": {"from": "address"}},
   {"key": "KZ_QLLX", "label": "权利类型", "source": {"from": "fixed", "value": "国有建设用地使用权/房屋所有权"}},
   {"key": "KZ_FJ", "label": "附记", "source": {"from": "summary"}}]},
 {"code": "11100000MB03271699022", "name": "不动产登记证明", "definer_name": "自然资源部",
  "holder_kind": "any", "validity_years": null, "fields": [
   {"key": "KZ_ZMQLHSX", "label": "证明权利或事项", "source": {"from": "fixed", "value": "抵押权"}},
   {"key": "KZ_QLR", "label": "权利人（申请人）", "source": {"from": "holder_name"}},
   {"key": "KZ_ZL", "label": "坐落", "source": {"from": "address"}},
   {"key": "KZ_QT", "label": "其他", "source": {"from": "summary"}}]},
 {"code": "11100000000013338W087", "name": "房屋建筑和市政基础设施工程竣工验收备案表", "definer_name": "住房和城乡建设部",
  "holder_kind": "organisation", "validity_years": null, "fields": [
   {"key": "KZ_JSDW", "label": "建设单位", "source": {"from": "holder_name"}},
   {"key": "KZ_GCMC", "label": "工程名称", "source": {"from": "summary"}},
   {"key": "KZ_GCDZ", "label": "工程地址", "source": {"from": "address"}},
   {"key": "KZ_BAJG", "label": "备案机关", "source": {"from": "fixed", "value": "泉州市住房和城乡建设局"}}]}
]"#;

async fn seed_license_types(app: &App, ctx: &Ctx) -> AppResult<usize> {
    let types: Vec<onewindow_domain::license::LicenseType> =
        serde_json::from_str(LICENSE_TYPES_JSON).map_err(|e| {
            crate::AppError::Unexpected(anyhow::anyhow!("demo licence types do not parse: {e}"))
        })?;
    let have = crate::licenses::types(app).await?;
    let mut n = 0;
    for t in types {
        if have.iter().any(|h| h == &t) {
            continue;
        }
        crate::licenses::save_type(app, ctx, t).await?;
        n += 1;
    }
    Ok(n)
}

async fn seed_cases(app: &App) -> AppResult<usize> {
    use crate::cases::{
        ApplicantInput, IntakeOutcome, IntakeRequest, MaterialTick, PlanRef, TaskDecision,
    };
    use onewindow_domain::case::state::{Delivery, MaterialStatus, Outcome};
    let any = {
        let mut c = app.db.conn().await?;
        onewindow_storage::cases::count_by_status(c.h()).await?
    };
    if !any.is_empty() {
        return Ok(0);
    }
    let clerk = crate::auth::staff_ctx(app, "clerk").await?;
    let company = |body: &str| -> AppResult<String> {
        Ok(CreditCode::synthesize("91350503", body)?
            .as_str()
            .to_string())
    };
    let applicants = [
        (
            PlanRef::Bundle("qykb".into()),
            company("MA2XKD8L")?,
            "泉州市晨光贸易有限公司",
            IntakeOutcome::Accept,
        ),
        (
            PlanRef::Bundle("qykb".into()),
            company("MA31QW7E")?,
            "泉州市海丝文创有限公司",
            IntakeOutcome::Accept,
        ),
        (
            PlanRef::Bundle("gcjs".into()),
            company("MA8N2P4K")?,
            "泉州市东海置业有限公司",
            IntakeOutcome::Accept,
        ),
        (
            PlanRef::Item("1135050000301005241000109001000".into()),
            "350503198506150026".to_string(),
            "林晓",
            IntakeOutcome::Correct,
        ),
    ];
    let mut made = 0;
    let mut first = None;
    for (plan, id, name, outcome) in applicants {
        let (_, list) = crate::cases::checklist(app, &plan).await?;
        let correct = matches!(outcome, IntakeOutcome::Correct);
        let materials = list
            .iter()
            .enumerate()
            .map(|(i, m)| MaterialTick {
                name: m.name.clone(),
                status: if correct && i == 0 {
                    MaterialStatus::Missing
                } else {
                    MaterialStatus::Provided
                },
                note: None,
            })
            .collect();
        let (case, _) = crate::cases::intake(
            app,
            &clerk,
            IntakeRequest {
                plan,
                applicant: ApplicantInput {
                    id_number: id,
                    name: name.into(),
                    phone: Some("13805951234".into()),
                    email: None,
                },
                situation: None,
                contact_name: None,
                agent_name: None,
                agent_id_number: None,
                legal_rep: Some("陈晨".into()),
                address: Some("福建省泉州市丰泽区东海街道通港西街 88 号".into()),
                window_id: None,
                materials,
                delivery: Delivery::Window,
                delivery_address: None,
                summary: "日用百货、食品销售（仅销售预包装食品）".into(),
                outcome,
            },
        )
        .await?;
        first.get_or_insert(case.id);
        made += 1;
    }
    // The first 企业开办 case: all four departments approve, the lead last.
    if let Some(id) = first {
        let city = onewindow_domain::region::RegionCode::parse(CITY)?;
        for user in ["reviewer.ga", "reviewer.sw", "reviewer.rh", "reviewer.scjg"] {
            let ctx = crate::auth::staff_ctx(app, user).await?;
            let v = crate::cases::view(app, &clerk, id).await?;
            let Some(t) = v.tasks.iter().find(|t| {
                t.task.status == "open"
                    && ctx
                        .require(
                            onewindow_domain::org::Permission::ReviewCases,
                            &onewindow_domain::org::Target::department(
                                onewindow_domain::ids::DepartmentId(t.task.department_id),
                                city.clone(),
                            ),
                        )
                        .is_ok()
            }) else {
                continue;
            };
            crate::cases::decide_task(
                app,
                &ctx,
                t.task.id,
                TaskDecision {
                    outcome: Outcome::Approve,
                    opinion: "符合条件，同意".into(),
                    checked: t.standards.clone(),
                    expected_version: Some(t.task.version),
                },
            )
            .await?;
        }
        // Its 营业执照 is now in the library: the company's follow-up 食品经营许可 at the window
        // takes it from there instead of a paper copy (免提交, 用证记录).
        let case = crate::cases::view(app, &clerk, id).await?.case;
        let plan = PlanRef::Item("1135058200302005872000109004000".into());
        let (_, list) = crate::cases::checklist(app, &plan).await?;
        let materials = list
            .iter()
            .filter(|m| m.license_type.is_none())
            .map(|m| MaterialTick::provided(&m.name))
            .collect();
        crate::cases::intake(
            app,
            &clerk,
            IntakeRequest {
                plan,
                applicant: ApplicantInput {
                    id_number: case.id_number.clone(),
                    name: case.applicant_name.clone(),
                    phone: Some("13805951234".into()),
                    email: None,
                },
                situation: None,
                contact_name: None,
                agent_name: None,
                agent_id_number: None,
                legal_rep: case.legal_rep.clone(),
                address: case.address.clone(),
                window_id: None,
                materials,
                delivery: Delivery::Window,
                delivery_address: None,
                summary: "预包装食品销售".into(),
                outcome: IntakeOutcome::Accept,
            },
        )
        .await?;
        made += 1;
    }
    Ok(made)
}
