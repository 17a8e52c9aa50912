//! The supervisor side: checks what can be enforced, starts the helper, feeds it, captures
//! output under a cap, enforces a last-resort deadline, and assembles the outcome. A run
//! starts no thread of its own: output and reports are read with one poll(2) loop (the next
//! run's helper is prepared on a short-lived thread beside it).

use std::io::Read;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::fs::MetadataExt;
use std::os::unix::net::UnixStream;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use nix::sys::statvfs::statvfs;
use rustix::event::{PollFd, PollFlags, Timespec, poll};

use crate::cgroup::{CgroupLayout, CgroupStats, RunCgroup, remove_stale};
use crate::egress::EgressProxy;
use crate::helper::{ControlSocket, HELPER_ARG, STAGE_NAMESPACES};
use crate::output::OutputCollector;
use crate::protocol::{
    InitConfig, LaunchConfig, PrepareMessage, Report, STALE_WORKSPACE, StartMessage,
};
use crate::volume::is_mount_point;
use crate::workspace_handover::WorkspaceHandover;
use crate::{
    CancelToken, CapturedOutput, EgressRecord, HostIdentity, Network, Protection, RunRequest,
    SANDBOX_UID, SandboxConfig, SandboxError, SandboxOutcome, WORKSPACE_DIR,
};

/// How long past the run's own deadline the supervisor waits for the helper before killing it
/// and every process in the run's cgroup itself.
const SUPERVISOR_GRACE: Duration = Duration::from_secs(10);

/// How often a run that can be cancelled looks at its token while nothing else happens.
const CANCEL_CHECK_INTERVAL: Duration = Duration::from_millis(50);

/// Most bytes of reports kept from the helper stages (they send a few short lines).
const MAX_REPORT_BYTES: usize = 1 << 20;

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
    launcher: HelperLauncher,
    /// The helper prepared for the next run (see [`SandboxConfig::prepared_helper`]).
    spare: Arc<SpareSlot>,
}

/// Everything needed to start a helper, shared with the thread that prepares the spare.
#[derive(Debug, Clone)]
struct HelperLauncher {
    program: std::path::PathBuf,
    prepare: PrepareMessage,
    /// Written into the helper's uid and gid maps by us (a root supervisor).
    identity: Option<HostIdentity>,
}

/// The spare helper and whether one is being prepared (on a thread of its own, since a root
/// supervisor waits for the helper to unshare before it writes its id maps).
#[derive(Debug, Default)]
struct SpareSlot {
    state: Mutex<SpareState>,
    ready: Condvar,
}

#[derive(Debug, Default)]
struct SpareState {
    helper: Option<Helper>,
    preparing: bool,
    /// The sandbox is gone: a helper prepared now is ended at once.
    closed: bool,
}

