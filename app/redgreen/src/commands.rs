//! The CLI verbs, one file each, and `main`, which dispatches the parsed command line to them
//! (`serve` is in `runtime/`).

pub mod audit;
pub mod code_index;
pub mod doctor;
pub mod recommend;
pub mod run;
pub mod sandbox_run;

use std::process::ExitCode;

use anyhow::Context as _;

use crate::cli::{AuditCommand, Cli, Command, SandboxCommand};
use crate::config::Sources;

/// Runs the parsed command line and turns its outcome into the exit code.
pub fn main(cli: Cli) -> ExitCode {
    // A recommendation needs no configuration, runtime or telemetry.
    let cli = match cli.command {
        Command::Recommend(args) => {
            return match recommend::run(args) {
                Ok(code) => code,
                Err(error) => {
                    eprintln!("redgreen: {error:#}");
                    ExitCode::FAILURE
                }
            };
        }
        command => Cli {
            command,
            config: cli.config,
            log_format: cli.log_format,
        },
    };
    if let Command::Sandbox {
        command: SandboxCommand::Run(args),
    } = &cli.command
    {
        // No configuration, runtime or telemetry: the sandbox is synchronous and needs none.
        return match sandbox_run::run(args, cli.config.as_deref()) {
            Ok(code) => code,
            Err(error) => {
                eprintln!("redgreen: {error:#}");
                ExitCode::FAILURE
            }
        };
    }
    // `doctor` answers 0 and 1 with its verdict, so its errors need a code of their own.
    let failure = match cli.command {
        Command::Doctor(_) => ExitCode::from(2),
        _ => ExitCode::FAILURE,
    };
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            // `{:#}` prints the context chain on one line; no error here carries a secret.
            eprintln!("redgreen: {error:#}");
            failure
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let log_format = cli.log_format;
    let config = Sources::from_process(cli.config.as_deref())
        .and_then(Sources::into_config)
        .context("invalid configuration")?;
    // The code index parses on every core with rayon; it needs no async runtime.
    let command = match cli.command {
        Command::CodeIndex(command) => {
            code_index::run(command, &config.data_dir)?;
            return Ok(ExitCode::SUCCESS);
        }
        command => command,
    };
    // Telemetry lives outside the runtime: the OTLP exporter's blocking HTTP client must be
    // created and dropped off the async threads, and it flushes after the runtime stops.
    let _telemetry = match command {
        Command::Serve => Some(crate::runtime::telemetry::init(
            config.otlp_endpoint.as_deref(),
            &config.log_filter,
            log_format,
        )?),
        Command::Run(_)
        | Command::Recommend(_)
        | Command::Audit { .. }
        | Command::Sandbox { .. }
        | Command::Doctor(_)
        | Command::CodeIndex(_) => None,
    };
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async {
        match command {
            Command::Serve => {
                crate::runtime::serve::serve(config).await?;
                Ok(ExitCode::SUCCESS)
            }
            Command::Run(args) => run::run(&config, &args).await,
            Command::Audit {
                command: AuditCommand::Verify { json },
            } => audit::audit_verify(&config, json).await,
            Command::Doctor(args) => doctor::run(&config, &args).await,
            // Handled before any runtime exists.
            Command::Sandbox { .. } | Command::CodeIndex(_) | Command::Recommend(_) => {
                Ok(ExitCode::FAILURE)
            }
        }
    })
}
