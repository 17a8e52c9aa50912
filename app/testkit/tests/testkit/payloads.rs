//! Payload builders keep every field of GitHub's real example and carry the test's values.

use redgreen_testkit::payloads::{self, PayloadParams};
use serde_json::Value;

/// Every key path of the example is still present in the built payload (values may
/// change; `installation` may be added).
fn assert_keeps_fields(example_path: &str, built: &Value) {
    fn walk(example: &Value, built: &Value, at: &str, missing: &mut Vec<String>) {
        if let (Value::Object(example), Value::Object(built)) = (example, built) {
            for (key, value) in example {
                match built.get(key) {
                    Some(next) => walk(value, next, &format!("{at}/{key}"), missing),
                    // Removed on purpose: a reply-less review comment, an issue that is no PR.
                    None if matches!(key.as_str(), "in_reply_to_id" | "pull_request") => {}
                    None => missing.push(format!("{at}/{key}")),
                }
            }
        }
    }
    let example = payloads::example(example_path).unwrap();
    let mut missing = Vec::new();
    walk(&example, built, "", &mut missing);
    assert!(missing.is_empty(), "{example_path}: lost {missing:?}");
}

fn params() -> PayloadParams {
    PayloadParams {
        installation: 77,
        repo_full_name: "acme/rockets".into(),
        repo_id: 5150,
        clone_url: Some("http://127.0.0.1:9/acme/rockets.git".into()),
        issue: 12,
        comment_id: 3344,
        comment_body: "@redgreen fix the launch".into(),
        author_login: "wile".into(),
        author_type: "User".into(),
        ..PayloadParams::default()
    }
}

fn assert_common(payload: &Value) {
    assert_eq!(payload["installation"]["id"], 77);
    assert_eq!(payload["repository"]["full_name"], "acme/rockets");
    assert_eq!(payload["repository"]["name"], "rockets");
    assert_eq!(payload["repository"]["id"], 5150);
    assert_eq!(payload["repository"]["owner"]["login"], "acme");
    assert_eq!(
        payload["repository"]["clone_url"],
        "http://127.0.0.1:9/acme/rockets.git"
    );
    assert_eq!(payload["sender"]["login"], "wile");
    let text = payload.to_string();
    assert!(
        !text.contains("Codertocat/Hello-World"),
        "old repository left in {text}"
    );
}

#[test]
fn issue_comment_created() {
    let payload = payloads::issue_comment_created(&params());
    assert_keeps_fields(
        "issue_comment/created.with-installation.payload.json",
        &payload,
    );
    assert_common(&payload);
    assert_eq!(payload["action"], "created");
    assert_eq!(payload["issue"]["number"], 12);
    assert!(payload["issue"].get("pull_request").is_none());
    assert_eq!(payload["comment"]["id"], 3344);
    assert_eq!(payload["comment"]["body"], "@redgreen fix the launch");
    assert_eq!(payload["comment"]["user"]["login"], "wile");
    assert_eq!(payload["comment"]["user"]["type"], "User");
    let on_pull = payloads::issue_comment_created(&PayloadParams {
        issue_is_pull_request: true,
        author_login: "dependabot[bot]".into(),
        author_type: "Bot".into(),
        ..params()
    });
    assert!(
        on_pull["issue"]["pull_request"]["url"]
            .as_str()
            .unwrap()
            .ends_with("/pulls/12")
    );
    assert_eq!(on_pull["comment"]["user"]["type"], "Bot");
}

#[test]
fn issues_opened_labeled_assigned() {
    let opened = payloads::issues_opened(&PayloadParams {
        issue_body: "@redgreen plan".into(),
        ..params()
    });
    assert_keeps_fields("issues/opened.payload.json", &opened);
    assert_common(&opened);
    assert_eq!(opened["issue"]["body"], "@redgreen plan");
    assert_eq!(opened["issue"]["user"]["login"], "wile");

    let labeled = payloads::issues_labeled(&params());
    assert_keeps_fields("issues/labeled.payload.json", &labeled);
    assert_common(&labeled);
    assert_eq!(labeled["label"]["name"], "redgreen");
    assert_eq!(labeled["issue"]["labels"][0]["name"], "redgreen");

    let assigned = payloads::issues_assigned(&params());
    assert_keeps_fields("issues/assigned.with-installation.payload.json", &assigned);
    assert_common(&assigned);
    assert_eq!(assigned["assignee"]["login"], "redgreen[bot]");
    assert_eq!(assigned["assignee"]["type"], "Bot");
    assert_eq!(assigned["issue"]["assignees"][0]["login"], "redgreen[bot]");
}

#[test]
fn pull_request_review_comment_created() {
    let payload = payloads::pull_request_review_comment_created(&PayloadParams {
        in_reply_to: Some(99),
        path: "src/engine.rs".into(),
        line: 42,
        ..params()
    });
    assert_keeps_fields("pull_request_review_comment/created.payload.json", &payload);
    assert_common(&payload);
    assert_eq!(payload["pull_request"]["number"], 12);
    assert_eq!(payload["pull_request"]["head"]["ref"], "redgreen/1-fix");
    assert_eq!(payload["comment"]["in_reply_to_id"], 99);
    assert_eq!(payload["comment"]["path"], "src/engine.rs");
    assert_eq!(payload["comment"]["line"], 42);
    assert_eq!(payload["comment"]["body"], "@redgreen fix the launch");
}

#[test]
fn check_run_requested_action() {
    let payload = payloads::check_run_requested_action(&params());
    assert_keeps_fields("check_run/requested_action.payload.json", &payload);
    assert_common(&payload);
    assert_eq!(payload["requested_action"]["identifier"], "fix");
    assert_eq!(payload["check_run"]["id"], 777);
    assert_eq!(payload["check_run"]["name"], "redgreen/test");
}

#[test]
fn installation_events_and_ping() {
    let created = payloads::installation_created(&params());
    assert_keeps_fields("installation/created.payload.json", &created);
    assert_eq!(created["installation"]["id"], 77);
    assert_eq!(created["installation"]["account"]["login"], "acme");
    assert_eq!(created["repositories"][0]["full_name"], "acme/rockets");

    let added = payloads::installation_repositories_added(&params());
    assert_keeps_fields("installation_repositories/added.payload.json", &added);
    assert_eq!(added["repositories_added"][0]["id"], 5150);
    assert_eq!(added["repositories_removed"], serde_json::json!([]));

    let ping = payloads::ping(&params());
    assert_keeps_fields("ping/with-app_id.payload.json", &ping);
    assert_eq!(ping["hook"]["app_id"], 424_242);
    assert!(ping.get("installation").is_none());
}
