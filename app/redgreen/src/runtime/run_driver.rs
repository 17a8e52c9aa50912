//! The task handler of `redgreen serve`: drives runs through the core state machine,
//! checkpointing after every step, and dispatches the other task kinds (denial replies,
//! installation changes with the branch-protection doctor, run control).

use std::collections::VecDeque;
use std::future::Future;
use std::time::Duration;

use redgreen_core::Command;
use redgreen_core::machine::{Effect, Event, Machine, step};
use redgreen_core::webhook::{ControlRequest, InstallationChange, Target};
use redgreen_core::{InstallationId, RunId, RunState, TaskId};
use redgreen_github::{GitHubClient, RepoName};
use redgreen_server::trigger::DenialReply;
use redgreen_store::{LeasedTask, NewTask, RunRecord, RunTransition, Scope, Store};
use tracing::{Instrument, info, info_span, warn};

use crate::github::denial_reply::post_denial_reply;
use crate::github::progress::GitHubProgress;
use crate::github::protection_doctor::check_repository;
use crate::now;
use crate::runtime::worker_pool::{TaskError, TaskHandler};

/// Runs looked at to find the latest run of an issue or PR for a control command.
const CONTROL_LOOKBACK: i64 = 500;
/// Attempts of a task that resumes a parked run.
const RESUMED_TASK_ATTEMPTS: i32 = 5;
/// How often a phase in progress looks for a cancel request.
const CANCEL_POLL: Duration = Duration::from_secs(2);

/// Does the work of one phase of a run and reports how it went: the events in the order they
/// happened, usually what was spent and then the verdict.
pub trait PhaseRunner: Send + Sync + 'static {
    fn run_phase(
        &self,
        run: &RunRecord,
        machine: &Machine,
        phase: RunState,
    ) -> impl Future<Output = Vec<Event>> + Send;

    /// Releases what the run holds on this machine (its work tree, index and sandbox). Called
    /// when the run stops; a no-op for runners that hold nothing.
    fn cleanup(&self, _run: &RunRecord) {}
}

/// Handles every task kind the webhook intake enqueues.
pub struct RunDriver<P> {
    store: Store,
    phases: P,
    progress: Option<GitHubProgress>,
    github: Option<GitHubClient>,
    cancel_poll: Duration,
}

impl<P: PhaseRunner> RunDriver<P> {
    pub fn new(store: Store, phases: P) -> RunDriver<P> {
        RunDriver {
            store,
            phases,
            progress: None,
            github: None,
            cancel_poll: CANCEL_POLL,
        }
    }

    /// How often a phase in progress looks for a cancel request (two seconds by default).
    pub fn with_cancel_poll(mut self, every: Duration) -> RunDriver<P> {
        self.cancel_poll = every;
        self
    }

    /// The GitHub App, for the tasks that act on GitHub outside a run: denial replies and
    /// the branch-protection doctor on installation changes.
    pub fn with_github(mut self, client: GitHubClient) -> RunDriver<P> {
        self.github = Some(client);
        self
    }

    /// Publishes each run's progress on GitHub (the 👀 reaction and the progress comment).
    pub fn with_progress(mut self, progress: GitHubProgress) -> RunDriver<P> {
        self.progress = Some(progress);
        self
    }

