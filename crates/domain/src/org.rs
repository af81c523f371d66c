//! Organisation: roles, permissions and scopes.
//!
//! A staff user holds one or more *grants*: a [`Role`] within a [`Scope`] (the whole platform, a
//! region and everything below it, or one department). Access decisions are pure functions of the
//! grants, the [`Permission`] asked for and the scope of the object; handlers never compare role
//! names themselves.

use serde::{Deserialize, Serialize};

use crate::ids::DepartmentId;
use crate::region::RegionCode;

/// Staff roles of the service center.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 系统管理员: accounts, organisation, audit trail, calendar.
    SystemAdmin,
    /// 事项管理员: maintains the service catalog (事项库).
    CatalogManager,
    /// 综合窗口受理员: one-window intake clerk (受理, not decision — 受审分离).
    IntakeClerk,
    /// 部门审查员: department reviewer of cases.
    DeptReviewer,
    /// 部门负责人: department lead; signs decisions, approves extensions, sees department audit.
    DeptLead,
    /// 信息公开专员: disclosure officer (主动公开 drafts, 依申请公开 replies).
    DisclosureOfficer,
    /// 信息发布审核员: publishing reviewer (保密审查 / 内容审核).
    PublishingReviewer,
    /// 数据分析员: analyst (read-only statistics).
    Analyst,
}

impl Role {
    /// Every role, in display order.
    pub const ALL: [Role; 8] = [
        Role::SystemAdmin,
        Role::CatalogManager,
        Role::IntakeClerk,
        Role::DeptReviewer,
        Role::DeptLead,
        Role::DisclosureOfficer,
        Role::PublishingReviewer,
        Role::Analyst,
    ];

    /// Stable machine name, as stored and used in the API and CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::SystemAdmin => "system_admin",
            Role::CatalogManager => "catalog_manager",
            Role::IntakeClerk => "intake_clerk",
            Role::DeptReviewer => "dept_reviewer",
            Role::DeptLead => "dept_lead",
            Role::DisclosureOfficer => "disclosure_officer",
            Role::PublishingReviewer => "publishing_reviewer",
            Role::Analyst => "analyst",
        }
    }

    /// Chinese label.
    pub fn zh(self) -> &'static str {
        match self {
            Role::SystemAdmin => "系统管理员",
            Role::CatalogManager => "事项管理员",
            Role::IntakeClerk => "综合窗口受理员",
            Role::DeptReviewer => "部门审查员",
            Role::DeptLead => "部门负责人",
            Role::DisclosureOfficer => "信息公开专员",
            Role::PublishingReviewer => "信息发布审核员",
            Role::Analyst => "数据分析员",
        }
    }

    /// English label.
    pub fn en(self) -> &'static str {
        match self {
            Role::SystemAdmin => "System administrator",
            Role::CatalogManager => "Catalog manager",
            Role::IntakeClerk => "Intake clerk",
            Role::DeptReviewer => "Department reviewer",
            Role::DeptLead => "Department lead",
            Role::DisclosureOfficer => "Disclosure officer",
            Role::PublishingReviewer => "Publishing reviewer",
            Role::Analyst => "Analyst",
        }
    }

    /// Whether a grant of this role must name a department.
    pub fn needs_department(self) -> bool {
        matches!(self, Role::DeptReviewer | Role::DeptLead)
    }

    /// The permissions a role carries. Scope is applied separately by [`Grants::allows`].
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Role::SystemAdmin => &[
                ManageUsers,
                ManageOrganisation,
                ViewAudit,
                ManageCalendar,
                ViewDepartmentRoster,
                ManageApiTokens,
            ],
            Role::CatalogManager => &[EditCatalog],
            Role::IntakeClerk => &[IntakeCases, LookupApplicant],
            Role::DeptReviewer => &[ReviewCases, DecideCases],
            Role::DeptLead => &[
                ReviewCases,
                DecideCases,
                ApproveExtensions,
                ViewDepartmentRoster,
                ViewAudit,
                ManageLicenses,
            ],
            Role::DisclosureOfficer => &[DraftDisclosure, HandleDisclosureRequests],
            Role::PublishingReviewer => &[ReviewDisclosure, ReviewCatalog],
            Role::Analyst => &[ViewAnalytics],
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Role {
    type Err = crate::DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| {
                crate::DomainError::field(
                    "role",
                    format!("角色“{s}”不存在"),
                    format!("role: unknown role “{s}”"),
                )
            })
    }
}

