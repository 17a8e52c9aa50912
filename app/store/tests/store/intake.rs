//! Migrations and webhook intake: a delivery, its run, its task and its audit entries are
//! written together or not at all, and a redelivery writes nothing.

use redgreen_core::{InstallationId, RunKind, RunState};
use redgreen_store::{Recorded, Scope, Store, StoreError, TaskState};
use serde_json::json;

use crate::harness::{T0, TestDb, fix_delivery, ignored_delivery};

pub async fn migrations_are_idempotent_on_reconnect(db: &TestDb) {
    db.store.ready().await.unwrap();
    db.store
        .record_delivery(&ignored_delivery("d-1", Some(1), T0))
        .await
        .unwrap();

    let again = Store::connect(&db.url).await.unwrap();
    again.ready().await.unwrap();
    let deliveries = again.list_deliveries(Scope::System, 10).await.unwrap();
    assert_eq!(deliveries.len(), 1);
    // One row per migration file, none applied twice.
    let embedded = std::fs::read_dir(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../migrations/sqlite"
    ))
    .unwrap()
    .count();
    assert_eq!(
        db.count("_sqlx_migrations").await,
        i64::try_from(embedded).unwrap()
    );
}

pub async fn delivery_run_task_and_audit_are_written_together(db: &TestDb) {
    let delivery = fix_delivery("d-1", 42, T0);
    let recorded = db.store.record_delivery(&delivery).await.unwrap();
    let run_id = delivery.run.as_ref().unwrap().id;
    let task_id = delivery.task.as_ref().unwrap().id;
    assert_eq!(
        recorded,
        Recorded::New {
            run: Some(run_id),
            task: Some(task_id)
        }
    );

    let tenant = Scope::Tenant(InstallationId(42));
    let run = db.store.get_run(tenant, run_id).await.unwrap().unwrap();
    assert_eq!(run.state, RunState::Queued);
    assert_eq!(run.kind, RunKind::Fix);
    assert_eq!(run.installation, InstallationId(42));
    assert_eq!(run.repository, "owner/repo-42");
    assert_eq!(run.issue, Some(7));
    assert_eq!(run.actor, "octocat");
    assert_eq!(run.request["instructions"], "make it green");
    assert_eq!(run.checkpoint, serde_json::Value::Null);
    assert!(!run.cancel_requested);
    assert_eq!((run.created_at, run.updated_at), (T0, T0));

    let events = db.store.run_events(tenant, run_id).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].seq, 1);
    assert_eq!(events[0].kind, "created");
    assert_eq!(events[0].state, RunState::Queued);
    assert_eq!(events[0].data, json!({ "delivery": "d-1" }));

    let task = db.store.task(task_id).await.unwrap().unwrap();
    assert_eq!(task.state, TaskState::Queued);
    assert_eq!((task.attempts, task.max_attempts), (0, 3));
    assert_eq!(task.run_at, T0);

    let deliveries = db.store.list_deliveries(tenant, 10).await.unwrap();
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0].id.0, "d-1");
    assert_eq!(deliveries[0].event, "issue_comment");
    assert_eq!(deliveries[0].action.as_deref(), Some("created"));
    assert_eq!(deliveries[0].installation, Some(InstallationId(42)));
    assert_eq!(deliveries[0].received_at, T0);

    assert_eq!(db.count("installations").await, 1);
    assert_eq!(db.count("repositories").await, 1);
    // The delivery and the run's creation, on installation 42's chain.
    let report = db.store.verify_audit().await.unwrap();
    assert_eq!((report.rows, report.chains), (2, 1));
    assert!(report.breaks.is_empty(), "{:?}", report.breaks);
    assert_eq!(db.store.queue_depth().await.unwrap().queued, 1);
}

