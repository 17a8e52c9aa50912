//! SQLite: the durable task queue. Each operation runs whole on the writer thread, where it
//! is serialised with every other write.

use redgreen_core::{TaskId, Timestamp};
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

use super::SqliteStore;
use crate::error::StoreError;
use crate::model::{
    FailOutcome, Handoff, Lease, LeasedTask, NewTask, QueueDepth, TaskRecord, TaskState,
};
use crate::retry::RetryPolicy;
use crate::rows::{LEASE_RETURNING, LeaseRow, TaskRow};

/// Enqueues `task`, created at `at`.
pub(super) fn insert_task(conn: &Connection, task: &NewTask, at: i64) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO tasks (id, kind, installation_id, run_id, payload, state, max_attempts,
                            run_at, due_at, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 'queued', ?6, ?7, ?7, ?8, ?8)",
    )?
    .execute(params![
        task.id.to_string(),
        task.kind,
        task.installation.map(|i| i.0),
        task.run.map(|run| run.to_string()),
        task.payload,
        task.max_attempts,
        task.run_at.millis(),
        at,
    ])?;
    Ok(())
}

/// Runs `sql` (whose `?1` and `?2` are the task id and lease token, and whose other
/// parameters follow in `rest`) against the task only while `lease` still holds it.
fn fenced(
    conn: &Connection,
    sql: &str,
    lease: &Lease,
    rest: &[&dyn rusqlite::ToSql],
) -> Result<(), StoreError> {
    let (task, token) = (lease.task.to_string(), lease.token.to_string());
    let mut values: Vec<&dyn rusqlite::ToSql> = vec![&task, &token];
    values.extend_from_slice(rest);
    let updated = conn.prepare_cached(sql)?.execute(values.as_slice())?;
    lease.held(updated as u64)
}

/// Leases the oldest due task (see [`SqliteStore::lease`]); with `kinds` (a JSON array of
/// task kinds), the oldest due task of those kinds.
fn lease_next(
    conn: &Connection,
    worker: &str,
    lease_ms: i64,
    now: Timestamp,
    kinds: Option<&str>,
) -> Result<Option<LeasedTask>, StoreError> {
    let expires_at = now.plus_millis(lease_ms).millis();
    let filter = match kinds {
        None => "",
        Some(_) => "AND kind IN (SELECT value FROM json_each(?5))",
    };
    let mut statement = conn.prepare_cached(&format!(
        "UPDATE tasks SET
             state = CASE WHEN next.exhausted THEN 'dead' ELSE 'leased' END,
             attempts = attempts + CASE WHEN next.exhausted THEN 0 ELSE 1 END,
             lease_token = CASE WHEN next.exhausted THEN NULL ELSE ?2 END,
             lease_expires_at = CASE WHEN next.exhausted THEN NULL ELSE ?3 END,
             due_at = CASE WHEN next.exhausted THEN NULL ELSE ?3 END,
             leased_by = CASE WHEN next.exhausted THEN leased_by ELSE ?4 END,
             last_error = CASE WHEN next.exhausted
                 THEN 'lease expired on attempt ' || attempts || ' of ' || max_attempts
                      || ' (held by ' || COALESCE(leased_by, 'unknown') || ')'
                 ELSE last_error END,
             updated_at = ?1
         FROM (SELECT id AS task_id,
                      state = 'leased' AND attempts >= max_attempts AS exhausted
               FROM tasks WHERE due_at <= ?1 {filter} ORDER BY due_at LIMIT 1) AS next
         WHERE tasks.id = next.task_id
         RETURNING {LEASE_RETURNING}"
    ))?;
    // The oldest due task is either queued and due, or leased by a holder whose lease ran
    // out (it crashed). Such a task re-leases with a new token, unless that lapsed lease
    // was its last attempt: then it is dead-lettered and the next due task is tried.
    loop {
        let token = Uuid::now_v7().to_string();
        let row = match kinds {
            None => statement.query_row(
                params![now.millis(), token, expires_at, worker],
                LeaseRow::from_sqlite,
            ),
            Some(kinds) => statement.query_row(
                params![now.millis(), token, expires_at, worker, kinds],
                LeaseRow::from_sqlite,
            ),
        }
        .optional()?;
        match row {
            None => return Ok(None),
            Some(row) if row.state == TaskState::Dead.as_str() => continue,
            Some(row) => return LeasedTask::try_from(row).map(Some),
        }
    }
}

/// Marks the leased task done.
fn complete(conn: &Connection, lease: &Lease, now: Timestamp) -> Result<(), StoreError> {
    fenced(
        conn,
        "UPDATE tasks SET state = 'done', completions = completions + 1, due_at = NULL,
             lease_expires_at = NULL, updated_at = ?3
         WHERE id = ?1 AND lease_token = ?2 AND state = 'leased'",
        lease,
        &[&now.millis()],
    )
}

