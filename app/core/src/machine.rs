//! The run state machine: `step(run, event) -> (run, effects)`, pure and total.
//!
//! The worker owns all I/O. It feeds the machine what happened ([`Event`]), stores the
//! returned [`Machine`] as the run's checkpoint, then performs the returned [`Effect`]s and
//! feeds their outcome back. Because the machine is a plain value and `step` is total, a
//! run resumed from its last checkpoint after a crash continues exactly where it stopped.
//!
//! The model never decides that a phase is over: a phase-ending tool call only makes the
//! worker verify the claim, and the verdict comes back as [`Event::PhaseSucceeded`] with the
//! phase's product or as [`Event::VerificationFailed`] with the evidence, which sends the run
//! back to the phase that must try again (green's failures go back to patch) until the
//! attempts are spent.

use serde::{Deserialize, Serialize};

use crate::run::{RunKind, RunState};
use crate::work::{
    BudgetLimits, GreenProof, PatchWork, Prepared, Published, RedProof, Usage, Work,
};

/// Verification attempts per phase when the repository sets none.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 3;

/// The checkpointed state of one run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Machine {
    pub kind: RunKind,
    pub state: RunState,
    /// While in `needs_human`: the phase that `continue` resumes.
    pub resume_at: Option<RunState>,
    /// Why the run last stopped short (shown in the progress comment).
    pub last_error: Option<String>,
    /// Failed verifications in the current phase's cycle.
    #[serde(default)]
    pub attempts: u32,
    /// The evidence of the last failed verification, for the model's next attempt.
    #[serde(default)]
    pub feedback: Option<String>,
    #[serde(default)]
    pub work: Work,
    #[serde(default)]
    pub usage: Usage,
    /// Budget allowances granted: one at the start, one more per `continue` or `retry`.
    #[serde(default = "one")]
    pub allowances: u32,
    /// What had been spent when the current allowance was granted: the allowance is counted
    /// from here, so a `continue` after an overrun still gets a whole allowance.
    #[serde(default)]
    pub allowance_from: Usage,
}

fn one() -> u32 {
    1
}

/// What happened, as reported by the worker or a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A worker picked the run up: the first time, or again after a restart.
    Started,
    /// The current phase's work finished and was verified; its product is kept.
    PhaseSucceeded { output: PhaseOutput },
    /// The phase's claim did not survive verification (a red test that passes, a patch that
    /// breaks another test, a guard finding): try again with this evidence.
    VerificationFailed { evidence: String },
    /// The current phase's work did not succeed.
    PhaseFailed { reason: String, failure: Failure },
    /// Model calls, test runs and time spent since the last report.
    Spent { usage: Usage },
    /// Someone with the right to do so asked to stop the run.
    CancelRequested,
    /// `@redgreen continue`: resume a parked run with a fresh allowance.
    Continue,
    /// `@redgreen retry`: start a parked run over from the beginning.
    Retry,
}

/// The product of a phase that succeeded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum PhaseOutput {
    Prepared(Box<Prepared>),
    /// `red_needed` is false when a follow-up asks for a change that is not behavioural
    /// (wording, refactoring): the run then goes from planning straight to patch.
    Planned {
        plan: serde_json::Value,
        red_needed: bool,
    },
    Red(RedProof),
    Patched(PatchWork),
    Green(Box<GreenProof>),
    Published(Published),
}

/// How a phase failed, which decides where the run goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Failure {
    /// Worth trying the same phase again later (a 5xx, a rate limit, a lost lease).
    Transient,
    /// A person must look (budget cap, model unavailable after retries, invalid repo
    /// config): the run parks in `needs_human` and can be continued.
    NeedsHuman,
    /// Cannot succeed however often it is tried.
    Fatal,
}

/// What the worker must do next, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "effect", content = "phase", rename_all = "snake_case")]
pub enum Effect {
    /// Do the work of this phase, then report `PhaseSucceeded`, `VerificationFailed` or
    /// `PhaseFailed`.
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
            attempts: 0,
            feedback: None,
            work: Work::default(),
            usage: Usage::default(),
            allowances: 1,
            allowance_from: Usage::default(),
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

    /// The budget caps in force, as totals over the run: what was spent when the current
    /// allowance was granted, plus one allowance of the repository's budget. `None` before
    /// `preparing` has read the repository's configuration.
    pub fn budget(&self) -> Option<BudgetLimits> {
        let allowance = self.work.prepared.as_ref()?.budget;
        let from = &self.allowance_from;
        Some(BudgetLimits {
            tokens: allowance
                .tokens
                .map(|cap| from.tokens().saturating_add(cap)),
            usd_micros: allowance
                .usd_micros
                .map(|cap| from.usd_micros.saturating_add(cap)),
            minutes: allowance
                .minutes
                .map(|cap| (from.wall_ms / 60_000).saturating_add(cap)),
        })
    }

    fn max_attempts(&self) -> u32 {
        self.work
            .prepared
            .as_ref()
            .map_or(DEFAULT_MAX_ATTEMPTS, |prepared| {
                prepared.max_attempts.max(1)
            })
    }

