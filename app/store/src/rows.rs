//! Stored rows as both backends read them, and their decoding into the model. The column
//! types are chosen so the same row structs decode from SQLite and PostgreSQL.

use std::str::FromStr;

use redgreen_core::{DeliveryId, InstallationId, RunId, RunKind, RunState, TaskId, Timestamp};
use sqlx::types::Json;
use uuid::Uuid;

use crate::error::StoreError;
use crate::model::{
    DeliveryRecord, Lease, LeasedTask, RunEventRecord, RunRecord, TaskRecord, TaskState,
};

fn uuid(what: &str, text: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(text).map_err(|_| StoreError::Corrupt {
        what: format!("{what} {text:?} is not a UUID"),
    })
}

fn run_state(text: &str) -> Result<RunState, StoreError> {
    RunState::from_str(text).map_err(|e| StoreError::Corrupt {
        what: e.to_string(),
    })
}

/// The columns of `runs`, in the order [`RUN_COLUMNS`] lists them.
#[derive(sqlx::FromRow)]
pub(crate) struct RunRow {
    id: String,
    installation_id: i64,
    repository: String,
    kind: String,
    state: String,
    issue: Option<i64>,
    pull_request: Option<i64>,
    pr_url: Option<String>,
    actor: String,
    request: Json<serde_json::Value>,
    checkpoint: Json<serde_json::Value>,
    cancel_requested: bool,
    created_at: i64,
    updated_at: i64,
}

/// What to select from `runs` to decode a [`RunRow`].
pub(crate) const RUN_COLUMNS: &str = "id, installation_id, repository, kind, state, issue, \
     pull_request, pr_url, actor, request, checkpoint, cancel_requested, created_at, updated_at";

impl RunRow {
    /// Decodes a row of [`RUN_COLUMNS`] read on the SQLite writer thread.
    pub(crate) fn from_sqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<RunRow> {
        Ok(RunRow {
            id: row.get("id")?,
            installation_id: row.get("installation_id")?,
            repository: row.get("repository")?,
            kind: row.get("kind")?,
            state: row.get("state")?,
            issue: row.get("issue")?,
            pull_request: row.get("pull_request")?,
            pr_url: row.get("pr_url")?,
            actor: row.get("actor")?,
            request: Json(row.get("request")?),
            checkpoint: Json(row.get("checkpoint")?),
            cancel_requested: row.get("cancel_requested")?,
            created_at: row.get("created_at")?,
            updated_at: row.get("updated_at")?,
        })
    }
}

impl TryFrom<RunRow> for RunRecord {
    type Error = StoreError;

    fn try_from(row: RunRow) -> Result<RunRecord, StoreError> {
        Ok(RunRecord {
            id: RunId(uuid("run id", &row.id)?),
            installation: InstallationId(row.installation_id),
            repository: row.repository,
            kind: RunKind::from_str(&row.kind).map_err(|e| StoreError::Corrupt {
                what: e.to_string(),
            })?,
            state: run_state(&row.state)?,
            issue: row.issue,
            pull_request: row.pull_request,
            pr_url: row.pr_url,
            actor: row.actor,
            request: row.request.0,
            checkpoint: row.checkpoint.0,
            cancel_requested: row.cancel_requested,
            created_at: Timestamp(row.created_at),
            updated_at: Timestamp(row.updated_at),
        })
    }
}

/// The columns of `deliveries` the operator API shows.
#[derive(sqlx::FromRow)]
pub(crate) struct DeliveryRow {
    id: String,
    event: String,
    action: Option<String>,
    outcome: String,
    reason: Option<String>,
    installation_id: Option<i64>,
    received_at: i64,
}

