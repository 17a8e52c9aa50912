//! The trigger policy as code: whether an actor may run a redgreen command on a repository,
//! decided by the Cedar schema and policies in the workspace's `policies/` folder.

mod decision;
mod engine;
mod error;
mod permission;
mod request;

pub use decision::Decision;
pub use engine::{POLICY_FILE, PolicyEngine, SCHEMA_FILE};
pub use error::PolicyError;
pub use permission::Permission;
pub use request::TriggerRequest;
