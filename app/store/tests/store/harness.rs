//! A fresh database per test on either backend, with a side door for raw SQL (counting rows,
//! tampering with the audit log) that goes around the store.

use std::path::PathBuf;
use std::str::FromStr;

use redgreen_core::{DeliveryId, InstallationId, RunId, RunKind, TaskId, Timestamp};
use redgreen_store::{NewDelivery, NewRun, NewTask, RepositoryRef, Store};
use serde_json::json;
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, Executor, PgConnection, SqliteConnection};
use uuid::Uuid;

/// The login role the Postgres tests connect as: not a superuser and without BYPASSRLS, so
/// row-level security applies to it.
pub const TEST_ROLE: &str = "redgreen_test";

/// A moment in the tests' world; the store never reads the clock.
pub const T0: Timestamp = Timestamp(1_700_000_000_000);

pub struct TestDb {
    pub store: Store,
    /// The URL the store was opened with.
    pub url: String,
    backend: Backend,
}

enum Backend {
    Sqlite {
        _dir: tempfile::TempDir,
        path: PathBuf,
    },
    Postgres {
        /// The superuser's URL to the maintenance database.
        admin_url: String,
        name: String,
    },
}

fn postgres_admin_url() -> String {
    std::env::var("REDGREEN_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("redgreen.db");
        let url = format!("sqlite://{}", path.display());
        let store = Store::connect(&url).await.expect("connect sqlite");
        TestDb {
            store,
            url,
            backend: Backend::Sqlite { _dir: dir, path },
        }
    }

    /// A new database owned by [`TEST_ROLE`], created through the superuser connection.
    pub async fn postgres() -> TestDb {
        let admin_url = postgres_admin_url();
        let mut admin = PgConnection::connect(&admin_url)
            .await
            .expect("connect to PostgreSQL as its superuser (REDGREEN_TEST_POSTGRES_URL)");
        // Tests run in parallel, so two may create the role at once.
        admin
            .execute(
                format!(
                    "DO $$ BEGIN CREATE ROLE {TEST_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS;
                     EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
                )
                .as_str(),
            )
            .await
            .expect("create test role");
        let name = format!("redgreen_test_{}", Uuid::now_v7().simple());
        admin
            .execute(format!("CREATE DATABASE {name} OWNER {TEST_ROLE}").as_str())
            .await
            .expect("create test database");
        admin.close().await.expect("close admin connection");
        let url = PgConnectOptions::from_str(&admin_url)
            .expect("admin url")
            .username(TEST_ROLE)
            .database(&name)
            .to_url_lossy()
            .to_string();
        let store = Store::connect(&url).await.expect("connect postgres");
        TestDb {
            store,
            url,
            backend: Backend::Postgres { admin_url, name },
        }
    }

    /// Runs `sql` around the store: on SQLite through a plain connection, on PostgreSQL as
    /// the superuser (which bypasses row-level security, but not triggers).
    pub async fn raw_execute(&self, sql: &str) -> Result<u64, sqlx::Error> {
        match &self.backend {
            Backend::Sqlite { path, .. } => {
                let mut conn = SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                    .await
                    .expect("raw sqlite connection");
                conn.execute(sql).await.map(|done| done.rows_affected())
            }
            Backend::Postgres { admin_url, name } => {
                let mut conn = self.postgres_superuser(admin_url, name).await;
                conn.execute(sql).await.map(|done| done.rows_affected())
            }
        }
    }

    /// Like [`TestDb::raw_execute`], with the audit log's append-only triggers out of the
    /// way: what an attacker with direct database access could do.
    pub async fn tamper(&self, sql: &str) {
        match &self.backend {
            Backend::Sqlite { .. } => {
                self.raw_execute(
                    "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;",
                )
                .await
                .expect("drop the append-only triggers");
                self.raw_execute(sql).await.expect(sql);
            }
            Backend::Postgres { .. } => {
                // Superuser only: replica mode skips ordinary triggers for this session.
                self.raw_execute(&format!("SET session_replication_role = replica; {sql}"))
                    .await
                    .expect(sql);
            }
        }
    }

    /// Rows in `table`, whatever their tenant.
    pub async fn count(&self, table: &str) -> i64 {
        let sql = format!("SELECT count(*) FROM {table}");
        match &self.backend {
            Backend::Sqlite { path, .. } => {
                let mut conn = SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                    .await
                    .expect("raw sqlite connection");
                sqlx::query_scalar(&sql)
                    .fetch_one(&mut conn)
                    .await
                    .expect(&sql)
            }
            Backend::Postgres { admin_url, name } => {
                let mut conn = self.postgres_superuser(admin_url, name).await;
                sqlx::query_scalar(&sql)
                    .fetch_one(&mut conn)
                    .await
                    .expect(&sql)
            }
        }
    }

    /// Row counts of every table the store writes, to show that a call wrote nothing.
    pub async fn counts(&self) -> Vec<(&'static str, i64)> {
        let mut counts = Vec::new();
        for table in [
            "installations",
            "repositories",
            "deliveries",
            "runs",
            "run_events",
            "tasks",
            "audit_log",
            "audit_heads",
        ] {
            counts.push((table, self.count(table).await));
        }
        counts
    }

    /// A connection to this test's database as [`TEST_ROLE`], the role the store uses.
    pub async fn postgres_as_app(&self) -> PgConnection {
        let Backend::Postgres { .. } = &self.backend else {
            panic!("postgres_as_app on a SQLite test database");
        };
        PgConnection::connect(&self.url)
            .await
            .expect("connect as the test role")
    }

    async fn postgres_superuser(&self, admin_url: &str, name: &str) -> PgConnection {
        let options = PgConnectOptions::from_str(admin_url)
            .expect("admin url")
            .database(name);
        PgConnection::connect_with(&options)
            .await
            .expect("superuser connection to the test database")
    }

    /// Drops a Postgres test database (best effort; a failed test leaves it for inspection).
    pub async fn finish(self) {
        let TestDb { store, backend, .. } = self;
        drop(store);
        if let Backend::Postgres { admin_url, name } = backend
            && let Ok(mut admin) = PgConnection::connect(&admin_url).await
        {
            let _ = admin
                .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                .await;
        }
    }
}

