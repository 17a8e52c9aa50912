//! What the operator configures once (`SandboxConfig`) and what each run asks for (`RunRequest`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::{AllowedHost, CancelToken, Protection, SandboxError};

/// Where the task's workspace appears inside the sandbox (read-write).
pub const WORKSPACE_DIR: &str = "/workspace";

/// The uid and gid the command has inside the sandbox: never root.
pub const SANDBOX_UID: u32 = 1000;

/// Host directories and files every sandbox sees read-only at the same path, when they exist:
/// the system's programs and libraries and the few `/etc` files that dynamic linking, TLS and
/// Debian's alternatives need. Nothing else of `/etc`, and nothing of `/home`, `/root`, `/var`.
pub const DEFAULT_SYSTEM_PATHS: &[&str] = &[
    "/usr",
    "/bin",
    "/sbin",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/etc/alternatives",
    "/etc/ca-certificates",
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/localtime",
    "/etc/nsswitch.conf",
    "/etc/ssl",
];

/// Operator-level sandbox settings, validated once and shared by every run.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// The executable re-executed for the helper stages. It must call
    /// [`crate::enter_helper_if_requested`] first thing in `main` (the `redgreen` binary does).
    pub helper_program: PathBuf,
    /// Host paths exposed read-only at the same path inside: the system paths and the
    /// toolchains (for example `/root/.rustup`, `/opt/python`). Paths that do not exist are
    /// skipped; a symlink is recreated as the same symlink.
    pub readonly_paths: Vec<PathBuf>,
    /// Where the per-run cgroups are created.
    pub cgroups: CgroupRoots,
    /// Protections the operator explicitly accepts running without. Any other protection that
    /// cannot be put in force makes the sandbox refuse to run (fail closed).
    pub may_run_without: BTreeSet<Protection>,
    /// The unprivileged host identity the sandbox's user (uid and gid [`SANDBOX_UID`] inside)
    /// is on the host. Required when the supervisor runs as root: a sandbox user that is host
    /// root would leave root-owned files (a setuid shell) behind and read root-only files
    /// through the read-only system mounts. The supervisor hands the workspace to this
    /// identity before each run (see `workspace_handover.rs`). `None` (a non-root supervisor
    /// only) maps the sandbox's user to the supervisor's own identity.
    pub host_identity: Option<HostIdentity>,
    /// Where a proxy-phase run gets its private directory (mode 0700, removed afterwards)
    /// holding the egress proxy's Unix socket. Never inside a workspace.
    pub runtime_dir: PathBuf,
    /// Keep one helper prepared for the next run: already executed, its namespaces already
    /// created, waiting for a run's start message. Each helper still serves exactly one run
    /// (nothing of one run is ever seen by another); preparing it ahead takes its start-up,
    /// a third of a short run, off the run's latency, for the price of one idle process. Off
    /// for a one-off run (the prepared spare would be thrown away).
    pub prepared_helper: bool,
}

impl SandboxConfig {
    /// A configuration with the default system paths, detected cgroups and every protection
    /// required.
    pub fn new(helper_program: PathBuf) -> Self {
        SandboxConfig {
            helper_program,
            readonly_paths: DEFAULT_SYSTEM_PATHS.iter().map(PathBuf::from).collect(),
            cgroups: CgroupRoots::Detect,
            may_run_without: BTreeSet::new(),
            host_identity: None,
            runtime_dir: PathBuf::from("/tmp"),
            prepared_helper: true,
        }
    }

    pub(crate) fn validate(&self) -> Result<(), SandboxError> {
        require_absolute(&self.helper_program, "helper_program")?;
        for path in &self.readonly_paths {
            require_absolute(path, "readonly_paths")?;
            if path == Path::new("/") {
                return Err(SandboxError::InvalidRequest(
                    "readonly_paths must not contain / (the whole host)".into(),
                ));
            }
            // These are the sandbox's own (fresh tmpfs, procfs, device nodes, the workspace,
            // the relay's socket): a host path below them would be silently hidden.
            if let Some(own) = ["/tmp", "/proc", "/dev", "/run/redgreen", WORKSPACE_DIR]
                .into_iter()
                .find(|own| path.starts_with(own))
            {
                return Err(SandboxError::InvalidRequest(format!(
                    "readonly path {} is under {own}, which the sandbox provides itself",
                    path.display()
                )));
            }
        }
        require_absolute(&self.runtime_dir, "runtime_dir")?;
        match self.host_identity {
            Some(identity) if identity.uid == 0 || identity.gid == 0 => {
                Err(SandboxError::InvalidRequest(
                    "the sandbox's host identity must not be root (uid or gid 0)".into(),
                ))
            }
            Some(_) if !running_as_root() => Err(SandboxError::InvalidRequest(
                "only a supervisor running as root can map the sandbox's user to another host \
                 identity"
                    .into(),
            )),
            None if running_as_root() => Err(SandboxError::InvalidRequest(
                "a supervisor running as root needs an unprivileged host identity for the \
                 sandbox's user (SandboxConfig::host_identity)"
                    .into(),
            )),
            _ => Ok(()),
        }
    }
}

