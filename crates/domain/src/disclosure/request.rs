//! Disclosure on application (依申请公开): who asks, how the request arrives, the statutory
//! clock, the national outcome taxonomy, fees, and appeals — 中华人民共和国政府信息公开条例
//! (国务院令第711号, in force 2019-05-15), chapter 四 (domain-rules §1).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::DomainError;
use crate::calendar::WorkCalendar;
use crate::case::clock::Clock;

/// Reply period: 20 working days from receipt (条例 art. 33 ¶1).
pub const REPLY_DAYS: u32 = 20;
/// Extension: at most 20 more working days, with the head's consent and a notice (art. 33 ¶1).
pub const EXTENSION_DAYS: u32 = 20;
/// The 补正 notice must go out within 7 working days of receipt, once (art. 30).
pub const CORRECTION_NOTICE_DAYS: u32 = 7;
/// A consulted third party or agency answers within 15 working days (arts. 32, 34); the time
/// is not counted in the reply period (art. 33 ¶2).
pub const CONSULTATION_DAYS: u32 = 15;
/// Payment window of a fee notice: 20 working days (国办函〔2020〕109号; the period is marked
/// UNSURE in domain-rules §1.1 D9 — configurable by changing this constant only).
pub const FEE_PAYMENT_DAYS: u32 = 20;

labelled_enum!(
    /// Applicant type, exactly the columns of the annual report's table 三 (domain-rules §2.3).
    RequesterKind {
        /// 自然人 (c1).
        NaturalPerson = ("natural_person", "自然人"),
        /// 商业企业 (c2).
        Commercial = ("commercial", "商业企业"),
        /// 科研机构 (c3).
        Research = ("research", "科研机构"),
        /// 社会公益组织 (c4).
        PublicWelfare = ("public_welfare", "社会公益组织"),
        /// 法律服务机构 (c5).
        LegalService = ("legal_service", "法律服务机构"),
        /// 其他 (c6).
        OtherOrg = ("other_org", "其他"),
    }
);

impl RequesterKind {
    /// Column of table 三 (1–6; 7 is the total).
    pub fn report_column(self) -> usize {
        match self {
            RequesterKind::NaturalPerson => 1,
            RequesterKind::Commercial => 2,
            RequesterKind::Research => 3,
            RequesterKind::PublicWelfare => 4,
            RequesterKind::LegalService => 5,
            RequesterKind::OtherOrg => 6,
        }
    }

    /// Whether the applicant is a natural person (identified by a resident ID; organisations
    /// by a unified social credit code — art. 29 (一) requires 身份证明).
    pub fn is_person(self) -> bool {
        self == RequesterKind::NaturalPerson
    }
}

labelled_enum!(
    /// How a request arrived (条例 art. 29; 国办公开办函〔2017〕19号).
    Channel {
        /// 当面提交.
        InPerson = ("in_person", "当面提交"),
        /// 邮政寄送 with a signature (挂号信, EMS …).
        RegisteredMail = ("registered_mail", "邮寄（需签收）"),
        /// 平常信函.
        OrdinaryMail = ("ordinary_mail", "平常信函"),
        /// 在线申请 on the portal.
        Online = ("online", "在线申请"),
        /// 传真.
        Fax = ("fax", "传真"),
        /// 电子邮件 to the published mailbox.
        Email = ("email", "电子邮件"),
    }
);

impl Channel {
    /// What the date of receipt is for this channel (条例 art. 31; 国办公开办函〔2015〕207号
    /// for e-mail), as the label of the date the clerk enters.
    pub fn receipt_rule(self) -> (&'static str, &'static str) {
        match self {
            Channel::InPerson => ("申请人提交之日", "the day it was handed in"),
            Channel::RegisteredMail => ("本机关签收之日", "the day the agency signed for it"),
            Channel::OrdinaryMail => (
                "与申请人确认之日（信件到达当日须确认）",
                "the day receipt was confirmed with the applicant",
            ),
            Channel::Online => (
                "双方确认之日（系统回执之日）",
                "the day both sides confirmed (the system's receipt)",
            ),
            Channel::Fax => ("双方确认之日", "the day both sides confirmed"),
            Channel::Email => (
                "电子邮件系统收到之日",
                "the day the mail system received it",
            ),
        }
    }
}