/// A started helper, waiting for its start message on its control socket.
#[derive(Debug)]
struct Helper {
    child: Child,
    control: UnixStream,
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
        let launcher = HelperLauncher {
            program: config.helper_program.clone(),
            prepare: PrepareMessage {
                readonly_paths: config
                    .readonly_paths
                    .iter()
                    .map(|p| p.to_string_lossy().into_owned())
                    .collect(),
                start_init_early: !matches!(cgroups, CgroupLayout::V2 { .. }),
                ids_mapped_by_supervisor: config.host_identity.is_some(),
            },
            identity: config.host_identity,
        };
        let sandbox = Sandbox {
            config,
            cgroups,
            launcher,
            spare: Arc::default(),
        };
        sandbox.prepare_spare();
        Ok(sandbox)
    }

    /// Runs one command to completion (blocking; call it from a blocking thread) and says
    /// what happened. The command's failure, timeout or death is an outcome, not an error;
    /// an error means the command did not run (or its end could not be observed).
    pub fn run(&self, request: &RunRequest) -> Result<SandboxRun, SandboxError> {
        match self.run_with(request, true) {
            // The prepared helper's mount namespace is a copy of the host's from before the
            // workspace was mounted there (a new volume): it would have bound the empty
            // directory underneath. A helper started now sees the volume.
            Err(SandboxError::Setup { message, .. }) if message.contains(STALE_WORKSPACE) => {
                tracing::debug!(workspace = %request.workspace.display(), "the prepared helper predates the workspace's mount; starting another");
                self.run_with(request, false)
            }
            ran => ran,
        }
    }

    /// [`Sandbox::run`], with or without the prepared helper.
    fn run_with(&self, request: &RunRequest, spare: bool) -> Result<SandboxRun, SandboxError> {
        request.validate()?;
        if request
            .cancel
            .as_ref()
            .is_some_and(CancelToken::is_cancelled)
        {
            return Err(SandboxError::Cancelled);
        }
        if let Some(cap) = request.limits.disk_bytes {
            check_volume(&request.workspace, cap)?;
        }
        let started = Instant::now();
        let required = |protection: Protection| !self.config.may_run_without.contains(&protection);

        // The prepared helper, or a new one: either way its exec and start-up overlap the
        // cgroup and proxy set-up below. It does nothing until it gets its start message.
        let spare = if spare { self.take_spare() } else { None };
        let mut helper = match spare.map(|mut spare| (spare.child.try_wait(), spare)) {
            Some((Ok(None), spare)) => spare,
            // None prepared, or it died meanwhile (killed from outside; now reaped).
            _ => self.launcher.start()?,
        };
        // The command runs as the sandbox's unprivileged host user, who must be able to write
        // the workspace; what it leaves is cleaned before anyone on the host uses the tree.
        let handover =
            match WorkspaceHandover::hand_over(&request.workspace, self.config.host_identity) {
                Ok(handover) => handover,
                Err(e) => {
                    abandon(&mut helper.child);
                    return Err(e);
                }
            };
        let (cgroup, cgroup_enforced) = match RunCgroup::create(&self.cgroups, &request.limits) {
            Ok((cgroup, enforced)) => (Some(cgroup), enforced),
            Err((failed, reason)) => {
                // Without its cgroup the run has none of the cgroup limits.
                let first_required = [Protection::CgroupMemory, Protection::CgroupPids]
                    .into_iter()
                    .chain(request.limits.cpu_millicores.map(|_| Protection::CgroupCpu))
                    .find(|&p| required(p));
                if let Some(first_required) = first_required {
                    abandon(&mut helper.child);
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
            Network::Proxy { allowed_hosts } => match EgressProxy::start(
                &self.config.runtime_dir,
                self.config.host_identity,
                allowed_hosts.clone(),
            ) {
                Ok(proxy) => Some(proxy),
                Err(e) => {
                    abandon(&mut helper.child);
                    return Err(e);
                }
            },
        };

        let workspace_id = std::fs::symlink_metadata(&request.workspace)
            .map(|metadata| (metadata.dev(), metadata.ino()))
            .map_err(SandboxError::io("reading the workspace"));
        let workspace_id = match workspace_id {
            Ok(id) => id,
            Err(e) => {
                abandon(&mut helper.child);
                return Err(e);
            }
        };
        let config = InitConfig {
            workspace: request.workspace.to_string_lossy().into_owned(),
            workspace_id,
            tmp_bytes: request.limits.tmp_bytes,
            egress_socket: proxy
                .as_ref()
                .map(|proxy| proxy.socket().to_string_lossy().into_owned()),
            // Set by the namespace stage.
            join_cgroups: Vec::new(),
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
                nested_user_namespace: self.config.host_identity.is_none(),
                // Set by init once the relay listens.
                relay_port: None,
            },
        };

        // The helper waits for the start message, so it is in the cgroup before it can fork.
        let join_cgroups = match &cgroup {
            Some(cgroup) => match cgroup.admit(helper.child.id()) {
                Ok(files) => files,
                Err(e) => {
                    abandon(&mut helper.child);
                    return Err(SandboxError::Io {
                        action: "moving the helper into its cgroup",
                        source: e,
                    });
                }
            },
            None => Vec::new(),
        };
        let start = StartMessage {
            timeout_ms: duration_ms(request.limits.timeout),
            join_cgroups,
        };
        let control = ControlSocket::new(helper.control);
        let mut child = helper.child;
        let sent = control
            .send_frame(&start)
            .and_then(|()| control.send_config(&config));
        match &sent {
            Ok(()) => {
                tracing::debug!(program = %request.program, helper = child.id(), "sandbox run started");
                // The next run's helper starts now, beside this run.
                self.prepare_spare();
            }
            // The helper is gone (or going): what it reported is read below.
            Err(_) => {
                let _ = child.kill();
            }
        }

        let collected = collect(
            &mut child,
            control,
            request.limits.output_bytes,
            started + request.limits.timeout + SUPERVISOR_GRACE,
            cgroup.as_ref(),
            request.cancel.as_ref(),
        );
        let _ = child.wait();
        // Every process of the sandbox is gone (the streams end only then, or the whole tree
        // was killed): nothing can change the workspace while it is cleaned.
        handover.take_back()?;
        if let Err(message) = sent {
            // A helper that failed while preparing reported why before it ended.
            return Err(collected
                .reports
                .into_iter()
                .find_map(|report| match report {
                    Report::SetupFailed { stage, message } => {
                        Some(SandboxError::Setup { stage, message })
                    }
                    _ => None,
                })
                .unwrap_or(SandboxError::Setup {
                    stage: "supervisor".into(),
                    message,
                }));
        }

        let egress = proxy.map(EgressProxy::finish).unwrap_or_default();
        if collected.cancelled {
            tracing::info!(program = %request.program, "sandbox run cancelled");
            return Err(SandboxError::Cancelled);
        }
        let stats = cgroup.as_ref().map(RunCgroup::stats).unwrap_or_default();
        drop(cgroup);
        let mut limits_enforced = cgroup_enforced;
        let disk_limit_hit = match request.limits.disk_bytes {
            Some(_) => {
                limits_enforced.push(Protection::DiskQuota);
                volume_full(&request.workspace)
            }
            None => false,
        };
        let outcome = assemble(
            collected.reports,
            &stats,
            disk_limit_hit,
            limits_enforced,
            &collected.stdout,
            &collected.stderr,
            started,
            collected.helper_killed,
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
            stdout: collected.stdout,
            stderr: collected.stderr,
            egress,
        })
    }
}

