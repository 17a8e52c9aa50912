//! The run driver: drives one run through the core state machine, checkpointing after every
//! step, running its phases and watching for a cancel request meanwhile.

use std::collections::VecDeque;
use std::future::Future;
use std::time::Duration;

use redgreen_core::machine::{Effect, Event, Machine, PhaseOutput, step};
use redgreen_core::{InstallationId, RunId, RunState};
use redgreen_store::{RunRecord, RunTransition, Scope, Store};
use tracing::{Instrument, info, info_span, warn};

use crate::github::progress::GitHubProgress;
use crate::now;
use crate::runtime::worker_pool::TaskError;

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

/// Drives runs: the `run` tasks of the queue.
pub struct RunDriver<P> {
    store: Store,
    phases: P,
    progress: Option<GitHubProgress>,
    cancel_poll: Duration,
}

impl<P: PhaseRunner> RunDriver<P> {
    pub fn new(store: Store, phases: P) -> RunDriver<P> {
        RunDriver {
            store,
            phases,
            progress: None,
            cancel_poll: CANCEL_POLL,
        }
    }

    /// How often a phase in progress looks for a cancel request (two seconds by default).
    pub fn with_cancel_poll(mut self, every: Duration) -> RunDriver<P> {
        self.cancel_poll = every;
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
    pub async fn drive(
        &self,
        installation: InstallationId,
        id: RunId,
        resume: Option<Event>,
    ) -> Result<(), TaskError> {
        let scope = Scope::Tenant(installation);
        let run = self
            .store
            .get_run(scope, id)
            .await?
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
                    .await?;
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
        let run = self.store.get_run(scope, id).await?;
        Ok(run.is_some_and(|run| run.cancel_requested))
    }
}

/// The machine stored with the run, or a fresh one for a run no worker has touched.
pub(crate) fn checkpointed_machine(run: &RunRecord) -> Result<Machine, TaskError> {
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
        Event::PhaseSucceeded {
            output: PhaseOutput::Green(green),
        } if !green.flaky.is_empty() => format!(
            "now {}; flaky when run again, not counted: {}",
            next.state,
            green.flaky.join(", ")
        ),
        Event::Spent { usage } => format!(
            "spent {} tokens, {} ms waiting for the model, {} ms running tests",
            usage.tokens(),
            usage.model_ms,
            usage.test_ms
        ),
        _ => format!("now {}", next.state),
    }
}

fn internal(error: serde_json::Error) -> TaskError {
    TaskError::Permanent(format!("cannot encode the run checkpoint: {error}"))
}
