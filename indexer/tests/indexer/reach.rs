//! The files that reach a changed file through imports and uses of specific names, with their
//! distance: Python modules and packages, JavaScript relative imports, names too common or
//! too short to link anything.

use std::collections::BTreeMap;

use redgreen_indexer::{Index, Source};

use crate::fixture::write;

/// An index of `files`, written into a new working tree (kept alive with it).
fn indexed(files: &[(&str, &str)]) -> (tempfile::TempDir, tempfile::TempDir, Index) {
    let repo = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    write(repo.path(), files);
    let (index, _) = Index::build(&Source::WorkTree(repo.path().into()), data.path()).unwrap();
    (repo, data, index)
}

fn reaching(index: &Index, targets: &[&str], max_steps: usize) -> BTreeMap<String, usize> {
    let targets: Vec<String> = targets.iter().map(|t| (*t).to_owned()).collect();
    index.reaching(&targets, max_steps).unwrap()
}

fn map(entries: &[(&str, usize)]) -> BTreeMap<String, usize> {
    entries
        .iter()
        .map(|&(path, steps)| (path.to_owned(), steps))
        .collect()
}

/// A package whose core is used by a helper module and a test; another test reaches the core
/// only through the helper; a third imports nothing of the package.
const PKG: &[(&str, &str)] = &[
    ("pkg/__init__.py", ""),
    (
        "pkg/core.py",
        "def specific_parser(text, strict=False):\n    return text.split(\",\")\n",
    ),
    (
        "pkg/helpers.py",
        "from pkg.core import specific_parser\n\n\ndef helper_entry(line):\n    return specific_parser(line, strict=True)\n",
    ),
    (
        "tests/test_core.py",
        "import pkg.core\n\n\ndef test_splits_fields():\n    assert pkg.core.specific_parser(\"a,b\") == [\"a\", \"b\"]\n",
    ),
    (
        "tests/test_helpers.py",
        "from pkg.helpers import helper_entry\n\n\ndef test_entry():\n    assert helper_entry(\"a,b\") == [\"a\", \"b\"]\n",
    ),
    (
        "tests/test_unrelated.py",
        "import os\n\n\ndef test_arithmetic():\n    assert 1 + 1 == 2\n    assert os.sep\n",
    ),
];

#[test]
fn direct_users_are_one_step_away_and_their_users_two() {
    let (_repo, _data, index) = indexed(PKG);
    assert_eq!(
        reaching(&index, &["pkg/core.py"], 1),
        map(&[("pkg/helpers.py", 1), ("tests/test_core.py", 1)])
    );
    assert_eq!(
        reaching(&index, &["pkg/core.py"], 2),
        map(&[
            ("pkg/helpers.py", 1),
            ("tests/test_core.py", 1),
            ("tests/test_helpers.py", 2),
        ])
    );
    // Nothing lies further away: more steps add nothing, and never the unrelated test.
    assert_eq!(
        reaching(&index, &["pkg/core.py"], 10),
        reaching(&index, &["pkg/core.py"], 2)
    );
}

#[test]
fn the_targets_themselves_are_left_out() {
    let (_repo, _data, index) = indexed(PKG);
    // helpers.py reaches core.py, but as a target it is not reported.
    assert_eq!(
        reaching(&index, &["pkg/core.py", "pkg/helpers.py"], 5),
        map(&[("tests/test_core.py", 1), ("tests/test_helpers.py", 1)])
    );
    assert_eq!(
        reaching(&index, &["tests/test_unrelated.py"], 5),
        BTreeMap::new()
    );
}

#[test]
fn a_file_reaching_several_targets_gets_its_shortest_distance() {
    let (_repo, _data, index) = indexed(PKG);
    // test_helpers.py is two steps from core.py but one from helpers.py; a duplicated target
    // changes nothing.
    assert_eq!(
        reaching(&index, &["pkg/core.py", "pkg/helpers.py", "pkg/core.py"], 1),
        map(&[("tests/test_core.py", 1), ("tests/test_helpers.py", 1)])
    );
}

#[test]
fn an_import_cycle_keeps_the_shortest_distances() {
    let (_repo, _data, index) = indexed(&[
        (
            "app/alpha.py",
            "import app.beta\n\n\ndef alpha_step():\n    return app.beta.beta_step()\n",
        ),
        (
            "app/beta.py",
            "import app.alpha\n\n\ndef beta_step():\n    return app.alpha.alpha_step()\n",
        ),
        (
            "tests/test_alpha.py",
            "import app.alpha\n\n\ndef test_step():\n    app.alpha.alpha_step()\n",
        ),
    ]);
    assert_eq!(
        reaching(&index, &["app/alpha.py"], 10),
        map(&[("app/beta.py", 1), ("tests/test_alpha.py", 1)])
    );
    assert_eq!(
        reaching(&index, &["app/beta.py"], 10),
        map(&[("app/alpha.py", 1), ("tests/test_alpha.py", 2)])
    );
}