labelled_enum!(
    /// The form the information is wanted in (载体形式, art. 29 (三)).
    InfoForm {
        /// 纸质文本.
        Paper = ("paper", "纸质文本"),
        /// 电子邮件.
        Email = ("email", "电子邮件"),
        /// 光盘.
        Disc = ("disc", "光盘"),
        /// 电子数据.
        Electronic = ("electronic", "电子数据"),
    }
);

labelled_enum!(
    /// How the applicant obtains it (获取方式).
    Obtain {
        /// 邮寄.
        Post = ("post", "邮寄"),
        /// 快递.
        Express = ("express", "快递"),
        /// 电子邮件.
        Email = ("email", "电子邮件"),
        /// 传真.
        Fax = ("fax", "传真"),
        /// 当面领取.
        Pickup = ("pickup", "当面领取"),
        /// 现场查阅.
        Inspect = ("inspect", "现场查阅"),
    }
);

labelled_enum!(
    /// Where a request stands.
    RequestStatus {
        /// Being handled; the reply clock runs.
        Open = ("open", "办理中"),
        /// 补正 notice sent; the clock is stopped until the completed request arrives.
        AwaitingCorrection = ("awaiting_correction", "待补正"),
        /// Consulting a third party or another agency; not counted (art. 33 ¶2).
        Consulting = ("consulting", "征求意见中"),
        /// Fee notice sent and unpaid; not counted.
        AwaitingFee = ("awaiting_fee", "待缴费"),
        /// Replied (答复) or otherwise closed with an outcome of the taxonomy.
        Replied = ("replied", "已答复"),
    }
);

impl RequestStatus {
    /// Whether the request still needs a reply.
    pub fn is_pending(self) -> bool {
        self != RequestStatus::Replied
    }
}

labelled_enum!(
    /// The national outcome taxonomy: the rows of table 三 of the annual report (2021 format,
    /// domain-rules §2.3) and the art. 36–39 reply types behind them (§1.5).
    ReplyOutcome {
        /// （一）予以公开 (art. 36 (一)(二)).
        Disclosed = ("disclosed", "予以公开"),
        /// （二）部分公开 (art. 37, 区分处理).
        Partial = ("partial", "部分公开"),
        /// （三）1 属于国家秘密 (art. 14).
        StateSecret = ("withheld_state_secret", "不予公开：属于国家秘密"),
        /// （三）2 其他法律行政法规禁止公开 (art. 14).
        Prohibited = ("withheld_prohibited", "不予公开：其他法律行政法规禁止公开"),
        /// （三）3 危及“三安全一稳定” (art. 14).
        Security = ("withheld_security", "不予公开：危及“三安全一稳定”"),
        /// （三）4 保护第三方合法权益 (art. 15).
        ThirdParty = ("withheld_third_party", "不予公开：保护第三方合法权益"),
        /// （三）5 属于三类内部事务信息 (art. 16 ¶1).
        Internal = ("withheld_internal", "不予公开：属于三类内部事务信息"),
        /// （三）6 属于四类过程性信息 (art. 16 ¶2).
        Process = ("withheld_process", "不予公开：属于四类过程性信息"),
        /// （三）7 属于行政执法案卷 (art. 16 ¶2).
        EnforcementFile = ("withheld_enforcement", "不予公开：属于行政执法案卷"),
        /// （三）8 属于行政查询事项 (art. 36 (七)).
        Inquiry = ("withheld_inquiry", "不予公开：属于行政查询事项"),
        /// （四）1 本机关不掌握相关政府信息 (art. 36 (四)(五)).
        NotHeld = ("unavailable_not_held", "无法提供：本机关不掌握相关政府信息"),
        /// （四）2 没有现成信息需要另行制作 (art. 38).
        NeedsCreation = ("unavailable_needs_creation", "无法提供：没有现成信息需要另行制作"),
        /// （四）3 补正后申请内容仍不明确 (art. 30).
        Unclear = ("unavailable_unclear", "无法提供：补正后申请内容仍不明确"),
        /// （五）1 信访举报投诉类申请 (art. 39 ¶1).
        Petition = ("not_handled_petition", "不予处理：信访举报投诉类申请"),
        /// （五）2 重复申请 (art. 36 (六)).
        Repeat = ("not_handled_repeat", "不予处理：重复申请"),
        /// （五）3 要求提供公开出版物 (art. 39 ¶2).
        Publication = ("not_handled_publication", "不予处理：要求提供公开出版物"),
        /// （五）4 无正当理由大量反复申请 (art. 35).
        Excessive = ("not_handled_excessive", "不予处理：无正当理由大量反复申请"),
        /// （五）5 要求行政机关确认或重新出具已获取信息.
        Confirmation = ("not_handled_confirmation", "不予处理：要求行政机关确认或重新出具已获取信息"),
        /// （六）1 申请人无正当理由逾期不补正 (art. 30).
        CorrectionOverdue = ("other_correction_overdue", "其他处理：逾期不补正，不再处理"),
        /// （六）2 申请人逾期未缴纳信息处理费 (国办函〔2020〕109号).
        FeeUnpaid = ("other_fee_unpaid", "其他处理：逾期未缴纳信息处理费，不再处理"),
        /// （六）3 其他 (e.g. the applicant withdrew).
        Other = ("other", "其他处理：其他"),
    }
);

