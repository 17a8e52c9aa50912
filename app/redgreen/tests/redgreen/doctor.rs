//! The branch-protection doctor as redgreen runs it: on an installation change (the
//! `installation` task) and as `redgreen doctor`. One issue per repository and branch, kept
//! in the store, never a second one; none for a protected branch. Against the GitHub
//! stand-in over real HTTP.

use std::process::{Command, Output};

use redgreen::runtime::task_router::TaskRouter;
use redgreen::runtime::worker_pool::TaskHandler;
use redgreen_core::InstallationId;
use redgreen_core::webhook::InstallationChange;
use redgreen_github::{GitHubClient, GitHubConfig};
use redgreen_store::{NewTask, Store};
use redgreen_testkit::GitHubStandIn;
use secrecy::SecretString;
use serde_json::Value;

use super::support::{connect, new_task, now, sqlite_url};

const INSTALLATION: i64 = 31;
const OPEN: &str = "octo/open";
const GUARDED: &str = "octo/guarded";

/// A stand-in with one installation: `octo/open` unprotected, `octo/guarded` protected as
/// GitHub's own example.
async fn stand_in() -> GitHubStandIn {
    let github = GitHubStandIn::start().await;
    github.add_installation(INSTALLATION, "octo");
    github.add_repository(INSTALLATION, OPEN, "main", None);
    github.add_repository(INSTALLATION, GUARDED, "main", None);
    let protection = github.example_branch_protection(GUARDED);
    github.set_branch_protection(GUARDED, "main", Some(protection));
    github
}

/// Enqueues and works one `installation` task adding `added`.
async fn installation_task(
    driver: &TaskRouter<super::support::NoPhases>,
    store: &Store,
    added: &[&str],
) {
    let change = InstallationChange {
        action: "added".into(),
        repositories_added: added.iter().map(|r| (*r).to_owned()).collect(),
        repositories_removed: Vec::new(),
    };
    store
        .enqueue(&NewTask {
            kind: "installation".into(),
            installation: Some(InstallationId(INSTALLATION)),
            payload: serde_json::to_value(&change).unwrap(),
            ..new_task(5)
        })
        .await
        .unwrap();
    let task = store.lease("w", 60_000, now()).await.unwrap().unwrap();
    driver.handle(&task).await.unwrap();
    store.complete(&task.lease, now()).await.unwrap();
}

#[tokio::test]
async fn an_installation_change_opens_one_issue_per_unprotected_repository() {
    let github = stand_in().await;
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
    let driver = TaskRouter::new(store.clone(), super::support::NoPhases).with_github(client);

    installation_task(&driver, &store, &[OPEN, GUARDED]).await;
    let issues = github.issues(OPEN);
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert!(
        issues[0]["title"].as_str().unwrap().contains("`main`"),
        "{issues:?}"
    );
    assert!(github.issues(GUARDED).is_empty());
    let number = issues[0]["number"].as_i64().unwrap();
    assert_eq!(
        store
            .doctor_issue(InstallationId(INSTALLATION), OPEN, "main")
            .await
            .unwrap(),
        Some(number)
    );

    // Removed and added again (or the same event redelivered under a new id): no second.
    installation_task(&driver, &store, &[OPEN]).await;
    assert_eq!(github.issues(OPEN).len(), 1);
    github.assert_no_violations();
}

fn doctor(github: &GitHubStandIn, data_dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_redgreen"))
        .arg("doctor")
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("REDGREEN_DATA_DIR", data_dir)
        .env("REDGREEN_GITHUB_API_URL", github.api_url())
        .env("REDGREEN_GITHUB_APP_ID", github.app_id().to_string())
        .env("REDGREEN_GITHUB_PRIVATE_KEY", github.app_private_key_pem())
        // The data dir does not exist yet: `--open-issue` creates it for its database.
        .current_dir(data_dir.parent().unwrap())
        .output()
        .unwrap()
}

fn report(output: &Output) -> Value {
    let stdout = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("{e}: {stdout}\n{}", String::from_utf8_lossy(&output.stderr)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redgreen_doctor_exits_with_the_verdict_and_opens_the_issue_once() {
    let github = stand_in().await;
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let run = |args: &'static [&'static str]| {
        let github = &github;
        let data_dir = data_dir.clone();
        tokio::task::block_in_place(move || doctor(github, &data_dir, args))
    };

    let checked = run(&["--repo", OPEN, "--json"]);
    assert_eq!(checked.status.code(), Some(1), "{checked:?}");
    let json = report(&checked);
    assert_eq!(json["protected"], false);
    assert_eq!(json["branch"], "main");
    assert!(json["issue"].is_null(), "{json}");
    assert!(
        github.issues(OPEN).is_empty(),
        "no issue without --open-issue"
    );

    let first = report(&run(&["--repo", OPEN, "--json", "--open-issue"]));
    assert_eq!(first["issue"]["outcome"], "opened", "{first}");
    let second = run(&["--repo", OPEN, "--json", "--open-issue"]);
    assert_eq!(second.status.code(), Some(1));
    let second = report(&second);
    assert_eq!(second["issue"]["outcome"], "already_opened", "{second}");
    assert_eq!(second["issue"]["number"], first["issue"]["number"]);
    assert_eq!(github.issues(OPEN).len(), 1);

    let guarded = run(&["--repo", GUARDED, "--open-issue"]);
    assert_eq!(guarded.status.code(), Some(0), "{guarded:?}");
    assert!(
        String::from_utf8_lossy(&guarded.stdout).contains("is protected"),
        "{guarded:?}"
    );
    assert!(github.issues(GUARDED).is_empty());

    let missing = run(&["--repo", "octo/nowhere"]);
    assert_eq!(missing.status.code(), Some(2), "{missing:?}");
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(stderr.contains("not installed on octo/nowhere"), "{stderr}");
    assert!(!stderr.contains("PRIVATE KEY"), "{stderr}");
    // The 404 for the repository without the App is GitHub's answer, not a violation.
    let violations = github.take_violations();
    assert!(violations.is_empty(), "{violations:?}");
}
