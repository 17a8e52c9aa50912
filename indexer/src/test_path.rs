//! Which files are tests, by path alone: what the agent's red phase may write and its patch
//! phase must leave alone (`redgreen-tools` uses this), and what localization ranks below
//! the code an issue is about.
//!
//! Rust's inline `#[cfg(test)] mod tests` live in source files and cannot be told apart by
//! path: the red phase writes Rust tests under `tests/` (or in `*_test.rs` files), and the
//! integrity guard still counts `#[test]` functions in every changed `.rs` file.

/// Directories whose contents are test code or test data: Rust, Python and Ruby `tests/`,
/// Ruby `spec/` and `test/`, Java's `src/test/`, JavaScript's `__tests__/`, Go's `testdata/`,
/// and `testing/` (pytest's own layout, and others').
const TEST_DIRS: [&str; 6] = ["tests", "test", "testing", "spec", "__tests__", "testdata"];

/// Whether a repository-relative path (with `/`) is a test file.
///
/// - Rust: under `tests/`, or `*_test.rs`
/// - Python: `test_*.py`, `*_test.py`, `conftest.py`, or under `tests/` or `testing/`
/// - Go: `*_test.go` (and fixtures under `testdata/`)
/// - JavaScript and TypeScript: `*.test.*`, `*.spec.*`, or under `__tests__/`
/// - Java: under `src/test/`
/// - Ruby: `*_spec.rb`, `*_test.rb`, or under `spec/` or `test/`
pub fn is_test_path(path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let Some((name, dirs)) = parts.split_last() else {
        return false;
    };
    if dirs.iter().any(|dir| TEST_DIRS.contains(dir)) {
        return true;
    }
    let (stem, extension) = match name.rsplit_once('.') {
        Some((stem, extension)) => (stem, extension),
        None => (*name, ""),
    };
    match extension {
        "rs" => stem.ends_with("_test"),
        "py" | "pyi" => stem.starts_with("test_") || stem.ends_with("_test") || stem == "conftest",
        "go" => stem.ends_with("_test"),
        "rb" => stem.ends_with("_spec") || stem.ends_with("_test"),
        "js" | "jsx" | "mjs" | "cjs" | "ts" | "tsx" | "mts" | "cts" => {
            stem.ends_with(".test") || stem.ends_with(".spec")
        }
        _ => false,
    }
}
