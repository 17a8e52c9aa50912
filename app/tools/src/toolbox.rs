//! The tool box: one call of a model, checked and run. The arguments are validated against the
//! tool's schema, the phase's policy decides whether the tool may run and what it may write,
//! and only then does the tool act. Every refusal and every failure comes back as an error
//! result the model can read; nothing half-done is left behind (a patch is written whole or
//! not at all).

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use redgreen_indexer::Index;
use redgreen_sandbox::CancelToken;
use serde::Serialize;
use serde_json::Value;

use crate::code_patch::code_patch;
use crate::contract::{ToolInput, ToolName};
use crate::error::ToolError;
use crate::policy::PhasePolicy;
use crate::read_file::read_file;
use crate::run_tests::{TestExecutor, execute_tests};
use crate::sast::sast_scan;
use crate::sbom::{SbomSettings, sbom_generate};
use crate::search::{code_search, repo_map};
use crate::test_command::TestCommand;
use crate::validate::validate_arguments;
use crate::workspace::{Workspace, WriteScope};

/// The answer to one call: JSON for the model, or an error message it can act on.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolResult {
    /// The tool's output as JSON text, or the error message.
    pub content: String,
    pub is_error: bool,
    /// The output as JSON (MCP's `structuredContent`); `None` for errors.
    pub structured: Option<Value>,
}

impl ToolResult {
    pub fn ok(output: Value) -> ToolResult {
        ToolResult {
            content: output.to_string(),
            is_error: false,
            structured: Some(output),
        }
    }

    pub fn error(message: impl Into<String>) -> ToolResult {
        ToolResult {
            content: message.into(),
            is_error: true,
            structured: None,
        }
    }
}

/// Sizes and times the tools keep to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ToolLimits {
    /// Content `read_file` returns in one call.
    pub read_max_bytes: usize,
    /// `run_tests`' timeout when the call gives none.
    pub default_test_timeout: Duration,
    /// The most any `run_tests` call may ask for.
    pub max_test_timeout: Duration,
    /// Size of `run_tests`' log excerpt.
    pub log_excerpt_bytes: usize,
}

impl Default for ToolLimits {
    fn default() -> Self {
        ToolLimits {
            read_max_bytes: 64 * 1024,
            default_test_timeout: Duration::from_secs(300),
            max_test_timeout: Duration::from_secs(900),
            log_excerpt_bytes: 8 * 1024,
        }
    }
}

/// The tools of one run, over its checkout.
#[derive(Clone)]
pub struct ToolBox {
    workspace: Arc<Workspace>,
    test_command: Option<Arc<TestCommand>>,
    index: Option<Arc<Index>>,
    executor: Option<Arc<dyn TestExecutor>>,
    sbom: Option<Arc<SbomSettings>>,
    limits: ToolLimits,
    written: Arc<Mutex<BTreeSet<String>>>,
}

impl std::fmt::Debug for ToolBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ToolBox")
            .field("root", &self.workspace.root())
            .field("test_command", &self.test_command)
            .field("index", &self.index.is_some())
            .field("executor", &self.executor.is_some())
            .field("sbom", &self.sbom)
            .field("limits", &self.limits)
            .finish()
    }
}

impl ToolBox {
    /// Tools over the checkout at `root`, writing within `scope`; `test_command` is the
    /// repository's (configured or detected; empty when there is none). The index and the
    /// test executor are added with [`ToolBox::with_index`] and [`ToolBox::with_executor`];
    /// without them `code_search`/`repo_map` and `run_tests` answer that they are unavailable.
    pub fn new(root: &Path, scope: WriteScope, test_command: String) -> Result<ToolBox, ToolError> {
        let test_command = (!test_command.trim().is_empty())
            .then(|| Arc::new(TestCommand::configured(&test_command)));
        Ok(ToolBox {
            workspace: Arc::new(Workspace::open(root, scope)?),
            test_command,
            index: None,
            executor: None,
            sbom: None,
            limits: ToolLimits::default(),
            written: Arc::new(Mutex::new(BTreeSet::new())),
        })
    }

    pub fn with_index(mut self, index: Arc<Index>) -> ToolBox {
        self.index = Some(index);
        self
    }

    pub fn with_executor(mut self, executor: Arc<dyn TestExecutor>) -> ToolBox {
        self.executor = Some(executor);
        self
    }

    /// Where `sbom_generate` writes; without it the tool answers that it is unavailable.
    pub fn with_sbom(mut self, settings: SbomSettings) -> ToolBox {
        self.sbom = Some(Arc::new(settings));
        self
    }

    pub fn with_limits(mut self, limits: ToolLimits) -> ToolBox {
        self.limits = limits;
        self
    }

    pub fn workspace(&self) -> &Workspace {
        &self.workspace
    }

    /// The repository-relative paths `code_patch` has written through this tool box.
    pub fn written_paths(&self) -> BTreeSet<String> {
        self.written.lock().clone()
    }

