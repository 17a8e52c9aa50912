//! `localize-eval` on a tiny git repository and hand-written patches: gold files and
//! functions from the diff, buckets from the issue text, and the accuracies over them.

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

use crate::support::bench_json;

const CORE: &str = "class Foo:
    def bar(self):
        return 1

    def qux(self):
        return 2


def baz(x):
    y = x + 1
    return y
";

/// Replaces `return 1` in `Foo.bar` (line 3) and adds a new file.
const CHANGE_AND_ADD: &str = "diff --git a/pkg/core.py b/pkg/core.py
index 1111111..2222222 100644
--- a/pkg/core.py
+++ b/pkg/core.py
@@ -1,4 +1,4 @@
 class Foo:
     def bar(self):
-        return 1
+        return 0
 
diff --git a/pkg/new.py b/pkg/new.py
new file mode 100644
index 0000000..3333333
--- /dev/null
+++ b/pkg/new.py
@@ -0,0 +1,2 @@
+def fresh():
+    return 3
";

/// A pure insertion after line 5 (`def qux`), under a hunk header naming the class.
const INSERT: &str = "diff --git a/pkg/core.py b/pkg/core.py
--- a/pkg/core.py
+++ b/pkg/core.py
@@ -5,2 +5,3 @@ class Foo:
     def qux(self):
+        # why two
         return 2
";

const ADD_ONLY: &str = "diff --git a/pkg/absent.py b/pkg/absent.py
new file mode 100644
--- /dev/null
+++ b/pkg/absent.py
@@ -0,0 +1 @@
+ANSWER = 42
";

fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(output.status.success(), "git {args:?}: {output:?}");
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

fn instance(repo: &str, id: &str, commit: &str, patch: &str, issue: &str) -> String {
    json!({
        "repo": repo, "instance_id": id, "base_commit": commit,
        "patch": patch, "problem_statement": issue,
    })
    .to_string()
}

fn result<'r>(report: &'r Value, id: &str) -> &'r Value {
    report["instances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["instance_id"] == id)
        .unwrap_or_else(|| panic!("{id} in {report}"))
}

/// `DIR/repos/acme+widgets/repo`: `pkg/core.py` (CORE) and an empty `pkg/__init__.py` in one
/// commit, whose id it returns.
fn widgets_repo(dir: &Path) -> String {
    let repo = dir.join("repos/acme+widgets/repo");
    std::fs::create_dir_all(repo.join("pkg")).unwrap();
    std::fs::write(repo.join("pkg/core.py"), CORE).unwrap();
    std::fs::write(repo.join("pkg/__init__.py"), "").unwrap();
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "base"]);
    git(&repo, &["rev-parse", "HEAD"])
}

