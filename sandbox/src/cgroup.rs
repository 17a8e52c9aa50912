//! The per-run cgroup: memory, process-count and CPU limits, the peak-memory, OOM and pids
//! counters read after the run, a kill-everything fallback, and removal afterwards.

mod detect;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

pub(crate) use detect::CgroupLayout;

use crate::{Limits, Protection};

/// CPU quota period (the kernel's default).
const CPU_PERIOD_US: u64 = 100_000;

/// Distinguishes the cgroups of concurrent runs of one supervisor process.
static NEXT_RUN: AtomicU64 = AtomicU64::new(0);

/// The cgroup directories of one run.
pub(crate) enum RunCgroup {
    V2 {
        dir: PathBuf,
    },
    V1 {
        memory: PathBuf,
        pids: PathBuf,
        cpu: Option<PathBuf>,
    },
}

/// What the cgroup counted during a run.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct CgroupStats {
    pub peak_memory_bytes: Option<u64>,
    pub oom_kills: u64,
    pub pids_limit_hits: u64,
}

/// Removes the cgroups left by supervisor processes that no longer exist (one killed in the
/// middle of a run cannot clean up after itself), killing anything still inside them.
pub(crate) fn remove_stale(layout: &CgroupLayout) {
    for parent in layout.parents() {
        let Ok(entries) = fs::read_dir(parent) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(owner) = name
                .to_str()
                .and_then(|n| n.strip_prefix("redgreen-sandbox-"))
                .and_then(|rest| rest.split('-').next())
                .and_then(|pid| pid.parse::<u32>().ok())
            else {
                continue;
            };
            if Path::new("/proc").join(owner.to_string()).exists() {
                continue;
            }
            let dir = entry.path();
            for pid in read_pids(&dir) {
                let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
            }
            match fs::remove_dir(&dir) {
                Ok(()) => tracing::info!(cgroup = %dir.display(), "removed a stale sandbox cgroup"),
                Err(e) => {
                    tracing::warn!(cgroup = %dir.display(), error = %e, "stale sandbox cgroup not removed")
                }
            }
        }
    }
}

impl RunCgroup {
    /// Creates the run's cgroup under the layout's parents and sets the limits. Returns the
    /// protections it put in force; on failure, the protection that could not be and why.
    pub(crate) fn create(
        layout: &CgroupLayout,
        limits: &Limits,
    ) -> Result<(RunCgroup, Vec<Protection>), (Protection, String)> {
        let name = loop {
            let name = format!(
                "redgreen-sandbox-{}-{}",
                std::process::id(),
                NEXT_RUN.fetch_add(1, Ordering::Relaxed)
            );
            if !layout.any_exists(&name) {
                break name;
            }
        };
        let cgroup = match layout {
            CgroupLayout::Unavailable { reason } => {
                return Err((Protection::CgroupMemory, reason.clone()));
            }
            CgroupLayout::V2 { parent } => RunCgroup::V2 {
                dir: make_dir(&parent.join(&name), Protection::CgroupMemory)?,
            },
            CgroupLayout::V1 { memory, pids, cpu } => {
                let memory = make_dir(&memory.join(&name), Protection::CgroupMemory)?;
                let mut cgroup = RunCgroup::V1 {
                    memory,
                    pids: PathBuf::new(),
                    cpu: None,
                };
                let pids_dir = make_dir(&pids.join(&name), Protection::CgroupPids)?;
                if let RunCgroup::V1 { pids, .. } = &mut cgroup {
                    *pids = pids_dir;
                }
                if let (Some(cpu_parent), Some(_)) = (cpu, limits.cpu_millicores) {
                    let cpu_dir = make_dir(&cpu_parent.join(&name), Protection::CgroupCpu)?;
                    if let RunCgroup::V1 { cpu, .. } = &mut cgroup {
                        *cpu = Some(cpu_dir);
                    }
                }
                cgroup
            }
        };
        let enforced = cgroup.set_limits(limits)?;
        Ok((cgroup, enforced))
    }

    fn set_limits(&self, limits: &Limits) -> Result<Vec<Protection>, (Protection, String)> {
        let memory = limits.memory_bytes.to_string();
        let pids = limits.pids.to_string();
        let mut enforced = vec![Protection::CgroupMemory, Protection::CgroupPids];
        match self {
            RunCgroup::V2 { dir } => {
                write_limit(dir, "memory.max", &memory, Protection::CgroupMemory)?;
                // No swap on top of the limit, or a hog would page out instead of being killed.
                write_optional(dir, "memory.swap.max", "0", Protection::CgroupMemory)?;
                write_limit(dir, "pids.max", &pids, Protection::CgroupPids)?;
                if let Some(millicores) = limits.cpu_millicores {
                    let quota = u64::from(millicores) * CPU_PERIOD_US / 1000;
                    write_limit(
                        dir,
                        "cpu.max",
                        &format!("{quota} {CPU_PERIOD_US}"),
                        Protection::CgroupCpu,
                    )?;
                    enforced.push(Protection::CgroupCpu);
                }
            }
            RunCgroup::V1 {
                memory: mem_dir,
                pids: pids_dir,
                cpu,
            } => {
                write_limit(
                    mem_dir,
                    "memory.limit_in_bytes",
                    &memory,
                    Protection::CgroupMemory,
                )?;
                write_optional(
                    mem_dir,
                    "memory.memsw.limit_in_bytes",
                    &memory,
                    Protection::CgroupMemory,
                )?;
                write_limit(pids_dir, "pids.max", &pids, Protection::CgroupPids)?;
                match (cpu, limits.cpu_millicores) {
                    (Some(cpu_dir), Some(millicores)) => {
                        let quota = u64::from(millicores) * CPU_PERIOD_US / 1000;
                        write_limit(
                            cpu_dir,
                            "cpu.cfs_period_us",
                            &CPU_PERIOD_US.to_string(),
                            Protection::CgroupCpu,
                        )?;
                        write_limit(
                            cpu_dir,
                            "cpu.cfs_quota_us",
                            &quota.to_string(),
                            Protection::CgroupCpu,
                        )?;
                        enforced.push(Protection::CgroupCpu);
                    }
                    (None, Some(_)) => {
                        return Err((Protection::CgroupCpu, "no cpu cgroup hierarchy".into()));
                    }
                    _ => {}
                }
            }
        }
        Ok(enforced)
    }

