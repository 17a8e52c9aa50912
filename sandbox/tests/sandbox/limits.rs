//! Limits: wall clock (the whole tree dies), process count, memory, output volume.

use std::time::Duration;

use redgreen_sandbox::{CancelToken, SandboxError};

use crate::support::{sandbox, sh, stdout};

/// Host processes whose command line contains `marker`.
fn host_processes_with(marker: &str) -> Vec<String> {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|entry| {
            let entry = entry.ok()?;
            entry.file_name().to_str()?.parse::<u32>().ok()?;
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            cmdline.contains(marker).then_some(cmdline)
        })
        .collect()
}

#[test]
fn a_timeout_kills_the_whole_tree_including_daemons() {
    let workspace = tempfile::tempdir().unwrap();
    // A unique sleep length marks this test's processes in the host's process table.
    let marker = format!("4{}.{}", std::process::id() % 10_000, rand_suffix());
    let mut request = sh(
        &format!(
            "setsid sleep {marker} & \
             (sh -c 'sleep {marker} & exit 0' &) ; \
             nohup sleep {marker} >/dev/null 2>&1 & \
             echo started; sleep {marker}"
        ),
        &workspace,
    );
    request.limits.timeout = Duration::from_secs(2);
    let run = sandbox().run(&request).unwrap();
    assert!(run.outcome.timed_out, "{:?}", run.outcome);
    assert_eq!(run.outcome.exit_code, None);
    assert_eq!(run.outcome.signal, Some(libc::SIGKILL));
    assert_eq!(stdout(&run), "started\n");
    assert_eq!(host_processes_with(&marker), Vec::<String>::new());
}

#[test]
fn a_cancel_kills_the_whole_tree_at_once() {
    let workspace = tempfile::tempdir().unwrap();
    let marker = format!("5{}.{}", std::process::id() % 10_000, rand_suffix());
    let token = CancelToken::new();
    let mut request = sh(
        &format!(
            "setsid sleep {marker} & \
             echo started; sleep 2; touch /workspace/still-running; sleep {marker}"
        ),
        &workspace,
    );
    request.cancel = Some(token.clone());
    request.limits.timeout = Duration::from_secs(120);
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(500));
        token.cancel();
    });
    let result = sandbox().run(&request);
    canceller.join().unwrap();
    assert!(matches!(result, Err(SandboxError::Cancelled)), "{result:?}");
    assert_eq!(host_processes_with(&marker), Vec::<String>::new());
    // Nothing in the sandbox lived on to reach the line after `sleep 2`.
    std::thread::sleep(Duration::from_secs(3));
    assert!(!workspace.path().join("still-running").exists());
}

#[test]
fn a_run_cancelled_before_it_starts_runs_nothing() {
    let workspace = tempfile::tempdir().unwrap();
    let token = CancelToken::new();
    token.cancel();
    let mut request = sh("touch /workspace/ran", &workspace);
    request.cancel = Some(token);
    let result = sandbox().run(&request);
    assert!(matches!(result, Err(SandboxError::Cancelled)), "{result:?}");
    assert!(!workspace.path().join("ran").exists());
}

fn rand_suffix() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos()
        % 100_000
}

#[test]
fn a_fork_bomb_hits_the_pids_limit() {
    let workspace = tempfile::tempdir().unwrap();
    let mut request = sh(
        "bomb() { bomb | bomb & }; bomb; sleep 3; echo survived",
        &workspace,
    );
    request.limits.pids = 32;
    request.limits.timeout = Duration::from_secs(20);
    let run = sandbox().run(&request).unwrap();
    assert!(run.outcome.pids_limit_hit, "{:?}", run.outcome);
    assert!(
        run.outcome
            .enforced
            .contains(&redgreen_sandbox::Protection::CgroupPids)
    );
}

#[test]
fn a_memory_hog_is_killed_and_reported_as_out_of_memory() {
    let workspace = tempfile::tempdir().unwrap();
    // 256 MiB of touched memory: bounded, so a broken limit cannot take the host down.
    let mut request = sh(
        "exec /usr/bin/python3 -c \"x = b'a' * (256 << 20); print('survived')\"",
        &workspace,
    );
    request.limits.memory_bytes = 64 << 20;
    let run = sandbox().run(&request).unwrap();
    assert!(run.outcome.oom_killed, "{:?}", run.outcome);
    assert!(!run.outcome.timed_out);
    assert_eq!(run.outcome.exit_code, None);
    assert_eq!(run.outcome.signal, Some(libc::SIGKILL));
    assert_eq!(stdout(&run), "");
    let peak = run.outcome.peak_memory_bytes.unwrap();
    assert!((32 << 20..=80 << 20).contains(&peak), "peak {peak}");
}

#[test]
fn output_over_the_cap_keeps_head_and_tail() {
    let workspace = tempfile::tempdir().unwrap();
    let mut request = sh(
        "echo FIRST-LINE; i=0; while [ $i -lt 20000 ]; do echo filler-line-$i; i=$((i+1)); done; echo LAST-LINE",
        &workspace,
    );
    request.limits.output_bytes = 4096;
    let run = sandbox().run(&request).unwrap();
    assert!(run.outcome.truncated);
    assert!(run.stdout.truncated);
    assert_eq!(run.stdout.head.len(), 2048);
    assert_eq!(run.stdout.tail.len(), 2048);
    assert!(run.stdout.head.starts_with(b"FIRST-LINE\nfiller-line-0\n"));
    assert!(run.stdout.tail.ends_with(b"filler-line-19999\nLAST-LINE\n"));
    assert!(
        run.stdout.total_bytes > 200_000,
        "{}",
        run.stdout.total_bytes
    );
    assert!(run.stdout.to_text().contains("bytes omitted"));
    assert!(!run.stderr.truncated);
}

#[test]
fn a_cpu_quota_is_applied_when_asked_for() {
    let workspace = tempfile::tempdir().unwrap();
    let mut request = sh("echo ok", &workspace);
    request.limits.cpu_millicores = Some(500);
    let run = sandbox().run(&request).unwrap();
    assert_eq!(stdout(&run), "ok\n");
    assert!(
        run.outcome
            .enforced
            .contains(&redgreen_sandbox::Protection::CgroupCpu),
        "{:?}",
        run.outcome
    );
    let without = sandbox().run(&sh("echo ok", &workspace)).unwrap();
    assert!(
        !without
            .outcome
            .enforced
            .contains(&redgreen_sandbox::Protection::CgroupCpu)
    );
}
