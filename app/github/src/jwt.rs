//! The GitHub App JWT: RS256, issued a minute in the past (GitHub's clocks may run behind ours)
//! and valid for nine minutes (GitHub refuses more than ten).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, Header};
use secrecy::SecretString;
use serde::Serialize;

use crate::config::GitHubConfig;
use crate::error::GitHubError;

/// How far `iat` is backdated, against clock drift between us and GitHub.
pub const ISSUED_AT_BACKDATE: Duration = Duration::from_secs(60);
/// How long a JWT lives from `now`; GitHub's limit is ten minutes.
pub const LIFETIME: Duration = Duration::from_secs(9 * 60);

#[derive(Serialize)]
struct Claims<'a> {
    iat: u64,
    exp: u64,
    iss: &'a str,
}

/// Signs App JWTs. Stateless: a JWT is cheap, so a fresh one is made per App call.
pub struct AppJwt;

impl AppJwt {
    pub fn sign(config: &GitHubConfig, now: SystemTime) -> Result<SecretString, GitHubError> {
        // jsonwebtoken needs a process-wide crypto provider when more than one is compiled in
        // (another crate in the build may enable aws-lc); any installed provider signs RS256.
        let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
        let now = now
            .duration_since(UNIX_EPOCH)
            .map_err(|_| GitHubError::Jwt("the system clock is before 1970".into()))?;
        let claims = Claims {
            iat: now.saturating_sub(ISSUED_AT_BACKDATE).as_secs(),
            exp: (now + LIFETIME).as_secs(),
            iss: config.app_id(),
        };
        let token =
            jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &config.signing_key)
                .map_err(|e| {
                    GitHubError::Jwt(format!("{:?}", e.kind()).chars().take(80).collect())
                })?;
        Ok(SecretString::from(token))
    }
}
