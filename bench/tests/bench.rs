//! redgreen-bench's integration tests: the binary is run as a user runs it, against a
//! stand-in webhook server, a temporary SQLite queue, and hand-written reports.

// A failing test should stop right where it fails, with the value that was wrong.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "bench/intake.rs"]
mod intake;
#[path = "bench/localize_eval.rs"]
mod localize_eval;
#[path = "bench/medians.rs"]
mod medians;
#[path = "bench/queue.rs"]
mod queue;
#[path = "bench/support.rs"]
mod support;
#[path = "bench/trigger.rs"]
mod trigger;
