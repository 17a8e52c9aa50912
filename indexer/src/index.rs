//! Building, updating and opening an index directory. Files are keyed by git blob id: an
//! update reads and parses only files whose blob changed, and an index whose version stamp,
//! bookkeeping or checksums do not match is rebuilt from scratch, never trusted.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use tantivy::schema::Schema;
use tantivy::{IndexReader, IndexWriter, TantivyDocument, Term};

use crate::content_store::{self, ContentStore, Seal, Span, StoreWriter};
use crate::error::{IndexError, Result};
use crate::graph::Graph;
use crate::language::Language;
use crate::parse::{ParsedFile, Symbol, SymbolKind, parse};
use crate::schema::{self, Fields};
use crate::skip::{self, SkipCounts, SkipReason};
use crate::source::{Entry, Reader, Source, list};
use crate::tokenizer::{CODE, CodeTokenizer, TRIGRAM, TrigramTokenizer};

/// Bumped whenever the schema, the tokenizers or the parse output change: an index with
/// another stamp is rebuilt.
const FORMAT_VERSION: u32 = 2;
const META_FILE: &str = "redgreen-index.json";
const TANTIVY_DIR: &str = "tantivy";

/// Limits for building an index.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// Files larger than this are skipped as oversized.
    pub max_file_bytes: u64,
    /// The tantivy writer's memory budget, shared by its threads.
    pub writer_memory_bytes: usize,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            max_file_bytes: 1024 * 1024,
            writer_memory_bytes: 128 * 1024 * 1024,
        }
    }
}

/// What a build did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildStats {
    /// Files in the index after the build.
    pub files: u64,
    /// Files read from disk or git in this build (new or changed blobs).
    pub read: u64,
    /// Files parsed with tree-sitter in this build.
    pub parsed: u64,
    /// Files kept from the previous build as they were (same path, same blob).
    pub reused: u64,
    /// Files removed from the index (deleted or changed).
    pub removed: u64,
    /// Files left out, per reason, over the whole source.
    pub skipped: SkipCounts,
    /// Whether an existing index was thrown away (missing, stale or corrupt).
    pub rebuilt: bool,
}

/// The bookkeeping next to the tantivy index: what it holds, and the stamp that says whether
/// it can be trusted.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Meta {
    format: u32,
    indexer: String,
    /// The tantivy commit this bookkeeping describes; a mismatch means a torn update.
    opstamp: u64,
    source: String,
    /// The content store committed with this index.
    content: Seal,
    files: BTreeMap<String, FileState>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct FileState {
    blob: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    skipped: Option<String>,
    /// An indexed file's number, stable while its path stays in the index: the `file_id` fast
    /// field of its document, which leads a search to the file without reading stored fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<u32>,
    /// Where an indexed file's text lies in the content store.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    content: Option<Span>,
}

impl FileState {
    /// Whether two states describe the same indexed file (where it is stored aside).
    fn same_file(&self, other: &FileState) -> bool {
        self.blob == other.blob && self.skipped == other.skipped
    }
}

/// An indexed file as a search reaches it from its document's `file_id`.
pub(crate) struct IndexedFile {
    pub path: String,
    pub language: &'static str,
    pub content: Span,
}

/// An open code index.
pub struct Index {
    pub(crate) index: tantivy::Index,
    pub(crate) reader: IndexReader,
    pub(crate) fields: Fields,
    meta: Meta,
    dir: PathBuf,
    content: ContentStore,
    /// Indexed files by `file_id`.
    by_id: Vec<Option<IndexedFile>>,
    /// The reference graph, loaded on first use by the repo map or localization.
    graph: OnceLock<Graph>,
}

enum Outcome {
    Reused(String, FileState),
    Skipped(String, FileState, SkipReason),
    New(Box<NewFile>),
}

struct NewFile {
    path: String,
    blob: String,
    language: Option<Language>,
    text: String,
    parsed: ParsedFile,
}

