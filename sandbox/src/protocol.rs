//! What the supervisor and the helper stages tell each other over the control socket.
//!
//! The supervisor writes one [`InitConfig`] as JSON and shuts its side for writing; the stages
//! answer with newline-separated [`Report`]s on the same socket. The launcher stage gets its
//! [`LaunchConfig`] the same way from the init stage.

use serde::{Deserialize, Serialize};

use crate::Protection;

/// Everything the namespace and init stages need (no secrets: the command's environment is
/// the only caller-supplied text, and it is given to the command anyway).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct InitConfig {
    pub readonly_paths: Vec<String>,
    pub workspace: String,
    pub tmp_bytes: u64,
    pub timeout_ms: u64,
    /// The host path of the egress proxy's socket in the proxy phase: init binds it into the
    /// new root and relays the loopback proxy port to it. `None` in the agent phase.
    pub egress_socket: Option<String>,
    pub launch: LaunchConfig,
}

/// What the launcher stage needs to drop privileges and exec the command.
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
    /// The command is about to be exec'd with these protections in force.
    Launched { enforced: Vec<Protection> },
    /// The command (the process the launcher became) ended.
    Exited {
        exit_code: Option<i32>,
        signal: Option<i32>,
    },
    /// The wall-clock limit passed and the namespace's init was killed, taking every process in
    /// the PID namespace with it.
    TimedOut,
}
