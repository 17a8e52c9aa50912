//! The repo map: the repository's most relevant definitions, one signature line each, grouped
//! by file, ranked by PageRank over the definition/reference graph (personalized by focus
//! files and mentioned identifiers) and cut to a token budget.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::error::Result;
use crate::index::Index;

/// What the map should centre on.
#[derive(Debug, Clone)]
pub struct MapOptions {
    /// The budget, estimated at four characters a token.
    pub max_tokens: usize,
    /// Files the reader cares about (paths as indexed); their neighbours rank higher.
    pub focus: Vec<String>,
    /// Identifiers the reader cares about (from an issue); their definitions rank higher.
    pub mentioned: Vec<String>,
}

impl Default for MapOptions {
    fn default() -> Self {
        MapOptions {
            max_tokens: 1024,
            focus: Vec::new(),
            mentioned: Vec::new(),
        }
    }
}

const CHARS_PER_TOKEN: usize = 4;
const MENTION_BOOST: f64 = 10.0;

impl Index {
    /// Renders the repo map:
    ///
    /// ```text
    /// src/cache.rs:
    ///   2│ pub struct LruCache { cap: usize }
    ///   5│     pub fn evict_oldest(&mut self) {
    /// ```
    pub fn repo_map(&self, options: &MapOptions) -> Result<String> {
        let graph = self.graph()?;
        let mentioned: HashSet<&str> = options.mentioned.iter().map(String::as_str).collect();
        let boost = |name: &str| {
            if mentioned.contains(name) {
                MENTION_BOOST
            } else {
                1.0
            }
        };
        let seeds: HashMap<usize, f64> = graph
            .paths
            .iter()
            .enumerate()
            .filter(|(_, p)| options.focus.iter().any(|f| f == *p))
            .map(|(i, _)| (i, 1.0))
            .collect();
        let file_ranks = graph.file_ranks(&seeds, &boost);
        let mut ranked: Vec<((usize, usize), f64)> = graph
            .symbol_ranks(&file_ranks, &boost)
            .into_iter()
            .map(|((fi, si), r)| {
                let name = &graph.files[fi].symbols[si].name;
                ((fi, si), r * boost(name))
            })
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));

        let budget = options.max_tokens * CHARS_PER_TOKEN;
        let mut used = 0;
        let mut chosen: BTreeMap<usize, Vec<(u32, String)>> = BTreeMap::new();
        let mut contents: HashMap<usize, Vec<String>> = HashMap::new();
        for ((fi, si), _) in ranked {
            let symbol = &graph.files[fi].symbols[si];
            let lines = match contents.entry(fi) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => {
                    let text = self.file_content(&graph.paths[fi])?.unwrap_or_default();
                    e.insert(text.lines().map(str::to_owned).collect())
                }
            };
            let line_text = lines
                .get((symbol.start_line as usize).saturating_sub(1))
                .map(|l| l.trim_end().chars().take(160).collect::<String>())
                .unwrap_or_default();
            let line = format!("{:>4}│ {line_text}\n", symbol.start_line);
            let header = if chosen.contains_key(&fi) {
                0
            } else {
                graph.paths[fi].len() + 2
            };
            if used + header + line.len() > budget {
                // Smaller entries further down may still fit.
                continue;
            }
            used += header + line.len();
            chosen
                .entry(fi)
                .or_default()
                .push((symbol.start_line, line));
        }
        // Files in order of their best definition's rank would reorder on every edit; path
        // order keeps the map stable for the reader.
        let mut map = String::with_capacity(used);
        for (fi, mut lines) in chosen {
            lines.sort();
            lines.dedup();
            map.push_str(&graph.paths[fi]);
            map.push_str(":\n");
            for (_, line) in lines {
                map.push_str(&line);
            }
        }
        Ok(map)
    }
}
