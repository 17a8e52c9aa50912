//! The no-egress sandbox for untrusted repository code (tests, builds, setup commands).
//!
//! This crate will hold the native Linux backend (namespaces, pivot_root, Landlock, seccomp,
//! cgroups). What exists today is its result type, which is a fixed contract: the `--json`
//! object of `redgreen sandbox run` and what the agent loop reads.

mod outcome;

pub use outcome::{Protection, SandboxOutcome};
