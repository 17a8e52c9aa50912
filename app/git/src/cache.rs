//! One cached bare clone per repository under the data dir, fetched into (never re-cloned)
//! and copied into each task's workspace at the exact commit the task needs.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use git2::build::{CheckoutBuilder, CloneLocal, RepoBuilder};
use git2::{
    AutotagOption, FetchOptions, FetchPrune, Oid, RemoteCallbacks, RemoteRedirect, Repository,
};
use secrecy::SecretString;

use crate::auth::TokenCredentials;
use crate::{BotIdentity, CloneUrl, GitError, Workspace};

/// What the cache keeps of a repository: its branches and tags, as the remote has them.
const MIRROR_REFSPECS: [&str; 2] = ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"];

/// Where commits fetched by id (not on any branch, e.g. a fork's pull request head) are kept
/// so that they stay referenced.
const FETCHED_BY_ID: &str = "refs/redgreen-cache/commits/";

/// The clone cache. Cheap to clone and shareable between worker threads; checkouts of the
/// same repository are serialised, checkouts of different repositories are not.
///
/// All methods block; call them from `spawn_blocking` in async code.
#[derive(Clone)]
pub struct RepoCache {
    inner: Arc<Inner>,
}

struct Inner {
    root: PathBuf,
    identity: BotIdentity,
    /// One lock per cached repository, so that two tasks never fetch into the same clone at
    /// once. (Within this process: separate processes need separate data dirs.)
    locks: Mutex<HashMap<PathBuf, Arc<Mutex<()>>>>,
}

impl RepoCache {
    /// A cache kept under `root` (the binary passes `<REDGREEN_DATA_DIR>/repos`); commits in
    /// workspaces it creates are authored and committed by `identity`. Touches no file until
    /// the first checkout.
    pub fn new(root: PathBuf, identity: BotIdentity) -> RepoCache {
        RepoCache {
            inner: Arc::new(Inner {
                root,
                identity,
                locks: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Where the cached clone of `url` lives (or will live).
    pub fn cache_path(&self, url: &CloneUrl) -> PathBuf {
        self.inner.root.join(url.cache_dir_name())
    }

    /// Makes `dest` (new or empty) a working tree at exactly `commit` (a full hex id) of the
    /// repository at `clone_url`, with HEAD detached there.
    ///
    /// The cached clone is fetched only when it lacks the commit: first its branches and
    /// tags, then, if the commit is on none of them, the commit by id. The workspace gets its
    /// own copy of the objects (no hard links, no alternates), so nothing run in it can
    /// change the cache, and its `origin` is the plain clone URL.
    pub fn checkout(
        &self,
        clone_url: &str,
        commit: &str,
        token: &SecretString,
        dest: &Path,
    ) -> Result<Workspace, GitError> {
        let url = CloneUrl::parse(clone_url)?;
        let oid = parse_full_commit_id(commit)?;
        if dest
            .read_dir()
            .is_ok_and(|mut entries| entries.next().is_some())
        {
            return Err(GitError::WorkspaceNotEmpty {
                path: dest.to_path_buf(),
            });
        }
        let cache_path =
            std::path::absolute(self.cache_path(&url)).map_err(|source| GitError::Io {
                operation: "checkout",
                source,
            })?;

        let lock = self.lock_for(&cache_path);
        let held = lock.lock().unwrap_or_else(PoisonError::into_inner);
        let cache = open_or_init(&cache_path)?;
        ensure_commit(&cache, &url, oid, token)?;
        // The clone below starts at the cache's HEAD, so point it at the commit: the
        // workspace is then checked out once, at the right tree.
        cache
            .set_head_detached(oid)
            .map_err(|error| GitError::from_git2("checkout", &error, None))?;
        let cache_path_text = cache_path.to_str().ok_or_else(|| GitError::Io {
            operation: "checkout",
            source: std::io::Error::other("the cache path is not valid UTF-8"),
        })?;
        let repo = RepoBuilder::new()
            .clone_local(CloneLocal::NoLinks)
            .with_checkout(checkout_options())
            .clone(cache_path_text, dest)
            .map_err(|error| GitError::from_git2("checkout", &error, None))?;
        drop(held);

        let workspace_error = |error: git2::Error| GitError::from_git2("checkout", &error, None);
        repo.remote_set_url("origin", url.as_str())
            .map_err(workspace_error)?;
        // Content must not depend on the host's global git configuration.
        repo.config()
            .and_then(|mut config| config.set_bool("core.autocrlf", false))
            .map_err(workspace_error)?;
        if repo.head().ok().and_then(|head| head.target()) != Some(oid) {
            repo.set_head_detached(oid).map_err(workspace_error)?;
            repo.checkout_head(Some(&mut checkout_options()))
                .map_err(workspace_error)?;
        }
        tracing::info!(repository = %url, %commit, workspace = %dest.display(), "checked out");
        Ok(Workspace::new(
            dest.to_path_buf(),
            url,
            self.inner.identity.clone(),
        ))
    }

    fn lock_for(&self, cache_path: &Path) -> Arc<Mutex<()>> {
        let mut locks = self
            .inner
            .locks
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        Arc::clone(locks.entry(cache_path.to_path_buf()).or_default())
    }
}

fn checkout_options() -> CheckoutBuilder<'static> {
    let mut options = CheckoutBuilder::new();
    options.force();
    options
}

/// Only full ids: a short one could match a different commit tomorrow.
fn parse_full_commit_id(commit: &str) -> Result<Oid, GitError> {
    let invalid = || GitError::InvalidCommit {
        commit: commit.chars().take(80).collect(),
    };
    if !matches!(commit.len(), 40 | 64) || !commit.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(invalid());
    }
    Oid::from_str(commit).map_err(|_| invalid())
}

fn open_or_init(path: &Path) -> Result<Repository, GitError> {
    let opened = if path.exists() {
        Repository::open_bare(path)
    } else {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| GitError::Io {
                operation: "fetch",
                source,
            })?;
        }
        tracing::info!(cache = %path.display(), "creating the cached clone");
        Repository::init_bare(path)
    };
    opened.map_err(|error| GitError::from_git2("fetch", &error, None))
}

