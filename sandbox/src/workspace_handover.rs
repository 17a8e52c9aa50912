//! The workspace's trip through a run: handed to the sandbox's unprivileged host user before
//! it, and cleaned of what could act on the host after it.
//!
//! The command runs as an unprivileged host user (`SandboxConfig::host_identity`), so it can
//! only write what that user owns: everything in the workspace is given to it before the run,
//! except the top directory, which stays the supervisor's (libgit2 on the host refuses a
//! working tree whose top directory another user owns) and is opened to the sandbox's group
//! (mode 0770), and the top-level `.git`, which the sandbox only ever sees read-only.
//!
//! What a run leaves is untrusted. Before the run returns (and so before anything on the host
//! reads the tree), setuid and setgid bits are cleared and anything that is not a regular
//! file, a directory or a symlink (FIFOs, sockets, device nodes) is removed: a FIFO would hang
//! a host reader, a setuid file would be a door for any local user. A top-level `.git` that
//! appeared or was replaced during the run is removed as well: the host would take it for the
//! repository.
//!
//! The walks never follow a symlink (entries are examined with `lstat`, and a symlinked
//! directory is not entered), and nothing in the sandbox runs while they do.

use std::fs;
use std::io;
use std::os::unix::fs::{MetadataExt, PermissionsExt, lchown};
use std::path::{Path, PathBuf};

use crate::{HostIdentity, SandboxError};

/// The mode of the workspace's top directory during and after a run: the supervisor and the
/// sandbox's group, nobody else.
const TOP_MODE: u32 = 0o770;

/// Bits a file left by the sandbox never keeps.
const SET_ID_BITS: u32 = 0o6000;

/// A workspace handed over for one run; [`WorkspaceHandover::take_back`] cleans it.
pub(crate) struct WorkspaceHandover {
    workspace: PathBuf,
    /// The top-level `.git` before the run, if there was one.
    git_before: Option<GitIdentity>,
}

impl WorkspaceHandover {
    /// Gives the workspace to `identity` (see the module documentation). Without an identity
    /// (a non-root supervisor) the sandbox's user is the supervisor's own and nothing changes
    /// hands.
    pub(crate) fn hand_over(
        workspace: &Path,
        identity: Option<HostIdentity>,
    ) -> Result<WorkspaceHandover, SandboxError> {
        let git_before = git_identity(workspace);
        if let Some(identity) = identity {
            hand_over(workspace, identity)
                .map_err(SandboxError::io("handing the workspace over"))?;
        }
        Ok(WorkspaceHandover {
            workspace: workspace.to_path_buf(),
            git_before,
        })
    }

    /// Cleans what the run left (see the module documentation).
    pub(crate) fn take_back(self) -> Result<(), SandboxError> {
        // A `.git` bound read-only stays the same directory. Any other (one that appeared, or
        // one that replaced a symlink the sandbox could change) is the run's making.
        let git_after = git_identity(&self.workspace);
        if git_after.is_some() && git_after != self.git_before {
            tracing::warn!(workspace = %self.workspace.display(), "removing a .git the sandboxed command made");
            remove_any(&self.workspace.join(".git"))
                .map_err(SandboxError::io("removing a .git made in the sandbox"))?;
        }
        // A `.git` that was there all along was read-only in the sandbox: nothing to clean.
        let kept_git = git_after.is_some() && git_after == self.git_before;
        walk(&self.workspace, kept_git, &mut |path, metadata| {
            let kind = metadata.file_type();
            if kind.is_symlink() {
                return Ok(());
            }
            if !kind.is_file() && !kind.is_dir() {
                tracing::warn!(path = %path.display(), "removing a special file the sandboxed command left");
                return fs::remove_file(path);
            }
            let mode = metadata.mode();
            if mode & SET_ID_BITS != 0 {
                tracing::warn!(path = %path.display(), "clearing setuid/setgid bits the sandboxed command set");
                fs::set_permissions(path, fs::Permissions::from_mode(mode & 0o1777))?;
            }
            Ok(())
        })
        .map_err(SandboxError::io("cleaning the workspace after the run"))
    }
}

/// What tells the top-level `.git` apart from any other entry by that name (a symlink counts
/// as itself): its device and inode, and, because a freed inode number is soon given to the
/// next new file, its type and the time its inode last changed.
type GitIdentity = (u64, u64, u32, i64, i64);

fn git_identity(workspace: &Path) -> Option<GitIdentity> {
    fs::symlink_metadata(workspace.join(".git")).ok().map(|m| {
        (
            m.dev(),
            m.ino(),
            m.mode() & libc::S_IFMT,
            m.ctime(),
            m.ctime_nsec(),
        )
    })
}

fn hand_over(workspace: &Path, identity: HostIdentity) -> io::Result<()> {
    let top = fs::symlink_metadata(workspace)?;
    if top.gid() != identity.gid {
        lchown(workspace, None, Some(identity.gid))?;
    }
    if top.mode() & 0o7777 != TOP_MODE {
        fs::set_permissions(workspace, fs::Permissions::from_mode(TOP_MODE))?;
    }
    // The repository's git directory stays the supervisor's; the sandbox sees it read-only.
    walk(workspace, true, &mut |path, metadata| {
        give(path, metadata, identity)
    })
}

fn give(path: &Path, metadata: &fs::Metadata, identity: HostIdentity) -> io::Result<()> {
    if metadata.uid() != identity.uid || metadata.gid() != identity.gid {
        // lchown: a symlink itself changes hands, never what it points to.
        lchown(path, Some(identity.uid), Some(identity.gid))?;
    }
    Ok(())
}

/// Calls `visit` on everything below `workspace` (not `workspace` itself; not its top-level
/// `.git` when `skip_git`), parents before children, without following symlinks. An entry
/// that vanishes meanwhile is skipped.
fn walk(
    workspace: &Path,
    skip_git: bool,
    visit: &mut dyn FnMut(&Path, &fs::Metadata) -> io::Result<()>,
) -> io::Result<()> {
    let mut pending = vec![workspace.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir)? {
            let entry = entry?;
            if skip_git && dir == workspace && entry.file_name() == ".git" {
                continue;
            }
            let path = entry.path();
            let metadata = match fs::symlink_metadata(&path) {
                Ok(metadata) => metadata,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            };
            visit(&path, &metadata)?;
            // A special file the visit removed was no directory; a symlink is never entered.
            if metadata.is_dir() {
                pending.push(path);
            }
        }
    }
    Ok(())
}

fn remove_any(path: &Path) -> io::Result<()> {
    if fs::symlink_metadata(path)?.is_dir() {
        // Does not follow symlinks inside.
        fs::remove_dir_all(path)
    } else {
        fs::remove_file(path)
    }
}
