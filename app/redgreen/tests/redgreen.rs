//! Tests of the `redgreen` binary crate: configuration, the worker pool (including a real
//! SIGKILL crash), the run driver, `redgreen serve` as a process, and `redgreen sandbox run`.

// A failing test should stop right where it fails, with the value that was wrong.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod redgreen {
    mod config;
    mod crash;
    mod run_driver;
    mod sandbox_cli;
    mod serve;
    mod support;
    mod worker_pool;
}
