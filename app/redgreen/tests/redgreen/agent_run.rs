//! `redgreen run` end to end, as a process: a small Python repository with a real bug, the
//! scripted model server standing in for the provider, real git, and the real sandbox running
//! the tests. What the loop leaves behind is checked from the outside: the branch's commits,
//! the tests run on each, the PR body, and every request the model received.
//!
//! A repository with `setup` commands fetches a dependency through the egress proxy from a
//! host-side server before every phase that runs its code; what setup adds never reaches the
//! branch, and a setup that cannot reach its host parks the run before any model call.

use std::path::Path;
use std::process::Command;

use redgreen_testkit::ModelServer;
use redgreen_testkit::calculator::{
    CALC, CONFIG, EXISTING_TEST, RED_TEST, fix, plan, repository, repository_with_config,
    script_happy_path, submit_patch, submit_red, write_red_test,
};
use serde_json::{Value, json};

use super::support::{http_server_answering, http_server_on_loopback};

/// Secrets the process holds; none may reach the model.
const WEBHOOK_SECRET: &str = "whsec-do-not-leak-4f1c9a";
const API_TOKEN: &str = "api-token-do-not-leak-77b2";

struct Finished {
    result: Value,
    stderr: String,
}

/// Runs `redgreen run` on `repo` against `model`.
async fn redgreen_run(repo: &Path, data: &Path, model: &ModelServer) -> Finished {
    redgreen_run_with(repo, data, model, &[]).await
}

/// [`redgreen_run`] with more configuration in the environment.
async fn redgreen_run_with(
    repo: &Path,
    data: &Path,
    model: &ModelServer,
    env: &[(&str, &str)],
) -> Finished {
    let repo = repo.to_path_buf();
    let data = data.to_path_buf();
    let base_url = model.base_url_openai();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
        .collect();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_redgreen"))
            .args(["run", "--repo", repo.to_str().unwrap(), "--json"])
            .args(["--issue", "add() is wrong\n\nadd(2, 3) gives -1."])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", std::env::var("HOME").unwrap_or_default())
            .env("REDGREEN_DATA_DIR", &data)
            .env("REDGREEN_LLM_BASE_URL", base_url)
            .env("REDGREEN_LLM_MODEL", "scripted-model")
            .env("REDGREEN_LLM_API_KEY", "sk-test-key-0123456789abcdef")
            .env("REDGREEN_WEBHOOK_SECRET", WEBHOOK_SECRET)
            .env("REDGREEN_API_TOKEN", API_TOKEN)
            .envs(env)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let result: Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("no JSON result ({e}): {stdout}\nstderr: {stderr}"));
    Finished { result, stderr }
}

/// The files `commit` changes against `parent`.
fn files_changed(
    git: &git2::Repository,
    commit: &git2::Commit,
    parent: &git2::Commit,
) -> Vec<String> {
    let diff = git
        .diff_tree_to_tree(
            Some(&parent.tree().unwrap()),
            Some(&commit.tree().unwrap()),
            None,
        )
        .unwrap();
    diff.deltas()
        .map(|d| d.new_file().path().unwrap().display().to_string())
        .collect()
}