impl Index {
    /// Brings the index in `dir` up to date with `source` (building it if absent, rebuilding
    /// it if stale or corrupt) and opens it.
    pub fn build(source: &Source, dir: &Path) -> Result<(Index, BuildStats)> {
        Index::build_with(source, dir, &BuildOptions::default())
    }

    /// [`Index::build`] with explicit limits.
    pub fn build_with(
        source: &Source,
        dir: &Path,
        options: &BuildOptions,
    ) -> Result<(Index, BuildStats)> {
        let mut stats = BuildStats::default();
        let (index, previous, old_content) = match Index::open(dir) {
            Ok(existing) => (existing.index, existing.meta.files, existing.content),
            Err(error) => {
                if dir.join(META_FILE).exists() || dir.join(TANTIVY_DIR).exists() {
                    tracing::warn!(dir = %dir.display(), %error, "rebuilding the code index");
                    stats.rebuilt = true;
                }
                (create(dir)?, BTreeMap::new(), ContentStore::default())
            }
        };
        let fields = fields_of(&index.schema())?;

        let entries = list(source)?;
        let mut by_path = Vec::new();
        let mut to_read = Vec::new();
        for entry in entries {
            match skip::by_path(&entry.path, entry.size, options.max_file_bytes) {
                Some(reason) => by_path.push((entry, reason)),
                None => to_read.push(entry),
            }
        }
        let outcomes: Vec<Result<Outcome>> = to_read
            .par_iter()
            .map_init(
                || Reader::open(source),
                |reader, entry| {
                    let reader = reader.as_ref().map_err(clone_error)?;
                    examine(reader, entry, &previous)
                },
            )
            .collect();

        let mut files: BTreeMap<String, FileState> = BTreeMap::new();
        for (entry, reason) in by_path {
            stats.skipped.add(reason);
            let blob = entry.blob.map(|b| b.to_string()).unwrap_or_default();
            files.insert(
                entry.path,
                FileState {
                    blob,
                    skipped: Some(format!("{reason:?}")),
                    id: None,
                    content: None,
                },
            );
        }
        let mut new_files = Vec::new();
        for outcome in outcomes {
            match outcome? {
                Outcome::Reused(path, state) => {
                    if let Some(reason) = &state.skipped {
                        stats.skipped.add(skip_reason(reason));
                    } else {
                        stats.reused += 1;
                    }
                    files.insert(path, state);
                }
                Outcome::Skipped(path, state, reason) => {
                    stats.read += 1;
                    stats.skipped.add(reason);
                    files.insert(path, state);
                }
                Outcome::New(file) => {
                    stats.read += 1;
                    if file.language.is_some() {
                        stats.parsed += 1;
                    }
                    files.insert(
                        file.path.clone(),
                        FileState {
                            blob: file.blob.clone(),
                            skipped: None,
                            id: previous.get(&file.path).and_then(|s| s.id),
                            content: None,
                        },
                    );
                    new_files.push(file);
                }
            }
        }

        let mut writer: IndexWriter =
            index
                .writer(options.writer_memory_bytes)
                .map_err(|e| match e {
                    tantivy::TantivyError::LockFailure(..) => IndexError::Locked(dir.to_owned()),
                    other => IndexError::Tantivy(other),
                })?;
        // Deletes first: tantivy applies a delete to documents added before it.
        for (path, state) in &previous {
            if state.skipped.is_none() && !files.get(path).is_some_and(|s| s.same_file(state)) {
                writer.delete_term(Term::from_field_text(fields.path_key, path));
                stats.removed += 1;
            }
        }
        // New paths get numbers after every number in use; a changed file keeps its own.
        let mut next_id = previous
            .values()
            .filter_map(|s| s.id)
            .max()
            .map_or(0, |id| id + 1);
        for state in files.values_mut() {
            if state.skipped.is_none() && state.id.is_none() {
                state.id = Some(next_id);
                next_id += 1;
            }
        }
        new_files.par_iter().try_for_each(|file| -> Result<()> {
            let id = files.get(&file.path).and_then(|s| s.id).unwrap_or_default();
            for document in documents(&fields, file, id) {
                writer.add_document(document)?;
            }
            Ok(())
        })?;
        // The content store is written whole, in path order: unchanged files' compressed
        // bytes are copied from the previous store, new ones compressed on all cores.
        let mut compressed: BTreeMap<&str, Vec<u8>> = new_files
            .par_iter()
            .map(|file| (file.path.as_str(), content_store::compress(&file.text)))
            .collect();
        let mut store = StoreWriter::default();
        for (path, state) in files.iter_mut() {
            if state.skipped.is_some() {
                continue;
            }
            let span = match (compressed.remove(path.as_str()), state.content) {
                (Some(bytes), _) => store.push(&bytes)?,
                (None, Some(old)) => store.push(old_content.compressed(old)?)?,
                (None, None) => {
                    return Err(IndexError::Unusable {
                        path: dir.to_owned(),
                        reason: format!("{path} has no stored text to reuse"),
                    });
                }
            };
            state.content = Some(span);
        }
        let opstamp = writer.commit()?;
        writer.wait_merging_threads()?;
        let (seal, content) = store.finish(dir, opstamp)?;

        stats.files = files.values().filter(|f| f.skipped.is_none()).count() as u64;
        let meta = Meta {
            format: FORMAT_VERSION,
            indexer: env!("CARGO_PKG_VERSION").to_owned(),
            opstamp,
            source: source.describe(),
            content: seal,
            files,
        };
        write_meta(dir, &meta)?;
        content_store::remove_others(dir, &meta.content.file)?;
        let reader = snapshot_reader(&index)?;
        let by_id = files_by_id(&meta.files)?;
        Ok((
            Index {
                index,
                reader,
                fields,
                meta,
                dir: dir.to_owned(),
                content,
                by_id,
                graph: OnceLock::new(),
            },
            stats,
        ))
    }

