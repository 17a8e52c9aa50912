//! Tests of the GitHub stand-in itself: credentials, the contract check, faults, the
//! resources it serves (and that octocrab's models parse them), the webhook sender and the
//! payload builders.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "testkit/support.rs"]
mod support;

#[path = "testkit/contract.rs"]
mod contract;
#[path = "testkit/credentials.rs"]
mod credentials;
#[path = "testkit/endpoints.rs"]
mod endpoints;
#[path = "testkit/faults.rs"]
mod faults;
#[path = "testkit/model_server.rs"]
mod model_server;
#[path = "testkit/octocrab_models.rs"]
mod octocrab_models;
#[path = "testkit/payloads.rs"]
mod payloads;
#[path = "testkit/webhook.rs"]
mod webhook;
