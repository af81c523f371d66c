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
            AppError::Conflict { en, .. } => en.clone(),
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
            StoreError::Duplicate(what) => AppError::conflict(
                format!("已存在相同的记录（{what}）"),
                format!("a record with the same value already exists ({what})"),
            ),
            other => AppError::Unexpected(anyhow::Error::new(other)),
        }
    }
}

/// Result alias of the layer.
pub type AppResult<T> = Result<T, AppError>;
