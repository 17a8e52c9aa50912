//! PostgreSQL backend: for production and for many processes sharing one database.
//!
//! Tenant isolation is enforced by the database: every tenant table has row-level security
//! (see the migration), and every tenant read or write runs in a transaction that first sets
//! the scope with transaction-local `set_config`, so a pooled connection never carries one
//! caller's scope into the next. The queries also filter on the scope, which keeps tenants
//! apart even when the role connected bypasses RLS (a superuser); `connect` warns about that.
//!
//! The queue table holds no tenant content and is not under RLS; its operations are single
//! statements with no transaction around them, one round trip each, and concurrent enqueues
//! share one statement (`enqueue_batch.rs`).

mod audit;
mod deliveries;
mod doctor_issues;
mod enqueue_batch;
mod queue;
mod runs;

use std::str::FromStr;
use std::sync::Arc;

use sqlx::migrate::{Migrate, Migrator};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{PgConnection, Postgres, Transaction};

use crate::error::StoreError;
use crate::migrations::check_applied;
use crate::scope::Scope;

static MIGRATOR: Migrator = sqlx::migrate!("../../migrations/postgres");

#[derive(Debug, Clone)]
pub(crate) struct PostgresStore {
    pool: PgPool,
    enqueues: Arc<enqueue_batch::EnqueueBatcher>,
}

/// Sets the row-level-security scope for the rest of the current transaction.
async fn set_scope(conn: &mut PgConnection, scope: Scope) -> Result<(), StoreError> {
    let (name, installation) = match scope {
        Scope::Tenant(installation) => ("tenant", installation.0.to_string()),
        Scope::System => ("system", String::new()),
    };
    sqlx::query(
        "SELECT set_config('redgreen.scope', $1, true),
                set_config('redgreen.installation_id', $2, true)",
    )
    .bind(name)
    .bind(installation)
    .execute(conn)
    .await?;
    Ok(())
}

impl PostgresStore {
    pub(crate) async fn connect(url: &str) -> Result<PostgresStore, StoreError> {
        let options = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;
        let bypasses_rls: bool = sqlx::query_scalar(
            "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user",
        )
        .fetch_one(&pool)
        .await?;
        if bypasses_rls {
            tracing::warn!(
                "connected to PostgreSQL as a role that bypasses row-level security; tenant \
                 isolation rests on query filters alone (connect as a role without SUPERUSER \
                 and BYPASSRLS)"
            );
        }
        Ok(PostgresStore {
            pool,
            enqueues: Arc::default(),
        })
    }

    pub(crate) async fn ready(&self) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await?;
        let dirty = conn.dirty_version().await?;
        let applied = conn.list_applied_migrations().await?;
        check_applied(&MIGRATOR, &applied, dirty)?;
        Ok(())
    }

    /// A transaction that sees (and may write) only what `scope` allows.
    async fn begin(&self, scope: Scope) -> Result<Transaction<'static, Postgres>, StoreError> {
        let mut tx = self.pool.begin().await?;
        set_scope(&mut tx, scope).await?;
        Ok(tx)
    }
}
