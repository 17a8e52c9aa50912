//! Pull requests: open one from a redgreen branch, edit it, list, read, list its files.

use octocrab::models::pulls::PullRequest;
use octocrab::models::repos::DiffEntry;
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

/// Changes to a pull request; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct PullRequestUpdate<'a> {
    pub title: Option<&'a str>,
    pub body: Option<&'a str>,
    pub state: Option<params::pulls::State>,
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

    /// `PATCH .../pulls/{n}`. (octocrab's update builder puts `pull_number` into the body,
    /// which GitHub's schema does not allow, so the body is built here.)
    pub async fn update_pull(
        &self,
        number: u64,
        update: &PullRequestUpdate<'_>,
    ) -> Result<PullRequest, GitHubError> {
        let route = self.path(&format!("/pulls/{number}"));
        let route = &route;
        let mut body = serde_json::Map::new();
        if let Some(title) = update.title {
            body.insert("title".into(), title.into());
        }
        if let Some(text) = update.body {
            body.insert("body".into(), text.into());
        }
        if let Some(state) = update.state {
            let state = serde_json::to_value(state)
                .map_err(|e| GitHubError::InvalidRequest(format!("pull request state: {e}")))?;
            body.insert("state".into(), state);
        }
        let body = &body;
        self.client
            .call(
                self.credential(),
                "PATCH",
                "/repos/{owner}/{repo}/pulls/{pull_number}",
                |crab| async move { crab.patch(route, Some(body)).await },
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

    /// `GET .../pulls/{n}/files`, every page.
    pub async fn list_pull_files(&self, number: u64) -> Result<Vec<DiffEntry>, GitHubError> {
        let route = self.path(&format!("/pulls/{number}/files"));
        let route = &route;
        self.client
            .all_pages(
                self.credential(),
                "/repos/{owner}/{repo}/pulls/{pull_number}/files",
                |crab, page| async move {
                    let query = [("per_page", 100u32), ("page", page)];
                    crab.get(route, Some(&query)).await
                },
            )
            .await
    }
}