impl ReplyOutcome {
    /// Row of table 三 (r3–r23).
    pub fn report_row(self) -> usize {
        3 + ReplyOutcome::ALL
            .iter()
            .position(|o| *o == self)
            .unwrap_or(20)
    }

    /// The legal basis cited in the reply letter.
    pub fn basis(self) -> &'static str {
        use ReplyOutcome::*;
        match self {
            Disclosed => "《中华人民共和国政府信息公开条例》第三十六条第（二）项",
            Partial => "《中华人民共和国政府信息公开条例》第三十七条",
            StateSecret | Prohibited | Security => {
                "《中华人民共和国政府信息公开条例》第十四条、第三十六条第（三）项"
            }
            ThirdParty => {
                "《中华人民共和国政府信息公开条例》第十五条、第三十二条、第三十六条第（三）项"
            }
            Internal => "《中华人民共和国政府信息公开条例》第十六条第一款、第三十六条第（三）项",
            Process | EnforcementFile => {
                "《中华人民共和国政府信息公开条例》第十六条第二款、第三十六条第（三）项"
            }
            Inquiry => "《中华人民共和国政府信息公开条例》第三十六条第（七）项",
            NotHeld => "《中华人民共和国政府信息公开条例》第三十六条第（四）项",
            NeedsCreation => "《中华人民共和国政府信息公开条例》第三十八条",
            Unclear | CorrectionOverdue => "《中华人民共和国政府信息公开条例》第三十条",
            Petition | Publication => "《中华人民共和国政府信息公开条例》第三十九条",
            Repeat => "《中华人民共和国政府信息公开条例》第三十六条第（六）项",
            Excessive => "《中华人民共和国政府信息公开条例》第三十五条",
            Confirmation => "《中华人民共和国政府信息公开条例》第三十九条",
            FeeUnpaid => "《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）",
            Other => "《中华人民共和国政府信息公开条例》",
        }
    }

    /// Whether information is provided with the reply (a released file may be attached).
    pub fn provides_information(self) -> bool {
        matches!(self, ReplyOutcome::Disclosed | ReplyOutcome::Partial)
    }

    /// Whether the officer must state reasons (every refusal or non-handling does; art. 36).
    pub fn needs_reason(self) -> bool {
        !matches!(self, ReplyOutcome::Disclosed)
    }

    /// Title of the letter that carries this outcome.
    pub fn title(self) -> &'static str {
        match self {
            ReplyOutcome::Disclosed => "政府信息公开申请答复书（予以公开）",
            ReplyOutcome::Partial => "政府信息公开申请答复书（部分公开）",
            ReplyOutcome::CorrectionOverdue | ReplyOutcome::FeeUnpaid => {
                "政府信息公开申请终止处理告知书"
            }
            _ => "政府信息公开申请答复书",
        }
    }
}

