//! The tamper-evident audit trail: typed actions, the canonical record, and the hash chain.
//!
//! Every state-changing action writes one [`AuditRecord`] in the same transaction as the change.
//! Records form a chain: each stores the hash of the previous one, and its own hash covers all of
//! its fields plus that previous hash (GB/T 22239-2019 §8.1.4.3 asks for audit records to be
//! protected against unintended deletion, modification or overwriting). Altering any stored field,
//! deleting a record, or truncating the tail is detected by [`ChainVerifier`].

use chrono::{DateTime, SubsecRound, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first record.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened. Stored as its [`AuditAction::as_str`] text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    /// A staff account was created.
    UserCreated,
    /// Account details changed.
    UserUpdated,
    /// Account disabled.
    UserDisabled,
    /// Account re-enabled.
    UserEnabled,
    /// A user changed their own password.
    PasswordChanged,
    /// An administrator set a user's password.
    PasswordReset,
    /// A role grant was added.
    GrantAdded,
    /// A role grant was removed.
    GrantRemoved,
    /// Successful login (a session was opened).
    LoginSucceeded,
    /// Failed login attempt.
    LoginFailed,
    /// Account locked after repeated failures.
    AccountLocked,
    /// Session closed by the user.
    Logout,
    /// API token issued.
    ApiTokenCreated,
    /// API token revoked.
    ApiTokenRevoked,
    /// Region created.
    RegionCreated,
    /// Region edited.
    RegionUpdated,
    /// Department created.
    DepartmentCreated,
    /// Department edited.
    DepartmentUpdated,
    /// Service window created.
    WindowCreated,
    /// Service window edited.
    WindowUpdated,
    /// A year of the working-day calendar was added or replaced.
    CalendarYearSet,
    /// Demo data were seeded.
    DemoSeeded,
    /// A catalog item was created (version 1, draft).
    CatalogCreated,
    /// A draft version was edited.
    CatalogDraftSaved,
    /// A new draft version was opened from the version in force.
    CatalogVersionOpened,
    /// A draft was submitted for review.
    CatalogSubmitted,
    /// A submitted version was approved.
    CatalogApproved,
    /// A submitted version was returned to draft.
    CatalogReturned,
    /// A reviewed version was published (the previous one superseded).
    CatalogPublished,
    /// The version in force was withdrawn.
    CatalogWithdrawn,
    /// A catalog file was imported.
    CatalogImported,
    /// A plan definition (bundle) was stored as a new version.
    PlanDefined,
    /// An applicant submitted an application online.
    CaseSubmitted,
    /// A case was accepted (受理, also 容缺受理).
    CaseAccepted,
    /// A one-time notice of missing materials was issued (补正).
    CaseCorrectionRequested,
    /// A case was not accepted (不予受理).
    CaseRefused,
    /// A department recorded its opinion or decision on a task.
    CaseTaskDecided,
    /// The clock of a case was stopped (special procedure, 补正 during review).
    CasePaused,
    /// The clock of a case runs again.
    CaseResumed,
    /// A time-limit extension was approved.
    CaseExtended,
    /// Materials owed on promise (容缺) were supplied.
    CaseMaterialsSupplied,
    /// A case was completed (办结).
    CaseCompleted,
    /// A case was withdrawn by the applicant (撤回).
    CaseWithdrawn,
    /// A case was terminated (终止).
    CaseTerminated,
    /// Open cases' due dates were recomputed after a calendar change.
    CaseDeadlinesRecomputed,
    /// An applicant registered an online account.
    ApplicantRegistered,
    /// A clerk issued an online-account activation code after checking the person's ID.
    ApplicantActivationIssued,
    /// An online account was bound to its person with an activation code.
    ApplicantVerified,
    /// A disclosure request (依申请公开) was received.
    DisclosureRequestReceived,
    /// A disclosure request's handling changed (补正, extension, consultation, fee, appeal).
    DisclosureRequestChanged,
    /// A disclosure request was answered (答复) or closed with an outcome.
    DisclosureRequestReplied,
    /// A disclosure item (主动公开) was drafted, edited, or a new version opened.
    InfoItemDrafted,
    /// A disclosure item version was handed in for review.
    InfoItemSubmitted,
    /// A reviewer passed or returned a version (保密审查 / 审核).
    InfoItemReviewed,
    /// A version went live (immediately, or when its scheduled time came).
    InfoItemPublished,
    /// An item was withdrawn with a public notice.
    InfoItemWithdrawn,
    /// A version was published by emergency action, bypassing review.
    InfoItemEmergencyPublished,
    /// An emergency publication was approved (or rejected) afterwards.
    InfoItemRetroReviewed,
    /// Documents of an old website were migrated.
    InfoItemsImported,
    /// A figure of an annual report was entered by hand (with its source).
    ReportFigureEntered,
    /// The narrative of an annual report was saved.
    ReportNarrativeSaved,
    /// An annual report was handed in for publication as a disclosure item.
    ReportPublished,
    /// A licence type of the 证照目录 was created or changed.
    LicenseTypeSaved,
    /// An e-licence was issued (signed and stored).
    LicenseIssued,
    /// An e-licence was suspended, reinstated, revoked, cancelled or expired.
    LicenseStatusChanged,
    /// An e-licence was used instead of a paper material (用证).
    LicenseUsed,
    /// An e-licence (or a status change) was received from a downstream library.
    LicenseReceived,
    /// A signing key was generated.
    SigningKeyGenerated,
    /// The signing key was rotated (the old one retired).
    SigningKeyRotated,
}

