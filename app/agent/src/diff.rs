//! What a stored diff touches, read with `redgreen-git`'s one unified-diff parser.

use std::collections::BTreeSet;

/// The files a unified diff touches: each file's path, and both paths of a rename.
pub(crate) fn changed_paths(diff: &str) -> Result<BTreeSet<String>, redgreen_git::GitError> {
    Ok(redgreen_git::parse_unified_diff(diff)?
        .iter()
        .flat_map(|file| file.paths().map(str::to_owned))
        .collect())
}
