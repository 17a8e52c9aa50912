//! Tests of the `redgreen` binary crate: configuration, the worker pool (including a real
//! SIGKILL crash), the run driver, and `redgreen serve` as a process.

mod redgreen {
    mod config;
    mod crash;
    mod run_driver;
    mod serve;
    mod support;
    mod worker_pool;
}
