//! Routing, on real payloads patched into the situations redgreen must tell apart.

use redgreen_core::webhook::{CommentRef, ControlRequest, IgnoreReason, Route, RunRequest, Target};
use redgreen_core::{Command, RunKind};
use serde_json::{Value, json};

use crate::examples::{self, installed, route, sent_by, set};

const ISSUE_COMMENT_ID: i64 = 492700400;
const REVIEW_COMMENT_ID: i64 = 284312630;
const PR_HEAD_SHA: &str = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";

fn issue_comment(body: &str) -> Value {
    let mut payload = installed("issue_comment", "created.payload.json");
    set(&mut payload, "/comment/body", json!(body));
    payload
}

fn review_comment(body: &str, head_ref: &str) -> Value {
    let mut payload = examples::load("pull_request_review_comment", "created.payload.json");
    set(&mut payload, "/comment/body", json!(body));
    set(&mut payload, "/pull_request/head/ref", json!(head_ref));
    payload
}

fn review(body: Value, head_ref: &str) -> Value {
    let mut payload = examples::load("pull_request_review", "submitted.payload.json");
    set(&mut payload, "/review/body", body);
    set(&mut payload, "/pull_request/head/ref", json!(head_ref));
    payload
}

fn requested_action(identifier: &str) -> Value {
    let mut payload = examples::load("check_run", "requested_action.payload.json");
    set(
        &mut payload,
        "/requested_action/identifier",
        json!(identifier),
    );
    payload
}

fn run(kind: RunKind, target: Target, instructions: &str) -> RunRequest {
    RunRequest {
        kind,
        target,
        actor: "Codertocat".into(),
        instructions: instructions.into(),
        comment: None,
        head_ref: None,
        head_sha: None,
        check_run_id: None,
    }
}

fn on_review_comment(kind: RunKind, head_ref: &str, instructions: &str) -> Route {
    Route::Run(RunRequest {
        comment: Some(CommentRef::Review(REVIEW_COMMENT_ID)),
        head_ref: Some(head_ref.into()),
        head_sha: Some(PR_HEAD_SHA.into()),
        ..run(kind, Target::PullRequest(2), instructions)
    })
}

#[test]
fn issue_comment_with_a_command_starts_a_run() {
    assert_eq!(
        route(
            "issue_comment",
            &issue_comment("@redgreen fix the typo in README")
        ),
        Route::Run(RunRequest {
            comment: Some(CommentRef::Issue(ISSUE_COMMENT_ID)),
            ..run(RunKind::Fix, Target::Issue(1), "the typo in README")
        })
    );
}

#[test]
fn every_run_command_gives_its_kind() {
    for (command, kind) in [
        ("fix", RunKind::Fix),
        ("plan", RunKind::Plan),
        ("TEST", RunKind::Test),
        ("Recommend", RunKind::Recommend),
    ] {
        let body = format!("@redgreen {command} with postgres\nand redis");
        assert_eq!(
            route("issue_comment", &issue_comment(&body)),
            Route::Run(RunRequest {
                comment: Some(CommentRef::Issue(ISSUE_COMMENT_ID)),
                ..run(kind, Target::Issue(1), "with postgres\nand redis")
            }),
            "{command}"
        );
    }
}

#[test]
fn free_text_is_a_fix() {
    assert_eq!(
        route(
            "issue_comment",
            &issue_comment("Thanks! @RedGreen please spell commit with one t")
        ),
        Route::Run(RunRequest {
            comment: Some(CommentRef::Issue(ISSUE_COMMENT_ID)),
            ..run(
                RunKind::Fix,
                Target::Issue(1),
                "please spell commit with one t"
            )
        })
    );
}

#[test]
fn control_commands_are_not_runs() {
    for command in [
        Command::Status,
        Command::Cancel,
        Command::Retry,
        Command::Continue,
    ] {
        let body = format!("@redgreen {}", command.as_str());
        assert_eq!(
            route("issue_comment", &issue_comment(&body)),
            Route::Control(ControlRequest {
                command,
                target: Target::Issue(1),
                actor: "Codertocat".into(),
                comment: Some(CommentRef::Issue(ISSUE_COMMENT_ID)),
            }),
            "{body}"
        );
    }
}