/// Actions that are access-controlled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Create, edit, disable staff accounts and their grants.
    ManageUsers,
    /// Create and edit regions, departments and windows.
    ManageOrganisation,
    /// Browse the audit trail (department leads: their department's events only).
    ViewAudit,
    /// Edit the working-day calendar.
    ManageCalendar,
    /// See the staff list of a department.
    ViewDepartmentRoster,
    /// Issue and revoke API tokens for machine clients.
    ManageApiTokens,
    /// Edit service items in the catalog.
    EditCatalog,
    /// Approve catalog versions for publication.
    ReviewCatalog,
    /// Take in cases at a window.
    IntakeCases,
    /// Look up an applicant's previous cases and licenses by 一号.
    LookupApplicant,
    /// Record review opinions on cases of the department.
    ReviewCases,
    /// Sign decisions on cases of the department.
    DecideCases,
    /// Approve time-limit extensions.
    ApproveExtensions,
    /// Draft disclosure items.
    DraftDisclosure,
    /// Review (保密审查 / 审核) disclosure items.
    ReviewDisclosure,
    /// Handle disclosure-on-application requests.
    HandleDisclosureRequests,
    /// See statistics and charts.
    ViewAnalytics,
    /// Suspend, reinstate, revoke or cancel the department's e-licences.
    ManageLicenses,
}

/// Where a grant applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Scope {
    /// The whole platform.
    Global,
    /// A region and every region below it.
    Region {
        /// The region.
        region: RegionCode,
    },
    /// One department.
    Department {
        /// The department.
        department: DepartmentId,
    },
}

/// One role held in one scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// The role.
    pub role: Role,
    /// Where it applies.
    pub scope: Scope,
}

/// The scope of an object being accessed: the department that owns it (if any) and its region.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Target {
    /// Owning department, if the object belongs to one.
    pub department: Option<DepartmentId>,
    /// Region of the object (or of its department).
    pub region: Option<RegionCode>,
}

impl Target {
    /// An object not owned by a department or region (platform-wide).
    pub fn global() -> Self {
        Self::default()
    }

    /// An object of a department in a region.
    pub fn department(department: DepartmentId, region: RegionCode) -> Self {
        Self {
            department: Some(department),
            region: Some(region),
        }
    }
}

/// All grants of one user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grants(pub Vec<Grant>);

impl Grants {
    /// Whether any grant carries `perm` in a scope that covers `target`.
    ///
    /// A global grant covers everything; a region grant covers objects whose region is that
    /// region or below it; a department grant covers objects of that department only. An object
    /// without a department or region (a platform-wide object) is covered by global grants only.
    pub fn allows(&self, perm: Permission, target: &Target) -> bool {
        self.0.iter().any(|g| {
            g.role.permissions().contains(&perm)
                && match &g.scope {
                    Scope::Global => true,
                    Scope::Region { region } => target
                        .region
                        .as_ref()
                        .is_some_and(|r| region_covers(region, r)),
                    Scope::Department { department } => target.department == Some(*department),
                }
        })
    }

    /// Whether any grant carries `perm` in any scope (for showing menu entries and queues).
    pub fn has(&self, perm: Permission) -> bool {
        self.0.iter().any(|g| g.role.permissions().contains(&perm))
    }

    /// Whether the user holds `role` anywhere.
    pub fn has_role(&self, role: Role) -> bool {
        self.0.iter().any(|g| g.role == role)
    }

    /// Departments in which the user holds `perm` through a department grant.
    pub fn departments_with(&self, perm: Permission) -> Vec<DepartmentId> {
        self.0
            .iter()
            .filter(|g| g.role.permissions().contains(&perm))
            .filter_map(|g| match g.scope {
                Scope::Department { department } => Some(department),
                _ => None,
            })
            .collect()
    }
}

