//! `read_file`: a file of the repository, or a range of its lines.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Arguments of `read_file`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadFileInput {
    /// Repository-relative path (`src/lib.rs`).
    #[schemars(length(min = 1))]
    pub path: String,
    /// First line to return, 1-based (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub start_line: Option<u32>,
    /// Last line to return, inclusive (default: the end of the file, within the size cap).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub end_line: Option<u32>,
}

/// Result of `read_file`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ReadFileOutput {
    /// The lines `start_line..=end_line`, exactly as in the file (no line numbers added).
    pub content: String,
    pub start_line: u32,
    /// The last line returned; less than asked for when the size cap was reached.
    pub end_line: u32,
    pub total_lines: u32,
}
