//! redgreen's pure core: domain types, webhook parsing and routing, and the run state machine.
//!
//! Invariant: nothing in this crate performs I/O (no files, sockets, clocks or randomness).
//! Time and identifiers come in as arguments, so every function here is deterministic and
//! can be tested exhaustively.

pub mod backoff;
pub mod canonical_json;
pub mod command;
pub mod ids;
pub mod machine;
pub mod mention;
pub mod outbound;
pub mod refs;
pub mod repo_config;
pub mod run;
pub mod timestamp;
pub mod untrusted;
pub mod webhook;
pub mod work;

pub use backoff::backoff_delay;
pub use command::Command;
pub use ids::{DeliveryId, InstallationId, RunId, TaskId};
pub use refs::{RefRefused, WritableRef};
pub use run::{RunKind, RunState};
pub use timestamp::Timestamp;
