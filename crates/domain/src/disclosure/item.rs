//! Proactive disclosure (主动公开): information items, their metadata, the review workflow and
//! the publication deadline.
//!
//! * Metadata follows what government sites publish for each item (条例 art. 12 目录: 索引, 名称,
//!   内容概述, 生成日期; common practice: 索引号, 主题分类, 体裁, 发布机构, 成文日期, 发布日期, 文号,
//!   有效性, 关键词).
//! * "未经审核的信息不得上网公布": a version reaches the public only after 保密审查 and 审核, each by
//!   someone other than its author ([`VersionState`] and [`check_reviewer`]). The one exception is
//!   an emergency publication, which needs a reason and waits for retrospective approval.
//! * 条例 art. 26: proactively disclosed information is published within 20 working days of the
//!   day it was formed or changed ([`publication_due`]).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::DomainError;
use crate::calendar::WorkCalendar;

labelled_enum!(
    /// The column of the disclosure catalogue (公开目录) an item is filed under: the platform's
    /// first-level sub-columns (公开指南, 公开制度, 年报) and the columns of 法定主动公开内容
    /// (条例 art. 20, and the columns named in the service center's reports).
    Column {
        /// 政府信息公开指南 (art. 12).
        Guide = ("guide", "公开指南"),
        /// 政府信息公开制度.
        Rules = ("rules", "公开制度"),
        /// 政府信息公开年报 (art. 49).
        AnnualReport = ("annual_report", "年报"),
        /// 机构职能 (art. 20 (二)).
        Functions = ("functions", "机构职能"),
        /// 人事信息 (art. 20 (十四)).
        Personnel = ("personnel", "人事信息"),
        /// 政策文件 (art. 20 (一)).
        Policies = ("policies", "政策文件"),
        /// 政策解读.
        Interpretation = ("interpretation", "政策解读"),
        /// 规划计划 (art. 20 (三)).
        Plans = ("plans", "规划计划"),
        /// 统计信息 (art. 20 (四)).
        Statistics = ("statistics", "统计信息"),
        /// 财政资金 (art. 20 (七)).
        Finance = ("finance", "财政资金"),
        /// 清单公开 (权责清单, 收费清单; art. 20 (八)).
        Lists = ("lists", "清单公开"),
        /// 行政许可 (art. 20 (五)).
        Licensing = ("licensing", "行政许可"),
        /// 行政处罚 (art. 20 (六)).
        Penalties = ("penalties", "行政处罚"),
        /// 网上办事.
        Services = ("services", "网上办事"),
        /// 互动交流.
        Interaction = ("interaction", "互动交流"),
        /// 通知公告.
        Notices = ("notices", "通知公告"),
        /// 工作动态.
        News = ("news", "工作动态"),
        /// 建议提案办理.
        Proposals = ("proposals", "建议提案办理"),
        /// 公共服务 (art. 21).
        PublicServices = ("public_services", "公共服务"),
    }
);

impl Column {
    /// The four-digit column code inside an index number (e.g. `0900` in
    /// `QZ00100-0900-2019-00001`).
    pub fn code(self) -> &'static str {
        match self {
            Column::Guide => "0100",
            Column::Rules => "0200",
            Column::AnnualReport => "0300",
            Column::Functions => "0400",
            Column::Personnel => "0500",
            Column::Policies => "0600",
            Column::Interpretation => "0700",
            Column::Plans => "0800",
            Column::Statistics => "0900",
            Column::Finance => "1000",
            Column::Lists => "1100",
            Column::Licensing => "1200",
            Column::Penalties => "1300",
            Column::Services => "1400",
            Column::Interaction => "1500",
            Column::Notices => "1600",
            Column::News => "1700",
            Column::Proposals => "1800",
            Column::PublicServices => "1900",
        }
    }

    /// Whether the column belongs to 法定主动公开内容 (the catalogue tree), rather than to the
    /// guide, rules and annual-report columns.
    pub fn is_statutory_content(self) -> bool {
        !matches!(self, Column::Guide | Column::Rules | Column::AnnualReport)
    }

    /// The column for a category name used by an old website (site migration): the column's
    /// own label or machine name, or a common synonym; anything else is filed under 通知公告.
    pub fn from_category(category: &str) -> Column {
        let c = category.trim();
        if let Some(col) = Column::parse(c) {
            return col;
        }
        match c {
            "统计数据" => Column::Statistics,
            "财政预决算" | "财政信息" => Column::Finance,
            "规章" | "规范性文件" | "法规文件" => Column::Policies,
            "机构概况" | "领导信息" => Column::Functions,
            "年度报告" | "政府信息公开年报" => Column::AnnualReport,
            "政府信息公开指南" => Column::Guide,
            "政府信息公开制度" => Column::Rules,
            _ => Column::Notices,
        }
    }
}

