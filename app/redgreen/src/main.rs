//! Entry point of the `redgreen` binary.

use std::process::ExitCode;

use anyhow::Context as _;
use clap::Parser as _;
use redgreen::cli::{AuditCommand, Cli, Command, SandboxCommand};
use redgreen::config::{Config, Sources};
use redgreen_store::Store;

fn main() -> ExitCode {
    // The sandbox re-executes this binary as its helper; that must happen before any other
    // thread exists (a user namespace refuses a multi-threaded caller), so before anything.
    redgreen_sandbox::enter_helper_if_requested();
    let cli = Cli::parse();
    // A recommendation needs no configuration, runtime or telemetry.
    let cli = match cli.command {
        Command::Recommend(args) => {
            return match redgreen::recommend_cli::run(args) {
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
        return match redgreen::sandbox_run::run(args, cli.config.as_deref()) {
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
            redgreen::code_index::run(command, &config.data_dir)?;
            return Ok(ExitCode::SUCCESS);
        }
        command => command,
    };
    // Telemetry lives outside the runtime: the OTLP exporter's blocking HTTP client must be
    // created and dropped off the async threads, and it flushes after the runtime stops.
    let _telemetry = match command {
        Command::Serve => Some(redgreen::telemetry::init(
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
                redgreen::serve::serve(config).await?;
                Ok(ExitCode::SUCCESS)
            }
            Command::Run(args) => redgreen::local_run::run(&config, &args).await,
            Command::Audit {
                command: AuditCommand::Verify { json },
            } => audit_verify(&config, json).await,
            Command::Doctor(args) => redgreen::doctor_cli::run(&config, &args).await,
            // Handled before any runtime exists.
            Command::Sandbox { .. } | Command::CodeIndex(_) | Command::Recommend(_) => {
                Ok(ExitCode::FAILURE)
            }
        }
    })
}

async fn audit_verify(config: &Config, json: bool) -> anyhow::Result<ExitCode> {
    let store = Store::connect(&config.database_url)
        .await
        .with_context(|| format!("cannot open the {} database", config.database_backend()))?;
    let report = store
        .verify_audit()
        .await
        .context("cannot read the audit log")?;
    if json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        for broken in &report.breaks {
            println!(
                "BROKEN chain {} at seq {}: {}",
                broken.chain, broken.seq, broken.reason
            );
        }
        println!(
            "{} rows in {} chains: {}",
            report.rows,
            report.chains,
            if report.breaks.is_empty() {
                "intact"
            } else {
                "TAMPERED"
            }
        );
    }
    Ok(if report.breaks.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
