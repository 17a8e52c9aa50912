//! Regex and literal search: the trigram prefilter narrows the index to the chunks of lines
//! (or, for a match that may cross lines, the files) that can match, and the regex verifies
//! them, decompressed from the content store on all cores.

use std::collections::HashSet;

use rayon::prelude::*;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, Score, Searcher, SegmentOrdinal, SegmentReader, Term};

use crate::error::{IndexError, Result};
use crate::index::{Index, IndexedFile};
use crate::schema;
use crate::search::{Hit, SNIPPET_CHARS, Scope};
use crate::trigram::{Need, prefilter};

/// What one verification reads: a chunk of a file (by number), or the whole file.
type Work<'a> = (&'a IndexedFile, Option<usize>);

impl Index {
    pub(crate) fn regex_search(
        &self,
        searcher: &Searcher,
        pattern: &str,
        limit: usize,
        scope: &Scope,
    ) -> Result<Vec<Hit>> {
        // The regex compiles on one core while the prefilter runs on another.
        let (regex, work) = rayon::join(
            || {
                regex::bytes::RegexBuilder::new(pattern)
                    .multi_line(true)
                    .size_limit(1 << 22)
                    .build()
                    .map_err(|e| IndexError::InvalidQuery(e.to_string()))
            },
            || self.work_for(searcher, pattern, scope),
        );
        let (regex, work) = (regex?, work?);
        // Verified on all cores, a batch at a time so that a small limit stops early. The first
        // batch is as many items as the limit (fewer could not reach it if every item held one
        // hit), so a search for every match is one pass; batches then double.
        let mut batch = limit.max(rayon::current_num_threads() * 16).max(64);
        let mut hits = Vec::new();
        let mut rest = work.as_slice();
        while !rest.is_empty() && hits.len() < limit {
            let (work, after) = rest.split_at(batch.min(rest.len()));
            rest = after;
            batch = batch.saturating_mul(2);
            let verified: Vec<Result<Vec<Hit>>> = work
                .par_iter()
                .map_init(Vec::new, |text, &(file, chunk)| {
                    let first_line = match chunk {
                        Some(number) => self.chunk_into(file, number, text)?,
                        None => {
                            *text = self.text(file)?;
                            1
                        }
                    };
                    Ok(matches_in(&regex, &file.path, text, first_line, limit))
                })
                .collect();
            for found in verified {
                hits.extend(found?);
            }
        }
        hits.truncate(limit);
        Ok(hits)
    }

    /// What to verify, in path and line order: the chunks the trigram prefilter leaves, or
    /// whole files when a match may cross lines.
    fn work_for(&self, searcher: &Searcher, pattern: &str, scope: &Scope) -> Result<Vec<Work<'_>>> {
        let prefilter = prefilter(pattern);
        let need = prefilter.need;
        let mut work: Vec<Work<'_>> = if prefilter.whole_file {
            match self.files_meeting(searcher, &need)? {
                Some(ids) => ids
                    .into_iter()
                    .filter_map(|id| self.file_by_id(id))
                    .map(|file| (file, None))
                    .collect(),
                None => self.files_by_id().map(|file| (file, None)).collect(),
            }
        } else {
            let chunks: Box<dyn Query> = Box::new(TermQuery::new(
                Term::from_field_text(self.fields.doc_type, schema::CHUNK),
                IndexRecordOption::Basic,
            ));
            let mut clauses = vec![(Occur::Must, chunks)];
            clauses.extend(need_query(&need, self.fields.trigrams).map(|q| (Occur::Must, q)));
            searcher
                .search(&BooleanQuery::new(clauses), &FileChunks)?
                .into_iter()
                .filter_map(|(id, number)| {
                    Some((self.file_by_id(id)?, Some(usize::try_from(number?).ok()?)))
                })
                .collect()
        };
        work.retain(|(file, _)| scope.admits(&file.path, file.language));
        work.sort_by(|a, b| a.0.path.cmp(&b.0.path).then(a.1.cmp(&b.1)));
        Ok(work)
    }

    /// The files that meet `need` when their chunks are taken together (a match that crosses
    /// lines may draw its trigrams from two chunks); `None` when every file may.
    fn files_meeting(&self, searcher: &Searcher, need: &Need) -> Result<Option<HashSet<u64>>> {
        let intersect = |sets: Vec<HashSet<u64>>| {
            sets.into_iter()
                .reduce(|a, b| a.intersection(&b).copied().collect())
        };
        Ok(match need {
            Need::Anything => None,
            Need::Trigrams(grams) => {
                let mut sets = Vec::new();
                for gram in grams {
                    let query = TermQuery::new(
                        Term::from_field_text(self.fields.trigrams, gram),
                        IndexRecordOption::Basic,
                    );
                    let found = searcher.search(&query, &FileChunks)?;
                    sets.push(found.into_iter().map(|(id, _)| id).collect());
                }
                intersect(sets)
            }
            Need::All(needs) => {
                let mut sets = Vec::new();
                for need in needs {
                    sets.extend(self.files_meeting(searcher, need)?);
                }
                intersect(sets)
            }
            Need::Any(needs) => {
                let mut union = HashSet::new();
                for need in needs {
                    // One unconstrained branch makes the whole alternation unconstrained.
                    let Some(set) = self.files_meeting(searcher, need)? else {
                        return Ok(None);
                    };
                    union.extend(set);
                }
                Some(union)
            }
        })
    }
}

