//! The `redgreen` binary's library: configuration, the worker pool, and the wiring of every
//! crate. It is the top layer of ADR 0011: the only crate that may depend on all the others.

pub mod agent_phases;
pub mod agent_setup;
pub mod capped_copy;
pub mod cli;
pub mod code_index;
pub mod config;
pub mod denial_reply;
pub mod doctor_cli;
pub mod github_forge;
pub mod github_permissions;
pub mod local_forge;
pub mod local_run;
pub mod progress;
pub mod protection_doctor;
pub mod recommend_cli;
pub mod repo_minimum;
pub mod run_driver;
pub mod sandbox_run;
pub mod serve;
pub mod telemetry;
pub mod worker_pool;

use redgreen_core::Timestamp;

/// The wall clock, read here so the libraries can take time as an argument.
pub fn now() -> Timestamp {
    Timestamp::from(std::time::SystemTime::now())
}
