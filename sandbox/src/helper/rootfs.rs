//! The sandbox's root file system: a fresh tmpfs holding only bind mounts of what is allowed,
//! entered with `pivot_root` so that nothing of the host's tree stays reachable.
//!
//! It is built in three steps, so that what does not depend on the run can be done before it
//! (`SandboxConfig::prepared_helper`): [`prepare`] (the namespace stage, before the run: the
//! system directories, `/dev`, `/etc`, on a staging tmpfs mounted over `/tmp`),
//! [`add_run_parts`] (the namespace stage, at the run: the workspace, `/tmp`, the egress
//! proxy's socket) and [`enter`] (init: `/proc`, then the pivot). Like bubblewrap,
//! [`add_run_parts`] first pivots into the staging tmpfs, which puts the host's tree at
//! [`HOST`] with its own `/tmp` uncovered, so that any workspace path is reachable until the
//! final pivot detaches it all. (The read-only paths are never under `/tmp`: the configuration
//! refuses them there.)

use std::fs;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use nix::fcntl::{OFlag, open};
use nix::mount::{MntFlags, MsFlags, mount, umount2};
use nix::sys::stat::{Mode, fstat};
use nix::sys::statvfs::{FsFlags, statvfs};
use nix::unistd::{chdir, pivot_root};

use super::relay;
use crate::config::WORKSPACE_DIR;
use crate::protocol::{InitConfig, STALE_WORKSPACE};

/// Where the staging tmpfs is mounted until [`add_run_parts`] pivots into it (in this private
/// mount namespace only).
const STAGING: &str = "/tmp";

/// Where the host's tree is once [`add_run_parts`] has pivoted into the staging tmpfs.
const HOST: &str = "/host";

/// The directory of the staging tmpfs where the new root is assembled.
const NEW_ROOT: &str = "newroot";

