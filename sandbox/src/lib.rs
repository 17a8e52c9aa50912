//! The no-egress sandbox for untrusted repository code (tests, builds, setup commands).
//!
//! Native Linux isolation, no external binary: user, mount, PID, network, IPC, UTS and cgroup
//! namespaces; a minimal root of read-only binds plus the read-write workspace, entered with
//! `pivot_root`; a non-root uid with no capabilities and no_new_privs; Landlock and a seccomp
//! filter; cgroup limits, rlimits, a wall-clock deadline that kills the whole PID namespace,
//! and output kept as head and tail under a cap. See `helper.rs` for the process model. The
//! setup phase ([`Network::Proxy`]) reaches allow-listed hosts only, through the host-side
//! egress proxy in `egress.rs`; the agent phase ([`Network::None`]) reaches nothing.
//!
//! The executable named in [`SandboxConfig::helper_program`] must call
//! [`enter_helper_if_requested`] first thing in `main`.

mod cancel;
mod cgroup;
mod config;
mod egress;
mod error;
mod helper;
mod outcome;
mod output;
mod protocol;
mod splice;
mod supervisor;
mod toolchain;
mod volume;
mod workspace_handover;

pub use cancel::{CancelOnDrop, CancelToken};
pub use config::{
    CgroupRoots, DEFAULT_SYSTEM_PATHS, HostIdentity, Limits, Network, RunRequest, SANDBOX_UID,
    SandboxConfig, WORKSPACE_DIR, running_as_root,
};
pub use egress::{AllowedHost, EgressRecord};
pub use error::SandboxError;
pub use helper::{HELPER_ARG, enter_helper_if_requested};
pub use outcome::{Protection, SandboxOutcome};
pub use output::CapturedOutput;
pub use supervisor::{Sandbox, SandboxRun};
pub use toolchain::{Toolchain, detect_toolchains};
pub use volume::{MIN_VOLUME_BYTES, create_volume, remove_volume};
