//! Where the files to index come from: a working tree on disk, or a commit read straight from
//! git's object database (no checkout). Both name every file by its git blob id.

use std::path::{Path, PathBuf};

use git2::{ObjectType, Oid, Repository, TreeWalkMode, TreeWalkResult};

use crate::error::{IndexError, Result};

/// What to index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The files under a directory as they are on disk, honouring `.gitignore`.
    WorkTree(PathBuf),
    /// The tree of a revision (`HEAD`, a branch, a commit id) of the repository at `repo`.
    Rev { repo: PathBuf, rev: String },
}

impl Source {
    /// How the index records what it was built from.
    pub(crate) fn describe(&self) -> String {
        match self {
            Source::WorkTree(path) => format!("worktree:{}", path.display()),
            Source::Rev { repo, rev } => format!("rev:{}@{rev}", repo.display()),
        }
    }
}

/// One file of the source: its path relative to the root (with `/`), its size, and its blob id
/// when known without reading it (a revision's tree has it; a working tree does not).
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub path: String,
    pub size: u64,
    pub blob: Option<Oid>,
}

/// Lists the files of `source`, without reading their content.
pub(crate) fn list(source: &Source) -> Result<Vec<Entry>> {
    match source {
        Source::WorkTree(root) => {
            let mut entries = Vec::new();
            let walk = ignore::WalkBuilder::new(root)
                .hidden(false)
                .filter_entry(|e| e.file_name() != ".git")
                .build();
            for item in walk {
                // An unreadable directory or entry is left out, not fatal to the whole index.
                let item = match item {
                    Ok(item) => item,
                    Err(error) => {
                        tracing::warn!(root = %root.display(), %error, "skipping an unreadable entry");
                        continue;
                    }
                };
                if !item.file_type().is_some_and(|t| t.is_file()) {
                    continue;
                }
                let Ok(relative) = item.path().strip_prefix(root) else {
                    continue;
                };
                let Some(path) = relative.to_str() else {
                    continue;
                };
                let size = item
                    .metadata()
                    .map_err(|e| IndexError::io(item.path(), std::io::Error::other(e)))?
                    .len();
                entries.push(Entry {
                    path: path.replace(std::path::MAIN_SEPARATOR, "/"),
                    size,
                    blob: None,
                });
            }
            entries.sort_by(|a, b| a.path.cmp(&b.path));
            Ok(entries)
        }
        Source::Rev { repo, rev } => {
            let repository = Repository::open(repo)?;
            let tree = repository.revparse_single(rev)?.peel_to_tree()?;
            let odb = repository.odb()?;
            let mut entries = Vec::new();
            let mut failure = None;
            tree.walk(TreeWalkMode::PreOrder, |dir, entry| {
                if entry.kind() != Some(ObjectType::Blob) || entry.filemode() == 0o120000 {
                    return TreeWalkResult::Ok;
                }
                let Ok(name) = entry.name() else {
                    return TreeWalkResult::Ok;
                };
                match odb.read_header(entry.id()) {
                    Ok((size, _)) => entries.push(Entry {
                        path: format!("{dir}{name}"),
                        size: size as u64,
                        blob: Some(entry.id()),
                    }),
                    Err(e) => {
                        failure = Some(e);
                        return TreeWalkResult::Abort;
                    }
                }
                TreeWalkResult::Ok
            })?;
            if let Some(e) = failure {
                return Err(e.into());
            }
            entries.sort_by(|a, b| a.path.cmp(&b.path));
            Ok(entries)
        }
    }
}

/// Reads files' content; one per thread, as a git repository handle is not shareable.
pub(crate) enum Reader {
    WorkTree(PathBuf),
    Git(Repository),
}

impl Reader {
    pub(crate) fn open(source: &Source) -> Result<Reader> {
        Ok(match source {
            Source::WorkTree(root) => Reader::WorkTree(root.clone()),
            Source::Rev { repo, .. } => Reader::Git(Repository::open(repo)?),
        })
    }

    /// The content and blob id of `entry`.
    pub(crate) fn read(&self, entry: &Entry) -> Result<(Vec<u8>, Oid)> {
        match self {
            Reader::WorkTree(root) => {
                let path: &Path = entry.path.as_ref();
                let full = root.join(path);
                let content = std::fs::read(&full).map_err(|e| IndexError::io(full, e))?;
                let blob = Oid::hash_object(ObjectType::Blob, &content)?;
                Ok((content, blob))
            }
            Reader::Git(repository) => {
                let oid = entry
                    .blob
                    .ok_or_else(|| git2::Error::from_str("tree entry without a blob id"))?;
                let blob = repository.find_blob(oid)?;
                Ok((blob.content().to_vec(), oid))
            }
        }
    }
}
