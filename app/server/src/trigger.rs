//! The trigger check: before a command becomes work, the actor's permission on the repository
//! is looked up and the Cedar policy decides whether the command may run.
//!
//! The check happens while the webhook is answered, so that an allowed command has its run
//! when GitHub hears 202 and a denied one never gets one. Looking a permission up is GitHub's
//! business, so this crate only names what it needs ([`PermissionLookup`], and optionally
//! [`MinPermissionLookup`] for the repository's own `trigger_min_permission`); the binary
//! supplies GitHub's collaborator-permission endpoint and the repository config (both cached
//! briefly).
//!
//! A denial may come with one short reply for the actor ([`Verdict::reply`]): never for a bot
//! or redgreen's own account (a reply to a bot could start a conversation between bots), and
//! never with more than the reason.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use redgreen_core::webhook::Target;
use redgreen_core::{Command, InstallationId};
use redgreen_policy::{Decision, Permission, PolicyEngine, TriggerRequest};
use serde::{Deserialize, Serialize};

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

/// A boxed future, so that [`MinPermissionLookup`] can be used as a trait object.
pub type MinPermissionFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Permission, LookupError>> + Send + 'a>>;

/// Where a repository's minimum permission for commands comes from (its
/// `trigger_min_permission`). A repository that sets none answers the default, `write`; one
/// whose setting cannot be read at all is an error, and the trigger is denied.
pub trait MinPermissionLookup: Send + Sync + 'static {
    fn min_permission<'a>(
        &'a self,
        installation: InstallationId,
        repository: &'a str,
    ) -> MinPermissionFuture<'a>;
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

/// The trigger check's verdict: the policy's decision, and for some denials the one short
/// reply the actor gets on GitHub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub decision: Decision,
    /// The reply's text (it names the actor and the reason, no policy internals). `None` when
    /// allowed, when the actor is a bot or redgreen itself, or when redgreen cannot post.
    pub reply: Option<String>,
}

/// The trigger check's settings and the policy it applies.
pub struct TriggerCheck {
    engine: PolicyEngine,
    lookup: Option<Arc<dyn PermissionLookup>>,
    min_permission: Permission,
    repository_minimum: Option<Arc<dyn MinPermissionLookup>>,
    /// redgreen's own login on GitHub (`<bot name>[bot]`), when known.
    own_login: Option<String>,
    allowed_bots: Vec<String>,
}

impl std::fmt::Debug for TriggerCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TriggerCheck")
            .field("lookup", &self.lookup.is_some())
            .field("min_permission", &self.min_permission)
            .field("repository_minimum", &self.repository_minimum.is_some())
            .field("own_login", &self.own_login)
            .field("allowed_bots", &self.allowed_bots)
            .finish_non_exhaustive()
    }
}