    /// Opens the index in `dir` as it is. Fails with [`IndexError::Unusable`] when it is
    /// missing, from another indexer version, torn by an interrupted update, or corrupt.
    pub fn open(dir: &Path) -> Result<Index> {
        let unusable = |reason: String| IndexError::Unusable {
            path: dir.to_owned(),
            reason,
        };
        let meta_path = dir.join(META_FILE);
        let bytes = std::fs::read(&meta_path).map_err(|e| unusable(format!("{META_FILE}: {e}")))?;
        let meta: Meta =
            serde_json::from_slice(&bytes).map_err(|e| unusable(format!("{META_FILE}: {e}")))?;
        if meta.format != FORMAT_VERSION || meta.indexer != env!("CARGO_PKG_VERSION") {
            return Err(unusable(format!(
                "built by indexer {} format {}, this is {} format {FORMAT_VERSION}",
                meta.indexer,
                meta.format,
                env!("CARGO_PKG_VERSION")
            )));
        }
        let index = tantivy::Index::open_in_dir(dir.join(TANTIVY_DIR))
            .map_err(|e| unusable(e.to_string()))?;
        register_tokenizers(&index);
        let (expected, _) = schema::build();
        if serde_json::to_string(&index.schema()).ok() != serde_json::to_string(&expected).ok() {
            return Err(unusable("schema differs".to_owned()));
        }
        let opstamp = index
            .load_metas()
            .map_err(|e| unusable(e.to_string()))?
            .opstamp;
        if opstamp != meta.opstamp {
            return Err(unusable(format!(
                "bookkeeping is for commit {}, the index is at {opstamp}",
                meta.opstamp
            )));
        }
        let corrupted = index
            .validate_checksum()
            .map_err(|e| unusable(e.to_string()))?;
        if !corrupted.is_empty() {
            return Err(unusable(format!("corrupt files: {corrupted:?}")));
        }
        let fields = fields_of(&index.schema())?;
        let reader = snapshot_reader(&index).map_err(|e| unusable(e.to_string()))?;
        let content = ContentStore::open(dir, &meta.content).map_err(unusable)?;
        let by_id = files_by_id(&meta.files).map_err(|e| unusable(e.to_string()))?;
        Ok(Index {
            index,
            reader,
            fields,
            meta,
            dir: dir.to_owned(),
            content,
            by_id,
            graph: OnceLock::new(),
        })
    }

