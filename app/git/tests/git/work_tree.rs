//! Local work-tree operations: a run's tree rebuilt from its base commit and stored diffs
//! gives the same files and, committed at the same time, the same commit ids.

use redgreen_git::WorkTree;

use crate::fixture::Fixture;

#[test]
fn a_diff_rebuilt_on_a_fresh_tree_gives_the_same_files_and_the_same_commit() {
    let fixture = Fixture::new();
    let (_, first, workspace) = fixture.repo_and_workspace("rebuild");
    let tree = WorkTree::open(workspace.path()).unwrap();
    let root = tree.path().to_path_buf();
    std::fs::write(root.join("src/lib.rs"), "pub fn answer() -> u32 { 42 }\n").unwrap();
    std::fs::create_dir_all(root.join("tests")).unwrap();
    std::fs::write(root.join("tests/answer.rs"), "#[test] fn t() {}\n").unwrap();
    std::fs::remove_file(root.join("README.md")).unwrap();

    let diff = tree.diff_to_head().unwrap();
    assert!(diff.contains("+pub fn answer() -> u32 { 42 }"), "{diff}");
    assert!(
        diff.contains("tests/answer.rs"),
        "new files are in the diff: {diff}"
    );
    let committed = tree
        .commit_all_at("Fix the answer", &fixture.identity, 1_700_000_000)
        .unwrap();

    // Another tree at the base commit of the same repository, as a resumed run would make
    // it elsewhere.
    let url = fixture.remote.clone_url("octo/rebuild");
    let elsewhere = fixture.workspace_dir("rebuild-elsewhere");
    fixture
        .cache
        .checkout(&url, &first, &fixture.token(), &elsewhere)
        .unwrap();
    let other = WorkTree::open(&elsewhere).unwrap();
    assert_eq!(other.head().unwrap().to_string(), first);
    other.apply(&diff).unwrap();
    assert_eq!(
        std::fs::read_to_string(other.path().join("src/lib.rs")).unwrap(),
        "pub fn answer() -> u32 { 42 }\n"
    );
    assert!(!other.path().join("README.md").exists());
    let again = other
        .commit_all_at("Fix the answer", &fixture.identity, 1_700_000_000)
        .unwrap();
    assert_eq!(
        again, committed,
        "same parent, tree, identity and time: same commit"
    );
    // A different time is a different commit: the time is really used.
    tree.reset_to(first.parse().unwrap()).unwrap();
    tree.apply(&diff).unwrap();
    let later = tree
        .commit_all_at("Fix the answer", &fixture.identity, 1_700_000_001)
        .unwrap();
    assert_ne!(later, committed);
}

#[test]
fn reset_removes_changes_untracked_and_ignored_files() {
    let fixture = Fixture::new();
    let (_, first, workspace) = fixture.repo_and_workspace("reset");
    let tree = WorkTree::open(workspace.path()).unwrap();
    let root = tree.path().to_path_buf();
    std::fs::write(root.join(".gitignore"), "build/\n").unwrap();
    std::fs::create_dir_all(root.join("build")).unwrap();
    std::fs::write(root.join("build/out.o"), "junk").unwrap();
    std::fs::write(root.join("src/lib.rs"), "broken").unwrap();
    std::fs::write(root.join("stray.txt"), "left by a test run").unwrap();

    tree.reset_to(first.parse().unwrap()).unwrap();
    assert_eq!(
        std::fs::read_to_string(root.join("src/lib.rs")).unwrap(),
        "pub fn answer() -> u32 { 41 }\n"
    );
    assert!(!root.join("stray.txt").exists());
    assert!(!root.join("build/out.o").exists());
    assert!(!root.join(".gitignore").exists());
    assert_eq!(tree.diff_to_head().unwrap(), "");
}

#[test]
fn an_empty_diff_applies_as_nothing_and_a_foreign_one_is_refused() {
    let fixture = Fixture::new();
    let (_, _, workspace) = fixture.repo_and_workspace("apply");
    let tree = WorkTree::open(workspace.path()).unwrap();
    tree.apply("").unwrap();
    let foreign =
        "diff --git a/nope.rs b/nope.rs\n--- a/nope.rs\n+++ b/nope.rs\n@@ -1 +1 @@\n-x\n+y\n";
    assert!(tree.apply(foreign).is_err());
}