#[test]
fn issue_comment_on_a_pull_request_targets_the_pull_request() {
    let mut payload = issue_comment("@redgreen test");
    payload["issue"]["pull_request"] = json!({
        "url": "https://api.github.com/repos/Codertocat/Hello-World/pulls/1",
        "html_url": "https://github.com/Codertocat/Hello-World/pull/1",
    });
    assert_eq!(
        route("issue_comment", &payload),
        Route::Run(RunRequest {
            comment: Some(CommentRef::Issue(ISSUE_COMMENT_ID)),
            ..run(RunKind::Test, Target::PullRequest(1), "")
        })
    );
}

#[test]
fn a_comment_without_a_visible_mention_is_ignored() {
    for body in [
        "no mention here",
        "> @redgreen fix\nquoted, not asked",
        "`@redgreen fix` is how you ask",
        "```\n@redgreen fix\n```",
        "mail ops@redgreen.dev",
        "@redgreen-bot fix",
    ] {
        assert_eq!(
            route("issue_comment", &issue_comment(body)),
            Route::Ignored(IgnoreReason::NoMention),
            "{body:?}"
        );
    }
}

#[test]
fn own_events_are_ignored_before_anything_else() {
    for login in ["redgreen[bot]", "RedGreen[BOT]"] {
        // Even with a mention and without an installation: the own-event check comes first.
        let mut payload = examples::load("issue_comment", "created.payload.json");
        set(&mut payload, "/comment/body", json!("@redgreen fix"));
        sent_by(&mut payload, login, "Bot");
        assert_eq!(
            route("issue_comment", &payload),
            Route::Ignored(IgnoreReason::OwnEvent),
            "{login}"
        );
    }
    let mut edited = examples::load("issue_comment", "edited.payload.json");
    sent_by(&mut edited, "redgreen[bot]", "Bot");
    assert_eq!(
        route("issue_comment", &edited),
        Route::Ignored(IgnoreReason::OwnEvent)
    );

    let mut review = review_comment("@redgreen fix", "redgreen/1-typo");
    sent_by(&mut review, "redgreen[bot]", "Bot");
    assert_eq!(
        route("pull_request_review_comment", &review),
        Route::Ignored(IgnoreReason::OwnEvent)
    );
}

#[test]
fn other_bots_are_ignored() {
    let mut payload = issue_comment("@redgreen fix");
    sent_by(&mut payload, "dependabot[bot]", "Bot");
    assert_eq!(
        route("issue_comment", &payload),
        Route::Ignored(IgnoreReason::Bot)
    );

    // Another App's bot whose name merely contains ours is still another bot.
    sent_by(&mut payload, "redgreen-staging[bot]", "Bot");
    assert_eq!(
        route("issue_comment", &payload),
        Route::Ignored(IgnoreReason::Bot)
    );

    let mut check_run = requested_action("fix");
    sent_by(&mut check_run, "renovate[bot]", "Bot");
    assert_eq!(
        route("check_run", &check_run),
        Route::Ignored(IgnoreReason::Bot)
    );
}

#[test]
fn a_person_named_like_the_bot_is_a_person() {
    let mut payload = issue_comment("@redgreen plan");
    sent_by(&mut payload, "redgreen", "User");
    let Route::Run(request) = route("issue_comment", &payload) else {
        panic!("expected a run");
    };
    assert_eq!(request.kind, RunKind::Plan);
    assert_eq!(request.actor, "redgreen");
}

#[test]
fn work_without_an_installation_is_ignored() {
    let mut payload = examples::load("issue_comment", "created.payload.json");
    set(&mut payload, "/comment/body", json!("@redgreen fix"));
    assert_eq!(
        route("issue_comment", &payload),
        Route::Ignored(IgnoreReason::NoInstallation)
    );
    set(&mut payload, "/comment/body", json!("@redgreen status"));
    assert_eq!(
        route("issue_comment", &payload),
        Route::Ignored(IgnoreReason::NoInstallation)
    );
    // Without any work asked for, the more precise reason wins.
    set(&mut payload, "/comment/body", json!("thanks"));
    assert_eq!(
        route("issue_comment", &payload),
        Route::Ignored(IgnoreReason::NoMention)
    );

    let mut check_run = requested_action("fix");
    check_run.as_object_mut().unwrap().remove("installation");
    assert_eq!(
        route("check_run", &check_run),
        Route::Ignored(IgnoreReason::NoInstallation)
    );
}

