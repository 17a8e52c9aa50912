//! The indexer's error type: what failed, and whether trying again can help.

use std::path::PathBuf;

/// Everything the indexer can fail with.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// Reading or writing the index directory or a source file failed.
    #[error("i/o on {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The repository or revision could not be read from git.
    #[error("git: {0}")]
    Git(#[from] git2::Error),
    /// The search engine failed (index files, queries, writers).
    #[error("search index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    /// The index on disk is missing, from another indexer version, or damaged; rebuild it.
    #[error("index at {path} cannot be used: {reason}")]
    Unusable { path: PathBuf, reason: String },
    /// A query the caller gave is not valid (a bad regex, an empty query).
    #[error("invalid query: {0}")]
    InvalidQuery(String),
    /// A grammar or one of the indexer's own tree-sitter queries failed to load (a bug).
    #[error("tree-sitter {language}: {message}")]
    Grammar {
        language: &'static str,
        message: String,
    },
    /// Another process holds the index writer's lock.
    #[error("index at {0} is being written by another process")]
    Locked(PathBuf),
}

impl IndexError {
    /// Whether the same call may succeed later without any change by the caller: a held lock
    /// is released, and transient i/o can clear. Unusable indexes need a rebuild, not a retry.
    pub fn is_retryable(&self) -> bool {
        match self {
            IndexError::Locked(_) => true,
            IndexError::Io { source, .. } => matches!(
                source.kind(),
                std::io::ErrorKind::Interrupted
                    | std::io::ErrorKind::WouldBlock
                    | std::io::ErrorKind::TimedOut
            ),
            IndexError::Tantivy(tantivy::TantivyError::LockFailure(..)) => true,
            IndexError::Git(_)
            | IndexError::Tantivy(_)
            | IndexError::Unusable { .. }
            | IndexError::InvalidQuery(_)
            | IndexError::Grammar { .. } => false,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        IndexError::Io {
            path: path.into(),
            source,
        }
    }
}

pub type Result<T, E = IndexError> = std::result::Result<T, E>;
