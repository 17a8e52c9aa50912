//! Errors loading the trigger policy; each variant says whether retrying can help.

use std::path::PathBuf;

/// Errors from loading the schema and policies. Apart from an interrupted read, they mean the
/// policy files are wrong or missing, which no retry fixes: the operator has to correct them.
/// Cedar's own errors are boxed because they are large.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// A policy file could not be read from the override directory.
    #[error("cannot read policy file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The schema is not valid Cedar schema syntax.
    #[error("the Cedar schema does not parse at {location}: {source}")]
    Schema {
        location: String,
        #[source]
        source: Box<cedar_policy::CedarSchemaError>,
    },
    /// The schema lacks an entity type or action the trigger path relies on.
    #[error("the Cedar schema does not declare {what}")]
    MissingDeclaration { what: String },
    /// The policy file is not valid Cedar.
    #[error("the Cedar policies do not parse at {location}: {source}")]
    Parse {
        location: String,
        #[source]
        source: Box<cedar_policy::ParseErrors>,
    },
    /// A policy lacks `@id("...")` or `@reason("...")`, without which a decision could not
    /// name its rule or explain itself.
    #[error(
        "policy {cedar_id} (numbered from policy0 in file order) has no @{annotation}(\"...\") annotation"
    )]
    MissingAnnotation {
        cedar_id: String,
        annotation: &'static str,
    },
    /// Two policies carry the same `@id`.
    #[error("two policies share the id {id:?}")]
    DuplicateId { id: String },
    /// The file holds a template (`?principal`/`?resource`), which nothing would link.
    #[error(
        "policy templates are not supported; template {cedar_id} (numbered from policy0 in file order) would never apply"
    )]
    Template { cedar_id: String },
    /// The policies do not type-check against the schema.
    #[error("the Cedar policies do not match the schema: {errors}")]
    Invalid { errors: String },
    /// The entities the engine builds for a request do not conform to the schema.
    #[error("trigger requests do not conform to the Cedar schema: {reason}")]
    RequestShape { reason: String },
}

impl PolicyError {
    /// Whether the same call may succeed if tried again later.
    pub fn is_retryable(&self) -> bool {
        match self {
            // An interrupted read can succeed on a second try; a missing or unreadable file
            // needs the operator.
            PolicyError::Read { source, .. } => matches!(
                source.kind(),
                std::io::ErrorKind::Interrupted | std::io::ErrorKind::WouldBlock
            ),
            PolicyError::Schema { .. }
            | PolicyError::MissingDeclaration { .. }
            | PolicyError::Parse { .. }
            | PolicyError::MissingAnnotation { .. }
            | PolicyError::DuplicateId { .. }
            | PolicyError::Template { .. }
            | PolicyError::Invalid { .. }
            | PolicyError::RequestShape { .. } => false,
        }
    }
}
