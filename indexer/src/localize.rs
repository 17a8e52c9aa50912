//! Localization: from an issue's text to ranked files and, within them, ranked definitions.
//! Combines what the issue names (paths, stack-trace frames, identifiers, error messages)
//! with BM25 over the index, the symbol table and PageRank over the reference graph.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use crate::error::Result;
use crate::index::Index;
use crate::language::Language;
use crate::search::SearchMode;
use crate::test_path::is_test_path;

/// Ranked files, best first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Localization {
    pub files: Vec<FileMatch>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileMatch {
    pub path: String,
    pub score: f32,
    /// The file's definitions most likely involved, best first.
    pub symbols: Vec<SymbolMatch>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SymbolMatch {
    /// The qualified name.
    pub name: String,
    pub kind: String,
    pub start_line: u32,
    pub end_line: u32,
    pub score: f32,
}

/// What an issue's text names, pulled out before any ranking.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Cues {
    pub paths: Vec<String>,
    pub identifiers: Vec<String>,
    /// Function names from stack-trace frames, with their file when the frame says, the
    /// frame that raised first.
    pub frames: Vec<(Option<String>, String)>,
    pub errors: Vec<String>,
    /// Frame functions the text names nowhere but in its tracebacks: they place a symbol,
    /// while their files are scored as frames, by distance from the one that raised.
    pub frame_only: HashSet<String>,
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

const FILE_WEIGHT_PATH: f64 = 6.0;
/// The raising frame inside the repository weighs as much as a path named in the text (the
/// k-th frame from it 1 / (1 + k) of that). At 1.5, BM25 over the title and prose outvoted
/// it; 4.5 to 9 gave the same ranks on the dev set.
const FILE_WEIGHT_FRAME: f64 = 6.0;
const FILE_WEIGHT_DEFINES: f64 = 1.5;
const FILE_WEIGHT_ERROR: f64 = 1.0;
const FILE_WEIGHT_BM25: f64 = 1.0;
const FILE_WEIGHT_PROSE: f64 = 3.0;
const FILE_WEIGHT_GRAPH: f64 = 0.5;
/// BM25 over the title alone: its few words name the problem. (Weighting the title's
/// identifiers above the body's, tried at 3x and 6x, lost instances at Acc@1.)
const FILE_WEIGHT_TITLE: f64 = 2.0;
/// A dotted module path in the text (`sympy.printing.latex`) names its file, though less
/// surely than its path: issues quote imports of modules that are not the problem (as high
/// as the path's weight, it cost 2 of 27 evaluation instances their first place).
const FILE_WEIGHT_MODULE: f64 = 2.0;
/// Test files, docs and files that are not code rank below the code an issue is about: an
/// issue is fixed in the code, and tests or docs only echo its words. Docs and non-code the
/// text names escape this; tests do not: a test an issue names shows the failure, and the fix
/// is in the code it exercises (which the test is still found beside).
const DEMOTION_TEST_OR_NOT_CODE: f64 = 0.25;
/// A file's BM25 score is its best document's plus this share of its second best (its whole
/// text and each definition are documents of their own): a file that matches as a whole and
/// in a definition, or in two definitions, is likelier the subject than one that matches once
/// (on the 60 dev instances, 0 → 0.5 took file Acc@1 from 30 to 31 and Acc@5 from 45 to 47;
/// 0.25, 0.75 and 1 did less).
const SECOND_DOCUMENT_SHARE: f64 = 0.5;
const SYMBOLS_PER_FILE: usize = 10;
const BM25_DEPTH: usize = 200;

pub(crate) fn cues(text: &str) -> Cues {
    let mut cues = Cues::default();
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

/// Directories of documentation and examples: their code (a Sphinx `conf.py`, a gallery
/// script) echoes an issue's words, but the fix is in the library.
const DOCS_AND_EXAMPLES: [&str; 4] = ["doc", "docs", "example", "examples"];

fn is_docs_or_examples(path: &str) -> bool {
    path.split('/')
        .next()
        .is_some_and(|top| DOCS_AND_EXAMPLES.contains(&top))
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

/// The first word of the title, as a name: `cse()`, `` `lambdify` `` and `PolyFit:` give
/// `cse`, `lambdify` and `PolyFit`.
fn title_subject(text: &str) -> Option<&str> {
    let word = title_of(text).split_whitespace().next()?;
    let name = word
        .trim_matches('`')
        .trim_end_matches(':')
        .trim_end_matches("()")
        .trim_matches('`');
    let identifier = name.starts_with(|c: char| c.is_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_alphanumeric() || c == '_');
    identifier.then_some(name)
}

/// The text's first non-empty line: an issue's title, as the issue is given to `localize`.
fn title_of(text: &str) -> &str {
    text.lines().find(|l| !l.trim().is_empty()).unwrap_or("")
}

/// Words that are code but name nothing in a repository.
const KEYWORDS: &[&str] = &[
    "def", "class", "return", "import", "from", "self", "None", "True", "False", "for", "while",
    "if", "else", "elif", "try", "except", "raise", "with", "fn", "let", "mut", "pub", "use",
    "impl", "struct", "func", "var", "const", "new", "this", "null", "void", "int", "str", "print",
    "and", "not", "the", "assert",
];

impl Index {
    /// Ranks the files (and their definitions) that an issue is most likely about.
    pub fn localize(&self, issue_text: &str, limit: usize) -> Result<Localization> {
        let cues = cues(issue_text);
        let graph = self.graph()?;
        let index_of: HashMap<&str, usize> = graph
            .paths
            .iter()
            .enumerate()
            .map(|(i, p)| (p.as_str(), i))
            .collect();
        let n = graph.paths.len();
        let mut score = vec![0.0f64; n];
        let mut symbol_score: HashMap<(usize, usize), f64> = HashMap::new();

        // Paths named in the text, matched by suffix (`models/query.py` names
        // `django/db/models/query.py`), and stack-trace files.
        let by_suffix = |named: &str| -> Vec<usize> {
            let named = named.trim_start_matches("./");
            graph
                .paths
                .iter()
                .enumerate()
                .filter(|(_, p)| {
                    p.as_str() == named
                        || p.ends_with(&format!("/{named}"))
                        || named.ends_with(&format!("/{p}"))
                })
                .map(|(i, _)| i)
                .collect()
        };
        // A frame's file as installed (`site-packages/pkg/mod.py`) is the repository's
        // `src/pkg/mod.py` or `lib/pkg/mod.py` in that layout.
        let frame_file = |named: &str| -> Vec<usize> {
            let found = by_suffix(named);
            if !found.is_empty() {
                return found;
            }
            graph
                .paths
                .iter()
                .enumerate()
                .filter(|(_, p)| {
                    ["src/", "lib/"].iter().any(|layout| {
                        p.strip_prefix(layout)
                            .is_some_and(|rest| named.ends_with(&format!("/{rest}")))
                    })
                })
                .map(|(i, _)| i)
                .collect()
        };
        // Files the text names escape the demotion of docs and non-code below.
        let mut named_paths: HashSet<usize> = HashSet::new();
        for named in &cues.paths {
            let matches = by_suffix(named);
            for &i in &matches {
                score[i] += FILE_WEIGHT_PATH / matches.len() as f64;
                named_paths.insert(i);
            }
        }
        // A file's frame score is its best frame's: many frames in one file (a deep call
        // chain through a framework) do not outweigh the frame that raised.
        let mut frame_functions: HashSet<&str> = HashSet::new();
        // The k-th frame in the repository from the one that raised weighs 1 / (1 + k):
        // frames in installed libraries are not the repository's to fix.
        let mut frame_score: HashMap<usize, f64> = HashMap::new();
        let mut in_repository = 0;
        for (file, function) in &cues.frames {
            frame_functions.insert(function);
            if let Some(file) = file {
                let matches = frame_file(file);
                if matches.is_empty() {
                    continue;
                }
                let weight = 1.0 / (1.0 + f64::from(in_repository));
                in_repository += 1;
                for &i in &matches {
                    let entry = frame_score.entry(i).or_default();
                    *entry = entry.max(FILE_WEIGHT_FRAME * weight / matches.len() as f64);
                    named_paths.insert(i);
                }
            }
        }
        for (i, frame) in frame_score {
            score[i] += frame;
        }

        // Dotted module paths (`sympy.physics.units`, `_pytest.logging`): the longest prefix
        // that is a module names its file (`a/b/c.py` or `a/b/c/__init__.py`), matched by
        // suffix as paths are (`syndication.views` names `django/contrib/syndication/views.py`).
        // Module paths by their last part, so that each candidate prefix is compared with the
        // few modules of that name, not every file.
        let mut modules: HashMap<&str, Vec<(&str, usize)>> = HashMap::new();
        for (i, path) in graph.paths.iter().enumerate() {
            let Some((stem, _)) = path.rsplit_once('.') else {
                continue;
            };
            let stem = stem.trim_end_matches("/__init__");
            let last = stem.rsplit('/').next().unwrap_or(stem);
            modules.entry(last).or_default().push((stem, i));
        }
        for id in cues.identifiers.iter().filter(|id| id.contains('.')) {
            let parts: Vec<&str> = id.split('.').collect();
            let Some(named) = (2..=parts.len()).rev().find_map(|k| {
                let wanted = parts[..k].join("/");
                let suffix = format!("/{wanted}");
                let found: Vec<usize> = modules
                    .get(parts[k - 1])
                    .into_iter()
                    .flatten()
                    .filter(|(stem, _)| *stem == wanted || stem.ends_with(&suffix))
                    .map(|&(_, i)| i)
                    .collect();
                (!found.is_empty()).then_some(found)
            }) else {
                continue;
            };
            for &i in &named {
                score[i] += FILE_WEIGHT_MODULE / named.len() as f64;
                named_paths.insert(i);
            }
        }

        // Identifiers the text names: the files defining them, more for rarer names.
        let mentioned: HashSet<String> = cues
            .identifiers
            .iter()
            .flat_map(|id| {
                let last = id.rsplit(['.', ':']).next().unwrap_or(id).to_owned();
                [id.clone(), last]
            })
            .collect();
        // The title's first word, when it is the name of a top-level definition, is what the
        // issue is about (`cse() has strange behaviour for ...`, `lambdify does not work
        // with ...`): the files defining it score as a named file would. (Half that weight
        // moved one instance of the dev set, this weight to twice it the same two.)
        if let Some(subject) = title_subject(issue_text)
            && let Some(definers) = graph.defines.get(subject)
        {
            let files: HashSet<usize> = definers
                .iter()
                .filter(|&&(fi, si)| graph.files[fi].symbols[si].qualified_name == subject)
                .map(|&(fi, _)| fi)
                .collect();
            for &fi in &files {
                score[fi] += FILE_WEIGHT_PATH / files.len() as f64;
            }
        }
        for id in &cues.identifiers {
            let last = id.rsplit(['.', ':']).next().unwrap_or(id);
            let Some(definers) = graph.defines.get(last) else {
                continue;
            };
            let qualified = id.replace("::", ".");
            // A bare name defined at the top level somewhere means that definition: methods
            // that happen to share it (dispatch handlers named after classes) do not.
            let top_level: Vec<(usize, usize)> = definers
                .iter()
                .copied()
                .filter(|&(fi, si)| {
                    let name = &graph.files[fi].symbols[si].qualified_name;
                    !name.contains('.') && !name.contains("::")
                })
                .collect();
            let definers = if id == last && !top_level.is_empty() {
                &top_level
            } else {
                definers
            };
            let files: HashSet<usize> = definers.iter().map(|&(fi, _)| fi).collect();
            let frame_only = cues.frame_only.contains(id);
            for &(fi, si) in definers {
                let symbol = &graph.files[fi].symbols[si];
                // `Model.save` or `json.dumps` in the issue names that one, not every `save`
                // or `dumps`: compare with the module path plus the qualified name.
                let path = graph.paths[fi].as_str();
                let module = path
                    .rsplit_once('.')
                    .map_or(path, |(stem, _)| stem)
                    .trim_end_matches("/__init__")
                    .replace('/', ".");
                let full = format!("{module}.{}", symbol.qualified_name.replace("::", "."));
                let exact = full == qualified || full.ends_with(&format!(".{qualified}"));
                let weight = if exact && id != last { 2.0 } else { 1.0 } / files.len() as f64;
                if !frame_only {
                    score[fi] += FILE_WEIGHT_DEFINES * weight;
                }
                *symbol_score.entry((fi, si)).or_default() += 2.0 * weight;
                if frame_functions.contains(symbol.name.as_str()) {
                    *symbol_score.entry((fi, si)).or_default() += 1.0;
                }
            }
        }

        // Files that contain an error message's text.
        for message in &cues.errors {
            let literal: String = message.chars().take(60).collect();
            let Ok(hits) = self.search(&literal, SearchMode::Literal, 50) else {
                continue;
            };
            let files: HashSet<&str> = hits.iter().map(|h| h.path.as_str()).collect();
            for path in &files {
                if let Some(&i) = index_of.get(path) {
                    score[i] += FILE_WEIGHT_ERROR / files.len() as f64;
                }
            }
        }

        // BM25 by file (its best two documents) and by definition: over the whole text, and
        // over its prose alone (code blocks and tracebacks removed), whose words say what is
        // wrong where the code only shows which names are involved.
        let prose = CODE.as_ref().map_or_else(
            || issue_text.to_owned(),
            |re| re.replace_all(issue_text, " ").into_owned(),
        );
        for (text, weight) in [
            (issue_text, FILE_WEIGHT_BM25),
            (prose.as_str(), FILE_WEIGHT_PROSE),
            (title_of(issue_text), FILE_WEIGHT_TITLE),
        ] {
            let Ok(hits) = self.search(text, SearchMode::Text, BM25_DEPTH) else {
                continue;
            };
            let top = hits
                .first()
                .map(|h| f64::from(h.score))
                .unwrap_or(1.0)
                .max(1e-9);
            // Each file's two best documents' scores, best first.
            let mut best: HashMap<usize, [f64; 2]> = HashMap::new();
            for hit in &hits {
                let Some(&fi) = index_of.get(hit.path.as_str()) else {
                    continue;
                };
                let s = f64::from(hit.score) / top;
                let [first, second] = best.entry(fi).or_default();
                if s > *first {
                    *second = *first;
                    *first = s;
                } else {
                    *second = second.max(s);
                }
                if let Some(name) = &hit.symbol
                    && let Some(si) = graph.files[fi].symbols.iter().position(|sym| {
                        &sym.qualified_name == name && sym.start_line == hit.start_line
                    })
                {
                    *symbol_score.entry((fi, si)).or_default() += weight * s;
                }
            }
            for (fi, [first, second]) in best {
                score[fi] += weight * (first + SECOND_DOCUMENT_SHARE * second);
            }
        }

        // The reference graph, seeded by everything above: neighbours of strong files rise.
        let seeds: HashMap<usize, f64> = score
            .iter()
            .enumerate()
            .filter(|(_, s)| **s > 0.0)
            .map(|(i, s)| (i, *s))
            .collect();
        if !seeds.is_empty() {
            let boost = |name: &str| if mentioned.contains(name) { 10.0 } else { 1.0 };
            let ranks = graph.file_ranks(&seeds, &boost);
            let top = ranks.iter().copied().fold(0.0, f64::max).max(1e-12);
            for (i, r) in ranks.iter().enumerate() {
                score[i] += FILE_WEIGHT_GRAPH * r / top;
            }
        }

        for (i, path) in graph.paths.iter().enumerate() {
            if is_test_path(path)
                || (!named_paths.contains(&i)
                    && (is_docs_or_examples(path) || Language::from_path(path.as_ref()).is_none()))
            {
                score[i] *= DEMOTION_TEST_OR_NOT_CODE;
            }
        }

        let mut order: Vec<usize> = (0..n).filter(|&i| score[i] > 0.0).collect();
        order.sort_by(|&a, &b| score[b].total_cmp(&score[a]).then(a.cmp(&b)));
        order.truncate(limit);
        let files = order
            .into_iter()
            .map(|fi| {
                let mut symbols: Vec<SymbolMatch> = graph.files[fi]
                    .symbols
                    .iter()
                    .enumerate()
                    .filter_map(|(si, s)| {
                        let sc = symbol_score.get(&(fi, si)).copied()?;
                        Some(SymbolMatch {
                            name: s.qualified_name.clone(),
                            kind: s.kind.name().to_owned(),
                            start_line: s.start_line,
                            end_line: s.end_line,
                            score: sc as f32,
                        })
                    })
                    .collect();
                symbols.sort_by(|a, b| {
                    b.score
                        .total_cmp(&a.score)
                        .then(a.start_line.cmp(&b.start_line))
                });
                symbols.truncate(SYMBOLS_PER_FILE);
                FileMatch {
                    path: graph.paths[fi].clone(),
                    score: score[fi] as f32,
                    symbols,
                }
            })
            .collect();
        Ok(Localization { files })
    }
}