/// The remedy statement of every reply (行政复议法 art. 20: 60 days; 行政诉讼法 art. 46: six
/// months).
pub const REMEDY_ZH: &str = "如对本答复不服，可以自收到本答复之日起六十日内依法申请行政复议，或者自收到本答复之日起六个月内依法向人民法院提起行政诉讼。";

/// What a reply letter says, beyond the fixed parts.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LetterFacts {
    /// Applicant's name.
    pub applicant: String,
    /// Date of receipt (formatted).
    pub received: String,
    /// The request number.
    pub request_no: String,
    /// What was asked for.
    pub description: String,
    /// The officer's reasons / explanation.
    pub reason: String,
    /// How the information is provided (form and way), for 公开 / 部分公开.
    pub provision: String,
    /// Where the information can be found or who holds it (already public; other agency).
    pub pointer: String,
}

/// The body paragraphs of the reply letter for an outcome (domain-rules §7.4: receipt date,
/// decision with its article, how the information is provided, the remedy statement).
pub fn reply_paragraphs(outcome: ReplyOutcome, f: &LetterFacts) -> Vec<String> {
    use ReplyOutcome::*;
    let opening = format!(
        "本机关于{}收到您（单位）提出的政府信息公开申请（申请编号：{}），申请获取“{}”。经审查，现答复如下：",
        f.received, f.request_no, f.description
    );
    let reason = if f.reason.trim().is_empty() {
        String::new()
    } else {
        format!("理由：{}", f.reason.trim())
    };
    let basis = outcome.basis();
    let mut p = vec![opening];
    match outcome {
        Disclosed => {
            p.push(format!(
                "您申请获取的政府信息属于公开范围。根据{basis}的规定，本机关予以公开。"
            ));
            p.push(format!(
                "提供方式：{}。",
                nonempty(&f.provision, "见所附文件")
            ));
            if !f.pointer.trim().is_empty() {
                p.push(format!(
                    "该信息已主动公开，您可以通过以下途径获取：{}。",
                    f.pointer.trim()
                ));
            }
        }
        Partial => {
            p.push(format!(
                "您申请获取的政府信息中含有不应当公开的内容，但能够作区分处理。根据{basis}的规定，本机关向您提供可以公开的部分，并对不予公开的部分说明理由。"
            ));
            p.push(reason);
            p.push(format!(
                "提供方式：{}。可以公开的部分见所附文件。",
                nonempty(&f.provision, "见所附文件")
            ));
        }
        StateSecret | Prohibited | Security | ThirdParty | Internal | Process | EnforcementFile => {
            p.push(format!(
                "您申请获取的政府信息{}。根据{basis}的规定，本机关决定不予公开。",
                withheld_phrase(outcome)
            ));
            p.push(reason);
        }
        Inquiry => {
            p.push(format!(
                "您申请获取的信息属于法律、行政法规对信息的获取有特别规定的行政查询事项。根据{basis}的规定，请您按照有关法律、行政法规的规定办理查询。"
            ));
            p.push(nonempty_line("办理途径：", &f.pointer));
            p.push(reason);
        }
        NotHeld => {
            p.push(format!(
                "经检索查找，本机关未制作或者获取您申请的政府信息，该政府信息不存在。根据{basis}的规定，特此告知。"
            ));
            p.push(nonempty_line(
                "负责公开该信息的机关及联系方式：",
                &f.pointer,
            ));
            p.push(reason);
        }
        NeedsCreation => {
            p.push(format!(
                "您申请的信息需要本机关对现有政府信息进行加工、分析后方能形成。根据{basis}的规定，本机关不予提供。"
            ));
            p.push(reason);
        }
        Unclear => {
            p.push(format!(
                "本机关已就您的申请作出补正告知，补正后申请内容仍不明确，无法确定您所需的政府信息。根据{basis}的规定，本机关无法提供。"
            ));
            p.push(reason);
        }
        Petition | Repeat | Publication | Excessive | Confirmation => {
            p.push(format!(
                "您的申请{}。根据{basis}的规定，本机关不作为政府信息公开申请处理。",
                not_handled_phrase(outcome)
            ));
            p.push(nonempty_line("您可以通过以下途径办理：", &f.pointer));
            p.push(reason);
        }
        CorrectionOverdue => {
            p.push(format!(
                "本机关已向您发出补正申请告知书，您无正当理由逾期未补正。根据{basis}的规定，视为您放弃申请，本机关不再处理该政府信息公开申请。"
            ));
        }
        FeeUnpaid => {
            p.push(format!(
                "本机关已向您发出收取信息处理费通知，您逾期未按通知要求缴纳费用。根据{basis}的规定，本机关不再处理该政府信息公开申请。"
            ));
        }
        Other => {
            p.push(format!(
                "根据{basis}的有关规定，本机关对您的申请作如下处理："
            ));
            p.push(reason);
        }
    }
    p.push(REMEDY_ZH.to_string());
    p.retain(|s| !s.trim().is_empty());
    p
}

