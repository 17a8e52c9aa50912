//! Becoming the command, without executing the helper a third time: the sandbox's PID 1 gives
//! up every privilege it needed to build the sandbox (uid 1000, an unprivileged host user;
//! rlimits, no capabilities, no_new_privs), then a launcher thread puts itself under Landlock
//! and seccomp and starts the command, which inherits all of it.
//!
//! Landlock and seccomp bind only the thread that applies them and what it starts, so PID 1's
//! own thread stays outside the command's Landlock domain: the command cannot signal it.

use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

use nix::sched::{CloneFlags, unshare};
use nix::sys::resource::{Resource, getrlimit, setrlimit};
use nix::unistd::{Gid, Pid, Uid, getuid, setgroups, setresgid, setresuid};
use rustix::thread::{
    CapabilitySet, CapabilitySets, clear_ambient_capability_set,
    remove_capability_from_bounding_set, set_capabilities,
};

use super::namespaces::write_proc_self;
use super::{ControlSocket, landlock_rules, seccomp_filter};
use crate::Protection;
use crate::config::SANDBOX_UID;
use crate::protocol::{LaunchConfig, Report};

/// Why the command was not started.
pub(super) enum LaunchError {
    /// Building the sandbox failed.
    Setup(String),
    /// A required protection cannot be put in force here.
    Missing {
        protection: Protection,
        reason: String,
    },
    /// Everything was in force, but the program could not be executed (not found, not
    /// executable): the command's failure, reported as a shell would (exit status 127).
    Exec(String),
}

impl From<String> for LaunchError {
    fn from(message: String) -> Self {
        LaunchError::Setup(message)
    }
}

/// Gives this whole process the command's identity: the sandbox's user ([`SANDBOX_UID`],
/// which is an unprivileged host user), no supplementary groups, the rlimits, empty
/// capability sets (the bounding set too, so no exec can regain one) and no_new_privs. Must be
/// called after everything that needed privilege over the sandbox's namespaces (mounts,
/// hostname, loopback) is done.
pub(super) fn drop_privileges(config: &LaunchConfig) -> Result<(), String> {
    set_rlimit(Resource::RLIMIT_FSIZE, config.file_size_bytes)?;
    set_rlimit(Resource::RLIMIT_NOFILE, config.open_files)?;
    set_rlimit(Resource::RLIMIT_CORE, 0)?;
    if let Some(nproc) = config.nproc_fallback {
        set_rlimit(Resource::RLIMIT_NPROC, nproc)?;
    }
    if config.nested_user_namespace {
        // A non-root supervisor's namespace maps only its own id (as root): the sandbox's
        // user is that id again, seen as uid 1000 from a namespace nested in it.
        unshare(CloneFlags::CLONE_NEWUSER).map_err(|e| format!("unshare(user): {e}"))?;
        write_proc_self("setgroups", "deny")?;
        write_proc_self("uid_map", &format!("{SANDBOX_UID} 0 1"))?;
        write_proc_self("gid_map", &format!("{SANDBOX_UID} 0 1"))?;
    }
    // Needs CAP_SETPCAP, so before the identity changes.
    drop_bounding_set()?;
    let sandbox = Uid::from_raw(SANDBOX_UID);
    if getuid() != sandbox {
        // Root of this namespace (host root, the supervisor mapped it): become the sandbox's
        // user for good, real, effective and saved ids alike, groups first while the
        // capability to change them is still held.
        let group = Gid::from_raw(SANDBOX_UID);
        setgroups(&[]).map_err(|e| format!("setgroups: {e}"))?;
        setresgid(group, group, group).map_err(|e| format!("setresgid: {e}"))?;
        setresuid(sandbox, sandbox, sandbox).map_err(|e| format!("setresuid: {e}"))?;
    }
    // In a nested namespace the process is the sandbox's user already, and holds every
    // capability there as its creator: clear them.
    clear_ambient_capability_set().map_err(|e| format!("clearing ambient capabilities: {e}"))?;
    set_capabilities(
        None,
        CapabilitySets {
            effective: CapabilitySet::empty(),
            permitted: CapabilitySet::empty(),
            inheritable: CapabilitySet::empty(),
        },
    )
    .map_err(|e| format!("clearing capabilities: {e}"))?;
    nix::sys::prctl::set_no_new_privs().map_err(|e| format!("no_new_privs: {e}"))
}

/// Starts the command from a launcher thread that first applies Landlock and seccomp to
/// itself, and reports the protections in force just before the command is started. Returns
/// the command's pid.
pub(super) fn start(control: &ControlSocket, config: &LaunchConfig) -> Result<Pid, LaunchError> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let enforced = confine(config)?;
                control.report(&Report::Launched { enforced });
                let child = Command::new(&config.program)
                    .args(&config.args)
                    .env_clear()
                    .envs(config.env.iter().map(|(k, v)| (k, v)))
                    .current_dir(&config.working_dir)
                    .stdin(Stdio::null())
                    // Its own process group, so that `kill 0` in a script stays within it.
                    .process_group(0)
                    .spawn()
                    .map_err(|e| {
                        LaunchError::Exec(format!(
                            "redgreen sandbox: cannot run {}: {e}",
                            config.program
                        ))
                    })?;
                // PID 1 reaps it with wait(2); dropping the handle neither waits nor kills.
                Ok(Pid::from_raw(child.id() as i32))
            })
            .join()
            .unwrap_or_else(|_| Err(LaunchError::Setup("the launcher thread panicked".into())))
    })
}

/// Applies Landlock, then seccomp, to the calling thread; returns the ones in force.
fn confine(config: &LaunchConfig) -> Result<Vec<Protection>, LaunchError> {
    let mut enforced = Vec::new();
    match landlock_rules::restrict_self(config.relay_port) {
        Ok(()) => enforced.push(Protection::Landlock),
        Err(reason) if config.landlock_required => {
            return Err(LaunchError::Missing {
                protection: Protection::Landlock,
                reason,
            });
        }
        Err(_) => {}
    }
    match seccomp_filter::apply(config.relay_port.is_some()) {
        Ok(()) => enforced.push(Protection::Seccomp),
        Err(reason) if config.seccomp_required => {
            return Err(LaunchError::Missing {
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

/// Empties the bounding set, so that no exec can regain a capability; threads started
/// afterwards inherit it.
fn drop_bounding_set() -> Result<(), String> {
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
    Ok(())
}
