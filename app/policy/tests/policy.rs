//! redgreen-policy's integration tests: one binary, one module per concern.

// A failing test should stop right where it fails, with the value that was wrong.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod policy {
    mod cases;
    mod decide;
    mod load;
}

use redgreen_core::Command;
use redgreen_policy::{Permission, PolicyEngine, TriggerRequest};

/// The workspace's `policies/` folder, the one the crate embeds.
fn policies_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies")
}

fn engine() -> PolicyEngine {
    PolicyEngine::embedded().unwrap()
}

/// A human, not the app, at `permission`, asking for `command` on a repository whose
/// minimum is `min_permission`.
fn human(permission: Permission, command: Command, min_permission: Permission) -> TriggerRequest {
    TriggerRequest {
        actor_login: "alice".to_owned(),
        actor_is_bot: false,
        bot_allowlisted: false,
        own_app: false,
        permission,
        command,
        repository: "octo/demo".to_owned(),
        min_permission,
    }
}
