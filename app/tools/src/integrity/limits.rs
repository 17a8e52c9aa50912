//! The repository's diff-size limit (`max_diff_lines`): lines added plus lines removed over
//! every changed file.

use flickzeug::Line;

use super::FileChange;
use crate::error::ToolError;

/// The size of a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DiffStats {
    pub files: u64,
    pub added: u64,
    pub removed: u64,
}

impl DiffStats {
    /// Lines added plus lines removed.
    pub fn lines(&self) -> u64 {
        self.added + self.removed
    }
}

/// Measures `changes` and refuses them when they change more than `max_diff_lines` lines.
pub fn diff_limits(changes: &[FileChange], max_diff_lines: u64) -> Result<DiffStats, ToolError> {
    let mut stats = DiffStats::default();
    for change in changes {
        let before = change.before.as_deref().unwrap_or_default();
        let after = change.after.as_deref().unwrap_or_default();
        if change.before == change.after {
            continue;
        }
        let (added, removed) = line_changes(before, after);
        stats.files += 1;
        stats.added += added;
        stats.removed += removed;
    }
    if stats.lines() > max_diff_lines {
        return Err(ToolError::DiffTooLarge {
            lines: stats.lines(),
            added: stats.added,
            removed: stats.removed,
            files: stats.files,
            max: max_diff_lines,
        });
    }
    Ok(stats)
}

/// Lines added and removed between two texts (Myers' diff, as `git diff` counts them).
pub(crate) fn line_changes(before: &str, after: &str) -> (u64, u64) {
    let patch = flickzeug::create_patch(before, after);
    let mut added = 0;
    let mut removed = 0;
    for hunk in patch.hunks() {
        for line in hunk.lines() {
            match line {
                Line::Insert(_) => added += 1,
                Line::Delete(_) => removed += 1,
                Line::Context(_) => {}
            }
        }
    }
    (added, removed)
}
