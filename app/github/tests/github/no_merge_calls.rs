//! No code in the workspace calls the merge endpoint: neither octocrab's merge API on a pulls
//! handler nor the merge route spelled out. Only the outbound rule (which must name the
//! route to refuse it) and its tests may spell it; the test stand-in plays GitHub, which has
//! to recognise a merge attempt to flag it.

use std::path::{Path, PathBuf};

/// The route suffixes no redgreen code may spell (assembled here so this file does not).
fn forbidden_routes() -> [String; 2] {
    [
        concat!("/mer", "ge").to_owned(),
        concat!("/update", "-branch").to_owned(),
    ]
}

/// octocrab's merging methods (assembled for the same reason).
fn forbidden_methods() -> [String; 3] {
    [
        concat!(".mer", "ge(").to_owned(),
        concat!(".mer", "ge_async(").to_owned(),
        concat!(".update", "_branch(").to_owned(),
    ]
}

/// Files allowed to spell the route, relative to the workspace root.
const ALLOWED: &[&str] = &[
    "app/core/src/outbound.rs",
    "app/core/tests/core/outbound.rs",
];
/// Directories not scanned: build output, VCS data, and the GitHub stand-in.
const SKIPPED_DIRS: &[&str] = &["target", ".git", "node_modules"];
const STAND_IN: &str = "app/testkit";

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            if !SKIPPED_DIRS.contains(&name.as_str()) {
                rust_files(&path, found);
            }
        } else if name.ends_with(".rs") {
            found.push(path);
        }
    }
}

/// The text of a statement around `at`: back to the previous `;`, `{` or `}`.
fn statement_before(text: &str, at: usize) -> &str {
    let start = text[..at].rfind([';', '{', '}']).map_or(0, |i| i + 1);
    &text[start..at]
}

fn offences(relative: &str, text: &str) -> Vec<String> {
    let mut found = Vec::new();
    if !ALLOWED.contains(&relative) && !relative.starts_with(STAND_IN) {
        for route in forbidden_routes() {
            for (line, content) in text.lines().enumerate() {
                if content.contains(&route) {
                    found.push(format!("{relative}:{}: spells {route}", line + 1));
                }
            }
        }
    }
    for method in forbidden_methods() {
        for (at, _) in text.match_indices(&method) {
            // Only a pulls handler's merge is octocrab's merge API; other `.merge(` calls
            // (maps, configurations) are not GitHub calls.
            if statement_before(text, at).contains("pulls") {
                let line = text[..at].lines().count();
                found.push(format!(
                    "{relative}:{line}: calls {method} on a pulls handler"
                ));
            }
        }
    }
    found
}

#[test]
fn nothing_in_the_workspace_calls_the_merge_endpoint() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(
        files
            .iter()
            .any(|f| f.ends_with("app/core/src/outbound.rs")),
        "the scan must cover the workspace (found {} files)",
        files.len()
    );
    let mut all = Vec::new();
    for file in &files {
        let relative = file
            .strip_prefix(&root)
            .unwrap_or(file)
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(file).unwrap_or_default();
        all.extend(offences(&relative, &text));
    }
    assert!(all.is_empty(), "merge calls found:\n{}", all.join("\n"));
}

#[test]
fn the_check_catches_both_kinds_of_merge_call() {
    let route = format!("let r = \"/repos/o/r/pulls/1{}\";", forbidden_routes()[0]);
    assert_eq!(offences("app/x/src/a.rs", &route).len(), 1);
    let typed = format!(
        "async fn f(c: &Octocrab) {{ c.pulls(\"o\", \"r\"){}1).send().await; }}",
        forbidden_methods()[0]
    );
    assert_eq!(offences("app/x/src/a.rs", &typed).len(), 1);
    // Allowed: the rule itself, and an unrelated merge.
    assert!(offences("app/core/src/outbound.rs", &route).is_empty());
    let unrelated = format!("let m = a{}b);", forbidden_methods()[0]);
    assert!(offences("app/x/src/a.rs", &unrelated).is_empty());
}
