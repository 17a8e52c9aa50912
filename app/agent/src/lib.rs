//! The agent loop: one model conversation per phase (plan, red, patch), with redgreen
//! verifying each phase's claim itself, and the phases that need no model (preparing, green,
//! publishing).
//!
//! [`PhaseExecutor`] does the work of one phase of one run and reports it as core
//! [`Event`](redgreen_core::machine::Event)s; the binary's run driver feeds them to the state
//! machine and checkpoints. Where the repository lives (GitHub, or a local path for
//! `redgreen run`) is behind the [`Forge`] trait, which is also the only way out: the agent
//! itself holds no credentials.

mod baseline_cache;
mod conversation;
mod diff;
mod error;
mod evidence;
mod executor;
mod forge;
mod pr_body;
mod prompt;
mod recommendation;
mod run_spec;
mod settings;
mod test_selection;
mod verdict;

pub use conversation::ConversationLimits;
pub use error::AgentError;
pub use evidence::TestEvidence;
pub use executor::PhaseExecutor;
pub use forge::{Annotation, CheckReport, Forge, Publication};
pub use pr_body::{check_report, render_pr_body};
pub use prompt::ModelPhase;
pub use run_spec::RunSpec;
pub use settings::AgentSettings;
pub use verdict::{judge_green, judge_red, judge_red_again, outcome_of};
