//! Government information disclosure (政府信息公开).

pub mod item;
pub mod redaction;
pub mod request;
