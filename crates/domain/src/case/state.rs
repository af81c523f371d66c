//! Case (办件) and task lifecycles as typed state machines, and the intake materials check.

use serde::{Deserialize, Serialize};

use crate::DomainError;

labelled_enum!(
    /// Where a case is.
    CaseStatus {
        /// 网上申报, waiting for the clerk's pre-review (预审).
        PreReview = ("pre_review", "待预审"),
        /// A 一次性告知书 was issued; waiting for the applicant's materials.
        Correction = ("correction", "待补正"),
        /// 不予受理.
        NotAccepted = ("not_accepted", "不予受理"),
        /// 受理, departments reviewing.
        InReview = ("in_review", "审查中"),
        /// Clock stopped: special procedure or 补正 during review.
        Paused = ("paused", "暂停计时"),
        /// 办结: decided (准予 or 不予) and finished.
        Completed = ("completed", "已办结"),
        /// 撤回 by the applicant.
        Withdrawn = ("withdrawn", "已撤回"),
        /// 终止.
        Terminated = ("terminated", "已终止"),
    }
);

/// What can be done to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseAction {
    /// 受理 (also 容缺受理).
    Accept,
    /// 补正: issue the one-time notice of what is missing (一次性告知).
    RequestCorrection,
    /// 不予受理.
    RefuseIntake,
    /// Stop the clock (special procedure, 补正 during review).
    Pause,
    /// Start it again.
    Resume,
    /// 办结 (the last decision landed).
    Complete,
    /// 撤回.
    Withdraw,
    /// 终止.
    Terminate,
}

impl CaseAction {
    /// Machine name.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseAction::Accept => "accept",
            CaseAction::RequestCorrection => "request_correction",
            CaseAction::RefuseIntake => "refuse_intake",
            CaseAction::Pause => "pause",
            CaseAction::Resume => "resume",
            CaseAction::Complete => "complete",
            CaseAction::Withdraw => "withdraw",
            CaseAction::Terminate => "terminate",
        }
    }
}

impl CaseStatus {
    /// The state after `action`, or the transition error.
    ///
    /// 一次性告知 (行政许可法 art. 32 ¶1 (4)): all missing materials are told in **one** notice,
    /// so a case already waiting for corrections cannot receive a second 补正 notice at intake.
    pub fn apply(self, action: CaseAction) -> Result<CaseStatus, DomainError> {
        use CaseAction as A;
        use CaseStatus as S;
        let to = match (self, action) {
            (S::PreReview, A::Accept) | (S::Correction, A::Accept) => S::InReview,
            (S::PreReview, A::RequestCorrection) => S::Correction,
            (S::PreReview, A::RefuseIntake) | (S::Correction, A::RefuseIntake) => S::NotAccepted,
            (S::InReview, A::Pause) => S::Paused,
            (S::Paused, A::Resume) => S::InReview,
            (S::InReview, A::Complete) => S::Completed,
            (S::PreReview | S::Correction | S::InReview | S::Paused, A::Withdraw) => S::Withdrawn,
            (S::InReview | S::Paused, A::Terminate) => S::Terminated,
            _ => {
                return Err(DomainError::InvalidTransition {
                    from: self.as_str(),
                    to: action.as_str(),
                });
            }
        };
        Ok(to)
    }

    /// Whether the case is finished (no further transitions except none).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            CaseStatus::NotAccepted
                | CaseStatus::Completed
                | CaseStatus::Withdrawn
                | CaseStatus::Terminated
        )
    }

    /// Whether the time limits run (accepted and not finished).
    pub fn is_running(self) -> bool {
        matches!(self, CaseStatus::InReview | CaseStatus::Paused)
    }
}

labelled_enum!(
    /// A department task's state.
    TaskStatus {
        /// Its stage has not opened yet.
        Waiting = ("waiting", "未开始"),
        /// Open for review.
        Open = ("open", "审查中"),
        /// Finished with an approving opinion or decision.
        Approved = ("approved", "同意"),
        /// Finished with a refusing opinion or decision.
        Denied = ("denied", "不同意"),
        /// Not needed any more (the case ended early).
        Cancelled = ("cancelled", "已取消"),
    }
);

impl TaskStatus {
    /// Whether the task is finished.
    pub fn is_done(self) -> bool {
        matches!(
            self,
            TaskStatus::Approved | TaskStatus::Denied | TaskStatus::Cancelled
        )
    }
}

labelled_enum!(
    /// The decision on a case or a task.
    Outcome {
        /// 准予.
        Approve = ("approve", "准予"),
        /// 不予.
        Deny = ("deny", "不予"),
    }
);

impl Outcome {
    /// The task state a decision leads to.
    pub fn task_status(self) -> TaskStatus {
        match self {
            Outcome::Approve => TaskStatus::Approved,
            Outcome::Deny => TaskStatus::Denied,
        }
    }
}

labelled_enum!(
    /// How the result reaches the applicant.
    Delivery {
        /// 窗口领取.
        Window = ("window", "窗口领取"),
        /// 快递送达 (智能+快递).
        Courier = ("courier", "快递送达"),
        /// 电子送达 (e-license only).
        Electronic = ("electronic", "电子送达"),
    }
);

labelled_enum!(
    /// How a case came in.
    IntakeChannel {
        /// 窗口.
        Window = ("window", "窗口"),
        /// 网上申报.
        Online = ("online", "网上申报"),
    }
);

