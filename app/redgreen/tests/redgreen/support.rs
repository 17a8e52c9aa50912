//! Shared fixtures: fresh databases for both backends, tasks, polling.

use std::time::{Duration, Instant};

use redgreen_core::{DeliveryId, InstallationId, RunId, RunKind, TaskId, Timestamp};
use redgreen_store::{NewDelivery, NewRun, NewTask, RepositoryRef, Store};
use uuid::Uuid;

pub fn now() -> Timestamp {
    redgreen::now()
}

/// A fresh SQLite database URL in `dir`.
pub fn sqlite_url(dir: &tempfile::TempDir) -> String {
    format!("sqlite://{}", dir.path().join("redgreen.db").display())
}

/// A fresh PostgreSQL database (created as the superuser of `REDGREEN_TEST_POSTGRES_URL`).
pub async fn postgres_url() -> String {
    use sqlx::Connection as _;
    let admin = std::env::var("REDGREEN_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let name = format!("redgreen_bin_{}", Uuid::now_v7().simple());
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .expect("PostgreSQL must be reachable at REDGREEN_TEST_POSTGRES_URL");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create test database");
    let (base, _) = admin.rsplit_once('/').expect("URL with a database name");
    format!("{base}/{name}")
}

pub fn new_task(max_attempts: i32) -> NewTask {
    NewTask {
        id: TaskId(Uuid::now_v7()),
        kind: "test".into(),
        installation: None,
        run: None,
        payload: serde_json::json!({}),
        max_attempts,
        run_at: now(),
    }
}

/// Polls `check` until it returns `Some`, or panics after `timeout`.
pub async fn eventually<T, F, Fut>(timeout: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub async fn connect(url: &str) -> Store {
    Store::connect(url).await.expect("connect store")
}

/// A delivery that creates a run of `kind` for `installation`, with the task that drives it.
pub fn delivery_with_run(installation: InstallationId, kind: RunKind) -> (NewDelivery, RunId) {
    let run = RunId(Uuid::now_v7());
    let delivery = NewDelivery {
        id: DeliveryId(Uuid::now_v7().to_string()),
        event: "issue_comment".into(),
        action: Some("created".into()),
        installation: Some(installation),
        repository: Some(RepositoryRef {
            github_id: 7,
            full_name: "octo/widgets".into(),
            clone_url: "https://github.com/octo/widgets.git".into(),
        }),
        outcome: "accepted".into(),
        reason: None,
        payload: "{}".into(),
        received_at: now(),
        run: Some(NewRun {
            id: run,
            kind,
            issue: Some(1),
            pull_request: None,
            actor: "octocat".into(),
            request: serde_json::json!({}),
        }),
        task: Some(NewTask {
            run: Some(run),
            installation: Some(installation),
            kind: "run".into(),
            max_attempts: 5,
            ..new_task(5)
        }),
    };
    (delivery, run)
}
