//! What the supervisor and the helper stages tell each other over the control socket.
//!
//! As soon as it starts a helper, the supervisor writes a length-prefixed [`PrepareMessage`]
//! (and, when it maps the helper's ids, waits for the helper's ready byte, writes the maps and
//! answers with a ready byte of its own); at the run it writes a length-prefixed [`StartMessage`], then one [`InitConfig`] as JSON,
//! and shuts its side for writing. (The namespace stage reads exactly the two frames and the
//! configuration, which it passes on to init.) The stages answer with newline-separated
//! [`Report`]s on the same socket.

use serde::{Deserialize, Serialize};

use crate::Protection;

/// Marks the setup failure of a helper whose view of the workspace is not the supervisor's
/// (see [`InitConfig::workspace_id`]); the supervisor then runs with a fresh helper.
pub(crate) const STALE_WORKSPACE: &str = "the workspace is not the one the supervisor named";

/// What the namespace stage does before any run (`SandboxConfig::prepared_helper`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct PrepareMessage {
    /// Host paths exposed read-only at the same path inside.
    pub readonly_paths: Vec<String>,
    /// Start init before the run, so that it moves itself into the run's cgroup (cgroup v1,
    /// or no cgroup). Not on cgroup v2, where the supervisor moves the namespace stage and
    /// init is started inside.
    pub start_init_early: bool,
    /// The supervisor (root on the host) writes the namespace stage's uid and gid maps: host
    /// root stays root of the new user namespace (to build the root file system) and the
    /// sandbox's user is the unprivileged host identity. The stage says when it has unshared
    /// and waits for the supervisor's word that the maps are written. When `false` (a
    /// non-root supervisor), the stage maps its own ids to the sandbox's user itself.
    pub ids_mapped_by_supervisor: bool,
}

/// What the namespace stage needs when the run starts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct StartMessage {
    /// The wall-clock limit, after which init (and with it the PID namespace) is killed.
    pub timeout_ms: u64,
    /// cgroup v1 `tasks` files the process that starts the sandbox's processes writes `0` to,
    /// moving itself into the run's cgroups first. (A process moving itself alone skips the
    /// kernel's global threadgroup lock and the RCU grace period it costs: milliseconds per
    /// run.) Empty when the supervisor moved the helper itself (cgroup v2) or the run has no
    /// cgroup.
    pub join_cgroups: Vec<String>,
}

/// Everything init needs for the run (no secrets: the command's environment is the only
/// caller-supplied text, and it is given to the command anyway).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct InitConfig {
    pub workspace: String,
    /// The workspace's device and inode as the supervisor sees it. A helper prepared before
    /// a file system was mounted at the workspace's path still has the directory underneath
    /// in its copy of the mount table; it refuses to bind that ([`STALE_WORKSPACE`]).
    pub workspace_id: (u64, u64),
    pub tmp_bytes: u64,
    /// The host path of the egress proxy's socket in the proxy phase: the namespace stage
    /// binds it into the new root and init relays the loopback proxy port to it. `None` in the
    /// agent phase.
    pub egress_socket: Option<String>,
    /// The cgroup files init joins itself (set by the namespace stage when init was started
    /// before the run).
    #[serde(default)]
    pub join_cgroups: Vec<String>,
    pub launch: LaunchConfig,
}

/// What init needs to drop its privileges and start the command.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct LaunchConfig {
    pub program: String,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    pub working_dir: String,
    pub file_size_bytes: u64,
    pub open_files: u64,
    /// `RLIMIT_NPROC` when no pids cgroup is in force (a weaker fallback: it counts per user).
    pub nproc_fallback: Option<u64>,
    /// Refuse to exec when Landlock cannot be enforced.
    pub landlock_required: bool,
    /// Refuse to exec when the seccomp filter cannot be installed.
    pub seccomp_required: bool,
    /// The supervisor is not root and mapped no sandbox user: the namespace's only id is the
    /// supervisor's own, as root, so the command's uid 1000 comes from a nested user namespace
    /// mapping it onto that root.
    pub nested_user_namespace: bool,
    /// The loopback port of the egress relay (proxy phase): `AF_INET` and `AF_INET6` sockets
    /// are allowed and TCP may connect to this port only. `None` (agent phase): every socket
    /// family but `AF_UNIX` is denied and so is all TCP.
    pub relay_port: Option<u16>,
}

/// One line from a helper stage to the supervisor.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "report", rename_all = "snake_case")]
pub(crate) enum Report {
    /// A stage could not build its part of the sandbox; the command did not start.
    SetupFailed { stage: String, message: String },
    /// A required protection cannot be put in force here; the command did not start.
    ProtectionMissing {
        protection: Protection,
        reason: String,
    },
    /// The command is about to be started with these protections in force.
    Launched { enforced: Vec<Protection> },
    /// The command (the process init started) ended.
    Exited {
        exit_code: Option<i32>,
        signal: Option<i32>,
    },
    /// The wall-clock limit passed and the namespace's init was killed, taking every process in
    /// the PID namespace with it.
    TimedOut,
}
