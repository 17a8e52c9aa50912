//! The localization scorer: one method per signal, each adding to the scores of the files
//! and definitions it points at, weighed by [`WEIGHTS`].

use std::collections::{HashMap, HashSet};

use super::cues::Cues;
use super::{FileMatch, Localization, SymbolMatch, WEIGHTS};
use crate::graph::Graph;
use crate::index::Index;
use crate::language::Language;
use crate::search::SearchMode;
use crate::test_path::is_test_path;

/// Definitions ranked within each file.
const SYMBOLS_PER_FILE: usize = 10;
/// BM25 hits read per query.
const BM25_DEPTH: usize = 200;
/// An error message is looked for by its first characters, in this many hits.
const ERROR_PREFIX_CHARS: usize = 60;
const ERROR_HITS: usize = 50;

/// Directories of documentation and examples: their code (a Sphinx `conf.py`, a gallery
/// script) echoes an issue's words, but the fix is in the library.
const DOCS_AND_EXAMPLES: [&str; 4] = ["doc", "docs", "example", "examples"];

/// The scores of one localization, files by their position in the graph.
pub(super) struct Scorer<'a> {
    index: &'a Index,
    graph: &'a Graph,
    cues: &'a Cues,
    index_of: HashMap<&'a str, usize>,
    file: Vec<f64>,
    symbol: HashMap<(usize, usize), f64>,
    /// Files the text names (paths, frames, modules): they escape the demotion of docs and
    /// non-code.
    named: HashSet<usize>,
    /// The function of every traceback frame.
    frame_functions: HashSet<&'a str>,
}

impl<'a> Scorer<'a> {
    pub(super) fn new(index: &'a Index, graph: &'a Graph, cues: &'a Cues) -> Scorer<'a> {
        Scorer {
            index,
            graph,
            cues,
            index_of: graph.index_of(),
            file: vec![0.0; graph.paths.len()],
            symbol: HashMap::new(),
            named: HashSet::new(),
            frame_functions: cues.frames.iter().map(|(_, f)| f.as_str()).collect(),
        }
    }

    /// Paths named in the text, matched by suffix.
    pub(super) fn named_paths(&mut self) {
        for named in &self.cues.paths {
            let matches = self.by_suffix(named);
            for &i in &matches {
                self.file[i] += WEIGHTS.named_path / matches.len() as f64;
                self.named.insert(i);
            }
        }
    }

    /// Stack-trace frames in the repository, the k-th from the one that raised weighing
    /// 1 / (1 + k): frames in installed libraries are not the repository's to fix. A file's
    /// frame score is its best frame's: many frames in one file (a deep call chain through a
    /// framework) do not outweigh the frame that raised.
    pub(super) fn frames(&mut self) {
        let mut frame_score: HashMap<usize, f64> = HashMap::new();
        let mut in_repository = 0;
        for (file, _) in &self.cues.frames {
            let Some(file) = file else { continue };
            let matches = self.frame_file(file);
            if matches.is_empty() {
                continue;
            }
            let weight = 1.0 / (1.0 + f64::from(in_repository));
            in_repository += 1;
            for &i in &matches {
                let entry = frame_score.entry(i).or_default();
                *entry = entry.max(WEIGHTS.frame * weight / matches.len() as f64);
                self.named.insert(i);
            }
        }
        for (i, frame) in frame_score {
            self.file[i] += frame;
        }
    }

    /// Dotted module paths (`sympy.physics.units`, `_pytest.logging`): the longest prefix
    /// that is a module names its file (`a/b/c.py` or `a/b/c/__init__.py`), matched by suffix
    /// as paths are (`syndication.views` names `django/contrib/syndication/views.py`).
    pub(super) fn modules(&mut self) {
        // Module paths by their last part, so that each candidate prefix is compared with the
        // few modules of that name, not every file.
        let mut modules: HashMap<&str, Vec<(&str, usize)>> = HashMap::new();
        for (i, path) in self.graph.paths.iter().enumerate() {
            let Some((stem, _)) = path.rsplit_once('.') else {
                continue;
            };
            let stem = stem.trim_end_matches("/__init__");
            let last = stem.rsplit('/').next().unwrap_or(stem);
            modules.entry(last).or_default().push((stem, i));
        }
        for id in self.cues.identifiers.iter().filter(|id| id.contains('.')) {
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
                self.file[i] += WEIGHTS.module / named.len() as f64;
                self.named.insert(i);
            }
        }
    }

    /// The files defining the title's first word at the top level.
    pub(super) fn title_subject(&mut self) {
        let graph = self.graph;
        let Some(subject) = self.cues.subject.as_deref() else {
            return;
        };
        let Some(definers) = graph.defines.get(subject) else {
            return;
        };
        let files: HashSet<usize> = definers
            .iter()
            .filter(|&&(fi, si)| graph.files[fi].symbols[si].qualified_name == subject)
            .map(|&(fi, _)| fi)
            .collect();
        for &fi in &files {
            self.file[fi] += WEIGHTS.title_subject / files.len() as f64;
        }
    }

