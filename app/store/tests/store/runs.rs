//! Runs: checkpointed transitions with optimistic concurrency, their history, and cancel
//! requests.

use redgreen_core::{InstallationId, RunId, RunState};
use redgreen_store::{RunTransition, Scope, StoreError, TaskState};
use serde_json::json;
use uuid::Uuid;

use crate::harness::{T0, TestDb, fix_delivery};

const TENANT: Scope = Scope::Tenant(InstallationId(9));

fn step(from: RunState, to: RunState, checkpoint: serde_json::Value) -> RunTransition {
    RunTransition {
        from,
        to,
        checkpoint,
        pr_url: None,
        event_kind: "transition".to_owned(),
        message: format!("{from} -> {to}"),
        data: json!({ "to": to }),
    }
}

/// Records a fix delivery for [`TENANT`]; returns its run and the run's task.
async fn new_run(db: &TestDb, delivery_id: &str) -> (RunId, redgreen_core::TaskId) {
    let delivery = fix_delivery(delivery_id, 9, T0);
    db.store.record_delivery(&delivery).await.unwrap();
    (
        delivery.run.as_ref().unwrap().id,
        delivery.task.as_ref().unwrap().id,
    )
}

pub async fn transitions_checkpoint_and_record_events_in_order(db: &TestDb) {
    let (run, _) = new_run(db, "d-1").await;

    let t1 = T0.plus_millis(1_000);
    let moved = db
        .store
        .transition_run(
            TENANT,
            run,
            &step(RunState::Queued, RunState::Preparing, json!({ "step": 1 })),
            t1,
        )
        .await
        .unwrap();
    assert_eq!(moved.state, RunState::Preparing);
    assert_eq!(moved.checkpoint, json!({ "step": 1 }));
    assert_eq!((moved.created_at, moved.updated_at), (T0, t1));

    let t2 = T0.plus_millis(2_000);
    let mut publish = step(
        RunState::Preparing,
        RunState::Publishing,
        json!({ "step": 2 }),
    );
    publish.pr_url = Some("https://github.com/owner/repo-9/pull/3".to_owned());
    db.store
        .transition_run(TENANT, run, &publish, t2)
        .await
        .unwrap();
    // A later transition without a PR URL keeps the one already recorded.
    let t3 = T0.plus_millis(3_000);
    db.store
        .transition_run(
            TENANT,
            run,
            &step(RunState::Publishing, RunState::Done, json!({ "step": 3 })),
            t3,
        )
        .await
        .unwrap();

    let stored = db.store.get_run(TENANT, run).await.unwrap().unwrap();
    assert_eq!(stored.state, RunState::Done);
    assert_eq!(stored.checkpoint, json!({ "step": 3 }));
    assert_eq!(
        stored.pr_url.as_deref(),
        Some("https://github.com/owner/repo-9/pull/3")
    );

    let events = db.store.run_events(TENANT, run).await.unwrap();
    assert_eq!(
        events
            .iter()
            .map(|e| (e.seq, e.at, e.state, e.kind.as_str()))
            .collect::<Vec<_>>(),
        [
            (1, T0, RunState::Queued, "created"),
            (2, t1, RunState::Preparing, "transition"),
            (3, t2, RunState::Publishing, "transition"),
            (4, t3, RunState::Done, "transition"),
        ]
    );
    assert_eq!(events[1].message, "queued -> preparing");
    assert_eq!(events[3].data, json!({ "to": "done" }));

    // Delivery + run created + three transitions, intact.
    let report = db.store.verify_audit().await.unwrap();
    assert_eq!(report.rows, 5);
    assert!(report.breaks.is_empty(), "{:?}", report.breaks);
}