/// `localize-eval` over `lines` as the dataset, with the repositories under `DIR/repos`, the
/// indexes under `DIR/scratch`, and `extra` arguments.
async fn evaluate(dir: &Path, lines: &[String], extra: &[&str]) -> Value {
    let dataset = dir.join("dev.jsonl");
    std::fs::write(&dataset, lines.join("\n")).unwrap();
    let repos = dir.join("repos");
    let scratch = dir.join("scratch");
    let mut args = vec![
        "localize-eval",
        "--dataset",
        dataset.to_str().unwrap(),
        "--repos",
        repos.to_str().unwrap(),
        "--scratch",
        scratch.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    bench_json(&args).await
}

#[tokio::test]
async fn gold_buckets_and_accuracies_come_from_the_patch_and_the_issue() {
    let dir = tempfile::tempdir().unwrap();
    let commit = widgets_repo(dir.path());

    let lines = [
        instance(
            "acme/widgets",
            "w-1",
            &commit,
            CHANGE_AND_ADD,
            "`Foo.bar` returns 1, it should return 0.",
        ),
        instance(
            "acme/widgets",
            "w-2",
            &commit,
            INSERT,
            "Something is off in pkg/core.py, see the comment.",
        ),
        instance(
            "acme/widgets",
            "w-3",
            &commit,
            ADD_ONLY,
            "The answer should be exported.",
        ),
        instance("acme/missing", "m-1", &commit, ADD_ONLY, "Nothing to see."),
    ];
    let report = evaluate(dir.path(), &lines, &[]).await;

    let changed = result(&report, "w-1");
    assert_eq!(changed["gold_files"], json!(["pkg/core.py", "pkg/new.py"]));
    assert_eq!(
        changed["gold_functions"],
        json!([{"path": "pkg/core.py", "name": "Foo.bar", "from_hunk_header": false}])
    );
    assert_eq!(changed["bucket"], "names_symbol");
    assert_eq!(changed["file_rank"], 1);
    assert_eq!(changed["function_rank"], 1);

    // The insertion lands in the definition above it; the header's class is kept beside it.
    let inserted = result(&report, "w-2");
    assert_eq!(
        inserted["gold_functions"],
        json!([
            {"path": "pkg/core.py", "name": "Foo.qux", "from_hunk_header": false},
            {"path": "pkg/core.py", "name": "Foo", "from_hunk_header": true},
        ])
    );
    assert_eq!(inserted["bucket"], "names_path");
    assert_eq!(inserted["file_rank"], 1);

    // A file that only the patch creates is gold but cannot be found at base_commit.
    let added = result(&report, "w-3");
    assert_eq!(added["gold_files"], json!(["pkg/absent.py"]));
    assert_eq!(added["gold_functions"], json!([]));
    assert_eq!(added["gold_files_in_tree"], 0);
    assert_eq!(added["bucket"], "neither");
    assert_eq!(added["file_rank"], Value::Null);
    assert_eq!(added["function_rank"], Value::Null);

    assert_eq!(report["skipped"].as_array().unwrap().len(), 1);
    assert_eq!(report["skipped"][0]["instance_id"], "m-1");

    let overall = &report["overall"];
    assert_eq!(overall["instances"], 3);
    assert_eq!(overall["file_at_1"], 66.7);
    assert_eq!(overall["file_at_5"], 66.7);
    assert_eq!(overall["with_gold_functions"], 2);
    assert_eq!(report["by_bucket"]["neither"]["instances"], 1);
    assert_eq!(report["by_bucket"]["neither"]["file_at_5"], 0.0);
    assert_eq!(report["by_bucket"]["names_symbol"]["function_at_5"], 100.0);
    assert_eq!(report["by_bucket"]["names_path"]["file_at_1"], 100.0);
}

#[tokio::test]
async fn only_restricts_the_repositories() {
    let dir = tempfile::tempdir().unwrap();
    let dataset = dir.path().join("dev.jsonl");
    let lines = [
        instance("acme/widgets", "w-1", "0000000", ADD_ONLY, "x"),
        instance("acme/gadgets", "g-1", "0000000", ADD_ONLY, "x"),
    ];
    std::fs::write(&dataset, lines.join("\n")).unwrap();
    let report = bench_json(&[
        "localize-eval",
        "--dataset",
        dataset.to_str().unwrap(),
        "--repos",
        dir.path().to_str().unwrap(),
        "--only",
        "gadgets",
    ])
    .await;
    // Neither repository exists, so what was selected shows up as skipped.
    assert_eq!(
        report["skipped"],
        json!([{"instance_id": "g-1", "reason": format!("no repository for acme/gadgets under {}", dir.path().display())}])
    );
    assert_eq!(report["overall"]["instances"], 0);
}

#[tokio::test]
async fn a_snapshot_stands_in_for_a_commit_no_repository_has_and_is_reported_apart() {
    let dir = tempfile::tempdir().unwrap();
    // The repository exists but lacks the commit of `s-1`; `s-2`'s repository is absent.
    let commit = widgets_repo(dir.path());
    let release = dir.path().join("snapshots/releases/widgets-1.0");
    std::fs::create_dir_all(release.join("pkg")).unwrap();
    std::fs::write(release.join("pkg/core.py"), CORE).unwrap();
    std::os::unix::fs::symlink("releases/widgets-1.0", dir.path().join("snapshots/s-1")).unwrap();
    std::os::unix::fs::symlink("releases/widgets-1.0", dir.path().join("snapshots/s-2")).unwrap();

    let missing = "1234567890123456789012345678901234567890";
    let issue = "`Foo.bar` returns 1, it should return 0.";
    let lines = [
        instance("acme/widgets", "c-1", &commit, CHANGE_AND_ADD, issue),
        instance("acme/widgets", "s-1", missing, CHANGE_AND_ADD, issue),
        instance(
            "acme/gadgets",
            "s-2",
            missing,
            INSERT,
            "Something is off in pkg/core.py.",
        ),
        instance(
            "acme/gadgets",
            "n-1",
            missing,
            INSERT,
            "No tree for this one.",
        ),
    ];
    let snapshots = dir.path().join("snapshots");
    let report = evaluate(
        dir.path(),
        &lines,
        &["--snapshots", snapshots.to_str().unwrap()],
    )
    .await;

    assert_eq!(result(&report, "c-1")["base"], "commit");
    let stand_in = result(&report, "s-1");
    assert_eq!(stand_in["base"], "snapshot:widgets-1.0");
    // Gold functions are read from the stand-in tree, as they would be from the commit.
    assert_eq!(
        stand_in["gold_functions"],
        json!([{"path": "pkg/core.py", "name": "Foo.bar", "from_hunk_header": false}])
    );
    assert_eq!(stand_in["file_rank"], 1);
    // `pkg/new.py` is created by the patch: one of the two gold files is in the tree.
    assert_eq!(stand_in["gold_files_in_tree"], 1);
    assert_eq!(result(&report, "s-2")["base"], "snapshot:widgets-1.0");
    assert_eq!(result(&report, "s-2")["file_rank"], 1);
    assert_eq!(report["skipped"][0]["instance_id"], "n-1");
    assert_eq!(report["skipped"].as_array().unwrap().len(), 1);
    assert_eq!(report["overall"]["instances"], 3);
    assert_eq!(report["by_base"]["commit"]["instances"], 1);
    assert_eq!(report["by_base"]["snapshot"]["instances"], 2);
}
