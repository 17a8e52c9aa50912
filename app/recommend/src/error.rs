//! The crate's one error type; no variant is worth retrying, because every input here
//! (catalog, constraints, dates) gives the same answer on a second try.

use crate::infeasible::Infeasibility;

/// Why a recommendation, its ADR or its infrastructure spec could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum RecommendError {
    /// A catalog file does not parse, does not match its schema, or breaks a catalog rule.
    /// For the embedded catalog this is a build defect caught by the catalog check.
    #[error("catalog file {file}: {message}")]
    Catalog { file: String, message: String },
    /// Some layer has no option left after the knock-out filters; the explanation says
    /// which constraint removed each option.
    #[error("{0}")]
    Infeasible(Infeasibility),
    /// A date that is not `YYYY-MM-DD`.
    #[error("invalid date {0:?}: expected YYYY-MM-DD")]
    Date(String),
    /// The infrastructure spec does not match `schemas/infrastructure-spec.schema.json`
    /// (a defect in the spec builder, refused rather than written).
    #[error("the infrastructure spec does not match its schema: {0}")]
    Spec(String),
}

impl RecommendError {
    /// Whether the same call can succeed later: never, the inputs decide everything.
    pub fn is_retryable(&self) -> bool {
        match self {
            RecommendError::Catalog { .. }
            | RecommendError::Infeasible(_)
            | RecommendError::Date(_)
            | RecommendError::Spec(_) => false,
        }
    }
}
