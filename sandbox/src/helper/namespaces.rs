//! Stage 1: create the namespaces, prepare the new root and start init before the run; at the
//! run, add its parts to the root, pass init's reports on, and enforce the wall clock.

use std::io::Read;
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::sched::{CloneFlags, unshare};
use nix::unistd::{getegid, geteuid};
use rustix::event::{PollFd, PollFlags, Timespec, poll};
use rustix::process::{Pid, PidfdFlags, pidfd_open, pidfd_send_signal};

use super::{ControlSocket, HELPER_ARG, STAGE_INIT, STAGE_NAMESPACES, rootfs, setup_failed};
use crate::protocol::{InitConfig, PrepareMessage, Report, StartMessage};

/// The namespaces this stage creates, in one call so that either all exist or the command
/// never starts. The cgroup namespace is init's to create, once it is in the run's cgroup
/// (a cgroup namespace is rooted where its creator stands).
const NAMESPACES: CloneFlags = CloneFlags::CLONE_NEWUSER
    .union(CloneFlags::CLONE_NEWNS)
    .union(CloneFlags::CLONE_NEWPID)
    .union(CloneFlags::CLONE_NEWNET)
    .union(CloneFlags::CLONE_NEWIPC)
    .union(CloneFlags::CLONE_NEWUTS);

pub(super) fn run() -> i32 {
    let control = match ControlSocket::from_stdin() {
        Ok(control) => control,
        Err(message) => return setup_failed(None, STAGE_NAMESPACES, message),
    };
    match create_and_supervise(&control) {
        Ok(status) => status,
        Err(message) => setup_failed(Some(&control), STAGE_NAMESPACES, message),
    }
}

/// Init, started by this stage. Dropping it kills it, and with it the PID namespace.
struct StartedInit {
    child: Child,
    /// A pidfd of our own unreaped child cannot name another process, so a kill cannot hit a
    /// recycled pid.
    pidfd: OwnedFd,
    /// Init's control socket: its configuration goes out, its reports come back.
    control: ControlSocket,
}

impl StartedInit {
    fn start() -> Result<StartedInit, String> {
        let (ours, theirs) = UnixStream::pair().map_err(|e| format!("socketpair: {e}"))?;
        // /proc/self/exe names this very executable even if its path was replaced meanwhile.
        let mut child = Command::new("/proc/self/exe")
            .arg(HELPER_ARG)
            .arg(STAGE_INIT)
            .env_clear()
            .stdin(Stdio::from(OwnedFd::from(theirs)))
            .stdout(Stdio::inherit())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("starting init: {e}"))?;
        let pidfd = match pidfd_open(Pid::from_child(&child), PidfdFlags::empty()) {
            Ok(pidfd) => pidfd,
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("pidfd_open: {e}"));
            }
        };
        Ok(StartedInit {
            child,
            pidfd,
            control: ControlSocket::new(ours),
        })
    }
}

impl Drop for StartedInit {
    fn drop(&mut self) {
        // Killing PID 1 tears down the PID namespace: every process in it gets SIGKILL,
        // including daemons that called setsid or double-forked. (A no-op once it has ended.)
        let _ = pidfd_send_signal(&self.pidfd, rustix::process::Signal::KILL);
        let _ = self.child.wait();
    }
}

