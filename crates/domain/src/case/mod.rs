//! Cases (办件): one-window intake, parallel approval plans, statutory clocks, notices.
//!
//! - [`plan`]: versioned plan definitions (stages of parallel department tasks, "1+N").
//! - [`clock`]: time limits in working days with pauses, restarts, extensions and explanations.
//! - [`state`]: the case and task state machines and the intake materials check.

pub mod clock;
pub mod plan;
pub mod state;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::DomainError;
use crate::catalog::Authority;

labelled_enum!(
    /// Numbered documents issued on a case (办件文书).
    NoticeKind {
        /// 受理通知书.
        Acceptance = ("acceptance", "受理通知书"),
        /// 一次性告知书 (补正材料通知): every missing or defective material in one notice
        /// (行政许可法 art. 32 ¶1 (4)).
        Correction = ("correction", "一次性告知书"),
        /// 不予受理通知书 (行政许可法 art. 32 ¶1 (1)–(2): reasons and remedies).
        Refusal = ("refusal", "不予受理通知书"),
        /// 容缺受理告知承诺书: the materials owed and the date promised.
        Tolerance = ("tolerance", "容缺受理告知承诺书"),
        /// 准予决定书.
        Approval = ("approval", "准予行政许可决定书"),
        /// 不予决定书 (行政许可法 art. 38 ¶2: reasons, right to review or sue).
        Denial = ("denial", "不予行政许可决定书"),
        /// 延长期限告知书 (行政许可法 art. 42: reasons told to the applicant).
        Extension = ("extension", "延长审批期限告知书"),
        /// 特别程序告知书 (行政许可法 art. 45: the applicant is told in writing).
        Special = ("special", "特别程序告知书"),
        /// 补正材料通知 during review (the clock is stopped until received).
        ReviewCorrection = ("review_correction", "审查阶段补正通知书"),
        /// 网上申报回执: an online application was received and waits for pre-review.
        Receipt = ("receipt", "网上申报回执"),
    }
);

impl NoticeKind {
    /// The prefix of the document number, e.g. `泉行服受` for 受理通知书.
    pub fn number_prefix(self) -> &'static str {
        match self {
            NoticeKind::Acceptance => "受",
            NoticeKind::Correction => "补",
            NoticeKind::Refusal => "不受",
            NoticeKind::Tolerance => "容",
            NoticeKind::Approval => "准",
            NoticeKind::Denial => "不准",
            NoticeKind::Extension => "延",
            NoticeKind::Special => "特",
            NoticeKind::ReviewCorrection => "审补",
            NoticeKind::Receipt => "收",
        }
    }
}

/// A document number: `{org}{kind}〔{year}〕{seq:06}号`, e.g. `泉行服受〔2026〕000123号`.
pub fn notice_number(org_abbrev: &str, kind: NoticeKind, year: i32, seq: i64) -> String {
    format!("{org_abbrev}{}〔{year}〕{seq:06}号", kind.number_prefix())
}

/// A case number (办件编号): the 6-digit region code, the acceptance date and a 6-digit daily
/// sequence, e.g. `35050020261125000001` (20 digits, unique, sortable by day).
pub fn case_number(region6: &str, day: NaiveDate, seq: i64) -> String {
    format!("{region6}{}{seq:06}", day.format("%Y%m%d"))
}

/// Whether a string looks like a case number (20 digits).
pub fn is_case_number(s: &str) -> bool {
    s.len() == 20 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Check that a signer's authority reaches what the item requires (领导授权: the discretion
/// class of the item or its situation fixes the lowest level that may sign).
pub fn check_signing_authority(
    signer: Option<Authority>,
    required: Authority,
) -> Result<(), DomainError> {
    match signer {
        Some(level) if level >= required => Ok(()),
        Some(level) => Err(DomainError::field(
            "authority",
            format!(
                "该事项须由“{}”或更高层级签批，您的签批权限为“{}”",
                required.zh(),
                level.zh()
            ),
            format!(
                "authority: this decision must be signed at level {} or above; yours is {}",
                required.as_str(),
                level.as_str()
            ),
        )),
        None => Err(DomainError::field(
            "authority",
            format!(
                "该事项须由“{}”或更高层级签批，您没有签批权限",
                required.zh()
            ),
            format!(
                "authority: this decision must be signed at level {} or above; you have no signing authority",
                required.as_str()
            ),
        )),
    }
}

/// A decision's reasons must be given when refusing (行政许可法 art. 38 ¶2; art. 32 for 不予受理).
pub fn require_reason(field: &'static str, reason: Option<&str>) -> Result<String, DomainError> {
    match reason.map(str::trim) {
        Some(r) if !r.is_empty() && r.chars().count() <= 2000 => Ok(r.to_string()),
        Some(r) if !r.is_empty() => Err(DomainError::field(
            field,
            "理由不能超过 2000 字",
            format!("{field}: at most 2000 characters"),
        )),
        _ => Err(DomainError::field(
            field,
            "须说明理由",
            format!("{field}: a reason is required"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let n = case_number("350500", d, 1);
        assert_eq!(n, "35050020261125000001");
        assert!(is_case_number(&n));
        assert!(!is_case_number("3505002026112500000X"));
        assert_eq!(
            notice_number("泉行服", NoticeKind::Acceptance, 2026, 123),
            "泉行服受〔2026〕000123号"
        );
    }

    #[test]
    fn authority_order() {
        use Authority::*;
        assert!(check_signing_authority(Some(Director), DeputyDirector).is_ok());
        assert!(check_signing_authority(Some(WindowOfficer), WindowOfficer).is_ok());
        let e = check_signing_authority(Some(SectionChief), DeputyDirector).unwrap_err();
        assert!(e.to_string().contains("分管副局长"));
        assert!(check_signing_authority(None, WindowOfficer).is_err());
    }

    #[test]
    fn reasons() {
        assert!(require_reason("reason", None).is_err());
        assert!(require_reason("reason", Some("  ")).is_err());
        assert_eq!(
            require_reason("reason", Some(" 不符合条件 ")).unwrap(),
            "不符合条件"
        );
    }
}