fn nonempty(s: &str, default: &str) -> String {
    let s = s.trim();
    if s.is_empty() {
        default.to_string()
    } else {
        s.to_string()
    }
}

fn nonempty_line(label: &str, s: &str) -> String {
    let s = s.trim();
    if s.is_empty() {
        String::new()
    } else {
        format!("{label}{s}。")
    }
}

fn withheld_phrase(o: ReplyOutcome) -> &'static str {
    use ReplyOutcome::*;
    match o {
        StateSecret => "属于依法确定的国家秘密",
        Prohibited => "属于法律、行政法规禁止公开的信息",
        Security => "公开后可能危及国家安全、公共安全、经济安全、社会稳定",
        ThirdParty => "涉及商业秘密、个人隐私等，公开会对第三方合法权益造成损害",
        Internal => "属于人事管理、后勤管理、内部工作流程等内部事务信息",
        Process => "属于讨论记录、过程稿、磋商信函、请示报告等过程性信息",
        _ => "属于行政执法案卷信息",
    }
}

fn not_handled_phrase(o: ReplyOutcome) -> &'static str {
    use ReplyOutcome::*;
    match o {
        Petition => "实为信访、投诉、举报等诉求",
        Repeat => "属于重复申请，本机关已就相同内容作出过答复",
        Publication => "要求提供政府公报、报刊、书籍等公开出版物",
        Excessive => "申请公开政府信息的数量、频次明显超过合理范围，且未说明正当理由",
        _ => "属于要求行政机关确认或者重新出具已获取信息的情形",
    }
}

/// The reply clock of a request: 20 working days from receipt (art. 33), with 补正 restarts
/// (art. 30), consultation and fee-notice pauses (art. 33 ¶2) and one extension of at most
/// 20 days (art. 33 ¶1). The day of receipt is not counted (domain-rules §1.1).
pub fn new_clock(received: NaiveDate) -> Clock {
    Clock::new(received, REPLY_DAYS)
}

/// The last day a 补正 notice may go out (7 working days after receipt, art. 30).
pub fn correction_notice_deadline(
    cal: &WorkCalendar,
    received: NaiveDate,
) -> Result<NaiveDate, DomainError> {
    cal.add_working_days(received, CORRECTION_NOTICE_DAYS)
}

/// Check that a 补正 notice is allowed: only once, and within 7 working days of receipt.
pub fn check_correction(
    cal: &WorkCalendar,
    received: NaiveDate,
    on: NaiveDate,
    already_asked: bool,
) -> Result<(), DomainError> {
    if already_asked {
        return Err(DomainError::field(
            "correction",
            "补正告知只能作出一次（《政府信息公开条例》第三十条）",
            "correction: a request may be sent back for completion only once (art. 30)",
        ));
    }
    let last = correction_notice_deadline(cal, received)?;
    if on > last {
        return Err(DomainError::field(
            "correction",
            format!("补正告知须在收到申请之日起 7 个工作日内作出（最迟 {last}）"),
            format!("correction: must be within 7 working days of receipt (by {last})"),
        ));
    }
    Ok(())
}

