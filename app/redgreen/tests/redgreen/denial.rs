//! A denied trigger on GitHub: no work, and one short reply saying why, posted by a worker
//! (off the webhook's path) and never twice; and a repository's own `trigger_min_permission`
//! (`.github/redgreen.yml`) deciding who may trigger there. Against the GitHub stand-in over
//! real HTTP, with `redgreen serve` as a process where the intake matters.

use std::time::Duration;

use redgreen::runtime::task_router::TaskRouter;
use redgreen::runtime::worker_pool::TaskHandler;
use redgreen_core::InstallationId;
use redgreen_core::webhook::Target;
use redgreen_github::{GitHubClient, GitHubConfig};
use redgreen_server::trigger::DenialReply;
use redgreen_store::NewTask;
use redgreen_testkit::GitHubStandIn;
use redgreen_testkit::payloads::{PayloadParams, issue_comment_created};
use secrecy::SecretString;
use serde_json::Value;

use super::support::{ServeProcess, connect, eventually, new_task, now, sqlite_url};

const INSTALLATION: i64 = 4242;
const REPO: &str = "octo/widgets";
const READER: &str = "read-only-rita";
const PATIENCE: Duration = Duration::from_secs(60);
const REPLY_MARKER: &str = "<!-- redgreen:denied delivery=";

/// `author` (a `User`) comments `body` on `issue` of `repo` (whose stand-in id is
/// `repo_id`); returns the webhook body GitHub would send for it.
fn comment(
    github: &GitHubStandIn,
    (repo, repo_id): (&str, i64),
    issue: u64,
    author: &str,
    body: &str,
) -> Vec<u8> {
    let comment = github.add_issue_comment(repo, issue, body, author);
    let payload = issue_comment_created(&PayloadParams {
        installation: INSTALLATION,
        repo_full_name: repo.into(),
        repo_id,
        issue,
        comment_id: comment,
        comment_body: body.into(),
        author_login: author.into(),
        author_type: "User".into(),
        ..PayloadParams::default()
    });
    serde_json::to_vec(&payload).unwrap()
}

/// GitHub delivers `body` as `delivery`; redgreen's answer.
async fn deliver(serve: &ServeProcess, delivery: &str, body: Vec<u8>) -> Value {
    let (status, answer) = serve.webhooks().send("issue_comment", delivery, body).await;
    assert_eq!(status, 202, "{answer}");
    serde_json::from_str(&answer).unwrap()
}

