//! The `installation` task: a GitHub App installation gained repositories, so the
//! branch-protection doctor checks each of them.

use redgreen_core::InstallationId;
use redgreen_core::webhook::InstallationChange;
use redgreen_github::{GitHubClient, RepoName};
use redgreen_store::Store;
use tracing::{info, warn};

use crate::github::protection_doctor::check_repository;
use crate::runtime::worker_pool::TaskError;

/// Runs the branch-protection doctor on every repository the change added, opening the
/// explanatory issue (once) where a default branch is unprotected. A repository that cannot
/// be checked fails the task after the others were checked; the retry re-checks all of them
/// without opening any issue twice.
pub(crate) async fn check_added_repositories(
    store: &Store,
    github: Option<&GitHubClient>,
    installation: InstallationId,
    payload: &serde_json::Value,
) -> Result<(), TaskError> {
    let change: InstallationChange = serde_json::from_value(payload.clone())
        .map_err(|e| TaskError::Permanent(format!("unreadable installation change: {e}")))?;
    let added = change.repositories_added.len();
    info!(action = %change.action, added, "installation change");
    let Some(client) = github else {
        if !change.repositories_added.is_empty() {
            warn!("no GitHub App configured: the branch-protection doctor cannot run");
        }
        return Ok(());
    };
    let mut failures = Vec::new();
    let mut retryable = false;
    for repository in &change.repositories_added {
        let result = match RepoName::parse(repository) {
            Ok(name) => check_repository(client, Some(store), installation, &name)
                .await
                .map_err(|e| (e.is_retryable(), e.to_string())),
            Err(e) => Err((false, e.to_string())),
        };
        match result {
            Ok(outcome) => info!(
                %repository,
                protected = outcome.report.is_protected(),
                issue = ?outcome.issue,
                "branch protection checked"
            ),
            Err((can_retry, error)) => {
                warn!(%repository, %error, "the branch-protection doctor failed");
                retryable |= can_retry;
                failures.push(format!("{repository}: {error}"));
            }
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(TaskError::from_error(retryable, failures.join("; ")))
    }
}
