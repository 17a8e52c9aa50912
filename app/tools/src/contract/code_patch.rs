//! `code_patch`: change one file by a unified diff, by exact text replacements, or by its
//! whole new content (exactly one of the three).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::ToolError;

/// Arguments of `code_patch`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
// Each branch also types its key, so that a `null` for the others (which some models send)
// still leaves exactly one branch matching.
#[schemars(extend("oneOf" = [
    { "required": ["unified_diff"], "properties": { "unified_diff": { "type": "string" } } },
    { "required": ["edits"], "properties": { "edits": { "type": "array" } } },
    { "required": ["content"], "properties": { "content": { "type": "string" } } }
]))]
pub struct CodePatchInput {
    /// Repository-relative path of the one file to change or create.
    #[schemars(length(min = 1))]
    pub file_path: String,
    /// Why this change: one or two sentences, kept with the change.
    #[schemars(length(min = 1))]
    pub rationale: String,
    /// A unified diff of this file (`@@ -a,b +c,d @@` hunks with 3 lines of context; the
    /// `---`/`+++` header may be left out). Hunks apply even when the line numbers are off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub unified_diff: Option<String>,
    /// Exact replacements, applied in order; each `old_text` must occur exactly once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub edits: Option<Vec<Edit>>,
    /// The whole new content of the file (creates it when it does not exist).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
}

/// One exact replacement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Edit {
    /// Text of the file to replace, including enough surrounding lines to occur only once.
    #[schemars(length(min = 1))]
    pub old_text: String,
    /// The replacement.
    pub new_text: String,
}

/// The one form of change a `code_patch` call carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchForm<'a> {
    UnifiedDiff(&'a str),
    Edits(&'a [Edit]),
    Content(&'a str),
}

impl CodePatchInput {
    /// The change, when exactly one of `unified_diff`, `edits` and `content` is given.
    pub fn form(&self) -> Result<PatchForm<'_>, ToolError> {
        let given: Vec<&str> = [
            self.unified_diff.as_ref().map(|_| "unified_diff"),
            self.edits.as_ref().map(|_| "edits"),
            self.content.as_ref().map(|_| "content"),
        ]
        .into_iter()
        .flatten()
        .collect();
        match (&self.unified_diff, &self.edits, &self.content) {
            (Some(diff), None, None) => Ok(PatchForm::UnifiedDiff(diff)),
            (None, Some(edits), None) => Ok(PatchForm::Edits(edits)),
            (None, None, Some(content)) => Ok(PatchForm::Content(content)),
            _ => Err(ToolError::InvalidArguments {
                tool: "code_patch".into(),
                problems: vec![exactly_one_problem(&given)],
            }),
        }
    }
}

/// The message for a call that gives none or several of the three forms.
pub(crate) fn exactly_one_problem(given: &[&str]) -> String {
    if given.is_empty() {
        "give exactly one of `unified_diff`, `edits` or `content`; none was given".to_owned()
    } else {
        format!(
            "give exactly one of `unified_diff`, `edits` or `content`; {} were given",
            given.join(" and ")
        )
    }
}

/// How much a change deserves a reviewer's attention.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum RiskLevel {
    Low,
    Medium,
    High,
}

/// Result of `code_patch`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CodePatchOutput {
    /// A hash of the path and the contents before and after: the same change always gets the
    /// same id.
    pub patch_id: String,
    /// Lines added plus lines removed.
    pub lines_changed: u32,
    /// `high` for CI, build and dependency files, deleting or emptying a file, or over 200
    /// changed lines; `medium` for other configuration files or over 50 changed lines; `low`
    /// otherwise.
    pub risk_level: RiskLevel,
}
