//! `code_search`: find code by words, by a definition's name, or by a regular expression.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Arguments of `code_search`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeSearchInput {
    /// What to look for: words or identifiers (`text`), a definition's name or qualified name
    /// (`symbol`), or a Rust-syntax regular expression (`regex`).
    #[schemars(length(min = 1))]
    pub query: String,
    /// How `query` is read; `text` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<SearchModeName>,
    /// Restricts the search to some files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<SearchScope>,
    /// The most hits to return (default 20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 100))]
    pub limit: Option<u32>,
}

/// How a `code_search` query is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SearchModeName {
    Text,
    Symbol,
    Regex,
}

/// Which files a search covers.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchScope {
    /// Repository-relative path prefixes (`src/`, `lib/util.py`); all files when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paths: Option<Vec<String>>,
    /// Only files of this language (`rust`, `python`, `go`, `javascript`, `typescript`,
    /// `tsx`, `java`, `c`, `cpp`, `ruby`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

/// Result of `code_search`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CodeSearchOutput {
    /// Best first.
    pub hits: Vec<SearchHit>,
}

/// One place that matched. Lines are 1-based and inclusive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SearchHit {
    pub path: String,
    pub start_line: u32,
    pub end_line: u32,
    /// The definition's qualified name, for hits on a definition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
    /// The definition's kind (`function`, `class`, `method`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The first lines of the match.
    pub snippet: String,
    /// Higher is better; comparable only within one search.
    pub score: f32,
}