/// A `@redgreen fix` delivery on issue 7 of `owner/repo-<installation>` that creates a run and
/// the task that drives it.
pub fn fix_delivery(id: &str, installation: i64, at: Timestamp) -> NewDelivery {
    let run = RunId(Uuid::now_v7());
    NewDelivery {
        run: Some(NewRun {
            id: run,
            kind: RunKind::Fix,
            issue: Some(7),
            pull_request: None,
            actor: "octocat".to_owned(),
            request: json!({ "command": "fix", "instructions": "make it green" }),
        }),
        task: Some(NewTask {
            id: TaskId(Uuid::now_v7()),
            kind: "run".to_owned(),
            installation: Some(InstallationId(installation)),
            run: Some(run),
            payload: json!({ "run": run }),
            max_attempts: 3,
            run_at: at,
        }),
        ..ignored_delivery(id, Some(installation), at)
    }
}

/// A delivery that is only recorded: no run, no task.
pub fn ignored_delivery(id: &str, installation: Option<i64>, at: Timestamp) -> NewDelivery {
    NewDelivery {
        id: DeliveryId(id.to_owned()),
        event: "issue_comment".to_owned(),
        action: Some("created".to_owned()),
        installation: installation.map(InstallationId),
        repository: installation.map(|i| RepositoryRef {
            github_id: 1_000 + i,
            full_name: format!("owner/repo-{i}"),
            clone_url: format!("https://github.com/owner/repo-{i}.git"),
        }),
        outcome: "ignored".to_owned(),
        reason: Some("no mention".to_owned()),
        payload: format!("{{\"delivery\":\"{id}\"}}"),
        received_at: at,
        run: None,
        task: None,
    }
}

/// A bare queue task, as benchmarks and follow-up work enqueue them.
pub fn task(max_attempts: i32, run_at: Timestamp) -> NewTask {
    NewTask {
        id: TaskId(Uuid::now_v7()),
        kind: "control".to_owned(),
        installation: None,
        run: None,
        payload: json!({ "n": 1 }),
        max_attempts,
        run_at,
    }
}
