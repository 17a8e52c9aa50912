//! Stage 3: become an unprivileged user with no capabilities, lock the process down with
//! rlimits, no_new_privs, Landlock and seccomp, and exec the command.

use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

use nix::sched::{CloneFlags, unshare};
use nix::sys::resource::{Resource, getrlimit, setrlimit};
use nix::unistd::setsid;
use rustix::thread::{
    CapabilitySet, CapabilitySets, clear_ambient_capability_set,
    remove_capability_from_bounding_set, set_capabilities,
};

use super::namespaces::write_proc_self;
use super::{ControlSocket, STAGE_LAUNCH, landlock_rules, seccomp_filter, setup_failed};
use crate::Protection;
use crate::config::SANDBOX_UID;
use crate::protocol::{LaunchConfig, Report};

/// Exit status when the command itself cannot be executed (as a shell reports it).
const EXEC_FAILED_STATUS: i32 = 127;

pub(super) fn run() -> i32 {
    let control = match ControlSocket::from_stdin() {
        Ok(control) => control,
        Err(message) => return setup_failed(None, STAGE_LAUNCH, message),
    };
    let config: LaunchConfig = match control.receive() {
        Ok(config) => config,
        Err(message) => return setup_failed(Some(&control), STAGE_LAUNCH, message),
    };
    let enforced = match lock_down(&config) {
        Ok(enforced) => enforced,
        Err(LockDownError::Setup(message)) => {
            return setup_failed(Some(&control), STAGE_LAUNCH, message);
        }
        Err(LockDownError::Missing { protection, reason }) => {
            control.report(&Report::ProtectionMissing { protection, reason });
            return super::SETUP_FAILED_STATUS;
        }
    };
    control.report(&Report::Launched { enforced });
    drop(control);

    let error = Command::new(&config.program)
        .args(&config.args)
        .env_clear()
        .envs(config.env.iter().map(|(k, v)| (k, v)))
        .current_dir(&config.working_dir)
        .stdin(Stdio::null())
        .exec();
    eprintln!("redgreen sandbox: cannot run {}: {error}", config.program);
    EXEC_FAILED_STATUS
}

enum LockDownError {
    Setup(String),
    Missing {
        protection: Protection,
        reason: String,
    },
}

impl From<String> for LockDownError {
    fn from(message: String) -> Self {
        LockDownError::Setup(message)
    }
}

fn lock_down(config: &LaunchConfig) -> Result<Vec<Protection>, LockDownError> {
    setsid().map_err(|e| format!("setsid: {e}"))?;
    // A nested user namespace where we are uid 1000: after exec the command is not root
    // anywhere and the kernel gives it no capabilities.
    unshare(CloneFlags::CLONE_NEWUSER).map_err(|e| format!("unshare(user): {e}"))?;
    write_proc_self("setgroups", "deny")?;
    write_proc_self("uid_map", &format!("{SANDBOX_UID} 0 1"))?;
    write_proc_self("gid_map", &format!("{SANDBOX_UID} 0 1"))?;

    set_rlimit(Resource::RLIMIT_FSIZE, config.file_size_bytes)?;
    set_rlimit(Resource::RLIMIT_NOFILE, config.open_files)?;
    set_rlimit(Resource::RLIMIT_CORE, 0)?;
    if let Some(nproc) = config.nproc_fallback {
        set_rlimit(Resource::RLIMIT_NPROC, nproc)?;
    }

    drop_capabilities()?;
    nix::sys::prctl::set_no_new_privs().map_err(|e| format!("no_new_privs: {e}"))?;

    let mut enforced = Vec::new();
    match landlock_rules::restrict_self(config.relay_port) {
        Ok(()) => enforced.push(Protection::Landlock),
        Err(reason) if config.landlock_required => {
            return Err(LockDownError::Missing {
                protection: Protection::Landlock,
                reason,
            });
        }
        Err(_) => {}
    }
    match seccomp_filter::apply(config.relay_port.is_some()) {
        Ok(()) => enforced.push(Protection::Seccomp),
        Err(reason) if config.seccomp_required => {
            return Err(LockDownError::Missing {
                protection: Protection::Seccomp,
                reason,
            });
        }
        Err(_) => {}
    }
    Ok(enforced)
}

/// Sets soft and hard limit, never above the inherited hard limit (raising it would need
/// CAP_SYS_RESOURCE on the host, which a user namespace does not give).
fn set_rlimit(resource: Resource, limit: u64) -> Result<(), String> {
    let (_, hard) = getrlimit(resource).map_err(|e| format!("getrlimit {resource:?}: {e}"))?;
    let limit = limit.min(hard);
    setrlimit(resource, limit, limit).map_err(|e| format!("setrlimit {resource:?}: {e}"))
}

/// Empties the bounding and ambient sets (so no exec can regain a capability) and then this
/// process's own sets.
fn drop_capabilities() -> Result<(), String> {
    for capability in CapabilitySet::all().iter() {
        match remove_capability_from_bounding_set(capability) {
            // Capabilities newer than the running kernel do not exist there.
            Ok(()) | Err(rustix::io::Errno::INVAL) => {}
            Err(e) => {
                return Err(format!(
                    "dropping {capability:?} from the bounding set: {e}"
                ));
            }
        }
    }
    clear_ambient_capability_set().map_err(|e| format!("clearing ambient capabilities: {e}"))?;
    set_capabilities(
        None,
        CapabilitySets {
            effective: CapabilitySet::empty(),
            permitted: CapabilitySet::empty(),
            inheritable: CapabilitySet::empty(),
        },
    )
    .map_err(|e| format!("clearing capabilities: {e}"))
}
