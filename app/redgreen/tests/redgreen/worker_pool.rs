//! The worker pool against a real SQLite store: settling, retries, dead letters, shutdown.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use redgreen::runtime::worker_pool::{PoolConfig, TaskError, TaskHandler, WorkerPool};
use redgreen_server::Metrics;
use redgreen_store::{LeasedTask, RetryPolicy, Store, TaskRecord, TaskState};
use tokio_util::sync::CancellationToken;

use super::support::{connect, eventually, new_task, sqlite_url};

/// Fails the first `failures` attempts with the given error, then succeeds.
struct Flaky {
    calls: AtomicUsize,
    failures: usize,
    permanent: bool,
}

impl TaskHandler for Flaky {
    async fn handle(&self, _task: &LeasedTask) -> Result<(), TaskError> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst);
        match (call < self.failures, self.permanent) {
            (false, _) => Ok(()),
            (true, false) => Err(TaskError::Retryable(format!("transient #{call}"))),
            (true, true) => Err(TaskError::Permanent("cannot ever work".into())),
        }
    }
}

/// Never finishes on its own.
struct Stuck {
    started: AtomicUsize,
}

impl TaskHandler for Stuck {
    async fn handle(&self, _task: &LeasedTask) -> Result<(), TaskError> {
        self.started.fetch_add(1, Ordering::SeqCst);
        std::future::pending().await
    }
}

fn fast_config(workers: usize) -> PoolConfig {
    PoolConfig {
        lease: Duration::from_secs(5),
        heartbeat: Duration::from_millis(200),
        idle_poll: Duration::from_millis(20),
        shutdown_grace: Duration::from_millis(200),
        retry: RetryPolicy {
            base_delay_ms: 10,
            max_delay_ms: 50,
        },
        ..PoolConfig::new(workers, "test".into())
    }
}

fn start<H: TaskHandler>(
    store: &Store,
    handler: Arc<H>,
    config: PoolConfig,
) -> (WorkerPool, CancellationToken) {
    let shutdown = CancellationToken::new();
    let pool = WorkerPool::start(
        store.clone(),
        handler,
        config,
        Arc::new(Metrics::default()),
        shutdown.clone(),
    );
    (pool, shutdown)
}

async fn settled(store: &Store, id: redgreen_core::TaskId, state: TaskState) -> TaskRecord {
    eventually(Duration::from_secs(20), "the task to settle", || async {
        let task = store.task(id).await.unwrap().unwrap();
        (task.state == state).then_some(task)
    })
    .await
}

#[tokio::test]
async fn every_task_completes_exactly_once_across_workers() {
    let dir = tempfile::tempdir().unwrap();
    let store = connect(&sqlite_url(&dir)).await;
    let mut ids = Vec::new();
    for _ in 0..30 {
        ids.push(store.enqueue(&new_task(3)).await.unwrap());
    }
    let handler = Arc::new(Flaky {
        calls: AtomicUsize::new(0),
        failures: 0,
        permanent: false,
    });
    let (pool, shutdown) = start(&store, handler.clone(), fast_config(3));
    for id in &ids {
        let task = settled(&store, *id, TaskState::Done).await;
        assert_eq!(task.completions, 1);
        assert_eq!(task.attempts, 1);
    }
    shutdown.cancel();
    pool.join().await;
    assert_eq!(handler.calls.load(Ordering::SeqCst), 30);
    assert_eq!(store.queue_depth().await.unwrap().queued, 0);
}

