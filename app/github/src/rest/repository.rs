//! The repository itself (`GET /repos/{owner}/{repo}`).

use super::RepoClient;
use crate::error::GitHubError;

impl RepoClient {
    /// The repository: default branch, clone URL, visibility.
    pub async fn get(&self) -> Result<octocrab::models::Repository, GitHubError> {
        let (owner, name) = (self.repo.owner(), self.repo.name());
        self.client
            .call(
                self.credential(),
                "GET",
                "/repos/{owner}/{repo}",
                |crab| async move { crab.repos(owner, name).get().await },
            )
            .await
    }
}
