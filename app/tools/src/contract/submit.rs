//! The phase-ending tools. The orchestrator offers one at a time; calling it hands the phase's
//! product to redgreen, which then verifies it independently (the model's word is never
//! taken). They have no output: the verdict comes back as the next message.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Arguments of `submit_plan`: ends the planning phase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitPlanInput {
    /// What is wrong and what the change will do, in a few sentences.
    #[schemars(length(min = 1))]
    pub summary: String,
    /// The steps, in order.
    #[schemars(length(min = 1))]
    pub steps: Vec<String>,
    /// Repository-relative files expected to change.
    pub files: Vec<String>,
    /// Which tests will show the problem (empty when the change is not behavioural).
    pub test_strategy: String,
    /// What could go wrong, and how bad it would be.
    #[schemars(length(min = 1))]
    pub risk: String,
}

/// Arguments of `submit_red`: ends the red phase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitRedInput {
    /// The ids of the new tests that must fail now and pass after the fix, as the runner
    /// reports them (`tests/test_x.py::test_y`, `tests::parses_empty`, `TestParse`).
    #[schemars(length(min = 1))]
    pub tests: Vec<String>,
    /// Why these tests fail on the current code.
    #[schemars(length(min = 1))]
    pub rationale: String,
}

/// Arguments of `submit_patch`: ends the patch phase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitPatchInput {
    /// What the fix changes and why it makes the red tests pass.
    #[schemars(length(min = 1))]
    pub rationale: String,
}
