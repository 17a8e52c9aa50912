//! Whose rows a store call may see.

use redgreen_core::InstallationId;

/// The tenant boundary of one store call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Only the rows of one installation.
    Tenant(InstallationId),
    /// Every row: the operator API, the queue scheduler and app-level deliveries (`ping`).
    /// Code that acts for one tenant must use [`Scope::Tenant`].
    System,
}

impl Scope {
    /// The installation a query must filter on; `None` for every row.
    pub(crate) fn installation_filter(self) -> Option<i64> {
        match self {
            Scope::Tenant(installation) => Some(installation.0),
            Scope::System => None,
        }
    }
}
