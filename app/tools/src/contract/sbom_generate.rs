//! `sbom_generate`: a CycloneDX bill of materials of the repository's dependencies.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Arguments of `sbom_generate`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SbomGenerateInput {
    /// A repository-relative directory or manifest to describe; the whole repository when
    /// absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub target: Option<String>,
}

/// One package of the bill of materials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SbomPackage {
    pub name: String,
    pub version: String,
    /// The package URL (`pkg:cargo/serde@1.0.0`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
}

/// Result of `sbom_generate`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SbomGenerateOutput {
    /// Where the CycloneDX JSON document was written.
    pub sbom_path: String,
    pub packages: Vec<SbomPackage>,
    /// SPDX license expressions found, each once. Lockfiles do not record licences, so this
    /// is empty unless a source that does was read; empty means unknown, not none.
    pub licenses: Vec<String>,
    /// The lockfiles read, repository-relative.
    #[serde(default)]
    pub lockfiles: Vec<String>,
    /// Known vulnerabilities of these packages, from the operator's OSV directory (empty
    /// when none is configured).
    #[serde(default)]
    pub vulnerabilities: Vec<SbomVulnerability>,
}

/// A known vulnerability of one package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SbomVulnerability {
    /// The OSV id (`GHSA-…`, `RUSTSEC-…`, `PYSEC-…`).
    pub id: String,
    /// The affected package's URL.
    pub purl: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}
