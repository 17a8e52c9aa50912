//! The run state machine: `step(run, event) -> (run, effects)`, pure and total.
//!
//! The worker owns all I/O. It feeds the machine what happened ([`Event`]), stores the
//! returned [`Machine`] as the run's checkpoint, then performs the returned [`Effect`]s and
//! feeds their outcome back. Because the machine is a plain value and `step` is total, a
//! run resumed from its last checkpoint after a crash continues exactly where it stopped.

use serde::{Deserialize, Serialize};

use crate::run::{RunKind, RunState};

/// The checkpointed state of one run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Machine {
    pub kind: RunKind,
    pub state: RunState,
    /// While in `needs_human`: the phase that `continue` resumes.
    pub resume_at: Option<RunState>,
    /// Why the run last stopped short (shown in the progress comment).
    pub last_error: Option<String>,
}

/// What happened, as reported by the worker or a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A worker picked the run up: the first time, or again after a restart.
    Started,
    /// The current phase's work finished and verified.
    PhaseSucceeded,
    /// The current phase's work did not succeed.
    PhaseFailed { reason: String, failure: Failure },
    /// Someone with the right to do so asked to stop the run.
    CancelRequested,
    /// `@redgreen continue`: resume a parked run with a fresh allowance.
    Continue,
    /// `@redgreen retry`: start a parked or failed run over from the beginning.
    Retry,
}

/// How a phase failed, which decides where the run goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Failure {
    /// Worth trying the same phase again later (a 5xx, a rate limit, a lost lease).
    Transient,
    /// A person must look (budget cap, verification attempts spent, invalid repo config):
    /// the run parks in `needs_human` and can be continued.
    NeedsHuman,
    /// Cannot succeed however often it is tried.
    Fatal,
}

/// What the worker must do next, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "effect", content = "phase", rename_all = "snake_case")]
pub enum Effect {
    /// Do the work of this phase, then report `PhaseSucceeded` or `PhaseFailed`.
    RunPhase(RunState),
    /// Edit the run's one progress comment to show the current state.
    PublishProgress,
    /// Release the run's sandbox and workspace.
    Cleanup,
    /// Give the task back to the queue to be retried with backoff.
    RetryLater,
}

impl Machine {
    /// A new run, before any worker has seen it.
    pub fn new(kind: RunKind) -> Machine {
        Machine {
            kind,
            state: RunState::Queued,
            resume_at: None,
            last_error: None,
        }
    }

    /// The phases a run of this kind passes through, in order, before `done`.
    pub fn phases(kind: RunKind) -> &'static [RunState] {
        use RunState::*;
        match kind {
            RunKind::Fix | RunKind::FollowUp => {
                &[Preparing, Planning, Red, Patch, Green, Publishing]
            }
            RunKind::Plan | RunKind::Recommend => &[Preparing, Planning, Publishing],
            RunKind::Test => &[Preparing, Green, Publishing],
        }
    }

    fn first_phase(&self) -> RunState {
        Machine::phases(self.kind)
            .first()
            .copied()
            .unwrap_or(RunState::Done)
    }

    fn next_phase(&self) -> RunState {
        let phases = Machine::phases(self.kind);
        phases
            .iter()
            .position(|phase| *phase == self.state)
            .and_then(|index| phases.get(index + 1))
            .copied()
            .unwrap_or(RunState::Done)
    }

    fn is_working(&self) -> bool {
        Machine::phases(self.kind).contains(&self.state)
    }

    fn moved(&self, state: RunState) -> Machine {
        Machine {
            state,
            resume_at: None,
            last_error: None,
            ..self.clone()
        }
    }
}

/// Advances a run by one event. Total: an event that means nothing in the current state
/// leaves the run as it is and asks for nothing, so replaying an event after a crash is
/// harmless.
pub fn step(machine: &Machine, event: &Event) -> (Machine, Vec<Effect>) {
    use Effect::*;
    let unchanged = (machine.clone(), Vec::new());
    if machine.state.is_terminal() {
        return unchanged;
    }
    match event {
        Event::CancelRequested => (
            machine.moved(RunState::Cancelled),
            vec![Cleanup, PublishProgress],
        ),
        Event::Started => match machine.state {
            RunState::Queued => {
                let first = machine.first_phase();
                (machine.moved(first), vec![PublishProgress, RunPhase(first)])
            }
            // Resumed after a restart: redo the phase it was in. Phases are idempotent
            // because every side effect carries an idempotency key.
            state if machine.is_working() => (machine.clone(), vec![RunPhase(state)]),
            _ => unchanged,
        },
        Event::PhaseSucceeded if machine.is_working() => {
            let next = machine.next_phase();
            if next == RunState::Done {
                (machine.moved(next), vec![PublishProgress, Cleanup])
            } else {
                (machine.moved(next), vec![PublishProgress, RunPhase(next)])
            }
        }
        Event::PhaseFailed { reason, failure } if machine.is_working() => match failure {
            Failure::Transient => (
                Machine {
                    last_error: Some(reason.clone()),
                    ..machine.clone()
                },
                vec![RetryLater],
            ),
            Failure::NeedsHuman => (
                Machine {
                    state: RunState::NeedsHuman,
                    resume_at: Some(machine.state),
                    last_error: Some(reason.clone()),
                    kind: machine.kind,
                },
                vec![Cleanup, PublishProgress],
            ),
            Failure::Fatal => (
                Machine {
                    state: RunState::Failed,
                    resume_at: None,
                    last_error: Some(reason.clone()),
                    kind: machine.kind,
                },
                vec![Cleanup, PublishProgress],
            ),
        },
        Event::Continue if machine.state == RunState::NeedsHuman => {
            let phase = machine.resume_at.unwrap_or_else(|| machine.first_phase());
            (machine.moved(phase), vec![PublishProgress, RunPhase(phase)])
        }
        Event::Retry if machine.state == RunState::NeedsHuman => {
            let first = machine.first_phase();
            (machine.moved(first), vec![PublishProgress, RunPhase(first)])
        }
        Event::PhaseSucceeded | Event::PhaseFailed { .. } | Event::Continue | Event::Retry => {
            unchanged
        }
    }
}
