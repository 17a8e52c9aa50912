//! Local operations on a working tree, with no remote involved: reset to a commit, apply a
//! stored diff, diff against HEAD, and commit at a given time.
//!
//! These are what lets a run resume anywhere: its checkpoint stores the base commit and the
//! diffs of its phases, and a fresh tree is rebuilt from them. Commits are made with a time
//! passed in (the run's), not the clock, so rebuilding a branch yields the same commit ids
//! and publishing it again is a no-op rather than a second, diverging push.

use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use git2::build::CheckoutBuilder;
use git2::{
    ApplyLocation, DiffFormat, DiffOptions, IndexAddOption, Oid, Repository, Signature, Status,
    StatusOptions, Time,
};

use crate::unified_diff::{self, FileChange};
use crate::{BotIdentity, GitError};

/// A working tree (a non-bare repository) that redgreen operates on locally.
#[derive(Debug, Clone)]
pub struct WorkTree {
    path: PathBuf,
}

impl WorkTree {
    /// The working tree at `path`, which must be a git repository.
    pub fn open(path: &Path) -> Result<WorkTree, GitError> {
        Repository::open(path).map_err(|error| GitError::from_git2("open", &error, None))?;
        Ok(WorkTree {
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The commit HEAD points at.
    pub fn head(&self) -> Result<Oid, GitError> {
        let repo = self.repository("head")?;
        let commit = repo
            .head()
            .and_then(|head| head.peel_to_commit())
            .map_err(|error| GitError::from_git2("head", &error, None))?;
        Ok(commit.id())
    }

    /// The bytes of `path` as `commit` has it (`None` when it has no such file), read from the
    /// object database by id, whatever the working files say now.
    pub fn read_at(&self, commit: Oid, path: &str) -> Result<Option<Vec<u8>>, GitError> {
        let repo = self.repository("read")?;
        let fail = |error: git2::Error| GitError::from_git2("read", &error, None);
        let tree = repo
            .find_commit(commit)
            .and_then(|commit| commit.tree())
            .map_err(fail)?;
        let entry = match tree.get_path(Path::new(path)) {
            Ok(entry) => entry,
            Err(error) if error.code() == git2::ErrorCode::NotFound => return Ok(None),
            Err(error) => return Err(fail(error)),
        };
        let object = entry.to_object(&repo).map_err(fail)?;
        Ok(object.as_blob().map(|blob| blob.content().to_vec()))
    }

    /// Detaches HEAD at `commit` and makes the tree match it exactly: changed files restored,
    /// untracked and ignored files removed (anything a sandboxed run left behind).
    pub fn reset_to(&self, commit: Oid) -> Result<(), GitError> {
        let repo = self.repository("reset")?;
        let fail = |error: git2::Error| GitError::from_git2("reset", &error, None);
        let target = repo.find_commit(commit).map_err(fail)?;
        let target_tree = target.tree().map_err(fail)?;
        remove_symlinks_in_the_way(&self.path, &target_tree)?;
        let mut options = CheckoutBuilder::new();
        options.force().remove_untracked(true).remove_ignored(true);
        repo.checkout_tree(target.as_object(), Some(&mut options))
            .map_err(fail)?;
        repo.set_head_detached(commit).map_err(fail)?;
        // The index must match too, or the next diff would report the reset as a change.
        let mut index = repo.index().map_err(fail)?;
        index.read_tree(&target_tree).map_err(fail)?;
        index.write().map_err(fail)
    }

    /// Applies a unified diff made by [`WorkTree::diff_to_head`] to the working tree.
    pub fn apply(&self, diff: &str) -> Result<(), GitError> {
        if diff.trim().is_empty() {
            return Ok(());
        }
        let repo = self.repository("apply")?;
        // Read as every other diff is, so a header libgit2 cannot split alone still applies.
        let parsed = unified_diff::diff_from_text(diff, "apply")?;
        repo.apply(&parsed, ApplyLocation::WorkDir, None)
            .map_err(|error| GitError::from_git2("apply", &error, None))
    }

    /// Every change in the working tree against HEAD, new files included, as a unified diff
    /// that [`WorkTree::apply`] accepts.
    pub fn diff_to_head(&self) -> Result<String, GitError> {
        self.diff::<&str>(&[])
    }

    /// Like [`WorkTree::diff_to_head`], for the files at `paths` only (exact paths, so that
    /// what a test run left beside them, caches and build output, stays out).
    pub fn diff_paths_to_head<S: AsRef<str>>(&self, paths: &[S]) -> Result<String, GitError> {
        if paths.is_empty() {
            return Ok(String::new());
        }
        self.diff(paths)
    }

    fn diff<S: AsRef<str>>(&self, paths: &[S]) -> Result<String, GitError> {
        let repo = self.repository("diff")?;
        let fail = |error: git2::Error| GitError::from_git2("diff", &error, None);
        let head_tree = repo
            .head()
            .and_then(|head| head.peel_to_tree())
            .map_err(fail)?;
        let mut options = DiffOptions::new();
        options
            .include_untracked(true)
            .recurse_untracked_dirs(true)
            .show_untracked_content(true)
            .show_binary(true)
            .disable_pathspec_match(true);
        for path in paths {
            options.pathspec(path.as_ref());
        }
        let diff = repo
            .diff_tree_to_workdir_with_index(Some(&head_tree), Some(&mut options))
            .map_err(fail)?;
        let mut text = Vec::new();
        diff.print(DiffFormat::Patch, |_, _, line| {
            if matches!(line.origin(), '+' | '-' | ' ') {
                text.push(line.origin() as u8);
            }
            text.extend_from_slice(line.content());
            true
        })
        .map_err(fail)?;
        String::from_utf8(text).map_err(|_| GitError::Io {
            operation: "diff",
            source: std::io::Error::other("the diff is not valid UTF-8"),
        })
    }

    /// The lines HEAD changed since commit `base`, as `(path, first, last)` ranges on HEAD's
    /// side (1-based, inclusive), one per diff hunk. A hunk that only deletes names the line
    /// after the deletion; a deleted file is left out (nothing of it is on HEAD's side).
    pub fn changed_lines_since(&self, base: Oid) -> Result<Vec<(String, u32, u32)>, GitError> {
        let repo = self.repository("diff")?;
        let fail = |error: git2::Error| GitError::from_git2("diff", &error, None);
        let base_tree = repo
            .find_commit(base)
            .and_then(|commit| commit.tree())
            .map_err(fail)?;
        let head_tree = repo
            .head()
            .and_then(|head| head.peel_to_tree())
            .map_err(fail)?;
        let mut options = DiffOptions::new();
        options.context_lines(0);
        let diff = repo
            .diff_tree_to_tree(Some(&base_tree), Some(&head_tree), Some(&mut options))
            .map_err(fail)?;
        // Nothing of a deleted file is on HEAD's side.
        let ranges = unified_diff::files_of(&diff, "diff")?
            .into_iter()
            .filter(|file| file.change != FileChange::Deleted)
            .flat_map(|file| {
                let path = file.path().to_owned();
                file.hunks.into_iter().map(move |hunk| {
                    let first = hunk.new_start.max(1);
                    let last = first + hunk.new_lines.max(1) - 1;
                    (path.clone(), first, last)
                })
            })
            .collect();
        Ok(ranges)
    }

    /// Stages every change (new, modified and deleted files, honouring `.gitignore`) and
    /// commits it on HEAD as `identity`, at `seconds` since the epoch (UTC).
    pub fn commit_all_at(
        &self,
        message: &str,
        identity: &BotIdentity,
        seconds: i64,
    ) -> Result<Oid, GitError> {
        let signature = Signature::new(&identity.name, &identity.email, &Time::new(seconds, 0))
            .map_err(|error| GitError::from_git2("commit", &error, None))?;
        commit_all(&self.repository("commit")?, message, &signature)
    }

    /// Tracked files whose working copy differs from the index (changed, deleted, or of
    /// another type), sorted.
    pub fn changed_tracked_paths(&self) -> Result<Vec<String>, GitError> {
        let repo = self.repository("status")?;
        let fail = |error: git2::Error| GitError::from_git2("status", &error, None);
        let mut options = StatusOptions::new();
        options.include_untracked(false).include_ignored(false);
        let statuses = repo.statuses(Some(&mut options)).map_err(fail)?;
        let mut paths: Vec<String> = statuses
            .iter()
            .filter(|entry| {
                entry.status().intersects(
                    Status::WT_MODIFIED
                        | Status::WT_DELETED
                        | Status::WT_TYPECHANGE
                        | Status::WT_RENAMED,
                )
            })
            .map(|entry| entry.path().map(str::to_owned).map_err(fail))
            .collect::<Result<_, _>>()?;
        paths.sort();
        Ok(paths)
    }

    /// Ignores, for this clone only (`.git/info/exclude`), every path that is untracked and
    /// not ignored yet: what a setup command added to the tree (a virtualenv, installed
    /// packages, a build) then stays out of diffs, commits and the code index. Returns the
    /// paths added (an untracked directory as one `dir/` entry), sorted.
    pub fn exclude_untracked(&self) -> Result<Vec<String>, GitError> {
        let repo = self.repository("exclude")?;
        let fail = |error: git2::Error| GitError::from_git2("exclude", &error, None);
        let mut options = StatusOptions::new();
        options
            .include_untracked(true)
            .recurse_untracked_dirs(false)
            .include_ignored(false);
        let statuses = repo.statuses(Some(&mut options)).map_err(fail)?;
        let mut paths: Vec<String> = statuses
            .iter()
            .filter(|entry| entry.status().contains(Status::WT_NEW))
            .map(|entry| entry.path().map(str::to_owned).map_err(fail))
            .collect::<Result<_, _>>()?;
        paths.sort();
        if paths.is_empty() {
            return Ok(paths);
        }
        let exclude = repo.path().join("info").join("exclude");
        let io = |source: std::io::Error| GitError::Io {
            operation: "writing .git/info/exclude",
            source,
        };
        let mut text = match std::fs::read_to_string(&exclude) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(error) => return Err(io(error)),
        };
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        for path in &paths {
            // Anchored at the root, every pattern character taken literally.
            let mut pattern = String::from("/");
            for c in path.chars() {
                if matches!(c, '*' | '?' | '[' | ']' | '\\' | '!' | '#' | ' ') {
                    pattern.push('\\');
                }
                pattern.push(c);
            }
            if !text.lines().any(|line| line == pattern) {
                text.push_str(&pattern);
                text.push('\n');
            }
        }
        if let Some(parent) = exclude.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        std::fs::write(&exclude, text).map_err(io)?;
        Ok(paths)
    }

    fn repository(&self, operation: &'static str) -> Result<Repository, GitError> {
        Repository::open(&self.path).map_err(|error| GitError::from_git2(operation, &error, None))
    }
}

/// Removes every symlink in the working tree that stands where `tree` has a directory or a
/// file that is not a symlink. Sandboxed code can leave such a link (`src -> /etc`), and a
/// libgit2 checkout writes through it: the reset that follows would create and overwrite files
/// outside the tree, as whoever runs redgreen. Parents are looked at before their children, so
/// a path is only ever examined below real directories.
fn remove_symlinks_in_the_way(workdir: &Path, tree: &git2::Tree<'_>) -> Result<(), GitError> {
    let mut failure = None;
    let walked = tree.walk(git2::TreeWalkMode::PreOrder, |parent, entry| {
        // Names as bytes: a tree may hold names that are not UTF-8.
        let name = std::ffi::OsStr::from_bytes(entry.name_bytes());
        let path = workdir.join(parent).join(name);
        let Ok(metadata) = std::fs::symlink_metadata(&path) else {
            // Missing here: nothing below it exists either.
            return git2::TreeWalkResult::Skip;
        };
        let tracked_link = entry.filemode() == i32::from(git2::FileMode::Link);
        if metadata.file_type().is_symlink() && !tracked_link {
            tracing::warn!(path = %path.display(), "removing a symlink that replaced a tracked path");
            if let Err(source) = std::fs::remove_file(&path) {
                failure = Some(source);
                return git2::TreeWalkResult::Abort;
            }
            return git2::TreeWalkResult::Skip;
        }
        if metadata.is_dir() {
            git2::TreeWalkResult::Ok
        } else {
            git2::TreeWalkResult::Skip
        }
    });
    match (failure, walked) {
        (Some(source), _) => Err(GitError::Io {
            operation: "removing a symlink in the work tree",
            source,
        }),
        (None, Err(error)) => Err(GitError::from_git2("reset", &error, None)),
        (None, Ok(())) => Ok(()),
    }
}

/// Stages everything and commits it on HEAD with `signature` as author and committer.
pub(crate) fn commit_all(
    repo: &Repository,
    message: &str,
    signature: &Signature<'_>,
) -> Result<Oid, GitError> {
    let fail = |error: git2::Error| GitError::from_git2("commit", &error, None);
    let mut index = repo.index().map_err(fail)?;
    index
        .add_all(["*"], IndexAddOption::DEFAULT, None)
        .map_err(fail)?;
    // `add_all` does not stage deletions.
    index.update_all(["*"], None).map_err(fail)?;
    index.write().map_err(fail)?;
    let tree = repo
        .find_tree(index.write_tree().map_err(fail)?)
        .map_err(fail)?;
    let parent = repo
        .head()
        .and_then(|head| head.peel_to_commit())
        .map_err(fail)?;
    if parent.tree_id() == tree.id() {
        return Err(GitError::NothingToCommit);
    }
    let commit = repo
        .commit(
            Some("HEAD"),
            signature,
            signature,
            message,
            &tree,
            &[&parent],
        )
        .map_err(fail)?;
    tracing::info!(workspace = ?repo.workdir(), %commit, "committed");
    Ok(commit)
}
