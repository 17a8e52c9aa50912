//! The tool contracts of PRODUCT.md as Rust types: one module per tool with its input and
//! output, [`ToolName`] for the names and descriptions, [`ToolInput`] for a validated call.
//! The committed JSON Schemas are generated from these types, never edited by hand.

mod code_patch;
mod code_search;
mod open_pr;
mod read_file;
mod repo_map;
mod run_tests;
mod sast_scan;
mod sbom_generate;
mod submit;

pub(crate) use code_patch::exactly_one_problem;
pub use code_patch::{CodePatchInput, CodePatchOutput, Edit, PatchForm, RiskLevel};
pub use code_search::{CodeSearchInput, CodeSearchOutput, SearchHit, SearchModeName, SearchScope};
pub use open_pr::{OpenPrInput, OpenPrOutput};
pub use read_file::{ReadFileInput, ReadFileOutput};
pub use repo_map::{RepoMapInput, RepoMapOutput};
pub use run_tests::{FailingTest, RunTestsInput, RunTestsOutput};
pub use sast_scan::{SastFinding, SastScanInput, SastScanOutput, Severity, SeverityHistogram};
pub use sbom_generate::{SbomGenerateInput, SbomGenerateOutput, SbomPackage, SbomVulnerability};
pub use submit::{SubmitPatchInput, SubmitPlanInput, SubmitRedInput};

/// Every tool, by its contract name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ToolName {
    CodeSearch,
    ReadFile,
    RepoMap,
    CodePatch,
    RunTests,
    SastScan,
    SbomGenerate,
    OpenPr,
    SubmitPlan,
    SubmitRed,
    SubmitPatch,
}

/// What a tool does to its environment, as MCP's tool annotations say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ToolEffects {
    pub read_only: bool,
    pub destructive: bool,
    pub idempotent: bool,
    pub open_world: bool,
}

impl ToolName {
    pub const ALL: [ToolName; 11] = [
        ToolName::CodeSearch,
        ToolName::ReadFile,
        ToolName::RepoMap,
        ToolName::CodePatch,
        ToolName::RunTests,
        ToolName::SastScan,
        ToolName::SbomGenerate,
        ToolName::OpenPr,
        ToolName::SubmitPlan,
        ToolName::SubmitRed,
        ToolName::SubmitPatch,
    ];

