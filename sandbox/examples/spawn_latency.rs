//! Spawn-to-exit latency of `true` in the sandbox, and the production wiring pattern: the
//! program is its own helper, so `enter_helper_if_requested` comes first in `main`.
//!
//! `cargo run --release -p redgreen-sandbox --example spawn_latency -- [RUNS] [no-cgroups] [cold] [bwrap]`
//! (`no-cgroups` opts out of the cgroup limits, to see what they cost; `cold` turns off the
//! prepared helper, so that every run starts its helper from nothing; `bwrap` also times
//! `bwrap --unshare-all` running `true`, interleaved with the other two so that a change in the
//! machine's load hits all of them alike).

use std::process::Command;
use std::time::{Duration, Instant};

use redgreen_sandbox::{
    CgroupRoots, HostIdentity, Protection, RunRequest, Sandbox, SandboxConfig, SandboxError,
};

/// Debian's bubblewrap with every namespace and a root comparable to the sandbox's.
const BWRAP: &[&str] = &[
    "--unshare-all",
    "--die-with-parent",
    "--ro-bind",
    "/usr",
    "/usr",
    "--symlink",
    "usr/bin",
    "/bin",
    "--symlink",
    "usr/lib",
    "/lib",
    "--symlink",
    "usr/lib64",
    "/lib64",
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    "--tmpfs",
    "/tmp",
    "true",
];

fn main() -> Result<(), SandboxError> {
    redgreen_sandbox::enter_helper_if_requested();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runs: usize = args.first().and_then(|n| n.parse().ok()).unwrap_or(200);
    let flag = |name: &str| args.iter().any(|arg| arg == name);
    let helper = std::env::current_exe().map_err(|e| SandboxError::Io {
        action: "finding this executable",
        source: e,
    })?;
    let mut config = SandboxConfig::new(helper);
    if nix::unistd::geteuid().is_root() {
        config.host_identity = Some(HostIdentity::FALLBACK);
    }
    if flag("no-cgroups") {
        config.cgroups = CgroupRoots::Disabled;
        config.may_run_without = [Protection::CgroupMemory, Protection::CgroupPids].into();
    }
    if flag("cold") {
        config.prepared_helper = false;
    }
    let sandbox = Sandbox::new(config)?;
    // A workspace of its own: the run hands it to the sandbox's user.
    let workspace =
        std::env::temp_dir().join(format!("redgreen-spawn-latency-{}", std::process::id()));
    std::fs::create_dir_all(&workspace).map_err(|e| SandboxError::Io {
        action: "creating the workspace",
        source: e,
    })?;
    let request = RunRequest::new("/bin/true", workspace);
    let mut sandboxed = Vec::with_capacity(runs);
    let mut plain = Vec::with_capacity(runs);
    let mut bwrap = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        let run = sandbox.run(&request)?;
        sandboxed.push(started.elapsed());
        assert_eq!(run.outcome.exit_code, Some(0));
        let started = Instant::now();
        let status = Command::new("/bin/true").status();
        plain.push(started.elapsed());
        assert!(status.is_ok_and(|s| s.success()));
        if flag("bwrap") {
            let started = Instant::now();
            let status = Command::new("bwrap").args(BWRAP).status();
            bwrap.push(started.elapsed());
            assert!(status.is_ok_and(|s| s.success()), "bwrap failed");
        }
    }
    let sandbox_p50 = report("sandbox", &mut sandboxed);
    report("fork/exec", &mut plain);
    if !bwrap.is_empty() {
        let bwrap_p50 = report("bwrap", &mut bwrap);
        println!(
            "     ratio: sandbox p50 / bwrap p50 = {:.2}",
            sandbox_p50.as_secs_f64() / bwrap_p50.as_secs_f64()
        );
    }
    Ok(())
}

/// Prints p50, p95 and max; returns p50.
fn report(name: &str, samples: &mut [Duration]) -> Duration {
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize];
    println!(
        "{name:>10}: p50 {:?}  p95 {:?}  max {:?}  (n={})",
        at(0.5),
        at(0.95),
        at(1.0),
        samples.len()
    );
    at(0.5)
}
