//! Stack recommendations: a versioned catalog of evidence-backed options, constraint
//! parsing, deterministic ranking, and the ADR and infrastructure spec they produce.
//!
//! ```text
//! Catalog::embedded() ─┐
//! Constraints::parse ──┴─▶ recommend() ─▶ Recommendation ─┬▶ render_adr(AdrContext)   (MADR 4)
//!                                                          ├▶ infrastructure_spec()    (validated)
//!                                                          └▶ to_json()                (--json)
//! adr_location(repo files, .adr-dir) ─▶ AdrPath (folder, numbering style, next number)
//! ```
//!
//! Everything is a pure function of its inputs: no clock (dates come in), no randomness, no
//! environment; maps are ordered and scores are integers.

mod adr;
mod adr_location;
mod catalog;
mod constraints;
mod controls;
mod date;
mod error;
mod infeasible;
mod layer;
mod narrative;
mod ranking;
mod recommendation;
mod repository_adr;
mod schema;
mod spec;

pub use adr::AdrContext;
pub use adr_location::{ADR_DIRS, AdrPath, DEFAULT_ADR_DIR, NumberingStyle, adr_location, slug};
pub use catalog::{
    Catalog, CatalogFile, CatalogOption, CatalogProblem, Criterion, EMBEDDED_LAYER_FILES, Fact,
    Requirement, Rule, SpecDefaults, StaleFact, Weights,
};
pub use constraints::{Constraints, UnknownWord, Vocabulary, WordOrigin};
pub use controls::{Control, ControlMapping, Controls, Framework};
pub use error::RecommendError;
pub use infeasible::{BlockedLayer, Infeasibility};
pub use layer::Layer;
pub use narrative::{Evidence, check_narrative};
pub use ranking::recommend;
pub use recommendation::{
    ControlRow, ControlStatus, CriterionScore, Exclusion, LayerDecision, RankedOption,
    Recommendation,
};
pub use repository_adr::{RepositoryAdr, repository_adr};
pub use spec::{INFRASTRUCTURE_SPEC_SCHEMA, validate_spec};
