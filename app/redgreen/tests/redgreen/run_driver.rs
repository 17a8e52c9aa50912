//! The run driver: runs stepped through the state machine against a real store, with every
//! step checkpointed.

use std::collections::VecDeque;
use std::sync::Mutex;

use redgreen::runtime::run_driver::PhaseRunner;
use redgreen::runtime::task_router::TaskRouter;
use redgreen::runtime::worker_pool::{TaskError, TaskHandler};
use redgreen_core::machine::{Event, Failure, Machine, PhaseOutput};
use redgreen_core::repo_config::Verify;
use redgreen_core::work::{
    BudgetLimits, GreenProof, IssueText, PatchWork, Prepared, Published, RedProof, TestSummary,
};
use redgreen_core::{InstallationId, RunId, RunKind, RunState};
use redgreen_store::{LeasedTask, RunRecord, Scope, Store};

use super::support::{connect, delivery_with_run, now, sqlite_url};

const INSTALLATION: InstallationId = InstallationId(42);

/// Answers each phase from a script and records the phases it was asked to run.
struct Scripted {
    outcomes: Mutex<VecDeque<Event>>,
    phases: Mutex<Vec<RunState>>,
}

impl Scripted {
    fn new(outcomes: Vec<Event>) -> Scripted {
        Scripted {
            outcomes: Mutex::new(outcomes.into()),
            phases: Mutex::new(Vec::new()),
        }
    }

    fn phases(&self) -> Vec<RunState> {
        self.phases.lock().unwrap().clone()
    }
}

impl PhaseRunner for &'static Scripted {
    async fn run_phase(&self, _run: &RunRecord, _machine: &Machine, phase: RunState) -> Vec<Event> {
        self.phases.lock().unwrap().push(phase);
        let outcome = self.outcomes.lock().unwrap().pop_front();
        vec![outcome.unwrap_or_else(|| succeeded(phase))]
    }
}

/// A plausible product for each phase, as a real phase runner would report it.
fn succeeded(phase: RunState) -> Event {
    let summary = TestSummary::default();
    let output = match phase {
        RunState::Preparing => PhaseOutput::Prepared(Box::new(Prepared {
            issue: IssueText::default(),
            base_commit: "0123abcd".into(),
            test_command: "python3 -m unittest -v".into(),
            test_command_source: "detected".into(),
            max_attempts: 3,
            budget: BudgetLimits::default(),
            baseline: summary,
            verify: Verify::Full,
        })),
        RunState::Planning => PhaseOutput::Planned {
            plan: serde_json::json!({"summary": "fix it"}),
            red_needed: true,
        },
        RunState::Red => PhaseOutput::Red(RedProof {
            tests: vec!["tests.test_x".into()],
            rationale: "shows the bug".into(),
            diff: String::new(),
            run: summary,
            replaced: Vec::new(),
        }),
        RunState::Patch => PhaseOutput::Patched(PatchWork {
            rationale: "the fix".into(),
            diff: String::new(),
        }),
        RunState::Green => PhaseOutput::Green(Box::new(GreenProof {
            named: summary.clone(),
            suite: summary,
            selection: None,
            baseline: None,
            flaky: Vec::new(),
        })),
        _ => PhaseOutput::Published(Published {
            branch: "redgreen/1-fix".into(),
            commit: "feed".into(),
            pr_number: None,
            pr_url: None,
        }),
    };
    Event::PhaseSucceeded { output }
}

/// Records a delivery that creates a run of `kind`, and leases its task.
async fn accepted_run(store: &Store, kind: RunKind) -> (RunId, LeasedTask) {
    let (delivery, run) = delivery_with_run(INSTALLATION, kind);
    store.record_delivery(&delivery).await.unwrap();
    let task = store.lease("test", 60_000, now()).await.unwrap().unwrap();
    (run, task)
}

async fn run_record(store: &Store, id: RunId) -> RunRecord {
    store
        .get_run(Scope::Tenant(INSTALLATION), id)
        .await
        .unwrap()
        .unwrap()
}

