//! `sbom_generate` through the tool box: the lockfiles of the whole repository or of one
//! part, known vulnerabilities from an OSV directory the test writes, the document written to
//! the run's artifacts (never into the work tree), and the calls it refuses.

use std::path::Path;

use redgreen_tools::{PhasePolicy, SbomSettings, ToolBox, WriteScope};
use serde_json::{Value, json};

use crate::support::repo_with;

const REQUIREMENTS: &str = "django==4.2.1\nrequests==2.31.0\n";
const CARGO_LOCK: &str = "version = 3\n\n[[package]]\nname = \"serde\"\nversion = \"1.0.200\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n";
const DJANGO_ADVISORY: &str = r#"{"id": "PYSEC-2023-100", "summary": "Django denial of service",
  "affected": [{"package": {"ecosystem": "PyPI", "name": "django"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "4.2"}, {"fixed": "4.2.2"}]}]}]}"#;

struct Fixture {
    repo: tempfile::TempDir,
    artifacts: tempfile::TempDir,
    tools: ToolBox,
}

fn fixture(osv_dir: Option<&Path>) -> Fixture {
    let repo = repo_with(&[
        ("requirements.txt", REQUIREMENTS),
        ("native/Cargo.lock", CARGO_LOCK),
        ("native/Cargo.toml", "[package]\nname = \"native\"\n"),
        ("src/app.py", "import django\n"),
    ]);
    let artifacts = tempfile::tempdir().unwrap();
    let tools = ToolBox::new(repo.path(), WriteScope::default(), String::new())
        .unwrap()
        .with_sbom(SbomSettings {
            artifacts_dir: artifacts.path().join("run-1"),
            shown_dir: "artifacts/run-1".into(),
            osv_dir: osv_dir.map(Path::to_path_buf),
            name: "acme/shop".into(),
            timestamp: "2026-12-07T08:00:00Z".into(),
        });
    Fixture {
        repo,
        artifacts,
        tools,
    }
}

async fn call(tools: &ToolBox, arguments: Value) -> Result<Value, String> {
    let result = tools
        .call(&PhasePolicy::read_only(), "sbom_generate", &arguments)
        .await;
    if result.is_error {
        Err(result.content)
    } else {
        Ok(serde_json::from_str(&result.content).unwrap())
    }
}

fn purls(output: &Value) -> Vec<&str> {
    output["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|package| package["purl"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn the_whole_repository_is_described_and_the_document_lands_in_the_artifacts() {
    let osv = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(osv.path().join("PyPI")).unwrap();
    std::fs::write(osv.path().join("PyPI/PYSEC-2023-100.json"), DJANGO_ADVISORY).unwrap();
    let fixture = fixture(Some(osv.path()));

    let output = call(&fixture.tools, json!({})).await.unwrap();
    assert_eq!(
        purls(&output),
        [
            "pkg:cargo/serde@1.0.200",
            "pkg:pypi/django@4.2.1",
            "pkg:pypi/requests@2.31.0"
        ]
    );
    assert_eq!(
        output["lockfiles"],
        json!(["native/Cargo.lock", "requirements.txt"])
    );
    assert_eq!(
        output["vulnerabilities"],
        json!([{"id": "PYSEC-2023-100", "purl": "pkg:pypi/django@4.2.1",
                "summary": "Django denial of service"}])
    );
    // Lockfiles carry no licences: unknown is an empty list, not an invention.
    assert_eq!(output["licenses"], json!([]));
    assert_eq!(output["sbom_path"], "artifacts/run-1/sbom.cdx.json");

    let written = fixture.artifacts.path().join("run-1/sbom.cdx.json");
    let bom: Value = serde_json::from_slice(&std::fs::read(&written).unwrap()).unwrap();
    redgreen_sbom::validate_bom(&bom).unwrap();
    assert_eq!(bom["specVersion"], "1.6");
    assert_eq!(bom["vulnerabilities"][0]["id"], "PYSEC-2023-100");
    // Nothing was written into the work tree (it would become part of the change).
    let mut entries: Vec<String> = walk(fixture.repo.path());
    entries.sort();
    assert_eq!(
        entries,
        [
            "native/Cargo.lock",
            "native/Cargo.toml",
            "requirements.txt",
            "src/app.py"
        ]
    );

    // The same call writes the same bytes (the run's timestamp, a content-derived serial).
    let first = std::fs::read(&written).unwrap();
    call(&fixture.tools, json!({})).await.unwrap();
    assert_eq!(std::fs::read(&written).unwrap(), first);
}

#[tokio::test]
async fn a_target_narrows_the_bill_to_a_directory_a_lockfile_or_a_manifest() {
    let fixture = fixture(None);
    for (target, file) in [
        ("native", "sbom-native.cdx.json"),
        ("native/Cargo.toml", "sbom-native_Cargo.toml.cdx.json"),
    ] {
        let output = call(&fixture.tools, json!({"target": target}))
            .await
            .unwrap();
        assert_eq!(purls(&output), ["pkg:cargo/serde@1.0.200"], "{target}");
        assert_eq!(output["lockfiles"], json!(["native/Cargo.lock"]));
        assert_eq!(output["vulnerabilities"], json!([]), "no OSV directory");
        assert!(fixture.artifacts.path().join("run-1").join(file).is_file());
    }
    let output = call(&fixture.tools, json!({"target": "requirements.txt"}))
        .await
        .unwrap();
    assert_eq!(
        purls(&output),
        ["pkg:pypi/django@4.2.1", "pkg:pypi/requests@2.31.0"]
    );
}

#[tokio::test]
async fn bad_targets_and_other_phases_are_refused() {
    let fixture = fixture(None);
    let refused = call(&fixture.tools, json!({"target": "src"}))
        .await
        .unwrap_err();
    assert!(refused.contains("no lockfile under src"), "{refused}");
    let refused = call(&fixture.tools, json!({"target": "../elsewhere"}))
        .await
        .unwrap_err();
    assert!(refused.contains("would leave the repository"), "{refused}");
    let refused = call(&fixture.tools, json!({"target": "missing"}))
        .await
        .unwrap_err();
    assert!(refused.contains("does not exist"), "{refused}");

    std::os::unix::fs::symlink("/etc", fixture.repo.path().join("etc")).unwrap();
    let refused = call(&fixture.tools, json!({"target": "etc"}))
        .await
        .unwrap_err();
    assert!(refused.contains("symbolic link"), "{refused}");

    let red = fixture
        .tools
        .call(&PhasePolicy::red(), "sbom_generate", &json!({}))
        .await;
    assert!(red.is_error && red.content.contains("not available in the red phase"));

    let without = ToolBox::new(fixture.repo.path(), WriteScope::default(), String::new()).unwrap();
    let unavailable = call(&without, json!({})).await.unwrap_err();
    assert!(unavailable.contains("not available here"), "{unavailable}");
}

/// Files under `root`, repository-relative.
fn walk(root: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let relative = path.strip_prefix(root).unwrap();
                found.push(relative.to_string_lossy().into_owned());
            }
        }
    }
    found
}
