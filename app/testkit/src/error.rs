//! The testkit's one error type: what can go wrong setting up the stand-in or checking a
//! credential. Tests see these as panics or as GitHub-shaped HTTP answers.

/// Errors of the stand-in and its helpers.
#[derive(Debug, Clone, thiserror::Error)]
pub enum TestkitError {
    /// The OpenAPI subset or a webhook example could not be read or compiled.
    #[error("GitHub contract file: {reason}")]
    Spec { reason: String },
    /// A webhook example file is missing or malformed.
    #[error("webhook example {path}: {reason}")]
    Example { path: String, reason: String },
    /// A credential was refused; the reason is for the stand-in's own log, never echoed with
    /// the credential itself.
    #[error("credential refused: {reason}")]
    Credential { reason: String },
    /// The stand-in's listener could not be set up.
    #[error("stand-in server: {reason}")]
    Server { reason: String },
}

impl TestkitError {
    /// Whether trying again could succeed: none of these are transient (they are fixtures,
    /// contracts and credentials), except the listener, which may hit a busy system.
    pub fn is_retryable(&self) -> bool {
        matches!(self, TestkitError::Server { .. })
    }
}