    pub(crate) fn graph(&self) -> Result<&Graph> {
        if let Some(graph) = self.graph.get() {
            return Ok(graph);
        }
        let graph = Graph::load(self)?;
        Ok(self.graph.get_or_init(|| graph))
    }

    /// The directory the index lives in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// What the index was built from (`worktree:PATH` or `rev:PATH@REV`).
    pub fn source(&self) -> &str {
        &self.meta.source
    }

    /// The file whose document carries `file_id`.
    pub(crate) fn file_by_id(&self, id: u64) -> Option<&IndexedFile> {
        usize::try_from(id)
            .ok()
            .and_then(|id| self.by_id.get(id))
            .and_then(Option::as_ref)
    }

    /// Every indexed file.
    pub(crate) fn files_by_id(&self) -> impl Iterator<Item = &IndexedFile> {
        self.by_id.iter().flatten()
    }

    /// An indexed file's text, as bytes (always UTF-8: only text is indexed).
    pub(crate) fn text(&self, file: &IndexedFile) -> Result<Vec<u8>> {
        self.content.text(file.content)
    }

    /// Chunk `number` of an indexed file, decompressed into `text`; answers its first line.
    pub(crate) fn chunk_into(
        &self,
        file: &IndexedFile,
        number: usize,
        text: &mut Vec<u8>,
    ) -> Result<u32> {
        self.content.chunk_into(file.content, number, text)
    }

    /// The text of the indexed file at `path`, if there is one.
    pub(crate) fn file_content(&self, path: &str) -> Result<Option<String>> {
        let Some(span) = self.meta.files.get(path).and_then(|s| s.content) else {
            return Ok(None);
        };
        let bytes = self.content.text(span)?;
        Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
    }

    /// The indexed (not skipped) files' paths, sorted.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.meta
            .files
            .iter()
            .filter(|(_, f)| f.skipped.is_none())
            .map(|(p, _)| p.as_str())
    }
}

/// A git error cannot be cloned; each thread that failed to open the repository reports it.
fn clone_error(error: &IndexError) -> IndexError {
    IndexError::Git(git2::Error::from_str(&error.to_string()))
}

fn skip_reason(name: &str) -> SkipReason {
    match name {
        "Binary" => SkipReason::Binary,
        "Minified" => SkipReason::Minified,
        "Generated" => SkipReason::Generated,
        "Vendored" => SkipReason::Vendored,
        _ => SkipReason::Oversized,
    }
}

/// Decides what to do with one file: reuse it when its blob is unchanged (without reading it
/// when the source knows blob ids), else read, filter and parse it.
fn examine(
    reader: &Reader,
    entry: &Entry,
    previous: &BTreeMap<String, FileState>,
) -> Result<Outcome> {
    let before = previous.get(&entry.path);
    if let (Some(blob), Some(state)) = (entry.blob, before)
        && state.blob == blob.to_string()
    {
        return Ok(Outcome::Reused(entry.path.clone(), state.clone()));
    }
    let (content, blob) = reader.read(entry)?;
    let blob = blob.to_string();
    if let Some(state) = before.filter(|s| s.blob == blob) {
        return Ok(Outcome::Reused(entry.path.clone(), state.clone()));
    }
    if let Some(reason) = skip::by_content(&content) {
        let state = FileState {
            blob,
            skipped: Some(format!("{reason:?}")),
            id: None,
            content: None,
        };
        return Ok(Outcome::Skipped(entry.path.clone(), state, reason));
    }
    let text = String::from_utf8(content).map_err(|e| {
        IndexError::io(
            &entry.path,
            std::io::Error::new(std::io::ErrorKind::InvalidData, e),
        )
    })?;
    let language = Language::from_path(entry.path.as_ref());
    let parsed = match language {
        Some(language) => parse(language, text.as_bytes())?,
        None => ParsedFile::default(),
    };
    Ok(Outcome::New(Box::new(NewFile {
        path: entry.path.clone(),
        blob,
        language,
        text,
        parsed,
    })))
}

