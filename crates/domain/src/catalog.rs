//! The service catalog (事项库): the national service-guide elements (办事指南要素) of one
//! implementation of a service item, its materials, fees, discretion class and review standards,
//! and the lifecycle of its versions.
//!
//! Element names follow the national exchange schema `up_task_general_*` described in
//! GB/T 39554.1-2020 practice (domain-rules §3.4); codes follow §3.1 (事项类型) and §3.3 (编码).
//! A guide is data: [`ServiceGuide::validate`] reports *every* problem at once, so that an import
//! can name each row and field.

use serde::{Deserialize, Serialize};

use crate::error::FieldError;
use crate::identity::CreditCode;
use crate::region::{AdminLevel, RegionCode};

labelled_enum!(
    /// 事项类型 with the national platform codes (§3.1). Only 依申请 types belong in the
    /// 政务服务 catalogue.
    ItemType {
        /// 01 行政许可.
        Licensing = ("01", "行政许可"),
        /// 05 行政给付.
        Payment = ("05", "行政给付"),
        /// 07 行政确认.
        Confirmation = ("07", "行政确认"),
        /// 08 行政奖励.
        Award = ("08", "行政奖励"),
        /// 09 行政裁决.
        Adjudication = ("09", "行政裁决"),
        /// 10 其他行政权力.
        OtherPower = ("10", "其他行政权力"),
        /// 20 公共服务.
        PublicService = ("20", "公共服务"),
    }
);

labelled_enum!(
    /// 服务对象.
    ServiceObject {
        /// 自然人.
        NaturalPerson = ("natural_person", "自然人"),
        /// 法人或其他组织.
        LegalPerson = ("legal_person", "法人"),
    }
);

labelled_enum!(
    /// 办件类型 (§3.4 project_type: 1 即办件, 2 承诺件).
    CaseKind {
        /// 即办件: decided on the spot (行政许可法 art. 34).
        Immediate = ("immediate", "即办件"),
        /// 承诺件: decided within the promised time limit.
        Promised = ("promised", "承诺件"),
    }
);

labelled_enum!(
    /// The service center's five themed halls (seed document: "五个主题式办事体验服务厅").
    Hall {
        /// 市场准入.
        MarketAccess = ("market_access", "市场准入"),
        /// 投资建设.
        Investment = ("investment", "投资建设"),
        /// 社会民生.
        Livelihood = ("livelihood", "社会民生"),
        /// 便民服务.
        Convenience = ("convenience", "便民服务"),
        /// 中介服务.
        Intermediary = ("intermediary", "中介服务"),
    }
);

labelled_enum!(
    /// 自由裁量 class of an item or situation (seed document: 鼓励允许类 / 限制类 / 禁止类).
    DiscretionClass {
        /// 鼓励允许类.
        Encouraged = ("encouraged", "鼓励允许类"),
        /// 限制类.
        Restricted = ("restricted", "限制类"),
        /// 禁止类.
        Prohibited = ("prohibited", "禁止类"),
    }
);

labelled_enum!(
    /// 领导授权: the lowest level of authority that may sign the decision. Ordered: a higher
    /// variant may sign whatever a lower one may.
    Authority {
        /// 窗口首席代表 (on-the-spot decisions).
        WindowOfficer = ("window_officer", "窗口首席代表"),
        /// 科（处）长.
        SectionChief = ("section_chief", "科（处）长"),
        /// 分管副局长.
        DeputyDirector = ("deputy_director", "分管副局长"),
        /// 局长.
        Director = ("director", "局长"),
    }
);

labelled_enum!(
    /// 办理形式 / channels through which the item can be applied for.
    Channel {
        /// 窗口办理.
        Window = ("window", "窗口办理"),
        /// 网上办理.
        Online = ("online", "网上办理"),
        /// 快递申请 (智能+快递).
        Express = ("express", "快递申请"),
        /// 自助终端.
        Kiosk = ("kiosk", "自助终端"),
        /// 移动端 (微信/App).
        Mobile = ("mobile", "移动端"),
    }
);

