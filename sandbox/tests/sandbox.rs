//! The sandbox crate's tests: real sandboxed processes on this host.

// A failing test should stop right where it fails, with the value that was wrong.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "sandbox/support.rs"]
mod support;

#[path = "sandbox/basics.rs"]
mod basics;
#[path = "sandbox/egress.rs"]
mod egress;
#[path = "sandbox/filesystem.rs"]
mod filesystem;
#[path = "sandbox/host_attacks.rs"]
mod host_attacks;
#[path = "sandbox/identity.rs"]
mod identity;
#[path = "sandbox/limits.rs"]
mod limits;
#[path = "sandbox/network.rs"]
mod network;
#[path = "sandbox/outcome.rs"]
mod outcome;
#[path = "sandbox/protections.rs"]
mod protections;
#[path = "sandbox/syscalls.rs"]
mod syscalls;
#[path = "sandbox/toolchains.rs"]
mod toolchains;
