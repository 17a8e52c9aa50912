//! `redgreen sandbox run`: one command in the no-egress sandbox, from the command line.

pub mod capped_copy;

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use redgreen_sandbox::{
    AllowedHost, Limits, Network, RunRequest, Sandbox, SandboxConfig, detect_toolchains,
};

use crate::cli::{SandboxNet, SandboxRunArgs};
use crate::commands::sandbox_run::capped_copy::CappedCopy;
use crate::config::Sources;

/// Runs the command `args` names and exits like it (124 when timed out, 137 when killed for
/// memory, 128 + the signal when killed otherwise). With `--json` the result object is the
/// last line of stderr.
pub fn run(args: &SandboxRunArgs, config_file: Option<&Path>) -> anyhow::Result<ExitCode> {
    let SandboxRunArgs {
        workspace,
        timeout,
        memory,
        pids,
        disk,
        net,
        allow_hosts,
        json,
        command,
    } = args;
    let network = match net {
        SandboxNet::None if !allow_hosts.is_empty() => {
            anyhow::bail!("--allow-host needs --net proxy")
        }
        SandboxNet::None => Network::None,
        SandboxNet::Proxy => Network::Proxy {
            allowed_hosts: allow_hosts
                .iter()
                .map(|host| host.parse::<AllowedHost>())
                .collect::<Result<_, _>>()?,
        },
    };
    // Only the sandbox's own keys are read: this command needs no server configuration.
    let (extra_readonly, settings, home) = Sources::from_process(config_file)
        .and_then(|sources| {
            Ok((
                sources.sandbox_readonly_paths()?,
                sources.sandbox_settings()?,
                sources.home(),
            ))
        })
        .context("invalid sandbox configuration")?;
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
    // One run only: a helper prepared ahead for a next run would be thrown away.
    config.prepared_helper = false;
    config.host_identity = settings.identity;
    // Toolchains found under $HOME (rustup, pyenv, ...) are exposed read-only, then the
    // operator's own paths.
    let toolchains = detect_toolchains(home.as_deref());
    config.expose_toolchains(&toolchains);
    for path in extra_readonly {
        if !config.readonly_paths.contains(&path) {
            config.readonly_paths.push(path);
        }
    }
    let disk_mb = match (*disk, settings.identity) {
        (Some(0), _) => None,
        (Some(mb), Some(_)) => Some(mb),
        (Some(_), None) => anyhow::bail!(
            "--disk needs redgreen to run as root (the cap is a volume it mounts); --disk 0 runs \
             without one"
        ),
        (None, Some(_)) => Some(settings.disk_mb).filter(|&mb| mb > 0),
        (None, None) => None,
    };
    let sandbox = Sandbox::new(config).context("the sandbox cannot run on this host")?;
    let copy = disk_mb
        .map(|mb| CappedCopy::stage(&workspace, mb.saturating_mul(1 << 20)))
        .transpose()?;
    let run_in = copy
        .as_ref()
        .map_or_else(|| workspace.clone(), CappedCopy::path);
    let mut request = RunRequest::new(program.clone(), run_in)
        .args(args.iter().cloned())
        .with_toolchains(&toolchains);
    request.limits = Limits {
        timeout: Duration::from_secs(*timeout),
        memory_bytes: memory.saturating_mul(1 << 20),
        pids: *pids,
        disk_bytes: disk_mb.map(|mb| mb.saturating_mul(1 << 20)),
        ..Limits::default()
    };
    request.network = network;
    let run = sandbox
        .run(&request)
        .context("the sandboxed command could not run")?;
    if let Some(copy) = &copy {
        copy.copy_back(&workspace)?;
    }
    std::io::stdout().write_all(run.stdout.to_text().as_bytes())?;
    let mut stderr = std::io::stderr().lock();
    let command_stderr = run.stderr.to_text();
    stderr.write_all(command_stderr.as_bytes())?;
    // What follows starts on a line of its own even when the command's stderr did not end
    // with a newline.
    if !command_stderr.is_empty() && !command_stderr.ends_with('\n') {
        stderr.write_all(b"\n")?;
    }
    // The proxy's log, for the operator (this command installs no tracing subscriber).
    for record in &run.egress {
        let verdict = if record.allowed { "allowed" } else { "denied" };
        let reason = record.reason.as_deref().unwrap_or("");
        writeln!(
            stderr,
            "redgreen sandbox egress: {} {}:{} {verdict} {reason}",
            record.method, record.host, record.port
        )?;
    }
    if *json {
        writeln!(stderr, "{}", serde_json::to_string(&run.outcome)?)?;
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