impl Sandbox {
    /// The prepared helper, waiting for one being prepared rather than starting another (its
    /// start is already under way). `None` when none is prepared or being prepared.
    fn take_spare(&self) -> Option<Helper> {
        let mut state = self.spare_lock();
        while state.helper.is_none() && state.preparing {
            state = self
                .spare
                .ready
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        state.helper.take()
    }

    /// Starts preparing the spare helper for the next run, if the configuration asks for one
    /// and there is none, on a thread of its own. A failure is only logged: the next run then
    /// starts its own helper.
    fn prepare_spare(&self) {
        if !self.config.prepared_helper {
            return;
        }
        {
            let mut state = self.spare_lock();
            if state.helper.is_some() || state.preparing {
                return;
            }
            state.preparing = true;
        }
        let launcher = self.launcher.clone();
        let slot = Arc::clone(&self.spare);
        let spawned = std::thread::Builder::new()
            .name("sandbox-spare".into())
            .spawn(move || {
                let started = launcher.start();
                let mut state = slot.state.lock().unwrap_or_else(PoisonError::into_inner);
                state.preparing = false;
                match started {
                    Ok(mut helper) if state.closed => abandon(&mut helper.child),
                    Ok(helper) => state.helper = Some(helper),
                    Err(error) => tracing::warn!(%error, "cannot prepare a sandbox helper"),
                }
                slot.ready.notify_all();
            });
        if let Err(error) = spawned {
            tracing::warn!(%error, "cannot start preparing a sandbox helper");
            self.spare_lock().preparing = false;
        }
    }

    fn spare_lock(&self) -> MutexGuard<'_, SpareState> {
        // The slot holds no invariant a panicking holder could break.
        self.spare
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl HelperLauncher {
    /// Starts a helper: the helper program, re-executed with a cleared environment, its
    /// standard input the control socket and its output piped to us. With a host identity,
    /// waits for the helper to unshare and writes its id maps.
    fn start(&self) -> Result<Helper, SandboxError> {
        let (ours, theirs) =
            UnixStream::pair().map_err(SandboxError::io("creating the control socket"))?;
        let mut command = Command::new(&self.program);
        command
            .arg(HELPER_ARG)
            .arg(STAGE_NAMESPACES)
            .env_clear()
            .current_dir("/")
            .stdin(Stdio::from(OwnedFd::from(theirs)))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command
            .spawn()
            .map_err(SandboxError::io("starting the sandbox helper"))?;
        // The command holds our copy of the helper's end of the socket; the reports end only
        // once every copy is closed.
        drop(command);
        let control = ControlSocket::new(ours);
        let mapped = control
            .send_frame(&self.prepare)
            .and_then(|()| match self.identity {
                Some(identity) => {
                    control.wait_ready()?;
                    map_ids(child.id(), identity)?;
                    control.signal_ready()
                }
                None => Ok(()),
            });
        if let Err(message) = mapped {
            abandon(&mut child);
            return Err(SandboxError::Setup {
                stage: "supervisor".into(),
                message,
            });
        }
        Ok(Helper {
            child,
            control: control.into_stream(),
        })
    }
}

/// Writes the id maps of a helper that has unshared its user namespace: host root stays the
/// namespace's root (it builds the root file system), and the sandbox's user is `identity`.
/// Two lines need CAP_SETUID and CAP_SETGID over the parent namespace, which we have as root.
/// `setgroups` stays allowed, so that init can drop root's supplementary groups.
fn map_ids(pid: u32, identity: HostIdentity) -> Result<(), String> {
    for (file, id) in [("uid_map", identity.uid), ("gid_map", identity.gid)] {
        std::fs::write(
            format!("/proc/{pid}/{file}"),
            format!("0 0 1\n{SANDBOX_UID} {id} 1\n"),
        )
        .map_err(|e| format!("writing the helper's {file}: {e}"))?;
    }
    Ok(())
}

impl Drop for Sandbox {
    /// Ends the spare helper (closing its control socket would end it too; this also reaps it).
    fn drop(&mut self) {
        let spare = {
            let mut state = self.spare_lock();
            state.closed = true;
            state.helper.take()
        };
        if let Some(mut spare) = spare {
            abandon(&mut spare.child);
        }
    }
}

/// Kills and reaps a helper that will not be given its configuration (it is still waiting
/// for its start message, so nothing has started inside).
fn abandon(helper: &mut Child) {
    let _ = helper.kill();
    let _ = helper.wait();
}

/// What came back from one run's helper.
struct Collected {
    stdout: CapturedOutput,
    stderr: CapturedOutput,
    reports: Vec<Report>,
    /// The helper overran its deadline and was killed.
    helper_killed: bool,
    /// The run was cancelled and killed.
    cancelled: bool,
}

/// Reads the command's stdout and stderr (under the cap) and the stages' reports, all on
/// this thread with one poll(2) loop, until every stream has ended (the helper and every
/// process in the sandbox hold them, so that is when the sandbox is gone). Past the deadline
/// the helper, and every process in the run's cgroup, is killed; a stream still open one
/// grace period after that is abandoned, so the supervisor never waits forever. A cancel
/// kills the same way, at once.
fn collect(
    helper: &mut Child,
    control: ControlSocket,
    cap: usize,
    mut deadline: Instant,
    cgroup: Option<&RunCgroup>,
    cancel: Option<&CancelToken>,
) -> Collected {
    let mut stdout = helper.stdout.take();
    let mut stderr = helper.stderr.take();
    let mut control = Some(control.into_stream());
    let (mut out, mut err) = (OutputCollector::new(cap), OutputCollector::new(cap));
    let mut reports = Vec::new();
    let mut buffer = vec![0u8; 64 << 10];
    let mut helper_killed = false;
    let mut cancelled = false;
    let mut given_up = false;
    while stdout.is_some() || stderr.is_some() || control.is_some() {
        let cancel_now = !cancelled && !given_up && cancel.is_some_and(CancelToken::is_cancelled);
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || cancel_now {
            if given_up {
                tracing::error!("sandbox output still open after the kill; abandoning it");
                break;
            }
            given_up = true;
            cancelled = cancel_now;
            // The helper's own deadline ends the sandbox well before this one; a cancel comes
            // at any time. Killing the namespace stage kills init (its parent-death signal),
            // and with init the kernel kills everything in the PID namespace.
            if helper.try_wait().ok().flatten().is_none() {
                if !cancelled {
                    tracing::error!(
                        helper = helper.id(),
                        "sandbox helper overran its deadline; killing it"
                    );
                    helper_killed = true;
                }
                // Not reaped yet, so its pid cannot have been reused.
                let _ = helper.kill();
            }
            if let Some(cgroup) = cgroup {
                cgroup.kill_all();
            }
            deadline = Instant::now() + SUPERVISOR_GRACE;
            continue;
        }
        let left = match cancel {
            Some(_) if !given_up => left.min(CANCEL_CHECK_INTERVAL),
            _ => left,
        };
        let timespec = Timespec::try_from(left).unwrap_or(Timespec {
            tv_sec: i64::MAX,
            tv_nsec: 0,
        });
        // Slots: stdout, stderr, control socket.
        let mut ready = [false; 3];
        {
            let mut fds = Vec::with_capacity(3);
            let mut slots = Vec::with_capacity(3);
            let sources: [Option<BorrowedFd<'_>>; 3] = [
                stdout.as_ref().map(AsFd::as_fd),
                stderr.as_ref().map(AsFd::as_fd),
                control.as_ref().map(AsFd::as_fd),
            ];
            for (slot, fd) in sources.iter().enumerate() {
                if let Some(fd) = fd {
                    fds.push(PollFd::from_borrowed_fd(*fd, PollFlags::IN));
                    slots.push(slot);
                }
            }
            match poll(&mut fds, Some(&timespec)) {
                Ok(_) | Err(rustix::io::Errno::INTR) => {}
                Err(e) => {
                    tracing::error!(error = %e, "polling the sandbox helper failed");
                    break;
                }
            }
            for (fd, slot) in fds.iter().zip(slots) {
                ready[slot] = !fd.revents().is_empty();
            }
        }
        if ready[0] && !read_into(&mut stdout, &mut buffer, |bytes| out.push(bytes)) {
            stdout = None;
        }
        if ready[1] && !read_into(&mut stderr, &mut buffer, |bytes| err.push(bytes)) {
            stderr = None;
        }
        if ready[2]
            && !read_into(&mut control, &mut buffer, |bytes| {
                // Only our own stages write here, a few short lines; the bound is a guard.
                let room = MAX_REPORT_BYTES.saturating_sub(reports.len());
                reports.extend_from_slice(&bytes[..bytes.len().min(room)]);
            })
        {
            control = None;
        }
    }
    Collected {
        stdout: out.finish(),
        stderr: err.finish(),
        reports: reports
            .split(|&b| b == b'\n')
            .filter_map(|line| serde_json::from_slice(line).ok())
            .collect(),
        helper_killed,
        cancelled,
    }
}

/// Reads once from a stream that poll(2) found ready and hands the bytes on. Returns `false`
/// when the stream has ended (or failed) and should be closed.
fn read_into<R: Read>(
    stream: &mut Option<R>,
    buffer: &mut [u8],
    mut sink: impl FnMut(&[u8]),
) -> bool {
    let Some(reader) = stream else {
        return false;
    };
    match reader.read(buffer) {
        Ok(0) => false,
        Ok(n) => {
            sink(&buffer[..n]);
            true
        }
        Err(e) => matches!(
            e.kind(),
            std::io::ErrorKind::Interrupted | std::io::ErrorKind::WouldBlock
        ),
    }
}

#[allow(clippy::too_many_arguments)]
fn assemble(
    reports: Vec<Report>,
    stats: &CgroupStats,
    disk_limit_hit: bool,
    limits_enforced: Vec<Protection>,
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
        .chain(limits_enforced)
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
        disk_limit_hit,
        truncated: stdout.truncated || stderr.truncated,
        duration_ms: duration_ms(started.elapsed()),
        peak_memory_bytes: stats.peak_memory_bytes,
        enforced,
    })
}

