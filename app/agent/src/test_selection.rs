//! Which tests verify a change under `verify: affected`: every test file the run touched and
//! every test file that reaches a changed file through the code index's graph in
//! [`REACH_STEPS`] step; or the whole suite, and why, where that selection cannot be trusted.

use std::collections::BTreeSet;

use redgreen_core::work::TestSelection;
use redgreen_indexer::{Index, Language, is_test_path};

/// How far a test file may be from a changed file: it imports it or uses a name it defines.
/// On sympy's 15 dev instances two steps selected a median of about half the test files (4%
/// to 97%: nearly everything imports a file that imports the changed one), one step a median
/// of 1.5% (at most 28%); docs/benchmarks.md has the table.
pub(crate) const REACH_STEPS: usize = 1;

/// Files whose change can alter any test: build and dependency manifests, the test runner's
/// configuration and shared fixtures, and redgreen's own configuration (the test command).
const WHOLE_SUITE_FILES: [&str; 24] = [
    "conftest.py",
    "pytest.ini",
    "tox.ini",
    "setup.cfg",
    "setup.py",
    "pyproject.toml",
    "noxfile.py",
    "Pipfile",
    "Pipfile.lock",
    "poetry.lock",
    "uv.lock",
    "package.json",
    "package-lock.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "tsconfig.json",
    "Cargo.toml",
    "Cargo.lock",
    "go.mod",
    "go.sum",
    "Makefile",
    "pom.xml",
    "build.gradle",
    "redgreen.yml",
];
/// Name prefixes with the same effect (`requirements-dev.txt`, `jest.config.js`).
const WHOLE_SUITE_PREFIXES: [&str; 4] = [
    "requirements",
    "jest.config",
    "vitest.config",
    "babel.config",
];
/// Directories of shared test data and fixtures.
const FIXTURE_DIRS: [&str; 3] = ["fixtures", "testdata", "test_data"];
/// Text that is neither code nor configuration: changing it selects nothing.
const PROSE_EXTENSIONS: [&str; 5] = ["md", "rst", "txt", "adoc", "html"];

/// The tests to run for a change touching `changed` (repository-relative paths, both sides of
/// a rename), in the tree `index` describes.
pub(crate) fn select(index: &Index, changed: &BTreeSet<String>) -> TestSelection {
    let mut code = Vec::new();
    let mut touched_tests = BTreeSet::new();
    for path in changed {
        let name = path.rsplit('/').next().unwrap_or(path);
        if WHOLE_SUITE_FILES.contains(&name)
            || WHOLE_SUITE_PREFIXES.iter().any(|p| name.starts_with(p))
            || path.split('/').any(|dir| FIXTURE_DIRS.contains(&dir))
        {
            return whole_suite(format!(
                "`{path}` changed, and a build, dependency or test-configuration file can \
                 change any test"
            ));
        }
        let extension = name.rsplit_once('.').map_or("", |(_, e)| e);
        // Prose outside the tests changes no test; a text file among the tests may be data
        // a test reads, and is judged below as any file the index does not parse.
        if PROSE_EXTENSIONS.contains(&extension) && !is_test_path(path) {
            continue;
        }
        if Language::from_path(path.as_ref()).is_none() {
            return whole_suite(format!(
                "`{path}` changed, in a language the code index does not parse, so which \
                 tests use it is unknown"
            ));
        }
        if is_test_path(path) {
            touched_tests.insert(path.clone());
        } else {
            code.push(path.clone());
        }
    }
    let indexed: BTreeSet<&str> = index.paths().collect();
    let reached = match index.reaching(&code, REACH_STEPS) {
        Ok(reached) => reached,
        Err(error) => {
            return whole_suite(format!(
                "the code index could not say which tests use the change ({error})"
            ));
        }
    };
    let runnable = |path: &str| is_test_module(path) && indexed.contains(path);
    let touched: BTreeSet<String> = touched_tests
        .into_iter()
        .filter(|path| runnable(path))
        .collect();
    let reaching: BTreeSet<String> = reached
        .into_keys()
        .filter(|path| runnable(path) && !touched.contains(path))
        .collect();
    let all_tests = indexed.iter().filter(|path| is_test_module(path)).count();
    let files: Vec<String> = touched.iter().chain(&reaching).cloned().collect();
    if files.is_empty() {
        return whole_suite("no test file was changed or reaches a changed file".to_owned());
    }
    TestSelection {
        left_out: all_tests.saturating_sub(files.len()),
        reason: format!(
            "{} test file(s) the run changed, and {} that import or use a changed file \
             (the code index's graph)",
            touched.len(),
            reaching.len()
        ),
        files,
    }
}