#[test]
fn a_dotted_import_of_a_package_reaches_its_init_module() {
    let (_repo, _data, index) = indexed(&[
        ("pkg/__init__.py", ""),
        (
            "pkg/sub/__init__.py",
            "DEFAULT_LIMIT = 10\n\n\ndef configure_limits(limit):\n    return limit\n",
        ),
        ("pkg/sub/other.py", "def other_thing():\n    return 1\n"),
        (
            "tests/test_sub.py",
            "import pkg.sub\n\n\ndef test_default():\n    assert pkg.sub.DEFAULT_LIMIT == 10\n",
        ),
    ]);
    // The test uses no name the package defines by a call: only the import links it.
    assert_eq!(
        reaching(&index, &["pkg/sub/__init__.py"], 1),
        map(&[("tests/test_sub.py", 1)])
    );
    assert_eq!(reaching(&index, &["pkg/sub/other.py"], 3), BTreeMap::new());
    assert_eq!(reaching(&index, &["pkg/__init__.py"], 3), BTreeMap::new());
}

#[test]
fn a_dotted_import_matches_a_module_under_a_source_root() {
    let (_repo, _data, index) = indexed(&[
        ("src/pkg/__init__.py", ""),
        ("src/pkg/sub/__init__.py", "DEFAULT_LIMIT = 10\n"),
        ("src/pkg/core.py", "RETRIES = 3\n"),
        // Ends like `pkg.core` only in its last part: not the module imported.
        ("src/mypkg/core.py", "RETRIES = 4\n"),
        (
            "tests/test_layout.py",
            "import pkg.core\nimport pkg.sub\n\n\ndef test_values():\n    assert pkg.core.RETRIES == 3\n    assert pkg.sub.DEFAULT_LIMIT == 10\n",
        ),
    ]);
    assert_eq!(
        reaching(&index, &["src/pkg/core.py"], 1),
        map(&[("tests/test_layout.py", 1)])
    );
    assert_eq!(
        reaching(&index, &["src/pkg/sub/__init__.py"], 1),
        map(&[("tests/test_layout.py", 1)])
    );
    assert_eq!(reaching(&index, &["src/mypkg/core.py"], 3), BTreeMap::new());
}

/// `def run()` in `count` modules, and a test that only calls `run()`.
fn run_defined_in(count: usize) -> (tempfile::TempDir, tempfile::TempDir, Index) {
    let modules: Vec<(String, String)> = (0..count)
        .map(|i| {
            (
                format!("jobs/job{i}.py"),
                format!("def run():\n    return {i}\n"),
            )
        })
        .collect();
    let mut files: Vec<(&str, &str)> = modules
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_str()))
        .collect();
    files.push(("tests/test_run.py", "def test_run():\n    run()\n"));
    indexed(&files)
}

#[test]
fn a_name_defined_in_more_than_five_files_links_nothing() {
    let (_repo, _data, index) = run_defined_in(6);
    for i in 0..6 {
        assert_eq!(
            reaching(&index, &[&format!("jobs/job{i}.py")], 3),
            BTreeMap::new(),
            "job{i}.py"
        );
    }
}

#[test]
fn a_name_defined_in_five_files_links_each_of_them() {
    let (_repo, _data, index) = run_defined_in(5);
    for i in 0..5 {
        assert_eq!(
            reaching(&index, &[&format!("jobs/job{i}.py")], 3),
            map(&[("tests/test_run.py", 1)]),
            "job{i}.py"
        );
    }
}

#[test]
fn files_are_counted_not_definitions() {
    // Six definitions of `run`, but in five files: the name still links.
    let (_repo, _data, index) = indexed(&[
        (
            "jobs/job0.py",
            "class Nightly:\n    def run(self):\n        return 0\n\n\nclass Weekly:\n    def run(self):\n        return 1\n",
        ),
        ("jobs/job1.py", "def run():\n    return 1\n"),
        ("jobs/job2.py", "def run():\n    return 2\n"),
        ("jobs/job3.py", "def run():\n    return 3\n"),
        ("jobs/job4.py", "def run():\n    return 4\n"),
        ("tests/test_run.py", "def test_run(job):\n    job.run()\n"),
    ]);
    assert_eq!(
        reaching(&index, &["jobs/job0.py"], 1),
        map(&[("tests/test_run.py", 1)])
    );
    assert_eq!(
        reaching(&index, &["jobs/job4.py"], 1),
        map(&[("tests/test_run.py", 1)])
    );
}