/// Collects the matching documents' file ids and chunk numbers straight from the fast
/// fields, with no stored field read and no set of addresses built.
struct FileChunks;

struct FileChunksInSegment {
    file_id: Column<u64>,
    chunk: Column<u64>,
    found: Vec<(u64, Option<u64>)>,
}

impl Collector for FileChunks {
    type Fruit = Vec<(u64, Option<u64>)>;
    type Child = FileChunksInSegment;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<FileChunksInSegment> {
        Ok(FileChunksInSegment {
            file_id: reader.fast_fields().u64(schema::FILE_ID)?,
            chunk: reader.fast_fields().u64(schema::CHUNK_NUMBER)?,
            found: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Self::Fruit>) -> tantivy::Result<Self::Fruit> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

impl SegmentCollector for FileChunksInSegment {
    type Fruit = Vec<(u64, Option<u64>)>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        if let Some(id) = self.file_id.first(doc) {
            self.found.push((id, self.chunk.first(doc)));
        }
    }

    fn harvest(self) -> Self::Fruit {
        self.found
    }
}

fn need_query(need: &Need, field: tantivy::schema::Field) -> Option<Box<dyn Query>> {
    match need {
        Need::Anything => None,
        Need::Trigrams(grams) => {
            let mut unique: Vec<&String> = grams.iter().collect();
            unique.sort();
            unique.dedup();
            Some(Box::new(BooleanQuery::new(
                unique
                    .into_iter()
                    .map(|g| {
                        let q: Box<dyn Query> = Box::new(TermQuery::new(
                            Term::from_field_text(field, g),
                            IndexRecordOption::Basic,
                        ));
                        (Occur::Must, q)
                    })
                    .collect(),
            )))
        }
        Need::All(needs) => {
            let clauses: Vec<(Occur, Box<dyn Query>)> = needs
                .iter()
                .filter_map(|n| need_query(n, field))
                .map(|q| (Occur::Must, q))
                .collect();
            (!clauses.is_empty()).then(|| Box::new(BooleanQuery::new(clauses)) as Box<dyn Query>)
        }
        Need::Any(needs) => {
            let mut clauses = Vec::new();
            for n in needs {
                // One unconstrained branch makes the whole alternation unconstrained.
                clauses.push((Occur::Should, need_query(n, field)?));
            }
            Some(Box::new(BooleanQuery::new(clauses)))
        }
    }
}

/// The lines of `content` that `regex` matches, as hits (one per line where a match starts),
/// at most `limit`; `content` starts at line `first_line`. Lines are counted as the search
/// moves forward, and the search resumes after each hit's last line: a text with many matches
/// costs one pass, not one per hit.
fn matches_in(
    regex: &regex::bytes::Regex,
    path: &str,
    content: &[u8],
    first_line: u32,
    limit: usize,
) -> Vec<Hit> {
    let newlines = |bytes: &[u8]| bytes.iter().filter(|&&b| b == b'\n').count() as u32;
    let line_end = |from: usize| {
        content[from..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(content.len(), |i| from + i)
    };
    let mut hits = Vec::new();
    let (mut line, mut counted, mut at) = (first_line, 0usize, 0usize);
    while hits.len() < limit && at <= content.len() {
        let Some(m) = regex.find_at(content, at) else {
            break;
        };
        line += newlines(&content[counted..m.start()]);
        counted = m.start();
        let start_line = line;
        let line_start = content[..m.start()]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let last = m.end().saturating_sub(1).max(m.start()).min(content.len());
        let end_line = start_line + newlines(&content[m.start()..last]);
        // The snippet: the match's lines, at most three.
        let mut snippet_end = line_start;
        for _ in 0..=(end_line - start_line).min(2) {
            snippet_end = line_end(snippet_end);
            if snippet_end < content.len() {
                snippet_end += 1;
            }
        }
        hits.push(Hit {
            path: path.to_owned(),
            start_line,
            end_line,
            symbol: None,
            kind: None,
            snippet: snippet_of(&content[line_start..snippet_end]),
            score: 1.0,
        });
        at = line_end(last) + 1;
    }
    hits
}

/// Whole lines of text as a snippet: line ends normalised, cut to `SNIPPET_CHARS`.
fn snippet_of(lines: &[u8]) -> String {
    let head = &lines[..lines.len().min(SNIPPET_CHARS * 4)];
    let text = String::from_utf8_lossy(head);
    let mut snippet = String::with_capacity(text.len().min(SNIPPET_CHARS));
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            snippet.push('\n');
        }
        snippet.push_str(line);
    }
    if let Some((cut, _)) = snippet.char_indices().nth(SNIPPET_CHARS) {
        snippet.truncate(cut);
    }
    snippet
}
