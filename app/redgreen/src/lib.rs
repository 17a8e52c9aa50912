//! The `redgreen` binary's library: configuration, the worker pool, and the wiring of every
//! crate. It is the top layer of ADR 0011: the only crate that may depend on all the others.

pub mod cli;
pub mod commands;
pub mod config;
pub mod github;
pub mod runtime;

use redgreen_core::Timestamp;

/// The wall clock, read here so the libraries can take time as an argument.
pub fn now() -> Timestamp {
    Timestamp::from(std::time::SystemTime::now())
}
