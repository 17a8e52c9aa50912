//! `parse` on every real example, on unknown events, and on payloads that are not well formed.

use redgreen_core::InstallationId;
use redgreen_core::webhook::envelope::parse;
use redgreen_core::webhook::{ActorKind, IgnoreReason, InstallationChange, ParseError, Route};
use serde_json::{Value, json};

use crate::examples::{self, BOT, HANDLED_EVENTS};

#[test]
fn every_real_example_parses_with_its_common_fields() {
    for event in HANDLED_EVENTS.into_iter().chain(["check_suite"]) {
        for (name, bytes) in examples::all(event) {
            let envelope =
                parse(event, &bytes, BOT).unwrap_or_else(|error| panic!("{event}/{name}: {error}"));
            let json: Value = serde_json::from_slice(&bytes).unwrap();
            let context = format!("{event}/{name}");
            assert_eq!(envelope.event, event, "{context}");
            assert_eq!(
                envelope.action.as_deref(),
                json["action"].as_str(),
                "{context}"
            );
            assert_eq!(
                envelope.installation,
                json["installation"]["id"].as_i64().map(InstallationId),
                "{context}"
            );
            let repository = envelope.repository.as_ref();
            assert_eq!(
                repository.map(|repository| repository.full_name.as_str()),
                json["repository"]["full_name"].as_str(),
                "{context}"
            );
            assert_eq!(
                repository.map(|repository| repository.clone_url.as_str()),
                json["repository"]["clone_url"].as_str(),
                "{context}"
            );
            assert_eq!(
                repository.and_then(|repository| repository.default_branch.as_deref()),
                json["repository"]["default_branch"].as_str(),
                "{context}"
            );
            let sender = envelope
                .sender
                .as_ref()
                .expect("every example has a sender");
            assert_eq!(
                sender.login,
                json["sender"]["login"].as_str().unwrap(),
                "{context}"
            );
            assert_eq!(
                sender.id,
                json["sender"]["id"].as_i64().unwrap(),
                "{context}"
            );
            let unhandled = envelope.route == Route::Ignored(IgnoreReason::UnhandledEvent);
            assert_eq!(
                unhandled,
                event == "check_suite",
                "{context}: {:?}",
                envelope.route
            );
        }
    }
}

#[test]
fn bot_senders_are_recognised() {
    let envelope = parse(
        "check_suite",
        &examples::all("check_suite")
            .into_iter()
            .find(|(name, _)| name == "rerequested.payload.json")
            .unwrap()
            .1,
        BOT,
    )
    .unwrap();
    let sender = envelope.sender.unwrap();
    assert_eq!(sender.login, "octocoders-linter[bot]");
    assert_eq!(sender.kind, ActorKind::Bot);
}

/// What each unpatched example routes to: most lack an installation or a mention.
#[test]
fn unpatched_examples_route_as_expected() {
    let ignored = |reason| Route::Ignored(reason);
    let cases = [
        (
            "issue_comment",
            "created.payload.json",
            ignored(IgnoreReason::NoMention),
        ),
        (
            "issue_comment",
            "edited.payload.json",
            ignored(IgnoreReason::UnhandledAction),
        ),
        (
            "issue_comment",
            "deleted.payload.json",
            ignored(IgnoreReason::UnhandledAction),
        ),
        (
            "issues",
            "opened.payload.json",
            ignored(IgnoreReason::NoMention),
        ),
        (
            "issues",
            "opened.with-empty-body.payload.json",
            ignored(IgnoreReason::NoMention),
        ),
        (
            "issues",
            "assigned.payload.json",
            ignored(IgnoreReason::UnhandledAction),
        ),
        (
            "issues",
            "labeled.payload.json",
            ignored(IgnoreReason::UnhandledAction),
        ),
        (
            "issues",
            "reopened.payload.json",
            ignored(IgnoreReason::UnhandledAction),
        ),
        (
            "issues",
            "pinned.payload.json",
            ignored(IgnoreReason::UnhandledAction),
        ),
        (
            "pull_request_review_comment",
            "created.payload.json",
            ignored(IgnoreReason::NoMention),
        ),
        (
            "pull_request_review_comment",
            "edited.payload.json",
            ignored(IgnoreReason::UnhandledAction),
        ),
        (
            "pull_request_review",
            "submitted.payload.json",
            ignored(IgnoreReason::NoMention),
        ),
        (
            "pull_request_review",
            "dismissed.payload.json",
            ignored(IgnoreReason::UnhandledAction),
        ),
        (
            "pull_request",
            "opened.payload.json",
            ignored(IgnoreReason::UnhandledAction),
        ),
        (
            "pull_request",
            "opened.with-null-body.json",
            ignored(IgnoreReason::UnhandledAction),
        ),
        (
            "check_run",
            "completed.payload.json",
            ignored(IgnoreReason::UnhandledAction),
        ),
        (
            "check_run",
            "rerequested.payload.json",
            ignored(IgnoreReason::UnhandledAction),
        ),
        // Its button is electron's "lgtm", not redgreen's "fix".
        (
            "check_run",
            "requested_action.payload.json",
            ignored(IgnoreReason::UnhandledAction),
        ),
        ("ping", "payload.json", Route::Ping),
        ("ping", "with-organization.payload.json", Route::Ping),
    ];
    for (event, file, expected) in cases {
        let payload = examples::load(event, file);
        assert_eq!(examples::route(event, &payload), expected, "{event}/{file}");
    }
}

