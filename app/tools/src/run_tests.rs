//! Running the repository's test command: through a [`TestExecutor`] (the sandbox with no
//! network in production), then reading the results with the runner's parser and, for Maven
//! and Gradle, the JUnit XML reports the run wrote.
//!
//! Execution is blocking (a sandbox run waits for its process tree); the tool box runs it on
//! a blocking thread.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use redgreen_sandbox::{AllowedHost, CancelToken, Limits, Network, RunRequest, Sandbox, Toolchain};

use crate::contract::{FailingTest, RunTestsOutput};
use crate::error::ToolError;
use crate::report::{TestCase, TestReport, parse_junit_xml, parse_report};
use crate::test_command::{Runner, TestCommand};

/// What to run: a shell command line at the workspace's root.
#[derive(Debug, Clone, Copy)]
pub struct TestInvocation<'a> {
    /// The repository checkout (mounted read-write in the sandbox).
    pub workspace: &'a Path,
    /// Run with `/bin/sh -c`.
    pub command: &'a str,
    pub timeout: Duration,
    /// Cancelled when the caller gives up on the run: the executor ends the command's whole
    /// process tree as soon as it can.
    pub cancel: &'a CancelToken,
    /// `None`: no network at all (tests, and everything the model asks for). `Some`: the
    /// repository's setup commands, whose only way out is the egress proxy allowing these
    /// hosts.
    pub egress: Option<&'a [AllowedHost]>,
}

/// What an executor saw.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExecutedCommand {
    /// `None` when the command was killed.
    pub exit_code: Option<i32>,
    pub timed_out: bool,
    pub stdout: String,
    pub stderr: String,
    /// Whether the executor kept only part of the output.
    pub truncated: bool,
    pub duration_ms: u64,
    /// Whether the workspace's disk cap was reached (see `SandboxOutcome::disk_limit_hit`).
    pub disk_limit_hit: bool,
}

/// Runs a test command to completion (blocking). A command that fails is an outcome; an
/// error means it did not run or could not be observed.
pub trait TestExecutor: Send + Sync {
    fn execute(&self, invocation: &TestInvocation<'_>) -> Result<ExecutedCommand, ToolError>;
}

/// The production executor: the redgreen sandbox, the workspace read-write, no network but
/// the setup commands' egress proxy.
#[derive(Debug, Clone)]
pub struct SandboxExecutor {
    sandbox: Arc<Sandbox>,
    toolchains: Vec<Toolchain>,
    limits: Limits,
}

impl SandboxExecutor {
    pub fn new(sandbox: Arc<Sandbox>) -> SandboxExecutor {
        SandboxExecutor {
            sandbox,
            toolchains: Vec::new(),
            limits: Limits::default(),
        }
    }

    /// The toolchains whose directories lead the sandbox's `PATH`.
    pub fn with_toolchains(mut self, toolchains: Vec<Toolchain>) -> SandboxExecutor {
        self.toolchains = toolchains;
        self
    }

    /// Limits of every run; the timeout is each invocation's.
    pub fn with_limits(mut self, limits: Limits) -> SandboxExecutor {
        self.limits = limits;
        self
    }
}

impl TestExecutor for SandboxExecutor {
    fn execute(&self, invocation: &TestInvocation<'_>) -> Result<ExecutedCommand, ToolError> {
        let mut request = RunRequest::new("/bin/sh", invocation.workspace)
            .args(["-c", invocation.command])
            .with_toolchains(&self.toolchains)
            // Plain, non-interactive output the parsers can read, and no bytecode caches
            // written into the work tree.
            .env("CI", "true")
            .env("NO_COLOR", "1")
            .env("CARGO_TERM_COLOR", "never")
            .env("PYTHONDONTWRITEBYTECODE", "1");
        request.limits = Limits {
            timeout: invocation.timeout,
            ..self.limits.clone()
        };
        request.network = match invocation.egress {
            None => Network::None,
            Some(hosts) => Network::Proxy {
                allowed_hosts: hosts.to_vec(),
            },
        };
        request.cancel = Some(invocation.cancel.clone());
        let run = self.sandbox.run(&request)?;
        Ok(ExecutedCommand {
            exit_code: run.outcome.exit_code,
            timed_out: run.outcome.timed_out,
            stdout: run.stdout.to_text(),
            stderr: run.stderr.to_text(),
            truncated: run.outcome.truncated,
            duration_ms: run.outcome.duration_ms,
            disk_limit_hit: run.outcome.disk_limit_hit,
        })
    }
}

/// One test run, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestRun {
    /// The command line that ran (with the target).
    pub command: String,
    pub exit_code: Option<i32>,
    pub timed_out: bool,
    pub duration_ms: u64,
    pub report: TestReport,
    /// Head and tail of stdout and stderr.
    pub log_excerpt: String,
    /// Whether output was left out of the excerpt (or by the executor).
    pub truncated: bool,
}

