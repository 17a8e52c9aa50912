//! The changes of a git work tree against its `HEAD`, as [`FileChange`]s for the guards.

use std::collections::BTreeSet;
use std::path::Path;

use git2::{Repository, StatusOptions};

use super::FileChange;
use crate::error::ToolError;
use crate::workspace::{Workspace, WriteScope};

/// The changes of the work tree at `root` against `HEAD`, for `paths` (repository-relative),
/// or for every path git reports as changed (untracked files included, ignored ones not) when
/// `paths` is empty. Paths unchanged against `HEAD` are left out; a symbolic link in the work
/// tree counts as absent (the tools never write one).
pub fn working_tree_changes(
    root: &Path,
    paths: &BTreeSet<String>,
) -> Result<Vec<FileChange>, ToolError> {
    let repo = Repository::open(root)?;
    // Only for its confinement: the guards read, never write.
    let workspace = Workspace::open(root, WriteScope::default())?;
    let head_tree = match repo.head() {
        Ok(head) => Some(head.peel_to_tree()?),
        // A repository without a commit yet: everything is new.
        Err(error) if error.code() == git2::ErrorCode::UnbornBranch => None,
        Err(error) => return Err(error.into()),
    };
    let selected: BTreeSet<String> = if paths.is_empty() {
        changed_paths(&repo)?
    } else {
        paths.clone()
    };
    let mut changes = Vec::new();
    for path in selected {
        let before = match &head_tree {
            Some(tree) => match tree.get_path(Path::new(&path)) {
                Ok(entry) => {
                    let object = entry.to_object(&repo)?;
                    object
                        .as_blob()
                        .map(|blob| String::from_utf8_lossy(blob.content()).into_owned())
                }
                Err(error) if error.code() == git2::ErrorCode::NotFound => None,
                Err(error) => return Err(error.into()),
            },
            None => None,
        };
        // A symlink on the way (`tests -> /etc`, left by sandboxed code) makes the file
        // absent: nothing outside the tree is ever read for the guards.
        let full = root.join(&path);
        let after = match std::fs::symlink_metadata(&full) {
            _ if workspace.check_path(&path).is_err() => None,
            Ok(metadata) if metadata.is_file() => Some(
                std::fs::read(&full)
                    .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
                    .map_err(|source| ToolError::io("reading", &path, source))?,
            ),
            Ok(_) => None,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => return Err(ToolError::io("inspecting", &path, source)),
        };
        if before != after {
            changes.push(FileChange {
                path,
                before,
                after,
            });
        }
    }
    Ok(changes)
}

fn changed_paths(repo: &Repository) -> Result<BTreeSet<String>, ToolError> {
    let mut options = StatusOptions::new();
    options
        .include_untracked(true)
        .recurse_untracked_dirs(true)
        .include_ignored(false)
        .renames_head_to_index(false);
    let statuses = repo.statuses(Some(&mut options))?;
    Ok(statuses
        .iter()
        .filter_map(|entry| entry.path().ok().map(str::to_owned))
        .collect())
}
