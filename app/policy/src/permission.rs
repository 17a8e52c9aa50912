//! An actor's permission on a repository, in GitHub's role order.

use serde::{Deserialize, Serialize};

/// GitHub's repository roles, lowest first; the derived order is the order of privilege.
/// Also the values of a repository config's `trigger_min_permission`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    None,
    Read,
    Triage,
    Write,
    Maintain,
    Admin,
}

impl Permission {
    /// The number the Cedar schema uses for this role (0 for none up to 5 for admin), so
    /// policies can compare roles with `<` and `>=`.
    pub fn level(self) -> i64 {
        match self {
            Permission::None => 0,
            Permission::Read => 1,
            Permission::Triage => 2,
            Permission::Write => 3,
            Permission::Maintain => 4,
            Permission::Admin => 5,
        }
    }
}