labelled_enum!(
    /// 材料形式.
    MaterialForm {
        /// 原件.
        Original = ("original", "原件"),
        /// 复印件.
        Copy = ("copy", "复印件"),
        /// 原件和复印件.
        OriginalAndCopy = ("original_and_copy", "原件和复印件"),
    }
);

labelled_enum!(
    /// 材料载体.
    Medium {
        /// 纸质.
        Paper = ("paper", "纸质"),
        /// 电子.
        Electronic = ("electronic", "电子"),
        /// 纸质或电子.
        Either = ("either", "纸质或电子"),
    }
);

labelled_enum!(
    /// 特别程序 (行政许可法 art. 45: time not counted in the time limit).
    SpecialProcedureKind {
        /// 听证.
        Hearing = ("hearing", "听证"),
        /// 招标.
        Tender = ("tender", "招标"),
        /// 拍卖.
        Auction = ("auction", "拍卖"),
        /// 检验.
        Inspection = ("inspection", "检验"),
        /// 检测.
        Testing = ("testing", "检测"),
        /// 检疫.
        Quarantine = ("quarantine", "检疫"),
        /// 鉴定.
        Appraisal = ("appraisal", "鉴定"),
        /// 专家评审.
        ExpertReview = ("expert_review", "专家评审"),
        /// 现场踏勘.
        SiteSurvey = ("site_survey", "现场踏勘"),
    }
);

/// Where a material comes from — so that intake can fetch it instead of asking for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MaterialSource {
    /// The applicant provides it.
    Applicant,
    /// Another department holds it (shared data, 部门间共享).
    Department {
        /// The department holding it.
        name: String,
    },
    /// It is an e-license of this type in the e-license library (免提交).
    License {
        /// 证照类型代码 (21 characters: definer's credit code + 3-digit serial, GB/T 36904).
        license_type_code: String,
    },
}

/// One required or optional material (申请材料).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Material {
    /// 材料名称.
    pub name: String,
    /// 材料必要性: required (必要) or optional (非必要/容缺).
    pub required: bool,
    /// 材料形式.
    pub form: MaterialForm,
    /// 纸质材料份数.
    pub copies: u32,
    /// 载体.
    pub medium: Medium,
    /// 来源渠道.
    pub source: MaterialSource,
    /// 空白表格 (attachment reference or URL).
    #[serde(default)]
    pub blank_form: Option<String>,
    /// 示例样表.
    #[serde(default)]
    pub sample: Option<String>,
    /// 受理标准.
    pub acceptance_standard: String,
    /// 要求提供材料的依据.
    #[serde(default)]
    pub basis: Option<String>,
    /// 备注 / 填报须知.
    #[serde(default)]
    pub note: Option<String>,
}

/// One fee (收费项目).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeItem {
    /// 收费项目名称.
    pub name: String,
    /// 收费标准.
    pub standard: String,
    /// 收费依据.
    pub basis: String,
    /// 是否允许减免.
    pub waivable: bool,
    /// 允许减免依据.
    #[serde(default)]
    pub waiver_basis: Option<String>,
}

/// One step of the process (办理流程).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// Step name, e.g. 受理.
    pub name: String,
    /// What happens.
    pub description: String,
}

/// A special procedure whose time is not counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecialProcedure {
    /// Kind.
    pub kind: SpecialProcedureKind,
    /// Its own time limit in working days, if one is set.
    #[serde(default)]
    pub max_days: Option<u32>,
    /// Description.
    pub description: String,
}

/// A question and answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Faq {
    /// 问题.
    pub question: String,
    /// 答案.
    pub answer: String,
}