fn replies(github: &GitHubStandIn, repo: &str, issue: u64) -> Vec<String> {
    github
        .issue_comments(repo, issue)
        .iter()
        .filter_map(|c| c["body"].as_str().map(str::to_owned))
        .filter(|body| body.contains(REPLY_MARKER))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_denied_mention_gets_one_reply_even_when_redelivered() {
    let github = GitHubStandIn::start().await;
    github.add_installation(INSTALLATION, "octo");
    let repo = (
        REPO,
        github.add_repository(INSTALLATION, REPO, "main", None),
    );
    github.set_permission(REPO, READER, "read");
    github.add_issue(REPO, 1, "Spelling error", "", READER);
    github.add_issue(REPO, 2, "Another spelling error", "", READER);
    let serve = ServeProcess::start(&github).await;

    let body = comment(&github, repo, 1, READER, "@redgreen fix it");
    let answer = deliver(&serve, "d-1", body.clone()).await;
    assert_eq!(answer["outcome"], "denied", "{answer}");
    assert!(answer.get("run").is_none_or(Value::is_null), "{answer}");
    let reply = eventually(PATIENCE, "the reply", || async {
        replies(&github, REPO, 1).pop()
    })
    .await;
    assert!(
        reply.starts_with(
            "@read-only-rita, redgreen only takes `fix` from people with write access to this \
             repository."
        ),
        "{reply}"
    );
    assert!(!reply.contains("forbid-"), "no policy internals: {reply}");

    // GitHub redelivers: nothing changes. A later denial on another issue, answered after
    // it by the one worker, shows that everything queued before has been worked.
    let again = deliver(&serve, "d-1", body).await;
    assert_eq!(again["outcome"], "duplicate", "{again}");
    let later = comment(&github, repo, 2, READER, "@redgreen plan");
    deliver(&serve, "d-2", later).await;
    let later = eventually(PATIENCE, "the later reply", || async {
        replies(&github, REPO, 2).pop()
    })
    .await;
    assert!(later.contains("`plan`"), "{later}");
    assert_eq!(
        replies(&github, REPO, 1).len(),
        1,
        "one reply per denied delivery"
    );
    assert_eq!(serve.api("runs").await["runs"], serde_json::json!([]));
    // No 👀 for a denied trigger: that acknowledges work.
    assert!(github.reactions().is_empty(), "{:?}", github.reactions());
    serve.stop().await;
    github.assert_no_violations();
}

#[tokio::test]
async fn a_reply_task_worked_twice_posts_once() {
    let github = GitHubStandIn::start().await;
    github.add_installation(INSTALLATION, "octo");
    github.add_repository(INSTALLATION, REPO, "main", None);
    github.add_issue(REPO, 3, "Typo", "", READER);
    let client = GitHubClient::new(
        GitHubConfig::new(
            &github.api_url(),
            github.app_id().to_string(),
            SecretString::from(github.app_private_key_pem()),
        )
        .unwrap(),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = connect(&sqlite_url(&dir)).await;
    let reply = DenialReply {
        delivery: "d-7".into(),
        repository: REPO.into(),
        target: Target::Issue(3),
        actor: READER.into(),
        body: "@read-only-rita, redgreen only takes `fix` from people with write access to \
               this repository."
            .into(),
    };
    store
        .enqueue(&NewTask {
            kind: "reply".into(),
            installation: Some(InstallationId(INSTALLATION)),
            payload: serde_json::to_value(&reply).unwrap(),
            ..new_task(5)
        })
        .await
        .unwrap();
    let task = store.lease("w", 60_000, now()).await.unwrap().unwrap();
    let driver = TaskRouter::new(store.clone(), super::support::NoPhases).with_github(client);
    // The second time stands for the same task re-run after a crash before it completed.
    driver.handle(&task).await.unwrap();
    driver.handle(&task).await.unwrap();
    let posted = replies(&github, REPO, 3);
    assert_eq!(posted.len(), 1, "{posted:?}");
    assert!(posted[0].contains("delivery=d-7"), "{posted:?}");
    github.assert_no_violations();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_repository_config_sets_who_may_trigger_and_an_invalid_one_keeps_write() {
    const LENIENT: &str = "octo/lenient";
    const BROKEN: &str = "octo/broken";
    const TRIAGER: &str = "tina-triage";
    let github = GitHubStandIn::start().await;
    github.add_installation(INSTALLATION, "octo");
    let mut ids = Vec::new();
    for (repo, config) in [
        (LENIENT, "# who may ask\ntrigger_min_permission: triage\n"),
        (BROKEN, "trigger_min_permission: everyone\n"),
    ] {
        ids.push(github.add_repository(INSTALLATION, repo, "main", None));
        github.add_file(repo, "main", ".github/redgreen.yml", config);
        github.set_permission(repo, TRIAGER, "triage");
        github.add_issue(repo, 1, "Bug", "", TRIAGER);
    }
    let (lenient, broken) = ((LENIENT, ids[0]), (BROKEN, ids[1]));
    let serve = ServeProcess::start(&github).await;

    let body = comment(&github, lenient, 1, TRIAGER, "@redgreen fix it");
    let answer = deliver(&serve, "l-1", body).await;
    assert_eq!(answer["outcome"], "accepted", "{answer}");
    let body = comment(&github, broken, 1, TRIAGER, "@redgreen fix it");
    let answer = deliver(&serve, "b-1", body).await;
    assert_eq!(answer["outcome"], "denied", "{answer}");
    let reply = eventually(PATIENCE, "the reply", || async {
        replies(&github, BROKEN, 1).pop()
    })
    .await;
    assert!(reply.contains("with write access"), "{reply}");

    // The config is read once per repository while cached.
    let body = comment(&github, lenient, 1, TRIAGER, "@redgreen plan");
    let answer = deliver(&serve, "l-2", body).await;
    assert_eq!(answer["outcome"], "accepted", "{answer}");
    let reads = github
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET" && r.path.contains("/contents/"))
        .count();
    assert_eq!(reads, 2, "one read per repository");
    let logs = serve.stop().await;
    assert!(
        logs.contains("the repository config is invalid"),
        "the invalid file is logged: {logs}"
    );
    github.assert_no_violations();
}
