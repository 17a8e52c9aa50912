//! The code index: tree-sitter symbols and tantivy search, built for localization (finding
//! the files and symbols an issue is about).
//!
//! What exists today is the identifier splitter that the code-aware tokenizer is built on.

mod identifier;

pub use identifier::split_identifier;
