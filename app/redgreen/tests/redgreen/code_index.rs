//! `redgreen index`, `search` and `localize` as processes: a small repository in a temp dir,
//! indexed into the data dir, then searched and localized with the JSON shapes of the
//! contract.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn redgreen(data_dir: &Path, args: &[&str]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_redgreen"))
        .args(args)
        .env_clear()
        .env("REDGREEN_DATA_DIR", data_dir)
        .output()
        .expect("run redgreen");
    assert!(
        output.status.success(),
        "redgreen {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn repository(dir: &Path) {
    std::fs::create_dir_all(dir.join("billing")).unwrap();
    std::fs::write(
        dir.join("billing/invoice.py"),
        "class Invoice:\n    \"\"\"A customer's invoice.\"\"\"\n\n    def total_with_tax(self, rate):\n        return sum(self.lines) * (1 + rate)\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("billing/report.py"),
        "from billing.invoice import Invoice\n\ndef monthly_report(invoices):\n    return [i.total_with_tax(0.2) for i in invoices]\n",
    )
    .unwrap();
    std::fs::write(dir.join("README.md"), "Billing tools.\n").unwrap();
}

#[test]
fn a_repository_is_indexed_searched_and_localized_through_the_cli() {
    let repo = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    repository(repo.path());
    let repo_arg = repo.path().to_str().unwrap();

    let indexed = redgreen(data.path(), &["index", repo_arg]);
    let summary = String::from_utf8(indexed.stdout).unwrap();
    assert!(summary.contains("indexed"), "{summary}");
    assert!(
        data.path().join("index").is_dir(),
        "the index lives under the data dir"
    );

    let search = redgreen(
        data.path(),
        &[
            "search",
            "--repo",
            repo_arg,
            "--mode",
            "symbol",
            "--json",
            "total_with_tax",
        ],
    );
    let hits: Value = serde_json::from_slice(&search.stdout).unwrap();
    let first = &hits["hits"][0];
    assert_eq!(first["path"], "billing/invoice.py", "{hits}");
    assert_eq!(first["start_line"], 4, "{hits}");

    let localized = redgreen(
        data.path(),
        &[
            "localize",
            "--repo",
            repo_arg,
            "--issue",
            "Invoice.total_with_tax ignores the tax rate in the monthly report",
            "--limit",
            "2",
            "--json",
        ],
    );
    let ranked: Value = serde_json::from_slice(&localized.stdout).unwrap();
    let files = ranked["files"].as_array().unwrap();
    assert!(!files.is_empty() && files.len() <= 2, "{ranked}");
    assert_eq!(files[0]["path"], "billing/invoice.py", "{ranked}");
    let symbol = &files[0]["symbols"][0];
    for key in ["name", "kind", "start_line", "end_line", "score"] {
        assert!(symbol.get(key).is_some(), "symbol without {key}: {ranked}");
    }
    assert!(files[0]["score"].is_number(), "{ranked}");
}