/// A situation (情形) of an item with its own discretion class and signing authority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Situation {
    /// Name, e.g. 新设立 / 变更 / 注销.
    pub name: String,
    /// Discretion class.
    pub class: DiscretionClass,
    /// Who signs.
    pub authority: Authority,
}

/// Review standards that reviewers tick (审查细则, seed document: 技术审查标准, 专家评审标准,
/// 现场踏勘标准).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ReviewStandards {
    /// 技术审查标准.
    #[serde(default)]
    pub technical: Vec<String>,
    /// 专家评审标准.
    #[serde(default)]
    pub expert: Vec<String>,
    /// 现场踏勘标准.
    #[serde(default)]
    pub inspection: Vec<String>,
}

/// The guide of one implementation of a service item (实施清单 + 办事指南), as edited and
/// published. Stored as one document per version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceGuide {
    /// 事项名称.
    pub name: String,
    /// 基本编码 (12 characters).
    pub catalog_code: String,
    /// 实施编码: credit code of the implementing body (18) + 1 character + 基本编码 (12).
    pub task_code: String,
    /// 业务办理项编码.
    #[serde(default)]
    pub handle_item_code: Option<String>,
    /// 事项类型.
    pub item_type: ItemType,
    /// 设定依据.
    pub legal_basis: String,
    /// 行使层级: 市/县/乡/村.
    pub level: AdminLevel,
    /// Region where it is exercised (GB/T 2260 / statistical code).
    pub region_code: String,
    /// 实施主体 name (the department).
    pub department: String,
    /// 服务对象.
    pub service_objects: Vec<ServiceObject>,
    /// 办件类型.
    pub case_kind: CaseKind,
    /// 法定办结时限, working days (0 for 即办件).
    pub statutory_days: u32,
    /// 承诺办结时限, working days (≤ statutory).
    pub promised_days: u32,
    /// 受理条件.
    pub conditions: String,
    /// 办理流程.
    pub steps: Vec<Step>,
    /// 办理形式.
    pub channels: Vec<Channel>,
    /// 办理地点.
    pub address: String,
    /// 办理时间.
    pub hours: String,
    /// 收费项目 (empty = 不收费).
    #[serde(default)]
    pub fees: Vec<FeeItem>,
    /// 咨询方式.
    pub consult_contact: String,
    /// 监督投诉方式.
    pub complaint_contact: String,
    /// 到办事现场次数 (0, 1, 2).
    pub visits_required: u8,
    /// 网上办理深度 (1 信息发布 … 4 全程网办).
    pub online_depth: u8,
    /// 是否支持物流快递.
    pub express_delivery: bool,
    /// 是否支持网上支付.
    pub online_payment: bool,
    /// 是否支持预约办理.
    pub appointment: bool,
    /// 审批结果类型 (证照 / 批文 / 其他).
    pub result_type: String,
    /// 审批结果名称.
    pub result_name: String,
    /// 证照类型代码 of the e-license the result is, when it is one.
    #[serde(default)]
    pub result_license_type: Option<String>,
    /// 特别程序.
    #[serde(default)]
    pub special_procedures: Vec<SpecialProcedure>,
    /// 常见问题.
    #[serde(default)]
    pub faq: Vec<Faq>,
    /// 申请材料.
    pub materials: Vec<Material>,
    /// Discretion class of the item as a whole.
    pub discretion: DiscretionClass,
    /// Who signs the decision for the item as a whole.
    pub authority: Authority,
    /// Situations with their own class and authority.
    #[serde(default)]
    pub situations: Vec<Situation>,
    /// 审查细则.
    #[serde(default)]
    pub review_standards: ReviewStandards,
    /// Themed hall.
    pub hall: Hall,
    /// Life events / business events (一件事) the item belongs to, e.g. 开办企业.
    #[serde(default)]
    pub life_events: Vec<String>,
    /// Extra search keywords.
    #[serde(default)]
    pub keywords: Vec<String>,
}

