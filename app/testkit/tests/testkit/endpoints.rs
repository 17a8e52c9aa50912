//! The resources the stand-in serves behave like GitHub's: reactions, comments edited in
//! place, pull requests (one per head), threaded review replies, check-run limits, refs,
//! contents, protection, rules and permissions.

use redgreen_testkit::PullSpec;
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{INSTALLATION, REPO, call, installation_token, stand_in};

const SHA_A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const SHA_B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

#[tokio::test]
async fn a_reaction_is_created_once_then_answered_200() {
    let stand_in = stand_in().await;
    stand_in.add_issue(REPO, 3, "t", "b", "octocat");
    let comment = stand_in.add_issue_comment(REPO, 3, "@redgreen plan", "octocat");
    let token = installation_token(&stand_in, INSTALLATION).await;
    let path = format!("/repos/{REPO}/issues/comments/{comment}/reactions");
    let eyes = Some(json!({ "content": "eyes" }));
    let (first, _, reaction) = call(&stand_in, Method::POST, &path, &token, eyes.clone()).await;
    let (second, _, again) = call(&stand_in, Method::POST, &path, &token, eyes).await;
    assert_eq!((first, second), (201, 200));
    assert_eq!(reaction["id"], again["id"]);
    assert_eq!(reaction["content"], "eyes");
    let reactions = stand_in.reactions();
    assert_eq!(reactions.len(), 1);
    assert_eq!(reactions[0]["subject"]["kind"], "issue_comment");
    assert_eq!(reactions[0]["subject"]["id"], json!(comment));
    // No such comment: 404.
    let (status, _, _) = call(
        &stand_in,
        Method::POST,
        &format!("/repos/{REPO}/issues/comments/1/reactions"),
        &token,
        Some(json!({ "content": "eyes" })),
    )
    .await;
    assert_eq!(status, 404);
    crate::support::assert_faithful(&stand_in);
}

#[tokio::test]
async fn a_progress_comment_is_edited_in_place() {
    let stand_in = stand_in().await;
    stand_in.add_issue(REPO, 3, "t", "b", "octocat");
    let token = installation_token(&stand_in, INSTALLATION).await;
    let (_, _, created) = call(
        &stand_in,
        Method::POST,
        &format!("/repos/{REPO}/issues/3/comments"),
        &token,
        Some(json!({ "body": "queued" })),
    )
    .await;
    let id = created["id"].as_i64().unwrap();
    let (status, _, edited) = call(
        &stand_in,
        Method::PATCH,
        &format!("/repos/{REPO}/issues/comments/{id}"),
        &token,
        Some(json!({ "body": "planning" })),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(edited["id"], json!(id));
    let comments = stand_in.issue_comments(REPO, 3);
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0]["body"], "planning");
    // Listing through the API shows the same.
    let (_, _, listed) = call(
        &stand_in,
        Method::GET,
        &format!("/repos/{REPO}/issues/3/comments"),
        &token,
        None,
    )
    .await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    crate::support::assert_faithful(&stand_in);
}