#[test]
fn only_created_comments_count() {
    for file in ["edited.payload.json", "deleted.payload.json"] {
        let mut payload = installed("issue_comment", file);
        set(&mut payload, "/comment/body", json!("@redgreen fix"));
        assert_eq!(
            route("issue_comment", &payload),
            Route::Ignored(IgnoreReason::UnhandledAction),
            "{file}"
        );
    }
    let mut edited = review_comment("@redgreen fix", "changes");
    set(&mut edited, "/action", json!("edited"));
    assert_eq!(
        route("pull_request_review_comment", &edited),
        Route::Ignored(IgnoreReason::UnhandledAction)
    );
}

#[test]
fn opened_issue_that_mentions_the_bot_starts_a_run() {
    let mut payload = installed("issues", "opened.payload.json");
    set(
        &mut payload,
        "/issue/body",
        json!("Spelling error.\n\n@redgreen plan keep the diff small"),
    );
    assert_eq!(
        route("issues", &payload),
        Route::Run(run(RunKind::Plan, Target::Issue(1), "keep the diff small"))
    );

    let mut empty = installed("issues", "opened.with-empty-body.payload.json");
    set(
        &mut empty,
        "/issue/title",
        json!("@redgreen fix (the title is not read)"),
    );
    assert_eq!(
        route("issues", &empty),
        Route::Ignored(IgnoreReason::NoMention)
    );
}

#[test]
fn assigning_the_bot_starts_a_fix() {
    let mut payload = installed("issues", "assigned.payload.json");
    set(&mut payload, "/assignee/login", json!("redgreen[bot]"));
    assert_eq!(
        route("issues", &payload),
        Route::Run(run(RunKind::Fix, Target::Issue(1), ""))
    );
    // Assigned to a person: nothing to do.
    let someone = installed("issues", "assigned.payload.json");
    assert_eq!(
        route("issues", &someone),
        Route::Ignored(IgnoreReason::UnhandledAction)
    );
    // Unassigning the bot is not a request either.
    let mut unassigned = installed("issues", "unassigned.payload.json");
    set(&mut unassigned, "/assignee/login", json!("redgreen[bot]"));
    assert_eq!(
        route("issues", &unassigned),
        Route::Ignored(IgnoreReason::UnhandledAction)
    );
}

#[test]
fn the_redgreen_label_starts_a_fix() {
    let mut payload = installed("issues", "labeled.payload.json");
    for name in ["redgreen", "RedGreen"] {
        set(&mut payload, "/label/name", json!(name));
        assert_eq!(
            route("issues", &payload),
            Route::Run(run(RunKind::Fix, Target::Issue(1), "")),
            "{name}"
        );
    }
    set(&mut payload, "/label/name", json!("bug"));
    assert_eq!(
        route("issues", &payload),
        Route::Ignored(IgnoreReason::UnhandledAction)
    );

    let mut unlabeled = installed("issues", "unlabeled.payload.json");
    set(&mut unlabeled, "/label/name", json!("redgreen"));
    assert_eq!(
        route("issues", &unlabeled),
        Route::Ignored(IgnoreReason::UnhandledAction)
    );
}

#[test]
fn review_comment_on_another_branch_keeps_its_command() {
    assert_eq!(
        route(
            "pull_request_review_comment",
            &review_comment("@redgreen fix use an emoji", "changes")
        ),
        on_review_comment(RunKind::Fix, "changes", "use an emoji")
    );
}

#[test]
fn review_comment_on_a_redgreen_branch_is_a_follow_up() {
    let branch = "redgreen/1-spelling";
    for (body, instructions) in [
        ("@redgreen fix rename this", "rename this"),
        ("@redgreen rename this", "rename this"),
    ] {
        assert_eq!(
            route("pull_request_review_comment", &review_comment(body, branch)),
            on_review_comment(RunKind::FollowUp, branch, instructions),
            "{body}"
        );
    }
    // Other run commands keep their kind there.
    assert_eq!(
        route(
            "pull_request_review_comment",
            &review_comment("@redgreen test", branch)
        ),
        on_review_comment(RunKind::Test, branch, "")
    );
    assert_eq!(
        route(
            "pull_request_review_comment",
            &review_comment("@redgreen cancel", branch)
        ),
        Route::Control(ControlRequest {
            command: Command::Cancel,
            target: Target::PullRequest(2),
            actor: "Codertocat".into(),
            comment: Some(CommentRef::Review(REVIEW_COMMENT_ID)),
        })
    );
}

