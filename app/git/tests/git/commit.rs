//! Commits in a workspace: everything staged, authored and committed by the bot identity.

use redgreen_git::GitError;

use crate::fixture::Fixture;

#[test]
fn commits_as_the_bot_identity_whatever_git_configuration_says() {
    let fixture = Fixture::new();
    let (_, first, workspace) = fixture.repo_and_workspace("identity");
    // The repository's own configuration names someone else; a commit that consulted any
    // git configuration (this, or the host's global one) would carry that name.
    let repo = git2::Repository::open(workspace.path()).unwrap();
    let mut config = repo.config().unwrap();
    config.set_str("user.name", "Somebody Else").unwrap();
    config
        .set_str("user.email", "somebody@example.invalid")
        .unwrap();

    std::fs::write(workspace.path().join("README.md"), "changed\n").unwrap();
    let oid = workspace.commit_all("Change the README").unwrap();

    let commit = repo.find_commit(oid).unwrap();
    for signature in [commit.author(), commit.committer()] {
        assert_eq!(signature.name().ok(), Some("redgreen[bot]"));
        assert_eq!(
            signature.email().ok(),
            Some("41898282+redgreen[bot]@users.noreply.github.com")
        );
    }
    assert_eq!(fixture.identity.name, "redgreen[bot]");
    assert_eq!(commit.message().ok(), Some("Change the README"));
    assert_eq!(commit.parent_id(0).unwrap().to_string(), first);
    assert_eq!(workspace.head().unwrap(), oid);
}

#[test]
fn stages_new_modified_and_deleted_files_and_honours_gitignore() {
    let fixture = Fixture::new();
    let (_, _, workspace) = fixture.repo_and_workspace("staging");
    let root = workspace.path();
    std::fs::write(root.join(".gitignore"), "target/\n").unwrap();
    std::fs::write(root.join("README.md"), "modified\n").unwrap();
    std::fs::remove_file(root.join("src/lib.rs")).unwrap();
    std::fs::create_dir_all(root.join("tests/deep")).unwrap();
    std::fs::write(root.join("tests/deep/new_test.rs"), "#[test] fn t() {}\n").unwrap();
    std::fs::create_dir_all(root.join("target")).unwrap();
    std::fs::write(root.join("target/build.log"), "ignored\n").unwrap();

    let oid = workspace.commit_all("Stage everything").unwrap();

    let repo = git2::Repository::open(root).unwrap();
    let tree = repo.find_commit(oid).unwrap().tree().unwrap();
    let blob_text = |path: &str| {
        let entry = tree.get_path(std::path::Path::new(path)).unwrap();
        let blob = repo.find_blob(entry.id()).unwrap();
        String::from_utf8(blob.content().to_vec()).unwrap()
    };
    assert_eq!(blob_text("README.md"), "modified\n");
    assert_eq!(blob_text("tests/deep/new_test.rs"), "#[test] fn t() {}\n");
    assert!(tree.get_path(std::path::Path::new("src/lib.rs")).is_err());
    assert!(
        tree.get_path(std::path::Path::new("target/build.log"))
            .is_err()
    );
    // The working tree is clean afterwards (the ignored file aside).
    let statuses = repo
        .statuses(Some(git2::StatusOptions::new().include_ignored(false)))
        .unwrap();
    assert!(statuses.is_empty(), "{} entries left", statuses.len());
}

#[test]
fn nothing_to_commit_is_an_error() {
    let fixture = Fixture::new();
    let (_, first, workspace) = fixture.repo_and_workspace("unchanged");
    let error = workspace.commit_all("Nothing").unwrap_err();
    assert!(matches!(error, GitError::NothingToCommit), "{error:?}");
    assert!(!error.is_retryable());
    assert_eq!(workspace.head().unwrap().to_string(), first);
}
