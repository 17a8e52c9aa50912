//! PostgreSQL: the durable task queue. Each operation is a single statement (its own
//! transaction, one round trip); `lease` claims with `FOR UPDATE SKIP LOCKED`, so any number
//! of processes lease from one table and never get the same task.

use redgreen_core::{TaskId, Timestamp};
use sqlx::postgres::PgArguments;
use sqlx::types::Json;
use sqlx::{FromRow, PgExecutor, Postgres, Row};
use uuid::Uuid;

use super::PostgresStore;
use crate::error::StoreError;
use crate::model::{
    FailOutcome, Handoff, Lease, LeasedTask, NewTask, QueueDepth, TaskRecord, TaskState,
};
use crate::retry::RetryPolicy;
use crate::rows::{LEASE_RETURNING, LeaseRow, TaskRow};

/// SQLSTATE `deadlock_detected`.
const DEADLOCK: &str = "40P01";

/// Times a hand-off is tried when PostgreSQL breaks a deadlock by aborting it.
const HANDOFF_ATTEMPTS: u32 = 3;

/// Enqueues `task`, created at `at`.
pub(super) async fn insert_task(
    conn: impl PgExecutor<'_>,
    task: &NewTask,
    at: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO tasks (id, kind, installation_id, run_id, payload, state, max_attempts,
                            run_at, due_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'queued', $6, $7, $7, $8, $8)",
    )
    .bind(task.id.to_string())
    .bind(&task.kind)
    .bind(task.installation.map(|i| i.0))
    .bind(task.run.map(|run| run.to_string()))
    .bind(Json(&task.payload))
    .bind(task.max_attempts)
    .bind(task.run_at.millis())
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Picks the oldest due task ($1 = now), skipping rows other leasers have locked. Its
/// `exhausted` says the task's lapsed lease was its last attempt.
const NEXT_DUE: &str =
    "SELECT id AS task_id, state = 'leased' AND attempts >= max_attempts AS exhausted
     FROM tasks WHERE due_at <= $1 ORDER BY due_at LIMIT 1
     FOR UPDATE SKIP LOCKED";

/// [`NEXT_DUE`] among the kinds in $5 (a text array).
const NEXT_DUE_OF_KINDS: &str =
    "SELECT id AS task_id, state = 'leased' AND attempts >= max_attempts AS exhausted
     FROM tasks WHERE due_at <= $1 AND kind = ANY($5) ORDER BY due_at LIMIT 1
     FOR UPDATE SKIP LOCKED";

/// Leases the task `next` picked ($1 = now, $2 = token, $3 = expiry, $4 = worker), or
/// dead-letters it when it is `exhausted`.
const LEASE_NEXT: &str = "state = CASE WHEN next.exhausted THEN 'dead' ELSE 'leased' END,
     attempts = attempts + CASE WHEN next.exhausted THEN 0 ELSE 1 END,
     lease_token = CASE WHEN next.exhausted THEN NULL ELSE $2 END,
     lease_expires_at = CASE WHEN next.exhausted THEN NULL ELSE $3 END,
     due_at = CASE WHEN next.exhausted THEN NULL ELSE $3 END,
     leased_by = CASE WHEN next.exhausted THEN leased_by ELSE $4 END,
     last_error = CASE WHEN next.exhausted
         THEN 'lease expired on attempt ' || attempts || ' of ' || max_attempts
              || ' (held by ' || COALESCE(leased_by, 'unknown') || ')'
         ELSE last_error END,
     updated_at = $1";

/// A statement that changes a leased task only while `lease` still holds it.
fn fenced<'q>(sql: &'q str, lease: &Lease) -> sqlx::query::Query<'q, Postgres, PgArguments> {
    sqlx::query(sql)
        .bind(lease.task.to_string())
        .bind(lease.token.to_string())
}

impl PostgresStore {
    pub(crate) async fn enqueue(&self, task: &NewTask) -> Result<TaskId, StoreError> {
        self.enqueues.enqueue(&self.pool, task).await?;
        Ok(task.id)
    }

    pub(crate) async fn lease(
        &self,
        worker: &str,
        lease_ms: i64,
        now: Timestamp,
    ) -> Result<Option<LeasedTask>, StoreError> {
        self.lease_next(worker, lease_ms, now, None).await
    }

    pub(crate) async fn lease_kinds(
        &self,
        worker: &str,
        lease_ms: i64,
        now: Timestamp,
        kinds: &[&str],
    ) -> Result<Option<LeasedTask>, StoreError> {
        self.lease_next(worker, lease_ms, now, Some(kinds)).await
    }

