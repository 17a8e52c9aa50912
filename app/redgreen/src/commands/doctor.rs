//! `redgreen doctor --repo owner/name [--json] [--open-issue]`: the branch-protection doctor
//! from the command line, as the GitHub App (`REDGREEN_GITHUB_APP_ID` and the private key).
//! The installation is the one GitHub says covers the repository.

use std::process::ExitCode;

use anyhow::Context as _;
use redgreen_core::InstallationId;
use redgreen_github::{IssueOutcome, RepoName};
use redgreen_store::Store;

use crate::cli::DoctorArgs;
use crate::config::Config;
use crate::github::protection_doctor::check_repository;
use crate::runtime::serve::github_client;

/// Exit 0 when protected, 1 when not; errors are the caller's (exit 2).
pub async fn run(config: &Config, args: &DoctorArgs) -> anyhow::Result<ExitCode> {
    let repository = RepoName::parse(&args.repo).context("--repo must be owner/name")?;
    let client = github_client(config)?.context(
        "the doctor needs the GitHub App: set REDGREEN_GITHUB_APP_ID and \
         REDGREEN_GITHUB_PRIVATE_KEY",
    )?;
    let installation = client
        .repository_installation(&repository)
        .await
        .with_context(|| format!("the GitHub App is not installed on {repository}"))?;
    let installation = InstallationId(
        i64::try_from(installation.id.0).context("GitHub answered an invalid installation id")?,
    );
    let store = if args.open_issue {
        config.create_data_dir().with_context(|| {
            format!(
                "cannot create the data directory {}",
                config.data_dir.display()
            )
        })?;
        Some(
            Store::connect(&config.database_url)
                .await
                .with_context(|| {
                    format!("cannot open the {} database", config.database_backend())
                })?,
        )
    } else {
        None
    };
    let outcome = check_repository(&client, store.as_ref(), installation, &repository)
        .await
        .with_context(|| format!("cannot check the branch protection of {repository}"))?;
    let report = &outcome.report;
    let (issue_outcome, issue_number) = match outcome.issue {
        None => (None, None),
        Some(IssueOutcome::Protected) => (Some("not_needed"), None),
        Some(IssueOutcome::AlreadyOpened(n)) => (Some("already_opened"), Some(n)),
        Some(IssueOutcome::Opened(n)) => (Some("opened"), Some(n)),
    };
    if args.json {
        let json = serde_json::json!({
            "repository": report.repository,
            "branch": report.branch,
            "protected": report.is_protected(),
            "requires_pull_request": report.requires_pull_request,
            "required_approvals": report.required_approvals,
            "bypasses": report.bypasses,
            "unreadable": report.unreadable,
            "issue": issue_outcome.map(|outcome| serde_json::json!({
                "outcome": outcome,
                "number": issue_number,
            })),
        });
        println!("{json}");
    } else {
        println!(
            "{}: default branch `{}` is {}",
            report.repository,
            report.branch,
            if report.is_protected() {
                "protected: merging needs a reviewed pull request, for everyone"
            } else {
                "NOT protected"
            }
        );
        println!(
            "  requires a pull request: {}; required approvals: {}",
            report.requires_pull_request, report.required_approvals
        );
        for line in report.bypasses.iter().chain(&report.unreadable) {
            println!("  - {line}");
        }
        match outcome.issue {
            Some(IssueOutcome::Opened(n)) => {
                println!("  opened issue #{n} with the settings to apply")
            }
            Some(IssueOutcome::AlreadyOpened(n)) => {
                println!("  issue #{n} was opened before; no new one")
            }
            None if !report.is_protected() => {
                println!("  (run with --open-issue to open an issue with the settings to apply)")
            }
            _ => {}
        }
    }
    Ok(if report.is_protected() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
