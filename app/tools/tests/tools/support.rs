//! Shared helpers: temporary repositories with real files and real git commits, and a test
//! executor that runs commands directly (NOT sandboxed: tests only).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use redgreen_tools::{ExecutedCommand, TestExecutor, TestInvocation, ToolError};

/// Writes `files` (path, content) under a new temporary directory.
pub fn repo_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, content) in files {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, content).unwrap();
    }
    dir
}

/// Initializes a git repository at `root` and commits everything in it.
pub fn commit_all(root: &Path, message: &str) {
    let repo = match git2::Repository::open(root) {
        Ok(repo) => repo,
        Err(_) => git2::Repository::init(root).unwrap(),
    };
    let mut index = repo.index().unwrap();
    index
        .add_all(["*"].iter(), git2::IndexAddOption::DEFAULT, None)
        .unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let signature = git2::Signature::now("test", "test@example.com").unwrap();
    let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
    repo.commit(
        Some("HEAD"),
        &signature,
        &signature,
        message,
        &tree,
        &parents,
    )
    .unwrap();
}

pub fn read(root: &Path, path: &str) -> String {
    std::fs::read_to_string(root.join(path)).unwrap()
}

pub fn fixture(name: &str) -> String {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "tests",
        "tools",
        "fixtures",
        name,
    ]
    .iter()
    .collect();
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

/// Runs the command with `/bin/sh -c` directly on the host, in the workspace directory.
/// NOT a sandbox: it exists so that run_tests can be tested with a real process here; the
/// sandboxed executor is covered by the binary's end-to-end tests.
pub struct UnsandboxedExecutor;

impl TestExecutor for UnsandboxedExecutor {
    fn execute(&self, invocation: &TestInvocation<'_>) -> Result<ExecutedCommand, ToolError> {
        let started = Instant::now();
        let output = Command::new("/bin/sh")
            .arg("-c")
            .arg(invocation.command)
            .current_dir(invocation.workspace)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .output()
            .map_err(|e| ToolError::Exec(e.to_string()))?;
        Ok(ExecutedCommand {
            exit_code: output.status.code(),
            timed_out: false,
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            truncated: false,
            duration_ms: started.elapsed().as_millis() as u64,
            disk_limit_hit: false,
        })
    }
}
