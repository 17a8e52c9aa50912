//! Stage 2: PID 1 of the sandbox. Builds the root, starts the launcher, relays its report,
//! reaps every orphan, and reports how the command ended.

use std::io::Read;
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::process::{Command, Stdio};

use nix::errno::Errno;
use nix::sys::signal::Signal;
use nix::sys::wait::{WaitStatus, wait};
use nix::unistd::{Pid, sethostname, setsid};

use super::{ControlSocket, HELPER_ARG, STAGE_INIT, STAGE_LAUNCH, relay, rootfs, setup_failed};
use crate::protocol::{InitConfig, Report};

/// Largest report the launcher may send; it sends one short line.
const MAX_LAUNCH_REPORT: u64 = 64 << 10;

pub(super) fn run() -> i32 {
    let control = match ControlSocket::from_stdin() {
        Ok(control) => control,
        Err(message) => return setup_failed(None, STAGE_INIT, message),
    };
    let launcher = match prepare(&control) {
        Ok(launcher) => launcher,
        Err(message) => return setup_failed(Some(&control), STAGE_INIT, message),
    };
    let report = reap_until_exit(launcher);
    control.report(&report);
    // Returning ends PID 1, and with it every process still in the namespace.
    0
}

fn prepare(control: &ControlSocket) -> Result<Pid, String> {
    // The namespace stage is our parent; if it dies (killed by the supervisor), so do we.
    nix::sys::prctl::set_pdeathsig(Signal::SIGKILL).map_err(|e| format!("set_pdeathsig: {e}"))?;
    setsid().map_err(|e| format!("setsid: {e}"))?;
    let mut config: InitConfig = control.receive()?;
    rootfs::build_and_enter(&config)?;
    if config.egress_socket.is_some() {
        let port = relay::start()?;
        let proxy = format!("http://127.0.0.1:{port}");
        let launch = &mut config.launch;
        launch.relay_port = Some(port);
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
    }
    sethostname("redgreen-sandbox").map_err(|e| format!("sethostname: {e}"))?;
    // Not dumpable: the sandboxed processes (same host uid, nested user namespace) can neither
    // ptrace PID 1 nor read its /proc files.
    nix::sys::prctl::set_dumpable(false).map_err(|e| format!("set_dumpable: {e}"))?;

    let (ours, theirs) = UnixStream::pair().map_err(|e| format!("socketpair: {e}"))?;
    let launcher = Command::new("/proc/self/exe")
        .arg(HELPER_ARG)
        .arg(STAGE_LAUNCH)
        .env_clear()
        .current_dir("/")
        .stdin(Stdio::from(OwnedFd::from(theirs)))
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("starting the launcher: {e}"))?;
    let launcher_pid = Pid::from_raw(launcher.id() as i32);
    // The child handle is dropped without waiting: PID 1 reaps with wait(2) below.
    drop(launcher);

    let launch_control = ControlSocket::new(ours);
    launch_control.send_config(&config.launch)?;
    // The launcher's report ends with its exec (its socket is close-on-exec) or its exit.
    let mut lines = Vec::new();
    launch_control
        .stream()
        .take(MAX_LAUNCH_REPORT)
        .read_to_end(&mut lines)
        .map_err(|e| format!("reading the launcher's report: {e}"))?;
    control.relay(&lines);
    Ok(launcher_pid)
}

/// Reaps children (including orphans re-parented to PID 1) until the launcher, which became
/// the command, has ended.
fn reap_until_exit(launcher: Pid) -> Report {
    loop {
        match wait() {
            Ok(WaitStatus::Exited(pid, code)) if pid == launcher => {
                return Report::Exited {
                    exit_code: Some(code),
                    signal: None,
                };
            }
            Ok(WaitStatus::Signaled(pid, signal, _)) if pid == launcher => {
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
