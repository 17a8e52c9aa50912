//! What happened to one sandboxed command: the fixed result contract.

use serde::{Deserialize, Serialize};

/// A protection that was actually in force for a command (not merely requested).
///
/// The declaration order is the order of `SandboxOutcome::enforced`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Protection {
    Userns,
    Netns,
    Pidns,
    Mountns,
    Ipcns,
    Utsns,
    Cgroupns,
    Landlock,
    Seccomp,
    CgroupMemory,
    CgroupPids,
    CgroupCpu,
    /// The workspace is a disk-capped volume (`volume.rs`).
    DiskQuota,
}

/// The result of running one command in the sandbox. Field names are a fixed contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxOutcome {
    /// The command's exit status; `None` when it was killed by a signal.
    pub exit_code: Option<i32>,
    /// The signal that ended it, if any.
    pub signal: Option<i32>,
    pub timed_out: bool,
    pub oom_killed: bool,
    pub pids_limit_hit: bool,
    /// Whether the workspace's disk cap was reached: its volume was full (less than 1% or
    /// 1 MiB free) when the command ended. Always `false` without a cap.
    pub disk_limit_hit: bool,
    /// Whether stdout or stderr was cut to the output cap (head and tail kept).
    pub truncated: bool,
    pub duration_ms: u64,
    pub peak_memory_bytes: Option<u64>,
    /// The protections in force, in a stable order.
    pub enforced: Vec<Protection>,
}
