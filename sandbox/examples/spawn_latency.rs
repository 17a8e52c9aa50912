//! Spawn-to-exit latency of `true` in the sandbox, and the production wiring pattern: the
//! program is its own helper, so `enter_helper_if_requested` comes first in `main`.
//!
//! `cargo run --release -p redgreen-sandbox --example spawn_latency -- [RUNS] [no-cgroups]`
//! (`no-cgroups` opts out of the cgroup limits, to see what they cost).

use std::time::{Duration, Instant};

use redgreen_sandbox::{CgroupRoots, Protection, RunRequest, Sandbox, SandboxConfig, SandboxError};

fn main() -> Result<(), SandboxError> {
    redgreen_sandbox::enter_helper_if_requested();
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(200);
    let helper = std::env::current_exe().map_err(|e| SandboxError::Io {
        action: "finding this executable",
        source: e,
    })?;
    let mut config = SandboxConfig::new(helper);
    if std::env::args().nth(2).as_deref() == Some("no-cgroups") {
        config.cgroups = CgroupRoots::Disabled;
        config.may_run_without = [Protection::CgroupMemory, Protection::CgroupPids].into();
    }
    let sandbox = Sandbox::new(config)?;
    let workspace = std::env::temp_dir();
    let request = RunRequest::new("/bin/true", workspace);
    let mut sandboxed = Vec::with_capacity(runs);
    let mut plain = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        let run = sandbox.run(&request)?;
        sandboxed.push(started.elapsed());
        assert_eq!(run.outcome.exit_code, Some(0));
        let started = Instant::now();
        let status = std::process::Command::new("/bin/true").status();
        plain.push(started.elapsed());
        assert!(status.is_ok_and(|s| s.success()));
    }
    report("sandbox", &mut sandboxed);
    report("fork/exec", &mut plain);
    Ok(())
}

fn report(name: &str, samples: &mut [Duration]) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize];
    println!(
        "{name:>10}: p50 {:?}  p95 {:?}  max {:?}  (n={})",
        at(0.5),
        at(0.95),
        at(1.0),
        samples.len()
    );
}
