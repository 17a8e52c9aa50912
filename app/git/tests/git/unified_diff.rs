//! The one diff parser: what `WorkTree::diff_to_head` stores and what `git diff` prints (gold
//! patches), read into files, changes, hunks and line numbers: renames, copies, paths with
//! spaces and ` b/` in them, quoted paths, binary files, new and deleted files.

use std::path::Path;

use redgreen_git::{FileChange, FileDiff, Hunk, HunkLine, LineKind, WorkTree, parse_unified_diff};

fn write(root: &Path, path: &str, bytes: &[u8]) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// A repository at `dir` whose one commit holds `files`, opened as a work tree.
fn repo_with(dir: &Path, files: &[(&str, &[u8])]) -> WorkTree {
    let repo = git2::Repository::init(dir).unwrap();
    for (path, bytes) in files {
        write(dir, path, bytes);
    }
    let mut index = repo.index().unwrap();
    index
        .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
        .unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let signature = git2::Signature::new("t", "t@example.com", &git2::Time::new(0, 0)).unwrap();
    repo.commit(Some("HEAD"), &signature, &signature, "base", &tree, &[])
        .unwrap();
    WorkTree::open(dir).unwrap()
}

fn file<'f>(files: &'f [FileDiff], path: &str) -> &'f FileDiff {
    files
        .iter()
        .find(|file| file.path() == path)
        .unwrap_or_else(|| panic!("{path} in {files:#?}"))
}

/// `(first, last)` of each hunk's new side, `None` for a hunk that only deletes.
fn new_ranges(file: &FileDiff) -> Vec<Option<(u32, u32)>> {
    file.hunks.iter().map(Hunk::new_range).collect()
}

/// A PNG-like header: the NUL bytes make git and libgit2 call it binary.
const BINARY: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01";

const TEN_LINES: &[u8] = b"one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten\n";

const BASE: [(&str, &[u8]); 4] = [
    ("README.md", b"hello\n"),
    ("src/lib.rs", TEN_LINES),
    ("docs/a b/c b/notes.txt", b"first\nsecond\n"),
    ("assets/logo b/old.png", BINARY),
];

/// What a run stores: new, deleted, modified and binary files, several of them with a space
/// and ` b/` in their path, so that the `diff --git` header alone cannot be split. An empty
/// new file and a binary one have no `---`/`+++` lines to fall back on in git's own output.
#[test]
fn diff_to_head_output_is_read_back_file_by_file_and_applies_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let tree = repo_with(dir.path(), &BASE);
    let root = tree.path().to_path_buf();
    std::fs::remove_file(root.join("README.md")).unwrap();
    write(
        &root,
        "src/lib.rs",
        b"one\nTWO\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten\neleven\n",
    );
    write(&root, "docs/a b/c b/notes.txt", b"first\nsecond\nthird\n");
    write(&root, "assets/logo b/old.png", &[BINARY, b"more"].concat());
    write(&root, "new dir b/fresh b/file.py", b"x = 1\ny = 2\n");
    write(&root, "new dir b/empty b/file", b"");
    write(&root, "new dir b/icon b/new.png", BINARY);

    let diff = tree.diff_to_head().unwrap();
    let files = parse_unified_diff(&diff).unwrap();
    assert_eq!(files.len(), 7, "{files:#?}");

    let readme = file(&files, "README.md");
    assert_eq!(readme.change, FileChange::Deleted);
    assert_eq!(
        (readme.old_path.as_deref(), readme.new_path.as_deref()),
        (Some("README.md"), None)
    );
    assert_eq!((readme.added, readme.removed), (0, 1));
    assert_eq!(new_ranges(readme), [None], "nothing of it is left");

    let lib = file(&files, "src/lib.rs");
    assert_eq!(lib.change, FileChange::Modified);
    assert_eq!((lib.added, lib.removed, lib.binary), (2, 1, false));
    assert_eq!(new_ranges(lib), [Some((1, 5)), Some((8, 11))]);
    assert_eq!(
        lib.hunks[1].section, "seven",
        "git names the line above the hunk"
    );

    let notes = file(&files, "docs/a b/c b/notes.txt");
    assert_eq!(notes.change, FileChange::Modified);
    assert_eq!(notes.old_path.as_deref(), Some("docs/a b/c b/notes.txt"));
    assert_eq!(
        notes.paths().collect::<Vec<_>>(),
        ["docs/a b/c b/notes.txt"]
    );
    assert_eq!((notes.added, notes.removed), (1, 0));

    let old_png = file(&files, "assets/logo b/old.png");
    assert_eq!(old_png.change, FileChange::Modified);
    assert!(old_png.binary);
    assert_eq!((old_png.added, old_png.removed), (0, 0));
    assert!(old_png.hunks.is_empty());

    let fresh = file(&files, "new dir b/fresh b/file.py");
    assert_eq!(fresh.change, FileChange::Added);
    assert_eq!(fresh.old_path, None);
    assert_eq!((fresh.added, fresh.removed), (2, 0));
    assert_eq!(new_ranges(fresh), [Some((1, 2))]);

    let empty = file(&files, "new dir b/empty b/file");
    assert_eq!(empty.change, FileChange::Added);
    assert!(empty.hunks.is_empty());

    let new_png = file(&files, "new dir b/icon b/new.png");
    assert_eq!(new_png.change, FileChange::Added);
    assert!(new_png.binary);

    // The same text rebuilds the same files on another tree at the base commit, binary files
    // under ambiguous paths included.
    let elsewhere = tempfile::tempdir().unwrap();
    let other = repo_with(elsewhere.path(), &BASE);
    other.apply(&diff).unwrap();
    for path in [
        "src/lib.rs",
        "docs/a b/c b/notes.txt",
        "assets/logo b/old.png",
        "new dir b/fresh b/file.py",
        "new dir b/empty b/file",
        "new dir b/icon b/new.png",
    ] {
        assert_eq!(
            std::fs::read(other.path().join(path)).unwrap(),
            std::fs::read(root.join(path)).unwrap(),
            "{path}"
        );
    }
    assert!(!other.path().join("README.md").exists());
}

