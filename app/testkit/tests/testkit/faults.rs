//! Injected faults are answered the way GitHub answers rate limits and errors, for exactly
//! the requests they match, then the stand-in serves normally again.

use redgreen_testkit::Fault;
use reqwest::Method;

use crate::support::{INSTALLATION, REPO, assert_faithful, call, installation_token, stand_in};

#[tokio::test]
async fn a_secondary_rate_limit_is_403_with_retry_after_then_service_resumes() {
    let stand_in = stand_in().await;
    let token = installation_token(&stand_in, INSTALLATION).await;
    stand_in.inject(Fault::secondary_rate_limit(
        Method::GET,
        format!("/repos/{REPO}"),
        7,
    ));
    let path = format!("/repos/{REPO}");
    let (status, headers, body) = call(&stand_in, Method::GET, &path, &token, None).await;
    assert_eq!(status, 403);
    assert_eq!(headers["retry-after"], "7");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("You have exceeded a secondary rate limit")
    );
    let (status, _, _) = call(&stand_in, Method::GET, &path, &token, None).await;
    assert_eq!(status, 200);
    let statuses: Vec<u16> = stand_in.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![201, 403, 200]);
}

#[tokio::test]
async fn a_primary_rate_limit_sends_remaining_zero_and_reset() {
    let stand_in = stand_in().await;
    let token = installation_token(&stand_in, INSTALLATION).await;
    stand_in.inject(Fault::primary_rate_limit(
        Method::GET,
        "/repos/",
        1_900_000_000,
    ));
    let (status, headers, body) = call(
        &stand_in,
        Method::GET,
        &format!("/repos/{REPO}"),
        &token,
        None,
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(headers["x-ratelimit-remaining"], "0");
    assert_eq!(headers["x-ratelimit-reset"], "1900000000");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("API rate limit exceeded")
    );
}

#[tokio::test]
async fn a_429_with_retry_after_and_a_5xx_fire_as_many_times_as_asked() {
    let stand_in = stand_in().await;
    let token = installation_token(&stand_in, INSTALLATION).await;
    let path = format!("/repos/{REPO}");
    stand_in.inject(Fault {
        retry_after_secs: Some(1),
        ..Fault::status(Method::GET, path.clone(), 429)
    });
    stand_in.inject(Fault::status(Method::GET, path.clone(), 502).times(2));
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..4 {
        let (status, headers, _) = call(&stand_in, Method::GET, &path, &token, None).await;
        if status == 429 {
            retry_after = headers.get("retry-after").cloned();
        }
        statuses.push(status);
    }
    assert_eq!(statuses, vec![429, 502, 502, 200]);
    assert_eq!(retry_after.unwrap(), "1");
}

#[tokio::test]
async fn a_fault_matches_method_and_path_prefix_only() {
    let stand_in = stand_in().await;
    let token = installation_token(&stand_in, INSTALLATION).await;
    stand_in.add_issue(REPO, 1, "t", "b", "octocat");
    stand_in.inject(Fault::status(
        Method::POST,
        format!("/repos/{REPO}/issues"),
        422,
    ));
    let (status, _, _) = call(
        &stand_in,
        Method::GET,
        &format!("/repos/{REPO}/issues/1"),
        &token,
        None,
    )
    .await;
    assert_eq!(status, 200, "GET does not match a POST fault");
    let (status, _, body) = call(
        &stand_in,
        Method::POST,
        &format!("/repos/{REPO}/issues/1/comments"),
        &token,
        Some(serde_json::json!({ "body": "x" })),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["message"], "Validation Failed");
    assert!(stand_in.issue_comments(REPO, 1).is_empty());
}

#[tokio::test]
async fn an_armed_token_expiry_refuses_the_request_that_trips_it_and_every_older_token() {
    let stand_in = stand_in().await;
    stand_in.add_issue(REPO, 1, "t", "b", "octocat");
    let old = installation_token(&stand_in, INSTALLATION).await;
    stand_in.expire_tokens_on(Method::POST, format!("/repos/{REPO}/issues/1/comments"));
    let comments = format!("/repos/{REPO}/issues/1/comments");
    let comment = || Some(serde_json::json!({ "body": "x" }));

    let (status, _, _) = call(&stand_in, Method::GET, &comments, &old, None).await;
    assert_eq!(status, 200, "a GET does not trip a POST expiry");
    let (status, _, body) = call(&stand_in, Method::POST, &comments, &old, comment()).await;
    assert_eq!(
        status, 401,
        "the tripping request already finds its token dead"
    );
    assert_eq!(body["message"], "Bad credentials");
    let (status, _, _) = call(&stand_in, Method::GET, &comments, &old, None).await;
    assert_eq!(status, 401, "the old token stays dead");

    let new = installation_token(&stand_in, INSTALLATION).await;
    for _ in 0..2 {
        let (status, _, _) = call(&stand_in, Method::POST, &comments, &new, comment()).await;
        assert_eq!(
            status, 201,
            "a token issued afterwards works; the expiry fired once"
        );
    }
    assert_eq!(stand_in.issue_comments(REPO, 1).len(), 2);

    let requests = stand_in.requests();
    let statuses: Vec<u16> = requests.iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![201, 200, 401, 401, 201, 201, 201]);
    assert!(
        requests
            .windows(2)
            .all(|pair| pair[0].received_at <= pair[1].received_at),
        "requests are recorded in the order received, with their times"
    );
    assert_faithful(&stand_in);
}
