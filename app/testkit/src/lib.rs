//! A faithful local GitHub for tests: a REST server that serves what redgreen needs from
//! in-memory state and holds every request to GitHub's OpenAPI contract
//! ([`GitHubStandIn`]), a webhook sender that signs exactly the bytes it sends
//! ([`WebhookSender`]), and webhook payloads built from GitHub's real examples
//! ([`payloads`]).

// The pull-request resource is one large `json!` literal.
#![recursion_limit = "256"]

mod auth;
pub mod calculator;
mod error;
mod fault;
pub mod git_remote;
mod handlers;
mod model_server;
mod openapi;
pub mod payloads;
mod recorded;
mod resources;
mod server;
mod stand_in;
mod webhook;
mod world;

pub use error::TestkitError;
pub use fault::Fault;
pub use model_server::{ModelApi, ModelReply, ModelRequest, ModelServer, ScriptedCall};
pub use recorded::{AuthKind, RecordedRequest};
pub use stand_in::{GitHubStandIn, PullSpec};
pub use webhook::{WebhookSender, signature_256};
