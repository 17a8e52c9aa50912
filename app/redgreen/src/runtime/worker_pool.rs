//! The worker pool: `REDGREEN_WORKERS` workers lease tasks from the durable queue, keep
//! their leases alive while a handler works, and settle each task exactly once.
//!
//! Run control (`@redgreen cancel`, `status`, ...) and denial replies also have a lane of
//! their own (`PoolConfig::control_workers`, leasing only [`CONTROL_KINDS`]), so that a
//! cancel is acted on while every general worker is busy with a run, the very run it cancels.
//!
//! Shutdown is graceful: once the token is cancelled no worker leases again, and a task in
//! hand gets `shutdown_grace` to finish before its lease is released back to the queue
//! (without counting the attempt), so another process picks it up at once.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use redgreen_server::Metrics;
use redgreen_store::{FailOutcome, LeasedTask, RetryPolicy, Store, StoreError};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, info, info_span, warn};

use crate::now;

/// The task kinds of the control lane: short tasks that act on runs or answer people (the
/// server records run control as `control` and a denied command's answer as `reply`).
pub const CONTROL_KINDS: &[&str] = &["control", "reply"];

/// How the pool leases and settles tasks.
#[derive(Debug, Clone)]
pub struct PoolConfig {
    /// Workers that lease tasks of every kind.
    pub workers: usize,
    /// Workers that lease only [`CONTROL_KINDS`].
    pub control_workers: usize,
    /// Name recorded as the lease holder (host and process, for operators).
    pub worker_name: String,
    /// How long a lease lasts without a heartbeat: the time a crashed worker's task waits
    /// before another worker takes it over.
    pub lease: Duration,
    /// How often a held lease is extended; well under `lease`.
    pub heartbeat: Duration,
    /// Pause between polls of an empty queue.
    pub idle_poll: Duration,
    /// How long a task in hand may run on after shutdown begins.
    pub shutdown_grace: Duration,
    pub retry: RetryPolicy,
}

impl PoolConfig {
    pub fn new(workers: usize, worker_name: String) -> PoolConfig {
        PoolConfig {
            workers,
            control_workers: 1,
            worker_name,
            lease: Duration::from_secs(60),
            heartbeat: Duration::from_secs(15),
            idle_poll: Duration::from_millis(250),
            shutdown_grace: Duration::from_secs(20),
            retry: RetryPolicy::default(),
        }
    }

    /// The same with another lease, heartbeating four times per lease so that one late
    /// heartbeat does not lose it.
    #[must_use]
    pub fn with_lease(self, lease: Duration) -> PoolConfig {
        PoolConfig {
            lease,
            heartbeat: lease / 4,
            ..self
        }
    }
}

/// Why a handler did not finish its task.
#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    /// Worth another attempt after a backoff.
    #[error("{0}")]
    Retryable(String),
    /// Will never succeed: dead-letter the task.
    #[error("{0}")]
    Permanent(String),
}

impl TaskError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, TaskError::Retryable(_))
    }

    /// A failure whose error says itself whether another attempt could succeed.
    pub(crate) fn from_error(retryable: bool, error: impl std::fmt::Display) -> TaskError {
        if retryable {
            TaskError::Retryable(error.to_string())
        } else {
            TaskError::Permanent(error.to_string())
        }
    }
}

impl From<StoreError> for TaskError {
    fn from(error: StoreError) -> TaskError {
        TaskError::from_error(error.is_retryable(), error)
    }
}

/// Does the work of one leased task. The future is dropped if the lease is lost, so a
/// handler must keep its side effects idempotent (it may be run again elsewhere).
pub trait TaskHandler: Send + Sync + 'static {
    fn handle(&self, task: &LeasedTask) -> impl Future<Output = Result<(), TaskError>> + Send;
}

/// Running workers. Dropping it does not stop them; cancel the token and [`join`](Self::join).
pub struct WorkerPool {
    workers: JoinSet<()>,
}

