//! Shared test helpers: App JWTs, a stand-in with one installation and repository, and a
//! plain HTTP client.

use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use redgreen_testkit::GitHubStandIn;
use serde_json::{Value, json};

pub const INSTALLATION: i64 = 11;
pub const REPO: &str = "octo-org/widgets";

pub fn now() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap()
}

/// An RS256 JWT with these claims, signed with `pem`.
pub fn jwt_with(pem: &str, claims: &Value) -> String {
    let key = EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap();
    jsonwebtoken::encode(&Header::new(Algorithm::RS256), claims, &key).unwrap()
}

/// A JWT as GitHub's docs (and octocrab) make it: iat 60 s ago, exp 9 minutes ahead.
pub fn app_jwt(stand_in: &GitHubStandIn) -> String {
    let now = now();
    jwt_with(
        stand_in.app_private_key_pem(),
        &json!({ "iat": now - 60, "exp": now + 540, "iss": stand_in.app_id() }),
    )
}

/// A stand-in with installation `INSTALLATION` owning `REPO` (default branch `main`).
pub async fn stand_in() -> GitHubStandIn {
    let stand_in = GitHubStandIn::start().await;
    stand_in.add_installation(INSTALLATION, "octo-org");
    stand_in.add_repository(INSTALLATION, REPO, "main", None);
    stand_in
}

/// Fetches an installation token through the API, as a client would.
pub async fn installation_token(stand_in: &GitHubStandIn, installation: i64) -> String {
    let response = reqwest::Client::new()
        .post(format!(
            "{}/app/installations/{installation}/access_tokens",
            stand_in.api_url()
        ))
        .bearer_auth(app_jwt(stand_in))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    body["token"].as_str().unwrap().to_string()
}

/// One request with a token; returns status, headers and JSON body (Null when empty).
pub async fn call(
    stand_in: &GitHubStandIn,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut request = reqwest::Client::new()
        .request(method, format!("{}{path}", stand_in.api_url()))
        .header("authorization", format!("token {token}"))
        .header("accept", "application/vnd.github+json");
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap()
    };
    (status, headers, body)
}

/// No contract violation by the client, and every answer of the stand-in matched GitHub's
/// documented response schema.
pub fn assert_faithful(stand_in: &GitHubStandIn) {
    stand_in.assert_no_violations();
    let mismatches = stand_in.answer_mismatches();
    assert!(
        mismatches.is_empty(),
        "stand-in answers off-schema: {mismatches:#?}"
    );
}
