//! SQLite: reading runs and their history, checkpointed transitions and cancel requests.

use redgreen_core::{RunId, Timestamp};
use rusqlite::{Connection, OptionalExtension, params};
use sqlx::SqliteConnection;

use super::SqliteStore;
use super::audit::append_audit;
use crate::changes::{self, NewEvent};
use crate::error::StoreError;
use crate::model::{RunEventRecord, RunRecord, RunTransition};
use crate::rows::{RUN_COLUMNS, RunEventRow, RunRow};
use crate::scope::Scope;

/// Appends `event` to the run's history as its next `seq`. Runs on the writer thread inside
/// the write transaction, so the `MAX(seq) + 1` cannot race.
pub(super) fn insert_event(
    conn: &Connection,
    run: RunId,
    installation: i64,
    at: i64,
    event: &NewEvent,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO run_events (run_id, seq, installation_id, at, state, kind, message, data)
         SELECT ?1, COALESCE(MAX(seq), 0) + 1, ?2, ?3, ?4, ?5, ?6, ?7
         FROM run_events WHERE run_id = ?1",
    )?
    .execute(params![
        run.to_string(),
        installation,
        at,
        event.state.as_str(),
        event.kind,
        event.message,
        event.data,
    ])?;
    Ok(())
}

/// The run `id` as the writer sees it (inside its transaction).
fn current_run(conn: &Connection, scope: Scope, id: RunId) -> Result<Option<RunRow>, StoreError> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {RUN_COLUMNS} FROM runs WHERE id = ?1 AND (?2 IS NULL OR installation_id = ?2)"
        ))?
        .query_row(
            params![id.to_string(), scope.installation_filter()],
            RunRow::from_sqlite,
        )
        .optional()?)
}

/// Moves the run from `transition.from` to `transition.to`, with its event and audit entry.
fn transition(
    conn: &Connection,
    scope: Scope,
    id: RunId,
    transition: &RunTransition,
    now: Timestamp,
) -> Result<RunRecord, StoreError> {
    let row = conn
        .prepare_cached(&format!(
            "UPDATE runs SET state = ?1, checkpoint = ?2, pr_url = COALESCE(?3, pr_url),
                 updated_at = ?4
             WHERE id = ?5 AND state = ?6 AND (?7 IS NULL OR installation_id = ?7)
             RETURNING {RUN_COLUMNS}"
        ))?
        .query_row(
            params![
                transition.to.as_str(),
                transition.checkpoint,
                transition.pr_url,
                now.millis(),
                id.to_string(),
                transition.from.as_str(),
                scope.installation_filter(),
            ],
            RunRow::from_sqlite,
        )
        .optional()?;
    let Some(row) = row else {
        let current = current_run(conn, scope, id)?
            .map(RunRecord::try_from)
            .transpose()?
            .map(|run| run.state);
        return Err(changes::transition_refused(id, transition, current));
    };
    let run = RunRecord::try_from(row)?;
    let (event, audit) = changes::transitioned(id, transition);
    insert_event(conn, id, run.installation.0, now.millis(), &event)?;
    append_audit(conn, run.installation.0, now.millis(), &[audit])?;
    Ok(run)
}

/// Marks the run cancelled (or cancelling), with its event and audit entry.
fn cancel(
    conn: &Connection,
    scope: Scope,
    id: RunId,
    actor: &str,
    now: Timestamp,
) -> Result<Option<RunRecord>, StoreError> {
    let Some(run) = current_run(conn, scope, id)?
        .map(RunRecord::try_from)
        .transpose()?
    else {
        return Ok(None);
    };
    let Some(change) = changes::cancel_change(&run, actor) else {
        return Ok(Some(run));
    };
    let row = conn
        .prepare_cached(&format!(
            "UPDATE runs SET state = ?1, cancel_requested = 1, updated_at = ?2 WHERE id = ?3
             RETURNING {RUN_COLUMNS}"
        ))?
        .query_row(
            params![change.state.as_str(), now.millis(), id.to_string()],
            RunRow::from_sqlite,
        )?;
    if change.cancel_tasks {
        conn.prepare_cached(
            "UPDATE tasks SET state = 'cancelled', due_at = NULL, updated_at = ?1
             WHERE run_id = ?2 AND state = 'queued'",
        )?
        .execute(params![now.millis(), id.to_string()])?;
    }
    insert_event(conn, id, run.installation.0, now.millis(), &change.event)?;
    append_audit(conn, run.installation.0, now.millis(), &[change.audit])?;
    RunRecord::try_from(row).map(Some)
}

async fn fetch_run(
    conn: &mut SqliteConnection,
    scope: Scope,
    id: RunId,
) -> Result<Option<RunRecord>, StoreError> {
    let row: Option<RunRow> = sqlx::query_as(&format!(
        "SELECT {RUN_COLUMNS} FROM runs WHERE id = ?1 AND (?2 IS NULL OR installation_id = ?2)"
    ))
    .bind(id.to_string())
    .bind(scope.installation_filter())
    .fetch_optional(conn)
    .await?;
    row.map(RunRecord::try_from).transpose()
}

impl SqliteStore {
    pub(crate) async fn list_runs(
        &self,
        scope: Scope,
        limit: i64,
    ) -> Result<Vec<RunRecord>, StoreError> {
        let rows: Vec<RunRow> = sqlx::query_as(&format!(
            "SELECT {RUN_COLUMNS} FROM runs
             WHERE (?1 IS NULL OR installation_id = ?1)
             ORDER BY created_at DESC, id DESC
             LIMIT ?2"
        ))
        .bind(scope.installation_filter())
        .bind(limit.max(0))
        .fetch_all(&self.reader)
        .await?;
        rows.into_iter().map(RunRecord::try_from).collect()
    }

    pub(crate) async fn get_run(
        &self,
        scope: Scope,
        id: RunId,
    ) -> Result<Option<RunRecord>, StoreError> {
        let mut conn = self.reader.acquire().await?;
        fetch_run(&mut conn, scope, id).await
    }

    pub(crate) async fn run_events(
        &self,
        scope: Scope,
        id: RunId,
    ) -> Result<Vec<RunEventRecord>, StoreError> {
        let mut tx = self.reader.begin().await?;
        let rows: Vec<RunEventRow> = sqlx::query_as(
            "SELECT seq, at, state, kind, message, data FROM run_events
             WHERE run_id = ?1 AND (?2 IS NULL OR installation_id = ?2)
             ORDER BY seq",
        )
        .bind(id.to_string())
        .bind(scope.installation_filter())
        .fetch_all(&mut *tx)
        .await?;
        // Every run has its `created` event, so no rows means no visible run.
        if rows.is_empty() && fetch_run(&mut tx, scope, id).await?.is_none() {
            return Err(StoreError::NotFound {
                what: format!("run {id}"),
            });
        }
        tx.commit().await?;
        rows.into_iter().map(RunEventRecord::try_from).collect()
    }

    pub(crate) async fn transition_run(
        &self,
        scope: Scope,
        id: RunId,
        run_transition: &RunTransition,
        now: Timestamp,
    ) -> Result<RunRecord, StoreError> {
        changes::check_transition(id, run_transition)?;
        let run_transition = run_transition.clone();
        self.writer
            .write(move |conn| transition(conn, scope, id, &run_transition, now))
            .await
    }

    pub(crate) async fn request_cancel(
        &self,
        scope: Scope,
        id: RunId,
        actor: &str,
        now: Timestamp,
    ) -> Result<Option<RunRecord>, StoreError> {
        let actor = actor.to_owned();
        self.writer
            .write(move |conn| cancel(conn, scope, id, &actor, now))
            .await
    }
}
