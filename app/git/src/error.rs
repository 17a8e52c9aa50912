//! Errors from git operations; each says whether retrying can help, and none carries a token.

use std::path::PathBuf;

use git2::{ErrorClass, ErrorCode};
use redgreen_core::refs::RefRefused;
use secrecy::{ExposeSecret, SecretString};

/// What went wrong in a git operation. `operation` names the step (`"fetch"`, `"push"`,
/// `"checkout"`, `"commit"`).
///
/// Messages that come from libgit2 are scrubbed of the token before they are stored, so
/// neither `Display` nor `Debug` can reveal it.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// The clone URL was refused before anything was sent (the URL is not echoed: it might
    /// carry credentials).
    #[error("the clone URL is not usable: {reason}")]
    InvalidUrl { reason: &'static str },
    /// The commit is not a full object id.
    #[error("{commit:?} is not a full commit id")]
    InvalidCommit { commit: String },
    /// The remote refused the token (401), or asked again after it was given once. A fresh
    /// installation token may help: see [`GitError::needs_new_token`].
    #[error("the remote refused the credentials during {operation}")]
    Unauthorized { operation: &'static str },
    /// The remote understood the token but denied the operation (403): a missing
    /// permission, which no retry fixes.
    #[error("the remote denied {operation} (HTTP 403)")]
    Forbidden { operation: &'static str },
    /// The remote has no such repository (404), or hides it from this token.
    #[error("the remote repository was not found during {operation} (HTTP 404)")]
    RepositoryNotFound { operation: &'static str },
    /// The commit is in neither the remote's branches and tags nor fetchable by id.
    #[error("commit {commit} is not in the remote repository")]
    CommitNotFound { commit: String },
    /// A network failure, a 5xx or a 429: the same call may succeed later.
    #[error("{operation} failed transiently: {message}")]
    Transient {
        operation: &'static str,
        message: String,
    },
    /// The push guard refused a ref update outside `refs/heads/redgreen/` (or other than the
    /// one branch the push was for) before any data left the process.
    #[error("push refused locally: {0}")]
    RefRefused(#[from] RefRefused),
    /// The push guard refused an update that was not for the branch the push was made for.
    #[error(
        "push refused locally: the update of {found} is not the update of {expected} this push was made for"
    )]
    UnexpectedRef { expected: String, found: String },
    /// The push guard refused deleting a remote ref.
    #[error("push refused locally: it would delete {reference}")]
    DeleteRefused { reference: String },
    /// A forced refspec (`+src:dst`) was asked for; redgreen never rewrites history.
    #[error("push refused locally: {refspec:?} is a forced refspec")]
    ForceRefused { refspec: String },
    /// The push would not fast-forward the remote branch; redgreen never rewrites history.
    #[error(
        "push refused: {reference} on the remote is not an ancestor of the pushed commit (not a fast-forward)"
    )]
    NonFastForward { reference: String },
    /// The remote rejected the ref update (a hook, a branch rule, a lost race).
    #[error("the remote rejected the update of {reference}: {reason}")]
    PushRejected { reference: String, reason: String },
    /// The workspace directory must be new or empty, so no stale file can survive in it.
    #[error("workspace {} already exists and is not empty", path.display())]
    WorkspaceNotEmpty { path: PathBuf },
    /// `commit_all` found nothing to commit.
    #[error("nothing to commit: the working tree matches HEAD")]
    NothingToCommit,
    /// A local filesystem failure.
    #[error("{operation} failed: {source}")]
    Io {
        operation: &'static str,
        #[source]
        source: std::io::Error,
    },
    /// Any other libgit2 failure (a corrupt repository, a lock held by another process).
    #[error("{operation} failed: {message} ({class:?}/{code:?})")]
    Git {
        operation: &'static str,
        message: String,
        class: ErrorClass,
        code: ErrorCode,
    },
}

impl GitError {
    /// Whether the same call may succeed if tried again later, unchanged. An expired token is
    /// not retryable as such: the caller first needs a new one ([`GitError::needs_new_token`]).
    pub fn is_retryable(&self) -> bool {
        match self {
            GitError::Transient { .. } => true,
            // A ref or index lock left by a concurrent writer goes away.
            GitError::Git { code, .. } => *code == ErrorCode::Locked,
            GitError::Io { source, .. } => source.kind() == std::io::ErrorKind::Interrupted,
            _ => false,
        }
    }

    /// Whether the remote refused the token, so that a refreshed installation token and one
    /// more try may succeed.
    pub fn needs_new_token(&self) -> bool {
        matches!(self, GitError::Unauthorized { .. })
    }

    /// Classifies a libgit2 error, scrubbing `token` out of its message.
    pub(crate) fn from_git2(
        operation: &'static str,
        error: &git2::Error,
        token: Option<&SecretString>,
    ) -> GitError {
        let mut message = error.message().to_owned();
        if let Some(token) = token {
            let secret = token.expose_secret();
            if !secret.is_empty() {
                message = message.replace(secret, "[redacted]");
            }
        }
        if error.code() == ErrorCode::Auth {
            return GitError::Unauthorized { operation };
        }
        if let Some(status) = http_status(&message) {
            return match status {
                401 => GitError::Unauthorized { operation },
                403 => GitError::Forbidden { operation },
                404 => GitError::RepositoryNotFound { operation },
                408 | 429 | 500..=599 => GitError::Transient { operation, message },
                _ => GitError::Git {
                    operation,
                    message,
                    class: error.class(),
                    code: error.code(),
                },
            };
        }
        // Connection refused or reset, a timeout, a TLS handshake cut short. A certificate
        // that does not verify is not transient.
        let network = matches!(
            error.class(),
            ErrorClass::Net | ErrorClass::Os | ErrorClass::Ssl
        ) && error.code() != ErrorCode::Certificate;
        if network {
            return GitError::Transient { operation, message };
        }
        GitError::Git {
            operation,
            message,
            class: error.class(),
            code: error.code(),
        }
    }
}

/// libgit2 reports an HTTP status it did not expect only in its message
/// ("unexpected http status code: 404").
fn http_status(message: &str) -> Option<u16> {
    let (_, rest) = message.split_once("unexpected http status code: ")?;
    rest.get(..3)?.parse().ok()
}
