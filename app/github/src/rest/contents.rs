//! File contents at a ref (`GET /repos/{owner}/{repo}/contents/{path}`): how redgreen reads
//! `.github/redgreen.yml` from the base branch.

use base64::Engine;
use serde::Deserialize;

use super::{RepoClient, escaped_segments};
use crate::error::GitHubError;

const ROUTE: &str = "/repos/{owner}/{repo}/contents/{path}";

/// A file's text at a ref.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileContent {
    pub path: String,
    /// The blob sha.
    pub sha: String,
    pub text: String,
}

/// The answer for a file. (octocrab's model decodes with a panic on bad base64, and a
/// directory answers with an array, so the answer is read as JSON first.)
#[derive(Deserialize)]
struct FileAnswer {
    #[serde(rename = "type")]
    kind: String,
    path: String,
    sha: String,
    content: Option<String>,
    encoding: Option<String>,
}

impl RepoClient {
    /// The file at `path` on `git_ref` (a branch, tag or sha); `None` if there is no such file.
    /// A directory, a symlink or a file that is not UTF-8 text is an error.
    pub async fn get_file(
        &self,
        path: &str,
        git_ref: &str,
    ) -> Result<Option<FileContent>, GitHubError> {
        let route = self.path(&format!("/contents/{}", escaped_segments(path)));
        let route = &route;
        let query = [("ref", git_ref)];
        let query = &query;
        let answer = self
            .client
            .call(self.credential(), "GET", ROUTE, |crab| async move {
                crab.get::<serde_json::Value, _, _>(route, Some(query))
                    .await
            })
            .await;
        let answer = match answer {
            Ok(answer) => answer,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e),
        };
        let not_a_file = |why: &str| GitHubError::Decode {
            route: ROUTE,
            detail: format!("{path:?} at {git_ref:?}: {why}"),
        };
        let file: FileAnswer =
            serde_json::from_value(answer).map_err(|_| not_a_file("not a single file"))?;
        if file.kind != "file" {
            return Err(not_a_file("not a regular file"));
        }
        if file.encoding.as_deref() != Some("base64") {
            return Err(not_a_file("content not given as base64 (file too large?)"));
        }
        let encoded: String = file
            .content
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|_| not_a_file("content is not valid base64"))?;
        let text = String::from_utf8(bytes).map_err(|_| not_a_file("not UTF-8 text"))?;
        Ok(Some(FileContent {
            path: file.path,
            sha: file.sha,
            text,
        }))
    }
}
