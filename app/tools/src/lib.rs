//! The agent tools (code_search, read_file, repo_map, code_patch, run_tests, ...): their
//! schemas, the workspace they act on, test-report parsing and the test-integrity guard.
//!
//! - [`contract`]: every tool's input and output as Rust types; the JSON Schemas in
//!   `schemas/tools/` and the MCP descriptors in `schemas/mcp/` are generated from them
//!   ([`tool_document`], [`mcp_descriptor`]) and [`validate_arguments`] checks a model's call
//!   against the same schema.
//! - [`Workspace`]: repository-relative paths only, no `..`, no symlinks, writes inside the
//!   repository's [`WriteScope`].
//! - [`ToolBox`]: runs a call under a [`PhasePolicy`] (which tools, which files) and answers
//!   with a [`ToolResult`]; a bad call is answered with an error result, never executed.
//! - [`parse_report`]: test results from cargo test, nextest, pytest, unittest, go test,
//!   jest/vitest and JUnit XML; [`execute_tests`] runs a test command through a
//!   [`TestExecutor`] (the sandbox in production).
//! - `sast_scan`: the code index's security rules over the work tree.
//! - `sbom_generate` ([`SbomSettings`]): a CycloneDX document of the lockfiles, written to
//!   the run's artifacts, outside the work tree.
//! - [`check_integrity`] and [`diff_limits`]: the guards a patch must pass, over the
//!   [`FileChange`]s that [`working_tree_changes`] reads from git.

mod code_patch;
pub mod contract;
mod error;
mod integrity;
mod policy;
mod read_file;
mod report;
mod run_tests;
mod sast;
mod sbom;
mod schema;
mod search;
mod test_command;
mod toolbox;
mod validate;
mod workspace;

pub use contract::{ToolInput, ToolName};
pub use error::ToolError;
pub use integrity::{
    DiffStats, FileChange, IntegrityFinding, IntegrityKind, check_integrity, diff_limits,
    working_tree_changes,
};
pub use policy::{PhasePolicy, WriteRule};
/// Which paths are tests: the indexer's rule (localization ranks them low), shared so that
/// the red phase's write rule and the ranking never disagree.
pub use redgreen_indexer::is_test_path;
/// The token a test run is cancelled with and the hosts a setup command may reach (the
/// sandbox's own types), for callers that do not otherwise depend on the sandbox crate.
pub use redgreen_sandbox::{AllowedHost, CancelToken};
pub use report::{
    CaseOutcome, TestCase, TestReport, is_collection_or_syntax_error, parse_junit_xml, parse_report,
};
pub use run_tests::{
    ExecutedCommand, SandboxExecutor, TestExecutor, TestInvocation, TestRun, execute_tests,
};
pub use sbom::SbomSettings;
pub use schema::{
    ToolSpecDoc, input_schema, mcp_descriptor, output_schema, tool_document, tool_specs,
};
pub use test_command::{Runner, TestCommand, detect_test_command};
pub use toolbox::{ToolBox, ToolLimits, ToolResult};
pub use validate::validate_arguments;
pub use workspace::{DEFAULT_DENY, Workspace, WriteScope};