/// The table from `file_id` to indexed file; fails when an indexed file lacks its number or
/// its stored text (bookkeeping from a damaged write).
fn files_by_id(files: &BTreeMap<String, FileState>) -> Result<Vec<Option<IndexedFile>>> {
    let mut by_id: Vec<Option<IndexedFile>> = Vec::new();
    for (path, state) in files.iter().filter(|(_, s)| s.skipped.is_none()) {
        let (Some(id), Some(content)) = (state.id, state.content) else {
            return Err(IndexError::Unusable {
                path: PathBuf::from(path),
                reason: "an indexed file has no number or no stored text".to_owned(),
            });
        };
        let id = id as usize;
        if by_id.len() <= id {
            by_id.resize_with(id + 1, || None);
        }
        by_id[id] = Some(IndexedFile {
            path: path.clone(),
            language: Language::from_path(path.as_ref()).map_or("", Language::name),
            content,
        });
    }
    Ok(by_id)
}

/// The file's document and one per definition.
fn documents(fields: &Fields, file: &NewFile, id: u32) -> Vec<TantivyDocument> {
    let mut out = Vec::with_capacity(1 + file.parsed.symbols.len());
    let language = file.language.map(Language::name).unwrap_or("");
    let mut d = TantivyDocument::new();
    d.add_text(fields.doc_type, schema::FILE);
    d.add_text(fields.path_key, &file.path);
    d.add_text(fields.path_text, &file.path);
    d.add_text(fields.language, language);
    d.add_text(fields.blob, &file.blob);
    d.add_text(fields.body, &file.text);
    d.add_u64(fields.file_id, u64::from(id));
    d.add_u64(fields.start_line, 1);
    d.add_u64(fields.end_line, file.text.lines().count().max(1) as u64);
    // Docstrings are indexed (each definition's `doc` field) but left out of the stored parse:
    // what reads the parse back (the graph) never needs them, and they were most of its size.
    let stored = ParsedFile {
        symbols: file
            .parsed
            .symbols
            .iter()
            .map(|symbol| Symbol {
                doc: None,
                ..symbol.clone()
            })
            .collect(),
        references: file.parsed.references.clone(),
    };
    if let Ok(json) = serde_json::to_string(&stored) {
        d.add_text(fields.parsed, json);
    }
    out.push(d);

    for (number, chunk) in content_store::chunks(&file.text).into_iter().enumerate() {
        let mut d = TantivyDocument::new();
        d.add_text(fields.doc_type, schema::CHUNK);
        d.add_text(fields.path_key, &file.path);
        d.add_u64(fields.file_id, u64::from(id));
        d.add_u64(fields.chunk, number as u64);
        d.add_text(
            fields.trigrams,
            file.text.get(chunk.start..chunk.end).unwrap_or(""),
        );
        out.push(d);
    }

    let symbols = &file.parsed.symbols;
    for (i, symbol) in symbols.iter().enumerate() {
        let start = symbol.start_byte as usize;
        let mut end = symbol.end_byte as usize;
        // A container's body is its own text up to its first member: the members have their
        // own documents, and indexing them twice would rank every class above its methods.
        let container = matches!(
            symbol.kind,
            SymbolKind::Class
                | SymbolKind::Struct
                | SymbolKind::Interface
                | SymbolKind::Trait
                | SymbolKind::Module
                | SymbolKind::Enum
        );
        if container
            && let Some(member) = symbols[i + 1..]
                .iter()
                .find(|m| (m.start_byte as usize) > start && (m.start_byte as usize) < end)
        {
            end = member.start_byte as usize;
        }
        let body = file.text.get(start..end).unwrap_or("");
        let mut d = TantivyDocument::new();
        d.add_text(fields.doc_type, schema::SYMBOL);
        d.add_text(fields.path_key, &file.path);
        d.add_text(fields.path_text, &file.path);
        d.add_text(fields.language, language);
        d.add_text(fields.names, &symbol.name);
        d.add_text(fields.names, &symbol.qualified_name);
        d.add_text(fields.name_key, symbol.name.to_lowercase());
        d.add_text(
            fields.qualified_key,
            schema::qualified_key(&symbol.qualified_name),
        );
        d.add_text(fields.name, &symbol.name);
        d.add_text(fields.qualified_name, &symbol.qualified_name);
        d.add_text(fields.kind, symbol.kind.name());
        if let Some(doc) = &symbol.doc {
            d.add_text(fields.doc, doc);
        }
        d.add_text(fields.body, body);
        d.add_u64(fields.start_line, u64::from(symbol.start_line));
        d.add_u64(fields.end_line, u64::from(symbol.end_line));
        out.push(d);
    }
    out
}

