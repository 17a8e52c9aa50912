//! `repo_map`: the repository's most relevant definitions, one signature line each.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Arguments of `repo_map`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RepoMapInput {
    /// Size of the map, at about four characters a token (default 1024).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 64, max = 8192))]
    pub max_tokens: Option<u32>,
    /// Repository-relative files to centre the map on: they and their neighbours rank higher.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub focus: Option<Vec<String>>,
}

/// Result of `repo_map`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RepoMapOutput {
    /// Files, each followed by `line│ signature` lines of its most referenced definitions.
    pub map: String,
}