pub async fn redelivery_is_duplicate_and_writes_nothing(db: &TestDb) {
    let first = fix_delivery("d-1", 42, T0);
    db.store.record_delivery(&first).await.unwrap();
    let before = db.counts().await;

    // Same X-GitHub-Delivery; everything else differs (a new run and task id, a later time).
    let mut again = fix_delivery("d-1", 42, T0.plus_millis(5_000));
    again.outcome = "accepted".to_owned();
    assert_eq!(
        db.store.record_delivery(&again).await.unwrap(),
        Recorded::Duplicate
    );
    assert_eq!(db.counts().await, before);

    let runs = db.store.list_runs(Scope::System, 10).await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].id, first.run.as_ref().unwrap().id);
    let deliveries = db.store.list_deliveries(Scope::System, 10).await.unwrap();
    assert_eq!(deliveries[0].outcome, "ignored");
    assert_eq!(deliveries[0].received_at, T0);
    assert!(
        db.store
            .task(again.task.as_ref().unwrap().id)
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn app_level_delivery_is_visible_to_system_only(db: &TestDb) {
    let mut ping = ignored_delivery("ping-1", None, T0);
    ping.event = "ping".to_owned();
    ping.action = None;
    assert!(matches!(
        db.store.record_delivery(&ping).await.unwrap(),
        Recorded::New {
            run: None,
            task: None
        }
    ));
    db.store
        .record_delivery(&ignored_delivery("d-1", Some(1), T0))
        .await
        .unwrap();

    let system = db.store.list_deliveries(Scope::System, 10).await.unwrap();
    assert_eq!(system.len(), 2);
    let tenant = db
        .store
        .list_deliveries(Scope::Tenant(InstallationId(1)), 10)
        .await
        .unwrap();
    assert_eq!(tenant.len(), 1);
    assert_eq!(tenant[0].id.0, "d-1");

    // One chain for the app-level entry, one for installation 1.
    let report = db.store.verify_audit().await.unwrap();
    assert_eq!((report.rows, report.chains), (2, 2));
    assert!(report.breaks.is_empty(), "{:?}", report.breaks);
}

pub async fn run_without_tenant_is_refused_and_writes_nothing(db: &TestDb) {
    let mut delivery = fix_delivery("d-1", 42, T0);
    delivery.installation = None;
    let err = db.store.record_delivery(&delivery).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    assert!(!err.is_retryable());
    assert!(db.counts().await.iter().all(|(_, n)| *n == 0));
}

pub async fn concurrent_deliveries_keep_every_chain_intact(db: &TestDb) {
    let mut handles = Vec::new();
    for i in 0..24_i64 {
        let store = db.store.clone();
        handles.push(tokio::spawn(async move {
            let delivery = fix_delivery(&format!("d-{i}"), 1 + i % 3, T0.plus_millis(i));
            store.record_delivery(&delivery).await
        }));
    }
    for handle in handles {
        assert!(matches!(
            handle.await.unwrap().unwrap(),
            Recorded::New { .. }
        ));
    }
    let report = db.store.verify_audit().await.unwrap();
    assert_eq!((report.rows, report.chains), (48, 3));
    assert!(report.breaks.is_empty(), "{:?}", report.breaks);
    assert_eq!(
        db.store.list_runs(Scope::System, 100).await.unwrap().len(),
        24
    );
}

/// A delivery that fails halfway (its task id is already taken, so the task insert fails
/// after its delivery, run and event rows were written) leaves no trace, while deliveries
/// written at the same time (on SQLite, possibly in the same transaction) all land.
pub async fn a_delivery_failing_halfway_is_rolled_back_alone(db: &TestDb) {
    let first = fix_delivery("ok-0", 5, T0);
    db.store.record_delivery(&first).await.unwrap();
    let taken_task = first.task.as_ref().unwrap().id;

    let mut handles = Vec::new();
    for i in 1..=16_i64 {
        let store = db.store.clone();
        let mut delivery = fix_delivery(&format!("ok-{i}"), 5 + i % 2, T0.plus_millis(i));
        if i == 8 {
            delivery.id = redgreen_core::DeliveryId("bad".to_owned());
            delivery.task.as_mut().unwrap().id = taken_task;
        }
        handles.push(tokio::spawn(async move {
            store.record_delivery(&delivery).await
        }));
    }
    for (i, handle) in (1..=16).zip(handles) {
        let result = handle.await.unwrap();
        if i == 8 {
            let error = result.unwrap_err();
            assert!(!error.is_retryable(), "{error}");
        } else {
            assert!(matches!(result.unwrap(), Recorded::New { .. }));
        }
    }
    assert_eq!(db.count("deliveries WHERE id = 'bad'").await, 0);
    assert_eq!(db.count("deliveries").await, 16);
    assert_eq!(db.count("runs").await, 16);
    assert_eq!(db.count("run_events").await, 16);
    assert_eq!(db.count("tasks").await, 16);
    let report = db.store.verify_audit().await.unwrap();
    assert_eq!(report.rows, 32);
    assert!(report.breaks.is_empty(), "{:?}", report.breaks);
}

pub async fn a_renamed_repository_is_updated_and_an_unchanged_one_left_alone(db: &TestDb) {
    db.store
        .record_delivery(&ignored_delivery("r-1", Some(9), T0))
        .await
        .unwrap();
    db.store
        .record_delivery(&ignored_delivery("r-2", Some(9), T0.plus_millis(1_000)))
        .await
        .unwrap();
    // Unchanged: the second delivery did not rewrite the row (its updated_at is the first's).
    let untouched = format!("repositories WHERE updated_at = {}", T0.millis());
    assert_eq!(db.count(&untouched).await, 1);

    let mut renamed = ignored_delivery("r-3", Some(9), T0.plus_millis(2_000));
    if let Some(repository) = renamed.repository.as_mut() {
        repository.full_name = "owner/renamed".to_owned();
        repository.clone_url = "https://github.com/owner/renamed.git".to_owned();
    }
    db.store.record_delivery(&renamed).await.unwrap();
    assert_eq!(db.count("repositories").await, 1);
    assert_eq!(
        db.count("repositories WHERE full_name = 'owner/renamed'")
            .await,
        1
    );
}
