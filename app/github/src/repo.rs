//! A repository's `owner/name`, checked so that it can be put into a URL path as it is.

use std::fmt;

use crate::error::GitHubError;

/// `owner/name` of a GitHub repository.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RepoName {
    owner: String,
    name: String,
}

impl RepoName {
    /// Parses `owner/name`. Both parts must use GitHub's characters (letters, digits, `-`,
    /// `_`, `.`), which also means they need no escaping in a request path.
    pub fn parse(full_name: &str) -> Result<RepoName, GitHubError> {
        let invalid = || {
            GitHubError::InvalidRequest(format!(
                "{full_name:?} is not a repository name of the form owner/name"
            ))
        };
        let (owner, name) = full_name.split_once('/').ok_or_else(invalid)?;
        let well_formed = |part: &str| {
            !part.is_empty()
                && part != "."
                && part != ".."
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        if !well_formed(owner) || !well_formed(name) {
            return Err(invalid());
        }
        Ok(RepoName {
            owner: owner.to_owned(),
            name: name.to_owned(),
        })
    }

    pub fn owner(&self) -> &str {
        &self.owner
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for RepoName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}
