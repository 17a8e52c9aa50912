//! The gold locations of a SWE-bench instance: the files its `patch` touches and the
//! functions it changes, read from the unified diff and the definitions at `base_commit`.

use redgreen_indexer::{ParsedFile, Symbol};
use serde::Serialize;

/// What the patch does to one file.
#[derive(Debug, Default, PartialEq)]
pub struct FilePatch {
    /// The path after the patch (`b/` side), relative to the repository root.
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

/// Splits a unified diff (`git diff` output) into per-file changes.
pub fn parse_patch(patch: &str) -> Vec<FilePatch> {
    let mut files: Vec<FilePatch> = Vec::new();
    // Lines still expected in the current hunk (old side, new side) and the next old line.
    let (mut old_left, mut new_left, mut old_line) = (0u32, 0u32, 0u32);
    for line in patch.lines() {
        let Some(file) = files.last_mut().filter(|_| old_left + new_left > 0) else {
            if let Some(header) = line.strip_prefix("diff --git ") {
                let path = header
                    .rsplit_once(" b/")
                    .map_or(header, |(_, b)| b)
                    .to_owned();
                files.push(FilePatch {
                    path,
                    ..FilePatch::default()
                });
            } else if line.starts_with("new file mode") {
                if let Some(file) = files.last_mut() {
                    file.added = true;
                }
            } else if let Some(hunk) = line.strip_prefix("@@ -") {
                let Some((ranges, context)) = hunk.split_once(" @@") else {
                    continue;
                };
                let mut sides = ranges.split(" +");
                let (start, old_count) = range(sides.next().unwrap_or(""));
                let (_, new_count) = range(sides.next().unwrap_or(""));
                (old_left, new_left, old_line) = (old_count, new_count, start);
                if let Some(file) = files.last_mut()
                    && let Some(name) = defined_name(context)
                    && !file.hunk_functions.contains(&name)
                {
                    file.hunk_functions.push(name);
                }
            }
            continue;
        };
        match line.as_bytes().first() {
            Some(b'-') => {
                file.changed_lines.push(old_line);
                old_line += 1;
                old_left = old_left.saturating_sub(1);
            }
            Some(b'+') => {
                if old_line > 1 {
                    file.changed_lines.push(old_line - 1);
                }
                new_left = new_left.saturating_sub(1);
            }
            Some(b'\\') => {}
            _ => {
                old_line += 1;
                old_left = old_left.saturating_sub(1);
                new_left = new_left.saturating_sub(1);
            }
        }
    }
    for file in &mut files {
        file.changed_lines.sort_unstable();
        file.changed_lines.dedup();
    }
    files
}

/// `12,5` → (12, 5); `12` → (12, 1), as in unified diff hunk headers.
fn range(text: &str) -> (u32, u32) {
    let (start, count) = text.split_once(',').unwrap_or((text, "1"));
    (start.parse().unwrap_or(0), count.parse().unwrap_or(0))
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