/// Failing tests listed in `run_tests`' result; the rest are counted.
const MAX_FAILING: usize = 50;
/// Characters of one failure message kept in `run_tests`' result.
const MAX_MESSAGE_CHARS: usize = 2000;

impl TestRun {
    /// The run as `run_tests` returns it. A run that failed without a failing test the
    /// parser could read (a crash, an unknown format, a timeout) gets one entry saying so, so
    /// that a failure is never reported as nothing.
    pub fn output(&self) -> RunTestsOutput {
        use crate::report::CaseOutcome;
        let report = &self.report;
        let mut failing: Vec<FailingTest> = report
            .failing()
            .take(MAX_FAILING)
            .map(|case| FailingTest {
                name: case.id.clone(),
                message: case.message.chars().take(MAX_MESSAGE_CHARS).collect(),
                file: case.file.clone(),
                line: case.line,
            })
            .collect();
        let mut failed = report.count(CaseOutcome::Failed) + report.count(CaseOutcome::Errored);
        if self.timed_out {
            failing.push(FailingTest {
                name: "(test run)".into(),
                message: format!("timed out after {} ms and was killed", self.duration_ms),
                file: None,
                line: None,
            });
            failed += 1;
        } else if failing.is_empty() && self.exit_code != Some(0) {
            failing.push(FailingTest {
                name: "(test command)".into(),
                message: match self.exit_code {
                    Some(code) => format!(
                        "`{}` exited with status {code}, and no failing test could be read from its output; see log_excerpt",
                        self.command
                    ),
                    None => format!("`{}` was killed; see log_excerpt", self.command),
                },
                file: None,
                line: None,
            });
            failed += 1;
        }
        RunTestsOutput {
            passed: report.count(CaseOutcome::Passed),
            failed,
            skipped: report.count(CaseOutcome::Skipped),
            failing,
            duration_ms: self.duration_ms,
            log_excerpt: self.log_excerpt.clone(),
            truncated: self.truncated,
        }
    }
}

/// Runs `command` (with `target` added the runner's way) in `root` and reads its results.
/// `excerpt_bytes` bounds the log excerpt (half head, half tail); cancelling `cancel` ends
/// the run early with an error.
pub fn execute_tests(
    executor: &dyn TestExecutor,
    root: &Path,
    command: &TestCommand,
    target: Option<&str>,
    timeout: Duration,
    excerpt_bytes: usize,
    cancel: &CancelToken,
) -> Result<TestRun, ToolError> {
    let line = match target {
        Some(target) => command
            .runner
            .with_target(&command.command, target)
            .ok_or_else(|| ToolError::InvalidArguments {
                tool: "run_tests".into(),
                problems: vec!["at `/target`: it contains a NUL character".into()],
            })?,
        None => command.command.clone(),
    };
    let started = SystemTime::now();
    tracing::debug!(command = %line, timeout_s = timeout.as_secs(), "running tests");
    let executed = executor.execute(&TestInvocation {
        workspace: root,
        command: &line,
        timeout,
        cancel,
        egress: None,
    })?;
    let mut report = parse_report(command.runner, &executed.stdout, &executed.stderr);
    if matches!(command.runner, Runner::Maven | Runner::Gradle) {
        merge_junit_reports(&mut report, root, started);
    }
    let root_text = format!("{}/", root.display());
    for case in &mut report.cases {
        if let Some(file) = case.file.as_mut()
            && let Some(relative) = file.strip_prefix(&root_text)
        {
            *file = relative.to_owned();
        }
    }
    let (log_excerpt, cut) = excerpt(&executed.stdout, &executed.stderr, excerpt_bytes);
    Ok(TestRun {
        command: line,
        exit_code: executed.exit_code,
        timed_out: executed.timed_out,
        duration_ms: executed.duration_ms,
        report,
        log_excerpt,
        truncated: cut || executed.truncated,
    })
}

