//! `/healthz`, `/readyz` and `/metrics`.

use axum::body::Body;
use axum::http::{Request, StatusCode};

use crate::support::{Delivery, Harness, comment};

fn get(path: &str) -> Request<Body> {
    Request::builder().uri(path).body(Body::empty()).unwrap()
}

#[tokio::test]
async fn healthz_says_ok() {
    let harness = Harness::new().await;

    let reply = harness.send(get("/healthz")).await;

    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.text, "ok");
}

#[tokio::test]
async fn readyz_is_ready_on_a_migrated_store() {
    let harness = Harness::new().await;

    let reply = harness.send(get("/readyz")).await;

    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json["ready"], true);
    assert!(reply.json["reason"].as_str().unwrap().contains("sqlite"));
}

#[tokio::test]
async fn readyz_is_503_with_a_reason_when_migrations_are_missing() {
    let harness = Harness::new().await;
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", harness.db_path().display()))
        .await
        .unwrap();
    sqlx::query("DROP TABLE _sqlx_migrations")
        .execute(&pool)
        .await
        .unwrap();

    let reply = harness.send(get("/readyz")).await;

    assert_eq!(
        reply.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        reply.text
    );
    assert_eq!(reply.json["ready"], false);
    assert!(!reply.json["reason"].as_str().unwrap().is_empty());
}

/// The value of the sample line that starts with `series` (name and labels).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map(|value| value.trim().parse().unwrap())
}

#[tokio::test]
async fn metrics_count_deliveries_and_show_the_queue_and_workers() {
    let harness = Harness::new().await;
    let empty = harness.send(get("/metrics")).await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(
        empty.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text"),
    );
    assert_eq!(
        sample(&empty.text, r#"redgreen_queue_depth{state="queued"}"#),
        Some(0.0)
    );
    assert_eq!(sample(&empty.text, "redgreen_workers_busy"), Some(0.0));
    let accepted = r#"redgreen_webhook_deliveries_total{event="issue_comment",outcome="accepted"}"#;
    assert_eq!(sample(&empty.text, accepted), None);

    harness
        .deliver(&Delivery::json("issue_comment", &comment("@redgreen plan")))
        .await;
    let mut unsigned = Delivery::json("issue_comment", &comment("@redgreen plan"));
    unsigned.signature = None;
    harness.deliver(&unsigned).await;
    harness.state.metrics.worker_started();
    harness.state.metrics.observe_task("run", "done", 1.5);
    let after = harness.send(get("/metrics")).await;

    assert_eq!(sample(&after.text, accepted), Some(1.0), "{}", after.text);
    assert_eq!(
        sample(
            &after.text,
            r#"redgreen_webhook_deliveries_total{event="unverified",outcome="bad_signature"}"#
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(&after.text, r#"redgreen_queue_depth{state="queued"}"#),
        Some(1.0)
    );
    assert_eq!(sample(&after.text, "redgreen_workers_busy"), Some(1.0));
    assert_eq!(
        sample(
            &after.text,
            r#"redgreen_task_duration_seconds_count{kind="run",outcome="done"}"#
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &after.text,
            r#"redgreen_task_duration_seconds_sum{kind="run",outcome="done"}"#
        ),
        Some(1.5)
    );

    harness.state.metrics.worker_finished();
    let idle = harness.send(get("/metrics")).await;
    assert_eq!(sample(&idle.text, "redgreen_workers_busy"), Some(0.0));
}
