//! Pull requests: open one from a redgreen branch, list, read.

use octocrab::models::pulls::PullRequest;
use octocrab::params;
use redgreen_core::WritableRef;

use super::RepoClient;
use crate::error::GitHubError;

/// A pull request to open. The head is always one of redgreen's branches.
#[derive(Debug, Clone)]
pub struct NewPullRequest<'a> {
    pub title: &'a str,
    pub head: &'a WritableRef,
    /// The branch to merge into (by a person): usually the default branch.
    pub base: &'a str,
    pub body: &'a str,
    pub draft: bool,
}

impl RepoClient {
    /// `POST .../pulls`.
    pub async fn create_pull(&self, new: &NewPullRequest<'_>) -> Result<PullRequest, GitHubError> {
        let (owner, name) = (self.repo.owner(), self.repo.name());
        self.client
            .call(
                self.credential(),
                "POST",
                "/repos/{owner}/{repo}/pulls",
                |crab| async move {
                    crab.pulls(owner, name)
                        .create(new.title, new.head.branch(), new.base)
                        .body(new.body)
                        .draft(new.draft)
                        .send()
                        .await
                },
            )
            .await
    }

    /// `GET .../pulls/{n}`.
    pub async fn get_pull(&self, number: u64) -> Result<PullRequest, GitHubError> {
        let (owner, name) = (self.repo.owner(), self.repo.name());
        self.client
            .call(
                self.credential(),
                "GET",
                "/repos/{owner}/{repo}/pulls/{pull_number}",
                |crab| async move { crab.pulls(owner, name).get(number).await },
            )
            .await
    }

    /// `GET .../pulls`, every page. `head` filters by `owner:branch` (how redgreen finds the PR
    /// it already opened for a branch, so that a resumed task does not open a second one).
    pub async fn list_pulls(
        &self,
        state: params::State,
        head: Option<&str>,
    ) -> Result<Vec<PullRequest>, GitHubError> {
        let (owner, name) = (self.repo.owner(), self.repo.name());
        self.client
            .all_pages(
                self.credential(),
                "/repos/{owner}/{repo}/pulls",
                |crab, page| async move {
                    let pulls = crab.pulls(owner, name);
                    let mut list = pulls.list().state(state).per_page(100u8).page(page);
                    if let Some(head) = head {
                        list = list.head(head);
                    }
                    list.send().await
                },
            )
            .await
    }
}
