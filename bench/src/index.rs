//! `redgreen-bench index`: the code index on a real checkout, side by side with `ctags -R`
//! and `rg` in the same run: full-build throughput (MB of indexed source per second), index
//! size against the source, re-index after 10 changed files, peak memory, and query latency
//! (symbol lookup, BM25 top 50, regex for every match and for the first 50) with ripgrep on
//! the same patterns (`rg --count-matches`, and `rg` stopped after 50 lines).
//!
//! The checkout is cloned into a temporary directory first; the original is never changed.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Args;
use redgreen_indexer::{Index, SearchMode, Source};
use serde::Serialize;

use crate::latency::{Latencies, Summary};

#[derive(Debug, Args)]
pub struct IndexArgs {
    /// A git checkout to index (cloned to a temporary directory first).
    #[arg(long)]
    repo: PathBuf,
    /// Full builds timed (each into a new directory), and `ctags -R` runs beside them.
    #[arg(long, default_value_t = 3)]
    builds: usize,
    /// Symbol and BM25 queries timed (each a different query).
    #[arg(long, default_value_t = 500)]
    queries: usize,
    /// Times each regex pattern is run (by the index and by `rg`).
    #[arg(long, default_value_t = 5)]
    regex_runs: usize,
}

/// Regex patterns of the kinds an agent greps for: a definition shape, an error class, a
/// call, an import, a marker. Python-flavoured, as the reference checkout is.
const PATTERNS: &[&str] = &[
    r"def \w+_matrix\(",
    r"class \w+Error\b",
    r"raise NotImplementedError",
    r"^import numpy",
    r"\bsympify\(",
    r"TODO|FIXME|XXX",
    r"def __\w+__\(self\)",
    r"is_commutative = True",
    r"@property",
    r"lambda \w+: \w+\*\*2",
];

#[derive(Debug, Serialize)]
pub struct IndexReport {
    repo: String,
    files_indexed: u64,
    source_bytes: u64,
    /// Each full build, in seconds.
    build_secs: Vec<f64>,
    build_median_secs: f64,
    build_mb_per_sec: f64,
    ctags_secs: Vec<f64>,
    ctags_median_secs: f64,
    index_bytes: u64,
    index_to_source: f64,
    reindex_10_files_secs: Vec<f64>,
    reindex_median_secs: f64,
    /// The process's peak resident memory after the first build (VmHWM).
    peak_rss_mib: f64,
    symbol: Summary,
    bm25_top50: Summary,
    regex: Summary,
    /// The same patterns with the first 50 hits asked for, as `code_search` asks.
    regex_top50: Summary,
    /// `rg --count-matches` on the same patterns, the same number of times.
    rg: Summary,
    /// `rg -e PATTERN` until it has printed 50 lines (then killed), as `rg … | head -n 50`.
    rg_top50: Summary,
    /// rg's median over the index's median, every match.
    regex_speedup_median: f64,
    /// The same for the first 50 hits.
    regex_top50_speedup_median: f64,
}

