//! `sast_scan`: the code index's security rules over the work tree (`.gitignore` and what
//! setup added left out), as the tool's findings and severity histogram.

use redgreen_indexer::{Profile, Severity as RuleSeverity, Source};

use crate::contract::{SastFinding, SastScanInput, SastScanOutput, Severity, SeverityHistogram};
use crate::error::ToolError;
use crate::workspace::Workspace;

/// Findings listed in one answer; the histogram counts them all.
const MAX_FINDINGS: usize = 200;

pub fn sast_scan(
    workspace: &Workspace,
    input: &SastScanInput,
) -> Result<SastScanOutput, ToolError> {
    let profile = match input.profile.as_deref() {
        None => Profile::Default,
        Some(name) => name
            .parse::<Profile>()
            .map_err(|problem| ToolError::InvalidArguments {
                tool: "sast_scan".into(),
                problems: vec![format!("at `/profile`: {problem}")],
            })?,
    };
    let report =
        redgreen_indexer::sast_scan(&Source::WorkTree(workspace.root().to_path_buf()), profile)?;
    let mut histogram = SeverityHistogram::default();
    let mut findings = Vec::new();
    for finding in report.findings {
        let severity = match finding.severity {
            RuleSeverity::Critical => Severity::Critical,
            RuleSeverity::High => Severity::High,
            RuleSeverity::Medium => Severity::Medium,
            RuleSeverity::Low => Severity::Low,
            RuleSeverity::Info => Severity::Info,
        };
        let count = match severity {
            Severity::Critical => &mut histogram.critical,
            Severity::High => &mut histogram.high,
            Severity::Medium => &mut histogram.medium,
            Severity::Low => &mut histogram.low,
            Severity::Info => &mut histogram.info,
        };
        *count += 1;
        if findings.len() < MAX_FINDINGS {
            findings.push(SastFinding {
                rule_id: finding.rule_id.to_owned(),
                severity,
                path: finding.path,
                line: finding.line,
                message: finding.message.to_owned(),
            });
        }
    }
    Ok(SastScanOutput {
        findings,
        severity_histogram: histogram,
    })
}
