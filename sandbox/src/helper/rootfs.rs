//! The sandbox's root file system: a fresh tmpfs holding only bind mounts of what is allowed,
//! entered with `pivot_root` so that nothing of the host's tree stays reachable.

use std::fs;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use nix::fcntl::{OFlag, open};
use nix::mount::{MntFlags, MsFlags, mount, umount2};
use nix::sys::stat::Mode;
use nix::sys::statvfs::{FsFlags, statvfs};
use nix::unistd::{chdir, pivot_root};

use super::relay;
use crate::config::WORKSPACE_DIR;
use crate::protocol::InitConfig;

/// Where the new root is assembled before the pivot. It is covered by a fresh tmpfs in this
/// private mount namespace only; the sources were opened beforehand, so a workspace or
/// toolchain under the host's `/tmp` is still reachable through its descriptor.
const STAGING: &str = "/tmp";

/// Device nodes bound from the host's `/dev`: the harmless ones every program expects.
const DEVICES: &[&str] = &["null", "zero", "full", "random", "urandom"];

const PASSWD: &str = "root:x:0:0:root:/root:/usr/sbin/nologin\n\
                      sandbox:x:1000:1000:sandbox:/tmp:/bin/sh\n\
                      nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
const GROUP: &str = "root:x:0:\nsandbox:x:1000:\nnogroup:x:65534:\n";
const HOSTS: &str = "127.0.0.1\tlocalhost\n::1\tlocalhost\n";

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

/// Builds the new root and pivots into it. Needs CAP_SYS_ADMIN in the user namespace that owns
/// the mount namespace, and must run in the new PID namespace (for `/proc`).
pub(super) fn build_and_enter(config: &InitConfig) -> Result<(), String> {
    // Nothing mounted from here on may propagate back to the host.
    mount(
        None::<&str>,
        "/",
        None::<&str>,
        MsFlags::MS_REC | MsFlags::MS_PRIVATE,
        None::<&str>,
    )
    .map_err(|e| format!("making / private: {e}"))?;

    let readonly = config
        .readonly_paths
        .iter()
        .filter_map(|path| open_source(Path::new(path)).transpose())
        .collect::<Result<Vec<_>, _>>()?;
    let workspace = match open_source(Path::new(&config.workspace))? {
        Some(Source::Opened {
            fd, is_dir: true, ..
        }) => fd,
        _ => return Err(format!("workspace {} is not a directory", config.workspace)),
    };
    let egress_socket = match &config.egress_socket {
        Some(path) => match open_source(Path::new(path))? {
            Some(Source::Opened {
                fd, is_dir: false, ..
            }) => Some(fd),
            _ => return Err(format!("the egress proxy's socket {path} is missing")),
        },
        None => None,
    };

    let root = Path::new(STAGING);
    mount(
        Some("tmpfs"),
        root,
        Some("tmpfs"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
        Some("size=1m,mode=0755"),
    )
    .map_err(|e| format!("mounting the new root: {e}"))?;

    for source in &readonly {
        match source {
            Source::Symlink { inside, target } => {
                let at = under(root, inside);
                create_parent(&at)?;
                symlink(target, &at).map_err(|e| format!("symlink {}: {e}", at.display()))?;
            }
            Source::Opened { inside, fd, is_dir } => {
                let at = under(root, inside);
                bind(fd, &at, *is_dir, BindMode::ReadOnly)?;
            }
        }
    }
    bind(
        &workspace,
        &under(root, Path::new(WORKSPACE_DIR)),
        true,
        BindMode::ReadWrite,
    )?;

    if let Some(socket) = &egress_socket {
        // Read-only is about the mount point; connecting to a socket is not a write to it.
        bind(
            socket,
            &under(root, Path::new(relay::SOCKET_INSIDE)),
            false,
            BindMode::ReadOnly,
        )?;
    }

    let tmp = under(root, Path::new("/tmp"));
    create_dir(&tmp)?;
    mount(
        Some("tmpfs"),
        &tmp,
        Some("tmpfs"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
        Some(format!("size={},mode=1777", config.tmp_bytes).as_str()),
    )
    .map_err(|e| format!("mounting /tmp: {e}"))?;

    build_dev(&under(root, Path::new("/dev")))?;

    let proc_dir = under(root, Path::new("/proc"));
    create_dir(&proc_dir)?;
    mount(
        Some("proc"),
        &proc_dir,
        Some("proc"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
        None::<&str>,
    )
    .map_err(|e| format!("mounting /proc: {e}"))?;

    let etc = under(root, Path::new("/etc"));
    create_dir(&etc)?;
    for (name, contents) in [("passwd", PASSWD), ("group", GROUP), ("hosts", HOSTS)] {
        let path = etc.join(name);
        if !path.exists() {
            fs::write(&path, contents).map_err(|e| format!("writing /etc/{name}: {e}"))?;
        }
    }

    // pivot_root(".", ".") stacks the old root under the new one; detaching it leaves the new
    // root the only tree this mount namespace has.
    chdir(root).map_err(|e| format!("chdir to the new root: {e}"))?;
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
fn open_source(path: &Path) -> Result<Option<Source>, String> {
    let metadata = match fs::symlink_metadata(path) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("inspecting {}: {e}", path.display())),
    };
    let inside = path.to_path_buf();
    if metadata.file_type().is_symlink() {
        let target =
            fs::read_link(path).map_err(|e| format!("reading link {}: {e}", path.display()))?;
        return Ok(Some(Source::Symlink { inside, target }));
    }
    let fd = open(
        path,
        OFlag::O_PATH | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| format!("opening {}: {e}", path.display()))?;
    Ok(Some(Source::Opened {
        inside,
        fd,
        is_dir: metadata.is_dir(),
    }))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum BindMode {
    ReadOnly,
    ReadWrite,
}

/// Bind-mounts one opened source (without its submounts, which could be writable) and sets
/// its flags. Flags the host mount already has are kept: in a user namespace they are locked
/// and a remount that drops one fails.
fn bind(fd: &OwnedFd, at: &Path, is_dir: bool, mode: BindMode) -> Result<(), String> {
    if is_dir {
        create_dir(at)?;
    } else {
        create_parent(at)?;
        fs::File::create(at).map_err(|e| format!("creating mount point {}: {e}", at.display()))?;
    }
    let from = format!("/proc/self/fd/{}", fd.as_raw_fd());
    mount(
        Some(from.as_str()),
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
            Some(Path::new("/dev").join(device).as_path()),
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
