//! `queue` on a temporary SQLite database: every task goes through exactly once.

use crate::support::bench_json;

#[tokio::test]
async fn every_task_is_enqueued_leased_and_completed_exactly_once() {
    let report = bench_json(&[
        "queue",
        "--tasks",
        "300",
        "--workers",
        "3",
        "--producers",
        "2",
    ])
    .await;

    assert_eq!(report["backend"], "sqlite");
    assert_eq!(report["enqueue"]["count"], 300);
    assert_eq!(report["lease"]["count"], 300);
    assert_eq!(report["complete"]["count"], 300);
    assert_eq!(report["leased_twice"], 0);
    assert_eq!(
        report["left"],
        serde_json::json!({"queued": 0, "leased": 0, "dead": 0})
    );
    assert!(report["tasks_per_s"].as_f64().unwrap() > 0.0);
}

#[tokio::test]
async fn an_unknown_database_scheme_is_refused() {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_redgreen-bench"))
        .args([
            "queue",
            "--database-url",
            "mysql://localhost/x",
            "--tasks",
            "1",
        ])
        .output()
        .await
        .unwrap();

    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--database-url"), "{stderr}");
}
