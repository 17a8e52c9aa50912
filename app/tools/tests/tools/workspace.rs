//! The workspace: repository-relative paths only, no `..`, no symbolic links anywhere on the
//! way, writes inside the write scope only.

use std::os::unix::fs::symlink;

use redgreen_tools::{ToolError, Workspace, WriteScope};

use crate::support::repo_with;

#[test]
fn paths_are_normalized_and_escapes_refused() {
    assert_eq!(Workspace::normalize("./src//lib.rs").unwrap(), "src/lib.rs");
    for bad in [
        "/etc/passwd",
        "../outside",
        "src/../../x",
        "",
        ".",
        "C:\\x",
        "a\0b",
    ] {
        assert!(
            matches!(
                Workspace::normalize(bad),
                Err(ToolError::PathRefused { .. })
            ),
            "{bad:?} should be refused"
        );
    }
    let message = Workspace::normalize("src/../../x").unwrap_err().to_string();
    assert!(message.contains("`..`"), "{message}");
}

#[test]
fn symlinks_are_refused_for_reads_and_writes() {
    let outside = repo_with(&[("secret.txt", "token")]);
    let repo = repo_with(&[("src/a.py", "x = 1\n")]);
    symlink(outside.path(), repo.path().join("linked_dir")).unwrap();
    symlink(
        outside.path().join("secret.txt"),
        repo.path().join("src/link.txt"),
    )
    .unwrap();
    let workspace = Workspace::open(repo.path(), WriteScope::default()).unwrap();

    let through_dir = workspace.read("linked_dir/secret.txt").unwrap_err();
    assert!(
        matches!(through_dir, ToolError::PathRefused { .. }),
        "{through_dir}"
    );
    assert!(
        through_dir
            .to_string()
            .contains("`linked_dir` is a symbolic link"),
        "{through_dir}"
    );
    assert!(matches!(
        workspace.read("src/link.txt"),
        Err(ToolError::PathRefused { .. })
    ));
    assert!(matches!(
        workspace.write("src/link.txt", b"overwritten"),
        Err(ToolError::PathRefused { .. })
    ));
    assert!(matches!(
        workspace.write("linked_dir/new.txt", b"x"),
        Err(ToolError::PathRefused { .. })
    ));
    // Nothing leaked out.
    assert_eq!(
        std::fs::read_to_string(outside.path().join("secret.txt")).unwrap(),
        "token"
    );
    assert!(!outside.path().join("new.txt").exists());
}

#[test]
fn writes_create_directories_inside_the_repository() {
    let repo = repo_with(&[]);
    let workspace = Workspace::open(repo.path(), WriteScope::default()).unwrap();
    assert_eq!(
        workspace.write("tests/unit/test_new.py", b"ok\n").unwrap(),
        "tests/unit/test_new.py"
    );
    assert_eq!(
        std::fs::read(repo.path().join("tests/unit/test_new.py")).unwrap(),
        b"ok\n"
    );
    assert_eq!(
        workspace.read("tests/unit/test_new.py").unwrap().unwrap(),
        b"ok\n"
    );
    assert_eq!(workspace.read("missing.py").unwrap(), None);
}

#[test]
fn the_default_scope_denies_workflows_codeowners_and_git() {
    let repo = repo_with(&[]);
    let workspace = Workspace::open(repo.path(), WriteScope::default()).unwrap();
    for denied in [
        ".github/workflows/ci.yml",
        "CODEOWNERS",
        ".git/config",
        "vendor/x/.git/HEAD",
    ] {
        let error = workspace.write(denied, b"x").unwrap_err();
        assert!(
            matches!(error, ToolError::WriteRefused { .. }),
            "{denied}: {error}"
        );
        assert!(!repo.path().join(denied).exists());
    }
    let message = workspace
        .write(".github/workflows/ci.yml", b"x")
        .unwrap_err()
        .to_string();
    assert!(message.contains(".github/workflows/**"), "{message}");
    assert!(workspace.check_writable("src/app.py").is_ok());
}

#[test]
fn a_configured_scope_allows_only_its_globs_and_keeps_git_denied() {
    let repo = repo_with(&[]);
    let scope = WriteScope::new(
        vec!["src/**".into(), "tests/*.py".into()],
        vec!["src/generated/**".into()],
    );
    let workspace = Workspace::open(repo.path(), scope).unwrap();
    assert!(workspace.check_writable("src/deep/a.py").is_ok());
    assert!(workspace.check_writable("tests/test_a.py").is_ok());
    // `*` does not cross directories.
    assert!(workspace.check_writable("tests/unit/test_a.py").is_err());
    assert!(workspace.check_writable("README.md").is_err());
    assert!(workspace.check_writable("src/generated/x.py").is_err());
    // An explicit deny list replaces the defaults, but `.git` stays denied.
    assert!(
        workspace.check_writable("CODEOWNERS").is_err(),
        "outside allow"
    );
    let open = Workspace::open(
        repo.path(),
        WriteScope::new(vec!["**".into()], vec!["docs/**".into()]),
    )
    .unwrap();
    assert!(open.check_writable(".github/workflows/ci.yml").is_ok());
    assert!(open.check_writable(".git/hooks/pre-commit").is_err());
    // Empty lists keep the defaults.
    assert_eq!(WriteScope::new(vec![], vec![]), WriteScope::default());
}

#[test]
fn an_invalid_glob_is_reported_with_its_pattern() {
    let repo = repo_with(&[]);
    let error =
        Workspace::open(repo.path(), WriteScope::new(vec!["src/[".into()], vec![])).unwrap_err();
    assert!(matches!(error, ToolError::InvalidGlob { .. }));
    assert!(error.to_string().contains("src/["), "{error}");
}