    /// Leases the oldest due task, of `kinds` when given.
    async fn lease_next(
        &self,
        worker: &str,
        lease_ms: i64,
        now: Timestamp,
        kinds: Option<&[&str]>,
    ) -> Result<Option<LeasedTask>, StoreError> {
        let expires_at = now.plus_millis(lease_ms).millis();
        let next_due = if kinds.is_some() {
            NEXT_DUE_OF_KINDS
        } else {
            NEXT_DUE
        };
        let sql = format!(
            "WITH next AS ({next_due})
             UPDATE tasks SET {LEASE_NEXT} FROM next WHERE tasks.id = next.task_id
             RETURNING {LEASE_RETURNING}"
        );
        // The oldest due task is either queued and due, or leased by a holder whose lease ran
        // out (it crashed). Such a task re-leases with a new token, unless that lapsed lease
        // was its last attempt: then it is dead-lettered and the next due task is tried.
        loop {
            let mut query = sqlx::query_as::<_, LeaseRow>(&sql)
                .bind(now.millis())
                .bind(Uuid::now_v7().to_string())
                .bind(expires_at)
                .bind(worker);
            if let Some(kinds) = kinds {
                query = query.bind(kinds);
            }
            let row: Option<LeaseRow> = query.fetch_optional(&self.pool).await?;
            match row {
                None => return Ok(None),
                Some(row) if row.state == TaskState::Dead.as_str() => continue,
                Some(row) => return LeasedTask::try_from(row).map(Some),
            }
        }
    }

    pub(crate) async fn heartbeat(
        &self,
        lease: &Lease,
        lease_ms: i64,
        now: Timestamp,
    ) -> Result<Lease, StoreError> {
        let expires_at = now.plus_millis(lease_ms);
        let updated = fenced(
            "UPDATE tasks SET lease_expires_at = $3, due_at = $3, updated_at = $4
             WHERE id = $1 AND lease_token = $2 AND state = 'leased'",
            lease,
        )
        .bind(expires_at.millis())
        .bind(now.millis())
        .execute(&self.pool)
        .await?
        .rows_affected();
        lease.held(updated)?;
        Ok(Lease {
            expires_at,
            ..*lease
        })
    }

    pub(crate) async fn complete(&self, lease: &Lease, now: Timestamp) -> Result<(), StoreError> {
        let updated = fenced(
            "UPDATE tasks SET state = 'done', completions = completions + 1, due_at = NULL,
                 lease_expires_at = NULL, updated_at = $3
             WHERE id = $1 AND lease_token = $2 AND state = 'leased'",
            lease,
        )
        .bind(now.millis())
        .execute(&self.pool)
        .await?
        .rows_affected();
        lease.held(updated)
    }

