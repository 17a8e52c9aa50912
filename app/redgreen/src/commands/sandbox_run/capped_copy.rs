//! `redgreen sandbox run --disk`: the command runs on a copy of the workspace held in a
//! disk-capped volume, and the workspace is made to match the copy when the command ends.
//!
//! A cap is enforced by the kernel only on a file system of its own (`redgreen_sandbox`'s
//! volumes), and the directory a person names on the command line is not one. The copy in
//! counts against the cap like everything the command writes. Copying back mirrors the copy:
//! new and changed entries are copied, entries the command removed are removed. Neither
//! direction follows a symlink: a symlink is copied as a symlink, and anything in the way of
//! an entry is removed before the entry is written, never written through.

use std::fs;
use std::io;
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::{Path, PathBuf};

use anyhow::Context as _;

/// A workspace copied into a capped volume for one command.
pub struct CappedCopy {
    /// Private (0700) directory holding the volume and its image.
    dir: tempfile::TempDir,
}

impl CappedCopy {
    /// Makes a volume of `bytes` under `/var/tmp` and copies `workspace` into it.
    pub fn stage(workspace: &Path, bytes: u64) -> anyhow::Result<CappedCopy> {
        let dir = tempfile::Builder::new()
            .prefix("redgreen-sandbox-")
            .tempdir_in("/var/tmp")
            .context("cannot create a directory for the capped workspace under /var/tmp")?;
        let copy = CappedCopy { dir };
        redgreen_sandbox::create_volume(&copy.path(), bytes)
            .context("cannot create the disk-capped workspace")?;
        mirror(workspace, &copy.path()).with_context(|| {
            format!(
                "the workspace {} does not fit the disk cap of {} MiB",
                workspace.display(),
                bytes >> 20
            )
        })?;
        Ok(copy)
    }

    /// Where the copy is: the workspace to give the sandbox.
    pub fn path(&self) -> PathBuf {
        self.dir.path().join("workspace")
    }

    /// Makes `workspace` match the copy as the command left it.
    pub fn copy_back(&self, workspace: &Path) -> anyhow::Result<()> {
        mirror(&self.path(), workspace).with_context(|| {
            format!(
                "cannot copy the command's changes back into {}",
                workspace.display()
            )
        })
    }
}

impl Drop for CappedCopy {
    fn drop(&mut self) {
        if let Err(error) = redgreen_sandbox::remove_volume(&self.path()) {
            eprintln!("redgreen sandbox: cannot remove the capped workspace: {error}");
        }
    }
}

/// Makes the directory `to` hold exactly what `from` holds (files, directories, symlinks;
/// modes without set-id bits; file modification times), copying only what differs.
fn mirror(from: &Path, to: &Path) -> io::Result<()> {
    let mut pending = vec![(from.to_path_buf(), to.to_path_buf())];
    while let Some((from, to)) = pending.pop() {
        let mut names = std::collections::BTreeSet::new();
        for entry in fs::read_dir(&from)? {
            let entry = entry?;
            let name = entry.file_name();
            // A volume's own bookkeeping, should one be copied from.
            if name == "lost+found" {
                continue;
            }
            let source = from.join(&name);
            let target = to.join(&name);
            names.insert(name);
            let metadata = fs::symlink_metadata(&source)?;
            let existing = fs::symlink_metadata(&target).ok();
            let kind = metadata.file_type();
            let mode = fs::Permissions::from_mode(metadata.mode() & 0o1777);
            if kind.is_dir() {
                if !existing.as_ref().is_some_and(fs::Metadata::is_dir) {
                    remove_if_present(&target, existing.as_ref())?;
                    fs::create_dir(&target)?;
                }
                fs::set_permissions(&target, mode)?;
                pending.push((source, target));
            } else if kind.is_symlink() {
                let link = fs::read_link(&source)?;
                let same = existing
                    .as_ref()
                    .is_some_and(|m| m.file_type().is_symlink())
                    && fs::read_link(&target).is_ok_and(|current| current == link);
                if !same {
                    remove_if_present(&target, existing.as_ref())?;
                    symlink(&link, &target)?;
                }
            } else if kind.is_file() {
                let same = existing.as_ref().is_some_and(|m| {
                    m.is_file()
                        && m.len() == metadata.len()
                        && m.mtime() == metadata.mtime()
                        && m.mtime_nsec() == metadata.mtime_nsec()
                });
                if !same {
                    remove_if_present(&target, existing.as_ref())?;
                    fs::copy(&source, &target)?;
                    fs::set_permissions(&target, mode)?;
                    fs::File::options()
                        .write(true)
                        .open(&target)?
                        .set_modified(metadata.modified()?)?;
                }
            }
            // FIFOs, sockets and devices are not copied either way.
        }
        for entry in fs::read_dir(&to)? {
            let entry = entry?;
            if names.contains(&entry.file_name()) {
                continue;
            }
            let path = entry.path();
            let metadata = fs::symlink_metadata(&path).ok();
            // What was never copied (a FIFO of the person's own) is not the command's to
            // remove.
            if metadata.as_ref().is_some_and(|m| {
                let kind = m.file_type();
                kind.is_file() || kind.is_dir() || kind.is_symlink()
            }) {
                remove_if_present(&path, metadata.as_ref())?;
            }
        }
    }
    Ok(())
}

/// Removes whatever `path` is (a directory with its contents, never following a symlink).
fn remove_if_present(path: &Path, metadata: Option<&fs::Metadata>) -> io::Result<()> {
    match metadata {
        None => Ok(()),
        Some(metadata) if metadata.is_dir() => fs::remove_dir_all(path),
        Some(_) => fs::remove_file(path),
    }
}
