//! The worker runtime behind `redgreen serve`: the server, the worker pool, the run driver,
//! the agent's setup and phases, and telemetry.

pub mod agent_phases;
pub mod agent_setup;
pub mod run_driver;
pub mod serve;
pub mod telemetry;
pub mod worker_pool;
