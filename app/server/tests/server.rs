//! Integration tests of the HTTP surface: the router against a real SQLite store, driven in
//! process with `oneshot` and, where the socket matters, over loopback TCP with the real
//! serving loop (including attacks on it by someone without the secret).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "server/abuse.rs"]
mod abuse;
#[path = "server/api.rs"]
mod api;
#[path = "server/loopback.rs"]
mod loopback;
#[path = "server/probes.rs"]
mod probes;
#[path = "server/property.rs"]
mod property;
#[path = "server/support.rs"]
mod support;
#[path = "server/trigger.rs"]
mod trigger;
#[path = "server/webhook.rs"]
mod webhook;
