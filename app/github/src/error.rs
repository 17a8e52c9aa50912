//! The one error type of the GitHub client, and which of its failures are worth retrying.

use std::time::Duration;

use redgreen_core::outbound::OutboundRefused;

/// Everything that can go wrong talking to GitHub.
///
/// Invariant: no variant carries a token, a JWT or key material. Messages name settings and
/// routes, never secret values.
#[derive(Debug, thiserror::Error)]
pub enum GitHubError {
    /// The configuration cannot be used (bad URL, a private key that is not an RSA key, ...).
    #[error("invalid GitHub configuration: {0}")]
    Config(String),

    /// The outbound guard refused the request before it left the process.
    #[error(transparent)]
    Refused(#[from] OutboundRefused),

    /// The caller asked for something GitHub would reject (too many check-run buttons, ...).
    #[error("invalid GitHub request: {0}")]
    InvalidRequest(String),

    /// Rate limited, and waiting longer would break the configured caps.
    #[error(
        "GitHub rate limit on {route}: gave up after {attempts} attempt(s); GitHub asks to wait {retry_after:?}"
    )]
    RateLimited {
        route: &'static str,
        attempts: u32,
        retry_after: Option<Duration>,
    },

    /// GitHub answered 5xx, or could not be reached, on every attempt allowed.
    #[error("GitHub unavailable on {route} after {attempts} attempt(s): {detail}")]
    Unavailable {
        route: &'static str,
        attempts: u32,
        detail: String,
    },

    /// GitHub refused the credentials even after a fresh installation token (or the App JWT).
    #[error("GitHub refused redgreen's credentials on {route} (HTTP {status})")]
    Unauthorized { route: &'static str, status: u16 },

    /// Any other answer outside 2xx: GitHub's status and message.
    #[error("GitHub answered HTTP {status} on {route}: {message}")]
    Api {
        route: &'static str,
        status: u16,
        message: String,
    },

    /// The answer could not be read as the expected JSON.
    #[error("unexpected answer from GitHub on {route}: {detail}")]
    Decode { route: &'static str, detail: String },

    /// The App JWT could not be signed.
    #[error("could not sign the GitHub App JWT: {0}")]
    Jwt(String),
}

impl GitHubError {
    /// Whether trying the same call again later can succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            GitHubError::RateLimited { .. } | GitHubError::Unavailable { .. } => true,
            // A 409 (a conflicting concurrent update) can succeed after a re-read; everything
            // else in 4xx is a decision, not an accident.
            GitHubError::Api { status, .. } => *status == 409,
            GitHubError::Config(_)
            | GitHubError::Refused(_)
            | GitHubError::InvalidRequest(_)
            | GitHubError::Unauthorized { .. }
            | GitHubError::Decode { .. }
            | GitHubError::Jwt(_) => false,
        }
    }

    /// Whether GitHub answered 404 (a missing resource, or one the App may not see).
    pub fn is_not_found(&self) -> bool {
        matches!(self, GitHubError::Api { status: 404, .. })
    }

    /// The HTTP status GitHub answered, when the error is an answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            GitHubError::Api { status, .. } | GitHubError::Unauthorized { status, .. } => {
                Some(*status)
            }
            _ => None,
        }
    }
}