pub fn run(args: IndexArgs) -> anyhow::Result<IndexReport> {
    let work = tempfile::tempdir()?;
    let checkout = work.path().join("checkout");
    git(&[
        "clone",
        "--quiet",
        &args.repo.to_string_lossy(),
        &checkout.to_string_lossy(),
    ])?;
    let source = Source::WorkTree(checkout.clone());

    let mut build_secs = Vec::new();
    let mut ctags_secs = Vec::new();
    let mut peak_rss_mib = 0.0;
    let mut kept = None;
    for build in 0..args.builds.max(1) {
        let dir = work.path().join(format!("index-{build}"));
        let started = Instant::now();
        let (index, _) = Index::build(&source, &dir)?;
        build_secs.push(started.elapsed().as_secs_f64());
        if build == 0 {
            peak_rss_mib = peak_rss_kib()? as f64 / 1024.0;
        }
        let tags = work.path().join("tags");
        let started = Instant::now();
        let status = Command::new("ctags")
            .args(["-R", "-f"])
            .arg(&tags)
            .arg(&checkout)
            .status()
            .context("running ctags -R (is universal-ctags installed?)")?;
        if !status.success() {
            bail!("ctags -R failed: {status}");
        }
        ctags_secs.push(started.elapsed().as_secs_f64());
        kept = Some((index, dir));
    }
    let Some((index, dir)) = kept else {
        bail!("no build ran");
    };
    let source_bytes: u64 = index
        .paths()
        .map(|path| std::fs::metadata(checkout.join(path)).map_or(0, |m| m.len()))
        .sum();
    let files_indexed = index.paths().count() as u64;
    let index_bytes = dir_size(&dir)?;

    let (symbols, words) = query_terms(&checkout, &index, args.queries)?;
    let mut symbol = Latencies::new()?;
    for name in &symbols {
        let started = Instant::now();
        let hits = index.search(name, SearchMode::Symbol, 10)?;
        symbol.record(started.elapsed());
        std::hint::black_box(hits);
    }
    let mut bm25 = Latencies::new()?;
    for query in &words {
        let started = Instant::now();
        let hits = index.search(query, SearchMode::Text, 50)?;
        bm25.record(started.elapsed());
        std::hint::black_box(hits);
    }
    // Each side in a phase of its own (the index's queries, then rg's), each pattern once per
    // round: interleaved, each side would pay for the caches the other just evicted (measured
    // both ways in docs/benchmarks.md).
    let runs = args.regex_runs.max(1);
    // Every match, as rg counts every match.
    let regex = time_patterns(runs, |pattern| {
        std::hint::black_box(index.search(pattern, SearchMode::Regex, 100_000)?);
        Ok(())
    })?;
    let regex_top50 = time_patterns(runs, |pattern| {
        std::hint::black_box(index.search(pattern, SearchMode::Regex, 50)?);
        Ok(())
    })?;
    let rg = time_patterns(runs, |pattern| {
        let output = Command::new("rg")
            .args(["--count-matches", "--no-messages", "-e", pattern])
            .arg(&checkout)
            .output()
            .context("running rg (is ripgrep installed?)")?;
        std::hint::black_box(output);
        Ok(())
    })?;
    let rg_top50 = time_patterns(runs, |pattern| rg_first_lines(pattern, &checkout, 50))?;
    drop(index);

    // Ten changed files, then an incremental build into the same directory, three times.
    let mut reindex = Vec::new();
    let python: Vec<PathBuf> = {
        let mut files: Vec<PathBuf> = walk_files(&checkout)?
            .into_iter()
            .filter(|path| path.extension().is_some_and(|e| e == "py"))
            .collect();
        files.sort();
        files
    };
    for round in 0..3 {
        for path in python.iter().skip(round * 10).take(10) {
            let mut text = std::fs::read_to_string(path)?;
            text.push_str("\n# changed by redgreen-bench\n");
            std::fs::write(path, text)?;
        }
        let started = Instant::now();
        let (_, stats) = Index::build(&source, &dir)?;
        reindex.push(started.elapsed().as_secs_f64());
        if stats.parsed != 10 || stats.rebuilt {
            bail!(
                "the re-index parsed {} files (rebuilt: {}), not 10",
                stats.parsed,
                stats.rebuilt
            );
        }
    }

    let build_median_secs = median(&build_secs);
    let (regex_summary, rg_summary) = (regex.summary(), rg.summary());
    let (top50_summary, rg_top50_summary) = (regex_top50.summary(), rg_top50.summary());
    Ok(IndexReport {
        repo: args.repo.display().to_string(),
        files_indexed,
        source_bytes,
        build_mb_per_sec: source_bytes as f64 / 1e6 / build_median_secs,
        build_median_secs,
        build_secs,
        ctags_median_secs: median(&ctags_secs),
        ctags_secs,
        index_bytes,
        index_to_source: index_bytes as f64 / source_bytes.max(1) as f64,
        reindex_median_secs: median(&reindex),
        reindex_10_files_secs: reindex,
        peak_rss_mib,
        symbol: symbol.summary(),
        bm25_top50: bm25.summary(),
        regex_speedup_median: rg_summary.p50_ms / regex_summary.p50_ms.max(1e-6),
        regex_top50_speedup_median: rg_top50_summary.p50_ms / top50_summary.p50_ms.max(1e-6),
        regex: regex_summary,
        regex_top50: top50_summary,
        rg: rg_summary,
        rg_top50: rg_top50_summary,
    })
}