labelled_enum!(
    /// 体裁: the kind of document. Table 二 of the annual report counts 规章 and 行政规范性文件.
    Genre {
        /// 规章.
        Rule = ("rule", "规章"),
        /// 行政规范性文件.
        Normative = ("normative", "行政规范性文件"),
        /// 通知.
        Notice = ("notice", "通知"),
        /// 公告.
        Announcement = ("announcement", "公告"),
        /// 批复.
        Reply = ("reply", "批复"),
        /// 意见.
        Opinion = ("opinion", "意见"),
        /// 报告.
        Report = ("report", "报告"),
        /// 方案 / 规划.
        Plan = ("plan", "方案"),
        /// 解读.
        Interpretation = ("interpretation", "解读"),
        /// 其他.
        Other = ("other", "其他"),
    }
);

impl Genre {
    /// The genre a title suggests (site migration: old sites rarely export it). Falls back to
    /// [`Genre::Other`].
    pub fn from_title(title: &str) -> Genre {
        let t = title.trim_end_matches(['）', ')', ' ']);
        let ends = |s: &str| t.ends_with(s);
        if ends("规定") || ends("办法") && t.contains("规章") {
            Genre::Rule
        } else if ends("通知") {
            Genre::Notice
        } else if ends("公告") || ends("通告") {
            Genre::Announcement
        } else if ends("批复") {
            Genre::Reply
        } else if ends("意见") || ends("实施意见") {
            Genre::Opinion
        } else if ends("报告") {
            Genre::Report
        } else if ends("方案") || ends("规划") || ends("计划") {
            Genre::Plan
        } else if ends("解读") {
            Genre::Interpretation
        } else {
            Genre::Other
        }
    }
}

labelled_enum!(
    /// 有效性. A repealed or expired document stays online and says so (政府网站发展指引: mark
    /// amended, repealed or invalid documents on the original).
    Validity {
        /// 有效.
        Valid = ("valid", "有效"),
        /// 失效.
        Expired = ("expired", "失效"),
        /// 废止.
        Repealed = ("repealed", "废止"),
    }
);

labelled_enum!(
    /// 公开属性: whether the item is proactively published, released on application only, or
    /// withheld (with the legal reason, 条例 arts. 14–16).
    Attribute {
        /// 主动公开.
        Proactive = ("proactive", "主动公开"),
        /// 依申请公开.
        OnApplication = ("on_application", "依申请公开"),
        /// 不予公开.
        Withheld = ("withheld", "不予公开"),
    }
);

labelled_enum!(
    /// Size of a change to a published item.
    ChangeSize {
        /// 重大更新: content changed.
        Major = ("major", "重大更新"),
        /// 一般更新: corrections, metadata.
        Minor = ("minor", "一般更新"),
    }
);