async fn event_states(store: &Store, id: RunId) -> Vec<RunState> {
    store
        .run_events(Scope::Tenant(INSTALLATION), id)
        .await
        .unwrap()
        .into_iter()
        .map(|event| event.state)
        .collect()
}

fn leak(script: Scripted) -> &'static Scripted {
    Box::leak(Box::new(script))
}

#[tokio::test]
async fn a_fix_run_walks_every_phase_to_done_with_a_checkpoint_per_step() {
    let dir = tempfile::tempdir().unwrap();
    let store = connect(&sqlite_url(&dir)).await;
    let (id, task) = accepted_run(&store, RunKind::Fix).await;
    let script = leak(Scripted::new(vec![]));
    TaskRouter::new(store.clone(), script)
        .handle(&task)
        .await
        .unwrap();

    assert_eq!(script.phases(), Machine::phases(RunKind::Fix));
    let run = run_record(&store, id).await;
    assert_eq!(run.state, RunState::Done);
    let checkpoint: Machine = serde_json::from_value(run.checkpoint).unwrap();
    assert_eq!(checkpoint.state, RunState::Done);
    let states = event_states(&store, id).await;
    for phase in Machine::phases(RunKind::Fix) {
        assert!(states.contains(phase), "no event for {phase}: {states:?}");
    }
    assert_eq!(states.last(), Some(&RunState::Done));
}

#[tokio::test]
async fn a_transient_failure_asks_for_a_retry_and_the_retry_resumes_the_same_phase() {
    let dir = tempfile::tempdir().unwrap();
    let store = connect(&sqlite_url(&dir)).await;
    let (id, task) = accepted_run(&store, RunKind::Test).await;
    let script = leak(Scripted::new(vec![
        succeeded(RunState::Preparing),
        Event::PhaseFailed {
            reason: "GitHub answered 502".into(),
            failure: Failure::Transient,
        },
    ]));
    let driver = TaskRouter::new(store.clone(), script);
    let error = driver.handle(&task).await.unwrap_err();
    assert!(matches!(error, TaskError::Retryable(ref m) if m.contains("502")));
    assert_eq!(run_record(&store, id).await.state, RunState::Green);

    // The queue hands the task out again; the run resumes at `green`, not from the start.
    driver.handle(&task).await.unwrap();
    assert_eq!(
        script.phases(),
        [
            RunState::Preparing,
            RunState::Green,
            RunState::Green,
            RunState::Publishing
        ]
    );
    assert_eq!(run_record(&store, id).await.state, RunState::Done);
}

#[tokio::test]
async fn a_cancel_requested_while_running_stops_before_the_next_phase() {
    let dir = tempfile::tempdir().unwrap();
    let store = connect(&sqlite_url(&dir)).await;
    let (id, task) = accepted_run(&store, RunKind::Fix).await;
    // Take the run out of `queued` first, as a worker would have, so the cancel is a request.
    let script = leak(Scripted::new(vec![Event::PhaseFailed {
        reason: "rate limited".into(),
        failure: Failure::Transient,
    }]));
    let driver = TaskRouter::new(store.clone(), script);
    driver.handle(&task).await.unwrap_err();
    let requested = store
        .request_cancel(Scope::Tenant(INSTALLATION), id, "octocat", now())
        .await
        .unwrap()
        .unwrap();
    assert!(requested.cancel_requested);

    driver.handle(&task).await.unwrap();
    assert_eq!(run_record(&store, id).await.state, RunState::Cancelled);
    assert_eq!(
        script.phases(),
        [RunState::Preparing],
        "no phase ran after the cancel"
    );
}

/// Records each phase it is asked to run, and never finishes one (a model that thinks
/// forever).
struct Endless {
    phases: std::sync::Arc<Mutex<Vec<RunState>>>,
}

impl PhaseRunner for Endless {
    async fn run_phase(&self, _run: &RunRecord, _machine: &Machine, phase: RunState) -> Vec<Event> {
        self.phases.lock().unwrap().push(phase);
        std::future::pending().await
    }
}

