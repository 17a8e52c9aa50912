//! Applying a model's unified diff to one file. Models get line numbers and hunk lengths
//! wrong, so hunks are recounted from their bodies and placed by their content (flickzeug:
//! offset search, then up to two lines of fuzzy context, like GNU patch). When a hunk does
//! not apply, the error says which hunk, what it expected, and the nearest place it looked.

use std::collections::HashMap;
use std::sync::LazyLock;

use flickzeug::{
    ApplyConfig, Diff, FuzzyConfig, Hunk, HunkRangeStrategy, Line, ParserConfig,
    patch_from_str_with_config,
};
use regex::Regex;

use crate::error::ToolError;

/// Lines of a hunk or of the file shown in an error.
const MAX_SHOWN_LINES: usize = 30;

/// A hunk header as `diff -u` writes it.
static HUNK_HEADER: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@(.*)$").ok());

fn parser_config() -> ParserConfig {
    ParserConfig {
        // `normalize` has recounted every hunk from its body.
        hunk_strategy: HunkRangeStrategy::Ignore,
        // Invented line numbers can make hunks look out of order; their content places them.
        skip_order_check: true,
        ..ParserConfig::default()
    }
}

/// Applies `diff` to `before` (`None`: the file does not exist yet) and returns the new text.
pub(crate) fn apply(path: &str, before: Option<&str>, diff: &str) -> Result<String, ToolError> {
    let text = normalize(path, before.is_none(), diff);
    let diffs = patch_from_str_with_config(&text, parser_config()).map_err(|error| {
        ToolError::PatchRejected(format!(
            "the unified diff for `{path}` cannot be parsed: {error}. Hunks start with \
             `@@ -<old line>,<count> +<new line>,<count> @@`, then lines starting with ' ' \
             (context), '-' (removed) or '+' (added)."
        ))
    })?;
    let [diff] = diffs.as_slice() else {
        return Err(ToolError::PatchRejected(format!(
            "the diff changes {} files; code_patch changes one file per call (`{path}`)",
            diffs.len()
        )));
    };
    if let Some(named) = named_file(diff)
        && named != path
    {
        return Err(ToolError::PatchRejected(format!(
            "the diff is for `{named}` but file_path is `{path}`; send one call per file"
        )));
    }
    if diff.hunks().is_empty() {
        return Err(ToolError::PatchRejected(format!(
            "the diff for `{path}` has no hunk; hunks start with `@@ -<line>,<count> +<line>,<count> @@`"
        )));
    }
    let base = match before {
        Some(base) => base,
        None if creates_file(diff) => "",
        None => {
            return Err(ToolError::PatchRejected(format!(
                "`{path}` does not exist; to create it, send its `content`, or a diff from \
                 `/dev/null`"
            )));
        }
    };
    apply_checked(base, diff)
        .ok_or_else(|| ToolError::PatchRejected(explain_failure(path, base, diff)))
}

/// Applies with exact lines first (placed by content, anywhere in the file), then with up to
/// two lines of inexact context. flickzeug's fuzzy match also accepts removed lines that are
/// only similar; a fuzzy result is kept only if every line it removed is one the diff removes
/// (ignoring whitespace), so a fuzzy match never deletes code the model did not name.
fn apply_checked(base: &str, diff: &Diff<'_, str>) -> Option<String> {
    let exact = ApplyConfig {
        fuzzy_config: FuzzyConfig {
            max_fuzz: 0,
            ..FuzzyConfig::default()
        },
        ..ApplyConfig::default()
    };
    if let Ok((patched, _)) = flickzeug::apply_with_config(base, diff, &exact) {
        return Some(patched);
    }
    let (patched, _) = flickzeug::apply_with_config(base, diff, &ApplyConfig::default()).ok()?;
    removes_only_named_lines(base, &patched, diff).then_some(patched)
}

fn removes_only_named_lines(base: &str, patched: &str, diff: &Diff<'_, str>) -> bool {
    let squash = |line: &str| line.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut named: HashMap<String, usize> = HashMap::new();
    for hunk in diff.hunks() {
        for line in hunk.lines() {
            if let Line::Delete((text, _)) = line {
                *named.entry(squash(text)).or_default() += 1;
            }
        }
    }
    let actual = flickzeug::create_patch(base, patched);
    for hunk in actual.hunks() {
        for line in hunk.lines() {
            if let Line::Delete((text, _)) = line {
                match named.get_mut(&squash(text)) {
                    Some(count) if *count > 0 => *count -= 1,
                    _ => return false,
                }
            }
        }
    }
    true
}

