//! The CycloneDX 1.6 JSON document, and its validation against the official schema
//! (`schemas/cyclonedx/bom-1.6.schema.json` with the `spdx` and `jsf` schemas it references,
//! from the CycloneDX specification repository, Apache-2.0). Deterministic: the serial
//! number is derived from the content and the timestamp is an input.

use std::sync::LazyLock;

use redgreen_core::canonical_json::sorted;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::component::Component;
use crate::error::SbomError;
use crate::osv::{Finding, OsvDatabase};

const BOM_SCHEMA: &str = include_str!("../../../schemas/cyclonedx/bom-1.6.schema.json");
const SPDX_SCHEMA: &str = include_str!("../../../schemas/cyclonedx/spdx.schema.json");
const JSF_SCHEMA: &str = include_str!("../../../schemas/cyclonedx/jsf-0.82.schema.json");

/// The schema compiled once, offline, with its two referenced schemas registered under the
/// URIs the BOM schema resolves them to. A failure is a build defect, reported per call.
static VALIDATOR: LazyLock<Result<jsonschema::Validator, String>> = LazyLock::new(|| {
    let parse = |text: &str| serde_json::from_str::<Value>(text).map_err(|e| e.to_string());
    let (bom, spdx, jsf) = (parse(BOM_SCHEMA)?, parse(SPDX_SCHEMA)?, parse(JSF_SCHEMA)?);
    let registry = jsonschema::Registry::new()
        .add("http://cyclonedx.org/schema/spdx.schema.json", spdx)
        .and_then(|r| r.add("http://cyclonedx.org/schema/jsf-0.82.schema.json", jsf))
        .and_then(|r| r.prepare())
        .map_err(|e| e.to_string())?;
    jsonschema::options()
        .offline()
        .with_registry(&registry)
        .build(&bom)
        .map_err(|e| e.to_string())
});

/// What the BOM says about the thing it describes.
#[derive(Debug, Clone, Copy)]
pub struct BomMetadata<'a> {
    /// The repository (the BOM's root component).
    pub name: &'a str,
    /// RFC 3339, passed in (never read from a clock).
    pub timestamp: &'a str,
}

/// Checks a BOM against the CycloneDX 1.6 JSON schema.
pub fn validate_bom(bom: &Value) -> Result<(), SbomError> {
    let validator = VALIDATOR
        .as_ref()
        .map_err(|e| SbomError::Schema(format!("the schema does not load: {e}")))?;
    let errors: Vec<String> = validator
        .iter_errors(bom)
        .map(|error| format!("{error} (at `{}`)", error.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(SbomError::Schema(errors.join("; ")))
    }
}

fn rating(kind: &str, vector: &str) -> Value {
    let method = match kind {
        "CVSS_V2" => "CVSSv2",
        "CVSS_V3" if vector.starts_with("CVSS:3.1") => "CVSSv31",
        "CVSS_V3" => "CVSSv3",
        "CVSS_V4" => "CVSSv4",
        _ => "other",
    };
    json!({ "source": { "name": "OSV" }, "method": method, "vector": vector })
}

/// Builds the BOM for sorted, de-duplicated components and their findings.
pub(crate) fn build(
    components: &[Component],
    findings: &[Finding],
    osv: Option<&OsvDatabase>,
    metadata: BomMetadata<'_>,
) -> Value {
    let component_json: Vec<Value> = components
        .iter()
        .map(|component| {
            let purl = component.purl();
            let (group, name) = component.group_and_name();
            let mut value = json!({
                "type": "library",
                "bom-ref": purl,
                "name": name,
                "version": component.version,
                "purl": purl,
                "properties": component.sources.iter().map(|source| json!({
                    "name": "redgreen:lockfile",
                    "value": source,
                })).collect::<Vec<_>>(),
            });
            if let (Some(group), Some(object)) = (group, value.as_object_mut()) {
                object.insert("group".to_string(), Value::String(group));
            }
            value
        })
        .collect();
    // One vulnerability entry per record, affecting every component it matched.
    let mut ids: Vec<&str> = findings.iter().map(|f| f.id.as_str()).collect();
    ids.dedup();
    let vulnerabilities: Vec<Value> = ids
        .iter()
        .map(|id| {
            let affects: Vec<Value> = findings
                .iter()
                .filter(|f| f.id == *id)
                .map(|f| json!({ "ref": f.purl }))
                .collect();
            let record = osv.and_then(|db| db.record(id));
            let mut entry = json!({
                "bom-ref": format!("vuln:{id}"),
                "id": id,
                "source": { "name": "OSV", "url": format!("https://osv.dev/vulnerability/{id}") },
                "affects": affects,
            });
            if let Some(object) = entry.as_object_mut() {
                if let Some(summary) = record.and_then(|r| r.summary.clone()) {
                    object.insert("description".to_string(), Value::String(summary));
                }
                if let Some(details) = record.and_then(|r| r.details.clone()) {
                    object.insert("detail".to_string(), Value::String(details));
                }
                let ratings: Vec<Value> = record
                    .map(|r| {
                        r.severity
                            .iter()
                            .map(|s| rating(&s.kind, &s.score))
                            .collect()
                    })
                    .unwrap_or_default();
                if !ratings.is_empty() {
                    object.insert("ratings".to_string(), Value::Array(ratings));
                }
                let references: Vec<Value> = record
                    .map(|r| {
                        r.aliases
                            .iter()
                            .map(|alias| json!({ "id": alias, "source": { "name": "OSV alias" } }))
                            .collect()
                    })
                    .unwrap_or_default();
                if !references.is_empty() {
                    object.insert("references".to_string(), Value::Array(references));
                }
            }
            entry
        })
        .collect();
    // The serial number is a v8 UUID from a digest of everything else, so the same inputs
    // give the same document and different inputs a different serial.
    let mut bom = json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": {
            "timestamp": metadata.timestamp,
            "tools": { "components": [{
                "type": "application",
                "name": "redgreen-sbom",
                "version": env!("CARGO_PKG_VERSION"),
            }] },
            "component": { "type": "application", "bom-ref": "root", "name": metadata.name },
        },
        "components": component_json,
    });
    if !vulnerabilities.is_empty()
        && let Some(object) = bom.as_object_mut()
    {
        object.insert("vulnerabilities".to_string(), Value::Array(vulnerabilities));
    }
    // Keys sorted, so the bytes (and the serial digested from them) do not depend on
    // serde_json's features in the build.
    let mut bom = sorted(bom);
    if let Some(object) = bom.as_object_mut() {
        let digest = Sha256::digest(bom_bytes(object));
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        object.insert(
            "serialNumber".to_string(),
            Value::String(format!("urn:uuid:{}", uuid::Uuid::new_v8(bytes))),
        );
    }
    sorted(bom)
}

fn bom_bytes(object: &serde_json::Map<String, Value>) -> Vec<u8> {
    serde_json::to_vec(object).unwrap_or_default()
}
