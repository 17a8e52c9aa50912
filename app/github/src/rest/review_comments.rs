//! Review comments: listed, and replied to in their thread: `POST .../pulls/{n}/comments` with `in_reply_to`.
//! (The `/replies` endpoint is not usable by GitHub Apps.)
//!
//! GitHub ignores every field but `body` when `in_reply_to` is given, yet its schema still
//! requires `commit_id` and `path`; they are copied from the comment replied to.

use octocrab::models::pulls::Comment;
use serde_json::json;

use super::RepoClient;
use crate::error::GitHubError;

impl RepoClient {
    /// Replies to review comment `in_reply_to` on pull request `number`.
    pub async fn reply_to_review_comment(
        &self,
        number: u64,
        in_reply_to: u64,
        body: &str,
    ) -> Result<Comment, GitHubError> {
        let original = self.get_review_comment(in_reply_to).await?;
        let route = self.path(&format!("/pulls/{number}/comments"));
        let route = &route;
        let body = json!({
            "body": body,
            "in_reply_to": in_reply_to,
            "commit_id": original.commit_id,
            "path": original.path,
        });
        let body = &body;
        self.client
            .call(
                self.credential(),
                "POST",
                "/repos/{owner}/{repo}/pulls/{pull_number}/comments",
                |crab| async move { crab.post(route, Some(body)).await },
            )
            .await
    }

    /// `GET .../pulls/{n}/comments`, every page: the review comments of pull request `number`.
    pub async fn list_review_comments(&self, number: u64) -> Result<Vec<Comment>, GitHubError> {
        let route = self.path(&format!("/pulls/{number}/comments"));
        let route = &route;
        self.client
            .all_pages(
                self.credential(),
                "/repos/{owner}/{repo}/pulls/{pull_number}/comments",
                |crab, page| async move {
                    let page = page.to_string();
                    let query = [("per_page", "100"), ("page", &page)];
                    crab.get(route, Some(&query)).await
                },
            )
            .await
    }

    /// `GET .../pulls/comments/{id}`: one review comment.
    pub async fn get_review_comment(&self, comment_id: u64) -> Result<Comment, GitHubError> {
        let route = self.path(&format!("/pulls/comments/{comment_id}"));
        let route = &route;
        self.client
            .call(
                self.credential(),
                "GET",
                "/repos/{owner}/{repo}/pulls/comments/{comment_id}",
                |crab| async move { crab.get(route, None::<&()>).await },
            )
            .await
    }
}
