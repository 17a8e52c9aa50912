//! The one reading of unified diffs in redgreen: which files a diff touches, how, and which
//! lines, for the diffs a run stores ([`WorkTree::diff_to_head`](crate::WorkTree::diff_to_head))
//! and for `git diff` output from elsewhere (benchmark gold patches).
//!
//! libgit2 parses the text (`git_diff_from_buffer`), so quoted paths, renames, mode changes and
//! binary markers are read as git writes them. What libgit2 cannot read on its own is fixed here,
//! before parsing, and nowhere else: see [`disambiguate_headers`].

use std::borrow::Cow;

use git2::{Delta, Diff, Patch};

use crate::GitError;

/// What a diff does to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileChange {
    Added,
    Deleted,
    /// Content or mode changed in place (a type change counts too).
    Modified,
    Renamed,
    Copied,
}

/// One file's part of a unified diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDiff {
    /// The path before the change, relative to the repository root; `None` for an added file.
    pub old_path: Option<String>,
    /// The path after the change; `None` for a deleted file.
    pub new_path: Option<String>,
    pub change: FileChange,
    /// A binary change (`GIT binary patch` or `Binary files … differ`): no hunks, no lines.
    pub binary: bool,
    /// Lines added and removed, over all hunks.
    pub added: u32,
    pub removed: u32,
    pub hunks: Vec<Hunk>,
}

/// One `@@ -old_start,old_lines +new_start,new_lines @@ section` hunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hunk {
    pub old_start: u32,
    pub old_lines: u32,
    pub new_start: u32,
    pub new_lines: u32,
    /// What git printed after the second `@@`, trimmed: usually the enclosing definition
    /// (`def name(`, `class Name:`); empty when there is none.
    pub section: String,
    /// The hunk's lines in order (`\ No newline at end of file` markers left out).
    pub lines: Vec<HunkLine>,
}

/// One line of a hunk, with its number on each side it is on (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HunkLine {
    pub kind: LineKind,
    /// Set for context and removed lines.
    pub old_line: Option<u32>,
    /// Set for context and added lines.
    pub new_line: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    Context,
    Added,
    Removed,
}

impl FileDiff {
    /// The file's path as the change leaves it, or, for a deletion, the path it had.
    pub fn path(&self) -> &str {
        self.new_path
            .as_deref()
            .or(self.old_path.as_deref())
            .unwrap_or_default()
    }

    /// Every path the change touches: both sides of a rename or copy, one otherwise.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        let old = self.old_path.as_deref();
        let new = self.new_path.as_deref().filter(|new| Some(*new) != old);
        old.into_iter().chain(new)
    }
}

impl Hunk {
    /// The new side's lines as `(first, last)` (1-based, inclusive); `None` for a hunk that
    /// only deletes.
    pub fn new_range(&self) -> Option<(u32, u32)> {
        (self.new_start > 0 && self.new_lines > 0)
            .then(|| (self.new_start, self.new_start + self.new_lines - 1))
    }
}

/// Reads a unified diff in git's format (`diff --git` headers), one [`FileDiff`] per file in
/// the order the diff has them. Empty text is an empty diff.
///
/// Paths are decoded from git's quoting; a path whose bytes are not UTF-8 is read lossily.
pub fn parse_unified_diff(text: &str) -> Result<Vec<FileDiff>, GitError> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let diff = diff_from_text(text, "parse diff")?;
    files_of(&diff, "parse diff")
}

/// libgit2's parse of `text`, after [`disambiguate_headers`].
pub(crate) fn diff_from_text(
    text: &str,
    operation: &'static str,
) -> Result<Diff<'static>, GitError> {
    let text = disambiguate_headers(text);
    Diff::from_buffer(text.as_bytes()).map_err(|error| GitError::from_git2(operation, &error, None))
}

