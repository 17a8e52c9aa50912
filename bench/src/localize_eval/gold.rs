//! The gold locations of a SWE-bench instance: the files its `patch` touches and the
//! functions it changes, read from the unified diff and the definitions at `base_commit`.

use redgreen_git::{FileChange, FileDiff, GitError, LineKind, parse_unified_diff};
use redgreen_indexer::{ParsedFile, Symbol};
use serde::Serialize;

/// What the patch does to one file.
#[derive(Debug, PartialEq)]
pub struct FilePatch {
    /// The path after the patch (`b/` side), or the path a deleted file had, relative to the
    /// repository root.
    pub path: String,
    /// The patch creates the file, so it has no definitions at `base_commit`.
    pub added: bool,
    /// Lines at `base_commit` that the patch removes or replaces, plus, for a pure
    /// insertion, the line just above it (the insertion lands in that line's definition).
    pub changed_lines: Vec<u32>,
    /// The enclosing definition git printed after each hunk header (`@@ … @@ def name(`).
    pub hunk_functions: Vec<String>,
}

/// One gold function: its qualified name when found in the parsed definitions, else the bare
/// name from a hunk header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GoldFunction {
    pub path: String,
    pub name: String,
    pub from_hunk_header: bool,
}

impl GoldFunction {
    /// Whether a predicted definition (`path`, qualified `name`) is this one; a hunk header
    /// only gives the bare name, so that is compared with the prediction's last segment.
    pub fn matches(&self, path: &str, name: &str) -> bool {
        path == self.path
            && (name == self.name || (self.from_hunk_header && last_segment(name) == self.name))
    }
}

pub fn last_segment(name: &str) -> &str {
    name.rsplit(['.', ':']).next().unwrap_or(name)
}

/// Splits a unified diff (`git diff` output) into per-file changes, read by `redgreen-git`'s
/// diff parser.
pub fn parse_patch(patch: &str) -> Result<Vec<FilePatch>, GitError> {
    Ok(parse_unified_diff(patch)?.iter().map(file_patch).collect())
}

fn file_patch(file: &FileDiff) -> FilePatch {
    let mut changed_lines = Vec::new();
    let mut hunk_functions = Vec::new();
    for hunk in &file.hunks {
        if let Some(name) = defined_name(&hunk.section)
            && !hunk_functions.contains(&name)
        {
            hunk_functions.push(name);
        }
        // The old side's next line: an added line lands just above it.
        let mut next_old = hunk.old_start;
        for line in &hunk.lines {
            match (line.kind, line.old_line) {
                (LineKind::Added, _) => {
                    if next_old > 1 {
                        changed_lines.push(next_old - 1);
                    }
                }
                (kind, Some(old)) => {
                    if kind == LineKind::Removed {
                        changed_lines.push(old);
                    }
                    next_old = old + 1;
                }
                (_, None) => {}
            }
        }
    }
    changed_lines.sort_unstable();
    changed_lines.dedup();
    FilePatch {
        path: file.path().to_owned(),
        added: file.change == FileChange::Added,
        changed_lines,
        hunk_functions,
    }
}

/// The name defined by a hunk header's context line (`def name(`, `class Name:`, `fn name`).
fn defined_name(context: &str) -> Option<String> {
    let mut words = context.split_whitespace();
    while let Some(word) = words.next() {
        if matches!(word, "def" | "class" | "fn" | "func" | "function") {
            let name: String = words
                .next()?
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            return (!name.is_empty()).then_some(name);
        }
    }
    None
}

/// The gold functions of one file: the innermost definition around each changed line at
/// `base_commit`, then the hunk-header names not already among them.
pub fn functions(file: &FilePatch, parsed: Option<&ParsedFile>) -> Vec<GoldFunction> {
    let mut gold: Vec<GoldFunction> = Vec::new();
    let symbols: &[Symbol] = parsed.map_or(&[], |p| &p.symbols);
    for &line in &file.changed_lines {
        let innermost = symbols
            .iter()
            .filter(|s| s.start_line <= line && line <= s.end_line)
            .min_by_key(|s| s.end_line - s.start_line);
        if let Some(symbol) = innermost
            && !gold.iter().any(|g| g.name == symbol.qualified_name)
        {
            gold.push(GoldFunction {
                path: file.path.clone(),
                name: symbol.qualified_name.clone(),
                from_hunk_header: false,
            });
        }
    }
    for name in &file.hunk_functions {
        if !gold.iter().any(|g| last_segment(&g.name) == name) {
            gold.push(GoldFunction {
                path: file.path.clone(),
                name: name.clone(),
                from_hunk_header: true,
            });
        }
    }
    gold
}
