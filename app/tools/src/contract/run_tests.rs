//! `run_tests`: the repository's test command in the sandbox, with no network.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Arguments of `run_tests`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunTestsInput {
    /// Which tests: passed to the test command the way its runner selects tests (a test name
    /// or path for cargo, pytest and unittest, a `-run` pattern for go, `--tests` for gradle,
    /// `-Dtest=` for maven). The whole suite when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub target: Option<String>,
    /// Seconds before the run is killed (capped by redgreen's configuration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 3600))]
    pub timeout_s: Option<u32>,
}

/// Result of `run_tests`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RunTestsOutput {
    pub passed: u32,
    /// Failed and errored tests (a test file that does not load counts as one).
    pub failed: u32,
    pub skipped: u32,
    pub failing: Vec<FailingTest>,
    pub duration_ms: u64,
    /// The head and the tail of the output.
    pub log_excerpt: String,
    /// Whether output was left out of `log_excerpt`.
    pub truncated: bool,
}

/// A test that did not pass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct FailingTest {
    /// The test's id as its runner reports it.
    pub name: String,
    /// Why it failed: the assertion or error message.
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
}