/// `git diff -M -C --find-copies-harder` as git 2.x prints it: a quoted non-ASCII path, a
/// copy, a pure rename and a rename with changes (paths with spaces and ` b/`, which git ends
/// with a tab on the `---`/`+++` lines), a binary file without `--binary`, a mode change.
const GIT_DIFF: &str = "diff --git \"a/caf\\303\\251.txt\" \"b/caf\\303\\251.txt\"
index 04ec35a..20a747d 100644
--- \"a/caf\\303\\251.txt\"
+++ \"b/caf\\303\\251.txt\"
@@ -1,3 +1,3 @@
 x
-y
+Y
 z
diff --git a/src.py b/copy b/src.py
similarity index 100%
copy from src.py
copy to copy b/src.py
diff --git a/keep b/it.txt b/moved b/it.txt
similarity index 100%
rename from keep b/it.txt
rename to moved b/it.txt
diff --git a/old name.py b/new b/name.py
similarity index 83%
rename from old name.py
rename to new b/name.py
index 0fdf397..72ce94f 100644
--- a/old name.py\t
+++ b/new b/name.py\t
@@ -1,6 +1,6 @@
 a
 b
-c
+C
 d
 e
 f
diff --git a/pic b/x.bin b/pic b/x.bin
index 88768ef..3e3315e 100644
Binary files a/pic b/x.bin and b/pic b/x.bin differ
diff --git a/tool.sh b/tool.sh
old mode 100644
new mode 100755
";

/// `(old_path, new_path, change, binary, added, removed)`.
type Summary<'f> = (Option<&'f str>, Option<&'f str>, FileChange, bool, u32, u32);

