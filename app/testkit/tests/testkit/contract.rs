//! Every request is held to the OpenAPI contract: a valid one passes, an invalid body, an
//! unknown query parameter or operation, and a merge are violations that fail the test.

use redgreen_testkit::GitHubStandIn;
use reqwest::Method;
use serde_json::json;

use crate::support::{INSTALLATION, REPO, call, installation_token, stand_in};

async fn with_issue() -> (GitHubStandIn, String) {
    let stand_in = stand_in().await;
    stand_in.add_issue(REPO, 7, "Bug", "It breaks", "octocat");
    let token = installation_token(&stand_in, INSTALLATION).await;
    (stand_in, token)
}

#[tokio::test]
async fn a_valid_request_passes_without_violations() {
    let (stand_in, token) = with_issue().await;
    let (status, _, comment) = call(
        &stand_in,
        Method::POST,
        &format!("/repos/{REPO}/issues/7/comments"),
        &token,
        Some(json!({ "body": "Working on it" })),
    )
    .await;
    assert_eq!(status, 201, "{comment}");
    assert_eq!(comment["body"], "Working on it");
    assert_eq!(comment["user"]["login"], "redgreen[bot]");
    assert_eq!(comment["user"]["type"], "Bot");
    stand_in.assert_no_violations();
    let recorded = stand_in.requests();
    let last = recorded.last().unwrap();
    assert_eq!(last.operation.as_deref(), Some("issues/create-comment"));
    assert_eq!(last.status, 201);
    assert_eq!(last.body, Some(json!({ "body": "Working on it" })));
}

#[tokio::test]
async fn an_invalid_body_is_a_violation_and_422() {
    let (stand_in, token) = with_issue().await;
    let cases = [
        // Missing the required `body`.
        (
            format!("/repos/{REPO}/issues/7/comments"),
            json!({ "text": "hi" }),
        ),
        // Wrong type.
        (
            format!("/repos/{REPO}/issues/7/comments"),
            json!({ "body": 5 }),
        ),
        // Not one of the reaction contents.
        (
            format!("/repos/{REPO}/issues/7/reactions"),
            json!({ "content": "thumbsup" }),
        ),
    ];
    for (path, body) in cases {
        let (status, _, answer) =
            call(&stand_in, Method::POST, &path, &token, Some(body.clone())).await;
        assert_eq!(status, 422, "{path} {body}: {answer}");
        let violations = stand_in.take_violations();
        assert!(!violations.is_empty(), "{path} {body}: no violation");
    }
    assert!(stand_in.issue_comments(REPO, 7).is_empty());
}

#[tokio::test]
async fn an_unknown_field_is_a_violation() {
    // GitHub would silently ignore `in_reply_to_id`; a client that sends it is broken.
    let (stand_in, token) = with_issue().await;
    let (status, _, _) = call(
        &stand_in,
        Method::POST,
        &format!("/repos/{REPO}/issues/7/comments"),
        &token,
        Some(json!({ "body": "x", "in_reply_to_id": 3 })),
    )
    .await;
    assert_eq!(status, 422);
    let violations = stand_in.take_violations();
    assert!(
        violations.iter().any(|v| v.contains("in_reply_to_id")),
        "{violations:?}"
    );
}

#[tokio::test]
async fn nullable_fields_accept_null() {
    let (stand_in, token) = with_issue().await;
    let (status, _, issue) = call(
        &stand_in,
        Method::PATCH,
        &format!("/repos/{REPO}/issues/7"),
        &token,
        Some(json!({ "body": null, "milestone": null })),
    )
    .await;
    assert_eq!(status, 200, "{issue}");
    stand_in.assert_no_violations();
}

#[tokio::test]
async fn unknown_query_parameters_are_violations() {
    let (stand_in, token) = with_issue().await;
    let (status, _, _) = call(
        &stand_in,
        Method::GET,
        &format!("/repos/{REPO}/pulls?state=open&per_page=100"),
        &token,
        None,
    )
    .await;
    assert_eq!(status, 200);
    stand_in.assert_no_violations();
    let (status, _, _) = call(
        &stand_in,
        Method::GET,
        &format!("/repos/{REPO}/pulls?state=merged"),
        &token,
        None,
    )
    .await;
    assert_eq!(status, 422);
    let (status, _, _) = call(
        &stand_in,
        Method::GET,
        &format!("/repos/{REPO}/pulls?colour=blue"),
        &token,
        None,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(stand_in.take_violations().len(), 2);
}

#[tokio::test]
async fn an_unknown_operation_is_a_violation_and_404() {
    let (stand_in, token) = with_issue().await;
    let (status, _, _) = call(
        &stand_in,
        Method::DELETE,
        &format!("/repos/{REPO}/issues/7"),
        &token,
        None,
    )
    .await;
    assert_eq!(status, 404);
    let violations = stand_in.take_violations();
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert!(violations[0].contains("no such operation"));
}

#[tokio::test]
async fn a_merge_is_answered_like_github_recorded_and_a_violation() {
    let stand_in = stand_in().await;
    let token = installation_token(&stand_in, INSTALLATION).await;
    let number = stand_in.add_pull(
        REPO,
        &redgreen_testkit::PullSpec {
            title: "t",
            body: "b",
            head: "feature",
            base: "main",
            author: "octocat",
        },
    );
    let (status, _, body) = call(
        &stand_in,
        Method::PUT,
        &format!("/repos/{REPO}/pulls/{number}/merge"),
        &token,
        Some(json!({ "merge_method": "squash" })),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["merged"], true);
    let merges: Vec<_> = stand_in
        .requests()
        .into_iter()
        .filter(|request| request.operation.as_deref() == Some("pulls/merge"))
        .collect();
    assert_eq!(merges.len(), 1);
    let violations = stand_in.take_violations();
    assert!(violations[0].contains("never merge"), "{violations:?}");
}

#[tokio::test]
async fn dropping_a_stand_in_with_violations_panics() {
    let (stand_in, token) = with_issue().await;
    call(
        &stand_in,
        Method::POST,
        &format!("/repos/{REPO}/issues/7/comments"),
        &token,
        Some(json!({})),
    )
    .await;
    assert_eq!(stand_in.violations().len(), 1);
    let dropped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(stand_in)));
    let message = dropped.expect_err("drop must panic");
    let message = message
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(message.contains("issues/create-comment"), "{message}");
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_violation_and_400() {
    let (stand_in, token) = with_issue().await;
    let response = reqwest::Client::new()
        .post(format!(
            "{}/repos/{REPO}/issues/7/comments",
            stand_in.api_url()
        ))
        .header("authorization", format!("token {token}"))
        .body("body=hello")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(stand_in.take_violations().len(), 1);
}
