//! A repository's clone URL, checked so that the token can only ever be sent where intended.

use std::fmt;

use sha2::{Digest, Sha256};
use url::Url;

use crate::GitError;

/// An `https://` clone URL (or `http://` to a loopback address, for local test remotes)
/// without user name, password, query or fragment.
///
/// Credentials in the URL are refused rather than stripped: a URL is what gets stored in
/// `.git/config` and `FETCH_HEAD`, so the token must never be part of one. Plain http is
/// refused for anything but loopback because Basic auth would carry the token in clear text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloneUrl(Url);

impl CloneUrl {
    pub fn parse(text: &str) -> Result<CloneUrl, GitError> {
        // The URL itself never appears in these errors: a caller that passed
        // `https://x-access-token:<token>@...` must not see the token echoed back.
        let invalid = |reason| GitError::InvalidUrl { reason };
        let url = Url::parse(text).map_err(|_| invalid("it does not parse as a URL"))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid(
                "it carries credentials; the token is supplied by a callback, never in the URL",
            ));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(invalid("it has a query or fragment"));
        }
        let Some(host) = url.host() else {
            return Err(invalid("it has no host"));
        };
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&host) => {}
            "http" => {
                return Err(invalid(
                    "plain http is allowed only to loopback addresses (the token would travel in clear text)",
                ));
            }
            _ => return Err(invalid("only https (or http to loopback) is supported")),
        }
        Ok(CloneUrl(url))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// Whether `other` (a URL libgit2 is about to authenticate to) is the same origin:
    /// scheme, host and port. The credential callback hands out the token only then.
    pub fn same_origin(&self, other: &str) -> bool {
        Url::parse(other).is_ok_and(|other| other.origin() == self.0.origin())
    }

    /// The cache directory name for this repository: a readable `owner-name` prefix for
    /// operators, and a hash of the whole URL so that two repositories (or two hosts) can
    /// never share a clone.
    pub(crate) fn cache_dir_name(&self) -> String {
        let readable: String = self
            .0
            .path()
            .trim_matches('/')
            .trim_end_matches(".git")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '_' {
                    c
                } else {
                    '-'
                }
            })
            .take(60)
            .collect();
        let digest = Sha256::digest(self.0.as_str().as_bytes());
        format!("{readable}-{}.git", hex::encode(&digest[..12]))
    }
}

impl fmt::Display for CloneUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.as_str())
    }
}

fn is_loopback(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    }
}