#[test]
fn installation_events_list_repositories() {
    let installation =
        |file: &str| examples::route("installation", &examples::load("installation", file));
    let repositories = |file: &str| {
        examples::route(
            "installation_repositories",
            &examples::load("installation_repositories", file),
        )
    };
    assert_eq!(
        installation("created.payload.json"),
        Route::Installation(InstallationChange {
            action: "created".into(),
            repositories_added: vec!["Codertocat/Hello-World".into()],
            repositories_removed: vec![],
        })
    );
    assert_eq!(
        installation("deleted.payload.json"),
        Route::Installation(InstallationChange {
            action: "deleted".into(),
            repositories_added: vec![],
            repositories_removed: vec!["octocat/Hello-World".into()],
        })
    );
    assert_eq!(
        installation("suspend.payload.json"),
        Route::Installation(InstallationChange {
            action: "suspend".into(),
            repositories_added: vec![],
            repositories_removed: vec![],
        })
    );
    assert_eq!(
        repositories("added.payload.json"),
        Route::Installation(InstallationChange {
            action: "added".into(),
            repositories_added: vec!["Codertocat/Space".into()],
            repositories_removed: vec![],
        })
    );
    assert_eq!(
        repositories("removed.payload.json"),
        Route::Installation(InstallationChange {
            action: "removed".into(),
            repositories_added: vec![],
            repositories_removed: vec!["octocat/Hello-World".into()],
        })
    );
    let mut other = examples::load("installation_repositories", "added.payload.json");
    other["action"] = json!("renamed");
    assert_eq!(
        examples::route("installation_repositories", &other),
        Route::Ignored(IgnoreReason::UnhandledAction)
    );
}

#[test]
fn unknown_events_accept_any_object() {
    let issue_comment = examples::load("issue_comment", "created.with-installation.payload.json");
    let envelope = examples::parse_json("deployment_status", &issue_comment).unwrap();
    assert_eq!(envelope.route, Route::Ignored(IgnoreReason::UnhandledEvent));
    assert_eq!(envelope.installation, Some(InstallationId(1)));
    assert_eq!(envelope.action.as_deref(), Some("created"));

    // Odd common fields are left out rather than refused.
    let odd = json!({
        "action": 7,
        "installation": "everything",
        "repository": { "id": "x" },
        "sender": { "login": "someone", "id": 1, "type": "Mannequin" },
    });
    for body in [json!({}), odd] {
        let envelope = examples::parse_json("star", &body).unwrap();
        assert_eq!(envelope.route, Route::Ignored(IgnoreReason::UnhandledEvent));
        assert_eq!(envelope.action, None);
        assert_eq!(envelope.installation, None);
        assert_eq!(envelope.repository, None);
        assert_eq!(envelope.sender, None);
    }
}

