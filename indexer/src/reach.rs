//! Which files reach others through imports and uses of names: the test files a change can
//! affect, so that a change is verified without running the whole suite.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use crate::error::Result;
use crate::graph::Graph;
use crate::index::Index;
use crate::parse::ReferenceKind;

/// A name links a file that uses it to the files defining it only when at most this many
/// files define it: a name defined everywhere (`__init__`, `new`, `run`) says nothing about
/// which one is used.
const SPECIFIC_NAME_FILES: usize = 5;
/// Shorter names (`x`, `id`) link nothing either.
const SPECIFIC_NAME_LEN: usize = 3;
/// Extensions tried for a relative import path (`./parse` → `parse.ts`, `parse/index.js`).
const RELATIVE_IMPORT_SUFFIXES: [&str; 9] = [
    "",
    ".js",
    ".jsx",
    ".mjs",
    ".ts",
    ".tsx",
    ".py",
    "/index.js",
    "/index.ts",
];

impl Index {
    /// The indexed files that reach one of `targets` in at most `max_steps` steps, with their
    /// distance (1 for a file that uses a target directly); the targets themselves are left
    /// out. A step is an import that resolves to a file (a dotted module path, `a.b.c` →
    /// `a/b/c.py` or `a/b/c/__init__.py`, matched by suffix; a relative path, `./x` → `x.js`)
    /// (`from a.b import c` as `a.b.c` too) or a use of a name the file defines, when the name
    /// is specific (at least [`SPECIFIC_NAME_LEN`] characters, defined in at most
    /// [`SPECIFIC_NAME_FILES`] files, not starting with `__`). Python's relative imports
    /// (`from . import x`) link only through such names. Targets that are not indexed reach
    /// nothing.
    pub fn reaching(
        &self,
        targets: &[String],
        max_steps: usize,
    ) -> Result<BTreeMap<String, usize>> {
        let graph = self.graph()?;
        let users = users_of(graph);
        let index_of = graph.index_of();
        let mut distance: HashMap<usize, usize> = HashMap::new();
        let mut queue: VecDeque<usize> = VecDeque::new();
        for target in targets {
            if let Some(&i) = index_of.get(target.as_str()) {
                distance.insert(i, 0);
                queue.push_back(i);
            }
        }
        while let Some(file) = queue.pop_front() {
            let steps = distance[&file];
            if steps == max_steps {
                continue;
            }
            for &user in users.get(&file).into_iter().flatten() {
                if let std::collections::hash_map::Entry::Vacant(entry) = distance.entry(user) {
                    entry.insert(steps + 1);
                    queue.push_back(user);
                }
            }
        }
        Ok(distance
            .into_iter()
            .filter(|&(_, steps)| steps > 0)
            .map(|(i, steps)| (graph.paths[i].clone(), steps))
            .collect())
    }
}

/// For each file, the files that import it or use a specific name it defines.
fn users_of(graph: &Graph) -> HashMap<usize, HashSet<usize>> {
    // Python module paths by their last part (`numbers` → `sympy.core.numbers`), so that an
    // import is compared with the few modules of its name.
    let mut modules: HashMap<&str, Vec<(String, usize)>> = HashMap::new();
    for (i, path) in graph.paths.iter().enumerate() {
        let Some(stem) = path.strip_suffix(".py") else {
            continue;
        };
        let stem = stem.trim_end_matches("/__init__");
        let last = stem.rsplit('/').next().unwrap_or(stem);
        modules
            .entry(last)
            .or_default()
            .push((stem.replace('/', "."), i));
    }
    let index_of = graph.index_of();
    let mut users: HashMap<usize, HashSet<usize>> = HashMap::new();
    for (from, file) in graph.files.iter().enumerate() {
        for reference in &file.references {
            let name = reference.name.as_str();
            let targets: Vec<usize> = if reference.kind == ReferenceKind::Import
                && name.starts_with('.')
                && name.contains('/')
            {
                relative_import(&graph.paths[from], name, &index_of)
                    .into_iter()
                    .collect()
            } else if reference.kind == ReferenceKind::Import && name.contains('.') {
                let last = name.rsplit('.').next().unwrap_or(name);
                let suffix = format!(".{name}");
                modules
                    .get(last)
                    .into_iter()
                    .flatten()
                    .filter(|(module, _)| module == name || module.ends_with(&suffix))
                    .map(|&(_, i)| i)
                    .collect()
            } else {
                specific_definers(graph, name)
            };
            for to in targets {
                if to != from {
                    users.entry(to).or_default().insert(from);
                }
            }
        }
        // `from pkg import core` records `pkg` and `core` apart: a module `pkg.core` joins
        // them again (two imports that do not make a module path link nothing).
        let imports: Vec<&str> = file
            .references
            .iter()
            .filter(|r| r.kind == ReferenceKind::Import && !r.name.contains('/'))
            .map(|r| r.name.as_str())
            .collect();
        for package in &imports {
            for name in imports.iter().filter(|n| !n.contains('.') && *n != package) {
                let joined = format!("{package}.{name}");
                let suffix = format!(".{joined}");
                for (module, to) in modules.get(name).into_iter().flatten() {
                    if (*module == joined || module.ends_with(&suffix)) && *to != from {
                        users.entry(*to).or_default().insert(from);
                    }
                }
            }
        }
    }
    users
}

/// The files defining `name`, when it is specific enough to link a use to them.
fn specific_definers(graph: &Graph, name: &str) -> Vec<usize> {
    if name.len() < SPECIFIC_NAME_LEN || name.starts_with("__") {
        return Vec::new();
    }
    let Some(definers) = graph.defines.get(name) else {
        return Vec::new();
    };
    let mut files: Vec<usize> = definers.iter().map(|&(fi, _)| fi).collect();
    files.dedup();
    if files.len() > SPECIFIC_NAME_FILES {
        return Vec::new();
    }
    files
}

/// The file a relative import path (`./parse`, `../util/x.js`) names from `from`.
fn relative_import(from: &str, name: &str, index_of: &HashMap<&str, usize>) -> Option<usize> {
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for segment in name.split('/') {
        match segment {
            "." | "" => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    RELATIVE_IMPORT_SUFFIXES
        .iter()
        .find_map(|suffix| index_of.get(format!("{joined}{suffix}").as_str()).copied())
}
