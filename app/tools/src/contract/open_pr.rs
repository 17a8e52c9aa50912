//! `open_pr`: open a pull request from a `redgreen/` branch (never a merge).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Arguments of `open_pr`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenPrInput {
    #[schemars(length(min = 1))]
    pub title: String,
    /// Markdown body.
    pub body: String,
    /// The head branch; it must be under `redgreen/`.
    #[schemars(length(min = 1), regex(pattern = r"^redgreen/"))]
    pub branch: String,
    /// GitHub logins asked to review.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewers: Option<Vec<String>>,
}

/// Result of `open_pr`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct OpenPrOutput {
    pub pr_number: u64,
    pub url: String,
}
