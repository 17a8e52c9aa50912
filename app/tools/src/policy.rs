//! What a phase of the loop may do: which tools it is offered and which files it may write.
//! Planning only reads; red writes test files only; patch may not touch the tests written in
//! red nor delete tests. The tool box enforces this on every call, whatever the model asks.

use std::collections::BTreeSet;

use crate::contract::ToolName;
use crate::integrity::{FileChange, IntegrityKind, check_integrity};
use redgreen_indexer::is_test_path;

/// Which files a phase may write (on top of the repository's write scope).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteRule {
    /// No writes at all.
    Nothing,
    /// Test files only ([`is_test_path`]).
    TestFilesOnly,
    /// Anything but these paths (the red phase's tests), and no test deleted.
    NotRedTests(BTreeSet<String>),
}

/// The rules of one phase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhasePolicy {
    phase: &'static str,
    tools: BTreeSet<ToolName>,
    writes: WriteRule,
}

const READ_TOOLS: [ToolName; 3] = [ToolName::CodeSearch, ToolName::ReadFile, ToolName::RepoMap];
const WRITE_TOOLS: [ToolName; 2] = [ToolName::CodePatch, ToolName::RunTests];

impl PhasePolicy {
    /// Planning: `code_search`, `read_file`, `repo_map`, `sbom_generate`, `sast_scan`; no
    /// writes.
    pub fn read_only() -> PhasePolicy {
        PhasePolicy {
            phase: "planning",
            // `sbom_generate` changes nothing in the work tree (it writes to the run's
            // artifacts); dependencies are a question for planning. `sast_scan` only reads.
            tools: READ_TOOLS
                .into_iter()
                .chain([ToolName::SbomGenerate, ToolName::SastScan])
                .collect(),
            writes: WriteRule::Nothing,
        }
    }

    /// Red: the read tools, `code_patch` on test files only, `run_tests`.
    pub fn red() -> PhasePolicy {
        PhasePolicy {
            phase: "red",
            tools: READ_TOOLS.into_iter().chain(WRITE_TOOLS).collect(),
            writes: WriteRule::TestFilesOnly,
        }
    }

    /// Patch: the read tools, `code_patch` anywhere but `red_tests` and without deleting a
    /// test, `run_tests`.
    pub fn patch(red_tests: BTreeSet<String>) -> PhasePolicy {
        PhasePolicy {
            phase: "patch",
            // `sast_scan` lets the model check its own change for security mistakes.
            tools: READ_TOOLS
                .into_iter()
                .chain(WRITE_TOOLS)
                .chain([ToolName::SastScan])
                .collect(),
            writes: WriteRule::NotRedTests(red_tests),
        }
    }

    pub fn phase(&self) -> &'static str {
        self.phase
    }

    pub fn allows(&self, tool: ToolName) -> bool {
        self.tools.contains(&tool)
    }

    /// The tools the phase offers, in contract order.
    pub fn tools(&self) -> impl Iterator<Item = ToolName> + '_ {
        self.tools.iter().copied()
    }

    pub fn writes(&self) -> &WriteRule {
        &self.writes
    }

    /// Why `change` may not be written in this phase, if it may not.
    pub fn write_refusal(&self, change: &FileChange) -> Option<String> {
        let path = change.path.as_str();
        match &self.writes {
            WriteRule::Nothing => Some(format!("the {} phase does not change files", self.phase)),
            WriteRule::TestFilesOnly if !is_test_path(path) => Some(format!(
                "the {} phase may only write test files (`tests/...`, `test_*.py`, `*_test.go`, \
                 `*.test.ts`, `src/test/...`, ...); fix the code in the patch phase",
                self.phase
            )),
            WriteRule::TestFilesOnly => None,
            WriteRule::NotRedTests(red) if red.contains(path) => Some(
                "it holds the failing tests written in the red phase, which must stay as they \
                 were verified; change the code under test instead"
                    .into(),
            ),
            WriteRule::NotRedTests(_) => {
                let deleted: Vec<String> =
                    check_integrity(std::slice::from_ref(change), &BTreeSet::new())
                        .into_iter()
                        .filter(|f| {
                            matches!(
                                f.kind,
                                IntegrityKind::DeletedTest | IntegrityKind::DeletedTestFile
                            )
                        })
                        .map(|f| f.detail)
                        .collect();
                if deleted.is_empty() {
                    None
                } else {
                    Some(format!(
                        "the patch phase may not delete tests ({})",
                        deleted.join("; ")
                    ))
                }
            }
        }
    }
}
