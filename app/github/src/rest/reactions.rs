//! Reactions: the 👀 that acknowledges a trigger at once, on an issue comment, a review
//! comment or an issue.

use octocrab::models::reactions::ReactionContent;
use serde::Deserialize;
use serde_json::json;

use super::RepoClient;
use crate::error::GitHubError;

/// A reaction GitHub recorded (an existing identical reaction is returned as is).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Reaction {
    pub id: u64,
    pub content: ReactionContent,
}

impl RepoClient {
    /// `POST .../issues/comments/{id}/reactions`.
    pub async fn react_to_issue_comment(
        &self,
        comment_id: u64,
        content: ReactionContent,
    ) -> Result<Reaction, GitHubError> {
        self.react(
            format!("/issues/comments/{comment_id}/reactions"),
            "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions",
            content,
        )
        .await
    }

    /// `POST .../pulls/comments/{id}/reactions`.
    pub async fn react_to_review_comment(
        &self,
        comment_id: u64,
        content: ReactionContent,
    ) -> Result<Reaction, GitHubError> {
        self.react(
            format!("/pulls/comments/{comment_id}/reactions"),
            "/repos/{owner}/{repo}/pulls/comments/{comment_id}/reactions",
            content,
        )
        .await
    }

    /// `POST .../issues/{n}/reactions`.
    pub async fn react_to_issue(
        &self,
        number: u64,
        content: ReactionContent,
    ) -> Result<Reaction, GitHubError> {
        self.react(
            format!("/issues/{number}/reactions"),
            "/repos/{owner}/{repo}/issues/{issue_number}/reactions",
            content,
        )
        .await
    }

    async fn react(
        &self,
        rest: String,
        template: &'static str,
        content: ReactionContent,
    ) -> Result<Reaction, GitHubError> {
        let route = self.path(&rest);
        let route = &route;
        let body = json!({ "content": content });
        let body = &body;
        self.client
            .call(self.credential(), "POST", template, |crab| async move {
                crab.post(route, Some(body)).await
            })
            .await
    }
}
