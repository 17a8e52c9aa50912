//! Where the repository lives: GitHub for `redgreen serve`, a local path for `redgreen run`.
//!
//! The forge is the agent's only way out of its own directory. It holds the credentials (an
//! installation token never reaches this crate), and it makes publishing idempotent: called
//! twice with the same publication, it pushes nothing new, finds the pull request it opened
//! before, and does not post a second comment.

use std::future::Future;
use std::path::{Path, PathBuf};

use redgreen_core::run::RunKind;
use redgreen_core::work::{IssueText, Published};

use crate::error::AgentError;
use crate::run_spec::RunSpec;

/// What a run publishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publication {
    pub kind: RunKind,
    /// The branch to push (`redgreen/<issue>-<slug>`, or a follow-up's PR branch); `None`
    /// for runs that change no code (plan, test).
    pub branch: Option<String>,
    /// The work tree whose HEAD is pushed.
    pub tree: PathBuf,
    /// The commit to push and to attach the check run to.
    pub head: String,
    pub title: String,
    /// The pull request's body; for a plan, the plan comment; for a follow-up, the reply.
    pub body: String,
    pub check: Option<CheckReport>,
}

/// A completed check run (`redgreen/tdd` or `redgreen/test`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckReport {
    pub name: &'static str,
    /// `success` or `failure`.
    pub conclusion: &'static str,
    pub title: String,
    pub summary: String,
    pub annotations: Vec<Annotation>,
}

/// A line annotation on a check run; `path` is repository-relative.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    pub path: String,
    pub start_line: u32,
    pub end_line: u32,
    /// `notice`, `warning` or `failure` (GitHub's annotation levels).
    pub level: &'static str,
    pub title: String,
    pub message: String,
}

/// The repository a run works on.
pub trait Forge: Send + Sync + 'static {
    /// The title and body of the run's issue or pull request.
    fn issue(&self, run: &RunSpec) -> impl Future<Output = Result<IssueText, AgentError>> + Send;

    /// The full id of the commit the run starts from: the default branch's head for a fix,
    /// the pull request's head for a follow-up or a test run.
    fn base_commit(&self, run: &RunSpec)
    -> impl Future<Output = Result<String, AgentError>> + Send;

    /// Makes `dest` (new or empty) a work tree at `commit`.
    fn checkout(
        &self,
        run: &RunSpec,
        commit: &str,
        dest: &Path,
    ) -> impl Future<Output = Result<(), AgentError>> + Send;

    /// Pushes, opens or finds the pull request, completes the check run, comments; each
    /// step idempotent, so a publication interrupted and repeated yields one of each.
    fn publish(
        &self,
        run: &RunSpec,
        publication: &Publication,
    ) -> impl Future<Output = Result<Published, AgentError>> + Send;
}
