//! Stage 1: create the namespaces, start the namespace's init, and enforce the wall clock.

use std::ffi::OsString;
use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nix::sched::{CloneFlags, unshare};
use nix::sys::signal::Signal;
use nix::unistd::{getegid, geteuid};
use rustix::event::{PollFd, PollFlags, Timespec, poll};
use rustix::process::{Pid, PidfdFlags, pidfd_open, pidfd_send_signal};

use super::{ControlSocket, GO, HELPER_ARG, STAGE_INIT, STAGE_NAMESPACES, setup_failed};
use crate::protocol::Report;

/// Every namespace the sandbox lives in, created in one call so that either all exist or the
/// command never starts.
pub(crate) const SANDBOX_NAMESPACES: CloneFlags = CloneFlags::CLONE_NEWUSER
    .union(CloneFlags::CLONE_NEWNS)
    .union(CloneFlags::CLONE_NEWPID)
    .union(CloneFlags::CLONE_NEWNET)
    .union(CloneFlags::CLONE_NEWIPC)
    .union(CloneFlags::CLONE_NEWUTS)
    .union(CloneFlags::CLONE_NEWCGROUP);

pub(super) fn run(timeout_ms: Option<OsString>) -> i32 {
    let control = match ControlSocket::from_stdin() {
        Ok(control) => control,
        Err(message) => return setup_failed(None, STAGE_NAMESPACES, message),
    };
    match create_and_supervise(&control, timeout_ms) {
        Ok(status) => status,
        Err(message) => setup_failed(Some(&control), STAGE_NAMESPACES, message),
    }
}

fn create_and_supervise(
    control: &ControlSocket,
    timeout_ms: Option<OsString>,
) -> Result<i32, String> {
    let timeout = timeout_ms
        .as_deref()
        .and_then(|v| v.to_str())
        .and_then(|v| v.parse::<u64>().ok())
        .map(Duration::from_millis)
        .ok_or("missing or malformed timeout argument")?;
    // Wait for the supervisor's go: it first moves this process into the run's cgroup, and
    // everything started from here on must be born inside it.
    let mut go = [0u8; 1];
    (control.stream())
        .read_exact(&mut go)
        .map_err(|e| format!("waiting for the supervisor: {e}"))?;
    if go != GO {
        return Err("unexpected start byte from the supervisor".into());
    }
    let deadline = Instant::now() + timeout;
    // If the supervisor dies, so does the sandbox: init dies with us (its own death signal),
    // and with init the whole PID namespace.
    nix::sys::prctl::set_pdeathsig(Signal::SIGKILL).map_err(|e| format!("set_pdeathsig: {e}"))?;

    let (uid, gid) = (geteuid(), getegid());
    unshare(SANDBOX_NAMESPACES).map_err(|e| format!("unshare: {e}"))?;
    // An unprivileged process may map exactly its own ids, once, after denying setgroups.
    write_proc_self("setgroups", "deny")?;
    write_proc_self("uid_map", &format!("0 {uid} 1"))?;
    write_proc_self("gid_map", &format!("0 {gid} 1"))?;

    // /proc/self/exe names this very executable even if its path was replaced meanwhile.
    let init = Command::new("/proc/self/exe")
        .arg(HELPER_ARG)
        .arg(STAGE_INIT)
        .env_clear()
        .stdin(Stdio::inherit())
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("starting init: {e}"))?;
    // A pidfd of our own unreaped child cannot name another process, so the kill at the
    // deadline cannot hit a recycled pid.
    let pidfd = pidfd_open(Pid::from_child(&init), PidfdFlags::empty())
        .map_err(|e| format!("pidfd_open: {e}"))?;
    let mut init = init;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            // Killing PID 1 tears down the PID namespace: every process in it gets SIGKILL,
            // including daemons that called setsid or double-forked.
            let _ = pidfd_send_signal(&pidfd, rustix::process::Signal::KILL);
            let _ = init.wait();
            control.report(&Report::TimedOut);
            return Ok(0);
        }
        let timespec = Timespec::try_from(left).unwrap_or(Timespec {
            tv_sec: i64::MAX,
            tv_nsec: 0,
        });
        let mut fds = [PollFd::new(&pidfd, PollFlags::IN)];
        match poll(&mut fds, Some(&timespec)) {
            Ok(0) => continue,
            Ok(_) => break,
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(format!("polling init: {e}")),
        }
    }
    let status = init.wait().map_err(|e| format!("waiting for init: {e}"))?;
    Ok(status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0)))
}

pub(super) fn write_proc_self(file: &str, contents: &str) -> Result<(), String> {
    std::fs::write(format!("/proc/self/{file}"), contents)
        .map_err(|e| format!("writing /proc/self/{file}: {e}"))
}