impl AuditAction {
    /// Stable stored name.
    pub fn as_str(self) -> &'static str {
        use AuditAction::*;
        match self {
            UserCreated => "user.created",
            UserUpdated => "user.updated",
            UserDisabled => "user.disabled",
            UserEnabled => "user.enabled",
            PasswordChanged => "user.password_changed",
            PasswordReset => "user.password_reset",
            GrantAdded => "user.grant_added",
            GrantRemoved => "user.grant_removed",
            LoginSucceeded => "auth.login",
            LoginFailed => "auth.login_failed",
            AccountLocked => "auth.locked",
            Logout => "auth.logout",
            ApiTokenCreated => "auth.token_created",
            ApiTokenRevoked => "auth.token_revoked",
            RegionCreated => "org.region_created",
            RegionUpdated => "org.region_updated",
            DepartmentCreated => "org.department_created",
            DepartmentUpdated => "org.department_updated",
            WindowCreated => "org.window_created",
            WindowUpdated => "org.window_updated",
            CalendarYearSet => "calendar.year_set",
            DemoSeeded => "demo.seeded",
            CatalogCreated => "catalog.created",
            CatalogDraftSaved => "catalog.draft_saved",
            CatalogVersionOpened => "catalog.version_opened",
            CatalogSubmitted => "catalog.submitted",
            CatalogApproved => "catalog.approved",
            CatalogReturned => "catalog.returned",
            CatalogPublished => "catalog.published",
            CatalogWithdrawn => "catalog.withdrawn",
            CatalogImported => "catalog.imported",
            PlanDefined => "case.plan_defined",
            CaseSubmitted => "case.submitted",
            CaseAccepted => "case.accepted",
            CaseCorrectionRequested => "case.correction_requested",
            CaseRefused => "case.refused",
            CaseTaskDecided => "case.task_decided",
            CasePaused => "case.paused",
            CaseResumed => "case.resumed",
            CaseExtended => "case.extended",
            CaseMaterialsSupplied => "case.materials_supplied",
            CaseCompleted => "case.completed",
            CaseWithdrawn => "case.withdrawn",
            CaseTerminated => "case.terminated",
            CaseDeadlinesRecomputed => "case.deadlines_recomputed",
            ApplicantRegistered => "applicant.registered",
            ApplicantActivationIssued => "applicant.activation_issued",
            ApplicantVerified => "applicant.verified",
            DisclosureRequestReceived => "disclosure_request.received",
            DisclosureRequestChanged => "disclosure_request.changed",
            DisclosureRequestReplied => "disclosure_request.replied",
            InfoItemDrafted => "info_item.drafted",
            InfoItemSubmitted => "info_item.submitted",
            InfoItemReviewed => "info_item.reviewed",
            InfoItemPublished => "info_item.published",
            InfoItemWithdrawn => "info_item.withdrawn",
            InfoItemEmergencyPublished => "info_item.emergency_published",
            InfoItemRetroReviewed => "info_item.retro_reviewed",
            InfoItemsImported => "info_item.imported",
            ReportFigureEntered => "report.figure_entered",
            ReportNarrativeSaved => "report.narrative_saved",
            ReportPublished => "report.published",
            LicenseTypeSaved => "license.type_saved",
            LicenseIssued => "license.issued",
            LicenseStatusChanged => "license.status_changed",
            LicenseUsed => "license.used",
            LicenseReceived => "license.received",
            SigningKeyGenerated => "keys.generated",
            SigningKeyRotated => "keys.rotated",
        }
    }
}

