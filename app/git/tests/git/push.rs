//! Pushes from a workspace to `refs/heads/redgreen/*`: created, fast-forwarded, never forced.

use redgreen_core::refs::WritableRef;
use redgreen_git::GitError;
use secrecy::SecretString;

use crate::fixture::Fixture;

#[test]
fn pushes_a_new_redgreen_branch_and_the_remote_has_the_commit() {
    let fixture = Fixture::new();
    let (full_name, first, workspace) = fixture.repo_and_workspace("push-new");
    std::fs::write(workspace.path().join("README.md"), "fixed\n").unwrap();
    let commit = workspace.commit_all("Fix it").unwrap();
    let branch = WritableRef::from_branch("redgreen/12-fix-readme").unwrap();

    workspace.push(&branch, &fixture.token()).unwrap();

    assert_eq!(
        fixture
            .remote
            .ref_target(&full_name, "refs/heads/redgreen/12-fix-readme"),
        Some(commit.to_string())
    );
    // Nothing else moved.
    assert_eq!(
        fixture.remote.ref_target(&full_name, "refs/heads/main"),
        Some(first)
    );
    let pushes = fixture.remote.pushes();
    assert_eq!(pushes.len(), 1);
    assert!(
        pushes[0].authenticated && pushes[0].status == 200,
        "{pushes:?}"
    );
}

#[test]
fn a_follow_up_fast_forwards_the_same_branch() {
    let fixture = Fixture::new();
    let (full_name, _, workspace) = fixture.repo_and_workspace("push-follow-up");
    let branch = WritableRef::from_branch("redgreen/3-follow-up").unwrap();
    std::fs::write(workspace.path().join("one.txt"), "1\n").unwrap();
    let one = workspace.commit_all("One").unwrap();
    workspace.push(&branch, &fixture.token()).unwrap();

    // A later task checks out the branch head and adds one commit on top.
    let follow_up = fixture
        .cache
        .checkout(
            &fixture.remote.clone_url(&full_name),
            &one.to_string(),
            &fixture.token(),
            &fixture.workspace_dir("follow-up"),
        )
        .unwrap();
    std::fs::write(follow_up.path().join("two.txt"), "2\n").unwrap();
    let two = follow_up.commit_all("Two").unwrap();
    follow_up.push(&branch, &fixture.token()).unwrap();

    assert_eq!(
        fixture.remote.ref_target(&full_name, branch.as_str()),
        Some(two.to_string())
    );
    let repo = git2::Repository::open_bare(fixture.remote.repo_path(&full_name)).unwrap();
    assert_eq!(repo.find_commit(two).unwrap().parent_id(0).unwrap(), one);
}

#[test]
fn a_push_that_is_not_a_fast_forward_is_refused() {
    let fixture = Fixture::new();
    let (full_name, first, workspace) = fixture.repo_and_workspace("push-diverged");
    let branch = WritableRef::from_branch("redgreen/5-race").unwrap();
    std::fs::write(workspace.path().join("a.txt"), "a\n").unwrap();
    let pushed = workspace.commit_all("A").unwrap();
    workspace.push(&branch, &fixture.token()).unwrap();

    // Another workspace from the same base, with a different commit: pushing it would
    // rewrite the branch's history.
    let other = fixture
        .cache
        .checkout(
            &fixture.remote.clone_url(&full_name),
            &first,
            &fixture.token(),
            &fixture.workspace_dir("other"),
        )
        .unwrap();
    std::fs::write(other.path().join("b.txt"), "b\n").unwrap();
    other.commit_all("B").unwrap();
    let pushes_before = fixture.remote.pushes().len();
    let error = other.push(&branch, &fixture.token()).unwrap_err();

    assert!(
        matches!(error, GitError::NonFastForward { .. }),
        "{error:?}"
    );
    assert!(!error.is_retryable());
    assert_eq!(
        fixture.remote.ref_target(&full_name, branch.as_str()),
        Some(pushed.to_string())
    );
    assert_eq!(
        fixture.remote.pushes().len(),
        pushes_before,
        "no push data was sent"
    );
}

#[test]
fn a_stale_token_is_unauthorized_and_leaks_nowhere() {
    let fixture = Fixture::new();
    let (full_name, _, workspace) = fixture.repo_and_workspace("push-stale");
    std::fs::write(workspace.path().join("a.txt"), "a\n").unwrap();
    workspace.commit_all("A").unwrap();
    let branch = WritableRef::from_branch("redgreen/9-stale").unwrap();
    let stale = "ghs_ExpiredPushToken0a1b2c3d4e5f60718293";

    let error = workspace
        .push(&branch, &SecretString::from(stale))
        .unwrap_err();

    assert!(matches!(error, GitError::Unauthorized { .. }), "{error:?}");
    assert!(error.needs_new_token());
    assert!(!error.is_retryable());
    assert!(!error.to_string().contains(stale), "{error}");
    assert!(!format!("{error:?}").contains(stale), "{error:?}");
    let config = std::fs::read_to_string(workspace.path().join(".git/config")).unwrap();
    assert!(!config.contains(stale));
    assert!(!config.contains(crate::fixture::LIVE_TOKEN));
    assert!(
        fixture
            .remote
            .ref_target(&full_name, branch.as_str())
            .is_none()
    );
    assert!(fixture.remote.pushes().is_empty());

    // With a fresh token the same push goes through.
    workspace.push(&branch, &fixture.token()).unwrap();
    assert!(
        fixture
            .remote
            .ref_target(&full_name, branch.as_str())
            .is_some()
    );
}

#[test]
fn the_remote_rejecting_an_update_is_an_error() {
    let fixture = Fixture::new();
    let (full_name, _, workspace) = fixture.repo_and_workspace("push-rejected");
    // The server refuses every push to this repository (a branch rule, say).
    let hook = fixture
        .remote
        .repo_path(&full_name)
        .join("hooks/pre-receive");
    std::fs::write(
        &hook,
        "#!/bin/sh\necho 'rule: pushes are frozen' >&2\nexit 1\n",
    )
    .unwrap();
    std::fs::write(workspace.path().join("a.txt"), "a\n").unwrap();
    workspace.commit_all("A").unwrap();
    let branch = WritableRef::from_branch("redgreen/1-frozen").unwrap();

    let error = workspace.push(&branch, &fixture.token()).unwrap_err();

    match &error {
        GitError::PushRejected { reference, reason } => {
            assert_eq!(reference, branch.as_str());
            assert!(reason.contains("hook"), "{reason}");
        }
        other => panic!("expected PushRejected, got {other:?}"),
    }
    assert!(!error.is_retryable());
    assert!(
        fixture
            .remote
            .ref_target(&full_name, branch.as_str())
            .is_none()
    );
}