    pub(crate) async fn complete_and_lease(
        &self,
        lease: &Lease,
        worker: &str,
        lease_ms: i64,
        now: Timestamp,
    ) -> Result<Handoff, StoreError> {
        // One statement: the completion and the next lease commit together, in one round
        // trip. Both CTEs see the same snapshot, so `next` must skip the task being completed
        // (its lease may have lapsed, making it look due).
        let sql = format!(
            "WITH done AS (
                 UPDATE tasks SET state = 'done', completions = completions + 1, due_at = NULL,
                     lease_expires_at = NULL, updated_at = $1
                 WHERE id = $5 AND lease_token = $6 AND state = 'leased'
                 RETURNING id
             ), next AS (
                 SELECT id AS task_id, state = 'leased' AND attempts >= max_attempts AS exhausted
                 FROM tasks WHERE due_at <= $1 AND id <> $5 ORDER BY due_at LIMIT 1
                 FOR UPDATE SKIP LOCKED
             ), leased AS (
                 UPDATE tasks SET {LEASE_NEXT} FROM next WHERE tasks.id = next.task_id
                 RETURNING {LEASE_RETURNING}
             )
             SELECT (SELECT count(*) FROM done) AS completed, leased.*
             FROM (VALUES (1)) AS one LEFT JOIN leased ON true"
        );
        let token = Uuid::now_v7().to_string();
        // Two hand-offs can deadlock: `FOR UPDATE SKIP LOCKED` still waits when it follows
        // a row's update chain to a version another hand-off is writing (seen at 8 workers
        // and 8 producers). PostgreSQL then aborts one statement whole, so it is run again
        // rather than reported, which would leave a finished task leased until it expired and
        // then ran a second time.
        let mut attempt = 1;
        let row = loop {
            let result = sqlx::query(&sql)
                .bind(now.millis())
                .bind(&token)
                .bind(now.plus_millis(lease_ms).millis())
                .bind(worker)
                .bind(lease.task.to_string())
                .bind(lease.token.to_string())
                .fetch_one(&self.pool)
                .await;
            match result {
                Err(sqlx::Error::Database(error))
                    if attempt < HANDOFF_ATTEMPTS && error.code().as_deref() == Some(DEADLOCK) =>
                {
                    tracing::debug!(attempt, task = %lease.task, "hand-off deadlocked; again");
                    attempt += 1;
                }
                result => break result?,
            }
        };
        let completed = row.try_get::<i64, _>("completed")? > 0;
        let next = match row.try_get::<Option<String>, _>("id")? {
            None => None,
            Some(_) => {
                let leased = LeaseRow::from_row(&row)?;
                if leased.state == TaskState::Dead.as_str() {
                    // It dead-lettered a task whose last lease lapsed; lease the next one.
                    self.lease(worker, lease_ms, now).await?
                } else {
                    Some(LeasedTask::try_from(leased)?)
                }
            }
        };
        Ok(Handoff { completed, next })
    }

    pub(crate) async fn fail(
        &self,
        lease: &Lease,
        error: &str,
        retryable: bool,
        policy: &RetryPolicy,
        now: Timestamp,
    ) -> Result<FailOutcome, StoreError> {
        // The token fences both statements: `attempts` only changes with a new lease, which
        // changes the token, so what is read here still holds when the update matches.
        let attempts: Option<(i32, i32)> = sqlx::query_as(
            "SELECT attempts, max_attempts FROM tasks
             WHERE id = $1 AND lease_token = $2 AND state = 'leased'",
        )
        .bind(lease.task.to_string())
        .bind(lease.token.to_string())
        .fetch_optional(&self.pool)
        .await?;
        let Some((attempts, max_attempts)) = attempts else {
            return Err(StoreError::LeaseLost { task: lease.task });
        };
        let outcome = policy.after_failure(attempts, max_attempts, retryable, now);
        let (state, retry_at) = match outcome {
            FailOutcome::RetryAt(at) => (TaskState::Queued, Some(at.millis())),
            FailOutcome::DeadLettered => (TaskState::Dead, None),
        };
        let updated = fenced(
            "UPDATE tasks SET state = $3, run_at = COALESCE($4, run_at), due_at = $4,
                 last_error = $5, lease_token = NULL, lease_expires_at = NULL, updated_at = $6
             WHERE id = $1 AND lease_token = $2 AND state = 'leased'",
            lease,
        )
        .bind(state.as_str())
        .bind(retry_at)
        .bind(error)
        .bind(now.millis())
        .execute(&self.pool)
        .await?
        .rows_affected();
        lease.held(updated)?;
        Ok(outcome)
    }

    pub(crate) async fn release(&self, lease: &Lease, now: Timestamp) -> Result<(), StoreError> {
        let updated = fenced(
            "UPDATE tasks SET state = 'queued', attempts = attempts - 1, run_at = $3,
                 due_at = $3, lease_token = NULL, lease_expires_at = NULL, leased_by = NULL,
                 updated_at = $3
             WHERE id = $1 AND lease_token = $2 AND state = 'leased'",
            lease,
        )
        .bind(now.millis())
        .execute(&self.pool)
        .await?
        .rows_affected();
        lease.held(updated)
    }

    pub(crate) async fn cancel_task(&self, id: TaskId, now: Timestamp) -> Result<bool, StoreError> {
        let updated = sqlx::query(
            "UPDATE tasks SET state = 'cancelled', due_at = NULL, lease_token = NULL,
                 lease_expires_at = NULL, updated_at = $1
             WHERE id = $2 AND state IN ('queued', 'leased')",
        )
        .bind(now.millis())
        .bind(id.to_string())
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(updated > 0)
    }

    pub(crate) async fn task(&self, id: TaskId) -> Result<Option<TaskRecord>, StoreError> {
        let row: Option<TaskRow> = sqlx::query_as(
            "SELECT id, kind, state, attempts, max_attempts, run_at, last_error, completions
             FROM tasks WHERE id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(TaskRecord::try_from).transpose()
    }

    pub(crate) async fn queue_depth(&self) -> Result<QueueDepth, StoreError> {
        let (queued, leased, dead): (i64, i64, i64) = sqlx::query_as(
            "SELECT
                 (SELECT count(*) FROM tasks WHERE due_at IS NOT NULL AND state = 'queued'),
                 (SELECT count(*) FROM tasks WHERE due_at IS NOT NULL AND state = 'leased'),
                 (SELECT count(*) FROM tasks WHERE state = 'dead')",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(QueueDepth {
            queued,
            leased,
            dead,
        })
    }
}
