//! # onewindow-domain
//!
//! The pure core of OneWindow (一窗通办). What belongs here: identifiers and their check-digit
//! algorithms, value objects, the working-day calendar, roles and permissions, the audit hash
//! chain, lifecycle state machines. What does not: anything that does IO, async, or knows about
//! SQL or HTTP. Every rule of law encoded here cites its article or standard.
#![warn(missing_docs)]

pub mod audit;
pub mod calendar;
pub mod catalog;
pub mod error;
pub mod identity;
pub mod ids;
pub mod masking;
pub mod org;
pub mod region;

pub use error::{DomainError, FieldError};
