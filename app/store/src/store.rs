//! The store's one interface over its two backends.

use redgreen_core::{InstallationId, RunId, TaskId, Timestamp};

use crate::error::StoreError;
use crate::model::{
    AuditReport, DeliveryRecord, FailOutcome, Handoff, Lease, LeasedTask, NewDelivery, NewTask,
    QueueDepth, Recorded, RunEventRecord, RunRecord, RunTransition, TaskRecord,
};
use crate::postgres::PostgresStore;
use crate::retry::RetryPolicy;
use crate::scope::Scope;
use crate::sqlite::SqliteStore;

/// A connected, migrated store. Cheap to clone (it holds a connection pool).
#[derive(Debug, Clone)]
pub struct Store {
    backend: Backend,
}

#[derive(Debug, Clone)]
enum Backend {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

macro_rules! dispatch {
    ($self:ident, $store:ident => $call:expr) => {
        match &$self.backend {
            Backend::Sqlite($store) => $call,
            Backend::Postgres($store) => $call,
        }
    };
}

impl Store {
    /// Connects to `sqlite://PATH` (created if missing, WAL mode) or `postgres://...`, and
    /// applies the migrations.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        let scheme = url.split_once(':').map(|(s, _)| s).unwrap_or("");
        let backend = match scheme {
            "sqlite" => Backend::Sqlite(SqliteStore::connect(url).await?),
            "postgres" | "postgresql" => Backend::Postgres(PostgresStore::connect(url).await?),
            other => {
                return Err(StoreError::UnsupportedUrl {
                    scheme: other.to_owned(),
                });
            }
        };
        Ok(Store { backend })
    }

    /// `sqlite` or `postgres`.
    pub fn backend_name(&self) -> &'static str {
        match &self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// Whether the database answers and every migration is applied (for `/readyz`).
    pub async fn ready(&self) -> Result<(), StoreError> {
        dispatch!(self, s => s.ready().await)
    }

    /// Records a delivery and, in the same transaction, upserts its installation and
    /// repository, creates its run, enqueues its task and appends the audit entry.
    /// A delivery id seen before yields [`Recorded::Duplicate`] and writes nothing.
    pub async fn record_delivery(&self, delivery: &NewDelivery) -> Result<Recorded, StoreError> {
        dispatch!(self, s => s.record_delivery(delivery).await)
    }

    /// Newest first.
    pub async fn list_deliveries(
        &self,
        scope: Scope,
        limit: i64,
    ) -> Result<Vec<DeliveryRecord>, StoreError> {
        dispatch!(self, s => s.list_deliveries(scope, limit).await)
    }

    /// Newest first.
    pub async fn list_runs(&self, scope: Scope, limit: i64) -> Result<Vec<RunRecord>, StoreError> {
        dispatch!(self, s => s.list_runs(scope, limit).await)
    }

    pub async fn get_run(&self, scope: Scope, id: RunId) -> Result<Option<RunRecord>, StoreError> {
        dispatch!(self, s => s.get_run(scope, id).await)
    }

    /// Oldest first. `NotFound` if the run is not visible in `scope`.
    pub async fn run_events(
        &self,
        scope: Scope,
        id: RunId,
    ) -> Result<Vec<RunEventRecord>, StoreError> {
        dispatch!(self, s => s.run_events(scope, id).await)
    }

    /// Moves a run, stores its checkpoint, appends a run event and an audit entry, all in one
    /// transaction. `Conflict` if the run is not in `transition.from`.
    pub async fn transition_run(
        &self,
        scope: Scope,
        id: RunId,
        transition: &RunTransition,
        now: Timestamp,
    ) -> Result<RunRecord, StoreError> {
        dispatch!(self, s => s.transition_run(scope, id, transition, now).await)
    }

    /// Marks a run for cancellation (the worker driving it stops at its next step). A run
    /// still `queued` is cancelled at once and its queued tasks with it. Terminal runs are
    /// returned unchanged. `None` if the run is not visible in `scope`.
    pub async fn request_cancel(
        &self,
        scope: Scope,
        id: RunId,
        actor: &str,
        now: Timestamp,
    ) -> Result<Option<RunRecord>, StoreError> {
        dispatch!(self, s => s.request_cancel(scope, id, actor, now).await)
    }

    /// Adds a task to the queue outside a delivery (follow-up work, tests, benchmarks).
    pub async fn enqueue(&self, task: &NewTask) -> Result<TaskId, StoreError> {
        dispatch!(self, s => s.enqueue(task).await)
    }