labelled_enum!(
    /// Where one version of an item stands in the workflow.
    VersionState {
        /// 草稿 (also after a reviewer sent it back).
        Draft = ("draft", "草稿"),
        /// 待保密审查.
        SecrecyReview = ("secrecy_review", "待保密审查"),
        /// 待内容审核.
        ContentReview = ("content_review", "待内容审核"),
        /// 待发布: passed both reviews, publication time in the future.
        Scheduled = ("scheduled", "定时发布"),
        /// 已发布: the live version.
        Published = ("published", "已发布"),
        /// 已被新版本替代.
        Superseded = ("superseded", "已替代"),
        /// 已撤回.
        Withdrawn = ("withdrawn", "已撤回"),
        /// 已放弃: a draft the author dropped.
        Abandoned = ("abandoned", "已放弃"),
    }
);

/// A review decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
    /// Passed.
    Pass,
    /// Sent back to the author.
    Return,
}

impl VersionState {
    /// The author hands the draft in for review.
    pub fn submit(self) -> Result<VersionState, DomainError> {
        match self {
            VersionState::Draft => Ok(VersionState::SecrecyReview),
            other => Err(other.invalid(VersionState::SecrecyReview)),
        }
    }

    /// A reviewer decides the step the version waits in. `publish_now` says whether the
    /// publication time has come (else the passed version is scheduled).
    pub fn review(self, verdict: Verdict, publish_now: bool) -> Result<VersionState, DomainError> {
        match (self, verdict) {
            (VersionState::SecrecyReview | VersionState::ContentReview, Verdict::Return) => {
                Ok(VersionState::Draft)
            }
            (VersionState::SecrecyReview, Verdict::Pass) => Ok(VersionState::ContentReview),
            (VersionState::ContentReview, Verdict::Pass) if publish_now => {
                Ok(VersionState::Published)
            }
            (VersionState::ContentReview, Verdict::Pass) => Ok(VersionState::Scheduled),
            (other, Verdict::Pass) => Err(other.invalid(VersionState::ContentReview)),
            (other, Verdict::Return) => Err(other.invalid(VersionState::Draft)),
        }
    }

    /// A scheduled version's time has come.
    pub fn release(self) -> Result<VersionState, DomainError> {
        match self {
            VersionState::Scheduled => Ok(VersionState::Published),
            other => Err(other.invalid(VersionState::Published)),
        }
    }

    /// The live version is withdrawn (or a scheduled one cancelled).
    pub fn withdraw(self) -> Result<VersionState, DomainError> {
        match self {
            VersionState::Published | VersionState::Scheduled => Ok(VersionState::Withdrawn),
            other => Err(other.invalid(VersionState::Withdrawn)),
        }
    }

    /// The author drops a draft that was never published.
    pub fn abandon(self) -> Result<VersionState, DomainError> {
        match self {
            VersionState::Draft => Ok(VersionState::Abandoned),
            other => Err(other.invalid(VersionState::Abandoned)),
        }
    }

    /// An emergency publication skips the reviews (logged, reason required, approved
    /// afterwards). Only a version still in the workflow can be published this way.
    pub fn emergency(self) -> Result<VersionState, DomainError> {
        match self {
            VersionState::Draft | VersionState::SecrecyReview | VersionState::ContentReview => {
                Ok(VersionState::Published)
            }
            other => Err(other.invalid(VersionState::Published)),
        }
    }

    /// Whether the version is still in the author's or reviewers' hands.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            VersionState::Draft | VersionState::SecrecyReview | VersionState::ContentReview
        )
    }

    fn invalid(self, to: VersionState) -> DomainError {
        DomainError::InvalidTransition {
            from: self.as_str(),
            to: to.as_str(),
        }
    }
}

/// "The author cannot approve their own item": a reviewer must be someone else.
pub fn check_reviewer(author: i64, reviewer: i64) -> Result<(), DomainError> {
    if author == reviewer {
        return Err(DomainError::field(
            "reviewer",
            "不能审核本人起草的信息（审核须由起草人以外的人员进行）",
            "the author cannot review their own item",
        ));
    }
    Ok(())
}

