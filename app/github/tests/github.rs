//! redgreen-github's integration tests, against the local GitHub stand-in over real HTTP.

// A failing test should stop right where it fails, with the value that was wrong.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "github/auth.rs"]
mod auth;
#[path = "github/config.rs"]
mod config;
#[path = "github/doctor.rs"]
mod doctor;
#[path = "github/guard.rs"]
mod guard;
#[path = "github/marked_comment.rs"]
mod marked_comment;
#[path = "github/no_merge_calls.rs"]
mod no_merge_calls;
#[path = "github/rest.rs"]
mod rest;
#[path = "github/retries.rs"]
mod retries;
#[path = "github/support.rs"]
mod support;