/// A capped run's workspace must be a volume (`volume.rs`) no larger than the cap: a plain
/// directory would let the command fill the host's disk.
fn check_volume(workspace: &std::path::Path, cap: u64) -> Result<(), SandboxError> {
    let not_capped = |why: String| {
        SandboxError::InvalidRequest(format!(
            "the workspace {} {why}; a disk cap needs a volume made by create_volume",
            workspace.display()
        ))
    };
    if !is_mount_point(workspace) {
        return Err(not_capped("is not a volume".into()));
    }
    let stats = statvfs(workspace).map_err(|e| SandboxError::Io {
        action: "reading the workspace's volume",
        source: e.into(),
    })?;
    let size = stats.blocks().saturating_mul(stats.fragment_size());
    if size > cap {
        return Err(not_capped(format!(
            "is a file system of {size} bytes, over the cap of {cap}"
        )));
    }
    Ok(())
}

/// Whether the workspace's volume is full: less than 1% of it or 1 MiB free, whichever is
/// more (a write that failed for want of space leaves at most that little).
fn volume_full(workspace: &std::path::Path) -> bool {
    let Ok(stats) = statvfs(workspace) else {
        return false;
    };
    let block = stats.fragment_size();
    let size = stats.blocks().saturating_mul(block);
    let free = stats.blocks_available().saturating_mul(block);
    free < (size / 100).max(1 << 20)
}

fn duration_ms(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
