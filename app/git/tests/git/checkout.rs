//! Checkouts at an exact commit through the clone cache.

use std::os::unix::fs::MetadataExt;

use redgreen_git::{CloneUrl, GitError};
use secrecy::SecretString;

use crate::fixture::Fixture;

#[test]
fn checks_out_the_exact_commit_not_the_branch_tip() {
    let fixture = Fixture::new();
    let (url, first) = fixture
        .remote
        .create_repo("octo/exact", &[("README.md", "first\n")]);
    let second =
        fixture
            .remote
            .commit("octo/exact", "main", &[("README.md", "second\n")], "Second");
    assert_ne!(first, second);

    let old = fixture
        .cache
        .checkout(
            &url,
            &first,
            &fixture.token(),
            &fixture.workspace_dir("old"),
        )
        .unwrap();
    assert_eq!(old.head().unwrap().to_string(), first);
    assert_eq!(
        std::fs::read_to_string(old.path().join("README.md")).unwrap(),
        "first\n"
    );

    let new = fixture
        .cache
        .checkout(
            &url,
            &second,
            &fixture.token(),
            &fixture.workspace_dir("new"),
        )
        .unwrap();
    assert_eq!(new.head().unwrap().to_string(), second);
    assert_eq!(
        std::fs::read_to_string(new.path().join("README.md")).unwrap(),
        "second\n"
    );

    // Checked out cleanly: nothing staged or modified.
    let repo = git2::Repository::open(old.path()).unwrap();
    assert!(repo.statuses(None).unwrap().is_empty());
    assert!(repo.head_detached().unwrap());
}

#[test]
fn a_later_checkout_fetches_into_the_same_cached_clone() {
    let fixture = Fixture::new();
    let (url, first) = fixture
        .remote
        .create_repo("octo/reuse", &[("a.txt", "a\n")]);
    fixture
        .cache
        .checkout(
            &url,
            &first,
            &fixture.token(),
            &fixture.workspace_dir("one"),
        )
        .unwrap();
    let cache_path = fixture.cache.cache_path(&CloneUrl::parse(&url).unwrap());
    assert!(cache_path.starts_with(fixture.cache_root()));
    let inode = std::fs::metadata(&cache_path).unwrap().ino();
    // A re-clone would replace the directory and lose this file.
    std::fs::write(cache_path.join("marker"), "kept").unwrap();

    let second = fixture
        .remote
        .commit("octo/reuse", "main", &[("b.txt", "b\n")], "Add b");
    let fetches_before = fixture.remote.requests().len();
    let workspace = fixture
        .cache
        .checkout(
            &url,
            &second,
            &fixture.token(),
            &fixture.workspace_dir("two"),
        )
        .unwrap();
    assert!(workspace.path().join("b.txt").exists());
    assert_eq!(std::fs::metadata(&cache_path).unwrap().ino(), inode);
    assert_eq!(
        std::fs::read_to_string(cache_path.join("marker")).unwrap(),
        "kept"
    );
    let fetch_requests: Vec<_> = fixture.remote.requests()[fetches_before..]
        .iter()
        .filter(|request| request.is_upload_pack_post())
        .cloned()
        .collect();
    assert_eq!(fetch_requests.len(), 1, "{fetch_requests:?}");

    // A commit the cache already has needs no request at all.
    let requests_before = fixture.remote.requests().len();
    fixture
        .cache
        .checkout(
            &url,
            &first,
            &fixture.token(),
            &fixture.workspace_dir("three"),
        )
        .unwrap();
    assert_eq!(fixture.remote.requests().len(), requests_before);
}

#[test]
fn two_repositories_never_share_a_cached_clone() {
    let fixture = Fixture::new();
    let (url_a, commit_a) = fixture
        .remote
        .create_repo("octo/alpha", &[("alpha", "a\n")]);
    let (url_b, commit_b) = fixture
        .remote
        .create_repo("other/alpha", &[("beta", "b\n")]);
    let path_a = fixture.cache.cache_path(&CloneUrl::parse(&url_a).unwrap());
    let path_b = fixture.cache.cache_path(&CloneUrl::parse(&url_b).unwrap());
    assert_ne!(path_a, path_b);

    let a = fixture
        .cache
        .checkout(
            &url_a,
            &commit_a,
            &fixture.token(),
            &fixture.workspace_dir("a"),
        )
        .unwrap();
    let b = fixture
        .cache
        .checkout(
            &url_b,
            &commit_b,
            &fixture.token(),
            &fixture.workspace_dir("b"),
        )
        .unwrap();
    assert!(a.path().join("alpha").exists() && !a.path().join("beta").exists());
    assert!(b.path().join("beta").exists() && !b.path().join("alpha").exists());
    // Each cache holds only its own repository's commit.
    let cache_a = git2::Repository::open_bare(&path_a).unwrap();
    assert!(
        cache_a
            .find_commit(git2::Oid::from_str(&commit_b).unwrap())
            .is_err()
    );
}

#[test]
fn a_commit_on_no_branch_is_fetched_by_id() {
    let fixture = Fixture::new();
    let (url, _) = fixture
        .remote
        .create_repo("octo/forked", &[("a.txt", "a\n")]);
    // Like a fork's pull request head: only under refs/pull/, which the mirror does not fetch.
    let head = fixture.remote.commit(
        "octo/forked",
        "contributor",
        &[("a.txt", "patched\n")],
        "Patch",
    );
    fixture
        .remote
        .set_ref("octo/forked", "refs/pull/7/head", &head);
    fixture
        .remote
        .delete_ref("octo/forked", "refs/heads/contributor");

    let workspace = fixture
        .cache
        .checkout(&url, &head, &fixture.token(), &fixture.workspace_dir("pr"))
        .unwrap();
    assert_eq!(workspace.head().unwrap().to_string(), head);
    assert_eq!(
        std::fs::read_to_string(workspace.path().join("a.txt")).unwrap(),
        "patched\n"
    );
}

