//! Tests of the `redgreen` binary crate: configuration, the worker pool (including a real
//! SIGKILL crash), the run driver, `redgreen serve` as a process (also end to end against a
//! GitHub stand-in: who may trigger work, token expiry, rate limits), `redgreen sandbox run`,
//! `redgreen recommend`, the code index commands, and the agent loop (`redgreen run`) end to
//! end.

// A failing test should stop right where it fails, with the value that was wrong.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod redgreen {
    mod agent_e2e;
    mod agent_run;
    mod allowed_bots;
    mod code_index;
    mod config;
    mod crash;
    mod denial;
    mod doctor;
    mod e2e;
    mod recommend_cli;
    mod repo_config;
    mod rules;
    mod run_driver;
    mod sandbox_cli;
    mod serve;
    mod support;
    mod worker_pool;
}
