//! The indexed files' text, kept outside tantivy: each file cut into chunks of whole lines,
//! each chunk compressed on its own (LZ4), into one file beside the index, in path order.
//! Regex verification decompresses exactly the chunks the trigram prefilter leaves (tantivy's
//! document store would also decompress the neighbours sharing a block and every other stored
//! field of the document).
//!
//! A file's chunks are consecutive records, `[compressed length: u32 LE][first line: u32 LE]
//! [LZ4 block with its size prepended]`, so that the bookkeeping needs one span per file.

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{IndexError, Result};

/// Where one file's compressed text lies in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Span {
    pub offset: u64,
    pub len: u32,
}

/// What the bookkeeping records of a written store, so that a store that is not the one the
/// index was committed with (torn update, damaged file) is caught when the index is opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Seal {
    /// The file's name in the index directory.
    pub file: String,
    pub bytes: u64,
    pub crc32: u32,
}

/// Text per chunk, at least: a chunk ends at the first line end after this many bytes. The
/// trigram prefilter narrows a search to chunks (smaller ones filter better and weigh more in
/// the index). Chunk documents and store records are numbered by it, so changing it changes
/// the index format (`FORMAT_VERSION` in `index.rs`).
pub(crate) const CHUNK_BYTES: usize = 4096;
const RECORD_HEADER: usize = 8;

/// One chunk of a file: a byte range of whole lines and the number of its first line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Chunk {
    pub start: usize,
    pub end: usize,
    pub first_line: u32,
}

/// How a file's text is cut into chunks; the index's chunk documents and the store's
/// records are both cut here, so chunk numbers agree. An empty file has no chunk.
pub(crate) fn chunks(text: &str) -> Vec<Chunk> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len() / CHUNK_BYTES + 1);
    let (mut start, mut first_line) = (0, 1u32);
    while start < bytes.len() {
        let end = match bytes.get(start + CHUNK_BYTES - 1..) {
            Some(rest) => rest
                .iter()
                .position(|&b| b == b'\n')
                .map_or(bytes.len(), |i| start + CHUNK_BYTES + i),
            None => bytes.len(),
        };
        out.push(Chunk {
            start,
            end,
            first_line,
        });
        first_line += bytes[start..end].iter().filter(|&&b| b == b'\n').count() as u32;
        start = end;
    }
    out
}

/// An open store, read whole into memory (the crate forbids the `unsafe` a memory map needs;
/// the file is about a third of the source's size).
#[derive(Default)]
pub(crate) struct ContentStore {
    bytes: Vec<u8>,
}

impl ContentStore {
    /// Reads the store `seal` describes; a reason when it is missing or not that store.
    pub fn open(dir: &Path, seal: &Seal) -> std::result::Result<ContentStore, String> {
        let bytes =
            std::fs::read(dir.join(&seal.file)).map_err(|e| format!("{}: {e}", seal.file))?;
        if bytes.len() as u64 != seal.bytes || crc32fast::hash(&bytes) != seal.crc32 {
            return Err(format!(
                "{} is not the store the index was committed with",
                seal.file
            ));
        }
        Ok(ContentStore { bytes })
    }

    /// The compressed bytes at `span`, as [`StoreWriter::copy`] takes them.
    pub fn compressed(&self, span: Span) -> Result<&[u8]> {
        let start = usize::try_from(span.offset).unwrap_or(usize::MAX);
        start
            .checked_add(span.len as usize)
            .and_then(|end| self.bytes.get(start..end))
            .ok_or_else(|| damaged(format!("span {span:?} is outside the store")))
    }

    /// One file's text, decompressed.
    pub fn text(&self, span: Span) -> Result<Vec<u8>> {
        let mut text = Vec::new();
        for record in records(self.compressed(span)?) {
            let (_, block) = record?;
            decompress_into(block, &mut text)?;
        }
        Ok(text)
    }

    /// Chunk `number` of the file at `span`, decompressed into `text` (cleared first, so that
    /// a caller can reuse one buffer); answers the chunk's first line.
    pub fn chunk_into(&self, span: Span, number: usize, text: &mut Vec<u8>) -> Result<u32> {
        let (first_line, block) = records(self.compressed(span)?)
            .nth(number)
            .ok_or_else(|| damaged(format!("span {span:?} has no chunk {number}")))??;
        text.clear();
        decompress_into(block, text)?;
        Ok(first_line)
    }
}

