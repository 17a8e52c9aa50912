//! `redgreen audit verify [--json]`: checks the audit log's hash chains.

use std::process::ExitCode;

use anyhow::Context as _;
use redgreen_store::Store;

use crate::config::Config;

pub async fn audit_verify(config: &Config, json: bool) -> anyhow::Result<ExitCode> {
    let store = Store::connect(&config.database_url)
        .await
        .with_context(|| format!("cannot open the {} database", config.database_backend()))?;
    let report = store
        .verify_audit()
        .await
        .context("cannot read the audit log")?;
    if json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        for broken in &report.breaks {
            println!(
                "BROKEN chain {} at seq {}: {}",
                broken.chain, broken.seq, broken.reason
            );
        }
        println!(
            "{} rows in {} chains: {}",
            report.rows,
            report.chains,
            if report.breaks.is_empty() {
                "intact"
            } else {
                "TAMPERED"
            }
        );
    }
    Ok(if report.breaks.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
