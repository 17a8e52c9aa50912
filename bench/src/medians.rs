//! `redgreen-bench medians`: the median of each number across several `--json` reports of the
//! same kind, with every run's value beside it (what `bench/run.sh` prints after its runs).

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use serde::Serialize;
use serde_json::Value;

#[derive(Args)]
pub struct MediansArgs {
    /// Reports written by `intake --json` or `queue --json`, all of one kind.
    #[arg(required = true)]
    reports: Vec<PathBuf>,
    /// Only the numbers whose dotted key ends with one of these (e.g. `webhook.latency.p99_ms`,
    /// `tasks_per_s`); every number when none is given.
    #[arg(long, value_delimiter = ',')]
    keys: Vec<String>,
}

#[derive(Serialize)]
pub struct Medians {
    pub reports: Vec<PathBuf>,
    pub rows: Vec<Row>,
}

#[derive(Serialize)]
pub struct Row {
    /// Dotted path of the number in the report, e.g. `webhook.latency.p99_ms`.
    pub key: String,
    pub median: f64,
    /// One value per report that has the key, in the order the reports were given.
    pub runs: Vec<f64>,
}

pub fn run(args: MediansArgs) -> anyhow::Result<Medians> {
    let mut order = Vec::new();
    let mut values: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for path in &args.reports {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the report {}", path.display()))?;
        let report: Value = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a JSON report", path.display()))?;
        let mut numbers = Vec::new();
        flatten(&report, String::new(), &mut numbers);
        for (key, number) in numbers {
            let wanted = args.keys.is_empty() || args.keys.iter().any(|k| key.ends_with(k));
            if !wanted {
                continue;
            }
            let runs = values.entry(key.clone()).or_default();
            if runs.is_empty() {
                order.push(key);
            }
            runs.push(number);
        }
    }
    let rows = order
        .into_iter()
        .filter_map(|key| {
            let runs = values.remove(&key)?;
            let mut sorted = runs.clone();
            sorted.sort_by(f64::total_cmp);
            let middle = sorted.len() / 2;
            let median = if sorted.len() % 2 == 1 {
                sorted[middle]
            } else {
                (sorted[middle - 1] + sorted[middle]) / 2.0
            };
            Some(Row { key, median, runs })
        })
        .collect();
    Ok(Medians {
        reports: args.reports,
        rows,
    })
}

/// Every number in `value`, with its dotted path.
fn flatten(value: &Value, path: String, out: &mut Vec<(String, f64)>) {
    match value {
        Value::Number(number) => out.extend(number.as_f64().map(|n| (path, n))),
        Value::Object(fields) => {
            for (name, field) in fields {
                let key = if path.is_empty() {
                    name.clone()
                } else {
                    format!("{path}.{name}")
                };
                flatten(field, key, out);
            }
        }
        _ => {}
    }
}

impl fmt::Display for Medians {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self.rows.iter().map(|row| row.key.len()).max().unwrap_or(0);
        for row in &self.rows {
            let runs: Vec<String> = row.runs.iter().map(|run| format!("{run:.3}")).collect();
            writeln!(
                f,
                "{:width$}  median {:>10.3}   runs {}",
                row.key,
                row.median,
                runs.join(", ")
            )?;
        }
        Ok(())
    }
}