#[test]
fn a_diff_of_named_paths_leaves_out_what_else_changed() {
    let fixture = Fixture::new();
    let (_, _, workspace) = fixture.repo_and_workspace("paths");
    let tree = WorkTree::open(workspace.path()).unwrap();
    let root = tree.path().to_path_buf();
    std::fs::write(root.join("src/lib.rs"), "pub fn answer() -> u32 { 42 }\n").unwrap();
    std::fs::create_dir_all(root.join("__pycache__")).unwrap();
    std::fs::write(root.join("__pycache__/x.pyc"), "cache").unwrap();
    let diff = tree.diff_paths_to_head(&["src/lib.rs"]).unwrap();
    assert!(diff.contains("+pub fn answer() -> u32 { 42 }"), "{diff}");
    assert!(!diff.contains("pycache"), "{diff}");
    assert!(tree.diff_to_head().unwrap().contains("pycache"));
    assert_eq!(tree.diff_paths_to_head::<&str>(&[]).unwrap(), "");
}

#[test]
fn the_changed_lines_are_the_hunks_on_the_head_side() {
    let fixture = Fixture::new();
    let (_, first, workspace) = fixture.repo_and_workspace("changed-lines");
    let tree = WorkTree::open(workspace.path()).unwrap();
    let root = tree.path().to_path_buf();
    std::fs::write(
        root.join("src/lib.rs"),
        "pub fn answer() -> u32 { 42 }\n\npub fn question() -> &'static str {\n    \"?\"\n}\n",
    )
    .unwrap();
    std::fs::write(root.join("NEW.md"), "one\ntwo\n").unwrap();
    std::fs::remove_file(root.join("README.md")).unwrap();
    tree.commit_all_at("Change", &fixture.identity, 1_700_000_000)
        .unwrap();

    let mut changed = tree.changed_lines_since(first.parse().unwrap()).unwrap();
    changed.sort();
    assert_eq!(
        changed,
        [("NEW.md".to_owned(), 1, 2), ("src/lib.rs".to_owned(), 1, 5),],
        "the deleted README has no lines on HEAD's side"
    );
}

#[test]
fn read_at_gives_a_file_as_the_commit_has_it_whatever_the_tree_says() {
    let fixture = Fixture::new();
    let (_, first, workspace) = fixture.repo_and_workspace("read-at");
    let tree = WorkTree::open(workspace.path()).unwrap();
    let base = first.parse().unwrap();
    std::fs::write(tree.path().join("src/lib.rs"), "changed since").unwrap();
    assert_eq!(
        tree.read_at(base, "src/lib.rs").unwrap().as_deref(),
        Some(&b"pub fn answer() -> u32 { 41 }\n"[..])
    );
    std::fs::write(tree.path().join("new.txt"), "not committed").unwrap();
    assert_eq!(tree.read_at(base, "new.txt").unwrap(), None);
    assert_eq!(tree.read_at(base, "no/such/dir/file").unwrap(), None);
    // A directory is not a file.
    assert_eq!(tree.read_at(base, "src").unwrap(), None);
}