#[test]
fn a_redgreen_branch_in_a_fork_is_not_a_follow_up() {
    let branch = "redgreen/1-spelling";
    let mut payload = review_comment("@redgreen fix rename this", branch);
    set(&mut payload, "/pull_request/head/repo/id", json!(999));
    assert_eq!(
        route("pull_request_review_comment", &payload),
        on_review_comment(RunKind::Fix, branch, "rename this")
    );
    // The fork was deleted: GitHub sends a null head repository.
    set(&mut payload, "/pull_request/head/repo", Value::Null);
    assert_eq!(
        route("pull_request_review_comment", &payload),
        on_review_comment(RunKind::Fix, branch, "rename this")
    );
}

#[test]
fn submitted_review_that_mentions_the_bot() {
    let branch = "redgreen/2-emoji";
    let follow_up = RunRequest {
        head_ref: Some(branch.into()),
        head_sha: Some(PR_HEAD_SHA.into()),
        ..run(RunKind::FollowUp, Target::PullRequest(2), "use fewer emoji")
    };
    assert_eq!(
        route(
            "pull_request_review",
            &review(json!("@redgreen use fewer emoji"), branch)
        ),
        Route::Run(follow_up)
    );
    assert_eq!(
        route(
            "pull_request_review",
            &review(json!("@redgreen plan"), "changes")
        ),
        Route::Run(RunRequest {
            head_ref: Some("changes".into()),
            head_sha: Some(PR_HEAD_SHA.into()),
            ..run(RunKind::Plan, Target::PullRequest(2), "")
        })
    );
    assert_eq!(
        route("pull_request_review", &review(Value::Null, branch)),
        Route::Ignored(IgnoreReason::NoMention)
    );
}

#[test]
fn fix_button_on_a_check_run_starts_a_fix() {
    assert_eq!(
        route("check_run", &requested_action("fix")),
        Route::Run(RunRequest {
            kind: RunKind::Fix,
            target: Target::PullRequest(26764),
            actor: "codebytere".into(),
            instructions: String::new(),
            comment: None,
            head_ref: Some("miniak/event-process-id".into()),
            head_sha: Some("5bd5f196a46b8222fb7484f05faba41a73cf34bd".into()),
            check_run_id: Some(1494503112),
        })
    );
}

#[test]
fn other_buttons_and_prless_check_runs_are_ignored() {
    assert_eq!(
        route("check_run", &requested_action("Fix")),
        Route::Ignored(IgnoreReason::UnhandledAction)
    );
    let mut no_pr = requested_action("fix");
    set(&mut no_pr, "/check_run/pull_requests", json!([]));
    assert_eq!(
        route("check_run", &no_pr),
        Route::Ignored(IgnoreReason::UnhandledAction)
    );
}

#[test]
fn the_bot_name_is_configurable() {
    let mut payload = issue_comment("@acme-bot plan");
    let envelope = redgreen_core::webhook::envelope::parse(
        "issue_comment",
        &serde_json::to_vec(&payload).unwrap(),
        "acme-bot",
    )
    .unwrap();
    assert!(matches!(
        envelope.route,
        Route::Run(RunRequest {
            kind: RunKind::Plan,
            ..
        })
    ));
    // Under that name, `@redgreen` is just someone else.
    assert_eq!(
        route("issue_comment", &payload),
        Route::Ignored(IgnoreReason::NoMention)
    );
    sent_by(&mut payload, "acme-bot[bot]", "Bot");
    let own = redgreen_core::webhook::envelope::parse(
        "issue_comment",
        &serde_json::to_vec(&payload).unwrap(),
        "acme-bot",
    )
    .unwrap();
    assert_eq!(own.route, Route::Ignored(IgnoreReason::OwnEvent));
}
