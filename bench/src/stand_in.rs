//! `redgreen-bench stand-in`: the local GitHub stand-in (`redgreen-testkit`) as a process, so
//! that `redgreen serve` under load can check each commenter's permission over HTTP as it
//! would against GitHub. It serves the repositories and the commenter that `intake` sends.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use redgreen_testkit::GitHubStandIn;

use crate::delivery::{COMMENTER, bench_repository, installation_id};

#[derive(Args)]
pub struct StandInArgs {
    /// Installations (and one repository each) to serve; as many as `intake --installations`.
    #[arg(long, default_value_t = 4)]
    installations: u32,
    /// Where to write the App's private key (PEM), for REDGREEN_GITHUB_PRIVATE_KEY.
    #[arg(long)]
    key_file: PathBuf,
}

/// Starts the stand-in, prints `API_URL APP_ID` on one line, and serves until interrupted.
pub async fn run(args: StandInArgs) -> anyhow::Result<()> {
    let github = GitHubStandIn::start().await;
    for k in 0..args.installations.max(1) {
        let installation = installation_id(k);
        let repository = bench_repository(k);
        github.add_installation(installation, "Codertocat");
        github.add_repository(installation, &repository, "main", None);
        github.set_permission(&repository, COMMENTER, "write");
    }
    std::fs::write(&args.key_file, github.app_private_key_pem())
        .with_context(|| format!("cannot write {}", args.key_file.display()))?;
    println!("{} {}", github.api_url(), github.app_id());
    tokio::signal::ctrl_c().await?;
    // Requests the stand-in found out of contract would be a redgreen bug: say so.
    let violations = github.take_violations();
    anyhow::ensure!(
        violations.is_empty(),
        "requests out of contract: {violations:?}"
    );
    Ok(())
}