    /// Takes the oldest due task: a queued one whose `run_at` has come, or a leased one whose
    /// lease expired (its holder crashed). A task whose expired lease was its last attempt is
    /// dead-lettered instead. Concurrent callers never get the same task.
    pub async fn lease(
        &self,
        worker: &str,
        lease_ms: i64,
        now: Timestamp,
    ) -> Result<Option<LeasedTask>, StoreError> {
        dispatch!(self, s => s.lease(worker, lease_ms, now).await)
    }

    /// [`Store::lease`] restricted to tasks of the given kinds: a lane of workers that must
    /// not wait behind long tasks of other kinds (run control behind the runs it controls).
    pub async fn lease_kinds(
        &self,
        worker: &str,
        lease_ms: i64,
        now: Timestamp,
        kinds: &[&str],
    ) -> Result<Option<LeasedTask>, StoreError> {
        dispatch!(self, s => s.lease_kinds(worker, lease_ms, now, kinds).await)
    }

    /// Extends a lease. `LeaseLost` if it was taken over or the task cancelled.
    pub async fn heartbeat(
        &self,
        lease: &Lease,
        lease_ms: i64,
        now: Timestamp,
    ) -> Result<Lease, StoreError> {
        dispatch!(self, s => s.heartbeat(lease, lease_ms, now).await)
    }

    /// Marks the task done. `LeaseLost` if the lease is no longer held.
    pub async fn complete(&self, lease: &Lease, now: Timestamp) -> Result<(), StoreError> {
        dispatch!(self, s => s.complete(lease, now).await)
    }

    /// Records a failure: back to the queue after a backoff, or to the dead letters when the
    /// attempts are spent or `retryable` is false.
    /// Completes the task `lease` holds and, in the same transaction, leases the next due
    /// task to `worker` (as [`Store::lease`] would): a busy worker's hand-off to its next
    /// task is one write, not two. A lost lease does not stop the next lease; it shows as
    /// `completed: false`.
    pub async fn complete_and_lease(
        &self,
        lease: &Lease,
        worker: &str,
        lease_ms: i64,
        now: Timestamp,
    ) -> Result<Handoff, StoreError> {
        dispatch!(self, s => s.complete_and_lease(lease, worker, lease_ms, now).await)
    }

    pub async fn fail(
        &self,
        lease: &Lease,
        error: &str,
        retryable: bool,
        policy: &RetryPolicy,
        now: Timestamp,
    ) -> Result<FailOutcome, StoreError> {
        dispatch!(self, s => s.fail(lease, error, retryable, policy, now).await)
    }

    /// Gives a task back without counting the attempt (graceful shutdown).
    pub async fn release(&self, lease: &Lease, now: Timestamp) -> Result<(), StoreError> {
        dispatch!(self, s => s.release(lease, now).await)
    }

    /// Cancels a task that is queued or leased. Returns whether it was cancelled.
    pub async fn cancel_task(&self, id: TaskId, now: Timestamp) -> Result<bool, StoreError> {
        dispatch!(self, s => s.cancel_task(id, now).await)
    }

    pub async fn task(&self, id: TaskId) -> Result<Option<TaskRecord>, StoreError> {
        dispatch!(self, s => s.task(id).await)
    }

    pub async fn queue_depth(&self) -> Result<QueueDepth, StoreError> {
        dispatch!(self, s => s.queue_depth().await)
    }

    /// The number of the issue the branch-protection doctor opened for `repository`
    /// (`owner/name`) and `branch` as `installation`, if it opened one.
    pub async fn doctor_issue(
        &self,
        installation: InstallationId,
        repository: &str,
        branch: &str,
    ) -> Result<Option<i64>, StoreError> {
        dispatch!(self, s => s.doctor_issue(installation, repository, branch).await)
    }

    /// Records the issue the doctor opened. Returns `false`, changing nothing, when one was
    /// already recorded for this installation, repository and branch.
    pub async fn record_doctor_issue(
        &self,
        installation: InstallationId,
        repository: &str,
        branch: &str,
        issue_number: i64,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        dispatch!(self, s => s.record_doctor_issue(installation, repository, branch, issue_number, now).await)
    }

    /// Recomputes every audit chain and reports each edited, inserted or deleted row.
    pub async fn verify_audit(&self) -> Result<AuditReport, StoreError> {
        dispatch!(self, s => s.verify_audit().await)
    }
}
