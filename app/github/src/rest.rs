//! The REST calls redgreen makes inside one repository, as one installation. Each endpoint
//! group lives in its own file under `rest/`; all of them go through `GitHubClient::call`.

pub mod checks;
pub mod contents;
pub mod issues;
pub mod marked_comment;
pub mod permission;
pub mod protection;
pub mod pulls;
pub mod reactions;
pub mod refs;
pub mod repository;
pub mod review_comments;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use redgreen_core::InstallationId;

use crate::client::{Credential, GitHubClient};
use crate::error::GitHubError;
use crate::repo::RepoName;

/// Calls inside one repository, authenticated as one installation.
#[derive(Clone)]
pub struct RepoClient {
    client: GitHubClient,
    installation: InstallationId,
    repo: RepoName,
}

/// What may stay unescaped in one path segment (RFC 3986 unreserved characters).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

impl RepoClient {
    pub(crate) fn new(
        client: GitHubClient,
        installation: InstallationId,
        repo: RepoName,
    ) -> RepoClient {
        RepoClient {
            client,
            installation,
            repo,
        }
    }

    pub fn repo(&self) -> &RepoName {
        &self.repo
    }

    pub fn installation(&self) -> InstallationId {
        self.installation
    }

    pub fn client(&self) -> &GitHubClient {
        &self.client
    }

    fn credential(&self) -> Credential {
        Credential::Installation(self.installation)
    }

    /// `/repos/{owner}/{repo}` followed by `rest` (which starts with `/`, or is empty).
    fn path(&self, rest: &str) -> String {
        format!("/repos/{}/{}{rest}", self.repo.owner(), self.repo.name())
    }

    /// `GET route` (documented as `template`), where GitHub's 404 means "there is none".
    async fn get_optional<T: serde::de::DeserializeOwned>(
        &self,
        template: &'static str,
        route: &str,
    ) -> Result<Option<T>, GitHubError> {
        let answer = self
            .client
            .call(self.credential(), "GET", template, |crab| async move {
                crab.get::<T, _, _>(route, None::<&()>).await
            })
            .await;
        match answer {
            Ok(found) => Ok(Some(found)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// A slash-separated name (a ref, a file path) with each segment escaped for a URL path.
fn escaped_segments(name: &str) -> String {
    name.split('/')
        .map(|segment| utf8_percent_encode(segment, SEGMENT).to_string())
        .collect::<Vec<_>>()
        .join("/")
}
