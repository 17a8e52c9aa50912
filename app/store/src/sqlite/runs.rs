//! SQLite: reading runs and their history, checkpointed transitions and cancel requests.

use redgreen_core::{RunId, Timestamp};
use sqlx::SqliteConnection;
use sqlx::types::Json;

use super::audit::append_audit;
use super::{BEGIN_WRITE, SqliteStore};
use crate::changes::{self, NewEvent};
use crate::error::StoreError;
use crate::model::{RunEventRecord, RunRecord, RunTransition};
use crate::rows::{RUN_COLUMNS, RunEventRow, RunRow};
use crate::scope::Scope;

/// Appends `event` to the run's history as its next `seq`. Callers hold the write lock, so
/// the `MAX(seq) + 1` cannot race.
pub(super) async fn insert_event(
    conn: &mut SqliteConnection,
    run: RunId,
    installation: i64,
    at: i64,
    event: &NewEvent,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO run_events (run_id, seq, installation_id, at, state, kind, message, data)
         SELECT ?1, COALESCE(MAX(seq), 0) + 1, ?2, ?3, ?4, ?5, ?6, ?7
         FROM run_events WHERE run_id = ?1",
    )
    .bind(run.to_string())
    .bind(installation)
    .bind(at)
    .bind(event.state.as_str())
    .bind(event.kind)
    .bind(&event.message)
    .bind(Json(&event.data))
    .execute(conn)
    .await?;
    Ok(())
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
        transition: &RunTransition,
        now: Timestamp,
    ) -> Result<RunRecord, StoreError> {
        changes::check_transition(id, transition)?;
        let mut tx = self.writer.begin_with(BEGIN_WRITE).await?;
        let row: Option<RunRow> = sqlx::query_as(&format!(
            "UPDATE runs SET state = ?1, checkpoint = ?2, pr_url = COALESCE(?3, pr_url),
                 updated_at = ?4
             WHERE id = ?5 AND state = ?6 AND (?7 IS NULL OR installation_id = ?7)
             RETURNING {RUN_COLUMNS}"
        ))
        .bind(transition.to.as_str())
        .bind(Json(&transition.checkpoint))
        .bind(&transition.pr_url)
        .bind(now.millis())
        .bind(id.to_string())
        .bind(transition.from.as_str())
        .bind(scope.installation_filter())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            let current = fetch_run(&mut tx, scope, id).await?.map(|run| run.state);
            tx.rollback().await?;
            return Err(changes::transition_refused(id, transition, current));
        };
        let run = RunRecord::try_from(row)?;
        let (event, audit) = changes::transitioned(id, transition);
        insert_event(&mut tx, id, run.installation.0, now.millis(), &event).await?;
        append_audit(&mut tx, run.installation.0, now.millis(), &[audit]).await?;
        tx.commit().await?;
        Ok(run)
    }

    pub(crate) async fn request_cancel(
        &self,
        scope: Scope,
        id: RunId,
        actor: &str,
        now: Timestamp,
    ) -> Result<Option<RunRecord>, StoreError> {
        let mut tx = self.writer.begin_with(BEGIN_WRITE).await?;
        let Some(run) = fetch_run(&mut tx, scope, id).await? else {
            tx.rollback().await?;
            return Ok(None);
        };
        let Some(change) = changes::cancel_change(&run, actor) else {
            tx.rollback().await?;
            return Ok(Some(run));
        };
        let row: RunRow = sqlx::query_as(&format!(
            "UPDATE runs SET state = ?1, cancel_requested = 1, updated_at = ?2 WHERE id = ?3
             RETURNING {RUN_COLUMNS}"
        ))
        .bind(change.state.as_str())
        .bind(now.millis())
        .bind(id.to_string())
        .fetch_one(&mut *tx)
        .await?;
        if change.cancel_tasks {
            sqlx::query(
                "UPDATE tasks SET state = 'cancelled', due_at = NULL, updated_at = ?1
                 WHERE run_id = ?2 AND state = 'queued'",
            )
            .bind(now.millis())
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        }
        insert_event(&mut tx, id, run.installation.0, now.millis(), &change.event).await?;
        append_audit(&mut tx, run.installation.0, now.millis(), &[change.audit]).await?;
        tx.commit().await?;
        RunRecord::try_from(row).map(Some)
    }
}
