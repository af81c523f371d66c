//! Newtype identifiers for stored records.
//!
//! Each id wraps an `i64` database key. They are distinct types so that a user id can never be
//! passed where a department id is expected. Storage encodes them as `BIGINT`/`INTEGER`.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl $name {
            /// The raw database key.
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.trim().parse().map(Self)
            }
        }
    };
}

id_type!(
    /// A staff account.
    UserId
);
id_type!(
    /// A department (部门), e.g. 市场监管局.
    DepartmentId
);
id_type!(
    /// A service window (窗口) in a hall.
    WindowId
);
id_type!(
    /// A role grant: one role held by one user in one scope.
    GrantId
);
id_type!(
    /// A machine-client API token.
    ApiTokenId
);
id_type!(
    /// One event of the audit trail; also its position in the hash chain (1, 2, 3 …).
    AuditSeq
);
