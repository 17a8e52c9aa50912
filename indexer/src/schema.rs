//! The tantivy schema: one document per file (its words and parsed symbols), one per chunk of
//! its text (trigrams, for regex search) and one per definition (its names, docstring and
//! body), all sharing the path key so that a changed file's documents are replaced together.

use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

use crate::tokenizer::{CODE, TRIGRAM};

/// `doc_type` of a file document.
pub(crate) const FILE: &str = "file";
/// `doc_type` of a definition document.
pub(crate) const SYMBOL: &str = "symbol";
/// `doc_type` of a chunk document.
pub(crate) const CHUNK: &str = "chunk";
/// The fast field that numbers file and chunk documents' files.
pub(crate) const FILE_ID: &str = "file_id";
/// The fast field with a chunk document's number within its file.
pub(crate) const CHUNK_NUMBER: &str = "chunk";

#[derive(Clone, Copy)]
pub(crate) struct Fields {
    pub doc_type: Field,
    /// The path, raw: deletes, scope filters and stored output.
    pub path_key: Field,
    /// The path's words, for BM25.
    pub path_text: Field,
    pub language: Field,
    pub blob: Field,
    /// A definition's name and qualified name, code-tokenized.
    pub names: Field,
    /// A definition's name, lower-cased and raw: the exact and fuzzy symbol table.
    pub name_key: Field,
    /// A definition's qualified name, lower-cased with `::` and `#` written as `.`.
    pub qualified_key: Field,
    pub name: Field,
    pub qualified_name: Field,
    pub kind: Field,
    pub doc: Field,
    pub body: Field,
    pub start_line: Field,
    pub end_line: Field,
    /// A file or chunk document's file number (see `FileState::id`): where its text and path
    /// are kept.
    pub file_id: Field,
    /// A chunk document's number within its file (see `content_store::chunks`).
    pub chunk: Field,
    /// A chunk's text as lower-cased trigrams.
    pub trigrams: Field,
    /// A file's parse (symbols and references) as JSON, for the repo map and localization.
    pub parsed: Field,
}

fn code_text(stored: bool) -> TextOptions {
    let options = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(CODE)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    if stored {
        options.set_stored()
    } else {
        options
    }
}

pub(crate) fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let fields = Fields {
        doc_type: b.add_text_field("doc_type", STRING),
        path_key: b.add_text_field("path_key", STRING | STORED),
        path_text: b.add_text_field("path_text", code_text(false)),
        language: b.add_text_field("language", STRING | STORED),
        blob: b.add_text_field("blob", STRING | STORED),
        names: b.add_text_field("names", code_text(false)),
        name_key: b.add_text_field("name_key", STRING),
        qualified_key: b.add_text_field("qualified_key", STRING),
        name: b.add_text_field("name", STORED),
        qualified_name: b.add_text_field("qualified_name", STORED),
        kind: b.add_text_field("kind", STRING | STORED),
        doc: b.add_text_field("doc", code_text(false)),
        body: b.add_text_field("body", code_text(false)),
        start_line: b.add_u64_field("start_line", STORED | INDEXED),
        end_line: b.add_u64_field("end_line", STORED),
        file_id: b.add_u64_field(FILE_ID, FAST),
        chunk: b.add_u64_field(CHUNK_NUMBER, FAST),
        trigrams: b.add_text_field(
            "trigrams",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(TRIGRAM)
                    .set_index_option(IndexRecordOption::Basic),
            ),
        ),
        parsed: b.add_text_field("parsed", STORED),
    };
    (b.build(), fields)
}

/// The normalised form of a qualified name in `qualified_key`, for queries too.
pub(crate) fn qualified_key(name: &str) -> String {
    name.replace("::", ".").replace('#', ".").to_lowercase()
}