    /// The contract name (`code_search`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ToolName::CodeSearch => "code_search",
            ToolName::ReadFile => "read_file",
            ToolName::RepoMap => "repo_map",
            ToolName::CodePatch => "code_patch",
            ToolName::RunTests => "run_tests",
            ToolName::SastScan => "sast_scan",
            ToolName::SbomGenerate => "sbom_generate",
            ToolName::OpenPr => "open_pr",
            ToolName::SubmitPlan => "submit_plan",
            ToolName::SubmitRed => "submit_red",
            ToolName::SubmitPatch => "submit_patch",
        }
    }

    pub fn from_name(name: &str) -> Option<ToolName> {
        ToolName::ALL.into_iter().find(|tool| tool.as_str() == name)
    }

    /// Whether the tool ends a phase of the loop (the orchestrator handles it; the tool box
    /// never executes it).
    pub fn is_phase_ending(self) -> bool {
        matches!(
            self,
            ToolName::SubmitPlan | ToolName::SubmitRed | ToolName::SubmitPatch
        )
    }

    /// A short display title.
    pub fn title(self) -> &'static str {
        match self {
            ToolName::CodeSearch => "Search code",
            ToolName::ReadFile => "Read a file",
            ToolName::RepoMap => "Repository map",
            ToolName::CodePatch => "Change a file",
            ToolName::RunTests => "Run tests",
            ToolName::SastScan => "Static security scan",
            ToolName::SbomGenerate => "Generate an SBOM",
            ToolName::OpenPr => "Open a pull request",
            ToolName::SubmitPlan => "Submit the plan",
            ToolName::SubmitRed => "Submit the failing tests",
            ToolName::SubmitPatch => "Submit the fix",
        }
    }

    /// What the model and MCP clients read about the tool.
    pub fn description(self) -> &'static str {
        match self {
            ToolName::CodeSearch => {
                "Search the repository's code index. `text` ranks files and definitions by \
                 words and identifiers; `symbol` finds definitions by name (exact, then with \
                 typos); `regex` matches a regular expression against file text. Returns \
                 paths with 1-based line ranges and snippets."
            }
            ToolName::ReadFile => {
                "Read a file of the repository by its repository-relative path, whole or a \
                 range of lines. Large files are cut at a size cap: read on from `end_line + 1`. \
                 Binary files are refused."
            }
            ToolName::RepoMap => {
                "A map of the repository: its most referenced definitions, one signature line \
                 each, grouped by file, within a token budget. Centre it on files with `focus`."
            }
            ToolName::CodePatch => {
                "Change one file: give exactly one of `unified_diff` (hunks of this file; \
                 line numbers may be approximate), `edits` (exact `old_text` -> `new_text` \
                 replacements, each `old_text` occurring exactly once) or `content` (the whole \
                 new file). Paths are repository-relative; writes outside the phase's rules or \
                 the repository's write scope are refused."
            }
            ToolName::RunTests => {
                "Run the repository's test command in the sandbox (no network), optionally \
                 for one `target` (a test name, file or pattern). Returns counts, the failing \
                 tests with their messages, and the head and tail of the output."
            }
            ToolName::SastScan => {
                "Scan the repository for security problems with static analysis; returns \
                 findings with their severity and location."
            }
            ToolName::SbomGenerate => {
                "Write a CycloneDX bill of materials for the repository's dependencies; \
                 returns where it was written, the packages and their licenses."
            }
            ToolName::OpenPr => "Open a pull request from a `redgreen/` branch. It never merges.",
            ToolName::SubmitPlan => {
                "End the planning phase with the plan: summary, steps, files, test strategy, \
                 risk."
            }
            ToolName::SubmitRed => {
                "End the red phase: name the new tests, which redgreen then runs on the \
                 current code and requires to fail (for a reason other than not loading)."
            }
            ToolName::SubmitPatch => {
                "End the patch phase: redgreen then runs the red tests, which must pass, and \
                 the whole suite, which must show no new failure, and checks that no test was \
                 deleted, skipped or weakened."
            }
        }
    }

    /// What the tool does to its environment.
    pub fn effects(self) -> ToolEffects {
        let read_only = ToolEffects {
            read_only: true,
            destructive: false,
            idempotent: true,
            open_world: false,
        };
        match self {
            ToolName::CodeSearch | ToolName::ReadFile | ToolName::RepoMap | ToolName::SastScan => {
                read_only
            }
            // Tests may write build outputs; running them twice does the same.
            ToolName::RunTests | ToolName::SbomGenerate => ToolEffects {
                read_only: false,
                idempotent: true,
                ..read_only
            },
            // Applying the same change twice fails the second time (the text moved on).
            ToolName::CodePatch => ToolEffects {
                read_only: false,
                destructive: true,
                idempotent: false,
                open_world: false,
            },
            ToolName::OpenPr => ToolEffects {
                read_only: false,
                destructive: false,
                idempotent: false,
                open_world: true,
            },
            ToolName::SubmitPlan | ToolName::SubmitRed | ToolName::SubmitPatch => ToolEffects {
                read_only: false,
                destructive: false,
                idempotent: false,
                open_world: false,
            },
        }
    }
}

impl std::fmt::Display for ToolName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A call whose arguments passed the tool's schema, as its typed input.
#[derive(Debug, Clone, PartialEq)]
pub enum ToolInput {
    CodeSearch(CodeSearchInput),
    ReadFile(ReadFileInput),
    RepoMap(RepoMapInput),
    CodePatch(CodePatchInput),
    RunTests(RunTestsInput),
    SastScan(SastScanInput),
    SbomGenerate(SbomGenerateInput),
    OpenPr(OpenPrInput),
    SubmitPlan(SubmitPlanInput),
    SubmitRed(SubmitRedInput),
    SubmitPatch(SubmitPatchInput),
}

impl ToolInput {
    pub fn tool(&self) -> ToolName {
        match self {
            ToolInput::CodeSearch(_) => ToolName::CodeSearch,
            ToolInput::ReadFile(_) => ToolName::ReadFile,
            ToolInput::RepoMap(_) => ToolName::RepoMap,
            ToolInput::CodePatch(_) => ToolName::CodePatch,
            ToolInput::RunTests(_) => ToolName::RunTests,
            ToolInput::SastScan(_) => ToolName::SastScan,
            ToolInput::SbomGenerate(_) => ToolName::SbomGenerate,
            ToolInput::OpenPr(_) => ToolName::OpenPr,
            ToolInput::SubmitPlan(_) => ToolName::SubmitPlan,
            ToolInput::SubmitRed(_) => ToolName::SubmitRed,
            ToolInput::SubmitPatch(_) => ToolName::SubmitPatch,
        }
    }
}
