//! The token never lands on disk: not in `.git/config`, `FETCH_HEAD`, reflogs or anything
//! else under the cache or a workspace, after fetches, pushes and failures.

use redgreen_core::refs::WritableRef;
use secrecy::SecretString;

use crate::fixture::{Fixture, LIVE_TOKEN, files_under};

#[test]
fn no_file_under_the_cache_or_the_workspace_holds_a_token() {
    let fixture = Fixture::new();
    let (full_name, _, workspace) = fixture.repo_and_workspace("no-leak");
    let newer = fixture
        .remote
        .commit(&full_name, "main", &[("b.txt", "b\n")], "B");
    let second = fixture
        .cache
        .checkout(
            &fixture.remote.clone_url(&full_name),
            &newer,
            &fixture.token(),
            &fixture.workspace_dir("second"),
        )
        .unwrap();
    std::fs::write(workspace.path().join("a.txt"), "a\n").unwrap();
    workspace.commit_all("A").unwrap();
    let branch = WritableRef::from_branch("redgreen/2-no-leak").unwrap();
    let stale = "ghs_StaleTokenForLeakCheck55aa66bb77cc88";
    workspace
        .push(&branch, &SecretString::from(stale))
        .unwrap_err();
    workspace.push(&branch, &fixture.token()).unwrap();

    // The workspace's origin is the plain clone URL.
    let repo = git2::Repository::open(workspace.path()).unwrap();
    assert_eq!(
        repo.find_remote("origin").unwrap().url().ok(),
        Some(fixture.remote.clone_url(&full_name).as_str())
    );

    let mut scanned = 0;
    for root in [
        fixture.cache_root(),
        workspace.path().to_path_buf(),
        second.path().to_path_buf(),
    ] {
        for file in files_under(&root) {
            let bytes = std::fs::read(&file).unwrap();
            for token in [LIVE_TOKEN, stale] {
                assert!(
                    !bytes
                        .windows(token.len())
                        .any(|window| window == token.as_bytes()),
                    "{} holds a token",
                    file.display()
                );
            }
            scanned += 1;
        }
    }
    // The scan saw the files that would hold a leaked URL.
    assert!(scanned > 10, "only {scanned} files scanned");
    assert!(
        files_under(&fixture.cache_root())
            .iter()
            .any(|file| file.ends_with("FETCH_HEAD"))
    );
}