impl std::fmt::Display for AuditAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who acted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    /// Staff user id, when a staff user acted.
    pub user_id: Option<i64>,
    /// Display label: a username, `system`, `cli`, or `anonymous`.
    pub label: String,
}

impl Actor {
    /// The platform itself (start-up, background jobs).
    pub fn system() -> Self {
        Self {
            user_id: None,
            label: "system".into(),
        }
    }

    /// An operator at the command line.
    pub fn cli() -> Self {
        Self {
            user_id: None,
            label: "cli".into(),
        }
    }

    /// A staff user.
    pub fn user(id: i64, username: &str) -> Self {
        Self {
            user_id: Some(id),
            label: username.to_string(),
        }
    }

    /// Someone not logged in (e.g. a failed login, a citizen).
    pub fn anonymous() -> Self {
        Self {
            user_id: None,
            label: "anonymous".into(),
        }
    }
}

/// An event about to be appended, before it has a position in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEvent {
    /// Who acted.
    pub actor: Actor,
    /// What was done.
    pub action: AuditAction,
    /// Kind of object, e.g. `user`, `department`.
    pub object_type: &'static str,
    /// Id of the object.
    pub object_id: String,
    /// Department the object belongs to, for department-scoped browsing.
    pub department_id: Option<i64>,
    /// Request id of the HTTP request (or a CLI run id).
    pub request_id: Option<String>,
    /// Source address of the request.
    pub source: Option<String>,
    /// Before/after summary as a JSON value.
    pub summary: serde_json::Value,
}

/// One stored audit record: exactly the fields that the hash covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRecord {
    /// Position in the chain, from 1, without gaps.
    pub seq: i64,
    /// When, in UTC, truncated to microseconds (what every back end stores exactly).
    pub at: DateTime<Utc>,
    /// Acting user id.
    pub actor_id: Option<i64>,
    /// Acting user label.
    pub actor: String,
    /// Action name.
    pub action: String,
    /// Object kind.
    pub object_type: String,
    /// Object id.
    pub object_id: String,
    /// Owning department.
    pub department_id: Option<i64>,
    /// Request id.
    pub request_id: Option<String>,
    /// Source address.
    pub source: Option<String>,
    /// Before/after summary, as the exact JSON text stored.
    pub summary: String,
    /// Hash of the previous record ([`GENESIS_HASH`] for the first).
    pub prev_hash: String,
}

impl AuditRecord {
    /// Place a new event in the chain after `prev` (`None` for the first record).
    pub fn chain(event: &NewAuditEvent, at: DateTime<Utc>, prev: Option<(i64, &str)>) -> Self {
        let (seq, prev_hash) = match prev {
            Some((s, h)) => (s + 1, h.to_string()),
            None => (1, GENESIS_HASH.to_string()),
        };
        Self {
            seq,
            at: at.trunc_subsecs(6),
            actor_id: event.actor.user_id,
            actor: event.actor.label.clone(),
            action: event.action.as_str().to_string(),
            object_type: event.object_type.to_string(),
            object_id: event.object_id.clone(),
            department_id: event.department_id,
            request_id: event.request_id.clone(),
            source: event.source.clone(),
            summary: event.summary.to_string(),
            prev_hash,
        }
    }