/// An emergency publication needs a real reason.
pub fn check_emergency_reason(reason: &str) -> Result<String, DomainError> {
    let r = reason.trim();
    if r.chars().count() < 4 {
        return Err(DomainError::field(
            "reason",
            "紧急发布必须说明理由（至少4个字）",
            "an emergency publication needs a reason (at least 4 characters)",
        ));
    }
    Ok(r.to_owned())
}

/// 条例 art. 26: 属于主动公开范围的政府信息，应当自该政府信息形成或者变更之日起20个工作日内及时公开.
pub const PUBLICATION_WORKING_DAYS: u32 = 20;

/// The last day to publish information formed or changed on `formed_on` (art. 26).
pub fn publication_due(cal: &WorkCalendar, formed_on: NaiveDate) -> Result<NaiveDate, DomainError> {
    cal.add_working_days(formed_on, PUBLICATION_WORKING_DAYS)
}

/// Where an unpublished item stands against its publication deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineLevel {
    /// More than the warning margin left.
    Ok,
    /// At most the warning margin left (yellow).
    Approaching,
    /// Past the deadline (red).
    Overdue,
}

/// Working days left until `due` (negative when past), counting from `today` (not counted).
pub fn deadline_level(
    cal: &WorkCalendar,
    today: NaiveDate,
    due: NaiveDate,
    warn_days: u32,
) -> Result<(DeadlineLevel, i64), DomainError> {
    if today > due {
        let late = cal.working_days_between(due, today)?;
        return Ok((DeadlineLevel::Overdue, -i64::from(late.max(1))));
    }
    let left = i64::from(cal.working_days_between(today, due)?);
    let level = if left <= i64::from(warn_days) {
        DeadlineLevel::Approaching
    } else {
        DeadlineLevel::Ok
    };
    Ok((level, left))
}

/// The pattern of index numbers (索引号). Provincial rules differ (domain rules §7.3), so it is
/// configurable: placeholders `{body}` (the body's index code), `{column}` (the column's
/// four-digit code), `{year}` (four digits) and `{serial}` (five digits, sequential per body
/// and year); `{body}`, `{year}` and `{serial}` are required so that numbers are unique.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexFormat(String);

impl Default for IndexFormat {
    /// Like the service center's own numbers: `QZ00100-0900-2019-00001`.
    fn default() -> Self {
        IndexFormat("{body}-{column}-{year}-{serial}".to_owned())
    }
}

impl IndexFormat {
    /// Check a pattern.
    pub fn parse(pattern: &str) -> Result<IndexFormat, DomainError> {
        let p = pattern.trim();
        for required in ["{body}", "{year}", "{serial}"] {
            if !p.contains(required) {
                return Err(DomainError::field(
                    "index_format",
                    format!("索引号格式必须包含 {required}"),
                    format!("the index-number pattern must contain {required}"),
                ));
            }
        }
        let stripped = ["{body}", "{column}", "{year}", "{serial}"]
            .iter()
            .fold(p.to_owned(), |s, ph| s.replace(ph, ""));
        if stripped.contains('{') || stripped.contains('}') || p.chars().count() > 80 {
            return Err(DomainError::field(
                "index_format",
                "索引号格式只能使用 {body}、{column}、{year}、{serial} 占位符",
                "the index-number pattern may only use {body}, {column}, {year}, {serial}",
            ));
        }
        Ok(IndexFormat(p.to_owned()))
    }

    /// The pattern.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The index number of the `serial`-th item of `body` in `year`.
    pub fn format(&self, body: &str, column: Column, year: i32, serial: u32) -> String {
        self.0
            .replace("{body}", body)
            .replace("{column}", column.code())
            .replace("{year}", &format!("{year:04}"))
            .replace("{serial}", &format!("{serial:05}"))
    }
}