    /// Validates and runs one call under `policy`. Never panics and never fails: a bad call is
    /// an error result, and so is a tool's failure.
    pub async fn call(&self, policy: &PhasePolicy, name: &str, arguments: &Value) -> ToolResult {
        let result = self.dispatch(policy, name, arguments).await;
        match result {
            Ok(output) => {
                tracing::info!(tool = %name, phase = policy.phase(), "tool call answered");
                ToolResult::ok(output)
            }
            Err(error) => {
                tracing::info!(
                    tool = %name,
                    phase = policy.phase(),
                    retryable = error.is_retryable(),
                    "tool call refused or failed"
                );
                ToolResult::error(error.to_string())
            }
        }
    }

    async fn dispatch(
        &self,
        policy: &PhasePolicy,
        name: &str,
        arguments: &Value,
    ) -> Result<Value, ToolError> {
        let input = validate_arguments(name, arguments)?;
        let tool = input.tool();
        if !policy.allows(tool) {
            return Err(ToolError::NotAllowed {
                tool: tool.as_str().to_owned(),
                phase: policy.phase(),
                allowed: policy
                    .tools()
                    .map(ToolName::as_str)
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        let toolbox = self.clone();
        let policy = policy.clone();
        let cancel = CancelToken::new();
        // A conversation abandoned mid-call (its run cancelled) drops this future: the
        // sandboxed test run the call started is then killed, not left to its timeout.
        let _cancel_on_drop = cancel.cancel_on_drop();
        tokio::task::spawn_blocking(move || toolbox.run(&policy, input, &cancel))
            .await
            .map_err(|error| ToolError::Task(error.to_string()))?
    }

    /// Runs a validated, allowed call (blocking).
    fn run(
        &self,
        policy: &PhasePolicy,
        input: ToolInput,
        cancel: &CancelToken,
    ) -> Result<Value, ToolError> {
        let unavailable = |tool: ToolName, reason: &str| ToolError::Unavailable {
            tool: tool.as_str().to_owned(),
            reason: reason.to_owned(),
        };
        match input {
            ToolInput::ReadFile(input) => to_json(read_file(
                &self.workspace,
                &input,
                self.limits.read_max_bytes,
            )?),
            ToolInput::CodeSearch(input) => {
                let index = self.index.as_ref().ok_or_else(|| {
                    unavailable(
                        ToolName::CodeSearch,
                        "this run has no code index; use read_file",
                    )
                })?;
                to_json(code_search(index, &input)?)
            }
            ToolInput::RepoMap(input) => {
                let index = self.index.as_ref().ok_or_else(|| {
                    unavailable(
                        ToolName::RepoMap,
                        "this run has no code index; use read_file",
                    )
                })?;
                to_json(repo_map(index, &input)?)
            }
            ToolInput::CodePatch(input) => {
                let (output, path) = code_patch(&self.workspace, policy, &input)?;
                self.written.lock().insert(path);
                to_json(output)
            }
            ToolInput::RunTests(input) => {
                let command = self.test_command.as_ref().ok_or_else(|| {
                    unavailable(
                        ToolName::RunTests,
                        "the repository has no test command (set `test` in .github/redgreen.yml)",
                    )
                })?;
                let executor = self.executor.as_ref().ok_or_else(|| {
                    unavailable(
                        ToolName::RunTests,
                        "this run has no sandbox to run tests in",
                    )
                })?;
                let asked = input
                    .timeout_s
                    .map_or(self.limits.default_test_timeout, |s| {
                        Duration::from_secs(u64::from(s))
                    });
                let timeout = asked.min(self.limits.max_test_timeout);
                let run = execute_tests(
                    executor.as_ref(),
                    self.workspace.root(),
                    command,
                    input.target.as_deref(),
                    timeout,
                    self.limits.log_excerpt_bytes,
                    cancel,
                )?;
                to_json(run.output())
            }
            ToolInput::SbomGenerate(input) => {
                let settings = self.sbom.as_ref().ok_or_else(|| {
                    unavailable(
                        ToolName::SbomGenerate,
                        "this run has nowhere to write the document",
                    )
                })?;
                to_json(sbom_generate(&self.workspace, settings, &input)?)
            }
            ToolInput::SastScan(input) => to_json(sast_scan(&self.workspace, &input)?),
            ToolInput::OpenPr(_) => {
                let tool = input.tool();
                Err(unavailable(tool, "it is not offered inside the fix loop"))
            }
            ToolInput::SubmitPlan(_) | ToolInput::SubmitRed(_) | ToolInput::SubmitPatch(_) => {
                let tool = input.tool();
                Err(unavailable(
                    tool,
                    "it ends the phase and is handled by redgreen's orchestrator, not run as a tool",
                ))
            }
        }
    }
}

fn to_json(output: impl Serialize) -> Result<Value, ToolError> {
    serde_json::to_value(output)
        .map_err(|error| ToolError::Task(format!("serializing the result: {error}")))
}