/// Adds the file header a bare list of hunks lacks and rewrites every hunk header with the
/// counts of its body (models miscount, and leave out the numbers: `@@ @@`), keeping the stated
/// start lines as hints. An empty line inside a hunk is an empty context line.
fn normalize(path: &str, creating: bool, diff: &str) -> String {
    let lines: Vec<&str> = diff.trim_end_matches(['\n', '\r']).lines().collect();
    let mut text = String::new();
    let has_header = lines
        .iter()
        .take_while(|line| !line.starts_with("@@"))
        .any(|line| line.starts_with("--- "));
    if !has_header {
        let old = if creating {
            "/dev/null".to_owned()
        } else {
            format!("a/{path}")
        };
        text.push_str(&format!("--- {old}\n+++ b/{path}\n"));
    }
    let starts_file = |index: usize| {
        lines[index].starts_with("diff --git ")
            || lines[index].starts_with("--- ")
                && lines
                    .get(index + 1)
                    .is_some_and(|next| next.starts_with("+++ "))
    };
    let mut index = 0;
    while index < lines.len() {
        let line = lines[index];
        if !line.starts_with("@@") {
            text.push_str(line);
            text.push('\n');
            index += 1;
            continue;
        }
        let mut end = index + 1;
        while end < lines.len() && !lines[end].starts_with("@@") && !starts_file(end) {
            end += 1;
        }
        let body = &lines[index + 1..end];
        let (mut old, mut new) = (0usize, 0usize);
        for body_line in body {
            match body_line.as_bytes().first() {
                Some(b'+') => new += 1,
                Some(b'-') => old += 1,
                Some(b'\\') => {}
                _ => {
                    old += 1;
                    new += 1;
                }
            }
        }
        let stated = HUNK_HEADER
            .as_ref()
            .and_then(|header| header.captures(line));
        let start = |group: usize| {
            stated
                .as_ref()
                .and_then(|c| c.get(group))
                .and_then(|m| m.as_str().parse::<usize>().ok())
        };
        let old_start = if old == 0 {
            start(1).unwrap_or(0)
        } else {
            start(1).unwrap_or(1).max(1)
        };
        let new_start = if new == 0 {
            start(2).unwrap_or(0)
        } else {
            start(2).unwrap_or(1).max(1)
        };
        let section = stated
            .as_ref()
            .and_then(|c| c.get(3))
            .map_or("", |m| m.as_str());
        text.push_str(&format!(
            "@@ -{old_start},{old} +{new_start},{new} @@{section}\n"
        ));
        for body_line in body {
            text.push_str(if body_line.is_empty() { " " } else { body_line });
            text.push('\n');
        }
        index = end;
    }
    text
}

/// The path the diff's header names, without `a/`/`b/` (flickzeug strips them).
fn named_file(diff: &Diff<'_, str>) -> Option<String> {
    [diff.modified(), diff.original()]
        .into_iter()
        .flatten()
        .map(|name| name.trim())
        .find(|name| *name != "/dev/null" && !name.is_empty())
        .map(str::to_owned)
}

fn creates_file(diff: &Diff<'_, str>) -> bool {
    diff.original().is_some_and(|o| o.trim() == "/dev/null")
        || diff.hunks().iter().all(|hunk| {
            hunk.lines()
                .iter()
                .all(|line| matches!(line, Line::Insert(_)))
        })
}

/// Finds the first hunk that does not apply (applying them one by one) and describes it.
fn explain_failure(path: &str, base: &str, diff: &Diff<'_, str>) -> String {
    let hunks = diff.hunks();
    let mut current = base.to_owned();
    for (index, hunk) in hunks.iter().enumerate() {
        let single = format!("--- a/{path}\n+++ b/{path}\n{hunk}");
        let applied = patch_from_str_with_config(&single, parser_config())
            .ok()
            .and_then(|diffs| diffs.into_iter().next())
            .and_then(|d| apply_checked(&current, &d));
        match applied {
            Some(next) => current = next,
            None => return describe(path, &current, hunk, index, hunks.len()),
        }
    }
    // Each hunk applies alone but not together (they overlap): say so.
    format!(
        "the hunks of the diff for `{path}` apply one by one but not together (they overlap \
         or repeat the same change); send one hunk per changed region"
    )
}