/// A problem found in a guide: which field (path like `materials[2].name`) and what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GuideProblem {
    /// Field path.
    pub field: String,
    /// Chinese message.
    pub zh: String,
    /// English message.
    pub en: String,
}

fn text_ok(s: &str, max: usize) -> bool {
    let n = s.trim().chars().count();
    n > 0 && n <= max
}

/// Whether a 证照类型代码 is well formed: 18-char credit code of the defining body + 3 digits
/// (GB/T 36904, domain-rules §5.3).
pub fn check_license_type_code(code: &str) -> Result<(), FieldError> {
    let ok = code.chars().count() == 21
        && code.is_ascii()
        && CreditCode::parse(&code[..18]).is_ok()
        && code[18..].chars().all(|c| c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(FieldError::new(
            "license_type_code",
            format!("证照类型代码“{code}”无效（应为定义机构的统一社会信用代码加 3 位顺序号）"),
            format!(
                "license type code “{code}” is invalid (credit code of the defining body + 3 digits)"
            ),
        ))
    }
}

impl ServiceGuide {
    /// Every problem of this guide (empty = valid).
    pub fn validate(&self) -> Vec<GuideProblem> {
        let mut p = Vec::new();
        let mut bad = |field: &str, zh: String, en: String| {
            p.push(GuideProblem {
                field: field.to_string(),
                zh,
                en,
            })
        };
        let texts: [(&str, &str, &str, usize); 8] = [
            ("name", "事项名称", &self.name, 200),
            ("legal_basis", "设定依据", &self.legal_basis, 5000),
            ("department", "实施主体", &self.department, 100),
            ("conditions", "受理条件", &self.conditions, 5000),
            ("address", "办理地点", &self.address, 500),
            ("hours", "办理时间", &self.hours, 500),
            ("consult_contact", "咨询方式", &self.consult_contact, 500),
            (
                "complaint_contact",
                "监督投诉方式",
                &self.complaint_contact,
                500,
            ),
        ];
        for (field, label, value, max) in texts {
            if !text_ok(value, max) {
                bad(
                    field,
                    format!("{label}不能为空，且不超过 {max} 个字符"),
                    format!("{field}: required, at most {max} characters"),
                );
            }
        }
        // 基本编码: 12 characters (GB/T 39554.1-2020; segmentation not checked, §3.3).
        if self.catalog_code.chars().count() != 12
            || !self.catalog_code.chars().all(|c| c.is_ascii_alphanumeric())
        {
            bad(
                "catalog_code",
                format!("基本编码“{}”应为 12 位字母或数字", self.catalog_code),
                format!(
                    "catalog_code “{}” must be 12 letters or digits",
                    self.catalog_code
                ),
            );
        }
        // 实施编码: credit code (18) + 1 + 基本编码 (12), domain-rules §3.3.
        let tc = &self.task_code;
        if tc.chars().count() != 31 || !tc.is_ascii() {
            bad(
                "task_code",
                format!(
                    "实施编码“{tc}”应为 31 位（实施主体统一社会信用代码 18 位 + 1 位 + 基本编码 12 位）"
                ),
                format!(
                    "task_code “{tc}” must be 31 characters (credit code 18 + 1 + catalog code 12)"
                ),
            );
        } else {
            if let Err(e) = CreditCode::parse(&tc[..18]) {
                bad(
                    "task_code",
                    format!(
                        "实施编码前 18 位不是有效的统一社会信用代码：{}",
                        e.message_zh()
                    ),
                    format!(
                        "task_code: the first 18 characters are not a valid credit code: {}",
                        e.message_en()
                    ),
                );
            }
            if tc[19..] != self.catalog_code {
                bad(
                    "task_code",
                    "实施编码末 12 位应与基本编码一致".into(),
                    "task_code: the last 12 characters must equal catalog_code".into(),
                );
            }
        }
        if let Err(e) = RegionCode::parse(&self.region_code) {
            bad("region_code", e.message_zh(), e.message_en());
        }
        if !matches!(
            self.level,
            AdminLevel::City | AdminLevel::County | AdminLevel::Township | AdminLevel::Village
        ) {
            bad(
                "level",
                "行使层级应为市、县、乡或村".into(),
                "level: must be city, county, township or village".into(),
            );
        }
        if self.service_objects.is_empty() {
            bad(
                "service_objects",
                "服务对象至少选择一项".into(),
                "service_objects: choose at least one".into(),
            );
        }
        // The promised limit (承诺时限) is a commitment inside the legal one, never beyond it
        // (优化营商环境条例 art. 35 on published guides and time limits — article number from
        // memory, domain-rules §7.5 marks it [M]); a 即办件 is
        // decided on the spot (行政许可法 art. 34), so its promised limit is 0.
        if self.promised_days > self.statutory_days {
            bad(
                "promised_days",
                format!(
                    "承诺时限（{}）不得超过法定时限（{}）",
                    self.promised_days, self.statutory_days
                ),
                format!(
                    "promised_days ({}) may not exceed statutory_days ({})",
                    self.promised_days, self.statutory_days
                ),
            );
        }
        if self.case_kind == CaseKind::Immediate && self.promised_days != 0 {
            bad(
                "promised_days",
                "即办件的承诺时限应为 0 个工作日（当场办结）".into(),
                "promised_days: must be 0 for an on-the-spot item".into(),
            );
        }
        if self.statutory_days > 365 {
            bad(
                "statutory_days",
                "法定时限不应超过 365 个工作日".into(),
                "statutory_days: at most 365".into(),
            );
        }
        if self.steps.is_empty() {
            bad(
                "steps",
                "办理流程至少一步".into(),
                "steps: at least one".into(),
            );
        }
        if self.channels.is_empty() {
            bad(
                "channels",
                "办理形式至少一种".into(),
                "channels: at least one".into(),
            );
        }
        if self.visits_required > 2 {
            bad(
                "visits_required",
                "到办事现场次数应为 0、1 或 2".into(),
                "visits_required: 0, 1 or 2".into(),
            );
        }
        if !(1..=4).contains(&self.online_depth) {
            bad(
                "online_depth",
                "网上办理深度应为 1–4 级".into(),
                "online_depth: 1 to 4".into(),
            );
        }
        if self.online_depth == 4 && self.visits_required != 0 {
            bad(
                "visits_required",
                "全程网办（四级）事项的到现场次数应为 0".into(),
                "visits_required: must be 0 for fully online (depth 4) items".into(),
            );
        }
        if !text_ok(&self.result_type, 20) || !text_ok(&self.result_name, 200) {
            bad(
                "result_name",
                "审批结果类型和名称不能为空".into(),
                "result_type/result_name: required".into(),
            );
        }
        if let Some(code) = &self.result_license_type
            && let Err(e) = check_license_type_code(code)
        {
            bad("result_license_type", e.zh.into(), e.en.into());
        }
        if self.materials.is_empty() {
            bad(
                "materials",
                "申请材料至少一项".into(),
                "materials: at least one".into(),
            );
        }
        for (i, m) in self.materials.iter().enumerate() {
            if !text_ok(&m.name, 200) {
                bad(
                    &format!("materials[{i}].name"),
                    format!("第 {} 项材料的名称不能为空", i + 1),
                    format!("materials[{i}].name: required"),
                );
            }
            if !text_ok(&m.acceptance_standard, 2000) {
                bad(
                    &format!("materials[{i}].acceptance_standard"),
                    format!("第 {} 项材料的受理标准不能为空", i + 1),
                    format!("materials[{i}].acceptance_standard: required"),
                );
            }
            if m.copies > 20 {
                bad(
                    &format!("materials[{i}].copies"),
                    format!("第 {} 项材料的份数不应超过 20", i + 1),
                    format!("materials[{i}].copies: at most 20"),
                );
            }
            if let MaterialSource::License { license_type_code } = &m.source
                && let Err(e) = check_license_type_code(license_type_code)
            {
                bad(&format!("materials[{i}].source"), e.zh.into(), e.en.into());
            }
        }
        for (i, f) in self.fees.iter().enumerate() {
            if !text_ok(&f.name, 200) || !text_ok(&f.standard, 500) || !text_ok(&f.basis, 1000) {
                bad(
                    &format!("fees[{i}]"),
                    format!("第 {} 项收费的名称、标准和依据不能为空", i + 1),
                    format!("fees[{i}]: name, standard and basis are required"),
                );
            }
        }
        for (i, q) in self.faq.iter().enumerate() {
            if !text_ok(&q.question, 500) || !text_ok(&q.answer, 5000) {
                bad(
                    &format!("faq[{i}]"),
                    format!("第 {} 个常见问题的问题和答案不能为空", i + 1),
                    format!("faq[{i}]: question and answer are required"),
                );
            }
        }
        p
    }

