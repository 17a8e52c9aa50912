//! The trigger check's edges: the one reply a denied command gets (as a task, off the
//! request path), the bots allow-list, and a repository's own minimum permission.

use std::sync::Arc;

use axum::http::StatusCode;
use redgreen_core::InstallationId;
use redgreen_policy::{Permission, PolicyEngine};
use redgreen_server::trigger::{
    DenialReply, LookupError, MinPermissionFuture, MinPermissionLookup, PermissionLookup,
    TriggerCheck,
};
use redgreen_store::Scope;
use serde_json::Value;

use crate::support::{Delivery, Harness, PermissionTable, comment, config};

/// A repository minimum that is the same everywhere, or unreadable (`None`).
struct FixedMinimum(Option<Permission>);

impl MinPermissionLookup for FixedMinimum {
    fn min_permission<'a>(
        &'a self,
        _installation: InstallationId,
        _repository: &'a str,
    ) -> MinPermissionFuture<'a> {
        let answer = self
            .0
            .ok_or_else(|| LookupError("GitHub answered 502".to_owned()));
        Box::pin(async move { answer })
    }
}

fn check(table: PermissionTable) -> TriggerCheck {
    TriggerCheck::new(
        PolicyEngine::embedded().unwrap(),
        Some(Arc::new(table) as Arc<dyn PermissionLookup>),
        Permission::Write,
    )
}

/// The example comment, sent by `login` of GitHub account `kind` (`User` or `Bot`).
fn comment_by(body: &str, login: &str, kind: &str) -> Value {
    let mut payload = comment(body);
    for actor in ["sender", "comment/user"] {
        let actor = payload.pointer_mut(&format!("/{actor}")).unwrap();
        actor["login"] = Value::from(login);
        actor["type"] = Value::from(kind);
    }
    payload
}

fn reply_of(task: &redgreen_store::LeasedTask) -> DenialReply {
    assert_eq!(task.kind, "reply");
    serde_json::from_value(task.payload.clone()).unwrap()
}

#[tokio::test]
async fn a_denied_command_gets_one_reply_task_naming_the_role_it_needs() {
    let table = PermissionTable(vec![("Codertocat", Permission::Read)]);
    let harness = Harness::with_trigger(config(), Arc::new(check(table))).await;
    let delivery = Delivery::json("issue_comment", &comment("@redgreen fix it"));

    let answer = harness.deliver(&delivery).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.text);
    assert_eq!(answer.json["outcome"], "denied");
    assert!(answer.json["run"].is_null());
    let again = harness.deliver(&delivery).await;
    assert_eq!(again.json["outcome"], "duplicate", "{}", again.text);

    // `lease` asserts that this is the only task: the redelivery added none.
    let task = harness.lease().await;
    assert_eq!(task.run, None);
    assert_eq!(
        task.installation,
        Some(InstallationId(crate::support::INSTALLATION))
    );
    let reply = reply_of(&task);
    assert_eq!(
        reply.body,
        "@Codertocat, redgreen only takes `fix` from people with write access to this \
         repository."
    );
    assert_eq!(Some(reply.delivery.as_str()), delivery.id.as_deref());
    assert_eq!(reply.repository, "Codertocat/Hello-World");
    assert_eq!(reply.target, redgreen_core::webhook::Target::Issue(1));
    assert_eq!(reply.actor, "Codertocat");
    let runs = harness
        .state
        .store
        .list_runs(Scope::System, 10)
        .await
        .unwrap();
    assert!(runs.is_empty(), "{runs:?}");
}

#[tokio::test]
async fn a_failed_lookup_replies_that_it_could_not_check_and_no_app_means_no_reply() {
    let mut payload = comment("@redgreen plan");
    payload["comment"]["user"]["login"] = Value::from("unreachable");
    payload["sender"]["login"] = Value::from("unreachable");
    let harness = Harness::new().await;
    let answer = harness
        .deliver(&Delivery::json("issue_comment", &payload))
        .await;
    assert_eq!(answer.json["outcome"], "denied", "{}", answer.text);
    let reply = reply_of(&harness.lease().await);
    assert!(
        reply
            .body
            .starts_with("@unreachable, redgreen could not check your permission"),
        "{}",
        reply.body
    );
    assert!(reply.body.contains("`plan`"), "{}", reply.body);

    // Without the GitHub App nothing could post a reply, so none is queued.
    let harness = Harness::with_trigger(config(), crate::support::trigger_check(None)).await;
    let answer = harness
        .deliver(&Delivery::json("issue_comment", &comment("@redgreen plan")))
        .await;
    assert_eq!(answer.json["outcome"], "denied", "{}", answer.text);
    assert!(answer.json["task"].is_null(), "{}", answer.text);
}

