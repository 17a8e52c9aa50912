//! The Landlock ruleset: read and execute what the mount namespace shows, write only the
//! workspace, `/tmp` and the device files; no TCP but a connect to the egress relay's port in
//! the proxy phase; no signals or abstract sockets out of the sandbox.

use landlock::{
    ABI, Access, AccessFs, AccessNet, CompatLevel, Compatible, NetPort, PathBeneath, PathFd,
    Ruleset, RulesetAttr, RulesetCreatedAttr, RulesetStatus, Scope,
};

use crate::config::WORKSPACE_DIR;

/// The newest ABI this ruleset is written for. Older kernels get the subset they support
/// (best effort); a kernel without Landlock fails the call.
const TARGET_ABI: ABI = ABI::V6;

/// Restricts this process and everything it execs. TCP bind is always denied, and so is TCP
/// connect except to `relay_port` when given. `Err` says why Landlock is not in force.
pub(super) fn restrict_self(relay_port: Option<u16>) -> Result<(), String> {
    let fs_all = AccessFs::from_all(TARGET_ABI);
    let fs_read = AccessFs::from_read(TARGET_ABI);
    let device_io = AccessFs::from_read(TARGET_ABI) | AccessFs::WriteFile | AccessFs::IoctlDev;
    let mut created = Ruleset::default()
        .set_compatibility(CompatLevel::BestEffort)
        .handle_access(fs_all)
        .map_err(|e| e.to_string())?
        .scope(Scope::from_all(TARGET_ABI))
        .map_err(|e| e.to_string())?
        .handle_access(AccessNet::from_all(TARGET_ABI))
        .map_err(|e| e.to_string())?
        .create()
        .map_err(|e| e.to_string())?;
    if let Some(port) = relay_port {
        created = created
            .add_rule(NetPort::new(port, AccessNet::ConnectTcp))
            .map_err(|e| e.to_string())?;
    }
    for (path, access) in [
        // Everything visible was put there read-only on purpose (see rootfs.rs).
        ("/", fs_read),
        (WORKSPACE_DIR, fs_all),
        ("/tmp", fs_all),
        ("/dev", device_io),
    ] {
        let fd = PathFd::new(path).map_err(|e| format!("opening {path} for Landlock: {e}"))?;
        created = created
            .add_rule(PathBeneath::new(fd, access))
            .map_err(|e| e.to_string())?;
    }
    let status = created.restrict_self().map_err(|e| e.to_string())?;
    match status.ruleset {
        RulesetStatus::FullyEnforced | RulesetStatus::PartiallyEnforced => Ok(()),
        RulesetStatus::NotEnforced => Err("the kernel does not enforce Landlock".into()),
    }
}
