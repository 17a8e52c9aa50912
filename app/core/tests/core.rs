//! redgreen-core's integration tests: one binary, one module per concern.

// A failing test should stop right where it fails, with the value that was wrong.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "core/backoff.rs"]
mod backoff;
#[path = "core/examples.rs"]
mod examples;
#[path = "core/machine.rs"]
mod machine;
#[path = "core/mention.rs"]
mod mention;
#[path = "core/outbound.rs"]
mod outbound;
#[path = "core/parse.rs"]
mod parse;
#[path = "core/properties.rs"]
mod properties;
#[path = "core/refs.rs"]
mod refs;
#[path = "core/route.rs"]
mod route;
#[path = "core/signature.rs"]
mod signature;
#[path = "core/untrusted.rs"]
mod untrusted;
