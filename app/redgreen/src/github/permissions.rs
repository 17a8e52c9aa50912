//! The trigger check's permission lookup, answered by GitHub's collaborator-permission
//! endpoint through redgreen's GitHub client (which caches answers briefly).

use redgreen_core::InstallationId;
use redgreen_github::{GitHubClient, RepoName};
use redgreen_policy::Permission;
use redgreen_server::trigger::{LookupError, LookupFuture, PermissionLookup};

/// Looks permissions up on GitHub as the installation that sent the webhook.
pub struct GitHubPermissions(pub GitHubClient);

impl PermissionLookup for GitHubPermissions {
    fn permission<'a>(
        &'a self,
        installation: InstallationId,
        repository: &'a str,
        login: &'a str,
    ) -> LookupFuture<'a> {
        Box::pin(async move {
            let repo = RepoName::parse(repository).map_err(|e| LookupError(e.to_string()))?;
            let answer = self
                .0
                .repo(installation, repo)
                .collaborator_permission(login)
                .await
                .map_err(|e| LookupError(e.to_string()))?;
            // A custom role's name says nothing to the policy; its base level does.
            Ok(role(answer.level())
                .or_else(|| role(&answer.permission))
                .unwrap_or(Permission::None))
        })
    }
}

/// GitHub's name for a repository role.
fn role(name: &str) -> Option<Permission> {
    Some(match name {
        "admin" => Permission::Admin,
        "maintain" => Permission::Maintain,
        "write" => Permission::Write,
        "triage" => Permission::Triage,
        "read" => Permission::Read,
        "none" => Permission::None,
        _ => return None,
    })
}