    /// The implementing body's credit code (first 18 characters of the 实施编码).
    pub fn implementing_body_code(&self) -> Option<&str> {
        self.task_code.get(..18)
    }

    /// Whether any material can be taken from the e-license library.
    pub fn reusable_license_types(&self) -> Vec<&str> {
        self.materials
            .iter()
            .filter_map(|m| match &m.source {
                MaterialSource::License { license_type_code } => Some(license_type_code.as_str()),
                _ => None,
            })
            .collect()
    }

    /// Text for full-text search: name first, then keywords, life events, conditions,
    /// materials, result, FAQ.
    pub fn search_text(&self) -> String {
        let mut parts: Vec<&str> = vec![&self.conditions, &self.result_name, &self.legal_basis];
        parts.extend(self.keywords.iter().map(String::as_str));
        parts.extend(self.life_events.iter().map(String::as_str));
        parts.extend(self.materials.iter().map(|m| m.name.as_str()));
        for f in &self.faq {
            parts.push(&f.question);
            parts.push(&f.answer);
        }
        parts.join("\n")
    }
}

labelled_enum!(
    /// Status of one version of a catalog item.
    VersionStatus {
        /// 草稿: being edited.
        Draft = ("draft", "草稿"),
        /// 待审核: submitted for review.
        Submitted = ("submitted", "待审核"),
        /// 已审核: approved, ready to publish.
        Reviewed = ("reviewed", "已审核"),
        /// 已发布: the version in force, visible to every channel.
        Published = ("published", "已发布"),
        /// 已被新版本替代.
        Superseded = ("superseded", "已替代"),
        /// 已撤回: withdrawn from every channel, with a reason.
        Withdrawn = ("withdrawn", "已撤回"),
    }
);

