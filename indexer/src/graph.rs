//! The definition/reference graph of an index (which file uses names another file defines)
//! and personalized PageRank over it, shared by the repo map and localization.

use std::collections::HashMap;

use tantivy::TantivyDocument;
use tantivy::Term;
use tantivy::collector::DocSetCollector;
use tantivy::query::TermQuery;
use tantivy::schema::{IndexRecordOption, Value};

use crate::error::Result;
use crate::identifier::split_identifier;
use crate::index::Index;
use crate::parse::{ParsedFile, ReferenceKind};
use crate::schema;

const DAMPING: f64 = 0.85;
const ITERATIONS: usize = 40;

/// Every indexed file's parse, and who references what.
pub(crate) struct Graph {
    pub paths: Vec<String>,
    pub files: Vec<ParsedFile>,
    /// Definition name → `(file, symbol)` pairs.
    pub defines: HashMap<String, Vec<(usize, usize)>>,
    /// `(from file, to file, name, weight)`: `from` uses `name`, which `to` defines.
    pub edges: Vec<(usize, usize, String, f64)>,
}

impl Graph {
    pub(crate) fn load(index: &Index) -> Result<Graph> {
        let searcher = index.reader.searcher();
        let f = index.fields;
        let query = TermQuery::new(
            Term::from_field_text(f.doc_type, schema::FILE),
            IndexRecordOption::Basic,
        );
        let mut loaded: Vec<(String, ParsedFile)> = Vec::new();
        for address in searcher.search(&query, &DocSetCollector)? {
            let doc: TantivyDocument = searcher.doc(address)?;
            let path = doc.get_first(f.path_key).and_then(|v| v.as_str());
            let parsed = doc
                .get_first(f.parsed)
                .and_then(|v| v.as_str())
                .and_then(|json| serde_json::from_str::<ParsedFile>(json).ok());
            if let (Some(path), Some(parsed)) = (path, parsed) {
                loaded.push((path.to_owned(), parsed));
            }
        }
        loaded.sort_by(|a, b| a.0.cmp(&b.0));
        let (paths, files): (Vec<String>, Vec<ParsedFile>) = loaded.into_iter().unzip();

        let mut defines: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
        for (fi, file) in files.iter().enumerate() {
            for (si, symbol) in file.symbols.iter().enumerate() {
                defines
                    .entry(symbol.name.clone())
                    .or_default()
                    .push((fi, si));
            }
        }
        let mut edges = Vec::new();
        for (from, file) in files.iter().enumerate() {
            for reference in &file.references {
                // An import names a module path; its last segment is what gets defined.
                let name = match reference.kind {
                    ReferenceKind::Import => reference
                        .name
                        .rsplit(['.', '/', ':'])
                        .next()
                        .unwrap_or(&reference.name),
                    _ => reference.name.as_str(),
                };
                let Some(definers) = defines.get(name) else {
                    continue;
                };
                let mut targets: Vec<usize> = definers.iter().map(|&(fi, _)| fi).collect();
                targets.dedup();
                // Names defined in many files (`new`, `Error`) or private ones say little
                // about any one file; long compound names (`evict_oldest`) say a lot.
                let mut weight = (f64::from(reference.count)).sqrt() / targets.len() as f64;
                if targets.len() > 5 || name.starts_with('_') {
                    weight *= 0.1;
                }
                if name.len() >= 8 && split_identifier(name).len() > 1 {
                    weight *= 10.0;
                }
                for to in targets {
                    if to != from {
                        edges.push((from, to, name.to_owned(), weight));
                    }
                }
            }
        }
        Ok(Graph {
            paths,
            files,
            defines,
            edges,
        })
    }

    /// Each file's position, by path.
    pub(crate) fn index_of(&self) -> HashMap<&str, usize> {
        self.paths
            .iter()
            .enumerate()
            .map(|(i, p)| (p.as_str(), i))
            .collect()
    }

    /// PageRank over files with random jumps to `seeds` (weights by file); uniform when empty.
    /// `boost` multiplies the weight of edges by name (names the issue mentions).
    pub(crate) fn file_ranks(
        &self,
        seeds: &HashMap<usize, f64>,
        boost: &dyn Fn(&str) -> f64,
    ) -> Vec<f64> {
        let n = self.paths.len();
        if n == 0 {
            return Vec::new();
        }
        let mut jump = vec![0.0; n];
        let seed_total: f64 = seeds.values().sum();
        if seed_total > 0.0 {
            for (&i, &w) in seeds {
                jump[i] = w / seed_total;
            }
        } else {
            jump.iter_mut().for_each(|j| *j = 1.0 / n as f64);
        }
        let mut out_weight = vec![0.0; n];
        let weighted: Vec<(usize, usize, f64)> = self
            .edges
            .iter()
            .map(|(from, to, name, w)| (*from, *to, w * boost(name)))
            .collect();
        for &(from, _, w) in &weighted {
            out_weight[from] += w;
        }
        let mut rank = jump.clone();
        for _ in 0..ITERATIONS {
            let mut next: Vec<f64> = jump.iter().map(|j| (1.0 - DAMPING) * j).collect();
            let dangling: f64 = (0..n)
                .filter(|&i| out_weight[i] == 0.0)
                .map(|i| rank[i])
                .sum();
            for (i, j) in jump.iter().enumerate() {
                next[i] += DAMPING * dangling * j;
            }
            for &(from, to, w) in &weighted {
                next[to] += DAMPING * rank[from] * w / out_weight[from];
            }
            rank = next;
        }
        rank
    }

    /// How much of each file's rank flows to each of its definitions, by `(file, symbol)`.
    pub(crate) fn symbol_ranks(
        &self,
        file_ranks: &[f64],
        boost: &dyn Fn(&str) -> f64,
    ) -> HashMap<(usize, usize), f64> {
        let mut out_weight = vec![0.0; self.paths.len()];
        for (from, _, name, w) in &self.edges {
            out_weight[*from] += w * boost(name);
        }
        let mut ranks: HashMap<(usize, usize), f64> = HashMap::new();
        for (from, to, name, w) in &self.edges {
            let share = file_ranks[*from] * w * boost(name) / out_weight[*from];
            let symbols: Vec<usize> = self
                .defines
                .get(name)
                .into_iter()
                .flatten()
                .filter(|(fi, _)| fi == to)
                .map(|&(_, si)| si)
                .collect();
            for si in &symbols {
                *ranks.entry((*to, *si)).or_default() += share / symbols.len() as f64;
            }
        }
        // Definitions nobody references still rank by their file, below referenced ones.
        for (fi, file) in self.files.iter().enumerate() {
            for si in 0..file.symbols.len() {
                *ranks.entry((fi, si)).or_default() += file_ranks[fi] * 1e-3;
            }
        }
        ranks
    }
}