#[test]
fn what_setup_adds_is_excluded_and_a_changed_tracked_file_is_reported() {
    let fixture = Fixture::new();
    let (_, first, workspace) = fixture.repo_and_workspace("setup-products");
    let tree = WorkTree::open(workspace.path()).unwrap();
    let root = tree.path().to_path_buf();
    assert_eq!(tree.changed_tracked_paths().unwrap(), Vec::<String>::new());
    std::fs::create_dir_all(root.join(".venv/lib")).unwrap();
    std::fs::write(root.join(".venv/lib/site.py"), "installed").unwrap();
    std::fs::write(root.join("odd [name]*.txt"), "generated").unwrap();

    assert_eq!(
        tree.exclude_untracked().unwrap(),
        [".venv/", "odd [name]*.txt"]
    );
    assert_eq!(
        tree.diff_to_head().unwrap(),
        "",
        "excluded paths are in no diff"
    );
    // A second pass adds nothing twice, and a new file is still seen.
    std::fs::write(root.join("model_wrote.py"), "x = 1\n").unwrap();
    assert_eq!(tree.exclude_untracked().unwrap(), ["model_wrote.py"]);
    let exclude = std::fs::read_to_string(root.join(".git/info/exclude")).unwrap_or_default();
    assert_eq!(
        exclude.lines().filter(|line| *line == "/.venv/").count(),
        1,
        "{exclude}"
    );
    assert!(exclude.contains("/odd\\ \\[name\\]\\*.txt"), "{exclude}");

    std::fs::write(root.join("src/lib.rs"), "changed by setup").unwrap();
    std::fs::remove_file(root.join("README.md")).unwrap();
    assert_eq!(
        tree.changed_tracked_paths().unwrap(),
        ["README.md", "src/lib.rs"]
    );
    // A reset removes what setup added; the exclusions stay for the next setup.
    tree.reset_to(first.parse().unwrap()).unwrap();
    assert!(!root.join(".venv").exists());
}

/// A directory of files outside the work tree, standing for the host's own files.
fn victim_dir() -> tempfile::TempDir {
    let victim = tempfile::tempdir().unwrap();
    std::fs::write(victim.path().join("keep.txt"), "the host's file\n").unwrap();
    victim
}

fn assert_victim_untouched(victim: &std::path::Path) {
    let names: Vec<String> = std::fs::read_dir(victim)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        vec!["keep.txt"],
        "files were written outside the tree"
    );
    assert_eq!(
        std::fs::read_to_string(victim.join("keep.txt")).unwrap(),
        "the host's file\n"
    );
}

#[test]
fn a_reset_does_not_write_through_a_symlink_that_replaced_a_tracked_directory() {
    let fixture = Fixture::new();
    let (_, first, workspace) = fixture.repo_and_workspace("symlinked-dir");
    let tree = WorkTree::open(workspace.path()).unwrap();
    let victim = victim_dir();
    let src = tree.path().join("src");
    std::fs::remove_dir_all(&src).unwrap();
    std::os::unix::fs::symlink(victim.path(), &src).unwrap();

    tree.reset_to(first.parse().unwrap()).unwrap();

    assert_victim_untouched(victim.path());
    assert!(std::fs::symlink_metadata(&src).unwrap().is_dir());
    assert!(src.join("lib.rs").is_file());
}

#[test]
fn applying_a_diff_does_not_write_through_a_symlink_that_replaced_a_tracked_directory() {
    let fixture = Fixture::new();
    let (_, _, workspace) = fixture.repo_and_workspace("symlinked-apply");
    let tree = WorkTree::open(workspace.path()).unwrap();
    std::fs::write(tree.path().join("src/lib.rs"), "pub fn changed() {}\n").unwrap();
    let diff = tree.diff_to_head().unwrap();
    let victim = victim_dir();
    std::fs::write(victim.path().join("lib.rs"), "the host's lib.rs\n").unwrap();
    let src = tree.path().join("src");
    std::fs::remove_dir_all(&src).unwrap();
    std::os::unix::fs::symlink(victim.path(), &src).unwrap();

    let _ = tree.apply(&diff);

    assert_eq!(
        std::fs::read_to_string(victim.path().join("lib.rs")).unwrap(),
        "the host's lib.rs\n"
    );
}

#[test]
fn a_reset_does_not_write_through_a_symlink_that_replaced_a_tracked_file() {
    let fixture = Fixture::new();
    let (_, first, workspace) = fixture.repo_and_workspace("symlinked-file");
    let tree = WorkTree::open(workspace.path()).unwrap();
    let victim = victim_dir();
    let lib = tree.path().join("src/lib.rs");
    std::fs::remove_file(&lib).unwrap();
    std::os::unix::fs::symlink(victim.path().join("keep.txt"), &lib).unwrap();

    tree.reset_to(first.parse().unwrap()).unwrap();

    assert_victim_untouched(victim.path());
    assert!(std::fs::symlink_metadata(&lib).unwrap().is_file());
}
