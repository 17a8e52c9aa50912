//! The testkit's git remote itself, driven by the plain git CLI: token auth with a Basic
//! challenge, and the hook that refuses refs outside `refs/heads/redgreen/`.

use std::path::Path;
use std::process::{Command, Output};

use crate::fixture::{Fixture, LIVE_TOKEN};

/// Runs the git CLI isolated from the host's configuration, never prompting.
fn git(dir: &Path, args: &[&str]) -> Output {
    Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_AUTHOR_NAME", "Cli User")
        .env("GIT_AUTHOR_EMAIL", "cli@example.test")
        .env("GIT_COMMITTER_NAME", "Cli User")
        .env("GIT_COMMITTER_EMAIL", "cli@example.test")
        .output()
        .unwrap()
}

fn with_token(url: &str, token: &str) -> String {
    url.replacen("http://", &format!("http://x-access-token:{token}@"), 1)
}

#[test]
fn the_hook_refuses_main_but_accepts_redgreen_branches_pushed_by_git() {
    let fixture = Fixture::new();
    let (url, first) = fixture.remote.create_repo("octo/cli", &[("a.txt", "a\n")]);
    let work = tempfile::tempdir().unwrap();
    let clone = git(
        work.path(),
        &["clone", "--quiet", &with_token(&url, LIVE_TOKEN), "c"],
    );
    assert!(
        clone.status.success(),
        "{}",
        String::from_utf8_lossy(&clone.stderr)
    );
    let checkout = work.path().join("c");
    std::fs::write(checkout.join("b.txt"), "b\n").unwrap();
    assert!(git(&checkout, &["add", "b.txt"]).status.success());
    assert!(
        git(&checkout, &["commit", "--quiet", "-m", "B"])
            .status
            .success()
    );

    let to_main = git(&checkout, &["push", "origin", "HEAD:refs/heads/main"]);
    let stderr = String::from_utf8_lossy(&to_main.stderr);
    assert!(!to_main.status.success());
    assert!(stderr.contains("pre-receive hook declined"), "{stderr}");
    assert!(stderr.contains("only refs/heads/redgreen/"), "{stderr}");
    assert_eq!(
        fixture.remote.ref_target("octo/cli", "refs/heads/main"),
        Some(first)
    );

    let to_tag = git(&checkout, &["push", "origin", "HEAD:refs/tags/v1"]);
    assert!(!to_tag.status.success());
    assert!(
        fixture
            .remote
            .ref_target("octo/cli", "refs/tags/v1")
            .is_none()
    );

    let to_redgreen = git(
        &checkout,
        &["push", "origin", "HEAD:refs/heads/redgreen/cli"],
    );
    assert!(
        to_redgreen.status.success(),
        "{}",
        String::from_utf8_lossy(&to_redgreen.stderr)
    );
    let head = String::from_utf8(git(&checkout, &["rev-parse", "HEAD"]).stdout).unwrap();
    assert_eq!(
        fixture
            .remote
            .ref_target("octo/cli", "refs/heads/redgreen/cli"),
        Some(head.trim().to_owned())
    );

    // History on the remote is never rewritten, not even in the namespace.
    assert!(
        git(&checkout, &["reset", "--quiet", "--hard", "HEAD~1"])
            .status
            .success()
    );
    std::fs::write(checkout.join("c.txt"), "c\n").unwrap();
    assert!(git(&checkout, &["add", "c.txt"]).status.success());
    assert!(
        git(&checkout, &["commit", "--quiet", "-m", "C"])
            .status
            .success()
    );
    let forced = git(
        &checkout,
        &["push", "--force", "origin", "HEAD:refs/heads/redgreen/cli"],
    );
    assert!(!forced.status.success());
    let deleted = git(&checkout, &["push", "origin", ":refs/heads/redgreen/cli"]);
    assert!(!deleted.status.success());
    assert_eq!(
        fixture
            .remote
            .ref_target("octo/cli", "refs/heads/redgreen/cli"),
        Some(head.trim().to_owned())
    );
}

#[test]
fn requests_without_a_live_token_get_a_basic_challenge() {
    let fixture = Fixture::new();
    let (url, _) = fixture
        .remote
        .create_repo("octo/locked", &[("a.txt", "a\n")]);
    let work = tempfile::tempdir().unwrap();

    let anonymous = git(work.path(), &["ls-remote", &url]);
    assert!(!anonymous.status.success());
    let wrong = git(
        work.path(),
        &["ls-remote", &with_token(&url, "ghs_NotALiveToken")],
    );
    assert!(!wrong.status.success());
    let live = git(work.path(), &["ls-remote", &with_token(&url, LIVE_TOKEN)]);
    assert!(
        live.status.success(),
        "{}",
        String::from_utf8_lossy(&live.stderr)
    );
    assert!(String::from_utf8_lossy(&live.stdout).contains("refs/heads/main"));

    let requests = fixture.remote.requests();
    let refused: Vec<_> = requests
        .iter()
        .filter(|request| request.status == 401)
        .collect();
    assert!(refused.len() >= 2, "{requests:?}");
    assert!(refused.iter().all(|request| !request.authenticated));
    assert!(
        requests
            .iter()
            .any(|request| request.authenticated && request.status == 200)
    );
    assert!(
        requests
            .iter()
            .all(|request| request.repository.as_deref() == Some("octo/locked"))
    );
}

#[test]
fn an_unknown_repository_is_404_even_with_a_live_token() {
    let fixture = Fixture::new();
    let work = tempfile::tempdir().unwrap();
    let url = fixture.remote.clone_url("octo/missing");
    let listed = git(work.path(), &["ls-remote", &with_token(&url, LIVE_TOKEN)]);
    assert!(!listed.status.success());
    assert!(
        fixture
            .remote
            .requests()
            .iter()
            .any(|request| request.status == 404)
    );
}
