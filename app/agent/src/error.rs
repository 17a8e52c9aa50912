//! The agent loop's errors, each saying where the run should go: retried later, parked for a
//! human, or failed.

use redgreen_core::machine::Failure;

#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// The model gateway failed: budget spent, provider unavailable after its retries, or a
    /// request the provider rejected.
    #[error(transparent)]
    Model(#[from] redgreen_llm::LlmError),
    /// The model kept talking without ending the phase.
    #[error("the model did not call `{phase}` within {turns} turns")]
    TurnsExhausted { phase: &'static str, turns: u32 },
    /// Git on the run's working tree, or at the forge.
    #[error(transparent)]
    Git(#[from] redgreen_git::GitError),
    /// The repository's `.github/redgreen.yml` is invalid (the message quotes the schema error
    /// and its line).
    #[error(transparent)]
    RepoConfig(#[from] redgreen_core::repo_config::RepoConfigError),
    /// No test command is configured and none could be detected.
    #[error(
        "no test command: set `test` in .github/redgreen.yml (none of cargo, pytest, unittest, \
         go, npm, maven or gradle was detected)"
    )]
    NoTestCommand,
    /// The sandbox could not run the tests (not the tests failing: that is evidence).
    #[error("the sandbox could not run the command: {0}")]
    Sandbox(String),
    /// The repository's `setup` commands failed, or changed tracked files (setup may only add
    /// files): the message says which command and shows the end of its output.
    #[error("the repository's setup failed: {0}")]
    Setup(String),
    /// Building or reading the code index.
    #[error("the code index failed: {0}")]
    Index(String),
    /// The forge (GitHub, or the local repository of `redgreen run`) failed; `retryable` says
    /// whether the same call may succeed later.
    #[error("{message}")]
    Forge { message: String, retryable: bool },
    /// The stack recommendation cannot be made: the constraints cannot be met (the message
    /// says which constraint removed every option of which layer), or the catalog is broken.
    #[error("no stack recommendation: {0}")]
    Recommendation(String),
    /// Local files (the run's directory under the data dir).
    #[error("{operation}: {source}")]
    Io {
        operation: &'static str,
        source: std::io::Error,
    },
    /// A checkpoint lacks what an earlier phase should have stored (a bug, or a checkpoint
    /// from an incompatible version).
    #[error("the checkpoint lacks {0}; retry the run from the beginning")]
    MissingWork(&'static str),
}

impl AgentError {
    pub fn is_retryable(&self) -> bool {
        self.failure() == Failure::Transient
    }

    /// Where the run goes when a phase ends with this error.
    pub fn failure(&self) -> Failure {
        match self {
            // The gateway has already retried; budget and outages are a person's call, and
            // `continue` resumes with a fresh allowance.
            AgentError::Model(_)
            | AgentError::TurnsExhausted { .. }
            | AgentError::RepoConfig(_)
            | AgentError::NoTestCommand => Failure::NeedsHuman,
            AgentError::Git(error) if error.is_retryable() => Failure::Transient,
            AgentError::Git(_) => Failure::NeedsHuman,
            AgentError::Forge {
                retryable: true, ..
            } => Failure::Transient,
            AgentError::Forge { .. }
            | AgentError::Sandbox(_)
            | AgentError::Setup(_)
            | AgentError::Index(_) => Failure::NeedsHuman,
            AgentError::Io { .. } => Failure::Transient,
            // The same constraints give the same answer: a new request is needed.
            AgentError::MissingWork(_) | AgentError::Recommendation(_) => Failure::Fatal,
        }
    }
}
