//! `read_file`: whole files or line ranges, as text, under a size cap.

use crate::contract::{ReadFileInput, ReadFileOutput};
use crate::error::ToolError;
use crate::workspace::Workspace;

/// How far into a file to look for a NUL byte when deciding it is binary (git's heuristic).
const BINARY_PROBE_BYTES: usize = 8000;

/// Reads the lines asked for, stopping before `max_bytes` of content (always at least one
/// line, cut at the cap if it alone is longer).
pub(crate) fn read_file(
    workspace: &Workspace,
    input: &ReadFileInput,
    max_bytes: usize,
) -> Result<ReadFileOutput, ToolError> {
    let path = workspace.check_path(&input.path)?;
    let bytes = workspace
        .read(&path)?
        .ok_or_else(|| ToolError::NotFound { path: path.clone() })?;
    if bytes[..bytes.len().min(BINARY_PROBE_BYTES)].contains(&0) {
        return Err(ToolError::NotText {
            path,
            reason: "it is a binary file".into(),
        });
    }
    let text = String::from_utf8(bytes).map_err(|_| ToolError::NotText {
        path: path.clone(),
        reason: "it is not UTF-8 text".into(),
    })?;
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let total = u32::try_from(lines.len()).unwrap_or(u32::MAX);
    let start = input.start_line.unwrap_or(1).max(1);
    let invalid = |problem: String| ToolError::InvalidArguments {
        tool: "read_file".into(),
        problems: vec![problem],
    };
    if total == 0 {
        return Ok(ReadFileOutput {
            content: String::new(),
            start_line: 1,
            end_line: 0,
            total_lines: 0,
        });
    }
    if start > total {
        return Err(invalid(format!(
            "start_line {start} is past the end of `{path}`, which has {total} lines"
        )));
    }
    let end = input.end_line.unwrap_or(total).min(total);
    if end < start {
        return Err(invalid(format!(
            "end_line {end} is before start_line {start}"
        )));
    }
    let mut content = String::new();
    let mut last = start - 1;
    for number in start..=end {
        let line = lines[(number - 1) as usize];
        if content.len() + line.len() > max_bytes {
            if content.is_empty() {
                content.push_str(cut_at_char_boundary(line, max_bytes));
                last = number;
            }
            break;
        }
        content.push_str(line);
        last = number;
    }
    Ok(ReadFileOutput {
        content,
        start_line: start,
        end_line: last,
        total_lines: total,
    })
}

fn cut_at_char_boundary(text: &str, max: usize) -> &str {
    let mut end = max.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}
