//! Searching an index: BM25 text search over code-tokenized fields, the exact-then-fuzzy
//! symbol table, and regex or literal search (trigram prefilter, then the regex verifies).

use std::collections::HashMap;

use serde::Serialize;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{DocAddress, Searcher, TantivyDocument, Term};

use crate::error::{IndexError, Result};
use crate::index::Index;
use crate::language::Language;
use crate::schema;
use crate::tokenizer::code_tokens;

/// How a query is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SearchMode {
    /// Words and identifiers, ranked by BM25 over names, paths, docstrings and bodies.
    #[default]
    Text,
    /// A definition's name or qualified name: exact first, then fuzzy (typos).
    Symbol,
    /// A regular expression (Rust `regex` syntax), matched against file text.
    Regex,
    /// A literal substring, matched against file text.
    Literal,
}

/// Restricts a search to some files.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Path prefixes (`src/`, `lib/util.py`); empty means every path.
    pub paths: Vec<String>,
    pub language: Option<Language>,
}

impl Scope {
    pub(crate) fn admits(&self, path: &str, language: &str) -> bool {
        (self.paths.is_empty() || self.paths.iter().any(|p| path.starts_with(p.as_str())))
            && self.language.is_none_or(|l| l.name() == language)
    }
}

/// One search result, as the agent's `code_search` tool returns it. Lines are 1-based and
/// inclusive.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub path: String,
    pub start_line: u32,
    pub end_line: u32,
    /// The definition's qualified name, for hits on a definition.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    pub snippet: String,
    /// Higher is better. Text: BM25. Symbol: 3 for an exact match, 2 ignoring case, below 1
    /// for fuzzy ones (less with more edits). Regex and literal: 1 (hits come in path order).
    pub score: f32,
}

const SNIPPET_LINES: usize = 3;
pub(crate) const SNIPPET_CHARS: usize = 400;

impl Index {
    /// Searches the whole index.
    pub fn search(&self, query: &str, mode: SearchMode, limit: usize) -> Result<Vec<Hit>> {
        self.search_in(query, mode, limit, &Scope::default())
    }

    /// Searches the files `scope` admits.
    pub fn search_in(
        &self,
        query: &str,
        mode: SearchMode,
        limit: usize,
        scope: &Scope,
    ) -> Result<Vec<Hit>> {
        if query.trim().is_empty() {
            return Err(IndexError::InvalidQuery("the query is empty".to_owned()));
        }
        if limit == 0 {
            return Ok(Vec::new());
        }
        let searcher = self.reader.searcher();
        match mode {
            SearchMode::Text => self.text_search(&searcher, query, limit, scope),
            SearchMode::Symbol => self.symbol_search(&searcher, query, limit, scope),
            SearchMode::Regex => self.regex_search(&searcher, query, limit, scope),
            SearchMode::Literal => {
                self.regex_search(&searcher, &regex::escape(query), limit, scope)
            }
        }
    }

