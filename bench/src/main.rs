//! `redgreen-bench`: the load generators behind `docs/benchmarks.md` (webhook intake over
//! loopback, queue throughput through the store, Cedar trigger decisions, the code index and
//! localization, and the agent loop's own overhead).

mod agent_overhead;
mod delivery;
mod index;
mod intake;
mod latency;
mod localize_eval;
mod medians;
mod queue;
mod stand_in;
mod trigger;

use std::fmt::Display;
use std::io::Write as _;

use clap::{Parser, Subcommand};
use serde::Serialize;

#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Print the report as one JSON object instead of text.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Subcommand)]
enum Command {
    /// redgreen's own time per task on the agent loop's happy path (`redgreen run` on a small
    /// fixture, the scripted model server answering at once): wall minus model minus tests.
    AgentOverhead(agent_overhead::AgentOverheadArgs),
    /// The code index on a real checkout beside `ctags -R` and `rg`: build throughput, size,
    /// re-index of 10 changed files, peak memory, symbol/BM25/regex query latency.
    Index(index::IndexArgs),
    /// Open-loop, constant-rate load on a running `redgreen serve`: signed `issue_comment`
    /// deliveries that each create a run and a task, optionally after a `GET /healthz`
    /// baseline at the same rate.
    Intake(intake::IntakeArgs),
    /// File and function localization accuracy of `redgreen-indexer` on SWE-bench-style
    /// JSONL, each instance's `base_commit` indexed from its repository's object database.
    LocalizeEval(localize_eval::LocalizeEvalArgs),
    /// Enqueue→lease→complete throughput through `redgreen_store::Store`.
    Queue(queue::QueueArgs),
    /// The median of each number across several `--json` reports, with every run beside it.
    Medians(medians::MediansArgs),
    /// Serves the local GitHub stand-in that `redgreen serve` checks permissions against
    /// during `intake` (prints its API URL and App id, then runs until interrupted).
    StandIn(stand_in::StandInArgs),
    /// Cedar trigger decisions: the bare policy engine back to back, then the whole trigger
    /// check (permission lookup against an in-process GitHub stand-in, cache warm) paced at
    /// a constant rate.
    Trigger(trigger::TriggerArgs),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::AgentOverhead(args) => print(&agent_overhead::run(args).await?, cli.json),
        Command::Index(args) => print(&index::run(args)?, cli.json),
        Command::Intake(args) => print(&intake::run(args).await?, cli.json),
        Command::LocalizeEval(args) => print(&localize_eval::run(args)?, cli.json),
        Command::Queue(args) => print(&queue::run(args).await?, cli.json),
        Command::Medians(args) => print(&medians::run(args)?, cli.json),
        Command::StandIn(args) => stand_in::run(args).await,
        Command::Trigger(args) => print(&trigger::run(args).await?, cli.json),
    }
}

/// Writes the report to stdout; a closed stdout (`| head`) is an error, not a panic.
fn print<R: Serialize + Display>(report: &R, json: bool) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(report)?)?;
    } else {
        write!(out, "{report}")?;
    }
    out.flush()?;
    Ok(())
}
