//! Impact of a change: which definitions the changed lines fall in, and which other files use
//! those names (from the definition/reference graph). What a reviewer should look at beside
//! the diff; shown in every fix PR.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::error::Result;
use crate::graph::Graph;
use crate::index::Index;
use crate::parse::SymbolKind;

/// A definition a change touches, and the files that reference its name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Impact {
    pub path: String,
    pub symbol: String,
    pub kind: SymbolKind,
    pub referenced_by: Vec<String>,
}

impl Index {
    /// The definitions that the changed line ranges (`(path, first, last)`, 1-based,
    /// inclusive) fall in, innermost first per range, each with the other files that use its
    /// name, sorted. Paths that are not indexed are ignored.
    pub fn impact(&self, changed: &[(String, u32, u32)]) -> Result<Vec<Impact>> {
        let graph = Graph::load(self)?;
        let index_of = graph.index_of();
        let mut touched: BTreeSet<(usize, usize)> = BTreeSet::new();
        for (path, first, last) in changed {
            let Some(&file) = index_of.get(path.as_str()) else {
                continue;
            };
            // The innermost definition containing the range: a changed method names the
            // method, not its whole class.
            let innermost = graph.files[file]
                .symbols
                .iter()
                .enumerate()
                .filter(|(_, s)| s.start_line <= *last && s.end_line >= *first)
                .min_by_key(|(_, s)| s.end_line - s.start_line);
            if let Some((symbol, _)) = innermost {
                touched.insert((file, symbol));
            }
        }
        let mut impacts = Vec::new();
        for (file, symbol) in touched {
            let definition = &graph.files[file].symbols[symbol];
            let referenced_by: BTreeSet<String> = graph
                .edges
                .iter()
                .filter(|(from, to, name, _)| {
                    *to == file && *from != file && *name == definition.name
                })
                .map(|(from, _, _, _)| graph.paths[*from].clone())
                .collect();
            impacts.push(Impact {
                path: graph.paths[file].clone(),
                symbol: definition.qualified_name.clone(),
                kind: definition.kind,
                referenced_by: referenced_by.into_iter().collect(),
            });
        }
        Ok(impacts)
    }
}
