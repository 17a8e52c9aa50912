//! Git refs: read any. (redgreen writes only its own branches, and by pushing them: see
//! `redgreen_git::push`.)

use serde::Deserialize;

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
}
