//! The re-executed helper: one executable, two stages, chosen by hidden arguments.
//!
//! The supervisor cannot create namespaces itself (it is multi-threaded, and the workspace
//! denies `unsafe`, so no `pre_exec` hooks and no fork without exec), so it re-executes the
//! helper program:
//!
//! 1. `namespaces` (host PID namespace): unshares user, mount, PID, network, IPC and UTS
//!    namespaces; its uid and gid maps make the sandbox's user (uid 1000 inside) the
//!    unprivileged host identity (written by a root supervisor, which also keeps host root as
//!    the namespace's root; a non-root supervisor's helper maps its own ids to root, and init
//!    later maps uid 1000 onto them in a nested namespace); starts `init`, and
//!    builds the part of the new root that every run shares (`rootfs.rs`), all before the
//!    run when the helper is prepared ahead (`SandboxConfig::prepared_helper`). At the run it
//!    adds the run's parts to the root (workspace, `/tmp`, the egress socket), passes init's
//!    reports to the supervisor, and kills init at the wall-clock deadline or when the
//!    supervisor is gone.
//! 2. `init` (PID 1 of the new PID namespace, privileged in the new user namespace): at the run it
//!    moves itself into the run's cgroup and creates the cgroup namespace, mounts `/proc` and
//!    pivots into the new root, then gives up its privileges for good (uid 1000, rlimits, no
//!    capabilities, no_new_privs) and starts the command
//!    from a launcher thread that applies Landlock and seccomp to itself first (`launch.rs`);
//!    then it reaps, and reports how the command ended. In the proxy phase it also brings the
//!    loopback up and runs the egress relay (`relay.rs`) on a thread. When it exits the
//!    kernel kills everything left in the namespace.
//!
//! On cgroup v2 the supervisor moves the namespace stage into the run's cgroup and init is
//! started at the run instead (see `PrepareMessage::start_init_early`).
//!
//! Each stage is an exec of the helper program, the costliest step of a short run; two is the
//! least that gives PID 1 a process of its own without forking.

mod control;
mod init;
mod landlock_rules;
mod launch;
mod loopback;
mod namespaces;
mod relay;
mod rootfs;
mod seccomp_filter;

use std::ffi::OsStr;

pub(crate) use control::ControlSocket;

/// The first argument that turns a program into the sandbox helper.
pub const HELPER_ARG: &str = "__redgreen-sandbox-helper";

pub(crate) const STAGE_NAMESPACES: &str = "namespaces";
pub(crate) const STAGE_INIT: &str = "init";

/// Exit status of a helper stage that failed before the command started.
pub(crate) const SETUP_FAILED_STATUS: i32 = 125;

/// Runs a helper stage and exits when this process was started as the sandbox helper;
/// returns at once otherwise. The `redgreen` binary calls this first thing in `main`, before
/// any thread is started (creating a user namespace requires a single-threaded process).
pub fn enter_helper_if_requested() {
    let mut args = std::env::args_os().skip(1);
    if args.next().as_deref() != Some(OsStr::new(HELPER_ARG)) {
        return;
    }
    let stage = args.next();
    let status = match stage.as_deref().and_then(OsStr::to_str) {
        Some(STAGE_NAMESPACES) => namespaces::run(),
        Some(STAGE_INIT) => init::run(),
        _ => {
            eprintln!("redgreen sandbox helper: unknown stage");
            SETUP_FAILED_STATUS
        }
    };
    std::process::exit(status);
}

/// Reports a stage's setup failure to the supervisor (best effort: if even the control
/// socket is gone, the supervisor sees a helper that ended without a report) and returns the
/// stage's exit status.
fn setup_failed(control: Option<&ControlSocket>, stage: &str, message: String) -> i32 {
    match control {
        Some(control) => control.report_setup_failure(stage, message),
        None => eprintln!("redgreen sandbox helper ({stage}): {message}"),
    }
    SETUP_FAILED_STATUS
}
