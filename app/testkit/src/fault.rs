//! Faults a test injects into the stand-in: rate limits, server errors and validation
//! failures, answered the way GitHub answers them.

use axum::http::Method;

/// The next `times` requests whose method is `method` and whose path starts with
/// `path_prefix` are answered with `status` instead of being served.
///
/// - 403 with `retry_after_secs`: a secondary rate limit ("You have exceeded a secondary rate
///   limit", `retry-after`).
/// - 403 or 429 with `ratelimit_reset`: the primary rate limit (`x-ratelimit-remaining: 0`,
///   `x-ratelimit-reset` in unix seconds).
/// - 429 with `retry_after_secs`: too many requests.
/// - 5xx, 422: GitHub's server error and validation failure bodies.
#[derive(Debug, Clone)]
pub struct Fault {
    pub method: Method,
    pub path_prefix: String,
    pub status: u16,
    pub retry_after_secs: Option<u64>,
    pub ratelimit_reset: Option<i64>,
    pub times: u32,
}

impl Fault {
    /// One fault answer with no rate-limit headers: the common case of a 5xx or a 422.
    pub fn status(method: Method, path_prefix: impl Into<String>, status: u16) -> Fault {
        Fault {
            method,
            path_prefix: path_prefix.into(),
            status,
            retry_after_secs: None,
            ratelimit_reset: None,
            times: 1,
        }
    }

    /// A secondary rate limit: 403, GitHub's message, and `retry-after`.
    pub fn secondary_rate_limit(
        method: Method,
        path_prefix: impl Into<String>,
        retry_after_secs: u64,
    ) -> Fault {
        Fault {
            retry_after_secs: Some(retry_after_secs),
            ..Fault::status(method, path_prefix, 403)
        }
    }

    /// The primary rate limit: 403 with `x-ratelimit-remaining: 0` and `x-ratelimit-reset`.
    pub fn primary_rate_limit(
        method: Method,
        path_prefix: impl Into<String>,
        reset_unix_secs: i64,
    ) -> Fault {
        Fault {
            ratelimit_reset: Some(reset_unix_secs),
            ..Fault::status(method, path_prefix, 403)
        }
    }

    /// The same fault for the next `times` matching requests.
    #[must_use]
    pub fn times(self, times: u32) -> Fault {
        Fault { times, ..self }
    }

    pub(crate) fn matches(&self, method: &Method, path: &str) -> bool {
        self.times > 0 && self.method == method && path.starts_with(&self.path_prefix)
    }
}
