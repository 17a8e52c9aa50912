//! A task's working tree: commit everything as the bot, push HEAD to a redgreen branch.

use std::path::{Path, PathBuf};

use git2::{Oid, Repository, Signature};
use redgreen_core::refs::WritableRef;
use secrecy::SecretString;

use crate::work_tree::commit_all;
use crate::{BotIdentity, CloneUrl, GitError, push_refspecs};

/// A working tree made by [`crate::RepoCache::checkout`].
///
/// The repository is reopened for every operation rather than held open: code run in the
/// sandbox changes the tree (and may change `.git`) between calls, and nothing read before
/// must be trusted after. The clone URL is kept here, not read back from `.git/config`.
#[derive(Debug, Clone)]
pub struct Workspace {
    path: PathBuf,
    url: CloneUrl,
    identity: BotIdentity,
}

impl Workspace {
    pub(crate) fn new(path: PathBuf, url: CloneUrl, identity: BotIdentity) -> Workspace {
        Workspace {
            path,
            url,
            identity,
        }
    }

    /// Reopens a workspace a previous checkout made (a task resumed after a restart).
    pub fn open(
        path: &Path,
        clone_url: &str,
        identity: BotIdentity,
    ) -> Result<Workspace, GitError> {
        let url = CloneUrl::parse(clone_url)?;
        Repository::open(path).map_err(|error| GitError::from_git2("open", &error, None))?;
        Ok(Workspace::new(path.to_path_buf(), url, identity))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn clone_url(&self) -> &CloneUrl {
        &self.url
    }

    /// The commit HEAD points at.
    pub fn head(&self) -> Result<Oid, GitError> {
        let repo = self.repository("head")?;
        let head = repo
            .head()
            .and_then(|head| head.peel_to_commit())
            .map_err(|error| GitError::from_git2("head", &error, None))?;
        Ok(head.id())
    }

    /// Stages every change in the working tree (new, modified and deleted files, honouring
    /// `.gitignore`) and commits it on top of HEAD, authored and committed by the bot
    /// identity: no `user.name` or `user.email` from any git configuration is used.
    pub fn commit_all(&self, message: &str) -> Result<Oid, GitError> {
        let repo = self.repository("commit")?;
        let signature = Signature::now(&self.identity.name, &self.identity.email)
            .map_err(|error| GitError::from_git2("commit", &error, None))?;
        commit_all(&repo, message, &signature)
    }

    /// Pushes HEAD to `branch` on the clone URL: creates it, or fast-forwards it; never
    /// forced. The token is given only to the credential callback. The push guard
    /// ([`push_refspecs`]) checks the update again before anything is sent.
    pub fn push(&self, branch: &WritableRef, token: &SecretString) -> Result<(), GitError> {
        let repo = self.repository("push")?;
        let head = repo
            .head()
            .and_then(|head| head.peel_to_commit())
            .map_err(|error| GitError::from_git2("push", &error, None))?;
        // A local branch of the same name is the push's source; it is local state only.
        repo.reference(branch.as_str(), head.id(), true, "redgreen: push")
            .map_err(|error| GitError::from_git2("push", &error, None))?;
        let refspec = format!("{0}:{0}", branch.as_str());
        push_refspecs(&repo, &self.url, branch, &[refspec.as_str()], token)
    }

    fn repository(&self, operation: &'static str) -> Result<Repository, GitError> {
        Repository::open(&self.path).map_err(|error| GitError::from_git2(operation, &error, None))
    }
}
