//! Tests of redgreen-tools: contracts and schemas, argument validation, the workspace and its
//! write scope, code_patch, the tool box over a real index and real processes, the test-report
//! parsers against captured runner output, the test-integrity guard over real git repositories.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "tools/support.rs"]
mod support;

#[path = "tools/code_patch.rs"]
mod code_patch;
#[path = "tools/integrity.rs"]
mod integrity;
#[path = "tools/reports.rs"]
mod reports;
#[path = "tools/run_tests.rs"]
mod run_tests;
#[path = "tools/sast.rs"]
mod sast;
#[path = "tools/sbom.rs"]
mod sbom;
#[path = "tools/schemas.rs"]
mod schemas;
#[path = "tools/test_command.rs"]
mod test_command;
#[path = "tools/toolbox.rs"]
mod toolbox;
#[path = "tools/validate.rs"]
mod validate;
#[path = "tools/workspace.rs"]
mod workspace;
