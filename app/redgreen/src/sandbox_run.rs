//! `redgreen sandbox run`: one command in the no-egress sandbox, from the command line.

use std::io::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use redgreen_sandbox::{Limits, RunRequest, Sandbox, SandboxConfig, detect_toolchains};

use crate::cli::SandboxRunArgs;

/// Runs the command `args` names and exits like it (124 when timed out, 137 when killed for
/// memory, 128 + the signal when killed otherwise).
pub fn run(args: &SandboxRunArgs) -> anyhow::Result<ExitCode> {
    let SandboxRunArgs {
        workspace,
        timeout_secs,
        memory_mib,
        json,
        command,
    } = args;
    let workspace = match workspace {
        Some(dir) => dir.clone(),
        None => std::env::current_dir().context("cannot read the current directory")?,
    };
    let workspace = workspace
        .canonicalize()
        .with_context(|| format!("the workspace {} is not a directory", workspace.display()))?;
    let (program, args) = command
        .split_first()
        .context("name the program to run after the options")?;
    // The helper is this very binary, re-executed (see `main`).
    let helper = std::env::current_exe().context("cannot find the redgreen executable")?;
    let mut config = SandboxConfig::new(helper);
    // Toolchains found under $HOME (rustup, pyenv, ...) are exposed read-only. This is the
    // one place `redgreen sandbox run` reads the environment besides PATH lookups inside.
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    let toolchains = detect_toolchains(home.as_deref());
    config.expose_toolchains(&toolchains);
    let sandbox = Sandbox::new(config).context("the sandbox cannot run on this host")?;
    let mut request = RunRequest::new(program.clone(), workspace)
        .args(args.iter().cloned())
        .with_toolchains(&toolchains);
    request.limits = Limits {
        timeout: Duration::from_secs(*timeout_secs),
        memory_bytes: memory_mib.saturating_mul(1 << 20),
        ..Limits::default()
    };
    let run = sandbox
        .run(&request)
        .context("the sandboxed command could not run")?;
    std::io::stdout().write_all(run.stdout.to_text().as_bytes())?;
    std::io::stderr().write_all(run.stderr.to_text().as_bytes())?;
    if *json {
        println!("{}", serde_json::to_string(&run.outcome)?);
    }
    let outcome = &run.outcome;
    let code = if outcome.timed_out {
        124
    } else if outcome.oom_killed {
        137
    } else if let Some(code) = outcome.exit_code {
        code
    } else {
        128 + outcome.signal.unwrap_or(9)
    };
    Ok(ExitCode::from(u8::try_from(code).unwrap_or(1)))
}
