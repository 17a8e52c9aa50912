//! The supervisor side: checks what can be enforced, starts the helper, feeds it, captures
//! output under a cap, enforces a last-resort deadline, and assembles the outcome.

use std::io::{BufRead, BufReader, Read};
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags, Timespec, poll};
use rustix::process::{Pid, PidfdFlags, pidfd_open, pidfd_send_signal};

use crate::cgroup::{CgroupLayout, CgroupStats, RunCgroup, remove_stale};
use crate::egress::EgressProxy;
use crate::helper::{ControlSocket, GO, HELPER_ARG, STAGE_NAMESPACES};
use crate::output::OutputCollector;
use crate::protocol::{InitConfig, LaunchConfig, Report};
use crate::{
    CapturedOutput, EgressRecord, Network, Protection, RunRequest, SandboxConfig, SandboxError,
    SandboxOutcome, WORKSPACE_DIR,
};

/// How long past the run's own deadline the supervisor waits for the helper before killing it
/// and every process in the run's cgroup itself.
const SUPERVISOR_GRACE: Duration = Duration::from_secs(10);

/// Namespaces that exist whenever the command starts (they are created in one call).
const NAMESPACES: [Protection; 7] = [
    Protection::Userns,
    Protection::Netns,
    Protection::Pidns,
    Protection::Mountns,
    Protection::Ipcns,
    Protection::Utsns,
    Protection::Cgroupns,
];

/// A configured sandbox; `run` may be called from many threads at once.
#[derive(Debug)]
pub struct Sandbox {
    config: SandboxConfig,
    cgroups: CgroupLayout,
}

/// A finished run: the contract result plus the captured output.
#[derive(Debug, Clone)]
pub struct SandboxRun {
    pub outcome: SandboxOutcome,
    pub stdout: CapturedOutput,
    pub stderr: CapturedOutput,
    /// Every request the egress proxy saw, in order, with its verdict (proxy phase only;
    /// at most 10,000 are kept, all are logged).
    pub egress: Vec<EgressRecord>,
}

impl Sandbox {
    /// Validates the configuration and finds the cgroup hierarchy to use.
    pub fn new(config: SandboxConfig) -> Result<Sandbox, SandboxError> {
        config.validate()?;
        let cgroups = CgroupLayout::resolve(&config.cgroups);
        if let CgroupLayout::Unavailable { reason } = &cgroups {
            tracing::info!(%reason, "sandbox cgroups unavailable");
        }
        remove_stale(&cgroups);
        Ok(Sandbox { config, cgroups })
    }

