//! The fourteen layers a recommended stack is made of, in the order an ADR lists them.

use serde::{Deserialize, Serialize};

/// One layer of the stack. The order of the variants is the order of every output, so that
/// the same recommendation always renders the same bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    Runtime,
    WebFramework,
    Data,
    VectorSearch,
    Orchestration,
    CiCd,
    SecurityScanning,
    SbomProvenance,
    RuntimeIsolation,
    IacPolicy,
    Telemetry,
    Hosting,
    Caching,
    Monitoring,
}

impl Layer {
    /// Every layer, in output order.
    pub const ALL: [Layer; 14] = [
        Layer::Runtime,
        Layer::WebFramework,
        Layer::Data,
        Layer::VectorSearch,
        Layer::Orchestration,
        Layer::CiCd,
        Layer::SecurityScanning,
        Layer::SbomProvenance,
        Layer::RuntimeIsolation,
        Layer::IacPolicy,
        Layer::Telemetry,
        Layer::Hosting,
        Layer::Caching,
        Layer::Monitoring,
    ];

    /// The name used in catalog files and JSON (`web_framework`).
    pub fn id(self) -> &'static str {
        match self {
            Layer::Runtime => "runtime",
            Layer::WebFramework => "web_framework",
            Layer::Data => "data",
            Layer::VectorSearch => "vector_search",
            Layer::Orchestration => "orchestration",
            Layer::CiCd => "ci_cd",
            Layer::SecurityScanning => "security_scanning",
            Layer::SbomProvenance => "sbom_provenance",
            Layer::RuntimeIsolation => "runtime_isolation",
            Layer::IacPolicy => "iac_policy",
            Layer::Telemetry => "telemetry",
            Layer::Hosting => "hosting",
            Layer::Caching => "caching",
            Layer::Monitoring => "monitoring",
        }
    }

    /// The name a person reads in the ADR.
    pub fn title(self) -> &'static str {
        match self {
            Layer::Runtime => "Runtime",
            Layer::WebFramework => "Web framework",
            Layer::Data => "Data",
            Layer::VectorSearch => "Vector search",
            Layer::Orchestration => "Orchestration",
            Layer::CiCd => "CI/CD",
            Layer::SecurityScanning => "Security scanning",
            Layer::SbomProvenance => "SBOM and provenance",
            Layer::RuntimeIsolation => "Runtime isolation",
            Layer::IacPolicy => "IaC and policy",
            Layer::Telemetry => "Telemetry",
            Layer::Hosting => "Hosting",
            Layer::Caching => "Caching",
            Layer::Monitoring => "Monitoring",
        }
    }
}

impl std::fmt::Display for Layer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}