    /// The SHA-256 hash (lowercase hex) of this record's canonical encoding.
    ///
    /// The encoding is a version tag followed by the JSON of the fields in declaration order,
    /// with the time as `YYYY-MM-DDTHH:MM:SS.ffffffZ`; it does not depend on the storage back end.
    pub fn hash(&self) -> String {
        #[derive(Serialize)]
        struct Canonical<'a> {
            seq: i64,
            at: String,
            actor_id: Option<i64>,
            actor: &'a str,
            action: &'a str,
            object_type: &'a str,
            object_id: &'a str,
            department_id: Option<i64>,
            request_id: Option<&'a str>,
            source: Option<&'a str>,
            summary: &'a str,
            prev_hash: &'a str,
        }
        let c = Canonical {
            seq: self.seq,
            at: self.at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
            actor_id: self.actor_id,
            actor: &self.actor,
            action: &self.action,
            object_type: &self.object_type,
            object_id: &self.object_id,
            department_id: self.department_id,
            request_id: self.request_id.as_deref(),
            source: self.source.as_deref(),
            summary: &self.summary,
            prev_hash: &self.prev_hash,
        };
        // Serialising a struct of strings and integers cannot fail; fall back to Debug anyway.
        let body = serde_json::to_string(&c).unwrap_or_else(|_| format!("{:?}", self));
        let mut h = Sha256::new();
        h.update(b"onewindow-audit-v1\n");
        h.update(body.as_bytes());
        hex::encode(h.finalize())
    }
}

/// The first problem found in a chain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    /// The record's fields no longer produce its stored hash: it was altered.
    #[error(
        "审计事件 #{seq} 已被篡改（内容与哈希不符） / audit event #{seq} was altered (hash mismatch)"
    )]
    Altered {
        /// The record.
        seq: i64,
    },
    /// The record does not point at the previous record's hash.
    #[error(
        "审计事件 #{seq} 与前一事件的链接断开 / audit event #{seq} does not link to the previous event"
    )]
    BrokenLink {
        /// The record.
        seq: i64,
    },
    /// A position in the sequence is missing: the record was deleted.
    #[error("审计事件 #{seq} 缺失（已被删除） / audit event #{seq} is missing (deleted)")]
    Missing {
        /// The missing position.
        seq: i64,
    },
}

impl ChainBreak {
    /// The position where the chain breaks.
    pub fn seq(&self) -> i64 {
        match self {
            ChainBreak::Altered { seq }
            | ChainBreak::BrokenLink { seq }
            | ChainBreak::Missing { seq } => *seq,
        }
    }
}

/// Streaming verifier: feed records in `seq` order with their stored hashes.
#[derive(Debug, Default)]
pub struct ChainVerifier {
    last: Option<(i64, String)>,
    count: u64,
}

impl ChainVerifier {
    /// A verifier at the start of the chain.
    pub fn new() -> Self {
        Self::default()
    }

    /// Check the next record.
    pub fn push(&mut self, rec: &AuditRecord, stored_hash: &str) -> Result<(), ChainBreak> {
        let (expected_seq, expected_prev) = match &self.last {
            Some((s, h)) => (s + 1, h.as_str()),
            None => (1, GENESIS_HASH),
        };
        if rec.seq > expected_seq {
            return Err(ChainBreak::Missing { seq: expected_seq });
        }
        if rec.seq < expected_seq || rec.prev_hash != expected_prev {
            return Err(ChainBreak::BrokenLink { seq: rec.seq });
        }
        if rec.hash() != stored_hash {
            return Err(ChainBreak::Altered { seq: rec.seq });
        }
        self.last = Some((rec.seq, stored_hash.to_string()));
        self.count += 1;
        Ok(())
    }