fn create_and_supervise(control: &ControlSocket) -> Result<i32, String> {
    // Everything that does not depend on the run comes first, so that a helper prepared
    // ahead of its run (`SandboxConfig::prepared_helper`) has done it before the run starts.
    let prepare: PrepareMessage = control.receive_frame()?;
    let (uid, gid) = (geteuid(), getegid());
    unshare(NAMESPACES).map_err(|e| format!("unshare: {e}"))?;
    if prepare.ids_mapped_by_supervisor {
        // Root of the host stays root here (to build the root file system) and the sandbox's
        // user is the unprivileged host identity: two lines, which only a process with
        // CAP_SETUID over the parent namespace may write, i.e. the supervisor.
        control.signal_ready()?;
        control.wait_ready()?;
    } else {
        // An unprivileged process may map exactly its own ids, once, after denying
        // setgroups. It maps them to root here, so that init, an exec away, keeps its
        // capabilities in the namespace; init maps the sandbox's user onto that root in a
        // nested namespace of its own when it gives them up (`launch.rs`).
        write_proc_self("setgroups", "deny")?;
        write_proc_self("uid_map", &format!("0 {uid} 1"))?;
        write_proc_self("gid_map", &format!("0 {gid} 1"))?;
    }
    // The root is prepared while init is being executed and started.
    let early_init = if prepare.start_init_early {
        let init = StartedInit::start()?;
        rootfs::prepare(&prepare.readonly_paths)?;
        Some(init)
    } else {
        None
    };

    // The start message. (If the supervisor is gone instead, this read ends and so do we.)
    let start: StartMessage = control.receive_frame()?;
    let deadline = Instant::now() + Duration::from_millis(start.timeout_ms);
    let mut config: InitConfig = control.receive()?;
    // Everything started from here on must be born inside the run's cgroup. On cgroup v2 the
    // supervisor has moved us there, and init is started now; otherwise init was started
    // before the run and moves itself.
    config.join_cgroups = start.join_cgroups;
    let init = match early_init {
        Some(init) => init,
        None => {
            let init = StartedInit::start()?;
            rootfs::prepare(&prepare.readonly_paths)?;
            init
        }
    };
    // Adding the run's parts moves the root, which init's dynamic loader must not see happen
    // while it is still opening libraries by path: init says when it is running. The
    // configuration then tells init that the root is complete.
    init.control.wait_ready()?;
    rootfs::add_run_parts(&config).and_then(|()| init.control.send_config(&config))?;
    supervise(control, init, deadline)
}

/// Passes init's reports on until init and every writer of a report are gone; kills init at
/// the deadline, or when the supervisor is gone.
fn supervise(
    control: &ControlSocket,
    mut init: StartedInit,
    deadline: Instant,
) -> Result<i32, String> {
    let mut reports = Some(
        init.control
            .socket()
            .try_clone()
            .map_err(|e| format!("duplicating init's socket: {e}"))?,
    );
    let mut init_running = true;
    let mut buffer = [0u8; 4096];
    while init_running || reports.is_some() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            if !init_running {
                // Init is gone, and with it every process that could still write a report.
                break;
            }
            drop(init);
            control.report(&Report::TimedOut);
            return Ok(0);
        }
        let timespec = Timespec::try_from(left).unwrap_or(Timespec {
            tv_sec: i64::MAX,
            tv_nsec: 0,
        });
        let (supervisor_gone, init_exited, report_ready) = {
            // The supervisor's end of the control socket hangs up only when the supervisor
            // is gone (it shut down only its sending side). That, not a parent-death signal,
            // ends the sandbox with it: such a signal follows the supervisor *thread* that
            // started us, and a prepared helper may have been started by a thread that has
            // ended since.
            let mut fds = vec![PollFd::new(control.socket(), PollFlags::empty())];
            if init_running {
                fds.push(PollFd::new(&init.pidfd, PollFlags::IN));
            }
            if let Some(reports) = &reports {
                fds.push(PollFd::new(reports, PollFlags::IN));
            }
            match poll(&mut fds, Some(&timespec)) {
                Ok(_) | Err(rustix::io::Errno::INTR) => {}
                Err(e) => return Err(format!("polling init: {e}")),
            }
            let mut ready = fds.iter().map(|fd| !fd.revents().is_empty());
            let supervisor_gone = ready.next().unwrap_or(false);
            let init_exited = init_running && ready.next().unwrap_or(false);
            (
                supervisor_gone,
                init_exited,
                reports.is_some() && ready.next().unwrap_or(false),
            )
        };
        if supervisor_gone {
            return Err("the supervisor is gone".into());
        }
        if init_exited {
            init_running = false;
        }
        if report_ready && let Some(stream) = &mut reports {
            match stream.read(&mut buffer) {
                Ok(0) => reports = None,
                Ok(n) => control.relay(&buffer[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => reports = None,
            }
        }
    }
    let status = init
        .child
        .wait()
        .map_err(|e| format!("waiting for init: {e}"))?;
    Ok(status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0)))
}

pub(super) fn write_proc_self(file: &str, contents: &str) -> Result<(), String> {
    std::fs::write(format!("/proc/self/{file}"), contents)
        .map_err(|e| format!("writing /proc/self/{file}: {e}"))
}
