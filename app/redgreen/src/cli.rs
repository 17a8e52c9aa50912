//! The command line: `redgreen serve`, `redgreen run`, `redgreen audit verify`, `redgreen doctor`,
//! `redgreen sandbox run`, and the code index (`index`, `search`, `map`, `localize`).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// redgreen: a GitHub App that proposes test-first fixes as pull requests, and never merges.
#[derive(Debug, Parser)]
#[command(name = "redgreen", version)]
pub struct Cli {
    /// A redgreen.toml to read before the environment (default: ./redgreen.toml if present).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// How `serve` writes its logs on stderr: `auto` is text for a person at a terminal and
    /// JSON lines otherwise (for a log collector).
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Auto)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

/// The log format of `--log-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Text when stderr is a terminal, JSON lines otherwise.
    Auto,
    Json,
    Text,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Receive webhooks, serve the operator API and run the workers.
    Serve,
    /// The agent loop on a local repository, without GitHub: plan, a failing test, the fix,
    /// verified in the sandbox; leaves a branch in the repository and a PR-body file.
    Run(RunArgs),
    /// The hash-chained audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Check a repository's default-branch protection; exit 0 when a reviewed pull request
    /// is required of everyone (redgreen included), 1 when not, 2 when it cannot be checked.
    Doctor(DoctorArgs),
    /// Recommend a technology stack: a MADR 4 ADR and an infrastructure spec, from
    /// constraints, deterministically.
    Recommend(crate::commands::recommend::RecommendArgs),
    /// The no-egress sandbox that repository code runs in.
    Sandbox {
        #[command(subcommand)]
        command: SandboxCommand,
    },
    #[command(flatten)]
    CodeIndex(crate::commands::code_index::CodeIndexCommand),
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The repository (a git working tree); the run starts from its HEAD.
    #[arg(long, value_name = "PATH")]
    pub repo: PathBuf,
    /// The issue's text (its first line is the title).
    #[arg(long, value_name = "TEXT", conflicts_with = "issue_file")]
    pub issue: Option<String>,
    /// A file holding the issue's text.
    #[arg(long, value_name = "FILE")]
    pub issue_file: Option<PathBuf>,
    /// Print the result as one JSON object.
    #[arg(long)]
    pub json: bool,
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
    /// Wall-clock limit in seconds; the whole process tree is killed at the deadline.
    #[arg(long, value_name = "SECS", default_value_t = 600)]
    pub timeout: u64,
    /// Memory limit in MiB.
    #[arg(long, value_name = "MB", default_value_t = 2048)]
    pub memory: u64,
    /// Process and thread limit.
    #[arg(long, value_name = "N", default_value_t = 512)]
    pub pids: u32,
    /// Disk cap in MiB for everything the command writes to the workspace (default:
    /// `REDGREEN_SANDBOX_DISK_MB`, 2048; 0 for none). The command then runs on a copy of the
    /// workspace in a volume of that size, and the workspace is made to match the copy when
    /// it ends. Needs root (the volume is a mount); without root there is no cap.
    #[arg(long, value_name = "MB")]
    pub disk: Option<u64>,
    /// `none`: no network at all (the agent phase); `proxy`: only the egress proxy, which lets
    /// through requests to the `--allow-host` hosts (the setup phase).
    #[arg(long, value_enum, default_value_t = SandboxNet::None)]
    pub net: SandboxNet,
    /// A host the egress proxy lets through (`HOST` for ports 80 and 443, `HOST:PORT` for one
    /// port); repeat for more. Only with `--net proxy`.
    #[arg(long = "allow-host", value_name = "HOST")]
    pub allow_hosts: Vec<String>,
    /// Print the result object (PRODUCT.md's sandbox result) as JSON on the last line of
    /// stderr, after the command's own output.
    #[arg(long)]
    pub json: bool,
    /// The program (looked up in the sandbox's PATH) and its arguments.
    #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
    pub command: Vec<String>,
}

/// The network a `redgreen sandbox run` command gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SandboxNet {
    None,
    Proxy,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// The repository, as `owner/name`.
    #[arg(long, value_name = "OWNER/NAME")]
    pub repo: String,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// When unprotected, open the issue explaining the settings to apply (once per branch:
    /// the issue is recorded in redgreen's database).
    #[arg(long)]
    pub open_issue: bool,
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
