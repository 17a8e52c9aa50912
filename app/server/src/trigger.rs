//! The trigger check: before a command becomes work, the actor's permission on the repository
//! is looked up and the Cedar policy decides whether the command may run.
//!
//! The check happens while the webhook is answered, so that an allowed command has its run
//! when GitHub hears 202 and a denied one never gets one. Looking a permission up is GitHub's
//! business, so this crate only names what it needs ([`PermissionLookup`]); the binary
//! supplies GitHub's collaborator-permission endpoint (cached briefly).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use redgreen_core::{Command, InstallationId};
use redgreen_policy::{Decision, Permission, PolicyEngine, TriggerRequest};

/// A boxed future, so that [`PermissionLookup`] can be used as a trait object.
pub type LookupFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Permission, LookupError>> + Send + 'a>>;

/// Where an actor's permission on a repository comes from.
pub trait PermissionLookup: Send + Sync + 'static {
    /// The actor's permission on `repository` (`owner/name`), as the installation sees it.
    fn permission<'a>(
        &'a self,
        installation: InstallationId,
        repository: &'a str,
        login: &'a str,
    ) -> LookupFuture<'a>;
}

/// Why a permission could not be looked up. The message is shown to operators only.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct LookupError(pub String);

/// One trigger, as the webhook names it.
#[derive(Debug, Clone, Copy)]
pub struct Trigger<'a> {
    pub installation: InstallationId,
    pub repository: &'a str,
    pub actor: &'a str,
    pub command: Command,
}

/// The trigger check's settings and the policy it applies.
pub struct TriggerCheck {
    engine: PolicyEngine,
    lookup: Option<Arc<dyn PermissionLookup>>,
    min_permission: Permission,
}

impl std::fmt::Debug for TriggerCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TriggerCheck")
            .field("lookup", &self.lookup.is_some())
            .field("min_permission", &self.min_permission)
            .finish_non_exhaustive()
    }
}

impl TriggerCheck {
    /// `lookup` is `None` when no GitHub App is configured: then no permission can be
    /// verified and every command is denied (fail closed).
    pub fn new(
        engine: PolicyEngine,
        lookup: Option<Arc<dyn PermissionLookup>>,
        min_permission: Permission,
    ) -> TriggerCheck {
        TriggerCheck {
            engine,
            lookup,
            min_permission,
        }
    }

    /// Decides `trigger`. Every decision is logged with the policies that made it.
    pub async fn decide(&self, trigger: Trigger<'_>) -> Decision {
        let Some(lookup) = &self.lookup else {
            return self.refused(
                trigger,
                "github-not-configured",
                "redgreen has no GitHub App configured, so it cannot check the actor's permission",
            );
        };
        let permission = match lookup
            .permission(trigger.installation, trigger.repository, trigger.actor)
            .await
        {
            Ok(permission) => permission,
            Err(error) => {
                tracing::warn!(
                    %error,
                    actor = trigger.actor,
                    repository = trigger.repository,
                    "permission lookup failed; the trigger is denied"
                );
                return self.refused(
                    trigger,
                    "permission-unavailable",
                    "redgreen could not look up the actor's permission on GitHub; try again later",
                );
            }
        };
        let decision = self.engine.decide(&TriggerRequest {
            actor_login: trigger.actor.to_owned(),
            // Bots and redgreen's own account are ignored before a trigger is checked (see
            // `redgreen_core::webhook::route`), so every actor here is a person.
            actor_is_bot: false,
            bot_allowlisted: false,
            own_app: false,
            permission,
            command: trigger.command,
            repository: trigger.repository.to_owned(),
            min_permission: self.min_permission,
        });
        tracing::info!(
            allowed = decision.allowed,
            policies = ?decision.policy_ids,
            actor = trigger.actor,
            repository = trigger.repository,
            command = trigger.command.as_str(),
            permission = ?permission,
            "trigger decision"
        );
        decision
    }

    /// A denial decided before the policy could run, logged like the policy's own.
    fn refused(&self, trigger: Trigger<'_>, id: &str, reason: &str) -> Decision {
        let decision = Decision {
            allowed: false,
            policy_ids: vec![id.to_owned()],
            reason: reason.to_owned(),
        };
        tracing::info!(
            allowed = false,
            policies = ?decision.policy_ids,
            actor = trigger.actor,
            repository = trigger.repository,
            command = trigger.command.as_str(),
            "trigger decision"
        );
        decision
    }
}