/// Directories where JUnit XML reports are written by Maven (`target/surefire-reports`,
/// `target/failsafe-reports`) and Gradle (`build/test-results/<task>`).
const REPORT_DIRS: [&str; 3] = ["surefire-reports", "failsafe-reports", "test-results"];
const REPORT_SEARCH_DEPTH: usize = 6;

/// Replaces the console's cases with the XML reports written by this run, when there are
/// any (they list the passing tests too); compiler errors from the console are kept.
fn merge_junit_reports(report: &mut TestReport, root: &Path, since: SystemTime) {
    let mut files = Vec::new();
    find_reports(root, 0, &mut files);
    let mut cases: Vec<TestCase> = Vec::new();
    for file in files {
        let fresh = std::fs::symlink_metadata(&file)
            .and_then(|m| m.modified())
            .is_ok_and(|modified| modified + Duration::from_secs(1) >= since);
        if !fresh {
            continue;
        }
        if let Ok(xml) = std::fs::read_to_string(&file) {
            cases.extend(parse_junit_xml(&xml).cases);
        }
    }
    if cases.is_empty() {
        return;
    }
    let load_errors = report.cases.iter().filter(|c| c.load_error).cloned();
    let merged: Vec<TestCase> = cases.into_iter().chain(load_errors).collect();
    report.cases = merged;
}

fn find_reports(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    if depth > REPORT_SEARCH_DEPTH {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if !kind.is_dir() {
            continue;
        }
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name == ".git" || name == "node_modules" {
            continue;
        }
        let path = entry.path();
        if REPORT_DIRS.contains(&name.as_ref()) {
            collect_xml(&path, 0, out);
        } else {
            find_reports(&path, depth + 1, out);
        }
    }
}

/// XML files in a report directory (Gradle nests one directory per test task).
fn collect_xml(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let path = entry.path();
        if kind.is_dir() && depth < 2 {
            collect_xml(&path, depth + 1, out);
        } else if kind.is_file() && path.extension().is_some_and(|e| e == "xml") {
            out.push(path);
        }
    }
}

/// Head and tail of the output under `max` bytes, cut at line or character boundaries.
fn excerpt(stdout: &str, stderr: &str, max: usize) -> (String, bool) {
    let text = match (stdout.trim().is_empty(), stderr.trim().is_empty()) {
        (false, false) => format!(
            "{}\n--- stderr ---\n{}",
            stdout.trim_end(),
            stderr.trim_end()
        ),
        (false, true) => stdout.trim_end().to_owned(),
        (true, false) => stderr.trim_end().to_owned(),
        (true, true) => String::new(),
    };
    if text.len() <= max {
        return (text, false);
    }
    let half = max / 2;
    let mut head_end = half;
    while !text.is_char_boundary(head_end) {
        head_end -= 1;
    }
    let head_end = text[..head_end].rfind('\n').unwrap_or(head_end);
    let mut tail_start = text.len() - half;
    while !text.is_char_boundary(tail_start) {
        tail_start += 1;
    }
    let tail_start = text[tail_start..]
        .find('\n')
        .map_or(tail_start, |at| tail_start + at + 1);
    let omitted = tail_start.saturating_sub(head_end);
    (
        format!(
            "{}\n[... {omitted} bytes omitted ...]\n{}",
            &text[..head_end],
            &text[tail_start..]
        ),
        true,
    )
}