labelled_enum!(
    /// The state of one material on the intake checklist.
    MaterialStatus {
        /// 已收取.
        Provided = ("provided", "已收取"),
        /// 缺少.
        Missing = ("missing", "缺少"),
        /// 不符合要求 (defective: wrong form, expired, unsigned …).
        Defective = ("defective", "不符合要求"),
        /// 容缺: accepted without it, on the applicant's written promise.
        Tolerated = ("tolerated", "容缺后补"),
        /// Fetched from the e-license library or another department (免提交).
        Reused = ("reused", "共享复用"),
        /// Not applicable to this applicant's situation.
        NotApplicable = ("not_applicable", "不适用"),
    }
);

/// One material on the checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaterialCheck {
    /// 材料名称.
    pub name: String,
    /// Whether the catalog marks it required.
    pub required: bool,
    /// What the clerk found.
    pub status: MaterialStatus,
    /// What is wrong with it (for `Missing`/`Defective`), shown on the notice.
    #[serde(default)]
    pub note: Option<String>,
    /// 证照类型代码 of the e-licence that can stand in for it (免提交), from the catalog.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license_type: Option<String>,
    /// The e-licence (证照标识) fetched from the library instead of paper, when `Reused`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
}

/// What the checklist allows at the window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntakeAssessment {
    /// Required materials missing or defective: they go on the one-time notice.
    pub to_correct: Vec<MaterialCheck>,
    /// Materials accepted on promise (容缺).
    pub tolerated: Vec<MaterialCheck>,
}

impl IntakeAssessment {
    /// Assess a checklist.
    pub fn of(checklist: &[MaterialCheck]) -> Self {
        Self {
            to_correct: checklist
                .iter()
                .filter(|m| {
                    m.required
                        && matches!(
                            m.status,
                            MaterialStatus::Missing | MaterialStatus::Defective
                        )
                })
                .cloned()
                .collect(),
            tolerated: checklist
                .iter()
                .filter(|m| m.status == MaterialStatus::Tolerated)
                .cloned()
                .collect(),
        }
    }

    /// Whether the case may be accepted (nothing required is missing or defective).
    pub fn acceptable(&self) -> bool {
        self.to_correct.is_empty()
    }

    /// Refuse acceptance when something required is missing: the clerk must issue the
    /// one-time notice (or accept on promise by marking the material 容缺).
    pub fn require_acceptable(&self) -> Result<(), DomainError> {
        if self.acceptable() {
            return Ok(());
        }
        let names: Vec<&str> = self.to_correct.iter().map(|m| m.name.as_str()).collect();
        Err(DomainError::field(
            "materials",
            format!(
                "必要材料缺少或不符合要求：{}。请出具一次性告知书，或经容缺受理",
                names.join("、")
            ),
            format!(
                "materials: required materials missing or defective: {}; issue the one-time notice or accept on promise",
                names.join(", ")
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_machine() {
        use CaseAction as A;
        use CaseStatus as S;
        assert_eq!(S::PreReview.apply(A::Accept).unwrap(), S::InReview);
        assert_eq!(
            S::PreReview.apply(A::RequestCorrection).unwrap(),
            S::Correction
        );
        assert_eq!(S::Correction.apply(A::Accept).unwrap(), S::InReview);
        // One-time notice: no second 补正 notice at intake.
        assert!(S::Correction.apply(A::RequestCorrection).is_err());
        assert_eq!(S::InReview.apply(A::Pause).unwrap(), S::Paused);
        assert!(S::Paused.apply(A::Complete).is_err());
        assert_eq!(S::Paused.apply(A::Resume).unwrap(), S::InReview);
        assert_eq!(S::InReview.apply(A::Complete).unwrap(), S::Completed);
        for s in [S::Completed, S::NotAccepted, S::Withdrawn, S::Terminated] {
            assert!(s.is_final());
            for a in [
                A::Accept,
                A::Pause,
                A::Resume,
                A::Complete,
                A::Withdraw,
                A::Terminate,
            ] {
                assert!(s.apply(a).is_err(), "{s:?} {a:?}");
            }
        }
        assert!(S::Correction.apply(A::Terminate).is_err());
        assert_eq!(S::Correction.apply(A::Withdraw).unwrap(), S::Withdrawn);
    }

    fn m(name: &str, required: bool, status: MaterialStatus) -> MaterialCheck {
        MaterialCheck {
            license_type: None,
            license: None,
            name: name.into(),
            required,
            status,
            note: None,
        }
    }

    #[test]
    fn assessment() {
        let list = vec![
            m("申请书", true, MaterialStatus::Provided),
            m("章程", true, MaterialStatus::Missing),
            m("住所证明", true, MaterialStatus::Defective),
            m("委托书", false, MaterialStatus::Missing),
            m("租赁合同", true, MaterialStatus::Tolerated),
        ];
        let a = IntakeAssessment::of(&list);
        assert!(!a.acceptable());
        assert_eq!(
            a.to_correct
                .iter()
                .map(|x| x.name.as_str())
                .collect::<Vec<_>>(),
            vec!["章程", "住所证明"]
        );
        assert_eq!(a.tolerated.len(), 1);
        let err = a.require_acceptable().unwrap_err();
        assert!(err.to_string().contains("章程、住所证明"));
        let ok = IntakeAssessment::of(&list[..1]);
        assert!(ok.require_acceptable().is_ok());
    }
}
