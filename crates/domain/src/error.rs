//! The one error type of the domain layer.
//!
//! Every variant means something to a user. Messages exist in Simplified Chinese (the default UI
//! language) and English; `Display` gives the Chinese text so that a CLI or log line is readable
//! by the service center's staff.

use std::borrow::Cow;

/// A problem with one input field, named by its machine name and explained in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Machine name of the field, e.g. `resident_id`, `credit_code`, `date`.
    pub field: &'static str,
    /// Explanation in Simplified Chinese, naming the field, e.g. `公民身份号码校验码错误，应为 X`.
    pub zh: Cow<'static, str>,
    /// The same explanation in English.
    pub en: Cow<'static, str>,
}

impl FieldError {
    /// Build a field error from its two messages.
    pub fn new(
        field: &'static str,
        zh: impl Into<Cow<'static, str>>,
        en: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            field,
            zh: zh.into(),
            en: en.into(),
        }
    }
}

/// Errors raised by pure domain rules.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// An input value is malformed or violates a rule.
    #[error("{}", .0.zh)]
    Field(FieldError),
    /// A lifecycle transition that the state machine does not allow.
    #[error("不允许的状态变更：{from} → {to}")]
    InvalidTransition {
        /// State the object is in.
        from: &'static str,
        /// State that was requested.
        to: &'static str,
    },
    /// A working-day computation needs a year the calendar has no official data for.
    #[error("工作日历缺少 {year} 年的官方放假安排数据")]
    CalendarYearMissing {
        /// The year without data.
        year: i32,
    },
}

impl DomainError {
    /// Shorthand for a [`DomainError::Field`].
    pub fn field(
        field: &'static str,
        zh: impl Into<Cow<'static, str>>,
        en: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self::Field(FieldError::new(field, zh, en))
    }

    /// The English message.
    pub fn message_en(&self) -> String {
        match self {
            Self::Field(f) => f.en.to_string(),
            Self::InvalidTransition { from, to } => {
                format!("transition not allowed: {from} → {to}")
            }
            Self::CalendarYearMissing { year } => {
                format!("the working-day calendar has no official holiday data for {year}")
            }
        }
    }

    /// The Chinese message (same as `Display`).
    pub fn message_zh(&self) -> String {
        self.to_string()
    }

    /// Stable snake_case code for APIs.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Field(_) => "invalid_field",
            Self::InvalidTransition { .. } => "invalid_transition",
            Self::CalendarYearMissing { .. } => "calendar_year_missing",
        }
    }

    /// The field concerned, if any.
    pub fn field_name(&self) -> Option<&'static str> {
        match self {
            Self::Field(f) => Some(f.field),
            _ => None,
        }
    }
}
