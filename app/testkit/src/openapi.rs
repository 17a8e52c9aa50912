//! The GitHub REST contract the stand-in holds every request to: operations from
//! `testdata/github/rest-openapi-subset.json`, their path templates, query parameters and
//! request-body schemas (OpenAPI 3.0, converted to JSON Schema draft 4 for `jsonschema`).

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use percent_encoding::percent_decode_str;
use serde_json::{Map, Value, json};

use crate::error::TestkitError;

/// Where the subset lives, relative to this crate (`testdata/` at the repository's root).
fn spec_path() -> String {
    format!(
        "{}/../../testdata/github/rest-openapi-subset.json",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// Operations GitHub documents that the stand-in serves although the subset file lacks them.
/// `GET /app/installations/{installation_id}` is the App-level installation lookup; the merge
/// endpoint is absent from the subset on purpose and is handled (and flagged) separately.
const SUPPLEMENTARY_OPERATIONS: &[(&str, &str, &str)] = &[(
    "GET",
    "/app/installations/{installation_id}",
    "apps/get-installation",
)];

/// One operation: method, template, parameters and the compiled body validator.
pub(crate) struct Operation {
    pub id: String,
    pub method: String,
    pub template: String,
    segments: Vec<Segment>,
    query: BTreeMap<String, jsonschema::Validator>,
    body: Option<Body>,
    /// Success statuses and the schema of their JSON answer: the stand-in's own answers are
    /// checked against them (see `GitHubStandIn::answer_mismatches`).
    responses: Vec<(u16, jsonschema::Validator)>,
}

struct Body {
    required: bool,
    validator: jsonschema::Validator,
}

enum Segment {
    Literal(String),
    /// A path parameter; `greedy` ones (`ref`, `path`, `branch`) may span several segments
    /// because GitHub accepts git ref names and file paths with their slashes unencoded.
    Param {
        name: String,
        greedy: bool,
        integer: bool,
    },
}

/// The matched operation and the decoded path parameters.
pub(crate) struct Matched {
    pub operation: Arc<Operation>,
    pub params: BTreeMap<String, String>,
}

/// The whole loaded contract.
pub(crate) struct Contract {
    operations: Vec<Arc<Operation>>,
    /// `components/examples`, by name: real GitHub responses the stand-in's answers start from.
    examples: Map<String, Value>,
}

/// Loaded once per process: compiling ~40 validators is cheap, but every test starts a stand-in.
pub(crate) fn contract() -> Result<&'static Contract, TestkitError> {
    static CONTRACT: OnceLock<Result<Contract, TestkitError>> = OnceLock::new();
    CONTRACT
        .get_or_init(|| {
            let path = spec_path();
            let text = std::fs::read_to_string(&path).map_err(|source| TestkitError::Spec {
                reason: format!("cannot read {path}: {source}"),
            })?;
            let document: Value =
                serde_json::from_str(&text).map_err(|source| TestkitError::Spec {
                    reason: format!("{path} is not JSON: {source}"),
                })?;
            Contract::from_document(&document)
        })
        .as_ref()
        .map_err(Clone::clone)
}

impl Contract {
    fn from_document(document: &Value) -> Result<Contract, TestkitError> {
        let components = document.get("components").cloned().unwrap_or(json!({}));
        let converted_components = convert_schema(&components, false);
        let mut operations = Vec::new();
        let paths = document
            .get("paths")
            .and_then(Value::as_object)
            .ok_or_else(|| TestkitError::Spec {
                reason: "no `paths` object".into(),
            })?;
        for (template, item) in paths {
            let shared_parameters = item
                .get("parameters")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for method in ["get", "post", "put", "patch", "delete"] {
                let Some(operation) = item.get(method) else {
                    continue;
                };
                operations.push(Arc::new(Operation::from_spec(
                    method,
                    template,
                    operation,
                    &shared_parameters,
                    document,
                    &converted_components,
                )?));
            }
        }
        for (method, template, id) in SUPPLEMENTARY_OPERATIONS {
            operations.push(Arc::new(Operation {
                id: (*id).to_string(),
                method: (*method).to_string(),
                template: (*template).to_string(),
                segments: parse_template(template, &BTreeMap::new()),
                query: BTreeMap::new(),
                body: None,
                responses: Vec::new(),
            }));
        }
        let examples = document
            .pointer("/components/examples")
            .and_then(Value::as_object)
            .map(|named| {
                named
                    .iter()
                    .filter_map(|(name, example)| {
                        example
                            .get("value")
                            .map(|value| (name.clone(), value.clone()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(Contract {
            operations,
            examples,
        })
    }

    /// The operation for this method and path. When several templates match (`/issues/comments/1`
    /// against `/issues/{issue_number}/...`), the one with the most literal segments wins, as
    /// GitHub's router does.
    pub(crate) fn find(&self, method: &str, path: &str) -> Option<Matched> {
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let mut best: Option<(usize, Matched)> = None;
        for operation in &self.operations {
            if !operation.method.eq_ignore_ascii_case(method) {
                continue;
            }
            let mut params = BTreeMap::new();
            if match_segments(&operation.segments, &segments, &mut params) {
                let literals = operation
                    .segments
                    .iter()
                    .filter(|segment| matches!(segment, Segment::Literal(_)))
                    .count();
                if best.as_ref().is_none_or(|(count, _)| literals > *count) {
                    best = Some((
                        literals,
                        Matched {
                            operation: Arc::clone(operation),
                            params,
                        },
                    ));
                }
            }
        }
        best.map(|(_, matched)| matched)
    }

    /// The named example from `components/examples` (`Null` if the file lacks it, which the
    /// stand-in's own tests would catch).
    pub(crate) fn example(&self, name: &str) -> Value {
        self.examples.get(name).cloned().unwrap_or(Value::Null)
    }
}

impl Operation {
    fn from_spec(
        method: &str,
        template: &str,
        operation: &Value,
        shared_parameters: &[Value],
        document: &Value,
        converted_components: &Value,
    ) -> Result<Operation, TestkitError> {
        let id = operation
            .get("operationId")
            .and_then(Value::as_str)
            .unwrap_or(template)
            .to_string();
        let mut path_types = BTreeMap::new();
        let mut query = BTreeMap::new();
        let own_parameters = operation
            .get("parameters")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for parameter in shared_parameters.iter().chain(own_parameters.iter()) {
            let parameter = resolve_ref(document, parameter);
            let name = parameter.get("name").and_then(Value::as_str).unwrap_or("");
            let schema = parameter.get("schema").cloned().unwrap_or(json!({}));
            match parameter.get("in").and_then(Value::as_str) {
                Some("path") => {
                    path_types.insert(
                        name.to_string(),
                        schema.get("type").and_then(Value::as_str) == Some("integer"),
                    );
                }
                Some("query") => {
                    let validator = compile(
                        &convert_schema(&schema, false),
                        converted_components,
                        &format!("{id} query `{name}`"),
                    )?;
                    query.insert(name.to_string(), validator);
                }
                _ => {}
            }
        }
        let body = match operation.get("requestBody") {
            Some(request_body) => {
                let request_body = resolve_ref(document, request_body);
                let schema = request_body
                    .pointer("/content/application~1json/schema")
                    .cloned()
                    .unwrap_or(json!({}));
                Some(Body {
                    required: request_body.get("required").and_then(Value::as_bool) == Some(true),
                    validator: compile(
                        &convert_schema(&schema, true),
                        converted_components,
                        &format!("{id} request body"),
                    )?,
                })
            }
            None => None,
        };
        let mut responses = Vec::new();
        if let Some(declared) = operation.get("responses").and_then(Value::as_object) {
            for (status, response) in declared {
                let Ok(status) = status.parse::<u16>() else {
                    continue;
                };
                if !(200..300).contains(&status) {
                    continue;
                }
                let response = resolve_ref(document, response);
                if let Some(schema) = response.pointer("/content/application~1json/schema") {
                    responses.push((
                        status,
                        compile(
                            &convert_schema(schema, false),
                            converted_components,
                            &format!("{id} {status} response"),
                        )?,
                    ));
                }
            }
        }
        Ok(Operation {
            id,
            method: method.to_ascii_uppercase(),
            template: template.to_string(),
            segments: parse_template(template, &path_types),
            query,
            body,
            responses,
        })
    }

    /// Contract mismatches of one request: unknown or ill-typed query parameters, a missing,
    /// unexpected or invalid JSON body. Empty when the request is what GitHub documents.
    pub(crate) fn check_request(
        &self,
        query: Option<&str>,
        body: Option<&Value>,
        params: &BTreeMap<String, String>,
    ) -> Vec<String> {
        let mut problems = Vec::new();
        for segment in &self.segments {
            if let Segment::Param {
                name,
                integer: true,
                ..
            } = segment
                && params.get(name).is_some_and(|v| v.parse::<i64>().is_err())
            {
                problems.push(format!("path parameter `{name}` must be an integer"));
            }
        }
        for (name, raw) in form_pairs(query.unwrap_or("")) {
            match self.query.get(&name) {
                None => problems.push(format!("unknown query parameter `{name}`")),
                Some(validator) => {
                    // Query values arrive as text; a number is only a number if it parses.
                    let value = raw
                        .parse::<i64>()
                        .map(Value::from)
                        .unwrap_or(Value::String(raw.clone()));
                    let value = if validator.is_valid(&value) {
                        value
                    } else {
                        Value::String(raw.clone())
                    };
                    for error in validator.iter_errors(&value) {
                        problems.push(format!("query parameter `{name}`={raw:?}: {error}"));
                    }
                }
            }
        }
        match (&self.body, body) {
            (Some(spec), Some(value)) => {
                for error in spec.validator.iter_errors(value) {
                    problems.push(format!(
                        "body at `{}`: {}",
                        error.instance_path(),
                        shortened(&error.to_string())
                    ));
                }
            }
            (Some(spec), None) if spec.required => {
                problems.push("request body is required".to_string());
            }
            (None, Some(_)) => problems.push("this operation takes no request body".to_string()),
            _ => {}
        }
        problems
    }
}

impl Operation {
    /// Where an answer of the stand-in departs from the documented response schema.
    pub(crate) fn check_response(&self, status: u16, body: &Value) -> Vec<String> {
        self.responses
            .iter()
            .filter(|(documented, _)| *documented == status)
            .flat_map(|(_, validator)| {
                validator
                    .iter_errors(body)
                    .map(|error| format!("answer at `{}`: {error}", error.instance_path()))
                    .collect::<Vec<_>>()
            })
            .collect()
    }
}

/// Errors quote the offending value; a 50-annotation array would drown the message.
fn shortened(message: &str) -> String {
    const LIMIT: usize = 300;
    if message.len() <= LIMIT {
        return message.to_string();
    }
    let mut cut = LIMIT;
    while !message.is_char_boundary(cut) {
        cut -= 1;
    }
    let tail_start = message
        .char_indices()
        .rev()
        .nth(60)
        .map_or(message.len(), |(at, _)| at);
    format!("{} … {}", &message[..cut], &message[tail_start.max(cut)..])
}

fn resolve_ref<'a>(document: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => document
            .pointer(reference.trim_start_matches('#'))
            .unwrap_or(value),
        None => value,
    }
}

fn compile(
    schema: &Value,
    components: &Value,
    what: &str,
) -> Result<jsonschema::Validator, TestkitError> {
    // `#/components/...` references resolve against the root document, so the converted
    // components travel inside every root schema.
    let mut root = schema.clone();
    if let Value::Object(map) = &mut root {
        map.insert("components".into(), components.clone());
    } else {
        root = json!({ "allOf": [schema], "components": components });
    }
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .should_ignore_unknown_formats(true)
        .build(&root)
        .map_err(|error| TestkitError::Spec {
            reason: format!("{what}: cannot compile schema: {error}"),
        })
}

/// OpenAPI 3.0 schema → JSON Schema: `nullable: true` admits `null`. With `strict`, objects
/// that list their `properties` refuse others: GitHub silently ignores an unknown field, which
/// in a client is a bug (a misspelt `in_reply_to` posts a new thread instead of a reply).
fn convert_schema(schema: &Value, strict: bool) -> Value {
    convert(schema, strict, false)
}

fn convert(schema: &Value, strict: bool, in_all_of: bool) -> Value {
    match schema {
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| convert(item, strict, in_all_of))
                .collect(),
        ),
        Value::Object(map) => {
            let mut out = Map::new();
            for (key, value) in map {
                let child_in_all_of = key == "allOf";
                let converted = match key.as_str() {
                    // Literal data, not schemas.
                    "example" | "examples" | "enum" | "default" | "required" | "description" => {
                        value.clone()
                    }
                    _ => convert(value, strict, child_in_all_of),
                };
                out.insert(key.clone(), converted);
            }
            if strict
                && !in_all_of
                && out.contains_key("properties")
                && !out.contains_key("additionalProperties")
            {
                out.insert("additionalProperties".into(), Value::Bool(false));
            }
            if out.remove("nullable") == Some(Value::Bool(true)) {
                return admit_null(out);
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

fn admit_null(mut schema: Map<String, Value>) -> Value {
    if let Some(enumeration) = schema.get_mut("enum").and_then(Value::as_array_mut)
        && !enumeration.contains(&Value::Null)
    {
        enumeration.push(Value::Null);
    }
    match schema.get("type").cloned() {
        Some(Value::String(kind)) => {
            schema.insert("type".into(), json!([kind, "null"]));
            Value::Object(schema)
        }
        Some(Value::Array(mut kinds)) => {
            if !kinds.contains(&json!("null")) {
                kinds.push(json!("null"));
            }
            schema.insert("type".into(), Value::Array(kinds));
            Value::Object(schema)
        }
        _ => json!({ "anyOf": [{ "type": "null" }, Value::Object(schema)] }),
    }
}

fn parse_template(template: &str, integer_params: &BTreeMap<String, bool>) -> Vec<Segment> {
    template
        .trim_start_matches('/')
        .split('/')
        .map(
            |segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => Segment::Param {
                    greedy: matches!(name, "ref" | "path" | "branch"),
                    integer: integer_params.get(name).copied().unwrap_or(false),
                    name: name.to_string(),
                },
                None => Segment::Literal(segment.to_string()),
            },
        )
        .collect()
}

fn match_segments(
    template: &[Segment],
    path: &[&str],
    params: &mut BTreeMap<String, String>,
) -> bool {
    let Some((first, rest)) = template.split_first() else {
        return path.is_empty();
    };
    let Some((head, tail)) = path.split_first() else {
        return false;
    };
    match first {
        Segment::Literal(literal) => literal == head && match_segments(rest, tail, params),
        Segment::Param {
            name,
            greedy: false,
            integer,
        } => {
            if head.is_empty() || (*integer && head.parse::<u64>().is_err()) {
                return false;
            }
            params.insert(name.clone(), decode(head));
            match_segments(rest, tail, params) || {
                params.remove(name);
                false
            }
        }
        Segment::Param {
            name, greedy: true, ..
        } => {
            // Longest first: a ref may itself contain a segment equal to the next literal.
            for taken in (1..=path.len()).rev() {
                let value: Vec<String> = path[..taken].iter().map(|s| decode(s)).collect();
                if value.iter().any(String::is_empty) {
                    continue;
                }
                params.insert(name.clone(), value.join("/"));
                if match_segments(rest, &path[taken..], params) {
                    return true;
                }
            }
            params.remove(name);
            false
        }
    }
}

fn decode(segment: &str) -> String {
    percent_decode_str(segment).decode_utf8_lossy().into_owned()
}

/// `a=1&b=x%20y` → pairs, decoded (`+` is a space in query strings).
pub(crate) fn form_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (
                decode(&name.replace('+', " ")),
                decode(&value.replace('+', " ")),
            )
        })
        .collect()
}