/// 信息处理费 按件计收: the fee of the `nth` application (1-based) by the same applicant in one
/// calendar month, in yuan (国办函〔2020〕109号: 1–10 free; 11–30 ¥100; then bands of 10, each
/// band ¥100 more — 31–40 ¥200, 41–50 ¥300 …; the band prices are domain-rules' reading).
pub fn fee_by_count(nth: u32) -> u64 {
    match nth {
        0..=10 => 0,
        11..=30 => 100,
        n => 100 * (2 + u64::from(n - 31) / 10),
    }
}

/// 信息处理费 按量计收: the fee for `pages` pages of one application, in yuan, progressive by
/// excess (国办函〔2020〕109号: 1–30 free; 31–100 ¥10/page; 101–200 ¥20/page; 201+ ¥40/page).
pub fn fee_by_pages(pages: u32) -> u64 {
    let pages = u64::from(pages);
    let band = |lo: u64, hi: u64, price: u64| -> u64 {
        if pages < lo {
            0
        } else {
            (pages.min(hi) - lo + 1) * price
        }
    };
    band(31, 100, 10) + band(101, 200, 20) + band(201, u64::MAX, 40)
}

labelled_enum!(
    /// The kind of a legal challenge to a reply (table 四 of the annual report).
    AppealKind {
        /// 行政复议.
        Reconsideration = ("reconsideration", "行政复议"),
        /// 行政诉讼 — 未经复议直接起诉.
        DirectSuit = ("direct_suit", "行政诉讼（未经复议直接起诉）"),
        /// 行政诉讼 — 复议后起诉.
        SuitAfterReconsideration = ("suit_after_reconsideration", "行政诉讼（复议后起诉）"),
    }
);

labelled_enum!(
    /// The result of a challenge (table 四's columns).
    AppealResult {
        /// 结果维持.
        Upheld = ("upheld", "结果维持"),
        /// 结果纠正.
        Corrected = ("corrected", "结果纠正"),
        /// 其他结果.
        Other = ("other", "其他结果"),
        /// 尚未审结.
        Pending = ("pending", "尚未审结"),
    }
);

/// One request as the annual report sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportEntry {
    /// Applicant type (the column).
    pub kind: RequesterKind,
    /// 收到申请之日.
    pub received_on: NaiveDate,
    /// Reply day and outcome, if replied.
    pub replied: Option<(NaiveDate, ReplyOutcome)>,
}