/// Symbol names (defined in the checkout) and two-word text queries made from them, `count`
/// of each, spread evenly over the sorted names so that runs are repeatable.
fn query_terms(
    checkout: &Path,
    index: &Index,
    count: usize,
) -> anyhow::Result<(Vec<String>, Vec<String>)> {
    let definition = regex::Regex::new(r"(?m)^\s*(?:def|class)\s+([A-Za-z_][A-Za-z0-9_]{3,})")?;
    let mut names = std::collections::BTreeSet::new();
    for path in index.paths() {
        let Ok(text) = std::fs::read_to_string(checkout.join(path)) else {
            continue;
        };
        for capture in definition.captures_iter(&text) {
            names.insert(capture[1].to_owned());
        }
    }
    let names: Vec<String> = names.into_iter().collect();
    if names.is_empty() {
        bail!("no definitions found to query for");
    }
    let step = (names.len() / count.max(1)).max(1);
    let symbols: Vec<String> = names.iter().step_by(step).take(count).cloned().collect();
    let words: Vec<String> = symbols
        .iter()
        .zip(symbols.iter().rev())
        .map(|(a, b)| format!("{} {}", a.replace('_', " "), b.replace('_', " ")))
        .collect();
    Ok((symbols, words))
}

/// Times `query` on each of the patterns, `runs` rounds.
fn time_patterns(
    runs: usize,
    mut query: impl FnMut(&str) -> anyhow::Result<()>,
) -> anyhow::Result<Latencies> {
    let mut latencies = Latencies::new()?;
    for _ in 0..runs {
        for pattern in PATTERNS {
            let started = Instant::now();
            query(pattern)?;
            latencies.record(started.elapsed());
        }
    }
    Ok(latencies)
}

/// Runs rg until it has printed `lines` lines (or ended), then kills it: what
/// `rg -e PATTERN | head -n LINES` costs.
fn rg_first_lines(pattern: &str, checkout: &Path, lines: usize) -> anyhow::Result<()> {
    use std::io::BufRead;
    let mut child = Command::new("rg")
        .args(["--no-messages", "-e", pattern])
        .arg(checkout)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .context("running rg (is ripgrep installed?)")?;
    let stdout = child.stdout.take().context("rg's stdout")?;
    let read = std::io::BufReader::new(stdout).lines().take(lines).count();
    std::hint::black_box(read);
    // It may have finished already; either way it is reaped.
    let _ = child.kill();
    child.wait()?;
    Ok(())
}

fn git(args: &[&str]) -> anyhow::Result<()> {
    let status = Command::new("git").args(args).status()?;
    if !status.success() {
        bail!("git {} failed: {status}", args.join(" "));
    }
    Ok(())
}

/// Peak resident set size of this process so far, in KiB (`VmHWM`).
fn peak_rss_kib() -> anyhow::Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no VmHWM in /proc/self/status")
}

fn walk_files(root: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            if kind.is_dir() && entry.file_name() != ".git" {
                pending.push(entry.path());
            } else if kind.is_file() {
                files.push(entry.path());
            }
        }
    }
    Ok(files)
}

fn dir_size(root: &Path) -> anyhow::Result<u64> {
    let mut total = 0;
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let metadata = entry.metadata()?;
            if metadata.is_dir() {
                pending.push(entry.path());
            } else {
                total += metadata.len();
            }
        }
    }
    Ok(total)
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len() / 2).copied().unwrap_or(0.0)
}

impl fmt::Display for IndexReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = |values: &[f64]| {
            values
                .iter()
                .map(|v| format!("{v:.2}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        writeln!(f, "repository: {}", self.repo)?;
        writeln!(
            f,
            "indexed: {} files, {:.1} MB of source",
            self.files_indexed,
            self.source_bytes as f64 / 1e6
        )?;
        writeln!(
            f,
            "full build: median {:.2} s ({}) = {:.2} MB/s; ctags -R median {:.2} s ({})",
            self.build_median_secs,
            secs(&self.build_secs),
            self.build_mb_per_sec,
            self.ctags_median_secs,
            secs(&self.ctags_secs)
        )?;
        writeln!(
            f,
            "index size: {:.1} MB = {:.2}x the source; peak RSS {:.0} MiB",
            self.index_bytes as f64 / 1e6,
            self.index_to_source,
            self.peak_rss_mib
        )?;
        writeln!(
            f,
            "re-index after 10 changed files: median {:.3} s ({})",
            self.reindex_median_secs,
            secs(&self.reindex_10_files_secs)
        )?;
        writeln!(f, "symbol lookup: {}", self.symbol)?;
        writeln!(f, "BM25 top 50:   {}", self.bm25_top50)?;
        writeln!(f, "regex (index): {}", self.regex)?;
        writeln!(f, "regex top 50:  {}", self.regex_top50)?;
        writeln!(f, "regex (rg):    {}", self.rg)?;
        writeln!(f, "rg first 50:   {}", self.rg_top50)?;
        writeln!(
            f,
            "regex speed-up over rg (medians): {:.1}x every match, {:.1}x first 50",
            self.regex_speedup_median, self.regex_top50_speedup_median
        )
    }
}
