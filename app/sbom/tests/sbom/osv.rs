//! Known vulnerabilities from a local OSV directory: explicit versions, SEMVER and
//! ECOSYSTEM ranges, `<ecosystem>/<id>.json` and flat layouts.

use std::path::Path;

use redgreen_sbom::{Component, Ecosystem, OsvDatabase, SbomOptions, from_lockfiles, validate_bom};

use super::fixtures::*;

fn write(dir: &Path, relative: &str, json: &str) {
    let path = dir.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, json).unwrap();
}

fn database() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "npm/GHSA-lodash.json",
        r#"{
      "id": "GHSA-35jh-r3h4-6jhm", "summary": "Command injection in lodash",
      "aliases": ["CVE-2021-23337"],
      "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H"}],
      "affected": [{"package": {"ecosystem": "npm", "name": "lodash"},
        "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "4.17.21"}]}]}]}"#,
    );
    write(
        dir.path(),
        "crates.io/RUSTSEC-time.json",
        r#"{
      "id": "RUSTSEC-2020-0071", "summary": "Potential segfault in the time crate",
      "affected": [{"package": {"ecosystem": "crates.io", "name": "time"},
        "ranges": [{"type": "SEMVER", "events": [{"introduced": "0.2.7"}, {"fixed": "0.2.23"}, {"introduced": "0.3.0"}, {"last_affected": "0.3.20"}]}]}]}"#,
    );
    write(
        dir.path(),
        "PYSEC-django.json",
        r#"{
      "id": "PYSEC-2023-100", "summary": "Django denial of service",
      "affected": [{"package": {"ecosystem": "PyPI", "name": "django"},
        "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "4.2"}, {"fixed": "4.2.2"}]}]}]}"#,
    );
    write(
        dir.path(),
        "PyPI/PYSEC-flask.json",
        r#"{
      "id": "PYSEC-2023-62", "summary": "Flask session cookie disclosure",
      "affected": [{"package": {"ecosystem": "PyPI", "name": "Flask"}, "versions": ["2.2.4", "2.2.5"]}]}"#,
    );
    write(
        dir.path(),
        "Go/GO-unrelated.json",
        r#"{
      "id": "GO-2022-0001", "summary": "Not affecting v0.3.7",
      "affected": [{"package": {"ecosystem": "Go", "name": "golang.org/x/text"},
        "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "0.3.7"}]}]}]}"#,
    );
    dir
}

#[test]
fn records_match_by_ecosystem_name_and_version_range() {
    let dir = database();
    let db = OsvDatabase::load(dir.path()).unwrap();
    assert_eq!(db.records, 5);
    let ids = |ecosystem, name: &str, version: &str| -> Vec<String> {
        db.findings(&Component::new(ecosystem, name, version, "x"))
            .into_iter()
            .map(|f| f.id)
            .collect()
    };
    assert_eq!(
        ids(Ecosystem::Npm, "lodash", "4.17.20"),
        ["GHSA-35jh-r3h4-6jhm"]
    );
    assert!(
        ids(Ecosystem::Npm, "lodash", "4.17.21").is_empty(),
        "fixed is exclusive"
    );
    assert_eq!(
        ids(Ecosystem::Cargo, "time", "0.3.20"),
        ["RUSTSEC-2020-0071"],
        "last_affected is inclusive"
    );
    assert!(ids(Ecosystem::Cargo, "time", "0.3.21").is_empty());
    assert!(
        ids(Ecosystem::Cargo, "time", "0.2.23").is_empty(),
        "between the two ranges"
    );
    assert_eq!(
        ids(Ecosystem::Cargo, "time", "0.2.8"),
        ["RUSTSEC-2020-0071"]
    );
    assert_eq!(
        ids(Ecosystem::PyPI, "Django", "4.2.0"),
        ["PYSEC-2023-100"],
        "names compare per PEP 503"
    );
    assert_eq!(
        ids(Ecosystem::PyPI, "flask", "2.2.5"),
        ["PYSEC-2023-62"],
        "explicit versions"
    );
    assert!(ids(Ecosystem::Go, "golang.org/x/text", "v0.3.7").is_empty());
    assert!(
        ids(Ecosystem::Npm, "time", "0.3.20").is_empty(),
        "ecosystems do not mix"
    );
}

#[test]
fn findings_appear_in_the_valid_bom() {
    let dir = database();
    let files: Vec<(String, String)> = [
        ("Cargo.lock", CARGO_LOCK),
        ("package-lock.json", PACKAGE_LOCK_V3),
        ("requirements.txt", REQUIREMENTS),
    ]
    .iter()
    .map(|(p, t)| (p.to_string(), t.to_string()))
    .collect();
    let options = SbomOptions {
        name: "acme/shop",
        timestamp: "2026-11-23T00:00:00Z",
        osv_dir: Some(dir.path()),
    };
    let sbom = from_lockfiles(&files, &options).unwrap();
    validate_bom(&sbom.bom).unwrap();
    let ids: Vec<&str> = sbom.findings.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(
        ids,
        ["GHSA-35jh-r3h4-6jhm", "PYSEC-2023-62", "RUSTSEC-2020-0071"]
    );
    let vulnerabilities = sbom.bom["vulnerabilities"].as_array().unwrap();
    assert_eq!(vulnerabilities.len(), 3);
    let lodash = &vulnerabilities[0];
    assert_eq!(lodash["affects"][0]["ref"], "pkg:npm/lodash@4.17.20");
    assert_eq!(lodash["ratings"][0]["method"], "CVSSv31");
    assert_eq!(lodash["references"][0]["id"], "CVE-2021-23337");
}

#[test]
fn a_broken_record_names_its_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "npm/bad.json", "{ not json");
    let error = OsvDatabase::load(dir.path()).unwrap_err();
    assert!(error.to_string().contains("bad.json"), "{error}");
    let missing = OsvDatabase::load(&dir.path().join("nope")).unwrap_err();
    assert!(missing.to_string().contains("nope"));
}
