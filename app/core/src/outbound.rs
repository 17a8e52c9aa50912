//! The one rule for which GitHub REST requests redgreen may send: never a merge, never a ref
//! write outside `refs/heads/redgreen/`, never a settings change, and no GraphQL at all.
//!
//! Invariant: the GitHub client passes every outbound request (method, path as sent, JSON body)
//! through [`check`] before it reaches the network, so this function is the choke point that
//! makes "redgreen can never merge" true by construction. Reads are allowed; writes are allowed
//! only on the short list of endpoints redgreen actually uses (deny by default), and the writes
//! that touch refs or files are allowed only inside redgreen's own branch namespace.
//!
//! The path is read the way a lenient server might read it: percent-escapes are decoded,
//! empty segments (`//`) are ignored, keywords are compared case-insensitively, and a base-path
//! prefix (GitHub Enterprise's `/api/v3`, a proxy's prefix) is tolerated. Segments `.` and `..`
//! are refused outright because a server could resolve them to a different endpoint.

use std::fmt;

use percent_encoding::percent_decode_str;
use serde_json::Value;

use crate::refs::{RefRefused, WritableRef};

/// An outbound request that redgreen must not send, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("refused outbound GitHub request {method} {path}: {reason}")]
pub struct OutboundRefused {
    /// The HTTP method, upper-cased.
    pub method: String,
    /// The path as sent, without its query string (paths carry no secrets; queries might).
    pub path: String,
    pub reason: RefusalReason,
}

/// The rule a refused request broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefusalReason {
    /// `PUT .../pulls/{n}/merge`: redgreen proposes, people merge.
    MergePullRequest,
    /// `POST .../merges` or `.../merge-upstream`: a merge by another name.
    MergeBranches,
    /// `PUT .../pulls/{n}/update-branch`: merges the base into the head branch.
    UpdateBranch,
    /// Any GraphQL request: redgreen does not use GraphQL, and it can enable auto-merge.
    GraphQl,
    /// A ref write whose target is outside `refs/heads/redgreen/`.
    RefOutsideNamespace(RefRefused),
    /// `POST .../git/refs` without a string `ref` in the body: the target cannot be checked.
    RefNotNamed,
    /// A contents write that does not name a `redgreen/` branch (absent means the default
    /// branch).
    ContentsOutsideNamespace { branch: Option<String> },
    /// Any write under `.../branches/...`: protection, renames.
    BranchSettings,
    /// Any write to rulesets.
    Rulesets,
    /// `PATCH`/`DELETE /repos/{owner}/{repo}`: repository settings.
    RepositorySettings,
    /// A write to an endpoint redgreen does not use (deny by default).
    UnlistedWrite,
    /// A path that a server might resolve to a different endpoint than it spells.
    AmbiguousPath(&'static str),
}

impl fmt::Display for RefusalReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RefusalReason::MergePullRequest => f.write_str("redgreen never merges pull requests"),
            RefusalReason::MergeBranches => f.write_str("redgreen never merges branches"),
            RefusalReason::UpdateBranch => {
                f.write_str("updating a pull request branch from its base is a merge")
            }
            RefusalReason::GraphQl => {
                f.write_str("redgreen does not use GraphQL (it could enable auto-merge)")
            }
            RefusalReason::RefOutsideNamespace(refused) => write!(f, "{refused}"),
            RefusalReason::RefNotNamed => f.write_str("the ref to create is not named in the body"),
            RefusalReason::ContentsOutsideNamespace { branch: None } => f.write_str(
                "a contents write without a branch goes to the default branch; redgreen writes only redgreen/ branches",
            ),
            RefusalReason::ContentsOutsideNamespace {
                branch: Some(branch),
            } => write!(
                f,
                "a contents write to branch {branch:?}: redgreen writes only redgreen/ branches"
            ),
            RefusalReason::BranchSettings => {
                f.write_str("redgreen never changes branches' protection or names")
            }
            RefusalReason::Rulesets => f.write_str("redgreen never changes rulesets"),
            RefusalReason::RepositorySettings => {
                f.write_str("redgreen never changes repository settings")
            }
            RefusalReason::UnlistedWrite => {
                f.write_str("not one of the writes redgreen makes (deny by default)")
            }
            RefusalReason::AmbiguousPath(why) => write!(f, "ambiguous path: {why}"),
        }
    }
}