/// Whether this process runs as root, and so must name an unprivileged host identity for the
/// sandbox's user ([`SandboxConfig::host_identity`]).
pub fn running_as_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// A host uid/gid pair: who the sandbox's user is on the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostIdentity {
    pub uid: u32,
    pub gid: u32,
}

impl HostIdentity {
    /// The identity a root supervisor uses when the operator names none: 65533, the top of
    /// the 65000–65533 range that Debian's policy reserves and never allocates to an account,
    /// so no user or service on the host shares it.
    pub const FALLBACK: HostIdentity = HostIdentity {
        uid: 65533,
        gid: 65533,
    };

    /// The account a package creates for the sandbox's user.
    pub const ACCOUNT: &str = "redgreen-sandbox";

    /// The uid and primary gid of the host account `name`; `None` when there is none.
    pub fn of_account(name: &str) -> Result<Option<HostIdentity>, SandboxError> {
        nix::unistd::User::from_name(name)
            .map(|user| {
                user.map(|user| HostIdentity {
                    uid: user.uid.as_raw(),
                    gid: user.gid.as_raw(),
                })
            })
            .map_err(|e| SandboxError::Io {
                action: "looking up the sandbox's host account",
                source: e.into(),
            })
    }

    /// What a root supervisor's sandbox runs as unless the operator says otherwise: the
    /// [`HostIdentity::ACCOUNT`] account when the host has one, else
    /// [`HostIdentity::FALLBACK`].
    pub fn default_for_root() -> Result<HostIdentity, SandboxError> {
        Ok(HostIdentity::of_account(HostIdentity::ACCOUNT)?.unwrap_or(HostIdentity::FALLBACK))
    }
}

/// Where per-run cgroups live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CgroupRoots {
    /// Under the supervisor's own cgroup: cgroup v2 when its subtree has the memory and pids
    /// controllers delegated, else the v1 `memory`, `pids` and `cpu` hierarchies.
    Detect,
    /// A delegated cgroup v2 directory whose `cgroup.subtree_control` enables memory and pids.
    V2 { parent: PathBuf },
    /// Explicit cgroup v1 parent directories, one per controller.
    V1 {
        memory: PathBuf,
        pids: PathBuf,
        cpu: Option<PathBuf>,
    },
    /// No cgroups: only allowed when `cgroup_memory` and `cgroup_pids` are in `may_run_without`.
    Disabled,
}

/// Network access of a run.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Network {
    /// Nothing but a private loopback that is not even up: no route anywhere, only `AF_UNIX`
    /// sockets may be created (the agent phase).
    #[default]
    None,
    /// The setup phase: the only way out is redgreen's HTTP(S) egress proxy, which runs on the
    /// host side and lets through only requests for these hosts (see [`crate::EgressRecord`]
    /// for what is recorded). Inside, the proxy is `http://127.0.0.1:<port>` on the private
    /// loopback, given to the command as `HTTP_PROXY`/`HTTPS_PROXY`; nothing else is reachable.
    Proxy { allowed_hosts: Vec<AllowedHost> },
}

