//! The crash test: a worker process is SIGKILLed mid-task; a new process on the same
//! database re-leases the task once its lease expires and completes it exactly once.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use redgreen::runtime::worker_pool::{PoolConfig, TaskError, TaskHandler, WorkerPool};
use redgreen_core::TaskId;
use redgreen_server::Metrics;
use redgreen_store::{LeasedTask, TaskState};
use rusty_fork::{rusty_fork_id, rusty_fork_test_name};
use tokio_util::sync::CancellationToken;

use super::support::{connect, eventually, new_task, postgres_url, sqlite_url};

const DATABASE_ENV: &str = "REDGREEN_CRASH_TEST_DATABASE";
const MARKER_ENV: &str = "REDGREEN_CRASH_TEST_MARKER";

/// The doomed worker: announces that it holds the task, then works forever.
struct Doomed {
    marker: PathBuf,
}

impl TaskHandler for Doomed {
    async fn handle(&self, task: &LeasedTask) -> Result<(), TaskError> {
        std::fs::write(&self.marker, task.id.to_string()).expect("write marker");
        std::future::pending().await
    }
}

/// The survivor: counts how often it ran the task.
struct Counting {
    runs: AtomicUsize,
}

impl TaskHandler for Counting {
    async fn handle(&self, _task: &LeasedTask) -> Result<(), TaskError> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

fn pool_config() -> PoolConfig {
    PoolConfig {
        // Short, so the test waits seconds, not minutes, for the dead worker's lease.
        lease: Duration::from_secs(2),
        heartbeat: Duration::from_millis(300),
        idle_poll: Duration::from_millis(50),
        ..PoolConfig::new(1, "crash-test".into())
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().expect("runtime")
}

/// Runs in the child process: a worker pool with the doomed handler, until killed.
fn doomed_worker() {
    let url = std::env::var(DATABASE_ENV).expect("database for the child");
    let marker = PathBuf::from(std::env::var(MARKER_ENV).expect("marker for the child"));
    runtime().block_on(async {
        let store = connect(&url).await;
        let pool = WorkerPool::start(
            store,
            Arc::new(Doomed { marker }),
            pool_config(),
            Arc::new(Metrics::default()),
            CancellationToken::new(),
        );
        pool.join().await;
    });
}

/// Runs in the test process: enqueue, wait for the child to hold the task, SIGKILL it, then
/// let a fresh pool take over.
fn kill_child_mid_task_then_recover(
    url: String,
    marker: PathBuf,
    child: &mut rusty_fork::ChildWrapper,
    task: TaskId,
) {
    let rt = runtime();
    rt.block_on(async {
        let store = connect(&url).await;
        let held = eventually(
            Duration::from_secs(60),
            "the child to lease the task",
            || {
                let marker = marker.clone();
                async move { std::fs::read_to_string(&marker).ok() }
            },
        )
        .await;
        assert_eq!(held, task.to_string());
        let before = store.task(task).await.unwrap().unwrap();
        assert_eq!(before.state, TaskState::Leased);
        assert_eq!(before.attempts, 1);

        child.kill().expect("SIGKILL the worker");
        let status = child.wait().expect("reap the worker");
        assert_eq!(status.unix_signal(), Some(9), "killed by SIGKILL");

        let survivor = Arc::new(Counting {
            runs: AtomicUsize::new(0),
        });
        let shutdown = CancellationToken::new();
        let pool = WorkerPool::start(
            store.clone(),
            survivor.clone(),
            pool_config(),
            Arc::new(Metrics::default()),
            shutdown.clone(),
        );
        let done = eventually(Duration::from_secs(30), "the task to complete", || async {
            let record = store.task(task).await.unwrap().unwrap();
            (record.state == TaskState::Done).then_some(record)
        })
        .await;
        // Longer than a lease: nothing may pick the finished task up again.
        tokio::time::sleep(Duration::from_secs(3)).await;
        shutdown.cancel();
        pool.join().await;

        assert_eq!(
            done.attempts, 2,
            "one attempt died with the child, one finished"
        );
        assert_eq!(done.completions, 1);
        assert_eq!(survivor.runs.load(Ordering::SeqCst), 1);
        let after = store.task(task).await.unwrap().unwrap();
        assert_eq!((after.state, after.completions), (TaskState::Done, 1));
    });
}

fn crash_test(url_for_parent: impl FnOnce() -> String, test_name: &str, include_ignored: bool) {
    // The child re-runs this test function; it only reads its environment.
    let is_child = std::env::var(DATABASE_ENV).is_ok();
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("leased");
    let (url, task) = if is_child {
        (String::new(), None)
    } else {
        let url = url_for_parent();
        let task = runtime().block_on(async {
            let store = connect(&url).await;
            store.enqueue(&new_task(3)).await.unwrap()
        });
        (url, Some(task))
    };
    rusty_fork::fork(
        test_name,
        rusty_fork_id!(),
        |command| {
            command.env(DATABASE_ENV, &url).env(MARKER_ENV, &marker);
            if include_ignored {
                command.arg("--include-ignored");
            }
        },
        |child, _output| {
            let task = task.expect("the parent enqueued the task");
            kill_child_mid_task_then_recover(url.clone(), marker.clone(), child, task);
        },
        doomed_worker,
    )
    .expect("fork the worker process");
}

#[test]
fn sigkill_mid_task_on_sqlite_completes_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir);
    crash_test(
        || url.clone(),
        rusty_fork_test_name!(sigkill_mid_task_on_sqlite_completes_exactly_once),
        false,
    );
}

#[test]
#[ignore = "needs PostgreSQL; run with --ignored (see .ci/run)"]
fn sigkill_mid_task_on_postgres_completes_exactly_once() {
    crash_test(
        || runtime().block_on(postgres_url()),
        rusty_fork_test_name!(sigkill_mid_task_on_postgres_completes_exactly_once),
        true,
    );
}
