//! App JWTs and installation tokens are checked as GitHub checks them.

use std::time::Duration;

use redgreen_testkit::{AuthKind, GitHubStandIn};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{
    INSTALLATION, REPO, app_jwt, call, installation_token, jwt_with, now, stand_in,
};

const OTHER_KEY: &str = include_str!("../../fixtures/test-only-other-key.pem");

async fn get_app(stand_in: &GitHubStandIn, jwt: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .get(format!("{}/app", stand_in.api_url()))
        .bearer_auth(jwt)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn a_valid_jwt_reads_the_app() {
    let stand_in = stand_in().await;
    let (status, app) = get_app(&stand_in, &app_jwt(&stand_in)).await;
    assert_eq!(status, 200);
    assert_eq!(app["id"], json!(stand_in.app_id()));
    assert_eq!(app["slug"], "redgreen");
    assert_eq!(stand_in.requests()[0].auth, AuthKind::AppJwt);
}

#[tokio::test]
async fn iss_may_be_a_string() {
    let stand_in = stand_in().await;
    let now = now();
    let jwt = jwt_with(
        stand_in.app_private_key_pem(),
        &json!({ "iat": now - 60, "exp": now + 540, "iss": stand_in.app_id().to_string() }),
    );
    assert_eq!(get_app(&stand_in, &jwt).await.0, 200);
}

#[tokio::test]
async fn bad_jwts_are_refused_with_401() {
    let stand_in = stand_in().await;
    let now = now();
    let key = stand_in.app_private_key_pem();
    let app_id = stand_in.app_id();
    let cases = [
        (
            "expired",
            jwt_with(
                key,
                &json!({ "iat": now - 700, "exp": now - 100, "iss": app_id }),
            ),
        ),
        (
            "wrong key",
            jwt_with(
                OTHER_KEY,
                &json!({ "iat": now - 60, "exp": now + 540, "iss": app_id }),
            ),
        ),
        (
            "exp more than 10 minutes after iat",
            jwt_with(
                key,
                &json!({ "iat": now - 60, "exp": now + 601, "iss": app_id }),
            ),
        ),
        (
            "another app",
            jwt_with(
                key,
                &json!({ "iat": now - 60, "exp": now + 540, "iss": app_id + 1 }),
            ),
        ),
        (
            "iat in the future",
            jwt_with(
                key,
                &json!({ "iat": now + 300, "exp": now + 500, "iss": app_id }),
            ),
        ),
        ("not a jwt", "a.b.c".to_string()),
    ];
    for (case, jwt) in cases {
        let (status, body) = get_app(&stand_in, &jwt).await;
        assert_eq!(status, 401, "{case}: {body}");
        assert!(body["message"].is_string(), "{case}: {body}");
    }
    assert!(
        stand_in
            .requests()
            .iter()
            .all(|request| request.auth == AuthKind::Refused)
    );
}

#[tokio::test]
async fn exp_exactly_ten_minutes_after_iat_is_accepted() {
    let stand_in = stand_in().await;
    let now = now();
    let jwt = jwt_with(
        stand_in.app_private_key_pem(),
        &json!({ "iat": now - 60, "exp": now + 540, "iss": stand_in.app_id() }),
    );
    assert_eq!(get_app(&stand_in, &jwt).await.0, 200);
}

#[tokio::test]
async fn app_endpoints_refuse_a_missing_credential_and_an_installation_token() {
    let stand_in = stand_in().await;
    let response = reqwest::Client::new()
        .get(format!("{}/app", stand_in.api_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let token = installation_token(&stand_in, INSTALLATION).await;
    let (status, _, _) = call(&stand_in, Method::GET, "/app", &token, None).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn tokens_are_ghs_of_varying_length_never_40_and_expire_in_iso_8601() {
    let stand_in = stand_in().await;
    let mut lengths = std::collections::BTreeSet::new();
    for _ in 0..12 {
        let response = reqwest::Client::new()
            .post(format!(
                "{}/app/installations/{INSTALLATION}/access_tokens",
                stand_in.api_url()
            ))
            .bearer_auth(app_jwt(&stand_in))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        let body: Value = response.json().await.unwrap();
        let token = body["token"].as_str().unwrap();
        assert!(token.starts_with("ghs_"), "{token}");
        assert_ne!(token.len(), 40);
        lengths.insert(token.len());
        let expires_at = body["expires_at"].as_str().unwrap();
        assert_eq!(
            expires_at.len(),
            "2016-07-11T22:14:10Z".len(),
            "{expires_at}"
        );
        assert!(expires_at.ends_with('Z') && expires_at.as_bytes()[10] == b'T');
    }
    assert!(lengths.len() > 1, "token lengths never vary: {lengths:?}");
}

#[tokio::test]
async fn unknown_installation_gets_404() {
    let stand_in = stand_in().await;
    let response = reqwest::Client::new()
        .post(format!(
            "{}/app/installations/999/access_tokens",
            stand_in.api_url()
        ))
        .bearer_auth(app_jwt(&stand_in))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn a_token_works_until_expired_then_401_bad_credentials() {
    let stand_in = stand_in().await;
    let token = installation_token(&stand_in, INSTALLATION).await;
    let path = format!("/repos/{REPO}");
    let (status, _, repo) = call(&stand_in, Method::GET, &path, &token, None).await;
    assert_eq!(status, 200);
    assert_eq!(repo["full_name"], REPO);
    let check = stand_in.token_check();
    assert!(check(&token));
    assert!(!check("ghs_not-issued"));

    stand_in.expire_all_tokens();
    let (status, _, body) = call(&stand_in, Method::GET, &path, &token, None).await;
    assert_eq!(status, 401);
    assert_eq!(body["message"], "Bad credentials");
    assert!(!check(&token));

    // A fresh token works again.
    let fresh = installation_token(&stand_in, INSTALLATION).await;
    assert_eq!(
        call(&stand_in, Method::GET, &path, &fresh, None).await.0,
        200
    );
}

#[tokio::test]
async fn a_token_past_its_lifetime_is_refused() {
    let stand_in = stand_in().await;
    stand_in.set_token_lifetime(Duration::ZERO);
    let token = installation_token(&stand_in, INSTALLATION).await;
    let (status, _, body) = call(
        &stand_in,
        Method::GET,
        &format!("/repos/{REPO}"),
        &token,
        None,
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(body["message"], "Bad credentials");
}

#[tokio::test]
async fn unknown_tokens_and_no_credential_are_401() {
    let stand_in = stand_in().await;
    let (status, _, body) = call(
        &stand_in,
        Method::GET,
        &format!("/repos/{REPO}"),
        "ghs_unknown",
        None,
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(body["message"], "Bad credentials");
    let response = reqwest::Client::new()
        .get(format!("{}/repos/{REPO}", stand_in.api_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn another_installations_repository_is_404() {
    let stand_in = stand_in().await;
    stand_in.add_installation(22, "someone-else");
    stand_in.add_repository(22, "someone-else/private", "main", None);
    let token = installation_token(&stand_in, INSTALLATION).await;
    let (status, _, _) = call(
        &stand_in,
        Method::GET,
        "/repos/someone-else/private",
        &token,
        None,
    )
    .await;
    assert_eq!(status, 404);
}
