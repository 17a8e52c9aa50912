//! The code index: tree-sitter symbols and tantivy search, built for localization (finding
//! the files and symbols an issue is about).
//!
//! ```no_run
//! use redgreen_indexer::{Index, SearchMode, Source};
//! # fn main() -> redgreen_indexer::Result<()> {
//! let source = Source::WorkTree("/src/project".into());
//! let (index, stats) = Index::build(&source, "/data/index/project".as_ref())?;
//! println!("{} files, {} parsed", stats.files, stats.parsed);
//! for hit in index.search("parse http response", SearchMode::Text, 10)? {
//!     println!("{}:{} {:?}", hit.path, hit.start_line, hit.symbol);
//! }
//! # Ok(()) }
//! ```
//!
//! `Index::build` is incremental: files are keyed by path and git blob id, so a second build
//! reads and parses only what changed. `Source::Rev` reads a commit from git's object database
//! without a checkout.

mod content_store;
mod error;
mod graph;
mod identifier;
mod impact;
mod index;
mod language;
mod localize;
mod parse;
mod reach;
mod regex_search;
mod repo_map;
mod sast;
mod schema;
mod search;
mod skip;
mod source;
mod test_path;
mod tokenizer;
mod trigram;

pub use error::{IndexError, Result};
pub use identifier::split_identifier;
pub use impact::Impact;
pub use index::{BuildOptions, BuildStats, Index};
pub use language::Language;
pub use localize::{FileMatch, Localization, SymbolMatch};
pub use parse::{ParsedFile, Reference, ReferenceKind, Symbol, SymbolKind, parse};
pub use repo_map::MapOptions;
pub use sast::{
    Finding, Profile, SastReport, Severity, scan as sast_scan, scan_file as sast_scan_file,
};
pub use search::{Hit, Scope, SearchMode};
pub use skip::SkipCounts;
pub use source::Source;
pub use test_path::is_test_path;