/// What an officer writes for one version of an item. [`ItemContent::validate`] trims and
/// checks it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemContent {
    /// 名称.
    pub title: String,
    /// 文号 (may be empty).
    pub doc_number: String,
    /// 发布机构 / 发文机关.
    pub issuing_body: String,
    /// 成文日期.
    pub written_on: Option<NaiveDate>,
    /// The day the information was formed or last changed (art. 26 clock).
    pub formed_on: NaiveDate,
    /// 公开目录 column.
    pub column: Column,
    /// 主题分类 (free, e.g. `综合政务\政务公开`).
    pub topic: String,
    /// 体裁.
    pub genre: Genre,
    /// 关键词.
    pub keywords: Vec<String>,
    /// 有效性.
    pub validity: Validity,
    /// 公开属性.
    pub attribute: Attribute,
    /// Legal reason when the attribute is not 主动公开.
    pub attribute_reason: String,
    /// 内容概述 (目录 element, art. 12); may be empty (the body's start is shown instead).
    pub summary: String,
    /// Body, in the markup the editor uses.
    pub body: String,
}

/// Longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest body source, in bytes.
pub const MAX_BODY_BYTES: usize = 2_000_000;

impl ItemContent {
    /// Check the day the information was formed or changed against `today`: it cannot lie in
    /// the future (the 20-working-day limit of art. 26 runs from it) nor before the People's
    /// Republic (1949-10-01), which no date entered for a government body can.
    pub fn check_formed_on(&self, today: NaiveDate) -> Result<(), DomainError> {
        let first = NaiveDate::from_ymd_opt(1949, 10, 1).unwrap_or(NaiveDate::MIN);
        if self.formed_on > today || self.formed_on < first {
            return Err(DomainError::field(
                "formed_on",
                format!(
                    "信息形成（变更）日期 {} 不合理：应在 1949-10-01 至今天（{today}）之间",
                    self.formed_on
                ),
                format!(
                    "formed_on {} must lie between 1949-10-01 and today ({today})",
                    self.formed_on
                ),
            ));
        }
        Ok(())
    }