labelled_enum!(
    /// What can be done to a version.
    VersionAction {
        /// Submit a draft for review.
        Submit = ("submit", "提交审核"),
        /// Approve a submitted version (someone other than the submitter).
        Approve = ("approve", "审核通过"),
        /// Send a submitted version back to draft, with a comment.
        Return = ("return", "退回修改"),
        /// Publish a reviewed version.
        Publish = ("publish", "发布"),
        /// A newer version was published.
        Supersede = ("supersede", "替代"),
        /// Withdraw a published version, with a reason.
        Withdraw = ("withdraw", "撤回"),
    }
);

impl VersionStatus {
    /// The lifecycle: draft → submitted → reviewed → published → superseded | withdrawn, and
    /// submitted → draft when returned. Anything else is an [`crate::DomainError::InvalidTransition`].
    pub fn apply(self, action: VersionAction) -> Result<VersionStatus, crate::DomainError> {
        use VersionAction as A;
        use VersionStatus as S;
        match (self, action) {
            (S::Draft, A::Submit) => Ok(S::Submitted),
            (S::Submitted, A::Approve) => Ok(S::Reviewed),
            (S::Submitted, A::Return) => Ok(S::Draft),
            (S::Reviewed, A::Publish) => Ok(S::Published),
            (S::Published, A::Supersede) => Ok(S::Superseded),
            (S::Published, A::Withdraw) => Ok(S::Withdrawn),
            (from, a) => Err(crate::DomainError::InvalidTransition {
                from: from.zh(),
                to: a.zh(),
            }),
        }
    }

