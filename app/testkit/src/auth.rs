//! Credentials the way GitHub checks them: the App's RS256 JWT (signature, `iss`, `iat`,
//! `exp` at most ten minutes after `iat`) and installation tokens (`ghs_…`, expiring).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use rand::Rng;
use rand::distr::Alphanumeric;
use serde_json::Value;

use crate::error::TestkitError;

/// The App's private key: a committed, test-only fixture (see `fixtures/README.md`).
pub(crate) const APP_PRIVATE_KEY_PEM: &str = include_str!("../fixtures/test-only-app-key.pem");
const APP_PUBLIC_KEY_PEM: &str = include_str!("../fixtures/test-only-app-key.pub.pem");

/// GitHub refuses a JWT whose lifetime exceeds ten minutes.
const MAX_JWT_LIFETIME_SECS: i64 = 600;
/// GitHub tolerates some clock drift on `iat`; the docs advise backdating by 60 s.
const IAT_FUTURE_TOLERANCE_SECS: i64 = 60;

pub(crate) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Checks an App JWT; the error's reason is GitHub's message for that failure.
pub(crate) fn verify_app_jwt(jwt: &str, app_id: u64) -> Result<(), TestkitError> {
    let refuse = |reason: &str| TestkitError::Credential {
        reason: reason.to_string(),
    };
    let key = DecodingKey::from_rsa_pem(APP_PUBLIC_KEY_PEM.as_bytes())
        .map_err(|_| refuse("the stand-in's public key fixture is unreadable"))?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.leeway = 0;
    // `iss` is checked below: GitHub accepts it as a number or a string, jsonwebtoken only a
    // string.
    validation.set_required_spec_claims(&["exp", "iat"]);
    let claims = jsonwebtoken::decode::<Value>(jwt, &key, &validation)
        .map_err(|error| match error.kind() {
            jsonwebtoken::errors::ErrorKind::ExpiredSignature => refuse(
                "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
            ),
            _ => refuse("A JSON web token could not be decoded"),
        })?
        .claims;
    let iss_matches = match claims.get("iss") {
        Some(Value::Number(number)) => number.as_u64() == Some(app_id),
        Some(Value::String(text)) => text == &app_id.to_string(),
        _ => false,
    };
    if !iss_matches {
        return Err(refuse("Integration not found"));
    }
    let iat = claims.get("iat").and_then(Value::as_i64);
    let exp = claims.get("exp").and_then(Value::as_i64);
    let (Some(iat), Some(exp)) = (iat, exp) else {
        return Err(refuse("A JSON web token could not be decoded"));
    };
    if iat > unix_now() + IAT_FUTURE_TOLERANCE_SECS {
        return Err(refuse(
            "'Issued at' claim ('iat') must be an Integer representing a time in the past",
        ));
    }
    if exp - iat > MAX_JWT_LIFETIME_SECS {
        return Err(refuse(
            "'Expiration time' claim ('exp') is too far in the future",
        ));
    }
    Ok(())
}

/// A new installation token. Real tokens are `ghs_` plus a secret whose length GitHub does
/// not promise; the length here varies and is never 40 in total, so a client that assumes
/// the classic format fails in tests, not in production.
pub(crate) fn new_installation_token() -> String {
    let mut rng = rand::rng();
    let mut length: usize = rng.random_range(30..=80);
    if length + 4 == 40 {
        length += 1;
    }
    let secret: String = (&mut rng)
        .sample_iter(&Alphanumeric)
        .take(length)
        .map(char::from)
        .collect();
    format!("ghs_{secret}")
}

/// `2016-07-11T22:14:10Z`: the ISO 8601 form GitHub uses for `expires_at`.
pub(crate) fn iso8601(at: SystemTime) -> String {
    let secs = at
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs();
    let at =
        time::OffsetDateTime::UNIX_EPOCH + time::Duration::seconds(secs.try_into().unwrap_or(0));
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    at.format(&format).unwrap_or_default()
}