    /// Runs one command to completion (blocking; call it from a blocking thread) and says
    /// what happened. The command's failure, timeout or death is an outcome, not an error;
    /// an error means the command did not run (or its end could not be observed).
    pub fn run(&self, request: &RunRequest) -> Result<SandboxRun, SandboxError> {
        request.validate()?;
        let started = Instant::now();
        let required = |protection: Protection| !self.config.may_run_without.contains(&protection);

        let (cgroup, cgroup_enforced) = match RunCgroup::create(&self.cgroups, &request.limits) {
            Ok((cgroup, enforced)) => (Some(cgroup), enforced),
            Err((failed, reason)) => {
                // Without its cgroup the run has none of the cgroup limits.
                let first_required = [Protection::CgroupMemory, Protection::CgroupPids]
                    .into_iter()
                    .chain(request.limits.cpu_millicores.map(|_| Protection::CgroupCpu))
                    .find(|&p| required(p));
                if let Some(first_required) = first_required {
                    let protection = if required(failed) {
                        failed
                    } else {
                        first_required
                    };
                    return Err(SandboxError::ProtectionUnavailable { protection, reason });
                }
                tracing::warn!(%reason, "sandbox running without cgroup limits (opted out)");
                (None, Vec::new())
            }
        };

        let proxy = match &request.network {
            Network::None => None,
            Network::Proxy { allowed_hosts } => Some(EgressProxy::start(
                &self.config.runtime_dir,
                self.config.host_identity,
                allowed_hosts.clone(),
            )?),
        };

        let config = InitConfig {
            readonly_paths: self
                .config
                .readonly_paths
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect(),
            workspace: request.workspace.to_string_lossy().into_owned(),
            tmp_bytes: request.limits.tmp_bytes,
            timeout_ms: duration_ms(request.limits.timeout),
            egress_socket: proxy
                .as_ref()
                .map(|proxy| proxy.socket().to_string_lossy().into_owned()),
            launch: LaunchConfig {
                program: request.program.clone(),
                args: request.args.clone(),
                env: request.environment(),
                working_dir: request
                    .working_dir
                    .clone()
                    .unwrap_or_else(|| WORKSPACE_DIR.to_owned()),
                file_size_bytes: request.limits.file_size_bytes,
                open_files: request.limits.open_files,
                nproc_fallback: cgroup.is_none().then_some(u64::from(request.limits.pids)),
                landlock_required: required(Protection::Landlock),
                seccomp_required: required(Protection::Seccomp),
                // Set by init once the relay listens.
                relay_port: None,
            },
        };

        let (ours, theirs) =
            UnixStream::pair().map_err(SandboxError::io("creating the control socket"))?;
        let mut command = Command::new(&self.config.helper_program);
        command
            .arg(HELPER_ARG)
            .arg(STAGE_NAMESPACES)
            .arg(config.timeout_ms.to_string())
            .env_clear()
            .current_dir("/")
            .stdin(Stdio::from(OwnedFd::from(theirs)))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(identity) = self.config.host_identity {
            command.uid(identity.uid).gid(identity.gid);
        }
        let mut helper = command
            .spawn()
            .map_err(SandboxError::io("starting the sandbox helper"))?;
        // The command holds our copy of the helper's end of the socket; the reports reader only
        // sees the end of the stream once every copy is closed.
        drop(command);
        // Our own unreaped child: the pidfd cannot name a recycled pid.
        let pidfd = pidfd_open(Pid::from_child(&helper), PidfdFlags::empty());

        // The helper waits for the start byte, so it is in the cgroup before it can fork.
        if let Some(cgroup) = &cgroup
            && let Err(e) = cgroup.attach(helper.id())
        {
            let _ = helper.kill();
            let _ = helper.wait();
            return Err(SandboxError::Io {
                action: "moving the helper into its cgroup",
                source: e,
            });
        }
        let control = ControlSocket::new(ours);
        if let Err(message) = control
            .send_raw(&GO)
            .and_then(|()| control.send_config(&config))
        {
            let _ = helper.kill();
            let _ = helper.wait();
            return Err(SandboxError::Setup {
                stage: "supervisor".into(),
                message,
            });
        }
        tracing::debug!(program = %request.program, helper = helper.id(), "sandbox run started");

        let cap = request.limits.output_bytes;
        let stdout = spawn_collector(helper.stdout.take(), cap);
        let stderr = spawn_collector(helper.stderr.take(), cap);
        let reports = std::thread::spawn(move || read_reports(control));

        let deadline = started + request.limits.timeout + SUPERVISOR_GRACE;
        let helper_killed = wait_until(&mut helper, pidfd.ok(), deadline);
        if helper_killed && let Some(cgroup) = &cgroup {
            cgroup.kill_all();
        }
        let _ = helper.wait();

        let reports = reports.join().unwrap_or_default();
        let egress = proxy.map(EgressProxy::finish).unwrap_or_default();
        let stdout = join_collector(stdout);
        let stderr = join_collector(stderr);
        let stats = cgroup.as_ref().map(RunCgroup::stats).unwrap_or_default();
        drop(cgroup);
        let outcome = assemble(
            reports,
            &stats,
            cgroup_enforced,
            &stdout,
            &stderr,
            started,
            helper_killed,
        )?;
        tracing::info!(
            program = %request.program,
            exit_code = ?outcome.exit_code,
            signal = ?outcome.signal,
            timed_out = outcome.timed_out,
            oom_killed = outcome.oom_killed,
            duration_ms = outcome.duration_ms,
            "sandbox run finished"
        );
        Ok(SandboxRun {
            outcome,
            stdout,
            stderr,
            egress,
        })
    }
}