#[tokio::test]
async fn a_cancel_requested_during_a_phase_abandons_the_phase() {
    let dir = tempfile::tempdir().unwrap();
    let store = connect(&sqlite_url(&dir)).await;
    let (id, task) = accepted_run(&store, RunKind::Fix).await;
    let phases = std::sync::Arc::new(Mutex::new(Vec::new()));
    let endless = Endless {
        phases: phases.clone(),
    };
    let driver = TaskRouter::new(store.clone(), endless)
        .with_cancel_poll(std::time::Duration::from_millis(50));
    let working = tokio::spawn(async move { driver.handle(&task).await });
    while phases.lock().unwrap().is_empty() {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    store
        .request_cancel(Scope::Tenant(INSTALLATION), id, "octocat", now())
        .await
        .unwrap()
        .unwrap();

    // A hang here is the failure; the bound only keeps the suite from waiting forever.
    tokio::time::timeout(std::time::Duration::from_secs(60), working)
        .await
        .expect("the cancel did not stop the phase")
        .unwrap()
        .unwrap();
    assert_eq!(run_record(&store, id).await.state, RunState::Cancelled);
    assert_eq!(*phases.lock().unwrap(), [RunState::Preparing]);
}

#[tokio::test]
async fn a_run_of_another_tenant_is_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let store = connect(&sqlite_url(&dir)).await;
    let (_, mut task) = accepted_run(&store, RunKind::Fix).await;
    task.installation = Some(InstallationId(99));
    let error = TaskRouter::new(store.clone(), leak(Scripted::new(vec![])))
        .handle(&task)
        .await
        .unwrap_err();
    assert!(matches!(error, TaskError::Permanent(ref m) if m.contains("not found")));
}

#[tokio::test]
async fn continue_resumes_a_parked_run_at_its_phase_through_a_new_task() {
    let dir = tempfile::tempdir().unwrap();
    let store = connect(&sqlite_url(&dir)).await;
    let (id, task) = accepted_run(&store, RunKind::Fix).await;
    let script = leak(Scripted::new(vec![
        succeeded(RunState::Preparing),
        Event::PhaseFailed {
            reason: "the token budget is spent".into(),
            failure: Failure::NeedsHuman,
        },
    ]));
    let driver = TaskRouter::new(store.clone(), script);
    driver.handle(&task).await.unwrap();
    store.complete(&task.lease, now()).await.unwrap();
    assert_eq!(run_record(&store, id).await.state, RunState::NeedsHuman);

    // `@redgreen continue` on issue 1 of octo/widgets, as the intake records it.
    let control = serde_json::json!({
        "command": "continue",
        "target": {"type": "issue", "number": 1},
        "actor": "octocat",
        "comment": null,
        "repository": "octo/widgets",
    });
    store
        .enqueue(&redgreen_store::NewTask {
            kind: "control".into(),
            installation: Some(INSTALLATION),
            payload: control,
            ..super::support::new_task(5)
        })
        .await
        .unwrap();
    let control_task = store.lease("test", 60_000, now()).await.unwrap().unwrap();
    assert_eq!(control_task.kind, "control");
    driver.handle(&control_task).await.unwrap();
    store.complete(&control_task.lease, now()).await.unwrap();

    // The control command enqueued the run's resumption; handling it finishes the run.
    let resumed = store.lease("test", 60_000, now()).await.unwrap().unwrap();
    assert_eq!((resumed.kind.as_str(), resumed.run), ("run", Some(id)));
    driver.handle(&resumed).await.unwrap();
    assert_eq!(
        script.phases(),
        [
            RunState::Preparing,
            RunState::Planning,
            RunState::Planning,
            RunState::Red,
            RunState::Patch,
            RunState::Green,
            RunState::Publishing
        ],
        "planning ran again after the continue, then the rest"
    );
    let run = run_record(&store, id).await;
    assert_eq!(run.state, RunState::Done);
    let checkpoint: Machine = serde_json::from_value(run.checkpoint).unwrap();
    assert_eq!(
        checkpoint.allowances, 2,
        "continue granted a fresh allowance"
    );
}
