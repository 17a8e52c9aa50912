//! Git refs: read any, create or move only redgreen's own (the type says so: a
//! [`WritableRef`] can only exist for `refs/heads/redgreen/...`).

use redgreen_core::WritableRef;
use serde::Deserialize;
use serde_json::json;

use super::{RepoClient, escaped_segments};
use crate::error::GitHubError;

/// A ref and the object it points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitRef {
    /// The full name, `refs/heads/...`.
    pub name: String,
    pub sha: String,
}

#[derive(Deserialize)]
struct RefAnswer {
    #[serde(rename = "ref")]
    name: String,
    object: RefObject,
}

#[derive(Deserialize)]
struct RefObject {
    sha: String,
}

impl From<RefAnswer> for GitRef {
    fn from(answer: RefAnswer) -> GitRef {
        GitRef {
            name: answer.name,
            sha: answer.object.sha,
        }
    }
}

impl RepoClient {
    /// `GET .../git/ref/{ref}` for a full ref name (`refs/heads/main`); `None` if it does not
    /// exist.
    pub async fn get_ref(&self, full_name: &str) -> Result<Option<GitRef>, GitHubError> {
        let short = full_name.strip_prefix("refs/").ok_or_else(|| {
            GitHubError::InvalidRequest(format!("{full_name:?} is not a full ref name"))
        })?;
        let route = self.path(&format!("/git/ref/{}", escaped_segments(short)));
        let answer: Option<RefAnswer> = self
            .get_optional("/repos/{owner}/{repo}/git/ref/{ref}", &route)
            .await?;
        Ok(answer.map(GitRef::from))
    }

    /// `POST .../git/refs`: creates one of redgreen's branches at `sha`.
    pub async fn create_ref(&self, name: &WritableRef, sha: &str) -> Result<GitRef, GitHubError> {
        let route = self.path("/git/refs");
        let route = &route;
        let body = json!({ "ref": name.as_str(), "sha": sha });
        let body = &body;
        let answer: RefAnswer = self
            .client
            .call(
                self.credential(),
                "POST",
                "/repos/{owner}/{repo}/git/refs",
                |crab| async move { crab.post(route, Some(body)).await },
            )
            .await?;
        Ok(answer.into())
    }

    /// `PATCH .../git/refs/{ref}`: moves one of redgreen's branches to `sha`, fast-forward
    /// only (redgreen never rewrites history).
    pub async fn update_ref(&self, name: &WritableRef, sha: &str) -> Result<GitRef, GitHubError> {
        let short = name.as_str().trim_start_matches("refs/");
        let route = self.path(&format!("/git/refs/{}", escaped_segments(short)));
        let route = &route;
        let body = json!({ "sha": sha, "force": false });
        let body = &body;
        let answer: RefAnswer = self
            .client
            .call(
                self.credential(),
                "PATCH",
                "/repos/{owner}/{repo}/git/refs/{ref}",
                |crab| async move { crab.patch(route, Some(body)).await },
            )
            .await?;
        Ok(answer.into())
    }
}
