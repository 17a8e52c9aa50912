//! Each repository's own minimum permission for commands (`trigger_min_permission` in
//! `.github/redgreen.yml` on its default branch), read through the contents API and cached
//! briefly per repository, like the collaborator permissions.
//!
//! A missing file or key means the default, `write`; an invalid file too, with a warning in
//! the log (the run itself reports a broken config to the repository, not the trigger check).
//! A file that cannot be read at all is an error, so the trigger is denied, not guessed at.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use redgreen_core::InstallationId;
use redgreen_core::repo_config::{REPO_CONFIG_PATH, RepoConfig, Role};
use redgreen_github::{GitHubClient, RepoName};
use redgreen_policy::Permission;
use redgreen_server::trigger::{LookupError, MinPermissionFuture, MinPermissionLookup};

/// How long a repository's minimum is reused before its config is read again.
pub const REPO_MINIMUM_TTL: Duration = Duration::from_secs(60);

/// Reads repositories' minimums through the GitHub App, with a short-lived cache.
pub struct RepoMinimum {
    client: GitHubClient,
    ttl: Duration,
    cache: Mutex<HashMap<(InstallationId, String), (Permission, Instant)>>,
}

impl RepoMinimum {
    pub fn new(client: GitHubClient, ttl: Duration) -> RepoMinimum {
        RepoMinimum {
            client,
            ttl,
            cache: Mutex::new(HashMap::new()),
        }
    }

    async fn read(
        &self,
        installation: InstallationId,
        repository: &str,
    ) -> Result<Permission, LookupError> {
        let lookup_error = |e: redgreen_github::GitHubError| LookupError(e.to_string());
        let repo = self.client.repo(
            installation,
            RepoName::parse(repository).map_err(lookup_error)?,
        );
        let branch = repo
            .get()
            .await
            .map_err(lookup_error)?
            .default_branch
            .unwrap_or_else(|| "main".to_owned());
        let Some(file) = repo
            .get_file(REPO_CONFIG_PATH, &branch)
            .await
            .map_err(lookup_error)?
        else {
            return Ok(Permission::Write);
        };
        let role = match RepoConfig::parse(&file.text) {
            Ok(config) => config.trigger_min_permission,
            Err(error) => {
                tracing::warn!(
                    %repository,
                    %branch,
                    %error,
                    "the repository config is invalid; its trigger_min_permission is taken as write"
                );
                None
            }
        };
        Ok(match role {
            None | Some(Role::Write) => Permission::Write,
            Some(Role::Read) => Permission::Read,
            Some(Role::Triage) => Permission::Triage,
            Some(Role::Maintain) => Permission::Maintain,
            Some(Role::Admin) => Permission::Admin,
        })
    }
}

impl MinPermissionLookup for RepoMinimum {
    fn min_permission<'a>(
        &'a self,
        installation: InstallationId,
        repository: &'a str,
    ) -> MinPermissionFuture<'a> {
        Box::pin(async move {
            let key = (installation, repository.to_owned());
            let cached = self
                .cache
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .get(&key)
                .filter(|(_, at)| at.elapsed() < self.ttl)
                .map(|(min, _)| *min);
            if let Some(min) = cached {
                return Ok(min);
            }
            let min = self.read(installation, repository).await?;
            let mut cache = self
                .cache
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            cache.retain(|_, (_, at)| at.elapsed() < self.ttl);
            cache.insert(key, (min, Instant::now()));
            Ok(min)
        })
    }
}
