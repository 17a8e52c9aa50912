//! `code_patch`: one file changed by a unified diff, exact edits or its whole content, inside
//! the write scope and the phase's rules, with a deterministic id and a risk level.

mod risk;
mod unified;

use sha2::{Digest, Sha256};

use crate::contract::{CodePatchInput, CodePatchOutput, Edit, PatchForm};
use crate::error::ToolError;
use crate::integrity::{FileChange, line_changes};
use crate::policy::PhasePolicy;
use crate::workspace::Workspace;

/// Applies the change and writes the file; returns the result and the path written
/// (normalized). Nothing is written when any check fails.
pub(crate) fn code_patch(
    workspace: &Workspace,
    policy: &PhasePolicy,
    input: &CodePatchInput,
) -> Result<(CodePatchOutput, String), ToolError> {
    let form = input.form()?;
    let path = workspace.check_writable(&input.file_path)?;
    let before = match workspace.read(&path)? {
        Some(bytes) => Some(String::from_utf8(bytes).map_err(|_| ToolError::NotText {
            path: path.clone(),
            reason: "it is not UTF-8 text, and code_patch changes text files only".into(),
        })?),
        None => None,
    };
    let after = match form {
        PatchForm::UnifiedDiff(diff) => unified::apply(&path, before.as_deref(), diff)?,
        PatchForm::Edits(edits) => {
            let text = before.as_deref().ok_or_else(|| {
                ToolError::PatchRejected(format!(
                    "`{path}` does not exist, so there is no text to edit; send its `content` to create it"
                ))
            })?;
            apply_edits(&path, text, edits)?
        }
        PatchForm::Content(content) => content.to_owned(),
    };
    if before.as_deref() == Some(after.as_str()) {
        return Err(ToolError::PatchRejected(format!(
            "the change leaves `{path}` exactly as it is"
        )));
    }
    let change = FileChange {
        path: path.clone(),
        before,
        after: Some(after),
    };
    if let Some(reason) = policy.write_refusal(&change) {
        return Err(ToolError::WriteRefused { path, reason });
    }
    let after = change.after.as_deref().unwrap_or_default();
    workspace.write(&path, after.as_bytes())?;
    let (added, removed) = line_changes(change.before.as_deref().unwrap_or_default(), after);
    let lines_changed = u32::try_from(added + removed).unwrap_or(u32::MAX);
    Ok((
        CodePatchOutput {
            patch_id: patch_id(&path, change.before.as_deref(), after),
            lines_changed,
            risk_level: risk::risk_level(&path, change.before.as_deref(), after, lines_changed),
        },
        path,
    ))
}

/// Applies exact replacements in order; each `old_text` must occur exactly once in the text
/// as the previous edits left it.
fn apply_edits(path: &str, text: &str, edits: &[Edit]) -> Result<String, ToolError> {
    let mut current = text.to_owned();
    for (index, edit) in edits.iter().enumerate() {
        let number = index + 1;
        let found = current.matches(edit.old_text.as_str()).count();
        match found {
            1 => current = current.replacen(&edit.old_text, &edit.new_text, 1),
            0 => {
                let trimmed = edit.old_text.trim();
                let hint = if !trimmed.is_empty() && current.contains(trimmed) {
                    " (its text without the leading and trailing whitespace does occur: check \
                     indentation and line ends)"
                } else {
                    ""
                };
                return Err(ToolError::PatchRejected(format!(
                    "edit {number} of {}: old_text was not found in `{path}`{hint}; copy it \
                     exactly from read_file's content",
                    edits.len()
                )));
            }
            many => {
                return Err(ToolError::PatchRejected(format!(
                    "edit {number} of {}: old_text occurs {many} times in `{path}`; it must \
                     occur exactly once, so include more of the surrounding lines",
                    edits.len()
                )));
            }
        }
    }
    Ok(current)
}

/// The same path, old text and new text always give the same id.
fn patch_id(path: &str, before: Option<&str>, after: &str) -> String {
    let mut hash = Sha256::new();
    hash.update(path.as_bytes());
    hash.update([0]);
    match before {
        Some(before) => {
            hash.update([1]);
            hash.update(before.as_bytes());
        }
        None => hash.update([0]),
    }
    hash.update([0]);
    hash.update(after.as_bytes());
    let digest = hex::encode(hash.finalize());
    format!("p-{}", &digest[..16])
}