#[tokio::test]
async fn bots_are_ignored_unless_allow_listed_and_redgreen_never_is() {
    let table = || PermissionTable(vec![("Codertocat", Permission::Write)]);
    let allowed = vec!["Dependabot[bot]".to_owned(), "redgreen[bot]".to_owned()];
    let harness = Harness::with_trigger(
        config(),
        Arc::new(check(table()).with_bots("redgreen", allowed)),
    )
    .await;

    let renovate = comment_by("@redgreen fix it", "renovate[bot]", "Bot");
    let answer = harness
        .deliver(&Delivery::json("issue_comment", &renovate))
        .await;
    assert_eq!(answer.json["outcome"], "ignored", "{}", answer.text);
    assert_eq!(answer.json["reason"], "bot");
    assert!(answer.json["task"].is_null());

    // An allow-list entry for the app's own account is dropped: its comments never loop.
    let own = comment_by("@redgreen fix it", "redgreen[bot]", "Bot");
    let answer = harness
        .deliver(&Delivery::json("issue_comment", &own))
        .await;
    assert_eq!(answer.json["outcome"], "ignored", "{}", answer.text);
    assert_eq!(answer.json["reason"], "own_event");

    // An allow-listed bot is still checked like anyone: with write (the table's default)
    // its command runs.
    let dependabot = comment_by("@redgreen fix it", "dependabot[bot]", "Bot");
    let answer = harness
        .deliver(&Delivery::json("issue_comment", &dependabot))
        .await;
    assert_eq!(answer.json["outcome"], "accepted", "{}", answer.text);
    assert!(answer.json["run"].is_string(), "{}", answer.text);
}

#[tokio::test]
async fn an_allow_listed_bot_without_permission_is_denied_without_a_reply() {
    let table = PermissionTable(vec![("dependabot[bot]", Permission::Read)]);
    let check = check(table).with_bots("redgreen", vec!["dependabot[bot]".to_owned()]);
    let harness = Harness::with_trigger(config(), Arc::new(check)).await;
    let dependabot = comment_by("@redgreen fix it", "dependabot[bot]", "Bot");
    let answer = harness
        .deliver(&Delivery::json("issue_comment", &dependabot))
        .await;
    assert_eq!(answer.json["outcome"], "denied", "{}", answer.text);
    // Replying to a bot could start two bots talking to each other.
    assert!(answer.json["task"].is_null(), "{}", answer.text);
}

#[tokio::test]
async fn the_repository_minimum_decides_and_an_unreadable_one_denies() {
    let table = || PermissionTable(vec![("Codertocat", Permission::Triage)]);
    // The repository lowers its minimum to triage: a triager may now ask for a fix.
    let check_with = |minimum: Option<Permission>| {
        Arc::new(check(table()).with_repository_minimum(Arc::new(FixedMinimum(minimum))))
    };
    let harness = Harness::with_trigger(config(), check_with(Some(Permission::Triage))).await;
    let answer = harness
        .deliver(&Delivery::json(
            "issue_comment",
            &comment("@redgreen fix it"),
        ))
        .await;
    assert_eq!(answer.json["outcome"], "accepted", "{}", answer.text);

    // `read` is raised to triage for commands that write, and the reply says so.
    let table = PermissionTable(vec![("Codertocat", Permission::Read)]);
    let check_read =
        check(table).with_repository_minimum(Arc::new(FixedMinimum(Some(Permission::Read))));
    let harness = Harness::with_trigger(config(), Arc::new(check_read)).await;
    let answer = harness
        .deliver(&Delivery::json(
            "issue_comment",
            &comment("@redgreen fix it"),
        ))
        .await;
    assert_eq!(answer.json["outcome"], "denied", "{}", answer.text);
    assert!(
        answer.json["reason"]
            .as_str()
            .unwrap()
            .contains("forbid-write-command-below-triage"),
        "{}",
        answer.text
    );
    let reply = reply_of(&harness.lease().await);
    assert!(reply.body.contains("with triage access"), "{}", reply.body);

    // A minimum that cannot be read denies (fail closed) rather than guessing.
    let harness = Harness::with_trigger(config(), check_with(None)).await;
    let answer = harness
        .deliver(&Delivery::json(
            "issue_comment",
            &comment("@redgreen fix it"),
        ))
        .await;
    assert_eq!(answer.json["outcome"], "denied", "{}", answer.text);
    assert!(
        answer.json["reason"]
            .as_str()
            .unwrap()
            .contains("repository-config-unavailable"),
        "{}",
        answer.text
    );
}
