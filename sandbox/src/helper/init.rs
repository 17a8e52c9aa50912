//! Stage 2: PID 1 of the sandbox. Started before the run when it can be; at the run it joins
//! the run's cgroup, creates the cgroup namespace, enters the root the namespace stage built,
//! gives up its privileges, starts the command (`launch.rs`), reaps every orphan, and reports
//! how the command ended.

use nix::errno::Errno;
use nix::sched::{CloneFlags, unshare};
use nix::sys::signal::Signal;
use nix::sys::wait::{WaitStatus, wait};
use nix::unistd::{Pid, sethostname, setsid};

use super::launch::{self, LaunchError};
use super::{ControlSocket, SETUP_FAILED_STATUS, STAGE_INIT, relay, rootfs, setup_failed};
use crate::protocol::{InitConfig, Report};

/// Exit status reported when the command itself cannot be executed (as a shell reports it).
const EXEC_FAILED_STATUS: i32 = 127;

pub(super) fn run() -> i32 {
    let control = match ControlSocket::from_stdin() {
        Ok(control) => control,
        Err(message) => return setup_failed(None, STAGE_INIT, message),
    };
    let command = match prepare(&control) {
        Ok(command) => command,
        Err(LaunchError::Setup(message)) => {
            return setup_failed(Some(&control), STAGE_INIT, message);
        }
        Err(LaunchError::Missing { protection, reason }) => {
            control.report(&Report::ProtectionMissing { protection, reason });
            return SETUP_FAILED_STATUS;
        }
        Err(LaunchError::Exec(message)) => {
            eprintln!("{message}");
            control.report(&Report::Exited {
                exit_code: Some(EXEC_FAILED_STATUS),
                signal: None,
            });
            return 0;
        }
    };
    let report = reap_until_exit(command);
    control.report(&report);
    // Returning ends PID 1, and with it every process still in the namespace.
    0
}

fn prepare(control: &ControlSocket) -> Result<Pid, LaunchError> {
    // The namespace stage is our parent; if it dies (killed by the supervisor), so do we.
    nix::sys::prctl::set_pdeathsig(Signal::SIGKILL).map_err(|e| format!("set_pdeathsig: {e}"))?;
    setsid().map_err(|e| format!("setsid: {e}"))?;
    // Loaded: the namespace stage may now move the root from under us.
    control.signal_ready()?;
    // The namespace stage sends the configuration once the root is complete.
    let mut config: InitConfig = control.receive()?;
    for tasks in &config.join_cgroups {
        // "0" moves the writing thread, which is all of us while we are single-threaded.
        std::fs::write(rootfs::host_path(tasks), "0")
            .map_err(|e| format!("joining the cgroup {tasks}: {e}"))?;
    }
    // Rooted at the run's cgroup: the command sees `/` there, and nothing above.
    unshare(CloneFlags::CLONE_NEWCGROUP).map_err(|e| format!("unshare(cgroup): {e}"))?;
    rootfs::enter()?;
    sethostname("redgreen-sandbox").map_err(|e| format!("sethostname: {e}"))?;
    // The relay listens before privileges go (the loopback needs CAP_NET_ADMIN over the
    // network namespace) and serves after (its threads must not exist when the user namespace
    // is entered).
    let relay = match &config.egress_socket {
        Some(_) => {
            let listener = relay::listen()?;
            let proxy = format!("http://127.0.0.1:{}", listener.port());
            let launch = &mut config.launch;
            launch.relay_port = Some(listener.port());
            // Both spellings: tools disagree on which one they read. NO_PROXY is empty so that
            // nothing is tried directly (it would fail anyway).
            for (key, value) in [
                ("HTTP_PROXY", proxy.as_str()),
                ("HTTPS_PROXY", proxy.as_str()),
                ("http_proxy", proxy.as_str()),
                ("https_proxy", proxy.as_str()),
                ("NO_PROXY", ""),
                ("no_proxy", ""),
            ] {
                launch.env.retain(|(existing, _)| existing != key);
                launch.env.push((key.to_owned(), value.to_owned()));
            }
            Some(listener)
        }
        None => None,
    };
    launch::drop_privileges(&config.launch)?;
    // Not dumpable: the sandboxed processes (same host uid, same user namespace) can neither
    // ptrace PID 1 nor read its /proc files.
    nix::sys::prctl::set_dumpable(false).map_err(|e| format!("set_dumpable: {e}"))?;
    if let Some(listener) = relay {
        listener.serve()?;
    }
    launch::start(control, &config.launch)
}

/// Reaps children (including orphans re-parented to PID 1) until the command has ended.
fn reap_until_exit(command: Pid) -> Report {
    loop {
        match wait() {
            Ok(WaitStatus::Exited(pid, code)) if pid == command => {
                return Report::Exited {
                    exit_code: Some(code),
                    signal: None,
                };
            }
            Ok(WaitStatus::Signaled(pid, signal, _)) if pid == command => {
                return Report::Exited {
                    exit_code: None,
                    signal: Some(signal as i32),
                };
            }
            Ok(_) | Err(Errno::EINTR) => continue,
            Err(e) => {
                return Report::SetupFailed {
                    stage: STAGE_INIT.to_owned(),
                    message: format!("waiting for the command: {e}"),
                };
            }
        }
    }
}
