//! `redgreen-bench localize-eval`: localization accuracy on SWE-bench-style JSONL. Each
//! instance's `base_commit` is indexed straight from the repository's object database, the
//! issue text is localized, and the result is scored against what the gold `patch` touches.
//! Where no repository holds the commit, a stand-in source tree (`--snapshots`, e.g. the last
//! release before the issue was filed) can take its place; those instances are reported apart.

mod gold;
mod score;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context as _;
use clap::Args;
use redgreen_indexer::{Index, Language, Source, parse};
use serde::{Deserialize, Serialize};

use gold::GoldFunction;
use score::{Accuracy, Bucket, Outcome};

#[derive(Args)]
pub struct LocalizeEvalArgs {
    /// SWE-bench-style JSONL: one object per line with `repo`, `instance_id`, `base_commit`,
    /// `patch` and `problem_statement`.
    #[arg(long)]
    dataset: PathBuf,
    /// Where the repositories' git directories are: `DIR/owner+name/repo`, `DIR/owner+name`
    /// or `DIR/owner/name`. Instances with neither their commit here nor a tree under
    /// `--snapshots` are listed as skipped.
    #[arg(long)]
    repos: PathBuf,
    /// Stand-in trees for instances no repository under `--repos` has the commit of:
    /// `DIR/<instance_id>` is a directory (or a link to one, whose name is reported) holding
    /// the repository's files, e.g. the last release before the issue was filed, as
    /// `bench/release-snapshots.py` prepares them. Scored apart from exact commits.
    #[arg(long)]
    snapshots: Option<PathBuf>,
    /// Only these repositories (`owner/name` or `name`); every one when none is given.
    #[arg(long)]
    only: Vec<String>,
    /// Where the per-repository indexes go (never inside a repository).
    #[arg(long, default_value = "/var/tmp/redgreen-eval")]
    scratch: PathBuf,
    /// How many files `localize` returns.
    #[arg(long, default_value_t = 10)]
    limit: usize,
}

#[derive(Deserialize)]
struct Instance {
    repo: String,
    instance_id: String,
    base_commit: String,
    patch: String,
    problem_statement: String,
}

#[derive(Serialize)]
pub struct Report {
    pub dataset: PathBuf,
    pub overall: Accuracy,
    pub by_bucket: BTreeMap<&'static str, Accuracy>,
    /// Instances indexed at their exact `base_commit`, and those indexed from a stand-in tree.
    pub by_base: BTreeMap<&'static str, Accuracy>,
    pub skipped: Vec<Skipped>,
    pub instances: Vec<InstanceResult>,
    pub total_secs: f64,
}

#[derive(Serialize)]
pub struct Skipped {
    pub instance_id: String,
    pub reason: String,
}

#[derive(Serialize)]
pub struct InstanceResult {
    pub instance_id: String,
    pub repo: String,
    pub bucket: Bucket,
    /// `commit`, or `snapshot:<name>` for a stand-in tree (its directory's name).
    pub base: String,
    pub gold_files: Vec<String>,
    pub gold_functions: Vec<GoldFunction>,
    /// How many gold files the indexed tree holds: fewer than `gold_files` where the patch
    /// creates a file, or where a stand-in tree predates one (or a rename).
    pub gold_files_in_tree: usize,
    pub file_rank: Option<usize>,
    pub function_rank: Option<usize>,
    /// The first five files `localize` returned.
    pub top_files: Vec<String>,
    pub index_secs: f64,
    pub localize_ms: f64,
}

pub fn run(args: LocalizeEvalArgs) -> anyhow::Result<Report> {
    let started = Instant::now();
    let text = std::fs::read_to_string(&args.dataset)
        .with_context(|| format!("reading {}", args.dataset.display()))?;
    let mut skipped = Vec::new();
    let mut instances = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let instance: Instance = serde_json::from_str(line)
            .with_context(|| format!("{} line {}", args.dataset.display(), number + 1))?;
        let name = instance.repo.rsplit('/').next().unwrap_or(&instance.repo);
        if !args.only.is_empty() && !args.only.iter().any(|o| *o == instance.repo || o == name) {
            continue;
        }
        let slug = instance.repo.replace('/', "+");
        let git_dir = [
            args.repos.join(&slug).join("repo"),
            args.repos.join(&slug),
            args.repos.join(&instance.repo),
        ]
        .into_iter()
        .find(|dir| git2::Repository::open(dir).is_ok());
        let has_commit = |dir: &Path| {
            git2::Repository::open(dir).is_ok_and(|repository| {
                repository
                    .revparse_single(&instance.base_commit)
                    .and_then(|object| object.peel_to_commit())
                    .is_ok()
            })
        };
        let snapshot = args
            .snapshots
            .as_ref()
            .map(|dir| dir.join(&instance.instance_id))
            .filter(|dir| dir.is_dir());
        let base = match (git_dir, snapshot) {
            (Some(git_dir), Some(snapshot)) if !has_commit(&git_dir) => Base::Snapshot(snapshot),
            (Some(git_dir), _) => Base::Commit(git_dir),
            (None, Some(snapshot)) => Base::Snapshot(snapshot),
            (None, None) => {
                skipped.push(Skipped {
                    instance_id: instance.instance_id,
                    reason: format!(
                        "no repository for {} under {}",
                        instance.repo,
                        args.repos.display()
                    ),
                });
                continue;
            }
        };
        match evaluate(&instance, &base, &args.scratch.join(&slug), args.limit) {
            Ok(result) => {
                eprintln!(
                    "{} ({}): bucket {} file rank {:?} function rank {:?} (index {:.1}s)",
                    result.instance_id,
                    result.base,
                    result.bucket.name(),
                    result.file_rank,
                    result.function_rank,
                    result.index_secs
                );
                instances.push(result);
            }
            Err(error) => skipped.push(Skipped {
                instance_id: instance.instance_id,
                reason: format!("{error:#}"),
            }),
        }
    }
    let row = |r: &InstanceResult| Outcome {
        file_rank: r.file_rank,
        function_rank: r.function_rank,
        has_gold_functions: !r.gold_functions.is_empty(),
    };
    let accuracy_where = |keep: &dyn Fn(&InstanceResult) -> bool| {
        Accuracy::of(
            &instances
                .iter()
                .filter(|r| keep(r))
                .map(row)
                .collect::<Vec<_>>(),
        )
    };
    let overall = accuracy_where(&|_| true);
    let by_bucket = Bucket::ALL
        .into_iter()
        .map(|bucket| (bucket.name(), accuracy_where(&|r| r.bucket == bucket)))
        .collect();
    let by_base = BTreeMap::from([
        ("commit", accuracy_where(&|r| r.base == "commit")),
        ("snapshot", accuracy_where(&|r| r.base != "commit")),
    ]);
    Ok(Report {
        dataset: args.dataset,
        overall,
        by_bucket,
        by_base,
        skipped,
        instances,
        total_secs: started.elapsed().as_secs_f64(),
    })
}