    /// Steps the run from its checkpoint until it stops, parks or ends. Each step's new state
    /// and checkpoint are stored before any of its effects run, so a crash at any point
    /// resumes from the last stored step.
    async fn drive(
        &self,
        installation: InstallationId,
        id: RunId,
        resume: Option<Event>,
    ) -> Result<(), TaskError> {
        let scope = Scope::Tenant(installation);
        let run = self
            .store
            .get_run(scope, id)
            .await
            .map_err(store_error)?
            .ok_or_else(|| TaskError::Permanent(format!("run {id} not found")))?;
        let mut machine = checkpointed_machine(&run)?;
        let mut stored_state = run.state;
        let first = match resume {
            _ if run.cancel_requested => Event::CancelRequested,
            Some(event) => event,
            None => Event::Started,
        };
        let mut events = VecDeque::from([first]);
        while let Some(event) = events.pop_front() {
            let (next, effects) = step(&machine, &event);
            if next != machine {
                let transition = RunTransition {
                    from: stored_state,
                    to: next.state,
                    checkpoint: serde_json::to_value(&next).map_err(internal)?,
                    pr_url: next
                        .work
                        .published
                        .as_ref()
                        .and_then(|published| published.pr_url.clone()),
                    event_kind: match event {
                        Event::Spent { .. } => "spent",
                        Event::VerificationFailed { .. } => "verification_failed",
                        _ => "transition",
                    }
                    .into(),
                    message: describe(&event, &next),
                    data: serde_json::to_value(&event).map_err(internal)?,
                };
                self.store
                    .transition_run(scope, id, &transition, now())
                    .await
                    .map_err(store_error)?;
                info!(from = %stored_state, to = %next.state, "run moved");
                stored_state = next.state;
            }
            machine = next;
            for effect in effects {
                match effect {
                    Effect::RunPhase(phase) => {
                        if self.cancel_requested(scope, id).await? {
                            events.push_back(Event::CancelRequested);
                            break;
                        }
                        // A cancel abandons the phase where it is: the model call in
                        // flight is dropped and the run's tree is cleaned up. A sandboxed
                        // test run already started finishes (or times out) on its own
                        // thread, and its result is thrown away.
                        let phase_work = self
                            .phases
                            .run_phase(&run, &machine, phase)
                            .instrument(info_span!("phase", %phase));
                        let outcome = tokio::select! {
                            outcome = phase_work => outcome,
                            () = self.cancel_request(scope, id) => {
                                info!(%phase, "cancel requested: the phase is abandoned");
                                vec![Event::CancelRequested]
                            }
                        };
                        events.extend(outcome);
                    }
                    // The stored run events are the progress record; the comment on GitHub
                    // mirrors them. A failure to post it does not stop the run: the next
                    // step's publication edits the same comment.
                    Effect::PublishProgress => {
                        info!(state = %machine.state, "progress");
                        if let Some(progress) = &self.progress
                            && let Err(error) = progress.publish(&run, &machine).await
                        {
                            warn!(%error, "progress could not be published on GitHub");
                        }
                    }
                    Effect::Cleanup => self.phases.cleanup(&run),
                    Effect::RetryLater => {
                        let reason = machine.last_error.clone().unwrap_or_default();
                        return Err(TaskError::Retryable(reason));
                    }
                }
            }
        }
        Ok(())
    }

    /// Runs the branch-protection doctor on every repository the change added, opening the
    /// explanatory issue (once) where a default branch is unprotected. A repository that
    /// cannot be checked fails the task after the others were checked; the retry re-checks
    /// all of them without opening any issue twice.
    async fn installation_changed(
        &self,
        installation: InstallationId,
        payload: &serde_json::Value,
    ) -> Result<(), TaskError> {
        let change: InstallationChange = serde_json::from_value(payload.clone())
            .map_err(|e| TaskError::Permanent(format!("unreadable installation change: {e}")))?;
        let added = change.repositories_added.len();
        info!(action = %change.action, added, "installation change");
        let Some(client) = &self.github else {
            if !change.repositories_added.is_empty() {
                warn!("no GitHub App configured: the branch-protection doctor cannot run");
            }
            return Ok(());
        };
        let mut failures = Vec::new();
        let mut retryable = false;
        for repository in &change.repositories_added {
            let result = match RepoName::parse(repository) {
                Ok(name) => check_repository(client, Some(&self.store), installation, &name)
                    .await
                    .map_err(|e| (e.is_retryable(), e.to_string())),
                Err(e) => Err((false, e.to_string())),
            };
            match result {
                Ok(outcome) => info!(
                    %repository,
                    protected = outcome.report.is_protected(),
                    issue = ?outcome.issue,
                    "branch protection checked"
                ),
                Err((can_retry, error)) => {
                    warn!(%repository, %error, "the branch-protection doctor failed");
                    retryable |= can_retry;
                    failures.push(format!("{repository}: {error}"));
                }
            }
        }
        match (failures.is_empty(), retryable) {
            (true, _) => Ok(()),
            (false, true) => Err(TaskError::Retryable(failures.join("; "))),
            (false, false) => Err(TaskError::Permanent(failures.join("; "))),
        }
    }

    /// `@redgreen status`, `cancel`, `continue` and `retry`, on the latest run of the issue
    /// or pull request the comment was on. `continue` and `retry` resume a parked run through
    /// a new task, so the run is driven by the queue like any other.
    async fn control(
        &self,
        installation: InstallationId,
        payload: &serde_json::Value,
    ) -> Result<(), TaskError> {
        let control: ControlRequest = serde_json::from_value(payload.clone())
            .map_err(|e| TaskError::Permanent(format!("unreadable control task: {e}")))?;
        let repository = payload
            .get("repository")
            .and_then(|r| r.as_str())
            .ok_or_else(|| TaskError::Permanent("control task without a repository".into()))?;
        let scope = Scope::Tenant(installation);
        let (Target::Issue(number) | Target::PullRequest(number)) = control.target;
        let runs = self
            .store
            .list_runs(scope, CONTROL_LOOKBACK)
            .await
            .map_err(store_error)?;
        let Some(run) = runs.into_iter().find(|run| {
            run.repository == repository
                && (run.issue == Some(number) || run.pull_request == Some(number))
        }) else {
            info!(command = control.command.as_str(), %repository, number, "no run to control");
            return Ok(());
        };
        let command = control.command;
        info!(run = %run.id, command = command.as_str(), actor = %control.actor, "run control");
        let run = match command {
            Command::Cancel => self
                .store
                .request_cancel(scope, run.id, &control.actor, now())
                .await
                .map_err(store_error)?
                .unwrap_or(run),
            Command::Continue | Command::Retry if run.state == RunState::NeedsHuman => {
                let resume = if command == Command::Continue {
                    "continue"
                } else {
                    "retry"
                };
                self.store
                    .enqueue(&NewTask {
                        id: TaskId(uuid::Uuid::now_v7()),
                        kind: "run".into(),
                        installation: Some(installation),
                        run: Some(run.id),
                        payload: serde_json::json!({ "resume": resume }),
                        max_attempts: RESUMED_TASK_ATTEMPTS,
                        run_at: now(),
                    })
                    .await
                    .map_err(store_error)?;
                return Ok(());
            }
            _ => run,
        };
        // `status`, and the outcome of the others: the progress comment shows the run as it is.
        let machine = checkpointed_machine(&run)?;
        if let Some(progress) = &self.progress
            && let Err(error) = progress.publish(&run, &machine).await
        {
            warn!(%error, "progress could not be published on GitHub");
        }
        Ok(())
    }