/// The suffix GitHub gives the accounts of Apps.
const BOT_SUFFIX: &str = "[bot]";

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
            repository_minimum: None,
            own_login: None,
            allowed_bots: Vec::new(),
        }
    }

    /// Bots in `allowed` (logins such as `dependabot[bot]`, case-insensitive) may trigger
    /// commands, still subject to their permission; other bots are denied. redgreen's own
    /// account (`<bot_name>[bot]`) is dropped from the list: it never triggers anything.
    pub fn with_bots(mut self, bot_name: &str, allowed: Vec<String>) -> TriggerCheck {
        let own = format!("{bot_name}{BOT_SUFFIX}");
        self.allowed_bots = allowed
            .into_iter()
            .filter(|login| !login.eq_ignore_ascii_case(&own))
            .collect();
        self.own_login = Some(own);
        self
    }

    /// Reads each repository's own minimum (`trigger_min_permission`) instead of applying
    /// the check's default to every repository.
    pub fn with_repository_minimum(mut self, source: Arc<dyn MinPermissionLookup>) -> TriggerCheck {
        self.repository_minimum = Some(source);
        self
    }

    /// The bots allowed to trigger commands, for routing (other bots are ignored there).
    pub fn allowed_bots(&self) -> &[String] {
        &self.allowed_bots
    }

    /// Decides `trigger`. Every decision is logged with the policies that made it.
    pub async fn decide(&self, trigger: Trigger<'_>) -> Verdict {
        let actor_is_bot = trigger
            .actor
            .get(trigger.actor.len().saturating_sub(BOT_SUFFIX.len())..)
            .is_some_and(|suffix| suffix.eq_ignore_ascii_case(BOT_SUFFIX));
        let own_app = self
            .own_login
            .as_deref()
            .is_some_and(|own| own.eq_ignore_ascii_case(trigger.actor));
        let bot_allowlisted = !own_app
            && self
                .allowed_bots
                .iter()
                .any(|allowed| allowed.eq_ignore_ascii_case(trigger.actor));
        let may_reply = !actor_is_bot && !own_app;
        let Some(lookup) = &self.lookup else {
            // Without the App nothing can be posted either, so there is no reply.
            return Verdict {
                decision: self.refused(
                    trigger,
                    "github-not-configured",
                    "redgreen has no GitHub App configured, so it cannot check the actor's permission",
                ),
                reply: None,
            };
        };
        let unavailable = |id: &str, reason: &str| Verdict {
            decision: self.refused(trigger, id, reason),
            reply: may_reply.then(|| {
                format!(
                    "@{actor}, redgreen could not check your permission on this repository just \
                     now, so it did not take `{command}`. Please ask again in a few minutes.",
                    actor = trigger.actor,
                    command = trigger.command.as_str(),
                )
            }),
        };
        let min_permission = match &self.repository_minimum {
            None => self.min_permission,
            Some(source) => match source
                .min_permission(trigger.installation, trigger.repository)
                .await
            {
                Ok(min) => min,
                Err(error) => {
                    tracing::warn!(
                        %error,
                        repository = trigger.repository,
                        "the repository's minimum permission could not be read; the trigger is denied"
                    );
                    return unavailable(
                        "repository-config-unavailable",
                        "redgreen could not read the repository's configuration; try again later",
                    );
                }
            },
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
                return unavailable(
                    "permission-unavailable",
                    "redgreen could not look up the actor's permission on GitHub; try again later",
                );
            }
        };
        // Routing already ignores redgreen's own account and bots not allow-listed
        // (`redgreen_core::webhook::parse_with_bots`); the policy is told the same facts so
        // that it denies them on its own too.
        let decision = self.engine.decide(&TriggerRequest {
            actor_login: trigger.actor.to_owned(),
            actor_is_bot,
            bot_allowlisted,
            own_app,
            permission,
            command: trigger.command,
            repository: trigger.repository.to_owned(),
            min_permission,
        });
        tracing::info!(
            allowed = decision.allowed,
            policies = ?decision.policy_ids,
            actor = trigger.actor,
            repository = trigger.repository,
            command = trigger.command.as_str(),
            permission = ?permission,
            min_permission = ?min_permission,
            "trigger decision"
        );
        let reply = (may_reply && !decision.allowed).then(|| {
            // The role that would have been enough: the repository's minimum, raised to the
            // policy's floor when that is what denied it.
            let floor = if decision
                .policy_ids
                .iter()
                .any(|id| id == "forbid-write-command-below-triage")
            {
                Permission::Triage
            } else {
                Permission::Read
            };
            let role = match min_permission.max(floor) {
                Permission::None | Permission::Read => "read",
                Permission::Triage => "triage",
                Permission::Write => "write",
                Permission::Maintain => "maintain",
                Permission::Admin => "admin",
            };
            format!(
                "@{actor}, redgreen only takes `{command}` from people with {role} access to \
                 this repository.",
                actor = trigger.actor,
                command = trigger.command.as_str(),
            )
        });
        Verdict { decision, reply }
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

/// The payload of a `reply` task (enqueued with a denied delivery): the one comment a denied
/// trigger gets. The binary's worker posts it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DenialReply {
    /// The `X-GitHub-Delivery` of the denied trigger; the comment carries it as a marker.
    pub delivery: String,
    /// `owner/name`.
    pub repository: String,
    /// The issue or pull request the trigger came from; the reply goes there.
    pub target: Target,
    pub actor: String,
    /// The reply's text, without the marker.
    pub body: String,
}
