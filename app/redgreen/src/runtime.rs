//! The worker runtime behind `redgreen serve`: the server, the worker pool, the task router
//! and what it routes to (the run driver, run control, installation changes), the agent's
//! setup and phases, and telemetry.

pub mod agent_phases;
pub mod agent_setup;
mod installation_change;
mod run_control;
pub mod run_driver;
pub mod serve;
pub mod task_router;
pub mod telemetry;
pub mod worker_pool;