    /// Trim and check every field; the first problem is returned, naming its field.
    pub fn validate(mut self) -> Result<ItemContent, DomainError> {
        let trim = |s: &mut String| *s = s.trim().to_owned();
        trim(&mut self.title);
        trim(&mut self.doc_number);
        trim(&mut self.issuing_body);
        trim(&mut self.topic);
        trim(&mut self.attribute_reason);
        trim(&mut self.summary);
        self.keywords = self
            .keywords
            .iter()
            .flat_map(|k| k.split([',', '，', '、', ';', '；', ' ']))
            .map(|k| k.trim().to_owned())
            .filter(|k| !k.is_empty())
            .collect();
        self.keywords.dedup();
        let bounded = |field: &'static str, zh: &str, v: &str, max: usize| {
            if v.chars().count() > max {
                Err(DomainError::field(
                    field,
                    format!("{zh}过长（最多{max}字）"),
                    format!("{field} is too long (at most {max} characters)"),
                ))
            } else {
                Ok(())
            }
        };
        if self.title.is_empty() {
            return Err(DomainError::field(
                "title",
                "请填写标题",
                "title is required",
            ));
        }
        bounded("title", "标题", &self.title, MAX_TITLE_CHARS)?;
        bounded("doc_number", "文号", &self.doc_number, 100)?;
        if self.issuing_body.is_empty() {
            return Err(DomainError::field(
                "issuing_body",
                "请填写发布机构",
                "issuing_body is required",
            ));
        }
        bounded("issuing_body", "发布机构", &self.issuing_body, 100)?;
        bounded("topic", "主题分类", &self.topic, 100)?;
        bounded("summary", "内容概述", &self.summary, 1000)?;
        bounded(
            "attribute_reason",
            "不公开理由",
            &self.attribute_reason,
            1000,
        )?;
        if self.keywords.len() > 20 || self.keywords.iter().any(|k| k.chars().count() > 30) {
            return Err(DomainError::field(
                "keywords",
                "关键词最多20个，每个不超过30字",
                "at most 20 keywords of at most 30 characters each",
            ));
        }
        if self.body.trim().is_empty() {
            return Err(DomainError::field("body", "请填写正文", "body is required"));
        }
        if self.body.len() > MAX_BODY_BYTES {
            return Err(DomainError::field(
                "body",
                "正文过长（最多2MB）",
                "body is too long (at most 2 MB)",
            ));
        }
        if let Some(w) = self.written_on
            && w > self.formed_on
        {
            return Err(DomainError::field(
                "written_on",
                "成文日期不能晚于信息形成（变更）日期",
                "written_on cannot be after formed_on",
            ));
        }
        // 条例 arts. 14–16: information is withheld or limited to applicants only on a legal
        // ground, which must be recorded.
        if self.attribute != Attribute::Proactive && self.attribute_reason.is_empty() {
            return Err(DomainError::field(
                "attribute_reason",
                "依申请公开或不予公开的信息必须说明法定理由",
                "items not proactively disclosed need the legal reason",
            ));
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content() -> ItemContent {
        ItemContent {
            title: " 关于进一步优化营业执照办理工作的通知 ".into(),
            doc_number: "泉行服〔2026〕3号".into(),
            issuing_body: "泉州市行政服务中心".into(),
            written_on: NaiveDate::from_ymd_opt(2026, 3, 2),
            formed_on: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default(),
            column: Column::Policies,
            topic: "综合政务\\政务公开".into(),
            genre: Genre::Notice,
            keywords: vec!["营业执照，企业开办".into()],
            validity: Validity::Valid,
            attribute: Attribute::Proactive,
            attribute_reason: String::new(),
            summary: String::new(),
            body: "正文".into(),
        }
    }

    #[test]
    fn workflow_has_no_bypass() {
        use VersionState::*;
        assert_eq!(Draft.submit(), Ok(SecrecyReview));
        assert_eq!(SecrecyReview.review(Verdict::Pass, true), Ok(ContentReview));
        assert_eq!(ContentReview.review(Verdict::Pass, true), Ok(Published));
        assert_eq!(ContentReview.review(Verdict::Pass, false), Ok(Scheduled));
        assert_eq!(SecrecyReview.review(Verdict::Return, true), Ok(Draft));
        assert_eq!(ContentReview.review(Verdict::Return, true), Ok(Draft));
        // Nothing but a passed content review publishes.
        for s in VersionState::ALL {
            for v in [Verdict::Pass, Verdict::Return] {
                if let Ok(next) = s.review(v, true) {
                    assert!(
                        next != Published || *s == ContentReview,
                        "{s:?} --{v:?}--> published"
                    );
                }
            }
            if *s != Draft {
                assert!(s.submit().is_err());
            }
        }
        assert!(Draft.review(Verdict::Pass, true).is_err());
        assert!(Published.review(Verdict::Pass, true).is_err());
        assert_eq!(Scheduled.release(), Ok(Published));
        assert!(Draft.release().is_err());
        assert_eq!(Published.withdraw(), Ok(Withdrawn));
        assert!(Draft.withdraw().is_err());
        assert!(Published.emergency().is_err());
        assert_eq!(Draft.emergency(), Ok(Published));
    }

    #[test]
    fn author_cannot_review_own_item() {
        assert!(check_reviewer(7, 7).is_err());
        assert!(check_reviewer(7, 8).is_ok());
        assert!(check_emergency_reason(" 急 ").is_err());
        assert_eq!(
            check_emergency_reason(" 台风预警须立即发布 ")
                .ok()
                .as_deref(),
            Some("台风预警须立即发布")
        );
    }

    #[test]
    fn index_numbers_follow_the_pattern() {
        let f = IndexFormat::default();
        assert_eq!(
            f.format("QZ00100", Column::Statistics, 2019, 1),
            "QZ00100-0900-2019-00001"
        );
        let f = IndexFormat::parse("{body}/{year}-{serial}").unwrap_or_default();
        assert_eq!(
            f.format("000014349", Column::News, 2017, 110),
            "000014349/2017-00110"
        );
        assert!(IndexFormat::parse("{body}-{serial}").is_err());
        assert!(IndexFormat::parse("{body}-{year}-{serial}-{month}").is_err());
    }

    #[test]
    fn columns_have_distinct_codes_and_map_old_categories() {
        let mut codes: Vec<_> = Column::ALL.iter().map(|c| c.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), Column::ALL.len());
        assert_eq!(Column::from_category("统计数据"), Column::Statistics);
        assert_eq!(Column::from_category("政策解读"), Column::Interpretation);
        assert_eq!(Column::from_category("财政预决算"), Column::Finance);
        assert_eq!(Column::from_category("随便"), Column::Notices);
        assert_eq!(
            Genre::from_title("关于做好企业开办工作的通知"),
            Genre::Notice
        );
        assert_eq!(Genre::from_title("关于某事的批复"), Genre::Reply);
    }

