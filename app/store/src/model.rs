//! The records the store reads and writes.

use redgreen_core::{DeliveryId, InstallationId, RunId, RunKind, RunState, TaskId, Timestamp};
use serde::Serialize;
use uuid::Uuid;

/// A repository as named in a webhook payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RepositoryRef {
    /// GitHub's numeric repository id.
    pub github_id: i64,
    /// `owner/name`.
    pub full_name: String,
    /// `repository.clone_url`; credentials are never stored with it.
    pub clone_url: String,
}

/// A webhook delivery to record, with the run and task it creates (if any).
#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub id: DeliveryId,
    pub event: String,
    pub action: Option<String>,
    pub installation: Option<InstallationId>,
    pub repository: Option<RepositoryRef>,
    /// `accepted` (work was created), `ignored`, or `denied`.
    pub outcome: String,
    /// Why it was ignored or denied; what was created when accepted.
    pub reason: Option<String>,
    /// The raw payload, kept verbatim for the record.
    pub payload: String,
    pub received_at: Timestamp,
    /// The run this delivery starts. Requires `installation` and `repository`.
    pub run: Option<NewRun>,
    /// The queue task this delivery enqueues (for a run: the task that drives it).
    pub task: Option<NewTask>,
}

/// A run to create.
#[derive(Debug, Clone)]
pub struct NewRun {
    pub id: RunId,
    pub kind: RunKind,
    pub issue: Option<i64>,
    pub pull_request: Option<i64>,
    /// Login of the person who triggered it.
    pub actor: String,
    /// The typed request (a serialised `redgreen_core::webhook::RunRequest`).
    pub request: serde_json::Value,
}

/// A queue task to enqueue. Tasks carry scheduling data and references only; tenant content
/// lives in tenant tables (runs, deliveries), so the queue can be scheduled across tenants.
#[derive(Debug, Clone)]
pub struct NewTask {
    pub id: TaskId,
    /// What the worker does: `run` (drive a run), `control` (status/cancel/retry/continue),
    /// `installation` (tenant lifecycle).
    pub kind: String,
    pub installation: Option<InstallationId>,
    pub run: Option<RunId>,
    pub payload: serde_json::Value,
    pub max_attempts: i32,
    /// Not before this instant.
    pub run_at: Timestamp,
}

/// What [`crate::Store::record_delivery`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// First time this delivery id was seen; everything was written.
    New {
        run: Option<RunId>,
        task: Option<TaskId>,
    },
    /// A redelivery: nothing was written.
    Duplicate,
}

/// A stored delivery, as the operator API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveryRecord {
    pub id: DeliveryId,
    pub event: String,
    pub action: Option<String>,
    pub outcome: String,
    pub reason: Option<String>,
    pub installation: Option<InstallationId>,
    pub received_at: Timestamp,
}

/// A stored run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunRecord {
    pub id: RunId,
    pub installation: InstallationId,
    /// `owner/name`.
    pub repository: String,
    pub kind: RunKind,
    pub state: RunState,
    pub issue: Option<i64>,
    pub pull_request: Option<i64>,
    pub pr_url: Option<String>,
    pub actor: String,
    pub request: serde_json::Value,
    /// The orchestrator's checkpoint after its last step.
    pub checkpoint: serde_json::Value,
    pub cancel_requested: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// One step in a run's history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunEventRecord {
    /// 1-based, gap-free within the run.
    pub seq: i64,
    pub at: Timestamp,
    pub state: RunState,
    /// Short machine name of what happened (`created`, `transition`, `cancel_requested`...).
    pub kind: String,
    pub message: String,
    pub data: serde_json::Value,
}

/// A checkpointed move of a run from one state to another.
#[derive(Debug, Clone)]
pub struct RunTransition {
    /// The state the caller believes the run is in; the move fails with
    /// [`crate::StoreError::Conflict`] if it is not.
    pub from: RunState,
    pub to: RunState,
    pub checkpoint: serde_json::Value,
    pub pr_url: Option<String>,
    pub event_kind: String,
    pub message: String,
    pub data: serde_json::Value,
}

/// The right to work on one task until `expires_at`. `token` fences stale holders: after a
/// re-lease the old token no longer matches and every call with it fails with `LeaseLost`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lease {
    pub task: TaskId,
    pub token: Uuid,
    pub expires_at: Timestamp,
}

impl Lease {
    /// Turns the row count of a statement fenced by this lease into its verdict: no row
    /// matched means the lease is no longer held.
    pub(crate) fn held(&self, rows_affected: u64) -> Result<(), crate::StoreError> {
        if rows_affected == 0 {
            return Err(crate::StoreError::LeaseLost { task: self.task });
        }
        Ok(())
    }
}

/// A task handed to a worker.
#[derive(Debug, Clone, PartialEq)]
pub struct LeasedTask {
    pub id: TaskId,
    pub kind: String,
    pub installation: Option<InstallationId>,
    pub run: Option<RunId>,
    pub payload: serde_json::Value,
    /// 1-based: the attempt this lease is.
    pub attempt: i32,
    pub max_attempts: i32,
    pub lease: Lease,
}

/// What [`crate::Store::complete_and_lease`] did: a worker's hand-off from one task to the
/// next.
#[derive(Debug, Clone, PartialEq)]
pub struct Handoff {
    /// Whether the finished task was marked done. False when its lease was no longer held
    /// (what `complete` reports as [`crate::StoreError::LeaseLost`]).
    pub completed: bool,
    /// The next task, leased to the same worker; `None` when nothing is due.
    pub next: Option<LeasedTask>,
}

/// Where a task is in the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    Queued,
    Leased,
    Done,
    Dead,
    Cancelled,
}

impl TaskState {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Queued => "queued",
            TaskState::Leased => "leased",
            TaskState::Done => "done",
            TaskState::Dead => "dead",
            TaskState::Cancelled => "cancelled",
        }
    }
}

/// A task as stored (for inspection and tests).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskRecord {
    pub id: TaskId,
    pub kind: String,
    pub state: TaskState,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_at: Timestamp,
    pub last_error: Option<String>,
    /// How many times the task reached `done`; more than 1 would be a queue bug.
    pub completions: i32,
}

/// What happened to a failed task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOutcome {
    /// Back in the queue, not before this instant.
    RetryAt(Timestamp),
    /// Out of attempts (or not retryable): moved to the dead letters.
    DeadLettered,
}

/// Queue gauges for `/metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct QueueDepth {
    /// Waiting, including those not yet due.
    pub queued: i64,
    pub leased: i64,
    pub dead: i64,
}

/// Result of checking the audit log's hash chains.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    /// Rows checked.
    pub rows: i64,
    /// Chains checked (one per installation, plus the system chain).
    pub chains: i64,
    /// Every break found; empty means the log is intact.
    pub breaks: Vec<AuditBreak>,
}

/// One place where the audit chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditBreak {
    /// The chain (installation id, or 0 for the system chain).
    pub chain: i64,
    /// Sequence number of the first row that does not verify.
    pub seq: i64,
    pub reason: String,
}
