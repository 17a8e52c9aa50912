//! GitHub webhook deliveries: signature check, envelope parsing, and routing into typed work.

pub mod envelope;
pub mod route;
pub mod signature;

pub use envelope::{Actor, ActorKind, Envelope, ParseError, Repository, parse, parse_with_bots};
pub use route::{
    CommentRef, ControlRequest, IgnoreReason, InstallationChange, Route, RunRequest, Target,
};
pub use signature::{SignatureCheck, SignatureError, sign, verify_signature};
