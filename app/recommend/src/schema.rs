//! JSON Schema validation of catalog files and outputs with the `jsonschema` crate, offline:
//! every schema used here is self-contained and embedded.

use serde_json::Value;

use crate::error::RecommendError;

/// Validates `value` against `schema_text`; the error names the file, the failing value's
/// JSON pointer and the schema's message.
pub(crate) fn validate(file: &str, schema_text: &str, value: &Value) -> Result<(), RecommendError> {
    let problem = |message: String| RecommendError::Catalog {
        file: file.to_string(),
        message,
    };
    let schema: Value = serde_json::from_str(schema_text)
        .map_err(|error| problem(format!("its schema is not JSON: {error}")))?;
    let validator = jsonschema::options()
        .offline()
        .build(&schema)
        .map_err(|error| problem(format!("its schema does not compile: {error}")))?;
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|error| format!("{} (at `{}`)", error, error.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(problem(errors.join("; ")))
    }
}
