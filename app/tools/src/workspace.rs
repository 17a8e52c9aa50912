//! The repository checkout the tools act on. Every path is repository-relative; absolute
//! paths, `..` and any path through a symbolic link are refused, because the checkout is
//! untrusted: a link committed as `src/x -> /etc` must not let a read or a write leave it.
//! Files are opened with `O_NOFOLLOW` as well, so a link that appears between the check and
//! the open is refused by the kernel.

mod scope;

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

pub use scope::{DEFAULT_DENY, WriteScope};

use crate::error::ToolError;
use scope::CompiledScope;

/// A checkout and the scope within which it may be written.
#[derive(Debug, Clone)]
pub struct Workspace {
    root: PathBuf,
    scope: CompiledScope,
}

impl Workspace {
    /// Opens the checkout at `root` (resolved once: the root itself may be reached through a
    /// link, nothing below it may).
    pub fn open(root: &Path, scope: WriteScope) -> Result<Workspace, ToolError> {
        let root = root
            .canonicalize()
            .map_err(|source| ToolError::io("opening the workspace", root, source))?;
        if !root.is_dir() {
            return Err(ToolError::io(
                "opening the workspace",
                root,
                std::io::Error::new(std::io::ErrorKind::NotADirectory, "not a directory"),
            ));
        }
        Ok(Workspace {
            root,
            scope: scope.compile()?,
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Normalizes a repository-relative path (`./src//a.rs` → `src/a.rs`) and refuses
    /// absolute paths and `..`.
    pub fn normalize(path: &str) -> Result<String, ToolError> {
        let refuse = |reason: &str| ToolError::PathRefused {
            path: path.to_owned(),
            reason: reason.to_owned(),
        };
        if path.contains('\0') {
            return Err(refuse("it contains a NUL character"));
        }
        if path.starts_with('/') || path.starts_with('\\') || has_drive_prefix(path) {
            return Err(refuse(
                "it is absolute; give the path relative to the repository root (`src/lib.rs`)",
            ));
        }
        let mut parts = Vec::new();
        for part in path.split('/') {
            match part {
                "" | "." => {}
                ".." => {
                    return Err(refuse(
                        "`..` would leave the repository; paths are relative to its root",
                    ));
                }
                other => parts.push(other),
            }
        }
        if parts.is_empty() {
            return Err(refuse("it names the repository root, not a file"));
        }
        Ok(parts.join("/"))
    }

    /// The normalized path, after checking that none of its existing components is a
    /// symbolic link and that every existing parent is a directory.
    pub fn check_path(&self, path: &str) -> Result<String, ToolError> {
        let normal = Workspace::normalize(path)?;
        let parts: Vec<&str> = normal.split('/').collect();
        let mut current = self.root.clone();
        for (index, part) in parts.iter().enumerate() {
            current.push(part);
            let shown = parts[..=index].join("/");
            match std::fs::symlink_metadata(&current) {
                Ok(metadata) if metadata.file_type().is_symlink() => {
                    return Err(ToolError::PathRefused {
                        path: normal.clone(),
                        reason: format!(
                            "`{shown}` is a symbolic link, which the tools never follow"
                        ),
                    });
                }
                Ok(metadata) if index + 1 < parts.len() && !metadata.is_dir() => {
                    return Err(ToolError::PathRefused {
                        path: normal.clone(),
                        reason: format!("`{shown}` is a file, not a directory"),
                    });
                }
                Ok(_) => {}
                // Nothing below a missing component exists either.
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => break,
                Err(source) => return Err(ToolError::io("inspecting", shown, source)),
            }
        }
        Ok(normal)
    }

    /// [`Workspace::check_path`] plus the write scope.
    pub fn check_writable(&self, path: &str) -> Result<String, ToolError> {
        let normal = self.check_path(path)?;
        match self.scope.refusal(&normal) {
            Some(reason) => Err(ToolError::WriteRefused {
                path: normal,
                reason,
            }),
            None => Ok(normal),
        }
    }

    /// Whether `path` names an existing regular file (never following a link).
    pub fn is_file(&self, path: &str) -> Result<bool, ToolError> {
        let normal = self.check_path(path)?;
        Ok(std::fs::symlink_metadata(self.root.join(&normal)).is_ok_and(|m| m.is_file()))
    }

    /// The bytes of a file, or `None` when it does not exist.
    pub fn read(&self, path: &str) -> Result<Option<Vec<u8>>, ToolError> {
        let normal = self.check_path(path)?;
        let full = self.root.join(&normal);
        let mut file = match OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&full)
        {
            Ok(file) => file,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(refused_link_or_io("reading", &normal, source)),
        };
        if !file
            .metadata()
            .map_err(|source| ToolError::io("reading", &normal, source))?
            .is_file()
        {
            return Err(ToolError::NotText {
                path: normal,
                reason: "it is not a regular file".into(),
            });
        }
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(|source| ToolError::io("reading", &normal, source))?;
        Ok(Some(bytes))
    }

    /// Writes a whole file, creating it and its missing directories. Refused outside the write
    /// scope or through a link.
    pub fn write(&self, path: &str, bytes: &[u8]) -> Result<String, ToolError> {
        let normal = self.check_writable(path)?;
        self.create_parents(&normal)?;
        let full = self.root.join(&normal);
        let mut file: File = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&full)
            .map_err(|source| refused_link_or_io("writing", &normal, source))?;
        file.write_all(bytes)
            .and_then(|()| file.flush())
            .map_err(|source| ToolError::io("writing", &normal, source))?;
        Ok(normal)
    }

    /// Creates the missing directories above `normal` one at a time, re-checking each, so a
    /// link cannot be slipped in between.
    fn create_parents(&self, normal: &str) -> Result<(), ToolError> {
        let parts: Vec<&str> = normal.split('/').collect();
        let mut current = self.root.clone();
        for part in &parts[..parts.len().saturating_sub(1)] {
            current.push(part);
            match std::fs::symlink_metadata(&current) {
                Ok(metadata) if metadata.is_dir() && !metadata.file_type().is_symlink() => {}
                Ok(_) => {
                    return Err(ToolError::PathRefused {
                        path: normal.to_owned(),
                        reason: "a parent is not a directory".into(),
                    });
                }
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                    std::fs::create_dir(&current).map_err(|source| {
                        ToolError::io("creating a directory for", normal, source)
                    })?;
                }
                Err(source) => return Err(ToolError::io("inspecting", normal, source)),
            }
        }
        Ok(())
    }
}

/// `O_NOFOLLOW` on a link fails with `ELOOP`: say so in the tools' words.
fn refused_link_or_io(operation: &'static str, normal: &str, source: std::io::Error) -> ToolError {
    if source.raw_os_error() == Some(libc::ELOOP) {
        ToolError::PathRefused {
            path: normal.to_owned(),
            reason: "it is a symbolic link, which the tools never follow".into(),
        }
    } else {
        ToolError::io(operation, normal, source)
    }
}

fn has_drive_prefix(path: &str) -> bool {
    let bytes = path.as_bytes();
    bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':'
}
