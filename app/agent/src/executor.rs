//! The work of each phase of a run, reported as core events: what was spent, then the
//! phase's product, the verification's rejection, or the failure.
//!
//! Every phase starts by rebuilding the run's work tree from the checkpoint (base commit plus
//! the stored diffs, committed at the run's own time), so a phase can be redone anywhere
//! after a crash and the rebuilt commits are the ones pushed before.
//!
//! This file holds the executor and its dispatch; each group of phases is a module of its
//! own: `prepare` (preparing, setup and test runs), `work_tree` (building and rebuilding the
//! run's tree and index), `converse` (the model phases), `verify` (red, patch, green) and
//! `publish`.

mod converse;
mod prepare;
mod publish;
mod verify;
mod work_tree;

use std::time::Instant;

use redgreen_core::machine::{Event, Machine, PhaseOutput};
use redgreen_core::run::{RunKind, RunState};
use redgreen_core::work::{Prepared, Usage};
use tracing::{info, warn};

use crate::error::AgentError;
use crate::evidence::TestEvidence;
use crate::forge::Forge;
use crate::run_spec::RunSpec;
use crate::settings::AgentSettings;

/// Does the work of one phase of a run.
pub struct PhaseExecutor<F> {
    settings: AgentSettings,
    forge: F,
    tests: TestEvidence,
}

/// A phase's product, as its outcome.
fn succeeded(output: PhaseOutput) -> Outcome {
    Outcome::Succeeded(Box::new(output))
}

/// How a phase ended, before it becomes an event.
enum Outcome {
    Succeeded(Box<PhaseOutput>),
    Rejected(String),
}

impl<F: Forge> PhaseExecutor<F> {
    pub fn new(settings: AgentSettings, forge: F, tests: TestEvidence) -> PhaseExecutor<F> {
        PhaseExecutor {
            settings,
            forge,
            tests,
        }
    }

    pub fn forge(&self) -> &F {
        &self.forge
    }

    /// Runs `phase` of `run` from the checkpoint `machine`; returns what was spent, then the
    /// verdict.
    pub async fn run_phase(&self, run: &RunSpec, machine: &Machine, phase: RunState) -> Vec<Event> {
        let started = Instant::now();
        let mut usage = Usage::default();
        let result = match phase {
            RunState::Preparing => self.prepare(run, &mut usage).await,
            RunState::Planning if run.kind == RunKind::Recommend => {
                self.plan_recommendation(run, machine, &mut usage).await
            }
            RunState::Planning | RunState::Red | RunState::Patch => {
                self.converse(run, machine, phase, &mut usage).await
            }
            RunState::Green => self.green(run, machine, &mut usage).await,
            RunState::Publishing => self.publish(run, machine).await,
            other => Err(AgentError::MissingWork(match other {
                RunState::Queued => "a phase to run (the run is still queued)",
                _ => "a phase to run (the run has ended)",
            })),
        };
        usage.wall_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let verdict = match result {
            Ok(Outcome::Succeeded(output)) => Event::PhaseSucceeded { output: *output },
            Ok(Outcome::Rejected(evidence)) => {
                info!(run = %run.id, %phase, "verification rejected the phase");
                Event::VerificationFailed { evidence }
            }
            Err(error) => {
                warn!(run = %run.id, %phase, %error, "phase failed");
                Event::PhaseFailed {
                    reason: error.to_string(),
                    failure: error.failure(),
                }
            }
        };
        vec![Event::Spent { usage }, verdict]
    }
}

fn prepared(machine: &Machine) -> Result<&Prepared, AgentError> {
    machine
        .work
        .prepared
        .as_ref()
        .ok_or(AgentError::MissingWork(
            "the prepared repository (base commit and test command)",
        ))
}

fn parse_oid(commit: &str) -> Result<git2::Oid, AgentError> {
    git2::Oid::from_str(commit).map_err(|_| AgentError::MissingWork("a valid base commit id"))
}