/// Table 三 of the annual report for `year` (domain-rules §2.3, 2021 format): 25 rows × 7
/// columns (`table[r - 1][c - 1]`, rows r1–r25, columns c1–c6 by applicant type, c7 total).
///
/// - r1 new requests received in the year; r2 carried over from the year before (received
///   earlier, not replied by 1 January);
/// - r3–r23 requests of r1 + r2 replied in the year, by outcome; r24 their total;
/// - r25 carried over to the next year (of r1 + r2, not replied by 31 December).
///
/// So r1 + r2 = r24 + r25 in every column, and r2 of a year equals r25 of the year before.
pub fn table3(year: i32, entries: &[ReportEntry]) -> [[u64; 7]; 25] {
    let mut t = [[0u64; 7]; 25];
    let (Some(first), Some(last)) = (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year, 12, 31),
    ) else {
        return t;
    };
    let mut add = |row: usize, col: usize| {
        t[row - 1][col - 1] += 1;
        t[row - 1][6] += 1;
    };
    for e in entries {
        if e.received_on > last {
            continue;
        }
        let replied_before = e.replied.is_some_and(|(d, _)| d < first);
        if e.received_on < first && replied_before {
            continue;
        }
        let col = e.kind.report_column();
        add(if e.received_on >= first { 1 } else { 2 }, col);
        match e.replied {
            Some((d, outcome)) if d <= last => {
                add(outcome.report_row(), col);
                add(24, col);
            }
            _ => add(25, col),
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::clock::PauseKind;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn cal() -> WorkCalendar {
        WorkCalendar::official().unwrap()
    }

    /// domain-rules §6.5 worked examples.
    #[test]
    fn reply_deadlines_match_the_worked_examples() {
        let c = cal();
        assert_eq!(
            new_clock(d("2025-09-26")).due(&c).unwrap(),
            Some(d("2025-10-30"))
        );
        assert_eq!(
            correction_notice_deadline(&c, d("2025-09-26")).unwrap(),
            d("2025-10-13")
        );
        let mut k = new_clock(d("2025-09-26"));
        k.extend(EXTENSION_DAYS, d("2025-10-20"));
        assert_eq!(k.due(&c).unwrap(), Some(d("2025-11-27")));
        assert_eq!(
            new_clock(d("2026-02-10")).due(&c).unwrap(),
            Some(d("2026-03-16"))
        );
        // Across the year boundary.
        assert_eq!(
            new_clock(d("2025-12-31")).due(&c).unwrap(),
            Some(d("2026-01-29"))
        );
    }

    #[test]
    fn correction_restarts_the_clock_from_the_completed_request() {
        let c = cal();
        let mut k = new_clock(d("2026-02-10"));
        check_correction(&c, d("2026-02-10"), d("2026-02-12"), false).unwrap();
        k.pause(PauseKind::Correction, d("2026-02-12")).unwrap();
        assert_eq!(k.due(&c).unwrap(), None, "stopped while waiting");
        k.restart(d("2026-03-02")).unwrap();
        // 20 working days after 2026-03-02.
        assert_eq!(
            k.due(&c).unwrap(),
            Some(c.add_working_days(d("2026-03-02"), 20).unwrap())
        );
        assert_eq!(k.due(&c).unwrap(), Some(d("2026-03-30")));
    }

    #[test]
    fn correction_only_once_and_within_seven_working_days() {
        let c = cal();
        // Received 2025-09-26: the 7th working day is 2025-10-13 (National Day in between).
        assert!(check_correction(&c, d("2025-09-26"), d("2025-10-13"), false).is_ok());
        let late = check_correction(&c, d("2025-09-26"), d("2025-10-14"), false).unwrap_err();
        assert!(late.to_string().contains("7"), "{late}");
        assert!(check_correction(&c, d("2025-09-26"), d("2025-09-29"), true).is_err());
    }

    #[test]
    fn consultation_is_not_counted() {
        let c = cal();
        let mut k = new_clock(d("2026-02-10"));
        k.pause(PauseKind::Consultation, d("2026-02-24")).unwrap();
        k.resume(d("2026-03-03")).unwrap();
        // Without the pause 2026-03-16. The pause keeps out 2026-02-25..=2026-03-03: six working
        // days, the make-up Saturday 2026-02-28 among them.
        assert_eq!(k.due(&c).unwrap(), Some(d("2026-03-24")));
    }

    #[test]
    fn fees_follow_the_2020_rules() {
        assert_eq!(fee_by_count(1), 0);
        assert_eq!(fee_by_count(10), 0);
        assert_eq!(fee_by_count(11), 100);
        assert_eq!(fee_by_count(30), 100);
        assert_eq!(fee_by_count(31), 200);
        assert_eq!(fee_by_count(35), 200);
        assert_eq!(fee_by_count(41), 300);
        assert_eq!(fee_by_pages(30), 0);
        assert_eq!(fee_by_pages(31), 10);
        assert_eq!(fee_by_pages(100), 700);
        assert_eq!(fee_by_pages(250), 4_700, "domain-rules §1.6 example");
        // No overflow at the extremes.
        assert_eq!(
            fee_by_pages(u32::MAX),
            700 + 2_000 + (u64::from(u32::MAX) - 200) * 40
        );
        assert!(fee_by_count(u32::MAX) > fee_by_count(41));
    }

    #[test]
    fn table3_carries_requests_over_the_year_boundary() {
        let e = |kind, rec: &str, rep: Option<(&str, ReplyOutcome)>| ReportEntry {
            kind,
            received_on: d(rec),
            replied: rep.map(|(x, o)| (d(x), o)),
        };
        let entries = [
            // Received and answered in 2025: not in 2026 at all.
            e(
                RequesterKind::NaturalPerson,
                "2025-03-01",
                Some(("2025-03-20", ReplyOutcome::Disclosed)),
            ),
            // Received in December 2025, answered in January 2026: carried over (r2).
            e(
                RequesterKind::Commercial,
                "2025-12-30",
                Some(("2026-01-20", ReplyOutcome::Partial)),
            ),
            // New in 2026, answered.
            e(
                RequesterKind::NaturalPerson,
                "2026-02-10",
                Some(("2026-03-01", ReplyOutcome::NotHeld)),
            ),
            // New in 2026, answered in 2027: carried to 2027 (r25).
            e(
                RequesterKind::LegalService,
                "2026-12-28",
                Some(("2027-01-10", ReplyOutcome::Disclosed)),
            ),
            // Received in 2027: not in 2026.
            e(RequesterKind::NaturalPerson, "2027-01-02", None),
        ];
        let t = table3(2026, &entries);
        assert_eq!(t[0][6], 2, "r1 new");
        assert_eq!(t[1][6], 1, "r2 carried over");
        assert_eq!(t[1][1], 1, "r2 is a 商业企业");
        assert_eq!(t[3][6], 1, "r4 部分公开");
        assert_eq!(t[12][0], 1, "r13 不掌握, 自然人");
        assert_eq!(t[23][6], 2, "r24 total");
        assert_eq!(t[24][4], 1, "r25 法律服务机构");
        let (r1, r2, r24, r25) = (t[0], t[1], t[23], t[24]);
        for c in 0..7 {
            assert_eq!(
                r1[c] + r2[c],
                r24[c] + r25[c],
                "column {c}: r1 + r2 = r24 + r25"
            );
        }
        for row in &t {
            assert_eq!(row[6], row[..6].iter().sum::<u64>());
        }
        // Next year's r2 is this year's r25.
        let t27 = table3(2027, &entries);
        assert_eq!(t27[1], t[24]);
    }

    #[test]
    fn taxonomy_matches_the_report_rows() {
        assert_eq!(ReplyOutcome::ALL.len(), 21);
        assert_eq!(ReplyOutcome::Disclosed.report_row(), 3);
        assert_eq!(ReplyOutcome::Partial.report_row(), 4);
        assert_eq!(ReplyOutcome::Inquiry.report_row(), 12);
        assert_eq!(ReplyOutcome::NotHeld.report_row(), 13);
        assert_eq!(ReplyOutcome::Petition.report_row(), 16);
        assert_eq!(ReplyOutcome::CorrectionOverdue.report_row(), 21);
        assert_eq!(ReplyOutcome::Other.report_row(), 23);
        assert_eq!(RequesterKind::ALL.len(), 6);
        assert_eq!(RequesterKind::LegalService.report_column(), 5);
    }

    #[test]
    fn every_letter_has_basis_and_remedy() {
        let f = LetterFacts {
            applicant: "张三".into(),
            received: "2026年2月10日".into(),
            request_no: "YSQ2026-00001".into(),
            description: "2025年财政预算".into(),
            reason: "含有第三方个人信息".into(),
            provision: "电子邮件".into(),
            pointer: String::new(),
        };
        for o in ReplyOutcome::ALL {
            let p = reply_paragraphs(*o, &f);
            assert!(p[0].contains("YSQ2026-00001"), "{o:?}");
            assert!(
                p.iter().any(|s| s.contains(o.basis())),
                "{o:?} cites no basis"
            );
            assert_eq!(p.last().map(String::as_str), Some(REMEDY_ZH), "{o:?}");
            if o.needs_reason()
                && !matches!(o, ReplyOutcome::CorrectionOverdue | ReplyOutcome::FeeUnpaid)
            {
                assert!(
                    p.iter().any(|s| s.contains("含有第三方个人信息")),
                    "{o:?} drops the reason"
                );
            }
        }
    }
}