/// The files of a libgit2 diff, parsed from text or computed between trees.
pub(crate) fn files_of(
    diff: &Diff<'_>,
    operation: &'static str,
) -> Result<Vec<FileDiff>, GitError> {
    let fail = |error: git2::Error| GitError::from_git2(operation, &error, None);
    let mut files = Vec::new();
    for index in 0..diff.deltas().len() {
        // A tree-to-tree diff makes no patch for an unchanged or binary file; its delta still
        // says what happened to the file.
        let patch = Patch::from_diff(diff, index).map_err(fail)?;
        let delta = match &patch {
            Some(patch) => patch.delta(),
            None => match diff.get_delta(index) {
                Some(delta) => delta,
                None => continue,
            },
        };
        let change = match delta.status() {
            Delta::Added => FileChange::Added,
            Delta::Deleted => FileChange::Deleted,
            Delta::Renamed => FileChange::Renamed,
            Delta::Copied => FileChange::Copied,
            _ => FileChange::Modified,
        };
        let path = |file: git2::DiffFile<'_>| {
            file.path_bytes()
                .map(|bytes| String::from_utf8_lossy(bytes).into_owned())
        };
        let old_path = path(delta.old_file()).filter(|_| change != FileChange::Added);
        let new_path = path(delta.new_file()).filter(|_| change != FileChange::Deleted);
        let binary = delta.flags().is_binary();
        let mut file = FileDiff {
            old_path,
            new_path,
            change,
            binary,
            added: 0,
            removed: 0,
            hunks: Vec::new(),
        };
        if let Some(patch) = &patch {
            for hunk_index in 0..patch.num_hunks() {
                let (hunk, line_count) = patch.hunk(hunk_index).map_err(fail)?;
                let mut lines = Vec::with_capacity(line_count);
                for line_index in 0..line_count {
                    let line = patch.line_in_hunk(hunk_index, line_index).map_err(fail)?;
                    let kind = match line.origin() {
                        '+' => LineKind::Added,
                        '-' => LineKind::Removed,
                        ' ' => LineKind::Context,
                        // End-of-file newline markers.
                        _ => continue,
                    };
                    match kind {
                        LineKind::Added => file.added += 1,
                        LineKind::Removed => file.removed += 1,
                        LineKind::Context => {}
                    }
                    lines.push(HunkLine {
                        kind,
                        old_line: line.old_lineno(),
                        new_line: line.new_lineno(),
                    });
                }
                file.hunks.push(Hunk {
                    old_start: hunk.old_start(),
                    old_lines: hunk.old_lines(),
                    new_start: hunk.new_start(),
                    new_lines: hunk.new_lines(),
                    section: section(hunk.header()),
                    lines,
                });
            }
        }
        files.push(file);
    }
    Ok(files)
}

/// The text after a hunk header's second `@@`.
fn section(header: &[u8]) -> String {
    let header = String::from_utf8_lossy(header);
    header
        .strip_prefix("@@")
        .and_then(|rest| rest.split_once("@@"))
        .map(|(_, section)| section.trim().to_owned())
        .unwrap_or_default()
}

/// Quotes, git's way, the unquoted paths with spaces in header lines, which libgit2 cannot
/// read on its own; every other line is left as it is.
///
/// git quotes a path only for control characters, quotes, backslashes and non-ASCII bytes,
/// not for spaces. libgit2 reads a header path only up to the first space, so:
/// - `rename from a b.txt` (and `rename to`, `copy from`, `copy to`) fails with "trailing
///   data". These lines hold one literal path to the end of the line: quoting it is exact.
/// - `diff --git a/x b/y b/x b/y` is ambiguous, and libgit2 gives up on its paths and relies
///   on the `---`/`+++` lines; but a binary change, an empty new file and a mode change have
///   none, and then it fails ("git diff header lacks old / new paths"). Outside renames and
///   copies (whose own lines name both paths) both halves name the same path, which is how git
///   itself splits such a header: at the space where the halves, each without its
///   one-component prefix, are equal. A header no such space splits is left as it is.
fn disambiguate_headers(text: &str) -> Cow<'_, str> {
    if !text.lines().any(|line| rewritten(line).is_some()) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 64);
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        match rewritten(body) {
            Some(rewritten) => {
                out.push_str(&rewritten);
                out.push_str(&line[body.len()..]);
            }
            None => out.push_str(line),
        }
    }
    Cow::Owned(out)
}

/// The header `line` (without its line ending) with its paths quoted, if it needs that.
fn rewritten(line: &str) -> Option<String> {
    // Lines of a hunk start with ' ', '+', '-' or '\\', and lines of a binary patch with a
    // length letter followed by base85 (no spaces), so none of them matches these prefixes.
    const ONE_PATH: [&str; 6] = [
        "rename from ",
        "rename to ",
        "rename old ",
        "rename new ",
        "copy from ",
        "copy to ",
    ];
    let needs_quotes = |path: &str| !path.starts_with('"') && path.contains(char::is_whitespace);
    if let Some(rest) = line.strip_prefix("diff --git ") {
        if !needs_quotes(rest) || rest.matches(' ').count() < 2 {
            return None;
        }
        let (old, new) = same_path_split(rest)?;
        return Some(format!("diff --git {} {}", quoted(old), quoted(new)));
    }
    ONE_PATH.iter().find_map(|prefix| {
        let path = line
            .strip_prefix(prefix)
            .filter(|path| needs_quotes(path))?;
        Some(format!("{prefix}{}", quoted(path)))
    })
}

/// `a/P b/P` split into `("a/P", "b/P")`, for any one-component prefixes.
fn same_path_split(rest: &str) -> Option<(&str, &str)> {
    let unprefixed = |side: &str| side.split_once('/').map(|(_, path)| path.to_owned());
    rest.match_indices(' ').find_map(|(at, _)| {
        let (old, new) = (&rest[..at], &rest[at + 1..]);
        let path = unprefixed(old)?;
        (!path.is_empty() && unprefixed(new).as_deref() == Some(path.as_str()))
            .then_some((old, new))
    })
}

/// `path` in git's double quotes. An unquoted path in a header can hold neither `"` nor `\`
/// (git would have quoted it), but they are escaped all the same.
fn quoted(path: &str) -> String {
    let mut quoted = String::with_capacity(path.len() + 2);
    quoted.push('"');
    for c in path.chars() {
        if matches!(c, '"' | '\\') {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    quoted
}
