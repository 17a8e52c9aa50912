//! `redgreen recommend --constraints TEXT [--json] [--out DIR]`: the stack-recommendation ADR
//! from the command line, the same ranking the `@redgreen recommend` PR uses, without GitHub.
//! No configuration, database or model is needed; today's date is read here (the library
//! reads no clock) unless `--date` gives one, so a run is reproducible with `--date`.
//! Exits 1 when the constraints are infeasible, with the explanation printed. A closed stdout
//! (`| head`) ends the output quietly.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use redgreen_recommend::{
    AdrContext, Catalog, Constraints, RecommendError, recommend, repository_adr,
};

#[derive(Debug, Args)]
pub struct RecommendArgs {
    /// The constraints, as in an `@redgreen recommend` comment: free text and/or a fenced
    /// ```yaml block.
    #[arg(
        long,
        value_name = "TEXT",
        conflicts_with = "constraints_file",
        required_unless_present = "constraints_file"
    )]
    pub constraints: Option<String>,
    /// A file holding the constraints.
    #[arg(long, value_name = "FILE")]
    pub constraints_file: Option<PathBuf>,
    /// Print `{"unknown_words", "recommendation", "files"}` as JSON instead of the ADR.
    #[arg(long)]
    pub json: bool,
    /// A repository directory: write the ADR and its infrastructure spec into its ADR folder
    /// (`.adr-dir`, `adr_dir` in `.github/redgreen.yml`, an existing docs/decisions,
    /// docs/adr, doc/adr or adr, else docs/decisions), numbered in the folder's style.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// The ADR's title.
    #[arg(long, default_value = "Technology stack")]
    pub title: String,
    /// The ADR's date, YYYY-MM-DD (default: today, UTC).
    #[arg(long, value_name = "DATE")]
    pub date: Option<String>,
}

pub fn run(args: RecommendArgs) -> anyhow::Result<ExitCode> {
    let text = match (&args.constraints, &args.constraints_file) {
        (Some(text), _) => text.clone(),
        (None, Some(path)) => std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?,
        (None, None) => anyhow::bail!("give --constraints or --constraints-file"),
    };
    let date = match args.date.clone() {
        Some(date) => date,
        None => {
            let today = time::OffsetDateTime::now_utc().date();
            format!(
                "{:04}-{:02}-{:02}",
                today.year(),
                u8::from(today.month()),
                today.day()
            )
        }
    };
    let catalog = Catalog::embedded().context("the embedded catalog does not load")?;
    let (constraints, unknown) = Constraints::parse(&text, &catalog);
    if !unknown.is_empty() && !args.json {
        let words: Vec<&str> = unknown.iter().map(|word| word.word.as_str()).collect();
        eprintln!(
            "redgreen: not understood, so not used: {}",
            words.join(", ")
        );
    }
    let recommendation = match recommend(&catalog, &constraints) {
        Ok(recommendation) => recommendation,
        Err(RecommendError::Infeasible(infeasible)) => {
            if args.json {
                let json =
                    serde_json::json!({ "unknown_words": unknown, "infeasible": infeasible });
                emit(&format!("{json}\n"))?;
            } else {
                emit(&infeasible.explain())?;
            }
            return Ok(ExitCode::FAILURE);
        }
        Err(error) => return Err(error.into()),
    };
    let context = AdrContext {
        title: &args.title,
        date: &date,
        decision_makers: &[],
        narrative: None,
    };
    let adr = recommendation.render_adr(&context)?;
    let mut files = Vec::new();
    if let Some(repo) = &args.out {
        let placed = repository_adr(&catalog, &text, repo, &args.title, &date, None)?;
        for (relative, content) in placed.files {
            let path = repo.join(&relative);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create {}", parent.display()))?;
            }
            std::fs::write(&path, content)
                .with_context(|| format!("cannot write {}", path.display()))?;
            files.push(relative);
        }
    }
    if args.json {
        let json = serde_json::json!({
            "unknown_words": unknown,
            "recommendation": recommendation.to_json(),
            "files": files,
        });
        emit(&format!("{json}\n"))?;
    } else if files.is_empty() {
        emit(&adr)?;
    } else {
        emit(
            &files
                .iter()
                .map(|file| format!("wrote {file}\n"))
                .collect::<String>(),
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes to stdout. A reader that went away (`redgreen recommend | head`) is not a failure:
/// it has read what it wanted, so, as ripgrep does, the rest is dropped quietly and the exit
/// status stays the command's own. Rust ignores SIGPIPE, so that case arrives here as
/// `BrokenPipe`. Any other write error is reported.
fn emit(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        written => written.context("cannot write to stdout"),
    }
}
