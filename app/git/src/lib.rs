//! Git for redgreen: one cached clone per repository, working trees at an exact commit,
//! commits as the app's own bot identity, and pushes that can only reach
//! `refs/heads/redgreen/*`.
//!
//! Everything here is blocking (libgit2); async callers run it on `spawn_blocking`.
//!
//! Token handling: the installation token reaches libgit2 only through a credential callback,
//! and only for the remote the clone URL names. No URL this crate stores (`.git/config`,
//! `FETCH_HEAD`, reflogs) carries it, and error text is scrubbed of it.

mod auth;
mod cache;
mod clone_url;
mod error;
mod identity;
mod push;
mod unified_diff;
mod work_tree;
mod workspace;

pub use cache::RepoCache;
pub use clone_url::CloneUrl;
pub use error::GitError;
pub use identity::BotIdentity;
pub use push::push_refspecs;
pub use unified_diff::{FileChange, FileDiff, Hunk, HunkLine, LineKind, parse_unified_diff};
pub use work_tree::WorkTree;
pub use workspace::Workspace;
