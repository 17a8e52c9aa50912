//! Run states and run kinds, with the exact names the operator API and PRODUCT.md use.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Where a run is. The names are a fixed contract (operator API, progress comments).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    Queued,
    Preparing,
    Planning,
    Red,
    Patch,
    Green,
    Publishing,
    Done,
    NeedsHuman,
    Failed,
    Cancelled,
}

impl RunState {
    pub const ALL: [RunState; 11] = [
        RunState::Queued,
        RunState::Preparing,
        RunState::Planning,
        RunState::Red,
        RunState::Patch,
        RunState::Green,
        RunState::Publishing,
        RunState::Done,
        RunState::NeedsHuman,
        RunState::Failed,
        RunState::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Queued => "queued",
            RunState::Preparing => "preparing",
            RunState::Planning => "planning",
            RunState::Red => "red",
            RunState::Patch => "patch",
            RunState::Green => "green",
            RunState::Publishing => "publishing",
            RunState::Done => "done",
            RunState::NeedsHuman => "needs_human",
            RunState::Failed => "failed",
            RunState::Cancelled => "cancelled",
        }
    }

    /// A terminal run never moves again; `needs_human` is not terminal (it can be continued).
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            RunState::Done | RunState::Failed | RunState::Cancelled
        )
    }
}

impl fmt::Display for RunState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// A string that names no run state or run kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what}: {value:?}")]
pub struct UnknownName {
    pub what: &'static str,
    pub value: String,
}

impl FromStr for RunState {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RunState::ALL
            .into_iter()
            .find(|state| state.as_str() == s)
            .ok_or_else(|| UnknownName {
                what: "run state",
                value: s.to_owned(),
            })
    }
}

/// What a run does. The names are a fixed contract of the operator API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunKind {
    Fix,
    Plan,
    Test,
    Recommend,
    FollowUp,
}

impl RunKind {
    pub const ALL: [RunKind; 5] = [
        RunKind::Fix,
        RunKind::Plan,
        RunKind::Test,
        RunKind::Recommend,
        RunKind::FollowUp,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RunKind::Fix => "fix",
            RunKind::Plan => "plan",
            RunKind::Test => "test",
            RunKind::Recommend => "recommend",
            RunKind::FollowUp => "follow_up",
        }
    }
}

impl fmt::Display for RunKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for RunKind {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RunKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == s)
            .ok_or_else(|| UnknownName {
                what: "run kind",
                value: s.to_owned(),
            })
    }
}
