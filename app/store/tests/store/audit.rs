//! The hash-chained audit log: intact chains verify; an edited, a deleted middle and a deleted
//! newest row are each reported where they happened.

use redgreen_store::AuditReport;

use crate::harness::{T0, TestDb, fix_delivery, ignored_delivery};

/// Four entries on installation 5's chain (seq 1..=4) and two on installation 6's.
async fn two_chains(db: &TestDb) {
    for (i, id) in ["a", "b", "c", "d"].into_iter().enumerate() {
        db.store
            .record_delivery(&ignored_delivery(id, Some(5), T0.plus_millis(i as i64)))
            .await
            .unwrap();
    }
    db.store
        .record_delivery(&fix_delivery("e", 6, T0))
        .await
        .unwrap();
    let report = db.store.verify_audit().await.unwrap();
    assert_eq!((report.rows, report.chains), (6, 2));
    assert!(report.breaks.is_empty(), "{:?}", report.breaks);
}

/// The one break `report` holds, as (chain, seq, reason).
fn single_break(report: &AuditReport) -> (i64, i64, &str) {
    assert_eq!(report.breaks.len(), 1, "{:?}", report.breaks);
    let b = &report.breaks[0];
    (b.chain, b.seq, b.reason.as_str())
}

pub async fn fresh_log_verifies(db: &TestDb) {
    let empty = db.store.verify_audit().await.unwrap();
    assert_eq!((empty.rows, empty.chains), (0, 0));
    assert!(empty.breaks.is_empty());
    two_chains(db).await;
}

pub async fn edited_row_is_detected(db: &TestDb) {
    two_chains(db).await;
    db.tamper("UPDATE audit_log SET data = '{\"event\":\"push\"}' WHERE chain = 5 AND seq = 2")
        .await;
    let report = db.store.verify_audit().await.unwrap();
    let (chain, seq, reason) = single_break(&report);
    assert_eq!((chain, seq), (5, 2));
    assert!(reason.contains("edited"), "{reason}");
}

pub async fn deleted_middle_row_is_detected(db: &TestDb) {
    two_chains(db).await;
    db.tamper("DELETE FROM audit_log WHERE chain = 5 AND seq = 2")
        .await;
    let report = db.store.verify_audit().await.unwrap();
    assert_eq!(report.rows, 5);
    let (chain, seq, reason) = single_break(&report);
    assert_eq!((chain, seq), (5, 3));
    assert!(reason.contains("missing"), "{reason}");
}

pub async fn deleted_tail_row_is_detected(db: &TestDb) {
    two_chains(db).await;
    db.tamper("DELETE FROM audit_log WHERE chain = 5 AND seq = 4")
        .await;
    let report = db.store.verify_audit().await.unwrap();
    let (chain, seq, reason) = single_break(&report);
    assert_eq!((chain, seq), (5, 4));
    assert!(reason.contains("head is at seq 4"), "{reason}");
}

pub async fn log_refuses_edits_without_tampering(db: &TestDb) {
    two_chains(db).await;
    for sql in [
        "UPDATE audit_log SET data = '{}' WHERE chain = 5 AND seq = 2",
        "DELETE FROM audit_log WHERE chain = 5 AND seq = 4",
        "UPDATE audit_heads SET seq = 3 WHERE chain = 5",
        "DELETE FROM audit_heads WHERE chain = 5",
    ] {
        let err = db.raw_execute(sql).await.unwrap_err();
        assert!(err.to_string().contains("audit"), "{sql}: {err}");
    }
    let report = db.store.verify_audit().await.unwrap();
    assert_eq!(report.rows, 6);
    assert!(report.breaks.is_empty(), "{:?}", report.breaks);
}