/// One write redgreen makes: a method and a path below `/repos/{owner}/{repo}/`, where `*`
/// stands for exactly one segment (a number or an id).
struct AllowedWrite {
    method: &'static str,
    segments: &'static [&'static str],
}

const fn write(method: &'static str, segments: &'static [&'static str]) -> AllowedWrite {
    AllowedWrite { method, segments }
}

/// The repository writes redgreen makes, other than refs and contents (checked on their own).
const REPOSITORY_WRITES: &[AllowedWrite] = &[
    write("POST", &["issues"]),
    write("PATCH", &["issues", "*"]),
    write("POST", &["issues", "*", "comments"]),
    write("PATCH", &["issues", "comments", "*"]),
    write("POST", &["issues", "*", "reactions"]),
    write("DELETE", &["issues", "*", "reactions", "*"]),
    write("POST", &["issues", "comments", "*", "reactions"]),
    write("DELETE", &["issues", "comments", "*", "reactions", "*"]),
    write("POST", &["issues", "*", "labels"]),
    write("DELETE", &["issues", "*", "labels", "*"]),
    write("POST", &["issues", "*", "assignees"]),
    write("DELETE", &["issues", "*", "assignees"]),
    write("POST", &["pulls"]),
    write("PATCH", &["pulls", "*"]),
    write("POST", &["pulls", "*", "comments"]),
    write("PATCH", &["pulls", "comments", "*"]),
    write("POST", &["pulls", "comments", "*", "reactions"]),
    write("DELETE", &["pulls", "comments", "*", "reactions", "*"]),
    write("POST", &["pulls", "*", "requested_reviewers"]),
    write("POST", &["check-runs"]),
    write("PATCH", &["check-runs", "*"]),
    write("POST", &["statuses", "*"]),
    // Git objects: creating a blob, tree, commit or tag object moves no ref.
    write("POST", &["git", "blobs"]),
    write("POST", &["git", "trees"]),
    write("POST", &["git", "commits"]),
    write("POST", &["git", "tags"]),
];

/// The writes outside a repository redgreen makes: minting and revoking installation tokens.
const APP_WRITES: &[AllowedWrite] = &[
    write("POST", &["app", "installations", "*", "access_tokens"]),
    write("DELETE", &["installation", "token"]),
];

/// Decides whether redgreen may send `method path` with `body` to GitHub's REST API.
///
/// `path` is the request path as sent (a query string, if present, is ignored), possibly with
/// a base-path prefix such as `/api/v3`. `body` is the JSON body, when there is one.
pub fn check(method: &str, path: &str, body: Option<&Value>) -> Result<(), OutboundRefused> {
    let method = method.to_ascii_uppercase();
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let refuse = |reason: RefusalReason| OutboundRefused {
        method: method.clone(),
        path: path.to_owned(),
        reason,
    };

    let Ok(decoded) = percent_decode_str(path).decode_utf8() else {
        return Err(refuse(RefusalReason::AmbiguousPath(
            "percent-escapes that are not UTF-8",
        )));
    };
    let segments: Vec<&str> = decoded.split('/').filter(|s| !s.is_empty()).collect();
    if segments.iter().any(|s| *s == "." || *s == "..") {
        return Err(refuse(RefusalReason::AmbiguousPath(
            "a '.' or '..' segment",
        )));
    }
    let keywords: Vec<String> = segments.iter().map(|s| s.to_ascii_lowercase()).collect();
    let is_read = method == "GET" || method == "HEAD";

    // Repository scope: the first `repos` segment followed by an owner and a repository.
    let repository_scope = keywords
        .iter()
        .position(|s| s == "repos")
        .filter(|&at| segments.len() >= at + 3);
    let Some(at) = repository_scope else {
        if keywords.last().is_some_and(|s| s == "graphql") {
            return Err(refuse(RefusalReason::GraphQl));
        }
        if is_read
            || APP_WRITES
                .iter()
                .any(|w| w.matches_suffix(&method, &keywords))
        {
            return Ok(());
        }
        return Err(refuse(RefusalReason::UnlistedWrite));
    };
    if is_read {
        return Ok(());
    }

    let rest = &segments[at + 3..];
    let rest_keywords = &keywords[at + 3..];
    let first = rest_keywords.first().map(String::as_str);
    let third = rest_keywords.get(2).map(String::as_str);
    match (first, third) {
        (None, _) => Err(refuse(RefusalReason::RepositorySettings)),
        (Some("pulls"), Some("merge")) => Err(refuse(RefusalReason::MergePullRequest)),
        (Some("pulls"), Some("update-branch")) => Err(refuse(RefusalReason::UpdateBranch)),
        (Some("merges" | "merge-upstream"), _) => Err(refuse(RefusalReason::MergeBranches)),
        (Some("branches"), _) => Err(refuse(RefusalReason::BranchSettings)),
        (Some("rulesets"), _) => Err(refuse(RefusalReason::Rulesets)),
        (Some("git"), _) if rest_keywords.get(1).is_some_and(|s| s == "refs") => {
            check_ref_write(&method, rest, body).map_err(refuse)
        }
        (Some("contents"), _) if rest.len() >= 2 && (method == "PUT" || method == "DELETE") => {
            check_contents_write(body).map_err(refuse)
        }
        _ if REPOSITORY_WRITES
            .iter()
            .any(|w| w.matches_exactly(&method, rest_keywords)) =>
        {
            Ok(())
        }
        _ => Err(refuse(RefusalReason::UnlistedWrite)),
    }
}

/// `POST .../git/refs` names the ref in the body; `PATCH`/`DELETE .../git/refs/{ref}` in the
/// path, without its `refs/` prefix.
fn check_ref_write(method: &str, rest: &[&str], body: Option<&Value>) -> Result<(), RefusalReason> {
    let name = match (method, rest.len()) {
        ("POST", 2) => body
            .and_then(|b| b.get("ref"))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or(RefusalReason::RefNotNamed)?,
        ("PATCH" | "DELETE", len) if len > 2 => format!("refs/{}", rest[2..].join("/")),
        _ => return Err(RefusalReason::UnlistedWrite),
    };
    WritableRef::parse(&name)
        .map(|_| ())
        .map_err(RefusalReason::RefOutsideNamespace)
}

/// A contents write commits to `body.branch`, or to the default branch when it is absent.
fn check_contents_write(body: Option<&Value>) -> Result<(), RefusalReason> {
    let branch = body.and_then(|b| b.get("branch"));
    match branch.and_then(Value::as_str) {
        Some(name) if WritableRef::from_branch(name).is_ok() => Ok(()),
        Some(name) => Err(RefusalReason::ContentsOutsideNamespace {
            branch: Some(name.to_owned()),
        }),
        // A branch that is present but not a string is as unknown as an absent one.
        None => Err(RefusalReason::ContentsOutsideNamespace {
            branch: branch.map(Value::to_string),
        }),
    }
}

impl AllowedWrite {
    fn segment_matches(pattern: &str, segment: &str) -> bool {
        pattern == "*" || pattern == segment
    }

    /// For paths below a repository: the remaining segments are exactly the pattern.
    fn matches_exactly(&self, method: &str, keywords: &[String]) -> bool {
        self.method == method
            && keywords.len() == self.segments.len()
            && self
                .segments
                .iter()
                .zip(keywords)
                .all(|(p, s)| AllowedWrite::segment_matches(p, s))
    }

    /// For paths outside a repository: the path ends with the pattern (after a base prefix).
    fn matches_suffix(&self, method: &str, keywords: &[String]) -> bool {
        self.method == method
            && keywords.len() >= self.segments.len()
            && self
                .segments
                .iter()
                .zip(&keywords[keywords.len() - self.segments.len()..])
                .all(|(p, s)| AllowedWrite::segment_matches(p, s))
    }
}