/// Appends one LZ4 block (its size prepended) to `out`.
fn decompress_into(block: &[u8], out: &mut Vec<u8>) -> Result<()> {
    let corrupt = |reason: String| damaged(format!("a chunk: {reason}"));
    let (size, compressed) = block
        .split_first_chunk::<4>()
        .ok_or_else(|| corrupt("no size".to_owned()))?;
    let start = out.len();
    out.resize(start + u32::from_le_bytes(*size) as usize, 0);
    let written = lz4_flex::block::decompress_into(compressed, &mut out[start..])
        .map_err(|e| corrupt(e.to_string()))?;
    out.truncate(start + written);
    Ok(())
}

/// The records of one file's span: each chunk's first line and compressed block.
fn records(mut bytes: &[u8]) -> impl Iterator<Item = Result<(u32, &[u8])>> {
    std::iter::from_fn(move || {
        if bytes.is_empty() {
            return None;
        }
        let header = |at: usize| -> Option<u32> {
            Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
        };
        let record = header(0).zip(header(4)).and_then(|(len, first_line)| {
            let end = RECORD_HEADER.checked_add(len as usize)?;
            Some((first_line, bytes.get(RECORD_HEADER..end)?, end))
        });
        match record {
            Some((first_line, block, end)) => {
                bytes = &bytes[end..];
                Some(Ok((first_line, block)))
            }
            None => {
                bytes = &[];
                Some(Err(damaged("a truncated chunk record".to_owned())))
            }
        }
    })
}

fn damaged(reason: String) -> IndexError {
    IndexError::Unusable {
        path: "content store".into(),
        reason,
    }
}

/// One file's records, as the store keeps them (made in parallel before writing).
pub(crate) fn compress(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() / 2);
    for chunk in chunks(text) {
        let block = lz4_flex::compress_prepend_size(&text.as_bytes()[chunk.start..chunk.end]);
        // A chunk is at most a file, and files over the size cap are not indexed.
        out.extend_from_slice(&(block.len() as u32).to_le_bytes());
        out.extend_from_slice(&chunk.first_line.to_le_bytes());
        out.extend_from_slice(&block);
    }
    out
}

/// A store being built in memory; [`StoreWriter::finish`] writes it and opens it as it is,
/// without reading back what it just wrote.
#[derive(Default)]
pub(crate) struct StoreWriter {
    bytes: Vec<u8>,
}

const TMP_FILE: &str = "content.lz4.tmp";
const PREFIX: &str = "content-";
const SUFFIX: &str = ".lz4";

impl StoreWriter {
    /// Appends compressed bytes (from [`compress`] or an older store) and says where they lie.
    pub fn push(&mut self, compressed: &[u8]) -> Result<Span> {
        let len = u32::try_from(compressed.len())
            .map_err(|_| damaged("one file's compressed text is over 4 GiB".to_owned()))?;
        let span = Span {
            offset: self.bytes.len() as u64,
            len,
        };
        self.bytes.extend_from_slice(compressed);
        Ok(span)
    }

    /// Writes the store to disk (through a temporary file, synced) under a name of its own
    /// (`content-GENERATION.lz4`), which the bookkeeping written next points to.
    pub fn finish(self, dir: &Path, generation: u64) -> Result<(Seal, ContentStore)> {
        let tmp = dir.join(TMP_FILE);
        let mut file = std::fs::File::create(&tmp).map_err(|e| IndexError::io(&tmp, e))?;
        file.write_all(&self.bytes)
            .and_then(|()| file.sync_all())
            .map_err(|e| IndexError::io(&tmp, e))?;
        let name = format!("{PREFIX}{generation}{SUFFIX}");
        let path = dir.join(&name);
        std::fs::rename(&tmp, &path).map_err(|e| IndexError::io(&path, e))?;
        let seal = Seal {
            file: name,
            bytes: self.bytes.len() as u64,
            crc32: crc32fast::hash(&self.bytes),
        };
        Ok((seal, ContentStore { bytes: self.bytes }))
    }
}

/// Removes the stores in `dir` other than `keep` (left by earlier builds or a torn one).
pub(crate) fn remove_others(dir: &Path, keep: &str) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| IndexError::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| IndexError::io(dir, e))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let ours = (name.starts_with(PREFIX) && name.ends_with(SUFFIX)) || name == TMP_FILE;
        if ours && name != keep {
            std::fs::remove_file(entry.path()).map_err(|e| IndexError::io(entry.path(), e))?;
        }
    }
    Ok(())
}
