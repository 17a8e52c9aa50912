//! The command line: `redgreen serve`, `redgreen audit verify`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// redgreen: a GitHub App that proposes test-first fixes as pull requests, and never merges.
#[derive(Debug, Parser)]
#[command(name = "redgreen", version)]
pub struct Cli {
    /// A redgreen.toml to read before the environment (default: ./redgreen.toml if present).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Receive webhooks, serve the operator API and run the workers.
    Serve,
    /// The hash-chained audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute every chain; exit 1 and list each break if any row was edited or deleted.
    Verify {
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}
