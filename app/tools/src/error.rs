//! The tools' error type. Most variants are the model's mistakes (a bad path, a hunk that does
//! not apply) and their messages are written for the model to act on; the rest are redgreen's
//! own failures (i/o, git, the sandbox), which say whether trying again can help.

use std::path::PathBuf;

/// Everything a tool call or a guard can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    /// No tool has this name.
    #[error("there is no tool named `{name}`; the tools are: {known}")]
    UnknownTool { name: String, known: String },
    /// The tool exists but the phase does not offer it.
    #[error("`{tool}` is not available in the {phase} phase; use one of: {allowed}")]
    NotAllowed {
        tool: String,
        phase: &'static str,
        allowed: String,
    },
    /// The arguments do not match the tool's input schema.
    #[error("the arguments of `{tool}` are not valid:\n{}", problems.join("\n"))]
    InvalidArguments { tool: String, problems: Vec<String> },
    /// A path the tools refuse to touch: absolute, escaping the repository, through a symlink.
    #[error("path `{path}` is refused: {reason}")]
    PathRefused { path: String, reason: String },
    /// A write outside the repository's write scope or the phase's rules.
    #[error("writing `{path}` is not allowed: {reason}")]
    WriteRefused { path: String, reason: String },
    /// The file does not exist.
    #[error("`{path}` does not exist")]
    NotFound { path: String },
    /// The file cannot be shown as text (binary, not UTF-8, or a directory).
    #[error("`{path}` cannot be read as text: {reason}")]
    NotText { path: String, reason: String },
    /// A unified diff that cannot be parsed or does not apply, with what was looked for.
    #[error("{0}")]
    PatchRejected(String),
    /// A configured glob is not valid (the repository's `write_scope`).
    #[error("write_scope pattern `{pattern}` is not a valid glob: {message}")]
    InvalidGlob { pattern: String, message: String },
    /// The change is bigger than the repository allows.
    #[error(
        "the change has {lines} changed lines ({added} added, {removed} removed in {files} files), over the limit of {max}; make a smaller change"
    )]
    DiffTooLarge {
        lines: u64,
        added: u64,
        removed: u64,
        files: u64,
        max: u64,
    },
    /// The tool needs something this run does not have (the index, a sandbox) or that this
    /// build does not provide.
    #[error("`{tool}` is not available here: {reason}")]
    Unavailable { tool: String, reason: String },
    /// The code index failed.
    #[error("code index: {0}")]
    Index(#[from] redgreen_indexer::IndexError),
    /// Reading or writing a file of the workspace failed.
    #[error("{operation} `{path}`: {source}")]
    Io {
        operation: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Reading the repository with git failed.
    #[error("git: {0}")]
    Git(#[from] git2::Error),
    /// The sandbox could not run the command (as opposed to the command failing).
    #[error("sandbox: {0}")]
    Sandbox(#[from] redgreen_sandbox::SandboxError),
    /// A lockfile could not be read into a bill of materials, or the OSV directory could not
    /// be read.
    #[error("sbom: {0}")]
    Sbom(#[from] redgreen_sbom::SbomError),
    /// Running a test command outside the sandbox failed to start or to be observed.
    #[error("running the test command: {0}")]
    Exec(String),
    /// A blocking task was cancelled or panicked.
    #[error("tool task did not finish: {0}")]
    Task(String),
}

impl ToolError {
    /// Whether the same call may succeed later without any change by the caller. A model's
    /// mistake never does; i/o that timed out, a locked index, a sandbox hiccup may.
    pub fn is_retryable(&self) -> bool {
        match self {
            ToolError::Io { source, .. } => matches!(
                source.kind(),
                std::io::ErrorKind::Interrupted
                    | std::io::ErrorKind::WouldBlock
                    | std::io::ErrorKind::TimedOut
            ),
            ToolError::Index(error) => error.is_retryable(),
            ToolError::Sandbox(error) => error.is_retryable(),
            ToolError::Sbom(error) => error.is_retryable(),
            ToolError::Task(_) => true,
            ToolError::UnknownTool { .. }
            | ToolError::NotAllowed { .. }
            | ToolError::InvalidArguments { .. }
            | ToolError::PathRefused { .. }
            | ToolError::WriteRefused { .. }
            | ToolError::NotFound { .. }
            | ToolError::NotText { .. }
            | ToolError::PatchRejected(_)
            | ToolError::InvalidGlob { .. }
            | ToolError::DiffTooLarge { .. }
            | ToolError::Unavailable { .. }
            | ToolError::Git(_)
            | ToolError::Exec(_) => false,
        }
    }

    pub(crate) fn io(
        operation: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        ToolError::Io {
            operation,
            path: path.into(),
            source,
        }
    }
}