#[test]
fn malformed_json_is_refused() {
    for (body, what) in [
        (&b""[..], "empty"),
        (b"{", "truncated"),
        (b"not json", "text"),
        (b"[]", "array"),
        (b"\"string\"", "string"),
        (b"null", "null"),
        (b"42", "number"),
        (b"{\"a\":1} trailing", "trailing garbage"),
        (b"\xff\xfe{}", "invalid UTF-8"),
    ] {
        for event in ["issue_comment", "ping", "unknown_event"] {
            let result = parse(event, body, BOT);
            assert!(
                matches!(result, Err(ParseError::MalformedJson(_))),
                "{what} as {event}: {result:?}"
            );
        }
    }
}

#[test]
fn handled_events_missing_required_fields_are_refused() {
    let comment = || examples::installed("issue_comment", "created.payload.json");
    let review_comment = || examples::load("pull_request_review_comment", "created.payload.json");
    let check_run = || {
        let mut payload = examples::load("check_run", "requested_action.payload.json");
        payload["requested_action"]["identifier"] = json!("fix");
        payload
    };
    let strip = |mut payload: Value, pointer: &str| {
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        let parent = if parent.is_empty() {
            &mut payload
        } else {
            payload.pointer_mut(parent).unwrap()
        };
        assert!(
            parent.as_object_mut().unwrap().remove(key).is_some(),
            "{pointer}"
        );
        payload
    };
    let retyped = |mut payload: Value, pointer: &str| {
        examples::set(&mut payload, pointer, json!([1, 2]));
        payload
    };
    let cases = [
        (
            "issue_comment",
            strip(comment(), "/comment/body"),
            "comment.body",
        ),
        (
            "issue_comment",
            retyped(comment(), "/comment/body"),
            "comment.body",
        ),
        (
            "issue_comment",
            strip(comment(), "/comment/id"),
            "comment.id",
        ),
        (
            "issue_comment",
            strip(comment(), "/issue/number"),
            "issue.number",
        ),
        ("issue_comment", strip(comment(), "/action"), "action"),
        ("issue_comment", strip(comment(), "/sender"), "sender"),
        (
            "issue_comment",
            retyped(comment(), "/sender/type"),
            "sender.type",
        ),
        (
            "issue_comment",
            retyped(comment(), "/installation/id"),
            "installation.id",
        ),
        (
            "issue_comment",
            strip(comment(), "/repository/clone_url"),
            "repository.clone_url",
        ),
        (
            "pull_request_review_comment",
            strip(review_comment(), "/pull_request/head/ref"),
            "pull_request.head.ref",
        ),
        (
            "pull_request_review_comment",
            strip(review_comment(), "/pull_request/number"),
            "pull_request.number",
        ),
        (
            "issues",
            strip(
                examples::load("issues", "assigned.payload.json"),
                "/assignee",
            ),
            "assignee.login",
        ),
        (
            "issues",
            strip(examples::load("issues", "labeled.payload.json"), "/label"),
            "label.name",
        ),
        (
            "issues",
            retyped(
                examples::load("issues", "opened.payload.json"),
                "/issue/body",
            ),
            "issue.body",
        ),
        (
            "check_run",
            strip(check_run(), "/requested_action"),
            "requested_action.identifier",
        ),
        (
            "check_run",
            strip(check_run(), "/check_run/head_sha"),
            "check_run.head_sha",
        ),
        (
            "check_run",
            strip(check_run(), "/check_run/pull_requests"),
            "check_run.pull_requests",
        ),
        (
            "installation",
            strip(
                examples::load("installation", "created.payload.json"),
                "/installation",
            ),
            "installation.id",
        ),
        (
            "installation_repositories",
            strip(
                examples::load("installation_repositories", "added.payload.json"),
                "/repositories_added",
            ),
            "repositories_added",
        ),
    ];
    for (event, payload, field) in cases {
        let result = examples::parse_json(event, &payload);
        assert_eq!(
            result,
            Err(ParseError::MissingField {
                event: event.to_owned(),
                field,
            }),
            "{event} without {field}"
        );
        assert!(!result.unwrap_err().is_retryable());
    }
}