    /// Whether the public and intake may see a version in this status.
    pub fn is_public(self) -> bool {
        self == VersionStatus::Published
    }

    /// Whether the content may still be edited.
    pub fn is_editable(self) -> bool {
        self == VersionStatus::Draft
    }
}

/// One changed field between two versions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    /// Path, e.g. `materials[1].name`.
    pub path: String,
    /// Old value (JSON), `null` if added.
    pub before: serde_json::Value,
    /// New value (JSON), `null` if removed.
    pub after: serde_json::Value,
}

/// The field-level difference between two guides.
pub fn diff(a: &ServiceGuide, b: &ServiceGuide) -> Vec<FieldChange> {
    let va = serde_json::to_value(a).unwrap_or(serde_json::Value::Null);
    let vb = serde_json::to_value(b).unwrap_or(serde_json::Value::Null);
    let mut out = Vec::new();
    diff_values("", &va, &vb, &mut out);
    out
}

fn diff_values(
    path: &str,
    a: &serde_json::Value,
    b: &serde_json::Value,
    out: &mut Vec<FieldChange>,
) {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(ma), Value::Object(mb)) => {
            let mut keys: Vec<&String> = ma.keys().chain(mb.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                diff_values(
                    &p,
                    ma.get(k).unwrap_or(&Value::Null),
                    mb.get(k).unwrap_or(&Value::Null),
                    out,
                );
            }
        }
        (Value::Array(xa), Value::Array(xb)) => {
            for i in 0..xa.len().max(xb.len()) {
                diff_values(
                    &format!("{path}[{i}]"),
                    xa.get(i).unwrap_or(&Value::Null),
                    xb.get(i).unwrap_or(&Value::Null),
                    out,
                );
            }
        }
        _ if a != b => out.push(FieldChange {
            path: path.to_string(),
            before: a.clone(),
            after: b.clone(),
        }),
        _ => {}
    }
}

#[cfg(test)]
pub mod tests {
    //! Fixtures shared with other crates' tests live in `sample_guide`.
    use super::*;

    /// A valid guide: 企业设立登记 by the city market regulator.
    pub fn sample_guide() -> ServiceGuide {
        ServiceGuide {
            name: "企业设立登记".into(),
            catalog_code: "000109001000".into(),
            task_code: "1135050000301005241000109001000".into(),
            handle_item_code: None,
            item_type: ItemType::Licensing,
            legal_basis: "《中华人民共和国市场主体登记管理条例》第三条".into(),
            level: AdminLevel::City,
            region_code: "350500".into(),
            department: "泉州市市场监督管理局".into(),
            service_objects: vec![ServiceObject::LegalPerson],
            case_kind: CaseKind::Promised,
            statutory_days: 15,
            promised_days: 1,
            conditions: "申请材料齐全、符合法定形式".into(),
            steps: vec![Step {
                name: "受理".into(),
                description: "综合窗口收件".into(),
            }],
            channels: vec![Channel::Window, Channel::Online],
            address: "泉州市行政服务中心市场准入厅 A01".into(),
            hours: "工作日 8:30-12:00，14:30-17:30".into(),
            fees: vec![],
            consult_contact: "0595-22132218".into(),
            complaint_contact: "12345".into(),
            visits_required: 0,
            online_depth: 4,
            express_delivery: true,
            online_payment: false,
            appointment: true,
            result_type: "证照".into(),
            result_name: "营业执照".into(),
            result_license_type: Some("11100000000013127D001".into()),
            special_procedures: vec![],
            faq: vec![],
            materials: vec![Material {
                name: "公司登记（备案）申请书".into(),
                required: true,
                form: MaterialForm::Original,
                copies: 1,
                medium: Medium::Either,
                source: MaterialSource::Applicant,
                blank_form: None,
                sample: None,
                acceptance_standard: "法定代表人签字".into(),
                basis: None,
                note: None,
            }],
            discretion: DiscretionClass::Encouraged,
            authority: Authority::WindowOfficer,
            situations: vec![],
            review_standards: ReviewStandards::default(),
            hall: Hall::MarketAccess,
            life_events: vec!["开办企业".into()],
            keywords: vec!["营业执照".into()],
        }
    }