/// Whether region `outer` is `inner` or an ancestor of it.
pub fn region_covers(outer: &RegionCode, inner: &RegionCode) -> bool {
    let mut cur = Some(inner.clone());
    while let Some(r) = cur {
        if &r == outer {
            return true;
        }
        cur = r.parent();
    }
    false
}

/// Minimum password rules for staff accounts.
///
/// At least 10 characters, not all of one character class: GB/T 22239-2019 (等保 2.0) asks for
/// password complexity on identification; we require two of {letters, digits, symbols}.
pub fn check_password_policy(password: &str) -> Result<(), crate::DomainError> {
    let n = password.chars().count();
    if n < 10 {
        return Err(crate::DomainError::field(
            "password",
            "密码至少需要 10 个字符",
            "password: at least 10 characters are required",
        ));
    }
    if n > 256 {
        return Err(crate::DomainError::field(
            "password",
            "密码过长（最多 256 个字符）",
            "password: too long (256 characters at most)",
        ));
    }
    let letters = password.chars().any(|c| c.is_alphabetic());
    let digits = password.chars().any(|c| c.is_ascii_digit());
    let symbols = password
        .chars()
        .any(|c| !c.is_alphanumeric() && !c.is_whitespace());
    if [letters, digits, symbols].iter().filter(|b| **b).count() < 2 {
        return Err(crate::DomainError::field(
            "password",
            "密码需包含字母、数字、符号中的至少两类",
            "password: use at least two of letters, digits and symbols",
        ));
    }
    Ok(())
}

/// Validate a staff username: 3–32 characters of `a-z 0-9 . _ -`, starting with a letter.
pub fn check_username(username: &str) -> Result<(), crate::DomainError> {
    let ok_len = (3..=32).contains(&username.len());
    let ok_first = username
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase());
    let ok_chars = username
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if ok_len && ok_first && ok_chars {
        Ok(())
    } else {
        Err(crate::DomainError::field(
            "username",
            "用户名须为 3–32 位小写字母、数字或 . _ -，以字母开头",
            "username: 3–32 characters of a–z, 0–9, . _ -, starting with a letter",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rc(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    #[test]
    fn department_grant_covers_only_its_department() {
        let g = Grants(vec![Grant {
            role: Role::DeptLead,
            scope: Scope::Department {
                department: DepartmentId(7),
            },
        }]);
        let own = Target::department(DepartmentId(7), rc("350500"));
        let other = Target::department(DepartmentId(8), rc("350500"));
        assert!(g.allows(Permission::DecideCases, &own));
        assert!(!g.allows(Permission::DecideCases, &other));
        assert!(!g.allows(Permission::ManageUsers, &own));
        assert!(!g.allows(Permission::ViewAudit, &Target::global()));
    }

    #[test]
    fn region_grant_covers_descendants_only() {
        let g = Grants(vec![Grant {
            role: Role::Analyst,
            scope: Scope::Region {
                region: rc("350582"),
            },
        }]);
        let village = Target {
            department: None,
            region: Some(rc("350582100001")),
        };
        let city = Target {
            department: None,
            region: Some(rc("350500")),
        };
        assert!(g.allows(Permission::ViewAnalytics, &village));
        assert!(!g.allows(Permission::ViewAnalytics, &city));
    }

    #[test]
    fn every_role_has_a_permission_and_parses_back() {
        for r in Role::ALL {
            assert!(!r.permissions().is_empty());
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
        }
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn intake_clerk_cannot_decide() {
        // 受审分离: intake is separated from review and decision.
        assert!(
            !Role::IntakeClerk
                .permissions()
                .contains(&Permission::DecideCases)
        );
        assert!(
            !Role::IntakeClerk
                .permissions()
                .contains(&Permission::ReviewCases)
        );
    }

    #[test]
    fn password_policy() {
        assert!(check_password_policy("short1").is_err());
        assert!(check_password_policy("onlyletterslong").is_err());
        assert!(check_password_policy("letters-and-1").is_ok());
        assert!(check_password_policy("窗口受理2026年度口令").is_ok());
    }

    #[test]
    fn usernames() {
        assert!(check_username("admin").is_ok());
        assert!(check_username("li.hua-2").is_ok());
        assert!(check_username("Admin").is_err());
        assert!(check_username("ab").is_err());
        assert!(check_username("1abc").is_err());
    }
}
