//! The use-case layer's one error type. Every variant is a deliberate case that `web` and `cli`
//! render; there is no catch-all besides [`AppError::Unexpected`], which is rendered opaquely.

use onewindow_domain::DomainError;
use onewindow_storage::StoreError;

/// What a use case can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Input broke a domain rule (bad ID number, bad date …). HTTP 400/422.
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// Not logged in, or the session/token expired. HTTP 401.
    #[error("未登录或登录已过期")]
    Unauthenticated,
    /// Wrong username or password (deliberately not saying which). HTTP 401.
    #[error("用户名或密码错误")]
    InvalidCredentials,
    /// Account locked after repeated failures. HTTP 423.
    #[error("账号因多次登录失败已被临时锁定，请于 {until} 后再试")]
    Locked {
        /// Local time (UTC+8) when the lock ends, formatted for people.
        until: String,
    },
    /// Account disabled. HTTP 403.
    #[error("账号已停用")]
    Disabled,
    /// Outside the caller's role or scope — also returned when the object does not exist, so
    /// that scope cannot be probed. HTTP 403.
    #[error("无权执行此操作")]
    Forbidden,
    /// The object does not exist (only said to callers entitled to know). HTTP 404.
    #[error("对象不存在")]
    NotFound,
    /// Someone else changed the record first, or a uniqueness rule was hit. HTTP 409.
    #[error("{zh}")]
    Conflict {
        /// Chinese message.
        zh: String,
        /// English message.
        en: String,
    },
    /// A document (e.g. a service guide or an import file) has problems; all of them are listed,
    /// each naming its field (and row, for imports). HTTP 400.
    #[error("{}", invalid_summary_zh(.0))]
    Invalid(Vec<Problem>),
    /// A part the server needs is missing or not configured (e.g. the Chinese font for PDF
    /// output): nothing the user can correct, and said plainly. HTTP 503.
    #[error("{zh}")]
    Unavailable {
        /// Chinese message.
        zh: String,
        /// English message.
        en: String,
    },
    /// Anything unexpected (database down …). Rendered as an opaque 500 with a request id.
    #[error("unexpected: {0}")]
    Unexpected(#[source] anyhow::Error),
}

/// One problem of a document: where (field path, e.g. `items[3].materials[0].name`) and what.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// Where: field path, prefixed by the row/item for imports.
    pub field: String,
    /// Chinese message.
    pub zh: String,
    /// English message.
    pub en: String,
}

fn invalid_summary_zh(p: &[Problem]) -> String {
    match p.first() {
        Some(first) if p.len() == 1 => format!("{}：{}", first.field, first.zh),
        Some(first) => format!(
            "共 {} 处问题，第一处 {}：{}",
            p.len(),
            first.field,
            first.zh
        ),
        None => "内容不符合要求".into(),
    }
}

impl AppError {
    /// A conflict with both messages.
    pub fn conflict(zh: impl Into<String>, en: impl Into<String>) -> Self {
        AppError::Conflict {
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// The standard "someone else saved first" conflict.
    pub fn stale() -> Self {
        AppError::conflict(
            "该记录已被他人修改，请刷新后重新编辑（未保存任何更改）",
            "this record was changed by someone else; reload and edit again (nothing was saved)",
        )
    }

    /// Stable snake_case code for API clients.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Domain(d) => d.code(),
            AppError::Unauthenticated => "unauthenticated",
            AppError::InvalidCredentials => "invalid_credentials",
            AppError::Locked { .. } => "account_locked",
            AppError::Disabled => "account_disabled",
            AppError::Forbidden => "forbidden",
            AppError::NotFound => "not_found",
            AppError::Conflict { .. } => "conflict",
            AppError::Invalid(_) => "invalid_document",
            AppError::Unavailable { .. } => "unavailable",
            AppError::Unexpected(_) => "internal_error",
        }
    }

    /// Message in the user's language (`en` = English, anything else = Chinese).
    pub fn message(&self, english: bool) -> String {
        if !english {
            return match self {
                AppError::Unexpected(_) => "系统内部错误".to_string(),
                other => other.to_string(),
            };
        }
        match self {
            AppError::Domain(d) => d.message_en(),
            AppError::Unauthenticated => "not logged in, or the session expired".into(),
            AppError::InvalidCredentials => "wrong username or password".into(),
            AppError::Locked { until } => {
                format!(
                    "account temporarily locked after repeated failures; try again after {until}"
                )
            }
            AppError::Disabled => "account disabled".into(),
            AppError::Forbidden => "you are not allowed to do this".into(),
            AppError::NotFound => "not found".into(),
            AppError::Conflict { en, .. } | AppError::Unavailable { en, .. } => en.clone(),
            AppError::Invalid(p) => match p.first() {
                Some(first) if p.len() == 1 => format!("{}: {}", first.field, first.en),
                Some(first) => format!(
                    "{} problems; first at {}: {}",
                    p.len(),
                    first.field,
                    first.en
                ),
                None => "invalid document".into(),
            },
            AppError::Unexpected(_) => "internal error".into(),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Conflict(_) => AppError::stale(),
            StoreError::Duplicate(what) => {
                // The database's own text (constraint and column names) is for the log only.
                tracing::info!(constraint = %what, "uniqueness rule hit");
                match duplicate_of(&what) {
                    Some(d) => AppError::conflict(d.zh, d.en),
                    None => AppError::conflict(
                        "已存在相同的记录",
                        "a record with the same value already exists",
                    ),
                }
            }
            other => AppError::Unexpected(anyhow::Error::new(other)),
        }
    }
}

