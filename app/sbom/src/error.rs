//! The crate's one error type. Reading a file can be retried (the file system may recover);
//! a file that does not parse, or a BOM that does not validate, will not change on retry.

use std::path::PathBuf;

/// Why an SBOM could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum SbomError {
    /// A lockfile, OSV record or directory could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A lockfile is not in the format its name promises.
    #[error("{file}: {message}")]
    Lockfile { file: String, message: String },
    /// An OSV record is not valid OSV JSON.
    #[error("OSV record {file}: {message}")]
    Osv { file: String, message: String },
    /// The BOM does not validate against the CycloneDX 1.6 schema (a defect here, refused
    /// rather than written).
    #[error("the SBOM does not match the CycloneDX 1.6 schema: {0}")]
    Schema(String),
    /// The walk over the repository failed.
    #[error("cannot list the repository: {0}")]
    Walk(String),
}

impl SbomError {
    /// Whether the same call may succeed later.
    pub fn is_retryable(&self) -> bool {
        match self {
            SbomError::Read { source, .. } => matches!(
                source.kind(),
                std::io::ErrorKind::Interrupted
                    | std::io::ErrorKind::WouldBlock
                    | std::io::ErrorKind::TimedOut
            ),
            SbomError::Lockfile { .. }
            | SbomError::Osv { .. }
            | SbomError::Schema(_)
            | SbomError::Walk(_) => false,
        }
    }
}
