//! The page frame shared by every HTML page: header, navigation by permission, language switch,
//! footer; and the error page.

use askama::Template;
use onewindow_domain::org::{Permission, Target};

use crate::caller::Caller;
use crate::i18n::Tr;
use crate::middleware::Staff;

/// A navigation entry.
#[derive(Debug, Clone)]
pub struct NavItem {
    /// Link.
    pub href: &'static str,
    /// Label.
    pub label: String,
}

/// The logged-in user shown in the header.
#[derive(Debug, Clone)]
pub struct UserBadge {
    /// Display name.
    pub name: String,
    /// Username.
    pub username: String,
}

/// Everything the base template needs.
#[derive(Debug, Clone)]
pub struct Layout {
    /// Translator.
    pub tr: Tr,
    /// `<title>` and `<h1>`.
    pub title: String,
    /// Service center name.
    pub site: String,
    /// Logged-in user.
    pub user: Option<UserBadge>,
    /// Staff navigation.
    pub nav: Vec<NavItem>,
    /// CSRF token for forms.
    pub csrf: String,
    /// Link that switches the language.
    pub lang_href: String,
    /// A success message.
    pub flash: Option<String>,
    /// An error message (form re-rendered).
    pub error: Option<String>,
}

impl Layout {
    /// Frame for a page at `path`.
    pub fn new(c: &Caller, site: &str, path: &str, title_key: &str) -> Self {
        let tr = c.tr();
        Self::build(
            tr,
            c.staff.as_ref(),
            site,
            path,
            tr.t(title_key).to_string(),
            c.csrf(),
        )
    }

    fn build(
        tr: Tr,
        staff: Option<&Staff>,
        site: &str,
        path: &str,
        title: String,
        csrf: String,
    ) -> Self {
        let mut nav = Vec::new();
        if let Some(s) = staff {
            let g = &s.user.grants;
            nav.push(NavItem {
                href: "/staff",
                label: tr.t("nav.staff").into(),
            });
            if g.has(Permission::IntakeCases) {
                nav.push(NavItem {
                    href: "/cases",
                    label: tr.t("nav.cases").into(),
                });
            }
            if g.has(Permission::ReviewCases) {
                nav.push(NavItem {
                    href: "/review",
                    label: tr.t("nav.review").into(),
                });
            }
            if g.has(Permission::HandleDisclosureRequests) || g.has(Permission::ApproveExtensions) {
                nav.push(NavItem {
                    href: "/ysqgk/requests",
                    label: tr.t("nav.ysq").into(),
                });
            }
            if g.has(Permission::LookupApplicant) || g.has(Permission::ManageLicenses) {
                nav.push(NavItem {
                    href: "/licenses",
                    label: tr.t("nav.licenses").into(),
                });
            }
            if g.has(Permission::DraftDisclosure) || g.has(Permission::ReviewDisclosure) {
                nav.push(NavItem {
                    href: "/xxgk/admin",
                    label: tr.t("nav.xxgk").into(),
                });
            }
            if g.has(Permission::DraftDisclosure) || g.has(Permission::ViewAnalytics) {
                nav.push(NavItem {
                    href: "/reports/annual",
                    label: tr.t("nav.report").into(),
                });
            }
            if g.has(Permission::EditCatalog) || g.has(Permission::ReviewCatalog) {
                nav.push(NavItem {
                    href: "/catalog",
                    label: tr.t("nav.catalog").into(),
                });
            }
            if g.has(Permission::ManageUsers) {
                nav.push(NavItem {
                    href: "/admin/users",
                    label: tr.t("nav.users").into(),
                });
            }
            if g.has(Permission::ManageOrganisation) {
                nav.push(NavItem {
                    href: "/admin/org",
                    label: tr.t("nav.org").into(),
                });
            }
            if g.has(Permission::ViewAudit) {
                nav.push(NavItem {
                    href: "/admin/audit",
                    label: tr.t("nav.audit").into(),
                });
            }
            if g.allows(Permission::ManageApiTokens, &Target::global()) {
                nav.push(NavItem {
                    href: "/admin/tokens",
                    label: tr.t("nav.tokens").into(),
                });
            }
        }
        Self {
            tr,
            title,
            site: site.to_string(),
            user: staff.map(|s| UserBadge {
                name: s.user.display_name.clone(),
                username: s.user.username.clone(),
            }),
            nav,
            csrf,
            lang_href: format!("{path}?lang={}", tr.lang.other().tag()),
            flash: None,
            error: None,
        }
    }

    /// With an error banner.
    pub fn with_error(mut self, e: Option<String>) -> Self {
        self.error = e;
        self
    }

    /// With a success banner.
    pub fn with_flash(mut self, f: Option<String>) -> Self {
        self.flash = f;
        self
    }
}

/// The error page.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    /// Frame.
    pub l: Layout,
    /// HTTP status.
    pub status: u16,
    /// Message in the user's language.
    pub message: String,
    /// Request id to quote.
    pub request_id: String,
}

impl ErrorPage {
    /// Build the error page.
    pub fn new(
        tr: Tr,
        staff: Option<&Staff>,
        site: &str,
        status: u16,
        message: String,
        request_id: String,
    ) -> Self {
        let title = if status == 404 {
            tr.t("error.404").to_string()
        } else {
            tr.t("error.title").to_string()
        };
        let csrf = staff.and_then(|s| s.csrf.clone()).unwrap_or_default();
        Self {
            l: Layout::build(tr, staff, site, "/", title, csrf),
            status,
            message,
            request_id,
        }
    }
}
