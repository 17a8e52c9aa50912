//! `redgreen-bench agent-overhead`: redgreen's own time per task on the happy path of the
//! agent loop (issue 6): wall time minus time waiting for the model minus time running tests,
//! as `redgreen run` accounts it, over the calculator fixture with the scripted model server
//! answering at once (so model time is only loopback HTTP).

use std::fmt;
use std::path::PathBuf;
use std::process::Command;

use anyhow::Context as _;
use clap::Args;
use redgreen_testkit::ModelServer;
use redgreen_testkit::calculator::{repository, script_happy_path};
use serde::Serialize;
use serde_json::Value;

#[derive(Args)]
pub struct AgentOverheadArgs {
    /// The `redgreen` binary to measure (build it with `--release`).
    #[arg(long, value_name = "PATH")]
    redgreen: PathBuf,
    /// Tasks to run, one after another.
    #[arg(long, default_value_t = 5)]
    runs: usize,
}

/// One task's accounting, in milliseconds.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct TaskTimes {
    pub wall_ms: u64,
    pub model_ms: u64,
    pub test_ms: u64,
    pub overhead_ms: u64,
}

#[derive(Debug, Serialize)]
pub struct AgentOverheadReport {
    pub runs: Vec<TaskTimes>,
    pub median: TaskTimes,
}

pub async fn run(args: AgentOverheadArgs) -> anyhow::Result<AgentOverheadReport> {
    anyhow::ensure!(args.runs > 0, "--runs must be at least 1");
    let mut runs = Vec::with_capacity(args.runs);
    for _ in 0..args.runs {
        let repo = tempfile::tempdir()?;
        let data = tempfile::tempdir()?;
        repository(repo.path()).map_err(|e| anyhow::anyhow!("fixture: {e}"))?;
        let model = ModelServer::start().await;
        script_happy_path(&model);
        let binary = args.redgreen.clone();
        let repo_path = repo.path().to_path_buf();
        let data_path = data.path().to_path_buf();
        let base_url = model.base_url_openai();
        let output = tokio::task::spawn_blocking(move || {
            Command::new(binary)
                .args(["run", "--json", "--repo"])
                .arg(&repo_path)
                .args(["--issue", "add() is wrong\n\nadd(2, 3) gives -1."])
                .env_clear()
                .env("PATH", std::env::var("PATH").unwrap_or_default())
                .env("HOME", std::env::var("HOME").unwrap_or_default())
                .env("REDGREEN_DATA_DIR", &data_path)
                .env("REDGREEN_LLM_BASE_URL", base_url)
                .env("REDGREEN_LLM_MODEL", "scripted-model")
                .output()
        })
        .await??;
        let result: Value = serde_json::from_slice(&output.stdout).with_context(|| {
            format!(
                "redgreen run printed no result: {}",
                String::from_utf8_lossy(&output.stderr)
            )
        })?;
        anyhow::ensure!(
            result["state"] == "done",
            "the task did not finish: {result}"
        );
        let usage = &result["usage"];
        let number = |value: &Value| value.as_u64().unwrap_or_default();
        runs.push(TaskTimes {
            wall_ms: number(&usage["wall_ms"]),
            model_ms: number(&usage["model_ms"]),
            test_ms: number(&usage["test_ms"]),
            overhead_ms: number(&result["overhead_ms"]),
        });
    }
    let median_of = |pick: fn(&TaskTimes) -> u64| {
        let mut values: Vec<u64> = runs.iter().map(pick).collect();
        values.sort_unstable();
        values[values.len() / 2]
    };
    let median = TaskTimes {
        wall_ms: median_of(|t| t.wall_ms),
        model_ms: median_of(|t| t.model_ms),
        test_ms: median_of(|t| t.test_ms),
        overhead_ms: median_of(|t| t.overhead_ms),
    };
    Ok(AgentOverheadReport { runs, median })
}

impl fmt::Display for AgentOverheadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "run  wall_ms  model_ms  test_ms  overhead_ms")?;
        for (i, t) in self.runs.iter().enumerate() {
            writeln!(
                f,
                "{:>3}  {:>7}  {:>8}  {:>7}  {:>11}",
                i + 1,
                t.wall_ms,
                t.model_ms,
                t.test_ms,
                t.overhead_ms
            )?;
        }
        let m = &self.median;
        writeln!(
            f,
            "median wall {} ms, model {} ms, tests {} ms, redgreen's own {} ms",
            m.wall_ms, m.model_ms, m.test_ms, m.overhead_ms
        )
    }
}
