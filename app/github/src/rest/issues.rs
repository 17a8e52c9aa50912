//! Issues and issue comments: read an issue, open one, and list, create and edit its comments
//! (a comment found again by its marker is `marked_comment.rs`).

use octocrab::models::issues::{Comment, Issue};
use serde_json::json;

use super::RepoClient;
use crate::error::GitHubError;

impl RepoClient {
    /// `GET .../issues/{n}`.
    pub async fn get_issue(&self, number: u64) -> Result<Issue, GitHubError> {
        let (owner, name) = (self.repo.owner(), self.repo.name());
        self.client
            .call(
                self.credential(),
                "GET",
                "/repos/{owner}/{repo}/issues/{issue_number}",
                |crab| async move { crab.issues(owner, name).get(number).await },
            )
            .await
    }

    /// `POST .../issues`.
    pub async fn create_issue(
        &self,
        title: &str,
        body: &str,
        labels: &[String],
    ) -> Result<Issue, GitHubError> {
        let (owner, name) = (self.repo.owner(), self.repo.name());
        self.client
            .call(
                self.credential(),
                "POST",
                "/repos/{owner}/{repo}/issues",
                |crab| async move {
                    let issues = crab.issues(owner, name);
                    let mut create = issues.create(title).body(body);
                    if !labels.is_empty() {
                        create = create.labels(labels.to_vec());
                    }
                    create.send().await
                },
            )
            .await
    }

    /// `GET .../issues/{n}/comments`, every page (also a pull request's conversation).
    pub async fn list_issue_comments(&self, number: u64) -> Result<Vec<Comment>, GitHubError> {
        let route = self.path(&format!("/issues/{number}/comments"));
        let route = &route;
        self.client
            .all_pages(
                self.credential(),
                "/repos/{owner}/{repo}/issues/{issue_number}/comments",
                |crab, page| async move {
                    let page = page.to_string();
                    let query = [("per_page", "100"), ("page", &page)];
                    crab.get(route, Some(&query)).await
                },
            )
            .await
    }

    /// `POST .../issues/{n}/comments` (also comments on a pull request's conversation).
    pub async fn create_issue_comment(
        &self,
        number: u64,
        body: &str,
    ) -> Result<Comment, GitHubError> {
        let (owner, name) = (self.repo.owner(), self.repo.name());
        self.client
            .call(
                self.credential(),
                "POST",
                "/repos/{owner}/{repo}/issues/{issue_number}/comments",
                |crab| async move { crab.issues(owner, name).create_comment(number, body).await },
            )
            .await
    }

    /// `PATCH .../issues/comments/{id}`: edits a comment in place (the progress comment).
    /// (octocrab's `update_comment` sends POST, which GitHub documents as PATCH.)
    pub async fn edit_issue_comment(
        &self,
        comment_id: u64,
        body: &str,
    ) -> Result<Comment, GitHubError> {
        let route = self.path(&format!("/issues/comments/{comment_id}"));
        let route = &route;
        let body = json!({ "body": body });
        let body = &body;
        self.client
            .call(
                self.credential(),
                "PATCH",
                "/repos/{owner}/{repo}/issues/comments/{comment_id}",
                |crab| async move { crab.patch(route, Some(body)).await },
            )
            .await
    }
}