    fn text_search(
        &self,
        searcher: &Searcher,
        query: &str,
        limit: usize,
        scope: &Scope,
    ) -> Result<Vec<Hit>> {
        let terms = query_terms(query);
        if terms.is_empty() {
            return Err(IndexError::InvalidQuery(format!("no words in {query:?}")));
        }
        let f = self.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for term in &terms {
            // A name match says more than a path match, more than a docstring, more than a body.
            for (field, weight) in [
                (f.names, 3.0),
                (f.path_text, 2.0),
                (f.doc, 1.5),
                (f.body, 1.0),
            ] {
                let q = TermQuery::new(
                    Term::from_field_text(field, term),
                    IndexRecordOption::WithFreqs,
                );
                clauses.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(q), weight)),
                ));
            }
        }
        let query = BooleanQuery::new(clauses);
        // Scope filters run after ranking; fetching more keeps the limit filled.
        let fetch = if scope.paths.is_empty() && scope.language.is_none() {
            limit
        } else {
            limit * 20
        };
        let top = searcher.search(&query, &TopDocs::with_limit(fetch))?;
        let mut files = FileCache::default();
        let mut hits = Vec::new();
        for (score, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            let Some(mut hit) = self.hit_of(&doc, score) else {
                continue;
            };
            if !scope.admits(&hit.path, text_of(&doc, f.language).unwrap_or("")) {
                continue;
            }
            let content = files.content(self, &hit.path)?;
            hit.snippet = best_lines(content, hit.start_line, hit.end_line, &terms);
            hits.push(hit);
            if hits.len() == limit {
                break;
            }
        }
        Ok(hits)
    }

    fn symbol_search(
        &self,
        searcher: &Searcher,
        query: &str,
        limit: usize,
        scope: &Scope,
    ) -> Result<Vec<Hit>> {
        let f = self.fields;
        let query = query.trim();
        let key = query.to_lowercase();
        let qualified = schema::qualified_key(query);
        let exact = |field, text: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, text),
                IndexRecordOption::Basic,
            ))
        };
        // Every exact match is a candidate (bounded, so that `new` in a large repository stays
        // fast); fuzzy matches only fill up a short list.
        let cap = limit.saturating_mul(10).max(100);
        let exact_query = BooleanQuery::new(vec![
            (Occur::Should, exact(f.name_key, &key)),
            (Occur::Should, exact(f.qualified_key, &qualified)),
        ]);
        let mut found: Vec<DocAddress> = searcher
            .search(&exact_query, &TopDocs::with_limit(cap))?
            .into_iter()
            .map(|(_, address)| address)
            .collect();
        if found.len() < limit {
            let distance = if key.chars().count() <= 4 { 1 } else { 2 };
            let fuzzy =
                FuzzyTermQuery::new(Term::from_field_text(f.name_key, &key), distance, true);
            let seen: std::collections::HashSet<DocAddress> = found.iter().copied().collect();
            for (_, address) in searcher.search(&fuzzy, &TopDocs::with_limit(cap))? {
                if !seen.contains(&address) {
                    found.push(address);
                }
            }
        }
        let mut ranked: Vec<(f32, Hit)> = Vec::new();
        for address in found {
            let doc: TantivyDocument = searcher.doc(address)?;
            let Some(hit) = self.hit_of(&doc, 0.0) else {
                continue;
            };
            if !scope.admits(&hit.path, text_of(&doc, f.language).unwrap_or("")) {
                continue;
            }
            let name = text_of(&doc, f.name).unwrap_or("");
            let qualified_name = hit.symbol.clone().unwrap_or_default();
            // Exact (same case) beats exact ignoring case beats fuzzy; a qualified-name match
            // is as good as a name match.
            let score = if name == query || qualified_name == query {
                3.0
            } else if name.to_lowercase() == key
                || schema::qualified_key(&qualified_name) == qualified
            {
                2.0
            } else {
                1.0 / (1.0 + strsim_distance(&name.to_lowercase(), &key) as f32)
            };
            ranked.push((score, hit));
        }
        ranked.sort_by(|(sa, a), (sb, b)| {
            sb.total_cmp(sa)
                .then_with(|| kind_rank(a.kind.as_deref()).cmp(&kind_rank(b.kind.as_deref())))
                .then_with(|| a.path.len().cmp(&b.path.len()))
                .then_with(|| a.path.cmp(&b.path))
                .then_with(|| a.start_line.cmp(&b.start_line))
        });
        ranked.truncate(limit);
        let mut files = FileCache::default();
        let mut hits = Vec::with_capacity(ranked.len());
        for (score, mut hit) in ranked {
            let content = files.content(self, &hit.path)?;
            hit.snippet = best_lines(content, hit.start_line, hit.end_line, &[]);
            hit.score = score;
            hits.push(hit);
        }
        Ok(hits)
    }

    /// A hit from a stored document, without its snippet.
    fn hit_of(&self, doc: &TantivyDocument, score: f32) -> Option<Hit> {
        let f = self.fields;
        let path = text_of(doc, f.path_key)?.to_owned();
        let start_line = doc
            .get_first(f.start_line)
            .and_then(|v| v.as_u64())
            .unwrap_or(1) as u32;
        let end_line = doc
            .get_first(f.end_line)
            .and_then(|v| v.as_u64())
            .unwrap_or(1) as u32;
        Some(Hit {
            path,
            start_line,
            end_line,
            symbol: text_of(doc, f.qualified_name).map(str::to_owned),
            kind: text_of(doc, f.kind).map(str::to_owned),
            snippet: String::new(),
            score,
        })
    }
}

#[derive(Default)]
struct FileCache(HashMap<String, String>);

impl FileCache {
    fn content(&mut self, index: &Index, path: &str) -> Result<&str> {
        if !self.0.contains_key(path) {
            let content = index.file_content(path)?.unwrap_or_default();
            self.0.insert(path.to_owned(), content);
        }
        Ok(self.0.get(path).map(String::as_str).unwrap_or(""))
    }
}

/// The distinct terms the code tokenizer makes of a query.
pub(crate) fn query_terms(query: &str) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    code_tokens(query)
        .into_iter()
        .map(|t| t.text)
        .filter(|t| seen.insert(t.clone()))
        .collect()
}

fn text_of(doc: &TantivyDocument, field: tantivy::schema::Field) -> Option<&str> {
    doc.get_first(field).and_then(|v| v.as_str())
}

/// Types before functions before the rest, when scores tie.
fn kind_rank(kind: Option<&str>) -> u8 {
    match kind {
        Some("class" | "struct" | "interface" | "trait" | "enum") => 0,
        Some("function" | "method") => 1,
        _ => 2,
    }
}

/// Levenshtein distance, for ordering fuzzy symbol matches.
fn strsim_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// The first line of the span plus the lines in it with the most query terms, in order.
fn best_lines(content: &str, start: u32, end: u32, terms: &[String]) -> String {
    let span: Vec<(u32, &str)> = content
        .lines()
        .enumerate()
        .skip(start.saturating_sub(1) as usize)
        .take((end.saturating_sub(start) + 1) as usize)
        .map(|(i, l)| (i as u32 + 1, l))
        .collect();
    let mut scored: Vec<(usize, u32, &str)> = span
        .iter()
        .skip(1)
        .map(|&(n, l)| {
            let words: std::collections::HashSet<String> =
                code_tokens(l).into_iter().map(|t| t.text).collect();
            (terms.iter().filter(|t| words.contains(*t)).count(), n, l)
        })
        .filter(|(count, _, _)| *count > 0)
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut chosen: Vec<(u32, &str)> = span.first().copied().into_iter().collect();
    chosen.extend(
        scored
            .iter()
            .take(SNIPPET_LINES - 1)
            .map(|&(_, n, l)| (n, l)),
    );
    if chosen.len() == 1 {
        chosen.extend(span.iter().skip(1).take(SNIPPET_LINES - 1).copied());
    }
    chosen.sort_by_key(|&(n, _)| n);
    let text: Vec<&str> = chosen.iter().map(|&(_, l)| l).collect();
    text.join("\n").chars().take(SNIPPET_CHARS).collect()
}