pub async fn transition_from_the_wrong_state_is_a_conflict(db: &TestDb) {
    let (run, _) = new_run(db, "d-1").await;
    db.store
        .transition_run(
            TENANT,
            run,
            &step(RunState::Queued, RunState::Preparing, json!({ "step": 1 })),
            T0,
        )
        .await
        .unwrap();

    // A second worker that still believes the run is queued loses.
    let err = db
        .store
        .transition_run(
            TENANT,
            run,
            &step(
                RunState::Queued,
                RunState::Planning,
                json!({ "stale": true }),
            ),
            T0,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
    assert!(err.is_retryable());
    let stored = db.store.get_run(TENANT, run).await.unwrap().unwrap();
    assert_eq!(stored.state, RunState::Preparing);
    assert_eq!(stored.checkpoint, json!({ "step": 1 }));
    assert_eq!(db.store.run_events(TENANT, run).await.unwrap().len(), 2);

    db.store
        .transition_run(
            TENANT,
            run,
            &step(RunState::Preparing, RunState::Failed, json!({})),
            T0,
        )
        .await
        .unwrap();
    let err = db
        .store
        .transition_run(
            TENANT,
            run,
            &step(RunState::Failed, RunState::Preparing, json!({})),
            T0,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
    assert_eq!(
        db.store.get_run(TENANT, run).await.unwrap().unwrap().state,
        RunState::Failed
    );

    let unknown = RunId(Uuid::now_v7());
    let err = db
        .store
        .transition_run(
            TENANT,
            unknown,
            &step(RunState::Queued, RunState::Preparing, json!({})),
            T0,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
}

pub async fn cancel_of_a_queued_run_cancels_it_and_its_tasks(db: &TestDb) {
    let (run, task) = new_run(db, "d-1").await;
    let now = T0.plus_millis(500);
    let cancelled = db
        .store
        .request_cancel(TENANT, run, "octocat", now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cancelled.state, RunState::Cancelled);
    assert_eq!(cancelled.updated_at, now);

    assert_eq!(
        db.store.task(task).await.unwrap().unwrap().state,
        TaskState::Cancelled
    );
    assert!(db.store.lease("w", 30_000, now).await.unwrap().is_none());
    let events = db.store.run_events(TENANT, run).await.unwrap();
    let last = events.last().unwrap();
    assert_eq!((last.seq, last.kind.as_str()), (2, "cancelled"));
    assert_eq!(last.state, RunState::Cancelled);
    assert!(last.message.contains("octocat"));

    let report = db.store.verify_audit().await.unwrap();
    assert_eq!(report.rows, 3);
    assert!(report.breaks.is_empty(), "{:?}", report.breaks);
}

pub async fn cancel_of_a_running_run_flags_it_once(db: &TestDb) {
    let (run, task) = new_run(db, "d-1").await;
    let leased = db.store.lease("w", 30_000, T0).await.unwrap().unwrap();
    assert_eq!(leased.id, task);
    db.store
        .transition_run(
            TENANT,
            run,
            &step(RunState::Queued, RunState::Planning, json!({})),
            T0,
        )
        .await
        .unwrap();

    let now = T0.plus_millis(100);
    let flagged = db
        .store
        .request_cancel(TENANT, run, "octocat", now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(flagged.state, RunState::Planning);
    assert!(flagged.cancel_requested);
    // The worker stops at its next step; its task stays leased to it until then.
    assert_eq!(
        db.store.task(task).await.unwrap().unwrap().state,
        TaskState::Leased
    );
    let events = db.store.run_events(TENANT, run).await.unwrap();
    assert_eq!(events.last().unwrap().kind, "cancel_requested");

    let again = db
        .store
        .request_cancel(Scope::System, run, "admin", now.plus_millis(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again, flagged);
    assert_eq!(
        db.store.run_events(TENANT, run).await.unwrap().len(),
        events.len()
    );
}

pub async fn cancel_of_a_terminal_or_unknown_run_changes_nothing(db: &TestDb) {
    let (run, _) = new_run(db, "d-1").await;
    for (from, to) in [
        (RunState::Queued, RunState::Preparing),
        (RunState::Preparing, RunState::Failed),
    ] {
        db.store
            .transition_run(TENANT, run, &step(from, to, json!({})), T0)
            .await
            .unwrap();
    }
    let before = db.store.get_run(TENANT, run).await.unwrap().unwrap();
    let audit_rows = db.count("audit_log").await;

    let after = db
        .store
        .request_cancel(TENANT, run, "octocat", T0.plus_millis(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after, before);
    assert_eq!(db.store.run_events(TENANT, run).await.unwrap().len(), 3);
    assert_eq!(db.count("audit_log").await, audit_rows);

    let unknown = RunId(Uuid::now_v7());
    assert_eq!(
        db.store
            .request_cancel(Scope::System, unknown, "octocat", T0)
            .await
            .unwrap(),
        None
    );
}
