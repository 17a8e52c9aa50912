//! Everything that can stop the sandbox from running a command, and whether a retry can help.

use crate::Protection;

/// Why a command could not be run in the sandbox. A command that ran and failed, timed out or
/// was killed is not an error: that is a [`crate::SandboxOutcome`].
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The request or configuration is unusable as given (a relative path, a zero limit).
    #[error("invalid sandbox request: {0}")]
    InvalidRequest(String),
    /// A protection that is required (not opted out of) cannot be put in force on this host,
    /// so the sandbox refuses to run the command at all (fail closed).
    #[error("required protection {protection:?} is not available: {reason}")]
    ProtectionUnavailable {
        protection: Protection,
        reason: String,
    },
    /// Building the sandbox failed in one of its stages before the command started.
    #[error("sandbox setup failed in {stage}: {message}")]
    Setup { stage: String, message: String },
    /// An operating-system call of the supervisor itself failed (spawning, pipes, cgroups).
    #[error("sandbox supervisor I/O failed while {action}: {source}")]
    Io {
        action: &'static str,
        #[source]
        source: std::io::Error,
    },
    /// The helper stages ended without saying how the command ended.
    #[error("sandbox helper ended without a report: {0}")]
    NoReport(String),
    /// The caller cancelled the run ([`crate::RunRequest::cancel`]); its processes were
    /// killed and whatever it wrote to the workspace is left as it was.
    #[error("the sandboxed run was cancelled")]
    Cancelled,
}

impl SandboxError {
    /// Whether trying the same request again may succeed. Resource exhaustion on the host
    /// (process table, memory, file descriptors) is transient; a missing protection or a bad
    /// request is not.
    pub fn is_retryable(&self) -> bool {
        match self {
            SandboxError::InvalidRequest(_)
            | SandboxError::ProtectionUnavailable { .. }
            | SandboxError::Cancelled => false,
            SandboxError::Setup { .. } | SandboxError::NoReport(_) => true,
            SandboxError::Io { source, .. } => matches!(
                source.raw_os_error(),
                Some(libc::EAGAIN | libc::ENOMEM | libc::EMFILE | libc::ENFILE | libc::EBUSY)
            ),
        }
    }

    pub(crate) fn io(action: &'static str) -> impl FnOnce(std::io::Error) -> SandboxError {
        move |source| SandboxError::Io { action, source }
    }
}