impl WorkerPool {
    pub fn start<H: TaskHandler>(
        store: Store,
        handler: Arc<H>,
        config: PoolConfig,
        metrics: Arc<Metrics>,
        shutdown: CancellationToken,
    ) -> WorkerPool {
        let config = Arc::new(config);
        let mut workers = JoinSet::new();
        let lanes = std::iter::repeat_n(Lane::Any, config.workers)
            .chain(std::iter::repeat_n(Lane::Control, config.control_workers));
        for (index, lane) in lanes.enumerate() {
            let suffix = match lane {
                Lane::Any => "",
                Lane::Control => "-control",
            };
            let worker = Worker {
                name: format!("{}/{index}{suffix}", config.worker_name),
                lane,
                store: store.clone(),
                handler: handler.clone(),
                config: config.clone(),
                metrics: metrics.clone(),
                shutdown: shutdown.clone(),
            };
            workers.spawn(worker.run());
        }
        WorkerPool { workers }
    }

    /// Waits until every worker has stopped (after the shutdown token is cancelled).
    pub async fn join(mut self) {
        while let Some(result) = self.workers.join_next().await {
            if let Err(error) = result {
                warn!(%error, "worker task ended abnormally");
            }
        }
    }
}

/// Which tasks a worker leases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lane {
    Any,
    Control,
}

struct Worker<H> {
    name: String,
    lane: Lane,
    store: Store,
    handler: Arc<H>,
    config: Arc<PoolConfig>,
    metrics: Arc<Metrics>,
    shutdown: CancellationToken,
}

/// How the work on one task ended, before the queue is told.
enum Ending {
    Finished(Result<(), TaskError>),
    LeaseLost,
    ShutDown,
}

impl<H: TaskHandler> Worker<H> {
    async fn run(self) {
        let lease_ms = millis(self.config.lease);
        // A finished task hands off to the next due one in the same write (see `settle`).
        let mut next: Option<LeasedTask> = None;
        while !self.shutdown.is_cancelled() {
            let task = match next.take() {
                Some(task) => task,
                None => match self.lease(lease_ms).await {
                    Ok(Some(task)) => task,
                    Ok(None) => {
                        self.pause(self.config.idle_poll).await;
                        continue;
                    }
                    Err(error) => {
                        warn!(worker = %self.name, %error, "leasing failed; backing off");
                        self.pause(self.config.idle_poll * 8).await;
                        continue;
                    }
                },
            };
            next = self.work_on(task).await;
        }
        // Shutdown began just as a hand-off leased a task: give it back untouched.
        if let Some(task) = next {
            match self.store.release(&task.lease, now()).await {
                Ok(()) => info!(task_id = %task.id, "shutdown: unstarted task released"),
                Err(error) => {
                    warn!(task_id = %task.id, %error, "shutdown: release failed; the lease will expire instead");
                }
            }
        }
        info!(worker = %self.name, "worker stopped");
    }

    async fn lease(&self, lease_ms: i64) -> Result<Option<LeasedTask>, StoreError> {
        match self.lane {
            Lane::Any => self.store.lease(&self.name, lease_ms, now()).await,
            Lane::Control => {
                self.store
                    .lease_kinds(&self.name, lease_ms, now(), CONTROL_KINDS)
                    .await
            }
        }
    }

    async fn pause(&self, duration: Duration) {
        tokio::select! {
            () = self.shutdown.cancelled() => {}
            () = tokio::time::sleep(duration) => {}
        }
    }

    /// Works on `task` until it is settled; returns the next task if settling leased one.
    async fn work_on(&self, task: LeasedTask) -> Option<LeasedTask> {
        let span = info_span!(
            "task",
            task_id = %task.id,
            kind = %task.kind,
            attempt = task.attempt,
            installation = task.installation.map(|i| i.0),
            run_id = task.run.map(|r| r.to_string()),
        );
        async {
            self.metrics.worker_started();
            let started = Instant::now();
            let (ending, lease) = self.supervise(&task).await;
            let (outcome, next) = self.settle(&task, ending, &lease).await;
            self.metrics
                .observe_task(&task.kind, outcome, started.elapsed().as_secs_f64());
            self.metrics.worker_finished();
            next
        }
        .instrument(span)
        .await
    }