/// A uniqueness rule users can run into, and how to tell them.
struct Unique {
    table: &'static str,
    columns: &'static [&'static str],
    /// The rule is the table's primary key (PostgreSQL names it `<table>_pkey`).
    primary_key: bool,
    zh: &'static str,
    en: &'static str,
}

const UNIQUE_RULES: &[Unique] = &[
    Unique {
        table: "regions",
        columns: &["code"],
        primary_key: true,
        zh: "区划代码已存在",
        en: "the region code already exists",
    },
    Unique {
        table: "departments",
        columns: &["credit_code"],
        primary_key: false,
        zh: "该统一社会信用代码已被其他部门使用",
        en: "the unified social credit code is already used by another department",
    },
    Unique {
        table: "departments",
        columns: &["region_code", "name"],
        primary_key: false,
        zh: "本区划内已有同名部门",
        en: "a department with this name already exists in the region",
    },
    Unique {
        table: "windows",
        columns: &["region_code", "number"],
        primary_key: false,
        zh: "本区划内已有相同编号的窗口",
        en: "a window with this number already exists in the region",
    },
    Unique {
        table: "users",
        columns: &["username"],
        primary_key: false,
        zh: "用户名已存在",
        en: "the username already exists",
    },
    Unique {
        table: "catalog_items",
        columns: &["task_code"],
        primary_key: false,
        zh: "实施编码已存在",
        en: "the task code already exists",
    },
    Unique {
        table: "license_types",
        columns: &["code"],
        primary_key: true,
        zh: "证照类型代码已存在",
        en: "the licence type code already exists",
    },
    Unique {
        table: "licenses",
        columns: &["identifier"],
        primary_key: false,
        zh: "证照标识已存在",
        en: "the licence identifier already exists",
    },
    Unique {
        table: "applicants",
        columns: &["id_number"],
        primary_key: false,
        zh: "该证件号码已登记",
        en: "the ID number is already registered",
    },
    Unique {
        table: "cases",
        columns: &["case_no"],
        primary_key: false,
        zh: "办件编号已存在",
        en: "the case number already exists",
    },
    Unique {
        table: "disclosure_requests",
        columns: &["request_no"],
        primary_key: false,
        zh: "申请编号已存在",
        en: "the request number already exists",
    },
    Unique {
        table: "info_items",
        columns: &["index_no"],
        primary_key: false,
        zh: "索引号已存在",
        en: "the index number already exists",
    },
    Unique {
        table: "annual_reports",
        columns: &["scope", "scope_key", "year"],
        primary_key: false,
        zh: "该年度报告已存在",
        en: "the annual report for this year already exists",
    },
];

/// The rule named by a uniqueness violation: SQLite says `UNIQUE constraint failed: t.a, t.b`,
/// PostgreSQL gives the constraint name (`t_a_b_key`, or `t_pkey` for a primary key).
fn duplicate_of(what: &str) -> Option<&'static Unique> {
    if let Some(cols) = what.trim().strip_prefix("UNIQUE constraint failed:") {
        let cols: Vec<(&str, &str)> = cols
            .split(',')
            .map(|c| c.trim().split_once('.'))
            .collect::<Option<_>>()?;
        return UNIQUE_RULES.iter().find(|u| {
            u.columns.len() == cols.len()
                && cols
                    .iter()
                    .zip(u.columns)
                    .all(|((t, c), col)| *t == u.table && c == col)
        });
    }
    let name = what.trim();
    UNIQUE_RULES.iter().find(|u| {
        name == format!("{}_{}_key", u.table, u.columns.join("_"))
            || (u.primary_key && name == format!("{}_pkey", u.table))
    })
}

/// Result alias of the layer.
pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;

    fn message(what: &str) -> String {
        AppError::from(StoreError::Duplicate(what.into())).message(false)
    }

    #[test]
    fn duplicates_are_named_without_database_text() {
        assert_eq!(
            message("UNIQUE constraint failed: regions.code"),
            "区划代码已存在"
        );
        assert_eq!(message("regions_pkey"), "区划代码已存在");
        assert_eq!(
            message("UNIQUE constraint failed: departments.region_code, departments.name"),
            "本区划内已有同名部门"
        );
        assert_eq!(
            message("departments_region_code_name_key"),
            "本区划内已有同名部门"
        );
        assert_eq!(message("users_username_key"), "用户名已存在");
        assert_eq!(
            message("UNIQUE constraint failed: some_table.some_column"),
            "已存在相同的记录"
        );
        assert_eq!(
            message("duplicate key value violates unique constraint \"x\""),
            "已存在相同的记录"
        );
    }
}
