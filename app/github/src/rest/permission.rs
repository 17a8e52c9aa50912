//! Collaborator permission (`GET /repos/{owner}/{repo}/collaborators/{username}/permission`),
//! cached briefly: the trigger policy asks on every mention.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Deserialize;

use super::RepoClient;
use crate::error::GitHubError;

/// A user's access to a repository.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RepositoryPermission {
    /// GitHub's coarse level: `admin`, `write`, `read` or `none` (maintain reads as `write`,
    /// triage as `read`).
    pub permission: String,
    /// The exact role (`admin`, `maintain`, `write`, `triage`, `read`, or a custom role).
    #[serde(default)]
    pub role_name: Option<String>,
}

impl RepositoryPermission {
    /// The finest level GitHub gave: the role name when present, else the coarse permission.
    pub fn level(&self) -> &str {
        self.role_name.as_deref().unwrap_or(&self.permission)
    }
}

/// Answers per (repository, login), both case-insensitive like GitHub's names.
pub(crate) struct PermissionCache {
    ttl: Duration,
    entries: Mutex<HashMap<(String, String), (RepositoryPermission, Instant)>>,
}

impl PermissionCache {
    pub(crate) fn new(ttl: Duration) -> PermissionCache {
        PermissionCache {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn lookup(&self, key: &(String, String), now: Instant) -> Option<RepositoryPermission> {
        let entries = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        entries
            .get(key)
            .filter(|(_, at)| now.duration_since(*at) < self.ttl)
            .map(|(permission, _)| permission.clone())
    }

    fn store(&self, key: (String, String), permission: RepositoryPermission, now: Instant) {
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        entries.retain(|_, (_, at)| now.duration_since(*at) < self.ttl);
        entries.insert(key, (permission, now));
    }
}

impl RepoClient {
    /// The user's permission on this repository; answers are reused for the configured TTL.
    pub async fn collaborator_permission(
        &self,
        login: &str,
    ) -> Result<RepositoryPermission, GitHubError> {
        if login.is_empty()
            || !login
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '[' | ']'))
        {
            return Err(GitHubError::InvalidRequest(format!(
                "{login:?} is not a GitHub login"
            )));
        }
        let key = (
            self.repo.to_string().to_ascii_lowercase(),
            login.to_ascii_lowercase(),
        );
        let cache = self.client.permissions();
        if let Some(hit) = cache.lookup(&key, Instant::now()) {
            return Ok(hit);
        }
        let route = self.path(&format!(
            "/collaborators/{}/permission",
            super::escaped_segments(login)
        ));
        let route = &route;
        let permission: RepositoryPermission = self
            .client
            .call(
                self.credential(),
                "GET",
                "/repos/{owner}/{repo}/collaborators/{username}/permission",
                |crab| async move { crab.get(route, None::<&()>).await },
            )
            .await?;
        cache.store(key, permission.clone(), Instant::now());
        Ok(permission)
    }
}
