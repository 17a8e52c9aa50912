//! CycloneDX 1.6 SBOMs from a repository's lockfiles (Cargo.lock, package-lock.json,
//! yarn.lock v1 and berry, poetry.lock, pinned requirements.txt, go.sum), with known
//! vulnerabilities from a local OSV-format directory when the operator configures one.
//! Deterministic: the timestamp is an input and the serial number a digest of the content.

mod component;
mod cyclonedx;
mod error;
mod generate;
mod lockfile;
mod osv;

pub use component::{Component, Ecosystem};
pub use cyclonedx::{BomMetadata, validate_bom};
pub use error::SbomError;
pub use generate::{Sbom, SbomOptions, find_lockfiles, from_lockfiles, generate};
pub use lockfile::{LockfileKind, parse_lockfile};
pub use osv::{Finding, OsvDatabase, OsvRecord};