/// What an instance is indexed from.
enum Base {
    /// The repository (a git directory) that holds `base_commit`.
    Commit(PathBuf),
    /// A directory standing in for the tree at `base_commit`.
    Snapshot(PathBuf),
}

fn evaluate(
    instance: &Instance,
    base: &Base,
    index_dir: &Path,
    limit: usize,
) -> anyhow::Result<InstanceResult> {
    let patches = gold::parse_patch(&instance.patch).context("reading the gold patch")?;
    // Each patched file as it was before the patch (None where it did not exist), from the
    // commit's tree or from the stand-in directory.
    let (source, before, base_name): (Source, Vec<Option<Vec<u8>>>, String) = match base {
        Base::Commit(git_dir) => {
            let repository = git2::Repository::open(git_dir)?;
            let tree = repository
                .revparse_single(&instance.base_commit)
                .and_then(|object| object.peel_to_tree())
                .with_context(|| {
                    format!(
                        "{} has no commit {}",
                        git_dir.display(),
                        instance.base_commit
                    )
                })?;
            let before = patches
                .iter()
                .map(|file| {
                    let entry = tree.get_path(Path::new(&file.path)).ok()?;
                    let blob = entry.to_object(&repository).ok()?.into_blob().ok()?;
                    Some(blob.content().to_vec())
                })
                .collect();
            let source = Source::Rev {
                repo: git_dir.clone(),
                rev: instance.base_commit.clone(),
            };
            (source, before, "commit".to_owned())
        }
        Base::Snapshot(dir) => {
            let root = std::fs::canonicalize(dir)
                .with_context(|| format!("resolving {}", dir.display()))?;
            let before = patches
                .iter()
                .map(|file| std::fs::read(root.join(&file.path)).ok())
                .collect();
            let name = root
                .file_name()
                .map_or_else(String::new, |name| name.to_string_lossy().into_owned());
            (Source::WorkTree(root), before, format!("snapshot:{name}"))
        }
    };
    let mut gold_files = Vec::new();
    let mut gold_functions = Vec::new();
    for (file, before) in patches.iter().zip(&before) {
        gold_files.push(file.path.clone());
        let parsed = match (
            file.added,
            Language::from_path(Path::new(&file.path)),
            before,
        ) {
            (false, Some(language), Some(bytes)) => Some(parse(language, bytes)?),
            _ => None,
        };
        gold_functions.extend(gold::functions(file, parsed.as_ref()));
    }

    let gold_files_in_tree = before.iter().filter(|bytes| bytes.is_some()).count();
    let indexing = Instant::now();
    let (index, _) = Index::build(&source, index_dir)?;
    let index_secs = indexing.elapsed().as_secs_f64();
    let localizing = Instant::now();
    let localization = index.localize(&instance.problem_statement, limit)?;
    let localize_ms = localizing.elapsed().as_secs_f64() * 1000.0;

    let (file_rank, function_rank) = score::ranks(&localization, &gold_files, &gold_functions);
    Ok(InstanceResult {
        instance_id: instance.instance_id.clone(),
        repo: instance.repo.clone(),
        bucket: score::bucket(&instance.problem_statement, &gold_files, &gold_functions),
        base: base_name,
        top_files: localization
            .files
            .iter()
            .take(5)
            .map(|f| f.path.clone())
            .collect(),
        gold_files,
        gold_functions,
        gold_files_in_tree,
        file_rank,
        function_rank,
        index_secs,
        localize_ms,
    })
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "localization on {}", self.dataset.display())?;
        writeln!(
            f,
            "{:<14} {:>5} {:>7} {:>7} {:>7} {:>8} {:>9}",
            "set", "n", "file@1", "file@3", "file@5", "func@5", "func@10"
        )?;
        let rows = std::iter::once(("overall", &self.overall)).chain(
            self.by_bucket
                .iter()
                .chain(&self.by_base)
                .map(|(name, accuracy)| (*name, accuracy)),
        );
        for (name, a) in rows {
            writeln!(
                f,
                "{name:<14} {:>5} {:>6.1}% {:>6.1}% {:>6.1}% {:>7.1}% {:>8.1}%",
                a.instances,
                a.file_at_1,
                a.file_at_3,
                a.file_at_5,
                a.function_at_5,
                a.function_at_10
            )?;
        }
        for skipped in &self.skipped {
            writeln!(f, "skipped {}: {}", skipped.instance_id, skipped.reason)?;
        }
        writeln!(f, "total {:.1} s", self.total_secs)
    }
}