fn create(dir: &Path) -> Result<tantivy::Index> {
    let tantivy_dir = dir.join(TANTIVY_DIR);
    for stale in [dir.join(META_FILE)] {
        match std::fs::remove_file(&stale) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(IndexError::io(stale, e)),
        }
    }
    match std::fs::remove_dir_all(&tantivy_dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(IndexError::io(&tantivy_dir, e)),
    }
    std::fs::create_dir_all(&tantivy_dir).map_err(|e| IndexError::io(&tantivy_dir, e))?;
    let (schema, _) = schema::build();
    let index = tantivy::Index::create_in_dir(&tantivy_dir, schema)?;
    register_tokenizers(&index);
    Ok(index)
}

fn register_tokenizers(index: &tantivy::Index) {
    index.tokenizers().register(CODE, CodeTokenizer);
    index.tokenizers().register(TRIGRAM, TrigramTokenizer);
}

fn fields_of(schema: &Schema) -> Result<Fields> {
    let (expected, fields) = schema::build();
    let same = expected
        .fields()
        .all(|(field, entry)| schema.get_field(entry.name()).ok() == Some(field));
    if same {
        Ok(fields)
    } else {
        Err(IndexError::Unusable {
            path: PathBuf::new(),
            reason: "schema differs".to_owned(),
        })
    }
}

/// Writes the bookkeeping atomically: a reader sees the old file or the new one.
fn write_meta(dir: &Path, meta: &Meta) -> Result<()> {
    let path = dir.join(META_FILE);
    let tmp = dir.join(format!("{META_FILE}.tmp"));
    let json = serde_json::to_vec(meta).map_err(|e| IndexError::io(&tmp, e.into()))?;
    std::fs::write(&tmp, json).map_err(|e| IndexError::io(&tmp, e))?;
    std::fs::rename(&tmp, &path).map_err(|e| IndexError::io(&path, e))?;
    Ok(())
}

/// A reader of the index as committed now. An `Index` is a snapshot (a new commit is a new
/// `Index`), so the reader never reloads: the default policy would start a thread watching
/// `meta.json` that outlives the `Index` for a while and maps the segment files of whatever
/// commit it sees next, which may by then be removed or rewritten under it (a SIGBUS).
fn snapshot_reader(index: &tantivy::Index) -> tantivy::Result<IndexReader> {
    index
        .reader_builder()
        .reload_policy(tantivy::ReloadPolicy::Manual)
        .try_into()
}