/// A test file a runner can be given: source code on a test path, not test data, nor a
/// package's `__init__.py` or pytest's `conftest.py` (which hold no tests of their own).
pub(crate) fn is_test_module(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    is_test_path(path)
        && Language::from_path(path.as_ref()).is_some()
        && name != "__init__.py"
        && name != "conftest.py"
}

pub(crate) fn whole_suite(reason: String) -> TestSelection {
    TestSelection {
        files: Vec::new(),
        reason,
        left_out: 0,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a test that cannot build its fixture cannot run
mod tests {
    use redgreen_indexer::Source;

    use super::*;

    /// A calculator with three test modules: one uses `calc.py`, two do not.
    fn indexed() -> (tempfile::TempDir, tempfile::TempDir, Index) {
        let repo = tempfile::tempdir().unwrap();
        for (path, text) in [
            ("calc.py", "def add(a, b):\n    return a - b\n"),
            ("README.md", "# calc\n"),
            ("tests/__init__.py", ""),
            ("tests/conftest.py", "import os\n"),
            (
                "tests/test_add.py",
                "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n",
            ),
            ("tests/test_slow.py", "def test_slow():\n    assert True\n"),
            (
                "tests/test_other.py",
                "def test_other():\n    assert True\n",
            ),
            ("tests/data/cases.txt", "2 3 5\n"),
        ] {
            let file = repo.path().join(path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(file, text).unwrap();
        }
        let data = tempfile::tempdir().unwrap();
        let (index, _) = Index::build(&Source::WorkTree(repo.path().into()), data.path()).unwrap();
        (repo, data, index)
    }

    fn changed(paths: &[&str]) -> BTreeSet<String> {
        paths.iter().map(|p| (*p).to_owned()).collect()
    }

    #[test]
    fn a_code_change_selects_the_tests_that_use_it_and_those_the_run_touched() {
        let (_repo, _data, index) = indexed();
        let selection = select(
            &index,
            &changed(&["calc.py", "tests/test_other.py", "README.md"]),
        );
        assert_eq!(
            selection.files,
            vec!["tests/test_other.py", "tests/test_add.py"]
        );
        assert_eq!(
            selection.left_out, 1,
            "test_slow.py; not __init__.py or conftest.py"
        );
        assert!(
            selection
                .reason
                .starts_with("1 test file(s) the run changed, and 1 that")
        );
    }

    #[test]
    fn what_can_change_any_test_runs_the_whole_suite() {
        let (_repo, _data, index) = indexed();
        for (path, why) in [
            (
                "tests/conftest.py",
                "a build, dependency or test-configuration file",
            ),
            (
                "pyproject.toml",
                "a build, dependency or test-configuration file",
            ),
            (
                ".github/redgreen.yml",
                "a build, dependency or test-configuration file",
            ),
            (
                "tests/fixtures/user.json",
                "a build, dependency or test-configuration file",
            ),
            (
                "tests/data/cases.txt",
                "in a language the code index does not parse",
            ),
            (
                "tools/build.sh",
                "in a language the code index does not parse",
            ),
        ] {
            let selection = select(&index, &changed(&["calc.py", path]));
            assert!(selection.is_whole_suite(), "{path}");
            assert!(
                selection.reason.starts_with(&format!("`{path}` changed"))
                    && selection.reason.contains(why),
                "{path}: {}",
                selection.reason
            );
        }
    }

    #[test]
    fn prose_alone_selects_nothing_so_the_whole_suite_runs() {
        let (_repo, _data, index) = indexed();
        let selection = select(&index, &changed(&["README.md"]));
        assert!(selection.is_whole_suite());
        assert_eq!(
            selection.reason,
            "no test file was changed or reaches a changed file"
        );
    }
}
