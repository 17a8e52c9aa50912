//! `redgreen index`, `search`, `map` and `localize`: the code index from the command line.
//! Each command brings the repository's index under the data dir up to date first (only
//! changed files are parsed; a stale or corrupt index is rebuilt).
//!
//! Wiring: a `#[command(flatten)] CodeIndex(code_index::CodeIndexCommand)` variant in
//! `cli::Command`, and `Command::CodeIndex(c) => code_index::run(c, &config.data_dir)` in
//! `commands::main`.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand};
use redgreen_indexer::{BuildStats, Index, MapOptions, SearchMode, Source};

#[derive(Debug, Subcommand)]
pub enum CodeIndexCommand {
    /// Index a repository (its working tree, or a revision read from git without a checkout).
    Index(IndexArgs),
    /// Search a repository's code: BM25 text, symbol names, or a regex.
    Search(SearchArgs),
    /// Print the repository's most relevant definitions within a token budget.
    Map(MapArgs),
    /// Rank the files and symbols an issue is most likely about.
    Localize(LocalizeArgs),
}

#[derive(Debug, Args)]
pub struct IndexArgs {
    /// The repository's directory.
    pub path: PathBuf,
    /// Index this revision (commit, branch, tag) from git's object database instead of the
    /// working tree.
    #[arg(long, value_name = "REV")]
    pub rev: Option<String>,
}

/// How `redgreen search` reads its query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    Text,
    Symbol,
    Regex,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// The repository's directory.
    #[arg(long, value_name = "PATH")]
    pub repo: PathBuf,
    /// Search this revision instead of the working tree.
    #[arg(long, value_name = "REV")]
    pub rev: Option<String>,
    #[arg(long, value_enum, default_value_t = Mode::Text)]
    pub mode: Mode,
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub limit: usize,
    /// Print `{"hits": [...]}` as JSON.
    #[arg(long)]
    pub json: bool,
    pub query: String,
}

#[derive(Debug, Args)]
pub struct MapArgs {
    /// The repository's directory.
    #[arg(long, value_name = "PATH")]
    pub repo: PathBuf,
    #[arg(long, value_name = "N", default_value_t = 1024)]
    pub max_tokens: usize,
    /// A file (path relative to the repository) to centre the map on; repeat for more.
    #[arg(long, value_name = "FILE")]
    pub focus: Vec<String>,
}

#[derive(Debug, Args)]
pub struct LocalizeArgs {
    /// The repository's directory.
    #[arg(long, value_name = "PATH")]
    pub repo: PathBuf,
    /// Localize in this revision instead of the working tree.
    #[arg(long, value_name = "REV")]
    pub rev: Option<String>,
    /// The issue's text.
    #[arg(
        long,
        value_name = "TEXT",
        conflicts_with = "issue_file",
        required_unless_present = "issue_file"
    )]
    pub issue: Option<String>,
    /// A file holding the issue's text.
    #[arg(long, value_name = "FILE")]
    pub issue_file: Option<PathBuf>,
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub limit: usize,
    /// Print `{"files": [{"path", "score", "symbols": [...]}]}` as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(command: CodeIndexCommand, data_dir: &Path) -> anyhow::Result<()> {
    match command {
        CodeIndexCommand::Index(args) => {
            let (index, stats) = open(&args.path, args.rev, data_dir)?;
            let s = stats.skipped;
            println!(
                "indexed {} files into {} ({} parsed, {} unchanged, {} removed{}); skipped {}: \
                 {} binary, {} minified, {} generated, {} vendored, {} oversized",
                stats.files,
                index.dir().display(),
                stats.parsed,
                stats.reused,
                stats.removed,
                if stats.rebuilt { ", rebuilt" } else { "" },
                s.total(),
                s.binary,
                s.minified,
                s.generated,
                s.vendored,
                s.oversized
            );
        }
        CodeIndexCommand::Search(args) => {
            let (index, _) = open(&args.repo, args.rev, data_dir)?;
            let mode = match args.mode {
                Mode::Text => SearchMode::Text,
                Mode::Symbol => SearchMode::Symbol,
                Mode::Regex => SearchMode::Regex,
            };
            let hits = index.search(&args.query, mode, args.limit)?;
            if args.json {
                println!("{}", serde_json::json!({ "hits": hits }));
            } else {
                for hit in hits {
                    let what = match (&hit.kind, &hit.symbol) {
                        (Some(kind), Some(symbol)) => format!(" {kind} {symbol}"),
                        _ => String::new(),
                    };
                    println!(
                        "{}:{}-{}{what} ({:.2})",
                        hit.path, hit.start_line, hit.end_line, hit.score
                    );
                    for line in hit.snippet.lines() {
                        println!("    {line}");
                    }
                }
            }
        }
        CodeIndexCommand::Map(args) => {
            let (index, _) = open(&args.repo, None, data_dir)?;
            let options = MapOptions {
                max_tokens: args.max_tokens,
                focus: args.focus,
                mentioned: Vec::new(),
            };
            print!("{}", index.repo_map(&options)?);
        }
        CodeIndexCommand::Localize(args) => {
            let issue = match (args.issue, args.issue_file) {
                (Some(text), _) => text,
                (None, Some(file)) => std::fs::read_to_string(&file)
                    .with_context(|| format!("reading {}", file.display()))?,
                (None, None) => anyhow::bail!("--issue or --issue-file is required"),
            };
            let (index, _) = open(&args.repo, args.rev, data_dir)?;
            let found = index.localize(&issue, args.limit)?;
            if args.json {
                println!("{}", serde_json::to_string(&found)?);
            } else {
                for file in found.files {
                    println!("{:>7.3} {}", file.score, file.path);
                    for s in file.symbols {
                        println!(
                            "        {:>7.3} {} {} ({}-{})",
                            s.score, s.kind, s.name, s.start_line, s.end_line
                        );
                    }
                }
            }
        }
    }
    Ok(())
}

/// Builds or updates the repository's index under `<data_dir>/index/<repository path>`.
fn open(repo: &Path, rev: Option<String>, data_dir: &Path) -> anyhow::Result<(Index, BuildStats)> {
    let repo = repo
        .canonicalize()
        .with_context(|| format!("repository {}", repo.display()))?;
    let slug: String = repo
        .to_string_lossy()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let dir = data_dir.join("index").join(slug.trim_matches('-'));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let source = match rev {
        Some(rev) => Source::Rev { repo, rev },
        None => Source::WorkTree(repo),
    };
    Ok(Index::build(&source, &dir)?)
}
