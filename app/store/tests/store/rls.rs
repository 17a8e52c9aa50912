//! PostgreSQL only: row-level security holds for raw SQL too, not just for the store's
//! queries. Connected as the application's own (non-superuser) role, a session sees only what
//! its transaction-local scope allows, and nothing at all without one.

use redgreen_core::InstallationId;
use sqlx::{Connection, Executor, PgConnection, Row};

use crate::harness::{T0, TestDb, fix_delivery};

const TENANT_TABLES: [&str; 8] = [
    "doctor_issues",
    "installations",
    "repositories",
    "deliveries",
    "runs",
    "run_events",
    "audit_log",
    "audit_heads",
];

async fn count(conn: &mut PgConnection, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
        .fetch_one(conn)
        .await
        .unwrap()
}

async fn scope_to(conn: &mut PgConnection, installation: &str) {
    sqlx::query("SELECT set_config('redgreen.installation_id', $1, true)")
        .bind(installation)
        .execute(conn)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL; run with --ignored (see .ci/run)"]
async fn postgres_rls_confines_raw_sql_to_the_scope() {
    let db = TestDb::postgres().await;
    db.store
        .record_delivery(&fix_delivery("a-1", 1, T0))
        .await
        .unwrap();
    db.store
        .record_delivery(&fix_delivery("b-1", 2, T0))
        .await
        .unwrap();
    for installation in [1, 2] {
        db.store
            .record_doctor_issue(InstallationId(installation), "octo/widgets", "main", 1, T0)
            .await
            .unwrap();
    }
    let mut conn = db.postgres_as_app().await;
    let (superuser, bypass): (bool, bool) =
        sqlx::query_as("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert!(
        !superuser && !bypass,
        "the test role must be subject to RLS"
    );

    // Deny by default: no scope, no rows, even for the tables' owner.
    for table in TENANT_TABLES {
        assert_eq!(count(&mut conn, table).await, 0, "{table} without a scope");
    }
    // The queue is the scheduler's and carries no tenant content: not under RLS.
    assert_eq!(count(&mut conn, "tasks").await, 2);

    let mut tx = conn.begin().await.unwrap();
    scope_to(&mut tx, "1").await;
    let runs = tx.fetch_all("SELECT * FROM runs").await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].get::<i64, _>("installation_id"), 1);
    for table in [
        "doctor_issues",
        "deliveries",
        "runs",
        "run_events",
        "installations",
        "repositories",
    ] {
        let other: i64 = sqlx::query_scalar(&format!(
            "SELECT count(*) FROM {table} WHERE installation_id <> 1"
        ))
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        assert_eq!(other, 0, "{table} leaks another tenant's rows");
    }
    let updated = tx
        .execute("UPDATE runs SET actor = 'mallory' WHERE installation_id = 2")
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(updated, 0);
    let err = tx
        .execute(
            "INSERT INTO deliveries (id, event, outcome, installation_id, payload, received_at)
             VALUES ('forged', 'ping', 'ignored', 2, '{}', 0)",
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("row-level security"), "{err}");
    tx.rollback().await.unwrap();

    // The scope was transaction-local: the pooled connection is back to seeing nothing.
    assert_eq!(count(&mut conn, "runs").await, 0);

    let mut tx = conn.begin().await.unwrap();
    sqlx::query("SELECT set_config('redgreen.scope', 'system', true)")
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(count(&mut tx, "runs").await, 2);
    let actors: Vec<String> = sqlx::query_scalar("SELECT actor FROM runs")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert!(actors.iter().all(|actor| actor == "octocat"));
    tx.rollback().await.unwrap();
    conn.close().await.unwrap();

    db.finish().await;
}