#[tokio::test]
async fn a_retryable_failure_is_retried_after_backoff() {
    let dir = tempfile::tempdir().unwrap();
    let store = connect(&sqlite_url(&dir)).await;
    let id = store.enqueue(&new_task(5)).await.unwrap();
    let handler = Arc::new(Flaky {
        calls: AtomicUsize::new(0),
        failures: 2,
        permanent: false,
    });
    let (pool, shutdown) = start(&store, handler.clone(), fast_config(1));
    let task = settled(&store, id, TaskState::Done).await;
    shutdown.cancel();
    pool.join().await;
    assert_eq!(task.attempts, 3);
    assert_eq!(task.completions, 1);
    assert_eq!(handler.calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_permanent_failure_goes_to_the_dead_letters_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = connect(&sqlite_url(&dir)).await;
    let id = store.enqueue(&new_task(5)).await.unwrap();
    let handler = Arc::new(Flaky {
        calls: AtomicUsize::new(0),
        failures: usize::MAX,
        permanent: true,
    });
    let (pool, shutdown) = start(&store, handler.clone(), fast_config(1));
    let task = settled(&store, id, TaskState::Dead).await;
    shutdown.cancel();
    pool.join().await;
    assert_eq!(task.attempts, 1);
    assert_eq!(task.completions, 0);
    assert_eq!(task.last_error.as_deref(), Some("cannot ever work"));
    assert_eq!(store.queue_depth().await.unwrap().dead, 1);
}

#[tokio::test]
async fn retries_stop_at_max_attempts() {
    let dir = tempfile::tempdir().unwrap();
    let store = connect(&sqlite_url(&dir)).await;
    let id = store.enqueue(&new_task(3)).await.unwrap();
    let handler = Arc::new(Flaky {
        calls: AtomicUsize::new(0),
        failures: usize::MAX,
        permanent: false,
    });
    let (pool, shutdown) = start(&store, handler.clone(), fast_config(1));
    let task = settled(&store, id, TaskState::Dead).await;
    shutdown.cancel();
    pool.join().await;
    assert_eq!(task.attempts, 3);
    assert_eq!(handler.calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn shutdown_releases_a_task_that_outlives_the_grace_period() {
    let dir = tempfile::tempdir().unwrap();
    let store = connect(&sqlite_url(&dir)).await;
    let id = store.enqueue(&new_task(3)).await.unwrap();
    let handler = Arc::new(Stuck {
        started: AtomicUsize::new(0),
    });
    let (pool, shutdown) = start(&store, handler.clone(), fast_config(2));
    settled(&store, id, TaskState::Leased).await;
    shutdown.cancel();
    pool.join().await;
    let task = store.task(id).await.unwrap().unwrap();
    assert_eq!(task.state, TaskState::Queued, "released back to the queue");
    assert_eq!(task.attempts, 0, "a released attempt does not count");
    assert_eq!(handler.started.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn shutdown_stops_leasing_new_tasks() {
    let dir = tempfile::tempdir().unwrap();
    let store = connect(&sqlite_url(&dir)).await;
    let handler = Arc::new(Flaky {
        calls: AtomicUsize::new(0),
        failures: 0,
        permanent: false,
    });
    let (pool, shutdown) = start(&store, handler.clone(), fast_config(2));
    shutdown.cancel();
    pool.join().await;
    let id = store.enqueue(&new_task(3)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        store.task(id).await.unwrap().unwrap().state,
        TaskState::Queued
    );
    assert_eq!(handler.calls.load(Ordering::SeqCst), 0);
}

/// Counts executions per task and notices any task being worked on twice at the same time.
#[derive(Default)]
struct Exclusive {
    in_flight: std::sync::Mutex<std::collections::HashSet<redgreen_core::TaskId>>,
    runs: std::sync::Mutex<std::collections::HashMap<redgreen_core::TaskId, usize>>,
    overlaps: AtomicUsize,
}

impl TaskHandler for Exclusive {
    async fn handle(&self, task: &LeasedTask) -> Result<(), TaskError> {
        if !self.in_flight.lock().unwrap().insert(task.id) {
            self.overlaps.fetch_add(1, Ordering::SeqCst);
        }
        *self.runs.lock().unwrap().entry(task.id).or_default() += 1;
        tokio::time::sleep(Duration::from_millis(2)).await;
        self.in_flight.lock().unwrap().remove(&task.id);
        Ok(())
    }
}

#[tokio::test]
#[ignore = "needs PostgreSQL; run with --ignored (see .ci/run)"]
async fn two_servers_sharing_postgres_never_run_a_task_twice() {
    let url = super::support::postgres_url().await;
    // Two stores with their own connection pools, as two `redgreen serve` processes have.
    let first = connect(&url).await;
    let second = connect(&url).await;
    let mut ids = Vec::new();
    for _ in 0..200 {
        ids.push(first.enqueue(&new_task(3)).await.unwrap());
    }
    let handler = Arc::new(Exclusive::default());
    let (pool_a, stop_a) = start(&first, handler.clone(), fast_config(4));
    let (pool_b, stop_b) = start(&second, handler.clone(), fast_config(4));
    for id in &ids {
        let task = settled(&first, *id, TaskState::Done).await;
        assert_eq!(task.completions, 1);
    }
    stop_a.cancel();
    stop_b.cancel();
    pool_a.join().await;
    pool_b.join().await;
    assert_eq!(handler.overlaps.load(Ordering::SeqCst), 0);
    let runs = handler.runs.lock().unwrap();
    assert_eq!(runs.len(), 200);
    assert!(runs.values().all(|count| *count == 1), "a task ran twice");
}
