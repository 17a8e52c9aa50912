//! A small Python repository with a real bug (`add` subtracts), and the model's replies that
//! fix it test-first: the fixture of `redgreen run`'s end-to-end tests and of the agent
//! overhead benchmark.

use std::path::Path;

use serde_json::{Value, json};

use crate::ModelServer;

pub const CALC: &str = "def add(a, b):\n    return a - b\n\n\ndef mul(a, b):\n    return a * b\n";
pub const EXISTING_TEST: &str = "import unittest\n\nfrom calc import mul\n\n\nclass MulTest(unittest.TestCase):\n    def test_mul(self):\n        self.assertEqual(mul(3, 4), 12)\n";
pub const RED_TEST: &str = "import unittest\n\nfrom calc import add\n\n\nclass AddTest(unittest.TestCase):\n    def test_add_adds(self):\n        self.assertEqual(add(2, 3), 5)\n";

/// Makes `dir` a git repository with the bug committed on its HEAD, tested by
/// `python3 -m unittest -v` (set in `.github/redgreen.yml`).
pub fn repository(dir: &Path) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    repository_with_config(dir, CONFIG)
}

/// The repository's `.github/redgreen.yml` in [`repository`].
pub const CONFIG: &str = "test: \"python3 -m unittest -v\"\nmax_diff_lines: 50\n";

/// [`repository`] with another `.github/redgreen.yml`.
pub fn repository_with_config(
    dir: &Path,
    config: &str,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    std::fs::create_dir_all(dir.join("tests"))?;
    std::fs::create_dir_all(dir.join(".github"))?;
    std::fs::write(dir.join("calc.py"), CALC)?;
    std::fs::write(dir.join("tests/__init__.py"), "")?;
    std::fs::write(dir.join("tests/test_mul.py"), EXISTING_TEST)?;
    std::fs::write(dir.join(".github/redgreen.yml"), config)?;
    std::fs::write(dir.join(".gitignore"), "__pycache__/\n")?;
    let repo = git2::Repository::init(dir)?;
    let mut index = repo.index()?;
    index.add_all(["*"], git2::IndexAddOption::DEFAULT, None)?;
    index.write()?;
    let tree = repo.find_tree(index.write_tree()?)?;
    let signature = git2::Signature::now("Dev", "dev@example.invalid")?;
    repo.commit(
        Some("HEAD"),
        &signature,
        &signature,
        "Calculator",
        &tree,
        &[],
    )?;
    Ok(())
}

/// The plan a model would submit.
pub fn plan() -> Value {
    json!({
        "summary": "add() subtracts instead of adding",
        "steps": ["Write a test for add", "Fix add"],
        "files": ["calc.py"],
        "test_strategy": "tests/test_add.py asserts add(2, 3) == 5",
        "risk": "low: one function"
    })
}

/// `code_patch` arguments creating `tests/test_add.py`, which fails on the bug.
pub fn write_red_test() -> Value {
    json!({"file_path": "tests/test_add.py", "rationale": "reproduce", "content": RED_TEST})
}

/// `submit_red` naming that test.
pub fn submit_red() -> Value {
    json!({"tests": ["test_add_adds"], "rationale": "add(2, 3) returns -1"})
}

/// `code_patch` arguments replacing `add`'s body with `new_text`.
pub fn fix(new_text: &str) -> Value {
    json!({
        "file_path": "calc.py",
        "rationale": "add must add",
        "edits": [{"old_text": "return a - b", "new_text": new_text}]
    })
}

/// `submit_patch`.
pub fn submit_patch() -> Value {
    json!({"rationale": "add adds"})
}

/// Scripts the five replies of the happy path: plan, write the red test, submit it, fix,
/// submit the patch.
pub fn script_happy_path(model: &ModelServer) {
    model.push_tool_calls(vec![("submit_plan", plan())]);
    model.push_tool_calls(vec![("code_patch", write_red_test())]);
    model.push_tool_calls(vec![("submit_red", submit_red())]);
    model.push_tool_calls(vec![("code_patch", fix("return a + b"))]);
    model.push_tool_calls(vec![("submit_patch", submit_patch())]);
}