/// Waits for the helper until the deadline; past it, kills the helper. Returns whether it had
/// to be killed.
fn wait_until(helper: &mut Child, pidfd: Option<OwnedFd>, deadline: Instant) -> bool {
    let Some(pidfd) = pidfd else {
        // No pidfd (very old kernel): a plain wait, the helper's own deadline still applies.
        let _ = helper.wait();
        return false;
    };
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            tracing::error!(
                helper = helper.id(),
                "sandbox helper overran its deadline; killing it"
            );
            let _ = pidfd_send_signal(&pidfd, rustix::process::Signal::KILL);
            return true;
        }
        let timespec = Timespec::try_from(left).unwrap_or(Timespec {
            tv_sec: i64::MAX,
            tv_nsec: 0,
        });
        let mut fds = [PollFd::new(&pidfd, PollFlags::IN)];
        match poll(&mut fds, Some(&timespec)) {
            Ok(0) | Err(rustix::io::Errno::INTR) => continue,
            Ok(_) | Err(_) => return false,
        }
    }
}

fn spawn_collector<R: Read + Send + 'static>(
    stream: Option<R>,
    cap: usize,
) -> Option<JoinHandle<CapturedOutput>> {
    let mut stream = stream?;
    Some(std::thread::spawn(move || {
        let mut collector = OutputCollector::new(cap);
        let mut buffer = vec![0u8; 64 << 10];
        loop {
            match stream.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => collector.push(&buffer[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => break,
            }
        }
        collector.finish()
    }))
}

fn join_collector(handle: Option<JoinHandle<CapturedOutput>>) -> CapturedOutput {
    handle.and_then(|h| h.join().ok()).unwrap_or_default()
}

/// Reads report lines until every helper stage has closed the socket. Lines that do not
/// decode are skipped (only our own stages write here); the count is bounded because each
/// stage writes at most two lines.
fn read_reports(control: ControlSocket) -> Vec<Report> {
    let reader = BufReader::new(control.stream().take(1 << 20));
    reader
        .lines()
        .map_while(Result::ok)
        .filter_map(|line| serde_json::from_str(&line).ok())
        .collect()
}

fn assemble(
    reports: Vec<Report>,
    stats: &CgroupStats,
    cgroup_enforced: Vec<Protection>,
    stdout: &CapturedOutput,
    stderr: &CapturedOutput,
    started: Instant,
    helper_killed: bool,
) -> Result<SandboxOutcome, SandboxError> {
    let mut enforced = None;
    let mut exit = None;
    let mut timed_out = helper_killed;
    for report in reports {
        match report {
            Report::SetupFailed { stage, message } => {
                return Err(SandboxError::Setup { stage, message });
            }
            Report::ProtectionMissing { protection, reason } => {
                return Err(SandboxError::ProtectionUnavailable { protection, reason });
            }
            Report::Launched { enforced: launched } => enforced = Some(launched),
            Report::Exited { exit_code, signal } => exit = Some((exit_code, signal)),
            Report::TimedOut => timed_out = true,
        }
    }
    let Some(launched) = enforced else {
        if timed_out {
            return Err(SandboxError::Setup {
                stage: "supervisor".into(),
                message: "the deadline passed before the command started".into(),
            });
        }
        return Err(SandboxError::NoReport(stderr.to_text()));
    };
    let mut enforced: Vec<Protection> = NAMESPACES
        .into_iter()
        .chain(launched)
        .chain(cgroup_enforced)
        .collect();
    enforced.sort();
    enforced.dedup();
    let (exit_code, signal) = match (timed_out, exit) {
        (true, _) => (None, Some(libc::SIGKILL)),
        (false, Some(exit)) => exit,
        // The namespace's init itself was killed (e.g. chosen by the OOM killer): everything
        // in the namespace died with SIGKILL.
        (false, None) => (None, Some(libc::SIGKILL)),
    };
    Ok(SandboxOutcome {
        exit_code,
        signal,
        timed_out,
        oom_killed: stats.oom_kills > 0,
        pids_limit_hit: stats.pids_limit_hits > 0,
        truncated: stdout.truncated || stderr.truncated,
        duration_ms: duration_ms(started.elapsed()),
        peak_memory_bytes: stats.peak_memory_bytes,
        enforced,
    })
}

fn duration_ms(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