    /// Identifiers the text names: the files defining them, more for rarer names, and the
    /// definitions themselves.
    pub(super) fn identifiers(&mut self) {
        let graph = self.graph;
        for id in &self.cues.identifiers {
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
            let frame_only = self.cues.frame_only.contains(id);
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
                let weight = if exact && id != last {
                    WEIGHTS.qualified
                } else {
                    1.0
                } / files.len() as f64;
                if !frame_only {
                    self.file[fi] += WEIGHTS.defines * weight;
                }
                *self.symbol.entry((fi, si)).or_default() += WEIGHTS.symbol_named * weight;
                if self.frame_functions.contains(symbol.name.as_str()) {
                    *self.symbol.entry((fi, si)).or_default() += WEIGHTS.symbol_in_frame;
                }
            }
        }
    }

    /// Files that contain an error message's text.
    pub(super) fn error_messages(&mut self) {
        for message in &self.cues.errors {
            let literal: String = message.chars().take(ERROR_PREFIX_CHARS).collect();
            let Ok(hits) = self.index.search(&literal, SearchMode::Literal, ERROR_HITS) else {
                continue;
            };
            let files: HashSet<&str> = hits.iter().map(|h| h.path.as_str()).collect();
            for path in &files {
                if let Some(&i) = self.index_of.get(path) {
                    self.file[i] += WEIGHTS.error_message / files.len() as f64;
                }
            }
        }
    }

    /// BM25 of `text`, normalized to the best hit: by file (its best two documents) and by
    /// definition.
    pub(super) fn bm25(&mut self, text: &str, weight: f64) {
        let graph = self.graph;
        let Ok(hits) = self.index.search(text, SearchMode::Text, BM25_DEPTH) else {
            return;
        };
        let top = hits
            .first()
            .map(|h| f64::from(h.score))
            .unwrap_or(1.0)
            .max(1e-9);
        // Each file's two best documents' scores, best first.
        let mut best: HashMap<usize, [f64; 2]> = HashMap::new();
        for hit in &hits {
            let Some(&fi) = self.index_of.get(hit.path.as_str()) else {
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
                && let Some(si) = graph.files[fi]
                    .symbols
                    .iter()
                    .position(|sym| &sym.qualified_name == name && sym.start_line == hit.start_line)
            {
                *self.symbol.entry((fi, si)).or_default() += weight * s;
            }
        }
        for (fi, [first, second]) in best {
            self.file[fi] += weight * (first + WEIGHTS.second_document * second);
        }
    }

    /// The reference graph, seeded by every score so far.
    pub(super) fn graph(&mut self) {
        let seeds: HashMap<usize, f64> = self
            .file
            .iter()
            .enumerate()
            .filter(|(_, s)| **s > 0.0)
            .map(|(i, s)| (i, *s))
            .collect();
        if seeds.is_empty() {
            return;
        }
        let mentioned: HashSet<&str> = self
            .cues
            .identifiers
            .iter()
            .flat_map(|id| [id.as_str(), id.rsplit(['.', ':']).next().unwrap_or(id)])
            .collect();
        let boost = |name: &str| {
            if mentioned.contains(name) {
                WEIGHTS.graph_mentioned
            } else {
                1.0
            }
        };
        let ranks = self.graph.file_ranks(&seeds, &boost);
        let top = ranks.iter().copied().fold(0.0, f64::max).max(1e-12);
        for (i, r) in ranks.iter().enumerate() {
            self.file[i] += WEIGHTS.graph * r / top;
        }
    }

    /// Tests, and docs and non-code the text does not name, fall behind the code.
    pub(super) fn demote(&mut self) {
        for (i, path) in self.graph.paths.iter().enumerate() {
            if is_test_path(path)
                || (!self.named.contains(&i)
                    && (is_docs_or_examples(path) || Language::from_path(path.as_ref()).is_none()))
            {
                self.file[i] *= WEIGHTS.demotion;
            }
        }
    }

    /// The best `limit` files, each with its best definitions.
    pub(super) fn ranked(self, limit: usize) -> Localization {
        let Scorer {
            graph,
            file,
            symbol,
            ..
        } = self;
        let mut order: Vec<usize> = (0..file.len()).filter(|&i| file[i] > 0.0).collect();
        order.sort_by(|&a, &b| file[b].total_cmp(&file[a]).then(a.cmp(&b)));
        order.truncate(limit);
        let files = order
            .into_iter()
            .map(|fi| {
                let mut symbols: Vec<SymbolMatch> = graph.files[fi]
                    .symbols
                    .iter()
                    .enumerate()
                    .filter_map(|(si, s)| {
                        let score = symbol.get(&(fi, si)).copied()?;
                        Some(SymbolMatch {
                            name: s.qualified_name.clone(),
                            kind: s.kind.name().to_owned(),
                            start_line: s.start_line,
                            end_line: s.end_line,
                            score: score as f32,
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
                    score: file[fi] as f32,
                    symbols,
                }
            })
            .collect();
        Localization { files }
    }

    /// The files a named path means: equal, or either a suffix of the other at a `/`.
    fn by_suffix(&self, named: &str) -> Vec<usize> {
        let named = named.trim_start_matches("./");
        self.graph
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
    }

    /// A frame's file, by suffix, or as installed (`site-packages/pkg/mod.py`) for the
    /// repository's `src/pkg/mod.py` or `lib/pkg/mod.py` in that layout.
    fn frame_file(&self, named: &str) -> Vec<usize> {
        let found = self.by_suffix(named);
        if !found.is_empty() {
            return found;
        }
        self.graph
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
    }
}

fn is_docs_or_examples(path: &str) -> bool {
    path.split('/')
        .next()
        .is_some_and(|top| DOCS_AND_EXAMPLES.contains(&top))
}
