//! The GitHub client's configuration, validated once: where the API is, which App this is, its
//! private key, and how patiently to retry.

use std::fmt;
use std::time::Duration;

use jsonwebtoken::EncodingKey;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::error::GitHubError;
use crate::jwt::AppJwt;

/// How long to keep trying when GitHub rate-limits or fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per call, the first included. After the last, a retryable error is returned.
    pub max_attempts: u32,
    /// The most time one call may spend waiting between attempts, all waits together.
    pub max_total_wait: Duration,
    /// The first backoff step after a 5xx or a transport failure, doubled on each further one;
    /// each wait is between half its step and all of it (`redgreen_core::backoff_delay`).
    pub server_error_base: Duration,
    /// The first wait after a secondary rate limit that names no time; doubled on each further
    /// one. GitHub asks for at least a minute.
    pub secondary_limit_base: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            max_total_wait: Duration::from_secs(15 * 60),
            server_error_base: Duration::from_secs(1),
            secondary_limit_base: Duration::from_secs(60),
        }
    }
}

/// Everything the GitHub client needs, checked: build it with [`GitHubConfig::new`].
#[derive(Clone)]
pub struct GitHubConfig {
    api_url: Url,
    app_id: String,
    private_key: SecretString,
    pub(crate) signing_key: EncodingKey,
    /// Retry and rate-limit patience.
    pub retry: RetryPolicy,
    /// A cached installation token with less than this left is replaced before use.
    pub token_refresh_margin: Duration,
    /// How long a collaborator-permission answer is reused.
    pub permission_cache_ttl: Duration,
    /// The most one HTTP exchange may take.
    pub request_timeout: Duration,
    /// Sent as `User-Agent` (GitHub refuses requests without one).
    pub user_agent: String,
}

impl GitHubConfig {
    /// Checks and keeps the settings. `api_url` is the REST base (`https://api.github.com`, or
    /// `https://ghe.example.com/api/v3`); `app_id` goes into the JWT's `iss` (the App id or its
    /// client id); `private_key` is the App's PEM text.
    ///
    /// Errors name the setting that is wrong and never repeat the key.
    pub fn new(
        api_url: &str,
        app_id: impl Into<String>,
        private_key: SecretString,
    ) -> Result<GitHubConfig, GitHubError> {
        let api_url = Url::parse(api_url)
            .map_err(|e| GitHubError::Config(format!("the GitHub API URL is not a URL: {e}")))?;
        if !matches!(api_url.scheme(), "https" | "http") {
            return Err(GitHubError::Config(format!(
                "the GitHub API URL must be http or https, not {:?}",
                api_url.scheme()
            )));
        }
        if !api_url.username().is_empty() || api_url.password().is_some() {
            // Credentials in a URL end up in logs; the App authenticates with its key instead.
            return Err(GitHubError::Config(
                "the GitHub API URL must not carry credentials".into(),
            ));
        }
        if api_url.query().is_some() || api_url.fragment().is_some() {
            return Err(GitHubError::Config(
                "the GitHub API URL must not have a query or fragment".into(),
            ));
        }
        let app_id = app_id.into();
        if app_id.is_empty() || app_id.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(GitHubError::Config(
                "the GitHub App id must be a non-empty id or client id without spaces".into(),
            ));
        }
        let signing_key = rsa_signing_key(&private_key)?;
        let config = GitHubConfig {
            api_url,
            app_id,
            private_key,
            signing_key,
            retry: RetryPolicy::default(),
            token_refresh_margin: Duration::from_secs(5 * 60),
            permission_cache_ttl: Duration::from_secs(60),
            request_timeout: Duration::from_secs(30),
            user_agent: concat!("redgreen/", env!("CARGO_PKG_VERSION")).to_owned(),
        };
        // `from_rsa_pem` only checks the PEM armour; signing once proves the key itself is a
        // usable RSA private key, so a bad key fails here and not at the first webhook.
        AppJwt::sign(&config, std::time::SystemTime::now()).map_err(|_| {
            GitHubError::Config(
                "the GitHub App private key is PEM but not a usable RSA private key".into(),
            )
        })?;
        Ok(config)
    }

    /// The REST base URL.
    pub fn api_url(&self) -> &Url {
        &self.api_url
    }

    /// The JWT issuer: the App id or client id.
    pub fn app_id(&self) -> &str {
        &self.app_id
    }

    /// The App's private key (PEM), for callers that must hand it on.
    pub fn private_key(&self) -> &SecretString {
        &self.private_key
    }
}

/// Parses the PEM as an RSA private key (PKCS#1 or PKCS#8).
fn rsa_signing_key(private_key: &SecretString) -> Result<EncodingKey, GitHubError> {
    let pem = private_key.expose_secret();
    if !pem.contains("-----BEGIN") {
        return Err(GitHubError::Config(
            "the GitHub App private key is not PEM text (no -----BEGIN line)".into(),
        ));
    }
    // The parser's own message is not passed on: it could quote part of the input.
    EncodingKey::from_rsa_pem(pem.as_bytes()).map_err(|_| {
        GitHubError::Config(
            "the GitHub App private key is not an RSA private key in PEM (PKCS#1 or PKCS#8)".into(),
        )
    })
}

impl fmt::Debug for GitHubConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GitHubConfig")
            .field("api_url", &self.api_url.as_str())
            .field("app_id", &self.app_id)
            .field("private_key", &"[redacted]")
            .field("retry", &self.retry)
            .field("token_refresh_margin", &self.token_refresh_margin)
            .field("permission_cache_ttl", &self.permission_cache_ttl)
            .field("request_timeout", &self.request_timeout)
            .field("user_agent", &self.user_agent)
            .finish()
    }
}
