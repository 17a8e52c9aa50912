//! The push guard, exercised through the lower-level `push_refspecs` with hand-made
//! refspecs: whatever is asked, only a fast-forward of the one target branch may leave, and a
//! refused update is stopped before any push data is sent.

use redgreen_core::refs::{RefRefused, WritableRef};
use redgreen_git::{CloneUrl, GitError, push_refspecs};

use crate::fixture::Fixture;

/// A workspace with one new commit on a local `refs/heads/redgreen/work` branch, opened as a
/// raw git2 repository.
fn prepared(fixture: &Fixture, name: &str) -> (String, CloneUrl, git2::Repository) {
    let (full_name, _, workspace) = fixture.repo_and_workspace(name);
    std::fs::write(workspace.path().join("a.txt"), "a\n").unwrap();
    let commit = workspace.commit_all("A").unwrap();
    let repo = git2::Repository::open(workspace.path()).unwrap();
    repo.reference("refs/heads/redgreen/work", commit, true, "test")
        .unwrap();
    let url = workspace.clone_url().clone();
    (full_name, url, repo)
}

#[test]
fn a_refspec_to_main_is_refused_before_any_push_data_is_sent() {
    let fixture = Fixture::new();
    let (full_name, url, repo) = prepared(&fixture, "guard-main");
    let main_before = fixture.remote.ref_target(&full_name, "refs/heads/main");
    let target = WritableRef::from_branch("redgreen/work").unwrap();

    let error = push_refspecs(
        &repo,
        &url,
        &target,
        &["refs/heads/redgreen/work:refs/heads/main"],
        &fixture.token(),
    )
    .unwrap_err();

    assert!(
        matches!(error, GitError::RefRefused(RefRefused::OutsideNamespace { ref name }) if name == "refs/heads/main"),
        "{error:?}"
    );
    assert!(!error.is_retryable());
    assert!(
        fixture.remote.pushes().is_empty(),
        "{:?}",
        fixture.remote.requests()
    );
    assert_eq!(
        fixture.remote.ref_target(&full_name, "refs/heads/main"),
        main_before
    );
}

#[test]
fn a_redgreen_ref_other_than_the_target_is_refused() {
    let fixture = Fixture::new();
    let (full_name, url, repo) = prepared(&fixture, "guard-other");
    let target = WritableRef::from_branch("redgreen/work").unwrap();

    let error = push_refspecs(
        &repo,
        &url,
        &target,
        &[
            "refs/heads/redgreen/work:refs/heads/redgreen/work",
            "refs/heads/redgreen/work:refs/heads/redgreen/someone-elses",
        ],
        &fixture.token(),
    )
    .unwrap_err();

    assert!(matches!(error, GitError::UnexpectedRef { .. }), "{error:?}");
    assert!(fixture.remote.pushes().is_empty());
    // All or nothing: not even the allowed update went through.
    assert!(
        fixture
            .remote
            .ref_target(&full_name, target.as_str())
            .is_none()
    );
}

#[test]
fn deleting_and_forcing_are_refused() {
    let fixture = Fixture::new();
    let (full_name, url, repo) = prepared(&fixture, "guard-delete");
    let target = WritableRef::from_branch("redgreen/work").unwrap();
    push_refspecs(
        &repo,
        &url,
        &target,
        &["refs/heads/redgreen/work:refs/heads/redgreen/work"],
        &fixture.token(),
    )
    .unwrap();
    let pushed = fixture.remote.ref_target(&full_name, target.as_str());
    assert!(pushed.is_some());
    let pushes_before = fixture.remote.pushes().len();

    let deleted = push_refspecs(
        &repo,
        &url,
        &target,
        &[":refs/heads/redgreen/work"],
        &fixture.token(),
    )
    .unwrap_err();
    assert!(
        matches!(deleted, GitError::DeleteRefused { .. }),
        "{deleted:?}"
    );

    let forced = push_refspecs(
        &repo,
        &url,
        &target,
        &["+refs/heads/redgreen/work:refs/heads/redgreen/work"],
        &fixture.token(),
    )
    .unwrap_err();
    assert!(
        matches!(forced, GitError::ForceRefused { .. }),
        "{forced:?}"
    );

    assert_eq!(fixture.remote.pushes().len(), pushes_before);
    assert_eq!(
        fixture.remote.ref_target(&full_name, target.as_str()),
        pushed
    );
}

#[test]
fn a_push_url_rewritten_by_the_workspace_configuration_is_refused() {
    let fixture = Fixture::new();
    let (full_name, _, workspace) = fixture.repo_and_workspace("guard-insteadof");
    std::fs::write(workspace.path().join("a.txt"), "a\n").unwrap();
    workspace.commit_all("A").unwrap();
    // Code in the sandbox can edit .git/config: an insteadOf rule would send the push, and
    // the token, to another host.
    let decoy = Fixture::new();
    let repo = git2::Repository::open(workspace.path()).unwrap();
    repo.config()
        .unwrap()
        .set_str(
            &format!("url.{}/.insteadOf", decoy.remote.base_url()),
            &format!("{}/", fixture.remote.base_url()),
        )
        .unwrap();
    let branch = WritableRef::from_branch("redgreen/8-insteadof").unwrap();

    let error = workspace.push(&branch, &fixture.token()).unwrap_err();

    assert!(matches!(error, GitError::InvalidUrl { .. }), "{error:?}");
    assert!(
        decoy.remote.requests().is_empty(),
        "{:?}",
        decoy.remote.requests()
    );
    assert!(
        fixture
            .remote
            .ref_target(&full_name, branch.as_str())
            .is_none()
    );
}
