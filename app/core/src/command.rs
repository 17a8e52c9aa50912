//! The commands a person can give redgreen by mentioning it.

use serde::{Deserialize, Serialize};

use crate::run::RunKind;

/// `@redgreen <command> ...`. Free text after the mention counts as `fix` instructions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    Fix,
    Plan,
    Test,
    Recommend,
    Status,
    Cancel,
    Retry,
    Continue,
}

impl Command {
    pub const ALL: [Command; 8] = [
        Command::Fix,
        Command::Plan,
        Command::Test,
        Command::Recommend,
        Command::Status,
        Command::Cancel,
        Command::Retry,
        Command::Continue,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Command::Fix => "fix",
            Command::Plan => "plan",
            Command::Test => "test",
            Command::Recommend => "recommend",
            Command::Status => "status",
            Command::Cancel => "cancel",
            Command::Retry => "retry",
            Command::Continue => "continue",
        }
    }

    /// The kind of run this command starts, or `None` for run-control commands
    /// (`status`, `cancel`, `retry`, `continue`), which act on existing runs.
    pub fn starts_run(self) -> Option<RunKind> {
        match self {
            Command::Fix => Some(RunKind::Fix),
            Command::Plan => Some(RunKind::Plan),
            Command::Test => Some(RunKind::Test),
            Command::Recommend => Some(RunKind::Recommend),
            Command::Status | Command::Cancel | Command::Retry | Command::Continue => None,
        }
    }
}
