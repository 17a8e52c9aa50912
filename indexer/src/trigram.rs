//! Turning a regex into the trigrams any match must contain (an AND/OR tree), so that the
//! index can rule out files before the regex runs on them.

use regex_syntax::hir::{Class, Hir, HirKind, Look};

use crate::tokenizer::trigrams;

/// What a file must contain to possibly match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Need {
    /// Nothing known: every file is a candidate.
    Anything,
    /// All of these lower-cased trigrams.
    Trigrams(Vec<String>),
    All(Vec<Need>),
    Any(Vec<Need>),
}

/// What the index can know of a regex before running it, from one parse.
pub(crate) struct Prefilter {
    /// What any match's text contains.
    pub need: Need,
    /// Whether a match may need more than one line, or the whole file: the regex can match a
    /// line end (`\s`, `[^x]`, `(?s).`, a literal `\n`), or anchors at the text's start or
    /// end (`\A`, `\z`). Such a regex cannot be verified one chunk of lines at a time.
    pub whole_file: bool,
}

/// The prefilter of a regex; nothing known (`Anything`, whole files) when it does not parse
/// here (the regex crate then reports the real error).
pub(crate) fn prefilter(pattern: &str) -> Prefilter {
    match parse(pattern) {
        Some(hir) => Prefilter {
            need: need(&hir),
            whole_file: crosses_lines(&hir),
        },
        None => Prefilter {
            need: Need::Anything,
            whole_file: true,
        },
    }
}

/// Parses as the search compiles it (`^` and `$` match at line ends); `None` when the
/// pattern is not valid.
fn parse(pattern: &str) -> Option<Hir> {
    regex_syntax::ParserBuilder::new()
        .multi_line(true)
        .build()
        .parse(pattern)
        .ok()
}

fn crosses_lines(hir: &Hir) -> bool {
    match hir.kind() {
        HirKind::Empty => false,
        HirKind::Literal(literal) => literal.0.contains(&b'\n'),
        HirKind::Class(Class::Unicode(class)) => class
            .ranges()
            .iter()
            .any(|r| r.start() <= '\n' && '\n' <= r.end()),
        HirKind::Class(Class::Bytes(class)) => class
            .ranges()
            .iter()
            .any(|r| r.start() <= b'\n' && b'\n' <= r.end()),
        HirKind::Look(look) => matches!(look, Look::Start | Look::End),
        HirKind::Repetition(rep) => crosses_lines(&rep.sub),
        HirKind::Capture(capture) => crosses_lines(&capture.sub),
        HirKind::Concat(parts) | HirKind::Alternation(parts) => parts.iter().any(crosses_lines),
    }
}

fn need(hir: &Hir) -> Need {
    match hir.kind() {
        HirKind::Literal(_) | HirKind::Class(_) => {
            literal_need(&literal_of(hir).unwrap_or_default())
        }
        HirKind::Capture(capture) => need(&capture.sub),
        HirKind::Repetition(rep) if rep.min >= 1 => need(&rep.sub),
        HirKind::Concat(parts) => {
            // Adjacent literal pieces join into one run (`fo` + `[oO]` + `bar` is `foobar`).
            let mut needs = Vec::new();
            let mut run = String::new();
            for part in parts {
                match literal_of(part) {
                    Some(text) => run.push_str(&text),
                    None => {
                        needs.push(literal_need(&run));
                        run.clear();
                        needs.push(need(part));
                    }
                }
            }
            needs.push(literal_need(&run));
            simplify_all(needs)
        }
        HirKind::Alternation(options) => {
            let needs: Vec<Need> = options.iter().map(need).collect();
            if needs.contains(&Need::Anything) {
                Need::Anything
            } else {
                Need::Any(needs)
            }
        }
        _ => Need::Anything,
    }
}

fn simplify_all(needs: Vec<Need>) -> Need {
    let mut needs: Vec<Need> = needs.into_iter().filter(|n| *n != Need::Anything).collect();
    match needs.len() {
        0 => Need::Anything,
        1 => needs.pop().unwrap_or(Need::Anything),
        _ => Need::All(needs),
    }
}

fn literal_need(run: &str) -> Need {
    let grams: Vec<String> = trigrams(run).collect();
    if grams.is_empty() {
        Need::Anything
    } else {
        Need::Trigrams(grams)
    }
}

/// The text a node always matches, lower-cased, when it is a literal or a class that only
/// differs by case (`(?i)a` is `[Aa]`).
fn literal_of(hir: &Hir) -> Option<String> {
    match hir.kind() {
        HirKind::Literal(literal) => std::str::from_utf8(&literal.0).ok().map(str::to_lowercase),
        HirKind::Class(Class::Unicode(class)) => {
            let chars: Vec<char> = class
                .ranges()
                .iter()
                .flat_map(|r| (r.start()..=r.end()).take(4))
                .collect();
            let lower: std::collections::BTreeSet<String> =
                chars.iter().map(|c| c.to_lowercase().collect()).collect();
            (chars.len() <= 3 && lower.len() == 1).then(|| lower.into_iter().collect())
        }
        HirKind::Class(Class::Bytes(class)) => {
            let bytes: Vec<u8> = class
                .ranges()
                .iter()
                .flat_map(|r| (r.start()..=r.end()).take(4))
                .collect();
            let lower: std::collections::BTreeSet<u8> =
                bytes.iter().map(u8::to_ascii_lowercase).collect();
            (bytes.len() <= 2 && lower.len() == 1)
                .then(|| lower.into_iter().map(char::from).collect())
        }
        HirKind::Capture(capture) => literal_of(&capture.sub),
        _ => None,
    }
}
