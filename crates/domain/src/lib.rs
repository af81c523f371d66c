//! # onewindow-domain
//!
//! The pure core of OneWindow (一窗通办). What belongs here: identifiers and their check-digit
//! algorithms, value objects, the working-day calendar, roles and permissions, the audit hash
//! chain, lifecycle state machines. What does not: anything that does IO, async, or knows about
//! SQL or HTTP. Every rule of law encoded here cites its article or standard.
#![warn(missing_docs)]

/// An enum with a stable machine name and a Chinese label for every value.
macro_rules! labelled_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = ($s:literal, $zh:literal)),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
        pub enum $name { $($(#[$vm])* #[serde(rename = $s)] $v),+ }
        impl $name {
            /// Every value.
            pub const ALL: &'static [$name] = &[$($name::$v),+];
            /// Stable machine name.
            pub fn as_str(self) -> &'static str { match self { $($name::$v => $s),+ } }
            /// Chinese label.
            pub fn zh(self) -> &'static str { match self { $($name::$v => $zh),+ } }
            /// Parse the machine name or the Chinese label.
            pub fn parse(s: &str) -> Option<$name> {
                let s = s.trim();
                $name::ALL.iter().copied().find(|v| v.as_str() == s || v.zh() == s)
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.zh()) }
        }
    };
}

pub mod audit;
pub mod calendar;
pub mod case;
pub mod catalog;
pub mod disclosure;
pub mod error;
pub mod identity;
pub mod ids;
pub mod license;
pub mod masking;
pub mod org;
pub mod region;
pub mod report;

pub use error::{DomainError, FieldError};
