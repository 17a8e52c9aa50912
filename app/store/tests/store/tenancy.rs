//! The tenant boundary through every scoped method: installation A sees and changes nothing of
//! installation B's; the system scope sees both.

use redgreen_core::{InstallationId, RunState};
use redgreen_store::{Recorded, RunTransition, Scope, StoreError};
use serde_json::json;

use crate::harness::{T0, TestDb, fix_delivery, ignored_delivery};

pub async fn a_tenant_sees_nothing_of_another_tenant(db: &TestDb) {
    let a = Scope::Tenant(InstallationId(1));
    let b_delivery = fix_delivery("b-1", 2, T0);
    let b_run = b_delivery.run.as_ref().unwrap().id;
    db.store
        .record_delivery(&fix_delivery("a-1", 1, T0))
        .await
        .unwrap();
    db.store
        .record_delivery(&ignored_delivery("a-2", Some(1), T0.plus_millis(1)))
        .await
        .unwrap();
    db.store.record_delivery(&b_delivery).await.unwrap();
    db.store
        .record_delivery(&ignored_delivery("b-2", Some(2), T0.plus_millis(1)))
        .await
        .unwrap();

    let deliveries = db.store.list_deliveries(a, 100).await.unwrap();
    assert_eq!(
        deliveries
            .iter()
            .map(|d| d.id.0.as_str())
            .collect::<Vec<_>>(),
        ["a-2", "a-1"]
    );
    let runs = db.store.list_runs(a, 100).await.unwrap();
    assert_eq!(runs.len(), 1);
    assert!(runs.iter().all(|r| r.installation == InstallationId(1)));

    assert_eq!(db.store.get_run(a, b_run).await.unwrap(), None);
    let err = db.store.run_events(a, b_run).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    let transition = RunTransition {
        from: RunState::Queued,
        to: RunState::Preparing,
        checkpoint: json!({ "hijacked": true }),
        pr_url: None,
        event_kind: "transition".to_owned(),
        message: "from the wrong tenant".to_owned(),
        data: json!({}),
    };
    let err = db
        .store
        .transition_run(a, b_run, &transition, T0.plus_millis(10))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    assert_eq!(
        db.store
            .request_cancel(a, b_run, "mallory", T0.plus_millis(10))
            .await
            .unwrap(),
        None
    );

    // A's delivery id arriving for B is still a redelivery, though B cannot see A's row.
    let mut collision = ignored_delivery("a-1", Some(2), T0.plus_millis(20));
    collision.outcome = "accepted".to_owned();
    assert_eq!(
        db.store.record_delivery(&collision).await.unwrap(),
        Recorded::Duplicate
    );

    // B's run is untouched, as the system scope sees it.
    let b = db
        .store
        .get_run(Scope::System, b_run)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(b.state, RunState::Queued);
    assert!(!b.cancel_requested);
    assert_eq!(b.checkpoint, serde_json::Value::Null);
    assert_eq!(
        db.store
            .run_events(Scope::System, b_run)
            .await
            .unwrap()
            .len(),
        1
    );

    let system = db.store.list_deliveries(Scope::System, 100).await.unwrap();
    assert_eq!(system.len(), 4);
    assert_eq!(
        db.store.list_runs(Scope::System, 100).await.unwrap().len(),
        2
    );
    let b_scope = Scope::Tenant(InstallationId(2));
    assert_eq!(db.store.list_runs(b_scope, 100).await.unwrap()[0].id, b_run);
    assert!(
        db.store
            .list_deliveries(Scope::Tenant(InstallationId(3)), 100)
            .await
            .unwrap()
            .is_empty()
    );
}