    #[test]
    fn content_is_validated_field_by_field() {
        let c = content().validate().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.title, "关于进一步优化营业执照办理工作的通知");
        assert_eq!(c.keywords, vec!["营业执照", "企业开办"]);
        let field = |c: ItemContent| match c.validate() {
            Err(DomainError::Field(f)) => f.field,
            other => panic!("expected a field error, got {other:?}"),
        };
        assert_eq!(
            field(ItemContent {
                title: " ".into(),
                ..content()
            }),
            "title"
        );
        assert_eq!(
            field(ItemContent {
                body: "\n".into(),
                ..content()
            }),
            "body"
        );
        assert_eq!(
            field(ItemContent {
                attribute: Attribute::Withheld,
                ..content()
            }),
            "attribute_reason"
        );
        assert_eq!(
            field(ItemContent {
                title: "长".repeat(201),
                ..content()
            }),
            "title"
        );
        assert_eq!(
            field(ItemContent {
                written_on: NaiveDate::from_ymd_opt(2026, 4, 1),
                ..content()
            }),
            "written_on"
        );
    }

    #[test]
    fn publication_deadline_is_twenty_working_days() {
        let cal = WorkCalendar::official().unwrap_or_else(|e| panic!("{e}"));
        // 2026-09-25 (Fri) + 20 working days, across the National Day week (10-01..10-07 off,
        // 09-27 Sunday and 10-10 Saturday are make-up working days).
        let formed = NaiveDate::from_ymd_opt(2026, 9, 25).unwrap_or_default();
        let due = publication_due(&cal, formed).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(due, cal.add_working_days(formed, 20).unwrap_or_default());
        assert!(due > NaiveDate::from_ymd_opt(2026, 10, 20).unwrap_or_default());
        let (level, left) = deadline_level(&cal, formed, due, 3).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((level, left), (DeadlineLevel::Ok, 20));
        let late = due.succ_opt().unwrap_or_default();
        assert_eq!(
            deadline_level(&cal, late, due, 3).map(|x| x.0),
            Ok(DeadlineLevel::Overdue)
        );
    }

    #[test]
    fn formed_on_lies_between_1949_and_today() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        let mut c = content();
        for (d, ok) in [
            ((2026, 11, 26), true),
            ((1949, 10, 1), true),
            ((2026, 11, 27), false),
            ((1, 1, 1), false),
            ((1949, 9, 30), false),
        ] {
            c.formed_on = NaiveDate::from_ymd_opt(d.0, d.1, d.2).unwrap();
            let r = c.check_formed_on(today);
            assert_eq!(r.is_ok(), ok, "{d:?}");
            if let Err(e) = r {
                assert_eq!(e.field_name(), Some("formed_on"));
            }
        }
    }
}