#[test]
fn an_unknown_commit_is_not_found_and_not_retryable() {
    let fixture = Fixture::new();
    let (url, _) = fixture.remote.create_repo("octo/unknown", &[("a", "a\n")]);
    let missing = "0123456789abcdef0123456789abcdef01234567";
    let error = fixture
        .cache
        .checkout(&url, missing, &fixture.token(), &fixture.workspace_dir("w"))
        .unwrap_err();
    assert!(
        matches!(&error, GitError::CommitNotFound { commit } if commit == missing),
        "{error:?}"
    );
    assert!(!error.is_retryable());
    assert!(!fixture.workspace_dir("w").exists());
}

#[test]
fn an_unknown_repository_is_not_found() {
    let fixture = Fixture::new();
    let url = fixture.remote.clone_url("octo/nothing-here");
    let error = fixture
        .cache
        .checkout(
            &url,
            "0123456789abcdef0123456789abcdef01234567",
            &fixture.token(),
            &fixture.workspace_dir("w"),
        )
        .unwrap_err();
    assert!(
        matches!(error, GitError::RepositoryNotFound { .. }),
        "{error:?}"
    );
    assert!(!error.is_retryable());
}

#[test]
fn an_unreachable_remote_is_retryable() {
    let fixture = Fixture::new();
    // Bind and drop, so nothing listens on the port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let error = fixture
        .cache
        .checkout(
            &format!("http://127.0.0.1:{port}/octo/gone.git"),
            "0123456789abcdef0123456789abcdef01234567",
            &fixture.token(),
            &fixture.workspace_dir("w"),
        )
        .unwrap_err();
    assert!(matches!(error, GitError::Transient { .. }), "{error:?}");
    assert!(error.is_retryable());
}

#[test]
fn refuses_short_ids_and_non_empty_workspaces_before_any_request() {
    let fixture = Fixture::new();
    let (url, first) = fixture.remote.create_repo("octo/strict", &[("a", "a\n")]);
    let error = fixture
        .cache
        .checkout(
            &url,
            &first[..12],
            &fixture.token(),
            &fixture.workspace_dir("short"),
        )
        .unwrap_err();
    assert!(matches!(error, GitError::InvalidCommit { .. }), "{error:?}");

    let occupied = fixture.workspace_dir("occupied");
    std::fs::create_dir_all(&occupied).unwrap();
    std::fs::write(occupied.join("stale.txt"), "left over").unwrap();
    let error = fixture
        .cache
        .checkout(&url, &first, &fixture.token(), &occupied)
        .unwrap_err();
    assert!(
        matches!(error, GitError::WorkspaceNotEmpty { .. }),
        "{error:?}"
    );
    assert!(fixture.remote.requests().is_empty());

    // An existing but empty directory is fine.
    let empty = fixture.workspace_dir("empty");
    std::fs::create_dir_all(&empty).unwrap();
    fixture
        .cache
        .checkout(&url, &first, &fixture.token(), &empty)
        .unwrap();
}

#[test]
fn a_refused_token_is_unauthorized_and_asks_for_a_new_one() {
    let fixture = Fixture::new();
    let (url, first) = fixture.remote.create_repo("octo/private", &[("a", "a\n")]);
    let stale = "ghs_StaleCheckoutToken9d8c7b6a5f4e3d2c1b";
    let error = fixture
        .cache
        .checkout(
            &url,
            &first,
            &SecretString::from(stale),
            &fixture.workspace_dir("w"),
        )
        .unwrap_err();
    assert!(matches!(error, GitError::Unauthorized { .. }), "{error:?}");
    assert!(error.needs_new_token());
    assert!(!error.is_retryable());
    assert!(!error.to_string().contains(stale));
    assert!(!format!("{error:?}").contains(stale));
    // Every request was refused: the remote never served this token.
    let requests = fixture.remote.requests();
    assert!(!requests.is_empty());
    assert!(requests.iter().all(|request| request.status == 401));
}

#[test]
fn concurrent_checkouts_of_one_repository_share_the_cache_safely() {
    let fixture = Fixture::new();
    let (url, first) = fixture.remote.create_repo("octo/busy", &[("a.txt", "a\n")]);
    let second = fixture
        .remote
        .commit("octo/busy", "main", &[("a.txt", "b\n")], "B");
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|n| {
                let (fixture, url) = (&fixture, &url);
                let commit = if n % 2 == 0 { &first } else { &second };
                scope.spawn(move || {
                    let workspace = fixture
                        .cache
                        .checkout(
                            url,
                            commit,
                            &fixture.token(),
                            &fixture.workspace_dir(&format!("w{n}")),
                        )
                        .unwrap();
                    assert_eq!(&workspace.head().unwrap().to_string(), commit);
                })
            })
            .collect();
        for handle in handles {
            handle.join().unwrap();
        }
    });
    let caches: Vec<_> = std::fs::read_dir(fixture.cache_root()).unwrap().collect();
    assert_eq!(caches.len(), 1);
}
