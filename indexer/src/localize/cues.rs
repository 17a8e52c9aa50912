//! What an issue's text names, read before any ranking: paths, stack-trace frames,
//! identifiers, error messages, its title and its prose.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;

/// What an issue's text names.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Cues {
    pub paths: Vec<String>,
    pub identifiers: Vec<String>,
    /// Function names from stack-trace frames, with their file when the frame says, the
    /// frame that raised first.
    pub frames: Vec<(Option<String>, String)>,
    pub errors: Vec<String>,
    /// Frame functions the text names nowhere but in its tracebacks: they place a symbol,
    /// while their files are scored as frames, by distance from the one that raised.
    pub frame_only: HashSet<String>,
    /// The text's first non-empty line: an issue's title, as the issue is given to `localize`.
    pub title: String,
    /// The title's first word, when it reads as a name ([`title_subject`]).
    pub subject: Option<String>,
    /// The text with its code spans and blocks blanked: its words say what is wrong, where
    /// the code only shows which names are involved.
    pub prose: String,
}

static PATH: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?:[\w.-]+/)*[\w.-]+\.(?:py|pyi|rs|go|js|jsx|mjs|ts|tsx|java|c|h|cc|cpp|hpp|hh|cxx|rb|rake)\b").ok()
});
static PY_FRAME: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r#"File "([^"]+)", line \d+, in (\w+)"#).ok());
/// IPython's traceback frames: `File ~/code/pkg/mod.py:30, in Class.method(self, x)`.
static IPYTHON_FRAME: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"File ([^\s,]+\.py):\d+, in ([\w.]+)").ok());
static AT_FRAME: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"at ([\w.$<>]+) \(?([\w./-]+\.\w+):\d+").ok());
static ERROR: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?m)\b\w*(?:Error|Exception|Warning)\b:\s*(.{8,}?)\s*$").ok());
static IDENTIFIER: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z_][A-Za-z0-9_]*(?:(?:\.|::)[A-Za-z_][A-Za-z0-9_]*)*").ok()
});
static CODE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?s)```.*?```|`[^`\n]+`").ok());

/// Words that are code but name nothing in a repository.
const KEYWORDS: &[&str] = &[
    "def", "class", "return", "import", "from", "self", "None", "True", "False", "for", "while",
    "if", "else", "elif", "try", "except", "raise", "with", "fn", "let", "mut", "pub", "use",
    "impl", "struct", "func", "var", "const", "new", "this", "null", "void", "int", "str", "print",
    "and", "not", "the", "assert",
];

pub(super) fn cues(text: &str) -> Cues {
    let mut cues = Cues {
        title: title_of(text).to_owned(),
        subject: title_subject(title_of(text)).map(str::to_owned),
        prose: CODE.as_ref().map_or_else(
            || text.to_owned(),
            |re| re.replace_all(text, " ").into_owned(),
        ),
        ..Cues::default()
    };
    let mut seen = HashSet::new();
    // The frame that raised comes first: Python (and IPython) print it last, Java and
    // JavaScript first.
    for re in [PY_FRAME.as_ref(), IPYTHON_FRAME.as_ref()]
        .into_iter()
        .flatten()
    {
        let found: Vec<_> = re.captures_iter(text).collect();
        for c in found.iter().rev() {
            let function = c[2].rsplit('.').next().unwrap_or(&c[2]).to_owned();
            // Windows prints `D:\env\Lib\site-packages\pkg\mod.py`.
            cues.frames.push((Some(c[1].replace('\\', "/")), function));
        }
    }
    if let Some(re) = AT_FRAME.as_ref() {
        for c in re.captures_iter(text) {
            let function = c[1].rsplit(['.', '$']).next().unwrap_or(&c[1]).to_owned();
            cues.frames.push((Some(c[2].to_owned()), function));
        }
    }
    // Paths and identifiers are read outside tracebacks: a frame's file and the code it shows
    // are a call chain through whatever ran (a framework, a test runner), counted above as
    // frames; as named paths and identifiers each frame would count again.
    let text = &without_tracebacks(text);
    if let Some(re) = PATH.as_ref() {
        for m in re.find_iter(text) {
            if seen.insert(m.as_str().to_owned()) {
                cues.paths.push(m.as_str().to_owned());
            }
        }
    }
    if let Some(re) = ERROR.as_ref() {
        for c in re.captures_iter(text) {
            cues.errors
                .push(c[1].trim_end_matches(['.', '\'', '"']).to_owned());
        }
    }
    // Identifiers: anything in code spans, and outside them only what looks like code
    // (snake_case, camelCase, dotted or called), so that English words do not count.
    let code_spans: Vec<&str> = CODE
        .as_ref()
        .map(|re| re.find_iter(text).map(|m| m.as_str()).collect())
        .unwrap_or_default();
    let mut push = |id: &str, seen: &mut HashSet<String>| {
        if id.len() >= 3 && seen.insert(id.to_owned()) {
            cues.identifiers.push(id.to_owned());
        }
    };
    if let Some(re) = IDENTIFIER.as_ref() {
        for span in &code_spans {
            for m in re.find_iter(span) {
                if !KEYWORDS.contains(&m.as_str()) {
                    push(m.as_str(), &mut seen);
                }
            }
        }
        for m in re.find_iter(text) {
            let id = m.as_str();
            let called = text[m.end()..].starts_with('(');
            let inner_upper =
                id.chars().skip(1).any(char::is_uppercase) && id.chars().any(char::is_lowercase);
            if id.contains('_') || id.contains('.') || id.contains("::") || inner_upper || called {
                push(id.trim_matches('.'), &mut seen);
            }
        }
    }
    for (_, function) in cues.frames.clone() {
        if function.len() >= 3 && !seen.contains(&function) {
            cues.frame_only.insert(function.clone());
        }
        push(&function, &mut seen);
    }
    cues
}

/// The text with its traceback frames blanked: each frame's header line (`File "x.py", line
/// 3, in f`, IPython's `File x.py:3, in f`, `at f (x.js:3)`) and the source lines printed
/// under it (indented, or numbered by IPython), with pytest's `INTERNALERROR>` prefix read
/// through.
fn without_tracebacks(text: &str) -> String {
    let is_frame = |line: &str| {
        [PY_FRAME.as_ref(), IPYTHON_FRAME.as_ref(), AT_FRAME.as_ref()]
            .into_iter()
            .flatten()
            .any(|re| re.is_match(line))
    };
    let mut out = String::with_capacity(text.len());
    let mut in_frame = false;
    for line in text.lines() {
        let body = line.strip_prefix("INTERNALERROR>").unwrap_or(line);
        in_frame = if is_frame(body) {
            true
        } else {
            in_frame
                && !body.trim().is_empty()
                && (body.starts_with(char::is_whitespace) || body.starts_with("-->"))
        };
        if !in_frame {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

/// The title's first word, as a name: `cse()`, `` `lambdify` `` and `PolyFit:` give `cse`,
/// `lambdify` and `PolyFit`.
fn title_subject(title: &str) -> Option<&str> {
    let word = title.split_whitespace().next()?;
    let name = word
        .trim_matches('`')
        .trim_end_matches(':')
        .trim_end_matches("()")
        .trim_matches('`');
    let identifier = name.starts_with(|c: char| c.is_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_alphanumeric() || c == '_');
    identifier.then_some(name)
}

fn title_of(text: &str) -> &str {
    text.lines().find(|l| !l.trim().is_empty()).unwrap_or("")
}
