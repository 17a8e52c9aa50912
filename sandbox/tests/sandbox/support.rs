//! Shared setup: a sandbox whose helper is this crate's helper binary, and shell requests.

use std::path::PathBuf;
use std::time::Duration;

use redgreen_sandbox::{HostIdentity, RunRequest, Sandbox, SandboxConfig, SandboxRun};

/// The crate's helper binary; as root, the sandbox's user is the fallback unprivileged host
/// identity (a root supervisor must name one).
pub fn config() -> SandboxConfig {
    let mut config =
        SandboxConfig::new(PathBuf::from(env!("CARGO_BIN_EXE_redgreen-sandbox-helper")));
    if nix::unistd::geteuid().is_root() {
        config.host_identity = Some(HostIdentity::FALLBACK);
    }
    config
}

pub fn sandbox() -> Sandbox {
    Sandbox::new(config()).unwrap()
}

/// `sh -c script` in `workspace`, with a generous deadline (tests never assert on time).
pub fn sh(script: &str, workspace: &tempfile::TempDir) -> RunRequest {
    let mut request = RunRequest::new("/bin/sh", workspace.path()).args(["-c", script]);
    request.limits.timeout = Duration::from_secs(120);
    request
}

pub fn run_sh(script: &str) -> SandboxRun {
    let workspace = tempfile::tempdir().unwrap();
    sandbox().run(&sh(script, &workspace)).unwrap()
}

pub fn stdout(run: &SandboxRun) -> String {
    run.stdout.to_text()
}

/// Runs a Python script with the system's interpreter inside the sandbox.
pub fn run_python(script: &str) -> SandboxRun {
    run_sh(&format!(
        "/usr/bin/python3 -c '{}'",
        script.replace('\'', "'\\''")
    ))
}
