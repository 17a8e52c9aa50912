//! `sast_scan`: static analysis of the repository for security problems.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Arguments of `sast_scan`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SastScanInput {
    /// A rule profile (`default`, `strict`); `default` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub profile: Option<String>,
}

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Critical,
    High,
    Medium,
    Low,
    Info,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SastFinding {
    pub rule_id: String,
    pub severity: Severity,
    pub path: String,
    pub line: u32,
    pub message: String,
}

/// Findings counted per severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub struct SeverityHistogram {
    pub critical: u32,
    pub high: u32,
    pub medium: u32,
    pub low: u32,
    pub info: u32,
}

/// Result of `sast_scan`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SastScanOutput {
    pub findings: Vec<SastFinding>,
    pub severity_histogram: SeverityHistogram,
}