    fn first_phase(&self) -> RunState {
        Machine::phases(self.kind)
            .first()
            .copied()
            .unwrap_or(RunState::Done)
    }

    fn next_phase(&self) -> RunState {
        let phases = Machine::phases(self.kind);
        let next = phases
            .iter()
            .position(|phase| *phase == self.state)
            .and_then(|index| phases.get(index + 1))
            .copied()
            .unwrap_or(RunState::Done);
        // A follow-up whose plan needs no new test skips red; the plan decided it.
        if next == RunState::Red && self.kind == RunKind::FollowUp && self.work.skip_red {
            return RunState::Patch;
        }
        next
    }

    fn is_working(&self) -> bool {
        Machine::phases(self.kind).contains(&self.state)
    }

    fn moved(&self, state: RunState) -> Machine {
        Machine {
            state,
            resume_at: None,
            last_error: None,
            attempts: 0,
            feedback: None,
            ..self.clone()
        }
    }

    fn parked(&self, resume_at: RunState, reason: &str) -> Machine {
        Machine {
            state: RunState::NeedsHuman,
            resume_at: Some(resume_at),
            last_error: Some(reason.to_owned()),
            ..self.clone()
        }
    }

    fn with_output(&self, output: &PhaseOutput) -> Machine {
        let mut next = self.clone();
        let work = &mut next.work;
        match output.clone() {
            PhaseOutput::Prepared(prepared) => work.prepared = Some(*prepared),
            PhaseOutput::Planned { plan, red_needed } => {
                work.plan = Some(plan);
                work.skip_red = !red_needed;
            }
            PhaseOutput::Red(red) => work.red = Some(red),
            PhaseOutput::Patched(patch) => work.patch = Some(patch),
            PhaseOutput::Green(green) => work.green = Some(*green),
            PhaseOutput::Published(published) => work.published = Some(published),
        }
        next
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
        Event::Spent { usage } => (
            Machine {
                usage: machine.usage.plus(*usage),
                ..machine.clone()
            },
            Vec::new(),
        ),
        Event::Started => match machine.state {
            RunState::Queued => {
                let first = machine.first_phase();
                (machine.moved(first), vec![PublishProgress, RunPhase(first)])
            }
            // Resumed after a restart: redo the phase it was in, with the feedback it had.
            // Phases are idempotent because every side effect carries an idempotency key.
            state if machine.is_working() => (machine.clone(), vec![RunPhase(state)]),
            _ => unchanged,
        },
        Event::PhaseSucceeded { output } if machine.is_working() => {
            let done = machine.with_output(output);
            let next = done.next_phase();
            if next == RunState::Done {
                (done.moved(next), vec![PublishProgress, Cleanup])
            } else {
                (done.moved(next), vec![PublishProgress, RunPhase(next)])
            }
        }
        Event::VerificationFailed { evidence } if machine.is_working() => {
            // Green has nothing of its own to fix: the patch does.
            let again = match machine.state {
                RunState::Green if machine.kind != RunKind::Test => RunState::Patch,
                state => state,
            };
            let attempts = machine.attempts.saturating_add(1);
            if attempts >= machine.max_attempts() {
                let reason =
                    format!("verification failed {attempts} times; the last evidence:\n{evidence}");
                let parked = machine.parked(again, &reason);
                return (
                    Machine { attempts, ..parked },
                    vec![Cleanup, PublishProgress],
                );
            }
            (
                Machine {
                    state: again,
                    attempts,
                    feedback: Some(evidence.clone()),
                    last_error: Some(evidence.clone()),
                    ..machine.clone()
                },
                vec![PublishProgress, RunPhase(again)],
            )
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
                machine.parked(machine.state, reason),
                vec![Cleanup, PublishProgress],
            ),
            Failure::Fatal => (
                Machine {
                    state: RunState::Failed,
                    resume_at: None,
                    last_error: Some(reason.clone()),
                    ..machine.clone()
                },
                vec![Cleanup, PublishProgress],
            ),
        },
        // A fresh allowance and fresh attempts; the products so far are kept.
        Event::Continue if machine.state == RunState::NeedsHuman => {
            let phase = machine.resume_at.unwrap_or_else(|| machine.first_phase());
            let resumed = Machine {
                allowances: machine.allowances.saturating_add(1),
                allowance_from: machine.usage,
                ..machine.moved(phase)
            };
            (resumed, vec![PublishProgress, RunPhase(phase)])
        }
        // From the beginning: the products are dropped, the spending is not.
        Event::Retry if machine.state == RunState::NeedsHuman => {
            let first = machine.first_phase();
            let restarted = Machine {
                allowances: machine.allowances.saturating_add(1),
                allowance_from: machine.usage,
                work: Work::default(),
                ..machine.moved(first)
            };
            (restarted, vec![PublishProgress, RunPhase(first)])
        }
        Event::PhaseSucceeded { .. }
        | Event::VerificationFailed { .. }
        | Event::PhaseFailed { .. }
        | Event::Continue
        | Event::Retry => unchanged,
    }
}