#[tokio::test]
async fn pull_requests_number_after_issues_and_refuse_a_second_for_one_head() {
    let stand_in = stand_in().await;
    stand_in.add_issue(REPO, 5, "t", "b", "octocat");
    stand_in.set_ref(REPO, "heads/redgreen/5-fix", SHA_B);
    let token = installation_token(&stand_in, INSTALLATION).await;
    let body = json!({
        "title": "Fix #5", "head": "redgreen/5-fix", "base": "main", "body": "Fixes #5", "draft": false,
    });
    let path = format!("/repos/{REPO}/pulls");
    let (status, _, pull) = call(&stand_in, Method::POST, &path, &token, Some(body.clone())).await;
    assert_eq!(status, 201, "{pull}");
    assert_eq!(pull["number"], 6);
    assert_eq!(pull["head"]["sha"], SHA_B);
    let (status, _, refused) = call(&stand_in, Method::POST, &path, &token, Some(body)).await;
    assert_eq!(status, 422);
    assert!(
        refused["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("A pull request already exists")
    );
    let (_, _, listed) = call(
        &stand_in,
        Method::GET,
        &format!("{path}?head=octo-org:redgreen/5-fix&state=open"),
        &token,
        None,
    )
    .await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let (status, _, updated) = call(
        &stand_in,
        Method::PATCH,
        &format!("{path}/6"),
        &token,
        Some(json!({ "body": "Fixes #5, with evidence" })),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(updated["body"], "Fixes #5, with evidence");
    assert_eq!(stand_in.pulls(REPO).len(), 1);
    let (status, _, files) = call(
        &stand_in,
        Method::GET,
        &format!("{path}/6/files"),
        &token,
        None,
    )
    .await;
    assert_eq!((status, files), (200, json!([])));
    crate::support::assert_faithful(&stand_in);
}

#[tokio::test]
async fn a_review_reply_joins_the_thread_with_in_reply_to() {
    let stand_in = stand_in().await;
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
    let parent =
        stand_in.add_review_comment(REPO, pull, "@redgreen rename it", "octocat", "src/a.rs", 4);
    let token = installation_token(&stand_in, INSTALLATION).await;
    let path = format!("/repos/{REPO}/pulls/{pull}/comments");
    let (status, _, reply) = call(
        &stand_in,
        Method::POST,
        &path,
        &token,
        // The contract requires `commit_id` and `path` even on replies (GitHub ignores them).
        Some(json!({
            "body": "Done in abc1234", "in_reply_to": parent,
            "commit_id": SHA_A, "path": "src/a.rs",
        })),
    )
    .await;
    assert_eq!(status, 201, "{reply}");
    assert_eq!(reply["in_reply_to_id"], json!(parent));
    assert_eq!(reply["path"], "src/a.rs");
    assert_eq!(reply["line"], 4, "a reply takes its place from the parent");
    assert_eq!(stand_in.review_comments(REPO, pull).len(), 2);
    // Replying to a comment that does not exist is 404.
    let (status, _, _) = call(
        &stand_in,
        Method::POST,
        &path,
        &token,
        Some(json!({ "body": "x", "in_reply_to": 1, "commit_id": SHA_A, "path": "src/a.rs" })),
    )
    .await;
    assert_eq!(status, 404);
    // The /replies endpoint is not for apps.
    let (status, _, _) = call(
        &stand_in,
        Method::POST,
        &format!("{path}/{parent}/replies"),
        &token,
        Some(json!({ "body": "x" })),
    )
    .await;
    assert_eq!(status, 404);
    let violations = stand_in.take_violations();
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert!(violations[0].contains("in_reply_to"));
    // Reacting to the review comment.
    let (status, _, _) = call(
        &stand_in,
        Method::POST,
        &format!("/repos/{REPO}/pulls/comments/{parent}/reactions"),
        &token,
        Some(json!({ "content": "eyes" })),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(
        stand_in.reactions()[0]["subject"]["kind"],
        "pull_request_review_comment"
    );
}

fn annotations(count: usize) -> Value {
    Value::Array(
        (0..count)
            .map(|line| {
                json!({
                    "path": "src/lib.rs", "start_line": line + 1, "end_line": line + 1,
                    "annotation_level": "failure", "message": "assertion failed",
                })
            })
            .collect(),
    )
}

#[tokio::test]
async fn check_runs_enforce_githubs_limits_and_accumulate_annotations() {
    let stand_in = stand_in().await;
    let token = installation_token(&stand_in, INSTALLATION).await;
    let path = format!("/repos/{REPO}/check-runs");
    let too_many = json!({
        "name": "redgreen/test", "head_sha": SHA_A,
        "output": { "title": "t", "summary": "s", "annotations": annotations(51) },
    });
    let (status, _, _) = call(&stand_in, Method::POST, &path, &token, Some(too_many)).await;
    assert_eq!(status, 422);
    let action = json!({ "label": "Fix", "description": "Fix with redgreen", "identifier": "fix" });
    let four_actions = json!({
        "name": "redgreen/test", "head_sha": SHA_A, "actions": [action, action, action, action],
    });
    let (status, _, _) = call(&stand_in, Method::POST, &path, &token, Some(four_actions)).await;
    assert_eq!(status, 422);
    assert!(stand_in.check_runs(REPO).is_empty());

    let (status, _, run) = call(
        &stand_in,
        Method::POST,
        &path,
        &token,
        Some(json!({
            "name": "redgreen/tdd", "head_sha": SHA_A, "status": "in_progress",
            "output": { "title": "t", "summary": "s", "annotations": annotations(50) },
            "actions": [action],
        })),
    )
    .await;
    assert_eq!(status, 201, "{run}");
    assert!(
        run.get("annotations").is_none(),
        "GitHub does not echo annotations"
    );
    let id = run["id"].as_i64().unwrap();
    let (status, _, run) = call(
        &stand_in,
        Method::PATCH,
        &format!("{path}/{id}"),
        &token,
        Some(json!({
            "conclusion": "failure",
            "output": { "title": "t", "summary": "s2", "annotations": annotations(10) },
        })),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(run["status"], "completed");
    assert_eq!(run["output"]["annotations_count"], 60);
    let stored = &stand_in.check_runs(REPO)[0];
    assert_eq!(stored["annotations"].as_array().unwrap().len(), 60);
    assert_eq!(stored["actions"].as_array().unwrap().len(), 1);
    let (_, _, listed) = call(
        &stand_in,
        Method::GET,
        &format!("/repos/{REPO}/commits/{SHA_A}/check-runs?check_name=redgreen/tdd"),
        &token,
        None,
    )
    .await;
    assert_eq!(listed["total_count"], 1);
    // The schema itself caps annotations (50) and actions (3): both refusals are violations.
    let violations = stand_in.take_violations();
    assert_eq!(violations.len(), 2, "{violations:?}");
    assert!(violations[0].contains("more than 50 items"));
    assert!(violations[1].contains("more than 3 items"));
    crate::support::assert_faithful(&stand_in);
}

#[tokio::test]
async fn refs_contents_protection_rules_and_permissions() {
    let stand_in = stand_in().await;
    stand_in.set_ref(REPO, "refs/heads/main", SHA_A);
    stand_in.add_file(REPO, "main", ".github/redgreen.yml", "test: cargo test\n");
    stand_in.set_permission(REPO, "alice", "maintain");
    let token = installation_token(&stand_in, INSTALLATION).await;
    let repo = format!("/repos/{REPO}");

    let (status, _, main) = call(
        &stand_in,
        Method::GET,
        &format!("{repo}/git/ref/heads/main"),
        &token,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(main["object"]["sha"], SHA_A);
    let (status, _, _) = call(
        &stand_in,
        Method::POST,
        &format!("{repo}/git/refs"),
        &token,
        Some(json!({ "ref": "refs/heads/redgreen/9-x", "sha": SHA_A })),
    )
    .await;
    assert_eq!(status, 201);
    let (status, _, updated) = call(
        &stand_in,
        Method::PATCH,
        &format!("{repo}/git/refs/heads/redgreen/9-x"),
        &token,
        Some(json!({ "sha": SHA_B, "force": false })),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(updated["ref"], "refs/heads/redgreen/9-x");
    assert_eq!(
        stand_in.get_ref(REPO, "heads/redgreen/9-x").as_deref(),
        Some(SHA_B)
    );

    let (status, _, file) = call(
        &stand_in,
        Method::GET,
        &format!("{repo}/contents/.github/redgreen.yml?ref=main"),
        &token,
        None,
    )
    .await;
    assert_eq!(status, 200);
    use base64::Engine;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(file["content"].as_str().unwrap().replace('\n', ""))
        .unwrap();
    assert_eq!(decoded, b"test: cargo test\n");
    let (status, _, _) = call(
        &stand_in,
        Method::GET,
        &format!("{repo}/contents/missing.txt?ref=main"),
        &token,
        None,
    )
    .await;
    assert_eq!(status, 404);

    let (status, _, unprotected) = call(
        &stand_in,
        Method::GET,
        &format!("{repo}/branches/main/protection"),
        &token,
        None,
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(unprotected["message"], "Branch not protected");
    stand_in.set_branch_protection(REPO, "main", Some(stand_in.example_branch_protection(REPO)));
    let (status, _, protection) = call(
        &stand_in,
        Method::GET,
        &format!("{repo}/branches/main/protection"),
        &token,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        protection["required_pull_request_reviews"]["required_approving_review_count"],
        2
    );
    let (status, _, rules) = call(
        &stand_in,
        Method::GET,
        &format!("{repo}/rules/branches/main"),
        &token,
        None,
    )
    .await;
    assert_eq!((status, rules), (200, json!([])));

    let (_, _, alice) = call(
        &stand_in,
        Method::GET,
        &format!("{repo}/collaborators/alice/permission"),
        &token,
        None,
    )
    .await;
    assert_eq!(alice["role_name"], "maintain");
    assert_eq!(alice["permission"], "write");
    let (_, _, stranger) = call(
        &stand_in,
        Method::GET,
        &format!("{repo}/collaborators/mallory/permission"),
        &token,
        None,
    )
    .await;
    assert_eq!(stranger["permission"], "none");
    crate::support::assert_faithful(&stand_in);
}