    /// Gets the helper (still waiting for its start message) into the cgroup. On cgroup v2
    /// the supervisor moves it; on v1 this returns the `tasks` files the helper writes `0` to
    /// itself, because the kernel moves a thread that moves itself without taking the global
    /// threadgroup lock, whose RCU grace period otherwise stalls every run for 10 to 30 ms.
    /// (The helper is still the supervisor's own user when it does.)
    pub(crate) fn admit(&self, pid: u32) -> io::Result<Vec<String>> {
        match self {
            RunCgroup::V2 { dir } => {
                fs::write(dir.join("cgroup.procs"), pid.to_string())?;
                Ok(Vec::new())
            }
            RunCgroup::V1 { .. } => Ok(self
                .dirs()
                .into_iter()
                .map(|dir| dir.join("tasks").to_string_lossy().into_owned())
                .collect()),
        }
    }

    /// Kills every process in the cgroup: the fallback when the helper itself misbehaved.
    pub(crate) fn kill_all(&self) {
        if let RunCgroup::V2 { dir } = self
            && fs::write(dir.join("cgroup.kill"), "1").is_ok()
        {
            return;
        }
        let procs_dir = match self {
            RunCgroup::V2 { dir } => dir,
            RunCgroup::V1 { pids, .. } => pids,
        };
        // Without cgroup.kill, repeat until nothing is left (a fork may race one pass).
        for _ in 0..100 {
            let pids = read_pids(procs_dir);
            if pids.is_empty() {
                return;
            }
            for pid in pids {
                let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    pub(crate) fn stats(&self) -> CgroupStats {
        match self {
            RunCgroup::V2 { dir } => CgroupStats {
                peak_memory_bytes: read_u64(&dir.join("memory.peak")),
                oom_kills: read_counter(&dir.join("memory.events"), "oom_kill"),
                pids_limit_hits: read_counter(&dir.join("pids.events"), "max"),
            },
            RunCgroup::V1 { memory, pids, .. } => CgroupStats {
                peak_memory_bytes: read_u64(&memory.join("memory.max_usage_in_bytes")),
                oom_kills: read_counter(&memory.join("memory.oom_control"), "oom_kill"),
                pids_limit_hits: read_counter(&pids.join("pids.events"), "max"),
            },
        }
    }

    fn dirs(&self) -> Vec<&Path> {
        match self {
            RunCgroup::V2 { dir } => vec![dir.as_path()],
            RunCgroup::V1 { memory, pids, cpu } => {
                let mut dirs = vec![memory.as_path(), pids.as_path()];
                dirs.extend(cpu.as_deref());
                dirs
            }
        }
    }
}

impl Drop for RunCgroup {
    /// Removes the cgroup. Processes can linger for a moment after their namespace's init is
    /// reaped, so removal is retried briefly; a cgroup still busy after that is logged.
    fn drop(&mut self) {
        for dir in self.dirs() {
            if dir.as_os_str().is_empty() {
                continue;
            }
            let mut removed = false;
            for _ in 0..500 {
                match fs::remove_dir(dir) {
                    Ok(()) => {
                        removed = true;
                        break;
                    }
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {
                        removed = true;
                        break;
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(2)),
                }
            }
            if !removed {
                tracing::warn!(cgroup = %dir.display(), "sandbox cgroup could not be removed");
            }
        }
    }
}

fn make_dir(dir: &Path, protection: Protection) -> Result<PathBuf, (Protection, String)> {
    fs::create_dir(dir)
        .map(|()| dir.to_path_buf())
        .map_err(|e| (protection, format!("creating {}: {e}", dir.display())))
}

fn write_limit(
    dir: &Path,
    file: &str,
    value: &str,
    protection: Protection,
) -> Result<(), (Protection, String)> {
    fs::write(dir.join(file), value).map_err(|e| (protection, format!("writing {file}: {e}")))
}

/// Writes a control file the kernel may not have (swap accounting is optional).
fn write_optional(
    dir: &Path,
    file: &str,
    value: &str,
    protection: Protection,
) -> Result<(), (Protection, String)> {
    if dir.join(file).exists() {
        write_limit(dir, file, value, protection)
    } else {
        Ok(())
    }
}

fn read_pids(dir: &Path) -> Vec<i32> {
    fs::read_to_string(dir.join("cgroup.procs"))
        .unwrap_or_default()
        .lines()
        .filter_map(|line| line.trim().parse().ok())
        .collect()
}

fn read_u64(path: &Path) -> Option<u64> {
    fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// Reads `key N` from a flat-keyed cgroup file (`memory.events`, `pids.events`,
/// `memory.oom_control`); 0 when absent.
fn read_counter(path: &Path, key: &str) -> u64 {
    fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(' ')?;
            (name == key).then(|| value.trim().parse().ok()).flatten()
        })
        .unwrap_or(0)
}
