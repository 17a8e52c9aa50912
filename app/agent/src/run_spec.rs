//! What the agent needs to know about a run, from its stored record.

use redgreen_core::RunId;
use redgreen_core::run::RunKind;

/// What the executor needs to know about a run (from its stored record).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSpec {
    pub id: RunId,
    pub kind: RunKind,
    /// `owner/name`, or the local path's name for `redgreen run`.
    pub repository: String,
    /// The issue or pull request number (`None` for a local run without one).
    pub number: Option<i64>,
    /// The text after the command in the mention (untrusted).
    pub instructions: String,
    /// The run's creation time in seconds since the epoch: the time of its commits.
    pub created_at_seconds: i64,
    /// A follow-up's PR branch.
    pub head_ref: Option<String>,
}
