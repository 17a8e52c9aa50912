//! Everything the stand-in answers parses into octocrab's models, which the GitHub client
//! uses: a missing required field here would be a failure there.

use octocrab::models;
use redgreen_testkit::PullSpec;
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::support::{INSTALLATION, REPO, app_jwt, call, installation_token, stand_in};

fn parses<T: DeserializeOwned>(what: &str, value: &Value) {
    if let Err(error) = serde_json::from_value::<T>(value.clone()) {
        panic!(
            "{what} does not parse as {}: {error}\n{value:#}",
            std::any::type_name::<T>()
        );
    }
}

#[tokio::test]
async fn app_installation_and_token_parse() {
    let stand_in = stand_in().await;
    let client = reqwest::Client::new();
    let jwt = app_jwt(&stand_in);
    let app: Value = client
        .get(format!("{}/app", stand_in.api_url()))
        .bearer_auth(&jwt)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    parses::<models::App>("GET /app", &app);
    let installation: Value = client
        .get(format!(
            "{}/app/installations/{INSTALLATION}",
            stand_in.api_url()
        ))
        .bearer_auth(&jwt)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    parses::<models::Installation>("GET /app/installations/{id}", &installation);
    let repo_installation: Value = client
        .get(format!("{}/repos/{REPO}/installation", stand_in.api_url()))
        .bearer_auth(&jwt)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    parses::<models::Installation>("GET /repos/{o}/{r}/installation", &repo_installation);
    let token: Value = client
        .post(format!(
            "{}/app/installations/{INSTALLATION}/access_tokens",
            stand_in.api_url()
        ))
        .bearer_auth(&jwt)
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    parses::<models::InstallationToken>("POST access_tokens", &token);
    stand_in.assert_no_violations();
    let mismatches = stand_in.answer_mismatches();
    assert!(mismatches.is_empty(), "{mismatches:#?}");
}

#[tokio::test]
async fn repository_resources_parse() {
    let stand_in = stand_in().await;
    stand_in.set_ref(
        REPO,
        "heads/main",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    );
    stand_in.add_file(REPO, "main", "README.md", "hello\n");
    stand_in.add_issue(REPO, 1, "Bug", "Body", "octocat");
    let comment_id = stand_in.add_issue_comment(REPO, 1, "@redgreen fix", "octocat");
    let pull = stand_in.add_pull(
        REPO,
        &PullSpec {
            title: "t",
            body: "b",
            head: "redgreen/1-x",
            base: "main",
            author: "redgreen[bot]",
        },
    );
    let review_comment =
        stand_in.add_review_comment(REPO, pull, "@redgreen x", "octocat", "a.rs", 2);
    stand_in.set_branch_protection(REPO, "main", Some(stand_in.example_branch_protection(REPO)));
    let token = installation_token(&stand_in, INSTALLATION).await;
    let repo = format!("/repos/{REPO}");
    let get = |path: String| {
        let stand_in = &stand_in;
        let token = token.clone();
        async move {
            let (status, _, body) = call(stand_in, Method::GET, &path, &token, None).await;
            assert_eq!(status, 200, "GET {path}: {body}");
            body
        }
    };
    let post = |path: String, body: Value| {
        let stand_in = &stand_in;
        let token = token.clone();
        async move {
            let (status, _, answer) = call(stand_in, Method::POST, &path, &token, Some(body)).await;
            assert!(
                status == 200 || status == 201,
                "POST {path}: {status} {answer}"
            );
            answer
        }
    };

    parses::<models::Repository>("GET repo", &get(repo.clone()).await);
    parses::<models::repos::Ref>("GET ref", &get(format!("{repo}/git/ref/heads/main")).await);
    parses::<models::repos::Content>(
        "GET contents",
        &get(format!("{repo}/contents/README.md?ref=main")).await,
    );
    parses::<models::issues::Issue>("GET issue", &get(format!("{repo}/issues/1")).await);
    parses::<models::issues::Issue>(
        "POST issue",
        &post(
            format!("{repo}/issues"),
            json!({ "title": "Protect main", "body": "b" }),
        )
        .await,
    );
    parses::<models::issues::Comment>(
        "POST comment",
        &post(format!("{repo}/issues/1/comments"), json!({ "body": "hi" })).await,
    );
    parses::<models::reactions::Reaction>(
        "POST reaction",
        &post(
            format!("{repo}/issues/comments/{comment_id}/reactions"),
            json!({ "content": "eyes" }),
        )
        .await,
    );
    parses::<models::reactions::Reaction>(
        "POST issue reaction",
        &post(
            format!("{repo}/issues/1/reactions"),
            json!({ "content": "rocket" }),
        )
        .await,
    );
    parses::<models::pulls::PullRequest>("GET pull", &get(format!("{repo}/pulls/{pull}")).await);
    parses::<Vec<models::pulls::PullRequest>>("GET pulls", &get(format!("{repo}/pulls")).await);
    parses::<models::pulls::PullRequest>(
        "POST pull",
        &post(
            format!("{repo}/pulls"),
            json!({ "title": "t", "head": "redgreen/2-y", "base": "main", "body": "b" }),
        )
        .await,
    );
    parses::<models::pulls::Comment>(
        "POST review reply",
        &post(
            format!("{repo}/pulls/{pull}/comments"),
            json!({
                "body": "done", "in_reply_to": review_comment,
                "commit_id": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "path": "a.rs",
            }),
        )
        .await,
    );
    parses::<models::pulls::Comment>(
        "GET review comment",
        &get(format!("{repo}/pulls/comments/{review_comment}")).await,
    );
    let run = post(
        format!("{repo}/check-runs"),
        json!({ "name": "redgreen/test", "head_sha": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" }),
    )
    .await;
    parses::<models::checks::CheckRun>("POST check run", &run);
    parses::<models::checks::ListCheckRuns>(
        "GET check runs for ref",
        &get(format!("{repo}/commits/main/check-runs")).await,
    );
    parses::<models::repos::branches::BranchProtection>(
        "GET protection",
        &get(format!("{repo}/branches/main/protection")).await,
    );
    let permission = get(format!("{repo}/collaborators/octocat/permission")).await;
    assert!(permission["permission"].is_string() && permission["user"]["login"] == "octocat");
    stand_in.assert_no_violations();
    let mismatches = stand_in.answer_mismatches();
    assert!(mismatches.is_empty(), "{mismatches:#?}");
}
