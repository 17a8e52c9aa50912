//! Running the `redgreen-bench` binary and reading its `--json` report.

use serde_json::Value;

/// Runs `redgreen-bench ARGS --json` and returns its report; fails the test on a non-zero
/// exit, showing what the binary printed.
pub async fn bench_json(args: &[&str]) -> Value {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_redgreen-bench"))
        .args(args)
        .arg("--json")
        .output()
        .await
        .expect("redgreen-bench runs");
    assert!(
        output.status.success(),
        "redgreen-bench {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the report is JSON")
}