/// Fetches into the cache until it has `oid`.
fn ensure_commit(
    cache: &Repository,
    url: &CloneUrl,
    oid: Oid,
    token: &SecretString,
) -> Result<(), GitError> {
    if cache.find_commit(oid).is_ok() {
        tracing::debug!(repository = %url, commit = %oid, "commit already cached");
        return Ok(());
    }
    fetch(cache, url, &MIRROR_REFSPECS, token)?;
    if cache.find_commit(oid).is_ok() {
        return Ok(());
    }
    // Not on a branch or tag: GitHub serves reachable commits by id (pull request heads
    // from forks live under refs/pull/, which the mirror does not fetch).
    let by_id = format!("{oid}:{FETCHED_BY_ID}{oid}");
    // The remote answers an unknown id with an error line that libgit2 reports only as an
    // early end of stream, indistinguishable from a cut connection. The fetch just before
    // reached the remote, so anything but a refused token is taken as "no such commit".
    match fetch(cache, url, &[by_id.as_str()], token) {
        Ok(()) => {}
        Err(error) if error.needs_new_token() => return Err(error),
        Err(error) => {
            tracing::info!(repository = %url, commit = %oid, %error, "fetching the commit by id failed");
        }
    }
    if cache.find_commit(oid).is_ok() {
        return Ok(());
    }
    Err(GitError::CommitNotFound {
        commit: oid.to_string(),
    })
}

fn fetch(
    cache: &Repository,
    url: &CloneUrl,
    refspecs: &[&str],
    token: &SecretString,
) -> Result<(), GitError> {
    let credentials = TokenCredentials::new(url, token);
    let mut callbacks = RemoteCallbacks::new();
    credentials.install(&mut callbacks);
    let mut options = FetchOptions::new();
    options
        .remote_callbacks(callbacks)
        .follow_redirects(RemoteRedirect::None)
        .download_tags(AutotagOption::None)
        .prune(FetchPrune::On);
    let mut remote = cache
        .remote_anonymous(url.as_str())
        .map_err(|error| GitError::from_git2("fetch", &error, Some(token)))?;
    tracing::info!(repository = %url, ?refspecs, "fetching");
    remote
        .fetch(refspecs, Some(&mut options), None)
        .map_err(|error| credentials.classify("fetch", &error))
}
