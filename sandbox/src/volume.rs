//! Disk-capped workspaces: a sparse ext4 image, loop-mounted `nosuid,nodev` at the workspace's
//! path, so that the kernel stops every write past the cap (`ENOSPC`) and a run can never fill
//! the host's disk. The image takes only the space actually written, at most the cap.
//!
//! Creating one needs root (a mount in the host's namespace and a loop device) and two host
//! programs, `mkfs.ext4` (e2fsprogs) and `mount` (util-linux), both in every Debian base. The
//! image has no journal (a work tree is rebuilt from its run's checkpoint, never recovered) and
//! no reserved blocks (the sandbox's user may use all of it).
//!
//! Besides the cap, the volume keeps the host's path of the workspace out of the sandbox: the
//! workspace is the root of its own file system, so `/proc/self/mountinfo` inside shows a loop
//! device and `/`, not where the data directory is.

use std::fs;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

use nix::mount::{MntFlags, umount2};

use crate::SandboxError;

/// Mount options of every volume: nothing set-id or device-like in it has any effect on the
/// host.
const MOUNT_OPTIONS: &str = "loop,nosuid,nodev,noatime";

/// The smallest cap that holds a file system's own bookkeeping and a small checkout.
pub const MIN_VOLUME_BYTES: u64 = 16 << 20;

/// Makes `mount_point` a fresh, empty, disk-capped volume of `bytes`, replacing any volume or
/// directory there. Its image is kept beside it (`<mount_point>.disk`, mode 0600).
pub fn create_volume(mount_point: &Path, bytes: u64) -> Result<(), SandboxError> {
    if bytes < MIN_VOLUME_BYTES {
        return Err(SandboxError::InvalidRequest(format!(
            "a disk cap of {bytes} bytes is below the {MIN_VOLUME_BYTES}-byte minimum"
        )));
    }
    remove_volume(mount_point)?;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(mount_point)
        .map_err(SandboxError::io("creating the volume's mount point"))?;
    let image = image_path(mount_point);
    let file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&image)
        .map_err(SandboxError::io("creating the volume's image"))?;
    file.set_len(bytes)
        .map_err(SandboxError::io("sizing the volume's image"))?;
    drop(file);
    run_host_program(
        Command::new("mkfs.ext4")
            .args(["-q", "-F", "-m", "0", "-O", "^has_journal"])
            .args(["-E", "lazy_itable_init=1,nodiscard"])
            .arg(&image),
        "mkfs.ext4",
    )?;
    run_host_program(
        Command::new("mount")
            .args(["-o", MOUNT_OPTIONS])
            .arg(&image)
            .arg(mount_point),
        "mount",
    )?;
    // A fresh ext4 has `lost+found`; a workspace starts empty (a checkout refuses anything
    // else).
    match fs::remove_dir(mount_point.join("lost+found")) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(SandboxError::Io {
            action: "emptying the new volume",
            source,
        }),
    }
}

/// Unmounts the volume at `mount_point` (if one is mounted there) and removes its image and
/// the mount point with whatever is in it. Nothing there is not an error.
pub fn remove_volume(mount_point: &Path) -> Result<(), SandboxError> {
    if is_mount_point(mount_point) {
        // Detached: a host process still holding a file open there does not keep it mounted
        // in anyone's view; the loop device goes with the last reference (autoclear).
        umount2(mount_point, MntFlags::MNT_DETACH).map_err(|e| SandboxError::Io {
            action: "unmounting a volume",
            source: e.into(),
        })?;
    }
    match fs::remove_dir_all(mount_point) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(source) => {
            return Err(SandboxError::Io {
                action: "removing a volume's mount point",
                source,
            });
        }
    }
    match fs::remove_file(image_path(mount_point)) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(SandboxError::Io {
            action: "removing a volume's image",
            source,
        }),
    }
}

/// Whether `path` is the root of a mounted file system (its device differs from its
/// parent's). Used to tell a volume from a plain directory.
pub(crate) fn is_mount_point(path: &Path) -> bool {
    let (Ok(own), Some(Ok(parent))) = (
        fs::symlink_metadata(path),
        path.parent().map(fs::symlink_metadata),
    ) else {
        return false;
    };
    own.is_dir() && own.dev() != parent.dev()
}

fn image_path(mount_point: &Path) -> PathBuf {
    let mut name = mount_point.as_os_str().to_owned();
    name.push(".disk");
    PathBuf::from(name)
}

fn run_host_program(command: &mut Command, name: &str) -> Result<(), SandboxError> {
    let output = command
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .output()
        .map_err(|e| SandboxError::ProtectionUnavailable {
            protection: crate::Protection::DiskQuota,
            reason: format!("cannot run {name}: {e}"),
        })?;
    if output.status.success() {
        Ok(())
    } else {
        Err(SandboxError::ProtectionUnavailable {
            protection: crate::Protection::DiskQuota,
            reason: format!(
                "{name} failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ),
        })
    }
}
