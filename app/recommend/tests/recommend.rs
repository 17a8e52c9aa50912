//! redgreen-recommend's integration tests: one binary, one module per concern.

// A failing test should stop right where it fails, with the value that was wrong.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "recommend/adr.rs"]
mod adr;
#[path = "recommend/adr_location.rs"]
mod adr_location;
#[path = "recommend/catalog.rs"]
mod catalog;
#[path = "recommend/constraints.rs"]
mod constraints;
#[path = "recommend/golden.rs"]
mod golden;
#[path = "recommend/narrative.rs"]
mod narrative;
#[path = "recommend/ranking.rs"]
mod ranking;
#[path = "recommend/spec.rs"]
mod spec;
#[path = "recommend/support.rs"]
mod support;