/// Resource limits of one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Wall-clock limit; at the deadline the whole process tree is killed.
    pub timeout: Duration,
    /// Memory cgroup limit (RAM, and swap is not allowed on top).
    pub memory_bytes: u64,
    /// Process and thread count limit (pids cgroup).
    pub pids: u32,
    /// CPU quota in thousandths of a core; `None` leaves CPU time unlimited.
    pub cpu_millicores: Option<u32>,
    /// Size of the private `/tmp` (tmpfs).
    pub tmp_bytes: u64,
    /// Largest file the command may write (`RLIMIT_FSIZE`).
    pub file_size_bytes: u64,
    /// Open file descriptors per process (`RLIMIT_NOFILE`).
    pub open_files: u64,
    /// Bytes of stdout and of stderr kept (each): half from the start, half from the end.
    pub output_bytes: usize,
    /// The workspace's disk cap. `Some`: the workspace must be a volume made by
    /// [`crate::create_volume`] no larger than this, and the run reports
    /// [`crate::SandboxOutcome::disk_limit_hit`]. `None`: no cap (the workspace may be any
    /// directory).
    pub disk_bytes: Option<u64>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            timeout: Duration::from_secs(600),
            memory_bytes: 2 << 30,
            pids: 512,
            cpu_millicores: None,
            tmp_bytes: 512 << 20,
            file_size_bytes: 1 << 30,
            open_files: 1024,
            output_bytes: 1 << 20,
            disk_bytes: None,
        }
    }
}

/// One command to run.
#[derive(Debug, Clone)]
pub struct RunRequest {
    /// Program name (looked up in the sandbox's `PATH`) or absolute path inside the sandbox.
    pub program: String,
    pub args: Vec<String>,
    /// The command's whole environment besides the defaults (`PATH`, `HOME`, `TMPDIR`, `LANG`,
    /// `USER`), which these override. Nothing is inherited from the supervisor.
    pub env: Vec<(String, String)>,
    /// Host directory mounted read-write at [`WORKSPACE_DIR`].
    pub workspace: PathBuf,
    /// Working directory inside the sandbox; defaults to [`WORKSPACE_DIR`].
    pub working_dir: Option<String>,
    pub limits: Limits,
    pub network: Network,
    /// Cancelling this token kills the run's whole process tree, and the run answers
    /// [`SandboxError::Cancelled`].
    pub cancel: Option<CancelToken>,
}

impl RunRequest {
    /// A request with default limits and no network.
    pub fn new(program: impl Into<String>, workspace: impl Into<PathBuf>) -> Self {
        RunRequest {
            program: program.into(),
            args: Vec::new(),
            env: Vec::new(),
            workspace: workspace.into(),
            working_dir: None,
            limits: Limits::default(),
            network: Network::None,
            cancel: None,
        }
    }

    /// Appends arguments.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Sets one environment variable for the command.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    pub(crate) fn validate(&self) -> Result<(), SandboxError> {
        require_absolute(&self.workspace, "workspace")?;
        if !self.workspace.is_dir() {
            return Err(SandboxError::InvalidRequest(format!(
                "workspace {} is not a directory",
                self.workspace.display()
            )));
        }
        if self.program.is_empty() {
            return Err(SandboxError::InvalidRequest("empty program".into()));
        }
        let limits = &self.limits;
        if limits.timeout.is_zero()
            || limits.memory_bytes == 0
            || limits.pids == 0
            || limits.tmp_bytes == 0
            || limits.open_files == 0
            || limits.output_bytes == 0
            || limits.cpu_millicores == Some(0)
        {
            return Err(SandboxError::InvalidRequest(
                "every limit must be greater than zero".into(),
            ));
        }
        if self
            .env
            .iter()
            .any(|(key, value)| key.is_empty() || key.contains(['=', '\0']) || value.contains('\0'))
        {
            return Err(SandboxError::InvalidRequest(
                "environment names must be non-empty without '=' or NUL".into(),
            ));
        }
        Ok(())
    }

    /// The command's complete environment: defaults, then the request's own values.
    pub(crate) fn environment(&self) -> Vec<(String, String)> {
        let mut env: Vec<(String, String)> = [
            (
                "PATH",
                "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin",
            ),
            ("HOME", "/tmp"),
            ("TMPDIR", "/tmp"),
            ("LANG", "C.UTF-8"),
            ("USER", "sandbox"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        for (key, value) in &self.env {
            env.retain(|(existing, _)| existing != key);
            env.push((key.clone(), value.clone()));
        }
        env
    }
}

fn require_absolute(path: &Path, what: &str) -> Result<(), SandboxError> {
    if path.is_absolute() {
        Ok(())
    } else {
        Err(SandboxError::InvalidRequest(format!(
            "{what} must be an absolute path, got {}",
            path.display()
        )))
    }
}