/// Requeues the task with backoff, or dead-letters it.
fn fail(
    conn: &Connection,
    lease: &Lease,
    error: &str,
    retryable: bool,
    policy: &RetryPolicy,
    now: Timestamp,
) -> Result<FailOutcome, StoreError> {
    let attempts: Option<(i32, i32)> = conn
        .prepare_cached(
            "SELECT attempts, max_attempts FROM tasks
             WHERE id = ?1 AND lease_token = ?2 AND state = 'leased'",
        )?
        .query_row(
            params![lease.task.to_string(), lease.token.to_string()],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let Some((attempts, max_attempts)) = attempts else {
        return Err(StoreError::LeaseLost { task: lease.task });
    };
    let outcome = policy.after_failure(attempts, max_attempts, retryable, now);
    let (state, retry_at) = match outcome {
        FailOutcome::RetryAt(at) => (TaskState::Queued, Some(at.millis())),
        FailOutcome::DeadLettered => (TaskState::Dead, None),
    };
    fenced(
        conn,
        "UPDATE tasks SET state = ?3, run_at = COALESCE(?4, run_at), due_at = ?4,
             last_error = ?5, lease_token = NULL, lease_expires_at = NULL, updated_at = ?6
         WHERE id = ?1 AND lease_token = ?2 AND state = 'leased'",
        lease,
        &[&state.as_str(), &retry_at, &error, &now.millis()],
    )?;
    Ok(outcome)
}

impl SqliteStore {
    pub(crate) async fn enqueue(&self, task: &NewTask) -> Result<TaskId, StoreError> {
        let (id, task) = (task.id, task.clone());
        // `enqueue` is given no clock; the task is created when it becomes due.
        self.writer
            .write(move |conn| insert_task(conn, &task, task.run_at.millis()))
            .await?;
        Ok(id)
    }

    pub(crate) async fn lease(
        &self,
        worker: &str,
        lease_ms: i64,
        now: Timestamp,
    ) -> Result<Option<LeasedTask>, StoreError> {
        let worker = worker.to_owned();
        self.writer
            .write(move |conn| lease_next(conn, &worker, lease_ms, now, None))
            .await
    }

    pub(crate) async fn lease_kinds(
        &self,
        worker: &str,
        lease_ms: i64,
        now: Timestamp,
        kinds: &[&str],
    ) -> Result<Option<LeasedTask>, StoreError> {
        let worker = worker.to_owned();
        let kinds = serde_json::Value::from(kinds.to_vec()).to_string();
        self.writer
            .write(move |conn| lease_next(conn, &worker, lease_ms, now, Some(&kinds)))
            .await
    }

    pub(crate) async fn heartbeat(
        &self,
        lease: &Lease,
        lease_ms: i64,
        now: Timestamp,
    ) -> Result<Lease, StoreError> {
        let lease = *lease;
        let expires_at = now.plus_millis(lease_ms);
        self.writer
            .write(move |conn| {
                fenced(
                    conn,
                    "UPDATE tasks SET lease_expires_at = ?3, due_at = ?3, updated_at = ?4
                     WHERE id = ?1 AND lease_token = ?2 AND state = 'leased'",
                    &lease,
                    &[&expires_at.millis(), &now.millis()],
                )
            })
            .await?;
        Ok(Lease {
            expires_at,
            ..lease
        })
    }

    pub(crate) async fn complete(&self, lease: &Lease, now: Timestamp) -> Result<(), StoreError> {
        let lease = *lease;
        self.writer
            .write(move |conn| complete(conn, &lease, now))
            .await
    }

    pub(crate) async fn complete_and_lease(
        &self,
        lease: &Lease,
        worker: &str,
        lease_ms: i64,
        now: Timestamp,
    ) -> Result<Handoff, StoreError> {
        let (lease, worker) = (*lease, worker.to_owned());
        self.writer
            .write(move |conn| {
                let completed = match complete(conn, &lease, now) {
                    Ok(()) => true,
                    Err(StoreError::LeaseLost { .. }) => false,
                    Err(error) => return Err(error),
                };
                let next = lease_next(conn, &worker, lease_ms, now, None)?;
                Ok(Handoff { completed, next })
            })
            .await
    }

    pub(crate) async fn fail(
        &self,
        lease: &Lease,
        error: &str,
        retryable: bool,
        policy: &RetryPolicy,
        now: Timestamp,
    ) -> Result<FailOutcome, StoreError> {
        let (lease, error, policy) = (*lease, error.to_owned(), *policy);
        self.writer
            .write(move |conn| fail(conn, &lease, &error, retryable, &policy, now))
            .await
    }

    pub(crate) async fn release(&self, lease: &Lease, now: Timestamp) -> Result<(), StoreError> {
        let lease = *lease;
        self.writer
            .write(move |conn| {
                fenced(
                    conn,
                    "UPDATE tasks SET state = 'queued', attempts = attempts - 1, run_at = ?3,
                         due_at = ?3, lease_token = NULL, lease_expires_at = NULL,
                         leased_by = NULL, updated_at = ?3
                     WHERE id = ?1 AND lease_token = ?2 AND state = 'leased'",
                    &lease,
                    &[&now.millis()],
                )
            })
            .await
    }

    pub(crate) async fn cancel_task(&self, id: TaskId, now: Timestamp) -> Result<bool, StoreError> {
        let updated = self
            .writer
            .write(move |conn| {
                Ok(conn
                    .prepare_cached(
                        "UPDATE tasks SET state = 'cancelled', due_at = NULL, lease_token = NULL,
                             lease_expires_at = NULL, updated_at = ?1
                         WHERE id = ?2 AND state IN ('queued', 'leased')",
                    )?
                    .execute(params![now.millis(), id.to_string()])?)
            })
            .await?;
        Ok(updated > 0)
    }

    pub(crate) async fn task(&self, id: TaskId) -> Result<Option<TaskRecord>, StoreError> {
        let row: Option<TaskRow> = sqlx::query_as(
            "SELECT id, kind, state, attempts, max_attempts, run_at, last_error, completions
             FROM tasks WHERE id = ?1",
        )
        .bind(id.to_string())
        .fetch_optional(&self.reader)
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
        .fetch_one(&self.reader)
        .await?;
        Ok(QueueDepth {
            queued,
            leased,
            dead,
        })
    }
}
