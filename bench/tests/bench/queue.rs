//! `queue` on temporary SQLite databases: every task goes through exactly once, and
//! `--source delivery` writes what the webhook intake writes.

use crate::support::bench_json;

#[tokio::test]
async fn every_task_is_enqueued_leased_and_completed_exactly_once() {
    for settle in ["handoff", "separate"] {
        let report = bench_json(&[
            "queue",
            "--tasks",
            "300",
            "--workers",
            "3",
            "--producers",
            "2",
            "--settle",
            settle,
        ])
        .await;

        assert_eq!(report["backend"], "sqlite");
        assert_eq!(report["settle"], settle);
        assert_eq!(report["enqueue"]["count"], 300);
        assert_eq!(report["complete"]["count"], 300);
        let leases = report["lease"]["count"].as_u64().unwrap();
        if settle == "separate" {
            assert_eq!(leases, 300);
        } else {
            // A consumer leases when it holds nothing; the rest come from hand-offs.
            assert!((1..=300).contains(&leases), "{leases} leases");
        }
        assert_eq!(report["leased_twice"], 0);
        assert_eq!(
            report["left"],
            serde_json::json!({"queued": 0, "leased": 0, "dead": 0})
        );
        assert!(report["tasks_per_s"].as_f64().unwrap() > 0.0);
    }
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

#[tokio::test]
async fn delivery_source_records_what_the_webhook_intake_records() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("queue.db").display());
    let payload = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/github/webhook-examples/issue_comment/created.payload.json"
    );

    let report = bench_json(&[
        "queue",
        "--database-url",
        &url,
        "--source",
        "delivery",
        "--payload",
        payload,
        "--tasks",
        "40",
        "--workers",
        "2",
        "--producers",
        "2",
    ])
    .await;

    assert_eq!(report["source"], "delivery");
    assert_eq!(report["complete"]["count"], 40);
    assert_eq!(report["leased_twice"], 0);
    let store = redgreen_store::Store::connect(&url).await.unwrap();
    let deliveries = store
        .list_deliveries(redgreen_store::Scope::System, 1000)
        .await
        .unwrap();
    assert_eq!(deliveries.len(), 40);
    assert!(deliveries.iter().all(|d| d.outcome == "accepted"));
    let runs = store
        .list_runs(redgreen_store::Scope::System, 1000)
        .await
        .unwrap();
    assert_eq!(runs.len(), 40);
    assert!(
        runs.iter()
            .all(|run| run.kind == redgreen_core::RunKind::Plan)
    );
    let installations: std::collections::BTreeSet<i64> =
        runs.iter().map(|run| run.installation.0).collect();
    assert_eq!(installations.len(), 4);
    assert!(store.verify_audit().await.unwrap().breaks.is_empty());
}