#[test]
fn dunder_and_short_names_link_nothing() {
    let (_repo, _data, index) = indexed(&[
        (
            "model/widget.py",
            "class Widget:\n    def __init__(self):\n        self.size = 0\n",
        ),
        ("model/short.py", "def ab():\n    return 1\n"),
        ("model/three.py", "def abc():\n    return 1\n"),
        (
            "tests/test_model.py",
            "def test_reinit(obj):\n    obj.__init__()\n    ab()\n    abc()\n",
        ),
    ]);
    assert_eq!(reaching(&index, &["model/widget.py"], 3), BTreeMap::new());
    assert_eq!(reaching(&index, &["model/short.py"], 3), BTreeMap::new());
    // Three characters are enough.
    assert_eq!(
        reaching(&index, &["model/three.py"], 3),
        map(&[("tests/test_model.py", 1)])
    );
}

#[test]
fn javascript_relative_imports_and_requires_reach_their_files() {
    let (_repo, _data, index) = indexed(&[
        (
            "src/parse.js",
            "export function parse(text) {\n  return text.split(',');\n}\n",
        ),
        (
            "src/lexer/index.js",
            "function lexerStart(text) {\n  return text;\n}\nmodule.exports = { lexerStart };\n",
        ),
        (
            "src/format.js",
            "function pretty(value) {\n  return String(value);\n}\nmodule.exports = { pretty };\n",
        ),
        (
            "test/parse.test.js",
            "import { parse } from '../src/parse';\n\ntest('splits', () => {\n  expect(parse('a,b')).toEqual(['a', 'b']);\n});\n",
        ),
        (
            "test/lexer.test.js",
            "const lexer = require('../src/lexer');\n\ntest('starts', () => {\n  expect(lexer.go('x')).toBe('x');\n});\n",
        ),
        (
            "test/format.test.js",
            "const fmt = require('../src/format.js');\n\ntest('formats', () => {\n  expect(fmt.go(1)).toBe('1');\n});\n",
        ),
    ]);
    assert_eq!(
        reaching(&index, &["src/parse.js"], 1),
        map(&[("test/parse.test.js", 1)])
    );
    // A directory import reaches its index.js; the tests use no name the file defines.
    assert_eq!(
        reaching(&index, &["src/lexer/index.js"], 1),
        map(&[("test/lexer.test.js", 1)])
    );
    // An import that names the extension.
    assert_eq!(
        reaching(&index, &["src/format.js"], 1),
        map(&[("test/format.test.js", 1)])
    );
}

#[test]
fn a_javascript_import_reaches_the_file_it_names_not_a_namesake() {
    let (_repo, _data, index) = indexed(&[
        (
            "src/a/util.js",
            "function alphaOnly() {}\nmodule.exports = { alphaOnly };\n",
        ),
        (
            "src/b/util.js",
            "function betaOnly() {}\nmodule.exports = { betaOnly };\n",
        ),
        (
            "src/a/main.js",
            "const util = require('./util');\nutil.go();\n",
        ),
        // Above the root: resolves to nothing.
        ("top.js", "const x = require('../../outside');\nx.go();\n"),
    ]);
    assert_eq!(
        reaching(&index, &["src/a/util.js"], 2),
        map(&[("src/a/main.js", 1)])
    );
    assert_eq!(reaching(&index, &["src/b/util.js"], 2), BTreeMap::new());
}

#[test]
fn a_target_not_indexed_reaches_nothing() {
    let (_repo, _data, index) = indexed(PKG);
    assert_eq!(reaching(&index, &["pkg/missing.py"], 5), BTreeMap::new());
    assert_eq!(reaching(&index, &["core.py"], 5), BTreeMap::new());
    assert_eq!(reaching(&index, &[], 5), BTreeMap::new());
    // An indexed target beside a missing one still counts.
    assert_eq!(
        reaching(&index, &["pkg/missing.py", "pkg/core.py"], 1),
        map(&[("pkg/helpers.py", 1), ("tests/test_core.py", 1)])
    );
}

#[test]
fn zero_steps_reach_nothing() {
    let (_repo, _data, index) = indexed(PKG);
    assert_eq!(reaching(&index, &["pkg/core.py"], 0), BTreeMap::new());
    assert_eq!(
        reaching(&index, &["pkg/core.py", "pkg/helpers.py"], 0),
        BTreeMap::new()
    );
}

/// `from pkg import core` names the module `pkg/core.py`, though the import records `pkg`
/// and `core` apart; two unrelated imports (`os`, `json`) make no module path.
#[test]
fn a_module_imported_from_its_package_is_reached() {
    let (_repo, _data, index) = indexed(&[
        ("pkg/__init__.py", ""),
        ("pkg/core.py", "LIMIT = 1\n"),
        (
            "tests/test_core.py",
            "from pkg import core\n\n\ndef test_limit():\n    assert core.LIMIT\n",
        ),
        (
            "tests/test_other.py",
            "import os\nimport json\n\n\ndef test_x():\n    assert os and json\n",
        ),
    ]);
    assert_eq!(
        reaching(&index, &["pkg/core.py"], 2),
        map(&[("tests/test_core.py", 1)])
    );
}