#[test]
fn git_diff_output_with_renames_copies_quoted_paths_and_binary_markers() {
    let files = parse_unified_diff(GIT_DIFF).unwrap();
    let summary: Vec<Summary<'_>> = files
        .iter()
        .map(|file| {
            (
                file.old_path.as_deref(),
                file.new_path.as_deref(),
                file.change,
                file.binary,
                file.added,
                file.removed,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                Some("café.txt"),
                Some("café.txt"),
                FileChange::Modified,
                false,
                1,
                1
            ),
            (
                Some("src.py"),
                Some("copy b/src.py"),
                FileChange::Copied,
                false,
                0,
                0
            ),
            (
                Some("keep b/it.txt"),
                Some("moved b/it.txt"),
                FileChange::Renamed,
                false,
                0,
                0
            ),
            (
                Some("old name.py"),
                Some("new b/name.py"),
                FileChange::Renamed,
                false,
                1,
                1
            ),
            (
                Some("pic b/x.bin"),
                Some("pic b/x.bin"),
                FileChange::Modified,
                true,
                0,
                0
            ),
            (
                Some("tool.sh"),
                Some("tool.sh"),
                FileChange::Modified,
                false,
                0,
                0
            ),
        ]
    );
    // A rename touches both paths and is found under its new one.
    let renamed = file(&files, "moved b/it.txt");
    assert_eq!(
        renamed.paths().collect::<Vec<_>>(),
        ["keep b/it.txt", "moved b/it.txt"]
    );
    assert!(renamed.hunks.is_empty());
    assert_eq!(new_ranges(file(&files, "new b/name.py")), [Some((1, 6))]);
    assert!(file(&files, "tool.sh").hunks.is_empty());
}

/// A SWE-bench style patch: several hunks with the enclosing definition after `@@`, a hunk
/// that only deletes, content lines that look like `---`/`+++` headers, and a missing newline
/// at the end of the file.
const HUNKS: &str = "diff --git a/pkg/core.py b/pkg/core.py
--- a/pkg/core.py
+++ b/pkg/core.py
@@ -2,4 +2,5 @@ class Foo:
     def bar(self):
-        return 1
+        return 0
+++ not a header
 
     def qux(self):
@@ -20,3 +21,2 @@ def baz(x):
     y = x + 1
--- not a header either
     return y
@@ -30,2 +30,0 @@ def gone():
-    a = 1
-    b = 2
@@ -40 +38 @@ def last():
-    return 'old'
\\ No newline at end of file
+    return 'new'
\\ No newline at end of file
";

#[test]
fn hunks_carry_their_ranges_sections_and_line_numbers() {
    let files = parse_unified_diff(HUNKS).unwrap();
    assert_eq!(files.len(), 1);
    let core = &files[0];
    assert_eq!(core.change, FileChange::Modified);
    // Lines that look like headers inside a hunk are content: `+++ not a header` is added,
    // `--- not a header either` removed.
    assert_eq!((core.added, core.removed), (3, 5));
    let headers: Vec<(u32, u32, u32, u32, &str)> = core
        .hunks
        .iter()
        .map(|hunk| {
            (
                hunk.old_start,
                hunk.old_lines,
                hunk.new_start,
                hunk.new_lines,
                hunk.section.as_str(),
            )
        })
        .collect();
    assert_eq!(
        headers,
        [
            (2, 4, 2, 5, "class Foo:"),
            (20, 3, 21, 2, "def baz(x):"),
            (30, 2, 30, 0, "def gone():"),
            (40, 1, 38, 1, "def last():"),
        ]
    );
    assert_eq!(
        new_ranges(core),
        [Some((2, 6)), Some((21, 22)), None, Some((38, 38))]
    );
    let line = |kind, old_line, new_line| HunkLine {
        kind,
        old_line,
        new_line,
    };
    assert_eq!(
        core.hunks[0].lines,
        [
            line(LineKind::Context, Some(2), Some(2)),
            line(LineKind::Removed, Some(3), None),
            line(LineKind::Added, None, Some(3)),
            line(LineKind::Added, None, Some(4)),
            line(LineKind::Context, Some(4), Some(5)),
            line(LineKind::Context, Some(5), Some(6)),
        ]
    );
    assert_eq!(
        core.hunks[1].lines[1],
        line(LineKind::Removed, Some(21), None)
    );
    // The end-of-file markers are not lines.
    assert_eq!(
        core.hunks[3].lines,
        [
            line(LineKind::Removed, Some(40), None),
            line(LineKind::Added, None, Some(38)),
        ]
    );
}

#[test]
fn empty_text_is_an_empty_diff_and_a_broken_hunk_is_an_error() {
    assert_eq!(parse_unified_diff("").unwrap(), []);
    assert_eq!(parse_unified_diff("\n  \n").unwrap(), []);
    let truncated = "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n-b\n";
    let error = parse_unified_diff(truncated).unwrap_err();
    assert!(!error.is_retryable(), "{error}");
}