impl From<DeliveryRow> for DeliveryRecord {
    fn from(row: DeliveryRow) -> DeliveryRecord {
        DeliveryRecord {
            id: DeliveryId(row.id),
            event: row.event,
            action: row.action,
            outcome: row.outcome,
            reason: row.reason,
            installation: row.installation_id.map(InstallationId),
            received_at: Timestamp(row.received_at),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct RunEventRow {
    seq: i64,
    at: i64,
    state: String,
    kind: String,
    message: String,
    data: Json<serde_json::Value>,
}

impl TryFrom<RunEventRow> for RunEventRecord {
    type Error = StoreError;

    fn try_from(row: RunEventRow) -> Result<RunEventRecord, StoreError> {
        Ok(RunEventRecord {
            seq: row.seq,
            at: Timestamp(row.at),
            state: run_state(&row.state)?,
            kind: row.kind,
            message: row.message,
            data: row.data.0,
        })
    }
}

/// The columns of `tasks` for inspection.
#[derive(sqlx::FromRow)]
pub(crate) struct TaskRow {
    id: String,
    kind: String,
    state: String,
    attempts: i32,
    max_attempts: i32,
    run_at: i64,
    last_error: Option<String>,
    completions: i32,
}

impl TryFrom<TaskRow> for TaskRecord {
    type Error = StoreError;

    fn try_from(row: TaskRow) -> Result<TaskRecord, StoreError> {
        let state = match row.state.as_str() {
            "queued" => TaskState::Queued,
            "leased" => TaskState::Leased,
            "done" => TaskState::Done,
            "dead" => TaskState::Dead,
            "cancelled" => TaskState::Cancelled,
            other => {
                return Err(StoreError::Corrupt {
                    what: format!("task state {other:?}"),
                });
            }
        };
        Ok(TaskRecord {
            id: TaskId(uuid("task id", &row.id)?),
            kind: row.kind,
            state,
            attempts: row.attempts,
            max_attempts: row.max_attempts,
            run_at: Timestamp(row.run_at),
            last_error: row.last_error,
            completions: row.completions,
        })
    }
}

/// A row the lease statement returned: either the task it leased, or one whose expired lease
/// was its last attempt and which it dead-lettered instead (`state` = `dead`).
#[derive(sqlx::FromRow)]
pub(crate) struct LeaseRow {
    id: String,
    kind: String,
    installation_id: Option<i64>,
    run_id: Option<String>,
    payload: Json<serde_json::Value>,
    pub(crate) state: String,
    attempts: i32,
    max_attempts: i32,
    lease_token: Option<String>,
    lease_expires_at: Option<i64>,
}

/// What the lease statements return to decode a [`LeaseRow`].
pub(crate) const LEASE_RETURNING: &str = "id, kind, installation_id, run_id, payload, state, \
     attempts, max_attempts, lease_token, lease_expires_at";

impl LeaseRow {
    /// Decodes a row of [`LEASE_RETURNING`] read on the SQLite writer thread.
    pub(crate) fn from_sqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<LeaseRow> {
        Ok(LeaseRow {
            id: row.get("id")?,
            kind: row.get("kind")?,
            installation_id: row.get("installation_id")?,
            run_id: row.get("run_id")?,
            payload: Json(row.get("payload")?),
            state: row.get("state")?,
            attempts: row.get("attempts")?,
            max_attempts: row.get("max_attempts")?,
            lease_token: row.get("lease_token")?,
            lease_expires_at: row.get("lease_expires_at")?,
        })
    }
}

impl TryFrom<LeaseRow> for LeasedTask {
    type Error = StoreError;

    fn try_from(row: LeaseRow) -> Result<LeasedTask, StoreError> {
        let id = TaskId(uuid("task id", &row.id)?);
        let (Some(token), Some(expires_at)) = (row.lease_token, row.lease_expires_at) else {
            return Err(StoreError::Corrupt {
                what: format!("leased task {id} has no lease"),
            });
        };
        Ok(LeasedTask {
            id,
            kind: row.kind,
            installation: row.installation_id.map(InstallationId),
            run: row
                .run_id
                .map(|run| uuid("run id", &run).map(RunId))
                .transpose()?,
            payload: row.payload.0,
            attempt: row.attempts,
            max_attempts: row.max_attempts,
            lease: Lease {
                task: id,
                token: uuid("lease token", &token)?,
                expires_at: Timestamp(expires_at),
            },
        })
    }
}
