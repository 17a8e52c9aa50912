//! Configuration validation and the App JWT: bad keys are named, never echoed; the JWT is
//! RS256 with `iat` a minute back, `exp` nine minutes ahead and `iss` the App id.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use redgreen_github::jwt::AppJwt;
use redgreen_github::{GitHubConfig, GitHubError};
use secrecy::{ExposeSecret, SecretString};

use crate::support::config_for;

const NOT_A_KEY: &str = "-----BEGIN RSA PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbC1kby1ub3QtbGVhaw==\n-----END RSA PRIVATE KEY-----\n";

#[tokio::test]
async fn a_pem_that_is_not_an_rsa_key_is_refused_without_echoing_it() {
    for key in [NOT_A_KEY, "secret-key-material-do-not-leak"] {
        let err = GitHubConfig::new("https://api.github.com", "123", SecretString::from(key))
            .unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(matches!(err, GitHubError::Config(_)), "{text}");
        assert!(text.contains("private key"), "{text}");
        assert!(!text.contains("c2VjcmV0"), "{text}");
        assert!(!text.contains("secret-key-material"), "{text}");
        assert!(!err.is_retryable());
    }
}

#[tokio::test]
async fn urls_and_app_ids_are_checked() {
    let github = redgreen_testkit::GitHubStandIn::start().await;
    let key = || SecretString::from(github.app_private_key_pem());
    for url in [
        "not a url",
        "ftp://example.com",
        "https://user:pw@example.com",
    ] {
        assert!(
            matches!(
                GitHubConfig::new(url, "1", key()),
                Err(GitHubError::Config(_))
            ),
            "{url}"
        );
    }
    assert!(GitHubConfig::new("https://api.github.com", "", key()).is_err());
    assert!(GitHubConfig::new("https://api.github.com", "1 2", key()).is_err());
    // A client id works as well as a numeric App id.
    assert!(GitHubConfig::new("https://ghe.example.com/api/v3", "Iv1.0123abcd", key()).is_ok());
}

#[tokio::test]
async fn debug_output_hides_the_key() {
    let github = redgreen_testkit::GitHubStandIn::start().await;
    let config = config_for(&github);
    let shown = format!("{config:?}");
    assert!(shown.contains("[redacted]"), "{shown}");
    let key_body = github.app_private_key_pem().lines().nth(1).unwrap();
    assert!(!shown.contains(key_body), "{shown}");
    assert!(!shown.contains("PRIVATE KEY"), "{shown}");
}

#[tokio::test]
async fn the_app_jwt_has_githubs_claims() {
    let github = redgreen_testkit::GitHubStandIn::start().await;
    let config = config_for(&github);
    let now = SystemTime::now();
    let jwt = AppJwt::sign(&config, now).unwrap();
    let header = jsonwebtoken::decode_header(jwt.expose_secret()).unwrap();
    assert_eq!(header.alg, jsonwebtoken::Algorithm::RS256);
    let claims: serde_json::Value = jsonwebtoken::dangerous::insecure_decode(jwt.expose_secret())
        .unwrap()
        .claims;
    let now = now.duration_since(UNIX_EPOCH).unwrap().as_secs();
    assert_eq!(claims["iat"].as_u64().unwrap(), now - 60);
    assert_eq!(claims["exp"].as_u64().unwrap(), now + 9 * 60);
    assert!(
        claims["exp"].as_u64().unwrap() - now <= Duration::from_secs(600).as_secs(),
        "GitHub refuses JWTs that live longer than ten minutes"
    );
    assert_eq!(
        claims["iss"],
        serde_json::json!(github.app_id().to_string())
    );
    assert!(!format!("{jwt:?}").contains(jwt.expose_secret()));
}
