//! The command line: `redgreen serve`, `redgreen audit verify`, `redgreen sandbox run`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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
    /// The no-egress sandbox that repository code runs in.
    Sandbox {
        #[command(subcommand)]
        command: SandboxCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum SandboxCommand {
    /// Run one command in the sandbox, with DIR as its writable workspace (`/workspace`);
    /// exits with the command's status (124 when timed out, 137 when killed for memory).
    Run(SandboxRunArgs),
}

#[derive(Debug, Args)]
pub struct SandboxRunArgs {
    /// The workspace directory (default: the current directory).
    #[arg(long, value_name = "DIR")]
    pub workspace: Option<PathBuf>,
    /// Wall-clock limit; the whole process tree is killed at the deadline.
    #[arg(long, default_value_t = 600)]
    pub timeout_secs: u64,
    /// Memory limit in MiB.
    #[arg(long, default_value_t = 2048)]
    pub memory_mib: u64,
    /// Print the result object (PRODUCT.md's sandbox result) as JSON on stdout, after the
    /// command's own output.
    #[arg(long)]
    pub json: bool,
    /// The program (looked up in the sandbox's PATH) and its arguments.
    #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
    pub command: Vec<String>,
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