    /// Resolves once a cancel of the run is requested. A store error only delays the
    /// check: the phase goes on meanwhile.
    async fn cancel_request(&self, scope: Scope, id: RunId) {
        loop {
            tokio::time::sleep(self.cancel_poll).await;
            match self.cancel_requested(scope, id).await {
                Ok(true) => return,
                Ok(false) => {}
                Err(error) => warn!(%error, "cannot look for a cancel request"),
            }
        }
    }

    async fn cancel_requested(&self, scope: Scope, id: RunId) -> Result<bool, TaskError> {
        let run = self.store.get_run(scope, id).await.map_err(store_error)?;
        Ok(run.is_some_and(|run| run.cancel_requested))
    }
}

impl<P: PhaseRunner> TaskHandler for RunDriver<P> {
    async fn handle(&self, task: &LeasedTask) -> Result<(), TaskError> {
        match (task.kind.as_str(), task.installation, task.run) {
            ("run", Some(installation), Some(run)) => {
                let resume = match task.payload.get("resume").and_then(|r| r.as_str()) {
                    Some("continue") => Some(Event::Continue),
                    Some("retry") => Some(Event::Retry),
                    _ => None,
                };
                self.drive(installation, run, resume).await
            }
            ("control", Some(installation), _) => self.control(installation, &task.payload).await,
            // The installation and its repositories were recorded with the delivery.
            ("installation", Some(installation), _) => {
                self.installation_changed(installation, &task.payload).await
            }
            ("reply", Some(installation), None) => {
                let reply: DenialReply = serde_json::from_value(task.payload.clone())
                    .map_err(|e| TaskError::Permanent(format!("unreadable reply task: {e}")))?;
                let client = self.github.as_ref().ok_or_else(|| {
                    TaskError::Permanent("no GitHub App configured to post the reply".into())
                })?;
                post_denial_reply(client, installation, &reply)
                    .await
                    .map(drop)
                    .map_err(|e| {
                        if e.is_retryable() {
                            TaskError::Retryable(e.to_string())
                        } else {
                            TaskError::Permanent(e.to_string())
                        }
                    })
            }
            (kind, _, _) => Err(TaskError::Permanent(format!(
                "task kind {kind:?} without the references it needs"
            ))),
        }
    }
}

/// The machine stored with the run, or a fresh one for a run no worker has touched.
fn checkpointed_machine(run: &RunRecord) -> Result<Machine, TaskError> {
    if run.checkpoint.is_null() || run.checkpoint == serde_json::json!({}) {
        return Ok(Machine::new(run.kind));
    }
    serde_json::from_value(run.checkpoint.clone()).map_err(|e| {
        TaskError::Permanent(format!("run {} has an unreadable checkpoint: {e}", run.id))
    })
}

fn describe(event: &Event, next: &Machine) -> String {
    match event {
        Event::PhaseFailed { reason, .. } | Event::VerificationFailed { evidence: reason } => {
            reason.clone()
        }
        Event::CancelRequested => "cancelled".into(),
        Event::Spent { usage } => format!(
            "spent {} tokens, {} ms waiting for the model, {} ms running tests",
            usage.tokens(),
            usage.model_ms,
            usage.test_ms
        ),
        _ => format!("now {}", next.state),
    }
}

fn store_error(error: redgreen_store::StoreError) -> TaskError {
    if error.is_retryable() {
        TaskError::Retryable(error.to_string())
    } else {
        TaskError::Permanent(error.to_string())
    }
}

fn internal(error: serde_json::Error) -> TaskError {
    TaskError::Permanent(format!("cannot encode the run checkpoint: {error}"))
}
