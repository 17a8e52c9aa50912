//! The BOM validates against the official CycloneDX 1.6 schema and is deterministic.

use redgreen_sbom::{SbomOptions, from_lockfiles, validate_bom};

use super::fixtures::*;

fn files() -> Vec<(String, String)> {
    [
        ("Cargo.lock", CARGO_LOCK),
        ("web/package-lock.json", PACKAGE_LOCK_V3),
        ("web/yarn.lock", YARN_V1),
        ("py/poetry.lock", POETRY_LOCK),
        ("py/requirements.txt", REQUIREMENTS),
        ("go.sum", GO_SUM),
    ]
    .iter()
    .map(|(p, t)| (p.to_string(), t.to_string()))
    .collect()
}

const OPTIONS: SbomOptions<'static> = SbomOptions {
    name: "acme/shop",
    timestamp: "2026-11-23T00:00:00Z",
    osv_dir: None,
};

#[test]
fn the_bom_is_valid_cyclonedx_1_6() {
    let sbom = from_lockfiles(&files(), &OPTIONS).unwrap();
    validate_bom(&sbom.bom).unwrap();
    assert_eq!(sbom.bom["specVersion"], "1.6");
    assert_eq!(sbom.bom["metadata"]["timestamp"], "2026-11-23T00:00:00Z");
    // requests 2.31.0 is pinned by both poetry.lock and requirements.txt: one component.
    assert_eq!(sbom.components.len(), 13);
    // lodash 4.17.20 (package-lock) and 4.17.21 (yarn.lock) are two components.
    let lodash: Vec<&str> = sbom
        .components
        .iter()
        .filter(|c| c.name == "lodash")
        .map(|c| c.version.as_str())
        .collect();
    assert_eq!(lodash, ["4.17.20", "4.17.21"]);
    let scoped = sbom.bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "core")
        .unwrap();
    assert_eq!(scoped["group"], "@babel");
    assert_eq!(sbom.lockfiles.len(), 6);
}

#[test]
fn the_same_lockfiles_give_byte_identical_boms_and_others_a_new_serial() {
    let a = from_lockfiles(&files(), &OPTIONS).unwrap().to_json_string();
    let b = from_lockfiles(&files(), &OPTIONS).unwrap().to_json_string();
    assert_eq!(a, b);
    let mut fewer = files();
    fewer.pop();
    let c = from_lockfiles(&fewer, &OPTIONS).unwrap();
    let serial = |text: &str| {
        serde_json::from_str::<serde_json::Value>(text).unwrap()["serialNumber"].clone()
    };
    assert_ne!(serial(&a), c.bom["serialNumber"]);
    assert!(serial(&a).as_str().unwrap().starts_with("urn:uuid:"));
}

#[test]
fn an_invalid_bom_is_refused() {
    let sbom = from_lockfiles(&files(), &OPTIONS).unwrap();
    let mut bom = sbom.bom.clone();
    bom["bomFormat"] = "SPDX".into();
    assert!(validate_bom(&bom).is_err());
    let mut bom = sbom.bom.clone();
    bom["components"][0]["type"] = "spaceship".into();
    let error = validate_bom(&bom).unwrap_err();
    assert!(error.to_string().contains("/components/0/type"), "{error}");
}

#[test]
fn golden_bom() {
    let sbom = from_lockfiles(&files(), &OPTIONS).unwrap();
    insta::assert_snapshot!(sbom.to_json_string());
}

#[test]
fn a_component_pinned_by_two_lockfiles_lists_both() {
    let sbom = from_lockfiles(&files(), &OPTIONS).unwrap();
    let requests = sbom
        .components
        .iter()
        .find(|c| c.name == "requests")
        .unwrap();
    assert_eq!(requests.sources, ["py/poetry.lock", "py/requirements.txt"]);
}

#[test]
fn a_timestamp_that_is_not_rfc_3339_is_refused() {
    let options = SbomOptions {
        timestamp: "yesterday",
        ..OPTIONS
    };
    let error = from_lockfiles(&files(), &options).unwrap_err();
    assert!(error.to_string().contains("/metadata/timestamp"), "{error}");
}