    #[test]
    fn sample_is_valid() {
        let g = sample_guide();
        assert_eq!(g.validate(), vec![]);
        assert_eq!(g.implementing_body_code(), Some("113505000030100524"));
    }

    #[test]
    fn every_problem_is_reported_with_its_field() {
        let mut g = sample_guide();
        g.name = " ".into();
        g.promised_days = 30;
        g.task_code = "91110000710925462A1000109001000".into();
        g.materials[0].acceptance_standard = String::new();
        g.visits_required = 1;
        let fields: Vec<String> = g.validate().into_iter().map(|p| p.field).collect();
        assert!(fields.contains(&"name".to_string()));
        assert!(fields.contains(&"promised_days".to_string()));
        assert!(fields.contains(&"task_code".to_string()));
        assert!(fields.contains(&"materials[0].acceptance_standard".to_string()));
        assert!(
            fields.contains(&"visits_required".to_string()),
            "depth 4 needs 0 visits"
        );
    }

    #[test]
    fn lifecycle() {
        use VersionAction as A;
        use VersionStatus as S;
        assert_eq!(S::Draft.apply(A::Submit), Ok(S::Submitted));
        assert_eq!(S::Submitted.apply(A::Return), Ok(S::Draft));
        assert_eq!(S::Submitted.apply(A::Approve), Ok(S::Reviewed));
        assert_eq!(S::Reviewed.apply(A::Publish), Ok(S::Published));
        assert_eq!(S::Published.apply(A::Withdraw), Ok(S::Withdrawn));
        assert!(S::Draft.apply(A::Publish).is_err(), "no bypass of review");
        assert!(S::Submitted.apply(A::Publish).is_err());
        assert!(
            S::Published.apply(A::Submit).is_err(),
            "a published version is immutable"
        );
        assert!(S::Withdrawn.apply(A::Publish).is_err());
        for s in S::ALL {
            assert_eq!(s.is_public(), *s == S::Published);
        }
    }

    #[test]
    fn diff_names_changed_fields() {
        let a = sample_guide();
        let mut b = a.clone();
        b.promised_days = 2;
        b.materials[0].copies = 2;
        let d = diff(&a, &b);
        let paths: Vec<&str> = d.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(paths, vec!["materials[0].copies", "promised_days"]);
        assert!(diff(&a, &a).is_empty());
    }

    #[test]
    fn labels_parse_both_ways() {
        assert_eq!(Hall::parse("投资建设"), Some(Hall::Investment));
        assert_eq!(Hall::parse("investment"), Some(Hall::Investment));
        assert_eq!(ItemType::parse("01"), Some(ItemType::Licensing));
        assert!(Authority::DeputyDirector > Authority::SectionChief);
    }

    #[test]
    fn json_round_trip_is_exact() {
        let g = sample_guide();
        let s = serde_json::to_string(&g).unwrap();
        let back: ServiceGuide = serde_json::from_str(&s).unwrap();
        assert_eq!(back, g);
        assert_eq!(serde_json::to_string(&back).unwrap(), s);
    }
}
