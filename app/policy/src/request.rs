//! What the trigger path knows about one trigger when it asks the policy.

use redgreen_core::Command;

use crate::Permission;

/// One trigger to decide: who asked for which command on which repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerRequest {
    pub actor_login: String,
    /// The account is a bot (`type: "Bot"` on GitHub).
    pub actor_is_bot: bool,
    /// The operator allow-listed this bot.
    pub bot_allowlisted: bool,
    /// The account is redgreen's own app.
    pub own_app: bool,
    /// The actor's permission on the repository (collaborator permission endpoint).
    pub permission: Permission,
    pub command: Command,
    /// `owner/name`.
    pub repository: String,
    /// The repository config's `trigger_min_permission` (default [`Permission::Write`]).
    /// [`crate::PolicyEngine::decide`] raises it to the floor for the command.
    pub min_permission: Permission,
}
