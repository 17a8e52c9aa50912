//! Finding `@redgreen <command>` in comment text.
//!
//! Only a mention a reader would see as one counts: text inside code spans, fenced code
//! blocks, HTML comments (issue templates hide hints there) and quoted reply lines is
//! skipped, so quoting or documenting a command never triggers it again.

use std::ops::Range;

use crate::command::Command;

/// A mention of the bot and what it asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    pub command: Command,
    /// The text after the command (or after the handle, for free text), trimmed. Untrusted.
    pub instructions: String,
}

/// The first visible `@<bot_name>` in `text` (matched case-insensitively as a whole handle)
/// and the command that follows it. Free text after the handle counts as `fix`.
pub fn find_mention(text: &str, bot_name: &str) -> Option<Mention> {
    if bot_name.is_empty() {
        return None;
    }
    let hidden = hidden_ranges(text);
    text.match_indices('@').find_map(|(at, _)| {
        let index = hidden.partition_point(|range| range.end <= at);
        if hidden.get(index).is_some_and(|range| range.start <= at) {
            return None;
        }
        if text[..at].chars().next_back().is_some_and(joins_before) {
            return None;
        }
        let after_at = &text[at + 1..];
        let handle = after_at.get(..bot_name.len())?;
        if !handle.eq_ignore_ascii_case(bot_name) {
            return None;
        }
        let mut rest = &after_at[bot_name.len()..];
        if rest.chars().next().is_some_and(joins_after) {
            return None;
        }
        // The App's login is `<name>[bot]`, and people copy it from the UI.
        if rest
            .get(..5)
            .is_some_and(|suffix| suffix.eq_ignore_ascii_case("[bot]"))
        {
            rest = &rest[5..];
        }
        Some(command_and_instructions(rest))
    })
}

/// Characters that, right before `@`, make it part of something else (an email address,
/// a path, an escaped `\@`), not a mention.
fn joins_before(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '+' | '.' | '/' | '\\' | '@')
}

/// Characters that, right after the handle, make it a longer handle (`@redgreen-other`)
/// or a team or scoped package (`@redgreen/core`).
fn joins_after(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '/')
}

fn command_and_instructions(after_handle: &str) -> Mention {
    // `@redgreen: plan`, `@redgreen, please ...`, `**@redgreen** retry`.
    let text = after_handle
        .trim_start_matches(|c: char| c.is_whitespace() || matches!(c, ':' | ',' | '*'));
    let word_end = text.find(char::is_whitespace).unwrap_or(text.len());
    let (word, rest) = text.split_at(word_end);
    // `status?` and `(... cancel)` are still commands; `test-driven ...` is free text.
    let word = word.trim_end_matches(|c: char| !c.is_alphanumeric());
    match Command::ALL
        .into_iter()
        .find(|command| command.as_str().eq_ignore_ascii_case(word))
    {
        Some(command) => Mention {
            command,
            instructions: cleaned(rest),
        },
        None => Mention {
            command: Command::Fix,
            instructions: cleaned(text),
        },
    }
}

/// Byte ranges of `text` a reader does not see as prose, sorted and disjoint.
fn hidden_ranges(text: &str) -> Vec<Range<usize>> {
    let mut hidden = Vec::new();
    let mut pos = 0;
    while pos < text.len() {
        let line_end = end_of_line(text, pos);
        let line = text[pos..line_end].trim_start();
        if let Some((marker, length)) = fence_opening(line) {
            let end = fence_end(text, line_end, marker, length);
            hidden.push(pos..end);
            pos = end;
        } else if line.starts_with('>') {
            hidden.push(pos..line_end);
            pos = line_end;
        } else {
            pos = hide_inline(text, pos, line_end, &mut hidden);
        }
    }
    hidden
}

/// The index just past the line containing `pos` (past its `\n`, or the end of `text`).
fn end_of_line(text: &str, pos: usize) -> usize {
    text[pos..]
        .find('\n')
        .map_or(text.len(), |newline| pos + newline + 1)
}

/// A line that opens a fenced code block: its marker and how many of it.
fn fence_opening(line: &str) -> Option<(char, usize)> {
    let marker = line.chars().next().filter(|c| matches!(c, '`' | '~'))?;
    let length = line.len() - line.trim_start_matches(marker).len();
    // A backtick fence's info string cannot contain backticks (that is inline code).
    let info_ok = marker == '~' || !line[length..].contains('`');
    (length >= 3 && info_ok).then_some((marker, length))
}

/// The end of the fenced block whose opening line ends at `from`: past its closing line,
/// or the end of `text` when it is never closed (everything after is code, as rendered).
fn fence_end(text: &str, from: usize, marker: char, length: usize) -> usize {
    let mut pos = from;
    while pos < text.len() {
        let line_end = end_of_line(text, pos);
        let line = text[pos..line_end].trim();
        let run = line.len() - line.trim_start_matches(marker).len();
        if run >= length && run == line.len() {
            return line_end;
        }
        pos = line_end;
    }
    text.len()
}

/// Records the code spans and HTML comments that start on the line `start..line_end`.
/// Either may run past the line; returns the end of the line where hiding stopped, so the
/// caller resumes at the start of a line.
fn hide_inline(text: &str, start: usize, line_end: usize, hidden: &mut Vec<Range<usize>>) -> usize {
    let mut pos = start;
    let mut line_end = line_end;
    while pos < line_end {
        let Some(offset) = text[pos..line_end].find(['`', '<']) else {
            break;
        };
        let at = pos + offset;
        let rest = &text[at..];
        if let Some(comment) = rest.strip_prefix("<!--") {
            let end = comment
                .find("-->")
                .map_or(text.len(), |close| at + 4 + close + 3);
            hidden.push(at..end);
            pos = end;
        } else if rest.starts_with('`') {
            let run = rest.len() - rest.trim_start_matches('`').len();
            match closing_backticks(text, at + run, run) {
                Some(end) => {
                    hidden.push(at..end);
                    pos = end;
                }
                None => pos = at + run,
            }
        } else {
            pos = at + 1;
        }
        if pos > line_end {
            line_end = end_of_line(text, pos);
        }
    }
    line_end
}

/// The end of the run of exactly `run` backticks that closes a code span opened just before
/// `from`, searched up to the end of the paragraph (a blank line).
fn closing_backticks(text: &str, from: usize, run: usize) -> Option<usize> {
    let paragraph_end = text[from..]
        .match_indices('\n')
        .map(|(newline, _)| from + newline + 1)
        .find(|&next| text[next..end_of_line(text, next)].trim().is_empty())
        .unwrap_or(text.len());
    let paragraph = &text[from..paragraph_end];
    let mut pos = 0;
    while let Some(offset) = paragraph[pos..].find('`') {
        let at = pos + offset;
        let length = paragraph[at..].len() - paragraph[at..].trim_start_matches('`').len();
        if length == run {
            return Some(from + at + length);
        }
        pos = at + length;
    }
    None
}

/// NUL has no meaning in a comment, and PostgreSQL's JSONB refuses it: dropping it here keeps
/// a stray NUL from turning a delivery into an error that GitHub redelivers forever.
/// Trimmed after dropping NUL, so a NUL at either end cannot leave white space behind.
fn cleaned(text: &str) -> String {
    text.replace('\0', "").trim().to_owned()
}