    /// Finish, comparing with the chain head that storage keeps separately (last seq and hash).
    /// Detects deletion of the newest records. Returns the number of records verified.
    pub fn finish(self, head: Option<(i64, &str)>) -> Result<u64, ChainBreak> {
        match (head, &self.last) {
            (None, None) => Ok(0),
            (Some((hs, hh)), Some((ls, lh))) if hs == *ls && hh == lh => Ok(self.count),
            (Some((hs, _)), Some((ls, _))) if hs > *ls => Err(ChainBreak::Missing { seq: ls + 1 }),
            (Some((hs, _)), None) if hs > 0 => Err(ChainBreak::Missing { seq: 1 }),
            (Some((0, _)), None) => Ok(0),
            (_, Some((ls, _))) => Err(ChainBreak::Altered { seq: *ls }),
            (Some(_), None) => Err(ChainBreak::Missing { seq: 1 }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn ev(i: i64) -> NewAuditEvent {
        NewAuditEvent {
            actor: Actor::user(1, "admin"),
            action: AuditAction::UserCreated,
            object_type: "user",
            object_id: i.to_string(),
            department_id: Some(3),
            request_id: Some(format!("req-{i}")),
            source: Some("127.0.0.1".into()),
            summary: serde_json::json!({"after": {"username": format!("u{i}"), "名字": "张三"}}),
        }
    }

    fn chain(n: i64) -> Vec<(AuditRecord, String)> {
        let t = Utc.with_ymd_and_hms(2026, 11, 25, 8, 0, 0).unwrap();
        let mut out: Vec<(AuditRecord, String)> = Vec::new();
        for i in 0..n {
            let prev = out.last().map(|(r, h)| (r.seq, h.as_str()));
            let r = AuditRecord::chain(
                &ev(i),
                t + chrono::Duration::microseconds(i * 1234567),
                prev,
            );
            let h = r.hash();
            out.push((r, h));
        }
        out
    }

    fn verify(c: &[(AuditRecord, String)], head: Option<(i64, &str)>) -> Result<u64, ChainBreak> {
        let mut v = ChainVerifier::new();
        for (r, h) in c {
            v.push(r, h)?;
        }
        v.finish(head)
    }

    #[test]
    fn intact_chain_verifies() {
        let c = chain(5);
        let head = c.last().map(|(r, h)| (r.seq, h.as_str()));
        assert_eq!(verify(&c, head), Ok(5));
        assert_eq!(verify(&[], None), Ok(0));
    }

    #[test]
    fn altered_field_is_named() {
        let mut c = chain(5);
        c[2].0.summary = "{}".into();
        let head = (5, c[4].1.clone());
        assert_eq!(
            verify(&c, Some((head.0, &head.1))),
            Err(ChainBreak::Altered { seq: 3 })
        );
    }

    #[test]
    fn deleted_record_is_named() {
        let mut c = chain(5);
        c.remove(1);
        let head = (5, c[3].1.clone());
        assert_eq!(
            verify(&c, Some((head.0, &head.1))),
            Err(ChainBreak::Missing { seq: 2 })
        );
    }

    #[test]
    fn truncated_tail_is_detected() {
        let c = chain(5);
        let head = (5, c[4].1.clone());
        assert_eq!(
            verify(&c[..3], Some((head.0, &head.1))),
            Err(ChainBreak::Missing { seq: 4 })
        );
    }

    #[test]
    fn rehashed_alteration_breaks_the_next_link() {
        let mut c = chain(4);
        c[1].0.actor = "mallory".into();
        c[1].1 = c[1].0.hash();
        let head = (4, c[3].1.clone());
        assert_eq!(
            verify(&c, Some((head.0, &head.1))),
            Err(ChainBreak::BrokenLink { seq: 3 })
        );
    }

    #[test]
    fn time_is_truncated_to_microseconds() {
        let t = Utc.timestamp_opt(1_700_000_000, 123_456_789).unwrap();
        let r = AuditRecord::chain(&ev(0), t, None);
        assert_eq!(r.at.timestamp_subsec_nanos(), 123_456_000);
    }
}
