//! Hygiene for untrusted text (issue bodies, comments, repository files) before it reaches a
//! prompt: what a reader on GitHub cannot see must not steer the model either.

use std::sync::LazyLock;

use regex::Regex;

/// `<!-- ... -->`, or an unterminated `<!--` to the end (GitHub hides both when rendering).
static HTML_COMMENT: LazyLock<Result<Regex, regex::Error>> =
    LazyLock::new(|| Regex::new(r"(?s)<!--.*?(?:-->|\z)"));

/// Markdown image alt text: `![alt](url)` keeps its place but loses the alt text.
static MARKDOWN_ALT: LazyLock<Result<Regex, regex::Error>> =
    LazyLock::new(|| Regex::new(r"!\[[^\]]*\]\("));

/// The `alt` attribute of an HTML `<img>`.
static HTML_ALT: LazyLock<Result<Regex, regex::Error>> =
    LazyLock::new(|| Regex::new(r#"(?i)(<img\b[^>]*?)\s+alt\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)"#));

/// Characters that change how text reads without being visible: zero-width characters and
/// the byte-order mark, and bidirectional controls (the "Trojan Source" family).
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}'
            | '\u{2060}'..='\u{2064}'
            | '\u{FEFF}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{00AD}'
    )
}

/// Strips HTML comments, invisible and bidirectional control characters, and image alt text.
/// The original is kept in the event log; only the result may be put in a prompt.
pub fn sanitize_untrusted(text: &str) -> String {
    let visible: String = text.chars().filter(|c| !is_invisible(*c)).collect();
    let mut out = visible;
    // The patterns are constants; should one ever fail to compile, the text is dropped
    // rather than passed on unsanitised.
    for (pattern, replacement) in [
        (&HTML_COMMENT, ""),
        (&MARKDOWN_ALT, "![]("),
        (&HTML_ALT, "$1"),
    ] {
        match pattern.as_ref() {
            Ok(regex) => out = regex.replace_all(&out, replacement).into_owned(),
            Err(_) => return String::new(),
        }
    }
    out
}

/// `text` as a fenced Markdown code block that nothing in it can close: the fence is one
/// backtick longer than its longest run of backticks (at least three). Untrusted output
/// (test logs, setup output, error messages quoting them) rendered on GitHub this way cannot
/// mention people, add links or break the comment's layout.
pub fn markdown_code_block(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}text\n{text}\n{fence}")
}