    /// Runs the handler while heartbeating the lease, until it finishes, the lease is lost,
    /// or shutdown's grace period runs out.
    async fn supervise(&self, task: &LeasedTask) -> (Ending, redgreen_store::Lease) {
        let lease_ms = millis(self.config.lease);
        let mut lease = task.lease;
        let work = self.handler.handle(task);
        tokio::pin!(work);
        let mut heartbeat = tokio::time::interval(self.config.heartbeat);
        heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        heartbeat.tick().await;
        // Armed only once shutdown begins; until then it lies a year ahead.
        let grace = tokio::time::sleep(Duration::from_secs(365 * 24 * 3600));
        tokio::pin!(grace);
        let mut draining = false;
        let ending = loop {
            tokio::select! {
                result = &mut work => break Ending::Finished(result),
                _ = heartbeat.tick() => {
                    match self.store.heartbeat(&lease, lease_ms, now()).await {
                        Ok(extended) => lease = extended,
                        Err(StoreError::LeaseLost { .. }) => break Ending::LeaseLost,
                        // The lease may still be valid; the next beat tries again.
                        Err(error) => warn!(%error, "heartbeat failed"),
                    }
                }
                () = self.shutdown.cancelled(), if !draining => {
                    draining = true;
                    grace.as_mut().reset(tokio::time::Instant::now() + self.config.shutdown_grace);
                    info!("shutdown: letting the task finish within the grace period");
                }
                () = &mut grace, if draining => break Ending::ShutDown,
            }
        };
        (ending, lease)
    }

    /// Tells the queue how the task ended; returns the outcome label for metrics and, when a
    /// finished task handed off to the next due one, that task.
    async fn settle(
        &self,
        task: &LeasedTask,
        ending: Ending,
        lease: &redgreen_store::Lease,
    ) -> (&'static str, Option<LeasedTask>) {
        let store = &self.store;
        let outcome = match ending {
            // The hand-off leases any kind, so only the general lane uses it.
            Ending::Finished(Ok(())) if !self.shutdown.is_cancelled() && self.lane == Lane::Any => {
                let lease_ms = millis(self.config.lease);
                match store
                    .complete_and_lease(lease, &self.name, lease_ms, now())
                    .await
                {
                    Ok(handoff) if handoff.completed => {
                        info!("task done");
                        return ("done", handoff.next);
                    }
                    Ok(handoff) => {
                        warn!("task finished but its lease was lost; not marked done");
                        return ("lost", handoff.next);
                    }
                    Err(error) => {
                        warn!(%error, "task finished but could not be marked done");
                        "lost"
                    }
                }
            }
            Ending::Finished(Ok(())) => match store.complete(lease, now()).await {
                Ok(()) => {
                    info!("task done");
                    "done"
                }
                Err(error) => {
                    warn!(%error, "task finished but could not be marked done");
                    "lost"
                }
            },
            Ending::Finished(Err(failure)) => {
                let retryable = failure.is_retryable();
                let message = failure.to_string();
                match store
                    .fail(lease, &message, retryable, &self.config.retry, now())
                    .await
                {
                    Ok(FailOutcome::RetryAt(at)) => {
                        warn!(error = %message, retry_at = at.millis(), "task failed; will retry");
                        "retry"
                    }
                    Ok(FailOutcome::DeadLettered) => {
                        warn!(error = %message, attempts = task.attempt, "task dead-lettered");
                        "dead"
                    }
                    Err(error) => {
                        warn!(%error, "task failed and the failure could not be recorded");
                        "lost"
                    }
                }
            }
            Ending::LeaseLost => {
                warn!("lease lost (expired or cancelled); abandoned the task");
                "lost"
            }
            Ending::ShutDown => match store.release(lease, now()).await {
                Ok(()) => {
                    info!("shutdown: task released back to the queue");
                    "released"
                }
                Err(error) => {
                    warn!(%error, "shutdown: release failed; the lease will expire instead");
                    "lost"
                }
            },
        };
        (outcome, None)
    }
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}
