//! Finding where this process may create cgroups: under its own cgroup, on the hierarchy
//! the host actually uses (v2 when memory and pids are delegated, else v1).

use std::fs;
use std::path::{Path, PathBuf};

use nix::sys::statfs::{CGROUP_SUPER_MAGIC, CGROUP2_SUPER_MAGIC, FsType, statfs};

use crate::config::CgroupRoots;

/// The parents under which per-run cgroups are created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CgroupLayout {
    V2 {
        parent: PathBuf,
    },
    V1 {
        memory: PathBuf,
        pids: PathBuf,
        cpu: Option<PathBuf>,
    },
    Unavailable {
        reason: String,
    },
}

impl CgroupLayout {
    pub(crate) fn resolve(roots: &CgroupRoots) -> CgroupLayout {
        let checked = match roots {
            CgroupRoots::Detect => return detect(),
            CgroupRoots::Disabled => {
                return CgroupLayout::Unavailable {
                    reason: "cgroups disabled by configuration".into(),
                };
            }
            CgroupRoots::V2 { parent } => {
                is_cgroup_fs(parent, CGROUP2_SUPER_MAGIC).map(|()| CgroupLayout::V2 {
                    parent: parent.clone(),
                })
            }
            CgroupRoots::V1 { memory, pids, cpu } => is_cgroup_fs(memory, CGROUP_SUPER_MAGIC)
                .and_then(|()| is_cgroup_fs(pids, CGROUP_SUPER_MAGIC))
                .and_then(|()| {
                    cpu.as_deref()
                        .map_or(Ok(()), |cpu| is_cgroup_fs(cpu, CGROUP_SUPER_MAGIC))
                })
                .map(|()| CgroupLayout::V1 {
                    memory: memory.clone(),
                    pids: pids.clone(),
                    cpu: cpu.clone(),
                }),
        };
        checked.unwrap_or_else(|reason| CgroupLayout::Unavailable { reason })
    }

    /// The parent directories per-run cgroups are created in.
    pub(crate) fn parents(&self) -> Vec<&Path> {
        match self {
            CgroupLayout::V2 { parent } => vec![parent.as_path()],
            CgroupLayout::V1 { memory, pids, cpu } => {
                let mut parents = vec![memory.as_path(), pids.as_path()];
                parents.extend(cpu.as_deref());
                parents
            }
            CgroupLayout::Unavailable { .. } => Vec::new(),
        }
    }

    pub(crate) fn any_exists(&self, name: &str) -> bool {
        match self {
            CgroupLayout::V2 { parent } => parent.join(name).exists(),
            CgroupLayout::V1 { memory, pids, cpu } => {
                memory.join(name).exists()
                    || pids.join(name).exists()
                    || cpu.as_ref().is_some_and(|cpu| cpu.join(name).exists())
            }
            CgroupLayout::Unavailable { .. } => false,
        }
    }
}

fn is_cgroup_fs(dir: &Path, magic: FsType) -> Result<(), String> {
    match statfs(dir) {
        Ok(fs) if fs.filesystem_type() == magic => Ok(()),
        Ok(_) => Err(format!(
            "{} is not a cgroup file system of the expected version",
            dir.display()
        )),
        Err(e) => Err(format!("{}: {e}", dir.display())),
    }
}

/// One cgroup mount: its hierarchy root, where it is mounted, its controllers.
struct CgroupMount {
    v2: bool,
    root: String,
    mount_point: PathBuf,
    controllers: Vec<String>,
}

fn detect() -> CgroupLayout {
    let mountinfo = fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    let membership = fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
    let mounts = parse_mounts(&mountinfo);

    // v2: our own cgroup must hand memory and pids down to children.
    if let Some(own) = own_path(&membership, None)
        && let Some(mount) = mounts.iter().find(|m| m.v2)
        && let Some(dir) = join_own(mount, &own)
    {
        let subtree = fs::read_to_string(dir.join("cgroup.subtree_control")).unwrap_or_default();
        let delegated: Vec<&str> = subtree.split_whitespace().collect();
        if delegated.contains(&"memory") && delegated.contains(&"pids") {
            return CgroupLayout::V2 { parent: dir };
        }
    }

    let v1_dir = |controller: &str| -> Option<PathBuf> {
        let mount = mounts
            .iter()
            .find(|m| !m.v2 && m.controllers.iter().any(|c| c == controller))?;
        let own = own_path(&membership, Some(controller))?;
        join_own(mount, &own)
    };
    match (v1_dir("memory"), v1_dir("pids")) {
        (Some(memory), Some(pids)) => CgroupLayout::V1 {
            memory,
            pids,
            cpu: v1_dir("cpu"),
        },
        _ => CgroupLayout::Unavailable {
            reason:
                "no cgroup v2 with memory and pids delegated, and no v1 memory and pids hierarchies"
                    .into(),
        },
    }
}

/// Parses `/proc/self/mountinfo` lines of type cgroup and cgroup2.
fn parse_mounts(mountinfo: &str) -> Vec<CgroupMount> {
    mountinfo
        .lines()
        .filter_map(|line| {
            let (left, right) = line.split_once(" - ")?;
            let left: Vec<&str> = left.split(' ').collect();
            let right: Vec<&str> = right.split(' ').collect();
            let (root, mount_point) = (*left.get(3)?, *left.get(4)?);
            let (fs_type, super_options) = (*right.first()?, right.get(2).copied().unwrap_or(""));
            let v2 = match fs_type {
                "cgroup2" => true,
                "cgroup" => false,
                _ => return None,
            };
            Some(CgroupMount {
                v2,
                root: root.to_owned(),
                mount_point: PathBuf::from(mount_point),
                controllers: super_options.split(',').map(str::to_owned).collect(),
            })
        })
        .collect()
}

/// This process's cgroup path for a v1 controller, or (`None`) on the v2 hierarchy.
fn own_path(membership: &str, controller: Option<&str>) -> Option<String> {
    membership.lines().find_map(|line| {
        let mut fields = line.splitn(3, ':');
        let (id, controllers, path) = (fields.next()?, fields.next()?, fields.next()?);
        let matches = match controller {
            None => id == "0" && controllers.is_empty(),
            Some(wanted) => controllers.split(',').any(|c| c == wanted),
        };
        matches.then(|| path.to_owned())
    })
}

/// The directory of our cgroup under a mount whose root may itself be a sub-cgroup.
fn join_own(mount: &CgroupMount, own: &str) -> Option<PathBuf> {
    let relative = own.strip_prefix(mount.root.trim_end_matches('/'))?;
    let dir = mount.mount_point.join(relative.trim_start_matches('/'));
    dir.is_dir().then_some(dir)
}