/// Runs the repository's tests at `commit` in a fresh clone; true when they pass.
fn tests_pass_at(repo: &Path, commit: &str) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let clone = git2::Repository::clone(repo.to_str().unwrap(), dir.path()).unwrap();
    let oid = git2::Oid::from_str(commit).unwrap();
    let target = clone.find_commit(oid).unwrap();
    clone
        .checkout_tree(
            target.as_object(),
            Some(git2::build::CheckoutBuilder::new().force()),
        )
        .unwrap();
    let output = Command::new("python3")
        .args(["-m", "unittest", "-v"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn assert_no_secret_reached_the_model(model: &ModelServer) {
    for request in model.requests() {
        let sent = request.raw_body.clone();
        for secret in [WEBHOOK_SECRET, API_TOKEN] {
            assert!(!sent.contains(secret), "a secret reached the model: {sent}");
        }
    }
}

/// The model messages of every request, as text, for looking for evidence fed back.
fn everything_sent(model: &ModelServer) -> String {
    model
        .requests()
        .iter()
        .map(|request| request.raw_body.clone())
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn the_happy_path_leaves_a_branch_with_a_failing_test_then_the_fix() {
    let repo = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    repository(repo.path()).unwrap();
    let model = ModelServer::start().await;
    script_happy_path(&model);

    let Finished { result, stderr } = redgreen_run(repo.path(), data.path(), &model).await;
    assert_eq!(result["state"], "done", "{result}\n{stderr}");
    assert_eq!(model.remaining(), 0, "every scripted reply was used");
    let branch = result["branch"].as_str().unwrap();
    assert!(branch.starts_with("redgreen/"), "{branch}");

    // The branch: base → a commit adding only the test → a commit changing only calc.py.
    let git = git2::Repository::open(repo.path()).unwrap();
    let head = git
        .find_reference(&format!("refs/heads/{branch}"))
        .unwrap()
        .peel_to_commit()
        .unwrap();
    assert_eq!(head.id().to_string(), result["commit"].as_str().unwrap());
    let red = head.parent(0).unwrap();
    let base = red.parent(0).unwrap();
    assert_eq!(
        base.id(),
        git.head().unwrap().peel_to_commit().unwrap().id()
    );
    let changed =
        |commit: &git2::Commit, parent: &git2::Commit| files_changed(&git, commit, parent);
    assert_eq!(changed(&red, &base), vec!["tests/test_add.py"]);
    assert_eq!(changed(&head, &red), vec!["calc.py"]);
    assert_eq!(red.author().name().ok(), Some("redgreen[bot]"));

    // Failing then passing, checked here, outside redgreen.
    let (red_passes, red_output) = tests_pass_at(repo.path(), &red.id().to_string());
    assert!(!red_passes, "the red commit must fail: {red_output}");
    assert!(red_output.contains("test_add_adds"), "{red_output}");
    let (green_passes, green_output) = tests_pass_at(repo.path(), &head.id().to_string());
    assert!(green_passes, "the fix must pass: {green_output}");

    // The PR body carries the evidence.
    let body = std::fs::read_to_string(result["pr_body"].as_str().unwrap()).unwrap();
    for section in [
        "## Red",
        "## Green",
        "## Changes",
        "## Impact",
        "## Risk and rollback",
        "## Test plan",
        "## Budget used",
        "<!-- redgreen:evidence -->",
        "test_add_adds",
    ] {
        assert!(body.contains(section), "PR body lacks {section}:\n{body}");
    }
    assert!(
        result["usage"]["model_calls"].as_u64().unwrap() >= 5,
        "{result}"
    );
    assert_no_secret_reached_the_model(&model);
    // The work tree was cleaned up.
    assert!(
        !data
            .path()
            .join("runs")
            .join(result["run"].as_str().unwrap())
            .exists()
    );
}

#[tokio::test]
async fn a_red_test_that_already_passes_is_rejected_and_the_model_tries_again() {
    let repo = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    repository(repo.path()).unwrap();
    let model = ModelServer::start().await;
    model.push_tool_calls(vec![("submit_plan", plan())]);
    // First attempt: a "red" test of mul, which already works.
    let passing = RED_TEST
        .replace("from calc import add", "from calc import mul")
        .replace("add(2, 3), 5", "mul(2, 3), 6");
    model.push_tool_calls(vec![(
        "code_patch",
        json!({"file_path": "tests/test_add.py", "rationale": "r", "content": passing}),
    )]);
    model.push_tool_calls(vec![("submit_red", submit_red())]);
    // Second attempt, after the evidence.
    model.push_tool_calls(vec![("code_patch", write_red_test())]);
    model.push_tool_calls(vec![("submit_red", submit_red())]);
    model.push_tool_calls(vec![("code_patch", fix("return a + b"))]);
    model.push_tool_calls(vec![("submit_patch", submit_patch())]);

    let Finished { result, stderr } = redgreen_run(repo.path(), data.path(), &model).await;
    assert_eq!(result["state"], "done", "{result}\n{stderr}");
    assert!(
        everything_sent(&model).contains("passes on the base commit"),
        "the rejection's evidence went back to the model"
    );
}

/// Commits `content` at `path` on top of `repo`'s HEAD.
fn commit_file(repo: &Path, path: &str, content: &str) {
    std::fs::write(repo.join(path), content).unwrap();
    let git = git2::Repository::open(repo).unwrap();
    let mut index = git.index().unwrap();
    index.add_path(Path::new(path)).unwrap();
    index.write().unwrap();
    let tree = git.find_tree(index.write_tree().unwrap()).unwrap();
    let parent = git.head().unwrap().peel_to_commit().unwrap();
    let signature = git2::Signature::now("Dev", "dev@example.invalid").unwrap();
    git.commit(
        Some("HEAD"),
        &signature,
        &signature,
        &format!("Change {path}"),
        &tree,
        &[&parent],
    )
    .unwrap();
}

/// The red evidence is what the test run shows, not words in it: a red test that runs and
/// fails because the code under test raises `SyntaxError` (here `eval` of a malformed sum) is
/// accepted; only a test file that does not load is refused.
#[tokio::test]
async fn a_red_test_failing_on_a_syntax_error_the_code_raises_is_red_evidence() {
    let repo = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    repository(repo.path()).unwrap();
    let buggy = "return eval(\"+\".join(text.split(\",\")) + \"+\")";
    commit_file(
        repo.path(),
        "calc.py",
        &format!("{CALC}\n\ndef total(text):\n    {buggy}\n"),
    );
    let red_test = "import unittest\n\nfrom calc import total\n\n\nclass TotalTest(unittest.TestCase):\n    def test_total_adds_the_numbers(self):\n        self.assertEqual(total(\"1,2\"), 3)\n";
    let model = ModelServer::start().await;
    model.push_tool_calls(vec![("submit_plan", plan())]);
    model.push_tool_calls(vec![(
        "code_patch",
        json!({"file_path": "tests/test_total.py", "rationale": "reproduce", "content": red_test}),
    )]);
    model.push_tool_calls(vec![(
        "submit_red",
        json!({"tests": ["test_total_adds_the_numbers"], "rationale": "total raises"}),
    )]);
    model.push_tool_calls(vec![(
        "code_patch",
        json!({
            "file_path": "calc.py",
            "rationale": "no trailing operator",
            "edits": [{"old_text": buggy, "new_text": "return eval(\"+\".join(text.split(\",\")))"}]
        }),
    )]);
    model.push_tool_calls(vec![("submit_patch", submit_patch())]);

    let Finished { result, stderr } = redgreen_run(repo.path(), data.path(), &model).await;
    assert_eq!(result["state"], "done", "{result}\n{stderr}");
    assert_eq!(
        model.remaining(),
        0,
        "red was accepted at the first attempt"
    );
    let body = std::fs::read_to_string(result["pr_body"].as_str().unwrap()).unwrap();
    assert!(body.contains("test_total_adds_the_numbers"), "{body}");
    assert!(
        body.contains("SyntaxError"),
        "the red evidence shows the error:\n{body}"
    );
}

#[tokio::test]
async fn a_red_test_file_that_does_not_load_is_refused_and_the_model_tries_again() {
    let repo = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    repository(repo.path()).unwrap();
    let model = ModelServer::start().await;
    model.push_tool_calls(vec![("submit_plan", plan())]);
    // First attempt: the test file itself is not Python (a missing colon).
    let broken = RED_TEST.replace("def test_add_adds(self):", "def test_add_adds(self)");
    model.push_tool_calls(vec![(
        "code_patch",
        json!({"file_path": "tests/test_add.py", "rationale": "r", "content": broken}),
    )]);
    model.push_tool_calls(vec![("submit_red", submit_red())]);
    model.push_tool_calls(vec![("code_patch", write_red_test())]);
    model.push_tool_calls(vec![("submit_red", submit_red())]);
    model.push_tool_calls(vec![("code_patch", fix("return a + b"))]);
    model.push_tool_calls(vec![("submit_patch", submit_patch())]);

    let Finished { result, stderr } = redgreen_run(repo.path(), data.path(), &model).await;
    assert_eq!(result["state"], "done", "{result}\n{stderr}");
    let sent = everything_sent(&model);
    assert!(
        sent.contains("The run could not load: `tests.test_add`"),
        "the rejection named the file that did not load"
    );
}

/// A red commit that renames an old test gives up its old id: green compares it against
/// nothing, and the PR body lists it for the reviewer.
#[tokio::test]
async fn a_test_the_red_commit_renames_is_listed_as_replaced_not_as_a_regression() {
    let repo = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    repository(repo.path()).unwrap();
    let model = ModelServer::start().await;
    model.push_tool_calls(vec![("submit_plan", plan())]);
    let renamed = EXISTING_TEST.replace("def test_mul(self):", "def test_mul_multiplies(self):");
    model.push_tool_calls(vec![(
        "code_patch",
        json!({"file_path": "tests/test_mul.py", "rationale": "clearer name", "content": renamed}),
    )]);
    model.push_tool_calls(vec![("code_patch", write_red_test())]);
    model.push_tool_calls(vec![("submit_red", submit_red())]);
    model.push_tool_calls(vec![("code_patch", fix("return a + b"))]);
    model.push_tool_calls(vec![("submit_patch", submit_patch())]);

    let Finished { result, stderr } = redgreen_run(repo.path(), data.path(), &model).await;
    assert_eq!(result["state"], "done", "{result}\n{stderr}");
    let body = std::fs::read_to_string(result["pr_body"].as_str().unwrap()).unwrap();
    assert!(
        body.contains("Tests this change replaces") && body.contains("MulTest.test_mul`"),
        "{body}"
    );
}

/// A test that takes a while and uses nothing the fix changes.
const SLOW_UNRELATED_TEST: &str = "import time\nimport unittest\n\n\nclass SlowTest(unittest.TestCase):\n    def test_slow_and_unrelated(self):\n        time.sleep(1)\n        self.assertTrue(True)\n";

/// Under `verify: affected` (the default) green runs the red test file and the test files
/// that use the changed `calc.py`, and leaves the slow unrelated one out; under `verify: full`
/// it runs the whole suite. The PR body says which ran.
#[tokio::test]
async fn an_unrelated_slow_test_is_left_out_under_affected_and_run_under_full() {
    for (config, ran, lacks) in [
        (
            CONFIG.to_owned(),
            "Tests run: `tests/test_add.py`, `tests/test_mul.py` (1 test file(s) the run \
             changed, and 1 that import or use a changed file (the code index's graph)); \
             1 other test file(s) of the repository were left out.",
            "test_slow",
        ),
        (
            format!("{CONFIG}verify: full\n"),
            "Tests run: the whole suite (the repository asks for it (`verify: full`)).",
            "left out",
        ),
    ] {
        let repo = tempfile::tempdir().unwrap();
        let data = tempfile::tempdir().unwrap();
        repository_with_config(repo.path(), &config).unwrap();
        commit_file(repo.path(), "tests/test_slow.py", SLOW_UNRELATED_TEST);
        let model = ModelServer::start().await;
        script_happy_path(&model);

        let Finished { result, stderr } = redgreen_run(repo.path(), data.path(), &model).await;
        assert_eq!(result["state"], "done", "{result}\n{stderr}");
        let body = std::fs::read_to_string(result["pr_body"].as_str().unwrap()).unwrap();
        assert!(
            body.contains(ran),
            "{config}: the PR body lacks {ran:?}:\n{body}"
        );
        let green = body.split("## Green").nth(1).unwrap_or_default();
        let green = green.split("## Changes").next().unwrap_or_default();
        assert!(!green.contains(lacks), "{config}: {lacks:?} in:\n{green}");
        let expected = if lacks == "test_slow" {
            "With the change: 2 passed"
        } else {
            "With the change: 3 passed"
        };
        assert!(
            green.contains(expected),
            "{config}: {expected:?} not in:\n{green}"
        );
    }
}

/// A change to shared test configuration can change any test: the whole suite runs.
#[tokio::test]
async fn a_conftest_change_falls_back_to_the_whole_suite() {
    let repo = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    repository(repo.path()).unwrap();
    commit_file(repo.path(), "tests/test_slow.py", SLOW_UNRELATED_TEST);
    let model = ModelServer::start().await;
    model.push_tool_calls(vec![("submit_plan", plan())]);
    model.push_tool_calls(vec![(
        "code_patch",
        json!({"file_path": "tests/conftest.py", "rationale": "shared setup", "content": "import os\n"}),
    )]);
    model.push_tool_calls(vec![("code_patch", write_red_test())]);
    model.push_tool_calls(vec![("submit_red", submit_red())]);
    model.push_tool_calls(vec![("code_patch", fix("return a + b"))]);
    model.push_tool_calls(vec![("submit_patch", submit_patch())]);

    let Finished { result, stderr } = redgreen_run(repo.path(), data.path(), &model).await;
    assert_eq!(result["state"], "done", "{result}\n{stderr}");
    let body = std::fs::read_to_string(result["pr_body"].as_str().unwrap()).unwrap();
    assert!(
        body.contains(
            "Tests run: the whole suite (`tests/conftest.py` changed, and a build, \
                       dependency or test-configuration file can change any test)."
        ),
        "{body}"
    );
    assert!(body.contains("With the change: 3 passed"), "{body}");
}

/// A later run on the same base commit, with the same setup and the same selected tests,
/// reads their baseline from the cache instead of running them again: the cached runs are
/// marked between the two (99 passed), and the second PR body shows the mark.
#[tokio::test]
async fn a_later_run_on_the_same_base_reads_its_baseline_from_the_cache() {
    let repo = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    repository(repo.path()).unwrap();
    let mut bodies = Vec::new();
    for attempt in 0..2 {
        if attempt == 1 {
            let cached = walk_files(&data.path().join("baselines"));
            assert!(!cached.is_empty(), "the first run kept its baseline");
            for file in cached {
                let mut run: Value =
                    serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
                run["passed"] = json!(99);
                std::fs::write(&file, serde_json::to_vec(&run).unwrap()).unwrap();
            }
        }
        let model = ModelServer::start().await;
        script_happy_path(&model);
        let Finished { result, stderr } = redgreen_run(repo.path(), data.path(), &model).await;
        assert_eq!(result["state"], "done", "{result}\n{stderr}");
        bodies.push(std::fs::read_to_string(result["pr_body"].as_str().unwrap()).unwrap());
    }
    assert!(
        bodies[0].contains("On the base commit: 1 passed"),
        "{}",
        bodies[0]
    );
    assert!(
        bodies[1].contains("On the base commit: 99 passed"),
        "{}",
        bodies[1]
    );
}

#[tokio::test]
async fn a_patch_that_breaks_another_test_is_rejected_and_retried() {
    let repo = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    repository(repo.path()).unwrap();
    let model = ModelServer::start().await;
    model.push_tool_calls(vec![("submit_plan", plan())]);
    model.push_tool_calls(vec![("code_patch", write_red_test())]);
    model.push_tool_calls(vec![("submit_red", submit_red())]);
    // Fixes add, and breaks mul on the way.
    model.push_tool_calls(vec![(
        "code_patch",
        json!({
            "file_path": "calc.py",
            "rationale": "rewrite",
            "content": "def add(a, b):\n    return a + b\n\n\ndef mul(a, b):\n    return a + b\n"
        }),
    )]);
    model.push_tool_calls(vec![("submit_patch", submit_patch())]);
    // Second patch attempt starts from the first one and repairs mul.
    model.push_tool_calls(vec![(
        "code_patch",
        json!({
            "file_path": "calc.py",
            "rationale": "restore mul",
            "edits": [{"old_text": "def mul(a, b):\n    return a + b", "new_text": "def mul(a, b):\n    return a * b"}]
        }),
    )]);
    model.push_tool_calls(vec![("submit_patch", submit_patch())]);

    let Finished { result, stderr } = redgreen_run(repo.path(), data.path(), &model).await;
    assert_eq!(result["state"], "done", "{result}\n{stderr}");
    let sent = everything_sent(&model);
    assert!(
        sent.contains("test_mul"),
        "the regression was named to the model"
    );
    assert!(sent.contains("no longer pass"), "{sent}");
    let (passes, output) = tests_pass_at(repo.path(), result["commit"].as_str().unwrap());
    assert!(passes, "{output}");
}

#[tokio::test]
async fn a_patch_that_deletes_a_test_is_refused_and_the_test_survives() {
    let repo = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    repository(repo.path()).unwrap();
    let model = ModelServer::start().await;
    model.push_tool_calls(vec![("submit_plan", plan())]);
    model.push_tool_calls(vec![("code_patch", write_red_test())]);
    model.push_tool_calls(vec![("submit_red", submit_red())]);
    model.push_tool_calls(vec![("code_patch", fix("return a + b"))]);
    model.push_tool_calls(vec![(
        "code_patch",
        json!({"file_path": "tests/test_mul.py", "rationale": "obsolete", "content": ""}),
    )]);
    model.push_tool_calls(vec![("submit_patch", submit_patch())]);

    let Finished { result, stderr } = redgreen_run(repo.path(), data.path(), &model).await;
    assert_eq!(result["state"], "done", "{result}\n{stderr}");
    assert!(
        everything_sent(&model).contains("may not delete tests"),
        "the refusal went back to the model"
    );
    let git = git2::Repository::open(repo.path()).unwrap();
    let commit = git
        .find_commit(git2::Oid::from_str(result["commit"].as_str().unwrap()).unwrap())
        .unwrap();
    let entry = commit
        .tree()
        .unwrap()
        .get_path(Path::new("tests/test_mul.py"))
        .unwrap();
    let blob = git.find_blob(entry.id()).unwrap();
    assert_eq!(std::str::from_utf8(blob.content()).unwrap(), EXISTING_TEST);
}

/// Scripts the plan and the red test, then `attempts` patches that fix `add` but skip the
/// existing test (which the integrity guard rejects).
fn script_skipping_patches(model: &ModelServer, attempts: usize) {
    model.push_tool_calls(vec![("submit_plan", plan())]);
    model.push_tool_calls(vec![("code_patch", write_red_test())]);
    model.push_tool_calls(vec![("submit_red", submit_red())]);
    for _ in 0..attempts {
        model.push_tool_calls(vec![("code_patch", fix("return a + b"))]);
        model.push_tool_calls(vec![(
            "code_patch",
            json!({
                "file_path": "tests/test_mul.py",
                "rationale": "flaky",
                "edits": [{"old_text": "    def test_mul(self):", "new_text": "    @unittest.skip(\"flaky\")\n    def test_mul(self):"}]
            }),
        )]);
        model.push_tool_calls(vec![("submit_patch", submit_patch())]);
    }
}

#[tokio::test]
async fn a_patch_that_skips_a_test_is_rejected_until_the_run_parks() {
    let repo = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    repository(repo.path()).unwrap();
    let model = ModelServer::start().await;
    // Every attempt skips the existing test: the guard rejects all three (the repository
    // allows three), and the run parks with the guard's evidence, publishing nothing.
    script_skipping_patches(&model, 3);

    let Finished { result, stderr } = redgreen_run(repo.path(), data.path(), &model).await;
    assert_eq!(result["state"], "needs_human", "{result}\n{stderr}");
    let error = result["last_error"].as_str().unwrap();
    assert!(error.contains("integrity"), "{error}");
    assert!(result["branch"].is_null(), "nothing was published");
    let git = git2::Repository::open(repo.path()).unwrap();
    let branches: Vec<_> = git
        .branches(Some(git2::BranchType::Local))
        .unwrap()
        .map(|b| b.unwrap().0.name().unwrap().unwrap().to_owned())
        .collect();
    assert!(
        branches.iter().all(|b| !b.starts_with("redgreen/")),
        "{branches:?}"
    );
}

#[tokio::test]
async fn the_operator_sets_how_many_attempts_a_phase_gets() {
    let repo = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    repository(repo.path()).unwrap();
    let model = ModelServer::start().await;
    // Two attempts, each fixing `add` but skipping the existing test: the guard rejects both.
    script_skipping_patches(&model, 2);

    let Finished { result, stderr } = redgreen_run_with(
        repo.path(),
        data.path(),
        &model,
        &[("REDGREEN_MAX_ATTEMPTS", "2")],
    )
    .await;
    assert_eq!(result["state"], "needs_human", "{result}\n{stderr}");
    let error = result["last_error"].as_str().unwrap();
    assert!(
        error.contains("integrity"),
        "parked by the guard, not the model: {error}"
    );
    // A third attempt would have asked the model again (and found its script exhausted).
    assert_eq!(model.requests().len(), 3 + 2 * 3, "{result}");
}

#[tokio::test]
async fn a_model_outage_is_retried_then_parks_the_run() {
    let repo = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    repository(repo.path()).unwrap();
    let model = ModelServer::start().await;
    // One 429 and one 500, both retried; then an outage that outlasts the retries.
    model.push_status(429, &[("retry-after", "0")], "slow down");
    model.push_status(500, &[("retry-after", "0")], "oops");
    model.push_tool_calls(vec![("submit_plan", plan())]);
    for _ in 0..5 {
        model.push_status(503, &[("retry-after", "0")], "down");
    }
    let Finished { result, stderr } = redgreen_run(repo.path(), data.path(), &model).await;
    assert_eq!(result["state"], "needs_human", "{result}\n{stderr}");
    assert_eq!(model.remaining(), 0, "every retry was made");
    assert!(
        result["last_error"].as_str().unwrap().contains("503"),
        "{result}"
    );
}

#[tokio::test]
async fn a_spent_token_budget_parks_the_run_before_the_next_model_call() {
    let repo = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let config = format!("{CONFIG}budget: {{ tokens: 100 }}\n");
    repository_with_config(repo.path(), &config).unwrap();
    let model = ModelServer::start().await;
    // The first call is allowed (nothing spent yet) and spends far more than 100 tokens.
    script_happy_path(&model);

    let Finished { result, stderr } = redgreen_run(repo.path(), data.path(), &model).await;
    assert_eq!(result["state"], "needs_human", "{result}\n{stderr}");
    assert_eq!(model.requests().len(), 1, "no call was made past the cap");
    let error = result["last_error"].as_str().unwrap();
    assert!(error.contains("budget"), "{error}");
}

/// The host-side server a setup command downloads `dep_module.py` from.
struct DependencyServer {
    url: String,
    host: String,
    requests: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

fn dependency_server() -> DependencyServer {
    let (port, requests) = http_server_on_loopback("VALUE = 42\n");
    DependencyServer {
        url: format!("http://127.0.0.1:{port}/dep_module.py"),
        host: format!("127.0.0.1:{port}"),
        requests,
    }
}

/// A test that passed on the base commit and fails once with the change, then passes when run
/// again, is flaky: not blamed on the patch, and listed in the PR body. The flip is made
/// deterministic by the setup step's download, which differs on the fifth clean tree only:
/// green's run with the change (prepare, red, red's verification and patch come before).
#[tokio::test]
async fn a_test_that_fails_once_with_the_change_is_flaky_and_not_blamed() {
    let (port, requests) = http_server_answering(|n| {
        if n == 5 {
            "VALUE = 41\n"
        } else {
            "VALUE = 42\n"
        }
    });
    let repo = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    repository_with_setup(
        repo.path(),
        &format!("http://127.0.0.1:{port}/dep_module.py"),
        &format!("127.0.0.1:{port}"),
    );
    // The dependency's test also uses `mul`, so that green selects it (it uses calc.py).
    commit_file(
        repo.path(),
        "tests/test_dep.py",
        "import unittest\n\nimport dep_module\nfrom calc import mul\n\n\n\
         class DepTest(unittest.TestCase):\n\
         \x20   def test_the_dependency_is_set_up(self):\n\
         \x20       self.assertEqual(mul(dep_module.VALUE, 1), 42)\n",
    );
    let model = ModelServer::start().await;
    script_happy_path(&model);

    let Finished { result, stderr } = redgreen_run(repo.path(), data.path(), &model).await;
    assert_eq!(result["state"], "done", "{result}\n{stderr}");
    assert!(
        requests.load(std::sync::atomic::Ordering::SeqCst) >= 7,
        "it ran again"
    );
    let body = std::fs::read_to_string(result["pr_body"].as_str().unwrap()).unwrap();
    assert!(
        body.contains("Flaky, not counted: `tests.test_dep.DepTest.test_the_dependency_is_set_up`"),
        "{body}"
    );
}

/// The calculator with a setup step that downloads `dep_module.py` (untracked) from `url`
/// through the egress proxy, allowed to reach `egress`, and a test that needs it.
fn repository_with_setup(dir: &Path, url: &str, egress: &str) {
    let config =
        format!("{CONFIG}setup: [\"python3 tools/fetch_dep.py\"]\negress: [\"{egress}\"]\n");
    repository_with_config(dir, &config).unwrap();
    let files = [
        (
            "tools/fetch_dep.py",
            "import urllib.request\n\
             url = open('tools/dep_url.txt').read().strip()\n\
             body = urllib.request.urlopen(url, timeout=20).read().decode()\n\
             open('dep_module.py', 'w').write(body)\n\
             print('fetched', url)\n"
                .to_owned(),
        ),
        ("tools/dep_url.txt", format!("{url}\n")),
        (
            "tests/test_dep.py",
            "import unittest\n\nimport dep_module\n\n\n\
             class DepTest(unittest.TestCase):\n\
             \x20   def test_the_dependency_is_set_up(self):\n\
             \x20       self.assertEqual(dep_module.VALUE, 42)\n"
                .to_owned(),
        ),
    ];
    for (path, content) in &files {
        let full = dir.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, content).unwrap();
    }
    let repo = git2::Repository::open(dir).unwrap();
    let mut index = repo.index().unwrap();
    index
        .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
        .unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let signature = git2::Signature::now("Dev", "dev@example.invalid").unwrap();
    let parent = repo.head().unwrap().peel_to_commit().unwrap();
    repo.commit(
        Some("HEAD"),
        &signature,
        &signature,
        "Fetch the dependency in setup",
        &tree,
        &[&parent],
    )
    .unwrap();
}

#[tokio::test]
async fn setup_fetches_through_the_egress_proxy_before_every_phase_and_stays_off_the_branch() {
    let server = dependency_server();
    let repo = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    repository_with_setup(repo.path(), &server.url, &server.host);
    let model = ModelServer::start().await;
    script_happy_path(&model);

    let Finished { result, stderr } = redgreen_run(repo.path(), data.path(), &model).await;
    // Green compares the suite with the baseline: had any phase run without its setup,
    // test_dep would fail there and the patch would be rejected.
    assert_eq!(result["state"], "done", "{result}\n{stderr}");
    assert_eq!(
        server.requests.load(std::sync::atomic::Ordering::SeqCst),
        6,
        "a fetch on every clean tree that runs the repository's code: prepare, red, red's \
         verification, patch, green, and green's run of the same tests on the base commit"
    );
    let git = git2::Repository::open(repo.path()).unwrap();
    let head = git
        .find_reference(&format!(
            "refs/heads/{}",
            result["branch"].as_str().unwrap()
        ))
        .unwrap()
        .peel_to_commit()
        .unwrap();
    let tree = head.tree().unwrap();
    assert!(
        tree.get_path(Path::new("dep_module.py")).is_err(),
        "what setup added is not on the branch"
    );
    let mut touched = Vec::new();
    let mut commit = head.clone();
    while commit.message().ok() != Some("Fetch the dependency in setup") {
        let parent = commit.parent(0).unwrap();
        touched.extend(files_changed(&git, &commit, &parent));
        commit = parent;
    }
    touched.sort();
    assert_eq!(touched, ["calc.py", "tests/test_add.py"]);
    assert_no_secret_reached_the_model(&model);
}

#[tokio::test]
async fn a_setup_that_cannot_reach_its_host_parks_the_run_before_the_model() {
    let server = dependency_server();
    let repo = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    // The allowed host is another port: the proxy refuses the fetch.
    repository_with_setup(repo.path(), &server.url, "127.0.0.1:9");
    let model = ModelServer::start().await;
    script_happy_path(&model);

    let Finished { result, stderr } = redgreen_run(repo.path(), data.path(), &model).await;
    assert_eq!(result["state"], "needs_human", "{result}\n{stderr}");
    let error = result["last_error"].as_str().unwrap();
    assert!(
        error.contains("setup failed") && error.contains("python3 tools/fetch_dep.py"),
        "{error}"
    );
    assert!(
        error.contains("403"),
        "the proxy's refusal is shown: {error}"
    );
    assert_eq!(server.requests.load(std::sync::atomic::Ordering::SeqCst), 0);
    assert!(model.requests().is_empty(), "no model call before setup");
}

/// Fills `victim`, a host directory the `.git` attacks aim at, with a copy of `repo`'s files
/// (so that a status taken with the attacker's `core.worktree` finds nothing changed and the
/// run goes on to write there) plus a file of the host's own. Returns what it holds.
fn fill_victim(victim: &Path, repo: &Path) -> Vec<std::path::PathBuf> {
    for entry in walk_files(repo) {
        let relative = entry.strip_prefix(repo).unwrap();
        // Path::starts_with compares whole components: `.github` stays.
        if relative.starts_with(".git") {
            continue;
        }
        let target = victim.join(relative);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&entry, &target).unwrap();
    }
    std::fs::write(victim.join("keep.txt"), "the host's file\n").unwrap();
    walk_files(victim)
}

fn walk_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk_files(&path));
        } else {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// The calculator whose `setup` runs `attack` (failures ignored, so the run goes on either
/// way) and leaves an untracked file, so that redgreen writes `.git/info/exclude`.
fn repository_with_attack(dir: &Path, attack: &str) {
    let setup = format!("{attack} ; echo made-by-setup > setup-output.txt ; true");
    let config = format!(
        "{CONFIG}setup: [{}]\n",
        serde_json::to_string(&setup).unwrap()
    );
    repository_with_config(dir, &config).unwrap();
}

fn assert_untouched(victim: &Path, before: &[std::path::PathBuf]) {
    assert_eq!(
        std::fs::read_to_string(victim.join("keep.txt"))
            .ok()
            .as_deref(),
        Some("the host's file\n"),
        "the host's file was removed or changed"
    );
    assert_eq!(
        walk_files(victim),
        before,
        "files appeared or vanished in the host directory"
    );
}

#[tokio::test]
async fn a_symlinked_git_info_exclude_cannot_make_redgreen_write_a_host_file() {
    let repo = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let target = tempfile::tempdir().unwrap();
    let host_file = target.path().join("profile.sh");
    repository_with_attack(
        repo.path(),
        &format!(
            "rm -f .git/info/exclude && ln -s {} .git/info/exclude",
            host_file.display()
        ),
    );
    let model = ModelServer::start().await;
    script_happy_path(&model);

    let Finished { result, stderr } = redgreen_run(repo.path(), data.path(), &model).await;
    assert!(
        !host_file.exists(),
        "redgreen wrote through the sandbox's symlink: {:?}\n{result}\n{stderr}",
        std::fs::read_to_string(&host_file)
    );
    assert_eq!(result["state"], "done", "{result}\n{stderr}");
}

#[tokio::test]
async fn core_worktree_set_from_the_sandbox_cannot_redirect_redgreen_to_a_host_directory() {
    let repo = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let victim = tempfile::tempdir().unwrap();
    repository_with_attack(
        repo.path(),
        &format!(
            "printf '[core]\\n\\tworktree = {}\\n' >> .git/config",
            victim.path().display()
        ),
    );
    let before = fill_victim(victim.path(), repo.path());
    let model = ModelServer::start().await;
    script_happy_path(&model);

    let Finished { result, stderr } = redgreen_run(repo.path(), data.path(), &model).await;
    assert_untouched(victim.path(), &before);
    assert_eq!(result["state"], "done", "{result}\n{stderr}");
}

#[tokio::test]
async fn a_config_include_from_the_sandbox_cannot_redirect_redgreen_to_a_host_directory() {
    let repo = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let victim = tempfile::tempdir().unwrap();
    // The included file is in the work tree, where the sandbox may write; the include itself
    // is relative to `.git/`.
    repository_with_attack(
        repo.path(),
        &format!(
            "printf '[core]\\n\\tworktree = {}\\n' > evil.cfg && \
             printf '[include]\\n\\tpath = ../evil.cfg\\n' >> .git/config",
            victim.path().display()
        ),
    );
    let before = fill_victim(victim.path(), repo.path());
    let model = ModelServer::start().await;
    script_happy_path(&model);

    let Finished { result, stderr } = redgreen_run(repo.path(), data.path(), &model).await;
    assert_untouched(victim.path(), &before);
    assert_eq!(result["state"], "done", "{result}\n{stderr}");
}