fn describe(path: &str, text: &str, hunk: &Hunk<'_, str>, index: usize, count: usize) -> String {
    let expected: Vec<(char, &str)> = hunk
        .lines()
        .iter()
        .filter_map(|line| match line {
            Line::Context((l, _)) => Some((' ', *l)),
            Line::Delete((l, _)) => Some(('-', *l)),
            Line::Insert(_) => None,
        })
        .collect();
    let old = hunk.old_range();
    let mut message = format!(
        "hunk {} of {count} (`@@ -{},{} @@`) does not apply to `{path}`: these lines (context \
         ' ' and removed '-') were not found, even allowing for shifted line numbers and up to \
         two lines of inexact context:\n",
        index + 1,
        old.start(),
        old.len(),
    );
    for (marker, line) in expected.iter().take(MAX_SHOWN_LINES) {
        message.push_str(&format!("{marker}{line}\n"));
    }
    if expected.len() > MAX_SHOWN_LINES {
        message.push_str(&format!(
            "... ({} more lines)\n",
            expected.len() - MAX_SHOWN_LINES
        ));
    }
    let file: Vec<&str> = text.lines().collect();
    let wanted: Vec<&str> = expected.iter().map(|(_, l)| *l).collect();
    match nearest(&file, &wanted, old.start()) {
        Some((start, matching)) => {
            let end = (start + wanted.len()).min(file.len());
            message.push_str(&format!(
                "The nearest place is lines {}-{} ({matching} of {} lines match), where `{path}` reads:\n",
                start + 1,
                end,
                wanted.len(),
            ));
            for (offset, line) in file[start..end].iter().take(MAX_SHOWN_LINES).enumerate() {
                message.push_str(&format!("{:>5}| {line}\n", start + offset + 1));
            }
        }
        None => message.push_str(&format!("No line of this hunk occurs in `{path}`.\n")),
    }
    message.push_str(
        "Read the file again (read_file with start_line/end_line) and send a diff against its \
         current text, or use `edits` with exact old_text.",
    );
    message
}

/// The window of the file most like `wanted`: the most lines equal (compared trimmed), or,
/// when no line is equal, the highest similarity (Levenshtein) over the windows whose first
/// line is most like the hunk's first; nearest the hunk's stated start on ties. Returns the
/// window's start and how many of its lines are equal. `None` for an empty file.
fn nearest(file: &[&str], wanted: &[&str], stated_start: usize) -> Option<(usize, usize)> {
    if wanted.is_empty() || file.is_empty() {
        return None;
    }
    let window = wanted.len().min(file.len());
    let stated = stated_start.saturating_sub(1);
    let starts = 0..=file.len() - window;
    let equal = |start: usize| {
        wanted
            .iter()
            .zip(&file[start..start + window])
            .filter(|(w, f)| w.trim() == f.trim())
            .count()
    };
    let closer = |a: usize, b: usize| a.abs_diff(stated) < b.abs_diff(stated);
    let mut best: Option<(usize, usize)> = None;
    for start in starts.clone() {
        let matching = equal(start);
        let better = match best {
            None => matching > 0,
            Some((at, most)) => matching > most || matching == most && closer(start, at),
        };
        if better {
            best = Some((start, matching));
        }
    }
    if best.is_some() {
        return best;
    }
    // No equal line: rank windows by the similarity of their first line, then compare the
    // best few whole (Levenshtein on every window would cost too much on a large file).
    let similarity = |a: &str, b: &str| strsim::normalized_levenshtein(a.trim(), b.trim());
    let mut candidates: Vec<(usize, f64)> = starts
        .map(|start| (start, similarity(wanted[0], file[start])))
        .collect();
    candidates.sort_by(|a, b| b.1.total_cmp(&a.1));
    candidates
        .into_iter()
        .take(8)
        .map(|(start, _)| {
            let score: f64 = wanted
                .iter()
                .zip(&file[start..start + window])
                .map(|(w, f)| similarity(w, f))
                .sum();
            (start, score)
        })
        .max_by(|a, b| {
            a.1.total_cmp(&b.1)
                .then_with(|| b.0.abs_diff(stated).cmp(&a.0.abs_diff(stated)))
        })
        .map(|(start, _)| (start, 0))
}