/// Where the host's tree is, as seen from this mount namespace's root.
#[derive(Clone, Copy)]
struct HostView(&'static str);

/// Before the staging pivot: the host's tree is the root (with the staging tmpfs over `/tmp`).
const BEFORE_PIVOT: HostView = HostView("/");
/// After it: at [`HOST`].
const AFTER_PIVOT: HostView = HostView(HOST);

impl HostView {
    fn path(self, path: &str) -> PathBuf {
        under(Path::new(self.0), Path::new(path))
    }
}

/// Device nodes bound from the host's `/dev`: the harmless ones every program expects.
const DEVICES: &[&str] = &["null", "zero", "full", "random", "urandom"];

const PASSWD: &str = "root:x:0:0:root:/root:/usr/sbin/nologin\n\
                      sandbox:x:1000:1000:sandbox:/tmp:/bin/sh\n\
                      nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
const GROUP: &str = "root:x:0:\nsandbox:x:1000:\nnogroup:x:65534:\n";
const HOSTS: &str = "127.0.0.1\tlocalhost\n::1\tlocalhost\n";
/// The workspace belongs to host root (its top directory must, for redgreen's own libgit2 on
/// the host), not to the sandbox's user: git inside would refuse it as "dubious ownership".
const GITCONFIG: &str = "[safe]\n\tdirectory = /workspace\n";

/// A host path to bind, opened before anything is mounted over it.
enum Source {
    Opened {
        inside: PathBuf,
        fd: OwnedFd,
        is_dir: bool,
    },
    Symlink {
        inside: PathBuf,
        target: PathBuf,
    },
}

/// A host path as the helper stages see it once the run's parts are added.
pub(super) fn host_path(path: &str) -> PathBuf {
    AFTER_PIVOT.path(path)
}

/// Builds everything of the new root that is the same for every run, on a staging tmpfs over
/// `/tmp`: the read-only system directories and toolchains, `/dev`, `/etc`, and the mount
/// points of the rest. Needs CAP_SYS_ADMIN in the user namespace that owns the mount namespace.
pub(super) fn prepare(readonly_paths: &[String]) -> Result<(), String> {
    // Nothing mounted from here on may propagate back to the host.
    mount(
        None::<&str>,
        "/",
        None::<&str>,
        MsFlags::MS_REC | MsFlags::MS_PRIVATE,
        None::<&str>,
    )
    .map_err(|e| format!("making / private: {e}"))?;
    let readonly = readonly_paths
        .iter()
        .filter_map(|path| open_source(BEFORE_PIVOT, path).transpose())
        .collect::<Result<Vec<_>, _>>()?;
    let staging = Path::new(STAGING);
    mount(
        Some("tmpfs"),
        staging,
        Some("tmpfs"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
        Some("size=64k,mode=0700"),
    )
    .map_err(|e| format!("mounting the staging area: {e}"))?;
    create_dir(&under(staging, Path::new(HOST)))?;
    let root = staging.join(NEW_ROOT);
    create_dir(&root)?;
    mount(
        Some("tmpfs"),
        &root,
        Some("tmpfs"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
        Some("size=1m,mode=0755"),
    )
    .map_err(|e| format!("mounting the new root: {e}"))?;
    for source in &readonly {
        match source {
            Source::Symlink { inside, target } => {
                let at = under(&root, inside);
                create_parent(&at)?;
                symlink(target, &at).map_err(|e| format!("symlink {}: {e}", at.display()))?;
            }
            Source::Opened { inside, fd, is_dir } => {
                bind(
                    BEFORE_PIVOT,
                    fd,
                    &under(&root, inside),
                    MountPoint::created(*is_dir),
                    BindMode::ReadOnly,
                )?;
            }
        }
    }
    build_dev(&under(&root, Path::new("/dev")))?;
    for dir in ["/proc", "/tmp", WORKSPACE_DIR] {
        create_dir(&under(&root, Path::new(dir)))?;
    }
    let etc = under(&root, Path::new("/etc"));
    create_dir(&etc)?;
    for (name, contents) in [
        ("passwd", PASSWD),
        ("group", GROUP),
        ("hosts", HOSTS),
        ("gitconfig", GITCONFIG),
    ] {
        let path = etc.join(name);
        if !path.exists() {
            fs::write(&path, contents).map_err(|e| format!("writing /etc/{name}: {e}"))?;
        }
    }
    Ok(())
}

/// Pivots into the staging tmpfs (the host's tree at [`HOST`], its `/tmp` uncovered) and adds
/// what belongs to this run: the workspace (read-write), the size-capped `/tmp`, and in the
/// proxy phase the egress proxy's socket. Every process of this mount namespace whose libraries
/// are still being loaded by path must be done first (the pivot moves them too).
pub(super) fn add_run_parts(config: &InitConfig) -> Result<(), String> {
    let host_in_staging = under(Path::new(STAGING), Path::new(HOST));
    pivot_root(STAGING, &host_in_staging).map_err(|e| format!("pivot_root to staging: {e}"))?;
    chdir("/").map_err(|e| format!("chdir /: {e}"))?;
    let root = Path::new("/").join(NEW_ROOT);
    let workspace = match open_source(AFTER_PIVOT, &config.workspace)? {
        Some(Source::Opened {
            fd, is_dir: true, ..
        }) => fd,
        _ => return Err(format!("workspace {} is not a directory", config.workspace)),
    };
    let seen = fstat(&workspace).map_err(|e| format!("inspecting the workspace: {e}"))?;
    if (seen.st_dev, seen.st_ino) != config.workspace_id {
        return Err(format!("{STALE_WORKSPACE}: {}", config.workspace));
    }
    let workspace_inside = under(&root, Path::new(WORKSPACE_DIR));
    bind(
        AFTER_PIVOT,
        &workspace,
        &workspace_inside,
        MountPoint::Dir,
        BindMode::ReadWrite,
    )?;
    // The repository's git directory is the host's (its configuration, refs, hooks and
    // `info/` are read by redgreen as root afterwards): the command may read it, never write
    // it. Bound over itself read-only, it cannot be replaced either (a mount point cannot be
    // renamed or removed). A symlink named `.git` is left alone: it points nowhere inside.
    let git_dir = format!("{}/.git", config.workspace.trim_end_matches('/'));
    if let Some(Source::Opened { fd, .. }) = open_source(AFTER_PIVOT, &git_dir)? {
        bind(
            AFTER_PIVOT,
            &fd,
            &workspace_inside.join(".git"),
            MountPoint::Existing,
            BindMode::ReadOnly,
        )?;
    }
    if let Some(path) = &config.egress_socket {
        let socket = match open_source(AFTER_PIVOT, path)? {
            Some(Source::Opened {
                fd, is_dir: false, ..
            }) => fd,
            _ => return Err(format!("the egress proxy's socket {path} is missing")),
        };
        // Read-only is about the mount point; connecting to a socket is not a write to it.
        bind(
            AFTER_PIVOT,
            &socket,
            &under(&root, Path::new(relay::SOCKET_INSIDE)),
            MountPoint::File,
            BindMode::ReadOnly,
        )?;
    }
    mount(
        Some("tmpfs"),
        &under(&root, Path::new("/tmp")),
        Some("tmpfs"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
        Some(format!("size={},mode=1777", config.tmp_bytes).as_str()),
    )
    .map_err(|e| format!("mounting /tmp: {e}"))
}

/// Mounts the new root's `/proc` and pivots into the new root. Must run in the new PID
/// namespace (a procfs shows the PID namespace of the process that mounts it), before the
/// host's tree is detached (the kernel lets a user namespace mount a procfs only while a fully
/// visible one is there).
pub(super) fn enter() -> Result<(), String> {
    let root = Path::new("/").join(NEW_ROOT);
    mount(
        Some("proc"),
        &under(&root, Path::new("/proc")),
        Some("proc"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
        None::<&str>,
    )
    .map_err(|e| format!("mounting /proc: {e}"))?;

    // pivot_root(".", ".") stacks the staging root (and the host's tree in it) under the new
    // root; detaching it leaves the new root the only tree this mount namespace has. (It also
    // moves the namespace stage, which shares this mount namespace and needs no file any more.)
    chdir(&root).map_err(|e| format!("chdir to the new root: {e}"))?;
    pivot_root(".", ".").map_err(|e| format!("pivot_root: {e}"))?;
    umount2(".", MntFlags::MNT_DETACH).map_err(|e| format!("detaching the old root: {e}"))?;
    chdir("/").map_err(|e| format!("chdir /: {e}"))?;
    // The skeleton itself (mount points, /etc files) is read-only from now on.
    mount(
        None::<&str>,
        "/",
        None::<&str>,
        MsFlags::MS_REMOUNT
            | MsFlags::MS_BIND
            | MsFlags::MS_RDONLY
            | MsFlags::MS_NOSUID
            | MsFlags::MS_NODEV,
        None::<&str>,
    )
    .map_err(|e| format!("making the new root read-only: {e}"))?;
    Ok(())
}

/// Opens a host path as an `O_PATH` descriptor, or records the symlink it is. `None` when the
/// path does not exist (an optional system directory such as `/lib32`).
fn open_source(host: HostView, path: &str) -> Result<Option<Source>, String> {
    let inside = PathBuf::from(path);
    let on_host = host.path(path);
    let metadata = match fs::symlink_metadata(&on_host) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("inspecting {path}: {e}")),
    };
    if metadata.file_type().is_symlink() {
        let target = fs::read_link(&on_host).map_err(|e| format!("reading link {path}: {e}"))?;
        return Ok(Some(Source::Symlink { inside, target }));
    }
    let fd = open(
        &on_host,
        OFlag::O_PATH | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| format!("opening {path}: {e}"))?;
    Ok(Some(Source::Opened {
        inside,
        fd,
        is_dir: metadata.is_dir(),
    }))
}

/// What a bind is mounted on.
#[derive(Clone, Copy, PartialEq, Eq)]
enum MountPoint {
    /// A directory, created if missing.
    Dir,
    /// A file, created (empty) if missing.
    File,
    /// The source itself, seen through a bind above it: nothing is created (creating a file
    /// would truncate it).
    Existing,
}

impl MountPoint {
    fn created(is_dir: bool) -> MountPoint {
        if is_dir {
            MountPoint::Dir
        } else {
            MountPoint::File
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum BindMode {
    ReadOnly,
    ReadWrite,
}

/// Bind-mounts one opened source (without its submounts, which could be writable) and sets
/// its flags. Flags the host mount already has are kept: in a user namespace they are locked
/// and a remount that drops one fails.
fn bind(
    host: HostView,
    fd: &OwnedFd,
    at: &Path,
    mount_point: MountPoint,
    mode: BindMode,
) -> Result<(), String> {
    match mount_point {
        MountPoint::Dir => create_dir(at)?,
        MountPoint::File => {
            create_parent(at)?;
            fs::File::create(at)
                .map_err(|e| format!("creating mount point {}: {e}", at.display()))?;
        }
        MountPoint::Existing => {}
    }
    // The host's procfs: this process's own descriptors (it is in the host's PID namespace).
    let from = host.path(&format!("/proc/self/fd/{}", fd.as_raw_fd()));
    mount(
        Some(from.as_path()),
        at,
        None::<&str>,
        MsFlags::MS_BIND,
        None::<&str>,
    )
    .map_err(|e| format!("binding {}: {e}", at.display()))?;
    let mut flags = MsFlags::MS_BIND
        | MsFlags::MS_REMOUNT
        | MsFlags::MS_NOSUID
        | MsFlags::MS_NODEV
        | kept_flags(at)?;
    if mode == BindMode::ReadOnly {
        flags |= MsFlags::MS_RDONLY;
    }
    mount(None::<&str>, at, None::<&str>, flags, None::<&str>)
        .map_err(|e| format!("remounting {}: {e}", at.display()))
}

fn kept_flags(at: &Path) -> Result<MsFlags, String> {
    let current = statvfs(at)
        .map_err(|e| format!("statvfs {}: {e}", at.display()))?
        .flags();
    let mut kept = MsFlags::empty();
    for (fs_flag, ms_flag) in [
        (FsFlags::ST_RDONLY, MsFlags::MS_RDONLY),
        (FsFlags::ST_NOEXEC, MsFlags::MS_NOEXEC),
        (FsFlags::ST_NOATIME, MsFlags::MS_NOATIME),
        (FsFlags::ST_NODIRATIME, MsFlags::MS_NODIRATIME),
        (FsFlags::ST_RELATIME, MsFlags::MS_RELATIME),
    ] {
        if current.contains(fs_flag) {
            kept |= ms_flag;
        }
    }
    Ok(kept)
}

/// A minimal `/dev`: a small tmpfs with the harmless devices bound from the host, the usual
/// links into `/proc/self/fd`, and `/dev/shm` pointing at the size-capped `/tmp`. No terminal
/// devices: the sandbox has no controlling terminal and cannot get one.
fn build_dev(dev: &Path) -> Result<(), String> {
    create_dir(dev)?;
    mount(
        Some("tmpfs"),
        dev,
        Some("tmpfs"),
        MsFlags::MS_NOSUID | MsFlags::MS_NOEXEC,
        Some("size=64k,mode=0755"),
    )
    .map_err(|e| format!("mounting /dev: {e}"))?;
    for device in DEVICES {
        let at = dev.join(device);
        fs::File::create(&at).map_err(|e| format!("creating /dev/{device}: {e}"))?;
        mount(
            Some(BEFORE_PIVOT.path("/dev").join(device).as_path()),
            &at,
            None::<&str>,
            MsFlags::MS_BIND,
            None::<&str>,
        )
        .map_err(|e| format!("binding /dev/{device}: {e}"))?;
    }
    for (link, target) in [
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
        ("shm", "/tmp"),
    ] {
        symlink(target, dev.join(link)).map_err(|e| format!("linking /dev/{link}: {e}"))?;
    }
    mount(
        None::<&str>,
        dev,
        None::<&str>,
        MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY | MsFlags::MS_NOSUID | MsFlags::MS_NOEXEC,
        None::<&str>,
    )
    .map_err(|e| format!("making /dev read-only: {e}"))
}

fn under(root: &Path, inside: &Path) -> PathBuf {
    root.join(inside.strip_prefix("/").unwrap_or(inside))
}

fn create_dir(path: &Path) -> Result<(), String> {
    fs::create_dir_all(path).map_err(|e| format!("creating {}: {e}", path.display()))
}

fn create_parent(path: &Path) -> Result<(), String> {
    match path.parent() {
        Some(parent) => create_dir(parent),
        None => Ok(()),
    }
}
