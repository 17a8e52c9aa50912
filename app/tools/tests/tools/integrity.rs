//! The test-integrity guard and the diff limit, over changes read from real git repositories.

use std::collections::BTreeSet;

use redgreen_tools::{
    FileChange, IntegrityKind, ToolError, check_integrity, diff_limits, working_tree_changes,
};

use crate::support::{commit_all, repo_with};

const PY_TESTS: &str = "import pytest\n\nfrom calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n\n\ndef test_add_zero():\n    assert add(0, 0) == 0\n";

fn change(path: &str, before: Option<&str>, after: Option<&str>) -> FileChange {
    FileChange {
        path: path.into(),
        before: before.map(str::to_owned),
        after: after.map(str::to_owned),
    }
}

fn kinds(changes: &[FileChange], red: &[&str]) -> Vec<IntegrityKind> {
    let red: BTreeSet<String> = red.iter().map(|s| s.to_string()).collect();
    check_integrity(changes, &red)
        .into_iter()
        .map(|f| f.kind)
        .collect()
}

#[test]
fn a_clean_patch_has_no_findings() {
    let changes = [
        change(
            "calc.py",
            Some("def add(a, b):\n    return a - b\n"),
            Some("def add(a, b):\n    return a + b\n"),
        ),
        // Adding a test and strengthening another is fine.
        change(
            "tests/test_calc.py",
            Some(PY_TESTS),
            Some(&format!(
                "{PY_TESTS}\n\ndef test_add_negative():\n    assert add(-1, -1) == -2\n"
            )),
        ),
        change(
            "tests/test_new.py",
            None,
            Some("def test_new():\n    assert True\n"),
        ),
    ];
    assert_eq!(kinds(&changes, &["tests/test_red.py"]), []);
}

#[test]
fn deleted_tests_and_test_files_are_found() {
    let without_zero = PY_TESTS.replace(
        "\n\ndef test_add_zero():\n    assert add(0, 0) == 0\n",
        "\n",
    );
    let findings = check_integrity(
        &[change(
            "tests/test_calc.py",
            Some(PY_TESTS),
            Some(&without_zero),
        )],
        &BTreeSet::new(),
    );
    assert_eq!(findings.len(), 2, "{findings:?}");
    assert_eq!(findings[0].kind, IntegrityKind::DeletedTest);
    assert_eq!(findings[0].line, Some(10));
    assert!(findings[0].detail.contains("test_add_zero"));
    assert_eq!(
        findings[1].kind,
        IntegrityKind::WeakenedAssertion,
        "its assertion went with it"
    );
    assert_eq!(
        findings[0].to_string(),
        "tests/test_calc.py:10: deleted test: test `test_add_zero` (line 10 before the change) is gone"
    );

    assert_eq!(
        kinds(&[change("tests/test_calc.py", Some(PY_TESTS), None)], &[]),
        [IntegrityKind::DeletedTestFile]
    );
    // Rust tests inline in a source file count too.
    let rust = "pub fn f() {}\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn works() {\n        assert_eq!(super::f(), ());\n    }\n}\n";
    assert_eq!(
        kinds(
            &[change("src/lib.rs", Some(rust), Some("pub fn f() {}\n"))],
            &[]
        ),
        [IntegrityKind::DeletedTest, IntegrityKind::WeakenedAssertion]
    );
}

#[test]
fn new_skip_markers_are_found_in_each_language() {
    let cases = [
        ("tests/test_calc.py", PY_TESTS.to_owned(), PY_TESTS.replace("def test_add():", "@pytest.mark.skip(reason=\"flaky\")\ndef test_add():")),
        ("tests/test_calc.py", PY_TESTS.to_owned(), PY_TESTS.replace("    assert add(1, 2) == 3", "    pytest.skip(\"later\")\n    assert add(1, 2) == 3")),
        ("tests/api.rs", "#[test]\nfn a() { assert!(true || false); }\n".to_owned(), "#[test]\n#[ignore]\nfn a() { assert!(true || false); }\n".to_owned()),
        ("calc_test.go", "func TestAdd(t *testing.T) {\n\tif Add(1, 2) != 3 {\n\t\tt.Errorf(\"bad\")\n\t}\n}\n".to_owned(), "func TestAdd(t *testing.T) {\n\tt.Skip(\"later\")\n\tif Add(1, 2) != 3 {\n\t\tt.Errorf(\"bad\")\n\t}\n}\n".to_owned()),
        ("src/sum.test.js", "test('adds', () => {\n  expect(sum(1, 2)).toBe(3);\n});\n".to_owned(), "test.skip('adds', () => {\n  expect(sum(1, 2)).toBe(3);\n});\n".to_owned()),
        ("src/sum.spec.ts", "it('adds', () => {\n  expect(sum(1, 2)).toBe(3);\n});\n".to_owned(), "xit('adds', () => {\n  expect(sum(1, 2)).toBe(3);\n});\n".to_owned()),
    ];
    for (path, before, after) in cases {
        let found = kinds(&[change(path, Some(&before), Some(&after))], &[]);
        assert!(
            found.contains(&IntegrityKind::SkippedTest),
            "{path}: {found:?}\n{after}"
        );
    }
    let findings = check_integrity(
        &[change(
            "tests/test_calc.py",
            Some(PY_TESTS),
            Some(&PY_TESTS.replace("def test_add():", "@unittest.skip(\"x\")\ndef test_add():")),
        )],
        &BTreeSet::new(),
    );
    assert_eq!(findings[0].line, Some(6));
    assert!(findings[0].detail.contains("@unittest.skip"));
}

#[test]
fn weakened_assertions_are_found() {
    // Removed.
    let removed = PY_TESTS.replace("    assert add(0, 0) == 0\n", "    add(0, 0)\n");
    assert_eq!(
        kinds(
            &[change("tests/test_calc.py", Some(PY_TESTS), Some(&removed))],
            &[]
        ),
        [IntegrityKind::WeakenedAssertion]
    );
    // Replaced by a weaker form.
    let unit = "class T(unittest.TestCase):\n    def test_sub(self):\n        self.assertEqual(sub(3, 1), 2)\n";
    let weaker = unit.replace(
        "self.assertEqual(sub(3, 1), 2)",
        "self.assertTrue(sub(3, 1))",
    );
    let findings = check_integrity(
        &[change("tests/test_sub.py", Some(unit), Some(&weaker))],
        &BTreeSet::new(),
    );
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].kind, IntegrityKind::WeakenedAssertion);
    assert!(
        findings[0].detail.contains("assertEqual"),
        "{}",
        findings[0].detail
    );
    // Replaced by one that can never fail.
    let trivial = unit.replace("self.assertEqual(sub(3, 1), 2)", "self.assertTrue(True)");
    let found = kinds(
        &[change("tests/test_sub.py", Some(unit), Some(&trivial))],
        &[],
    );
    assert_eq!(
        found,
        [
            IntegrityKind::WeakenedAssertion,
            IntegrityKind::WeakenedAssertion
        ]
    );
    let js = "test('adds', () => {\n  expect(sum(1, 2)).toBe(3);\n});\n";
    let js_trivial = js.replace("expect(sum(1, 2)).toBe(3)", "expect(true).toBe(true)");
    assert!(
        kinds(
            &[change("src/sum.test.js", Some(js), Some(&js_trivial))],
            &[]
        )
        .contains(&IntegrityKind::WeakenedAssertion)
    );
    let rust = "#[test]\nfn a() {\n    assert_eq!(f(), 3);\n}\n";
    let rust_weaker = rust.replace("assert_eq!(f(), 3)", "assert!(f() > 0)");
    assert_eq!(
        kinds(&[change("tests/a.rs", Some(rust), Some(&rust_weaker))], &[]),
        [IntegrityKind::WeakenedAssertion]
    );
}

#[test]
fn red_tests_may_not_change_afterwards() {
    let edited = PY_TESTS.replace("== 3", "== 3 or True");
    let findings = check_integrity(
        &[change("tests/test_calc.py", Some(PY_TESTS), Some(&edited))],
        &BTreeSet::from(["tests/test_calc.py".to_owned()]),
    );
    assert_eq!(findings[0].kind, IntegrityKind::EditedRedTest);
    assert_eq!(findings[0].line, Some(7));
}

#[test]
fn the_diff_limit_counts_added_and_removed_lines() {
    let before: String = (0..10).map(|i| format!("{i}\n")).collect();
    let after = before.replace("3\n", "three\n").replace("7\n", "");
    let changes = [
        change("a.txt", Some(&before), Some(&after)),
        change("b.txt", None, Some("x\ny\n")),
    ];
    let stats = diff_limits(&changes, 10).unwrap();
    assert_eq!(
        (stats.files, stats.added, stats.removed, stats.lines()),
        (2, 3, 2, 5)
    );
    let error = diff_limits(&changes, 4).unwrap_err();
    assert!(matches!(
        error,
        ToolError::DiffTooLarge {
            lines: 5,
            max: 4,
            ..
        }
    ));
    assert!(error.to_string().contains("over the limit of 4"), "{error}");
}

#[test]
fn working_tree_changes_compare_with_head() {
    let repo = repo_with(&[
        ("calc.py", "def add(a, b):\n    return a - b\n"),
        ("tests/test_calc.py", PY_TESTS),
        ("keep.txt", "same\n"),
    ]);
    commit_all(repo.path(), "base");
    std::fs::write(
        repo.path().join("calc.py"),
        "def add(a, b):\n    return a + b\n",
    )
    .unwrap();
    std::fs::remove_file(repo.path().join("tests/test_calc.py")).unwrap();
    std::fs::write(repo.path().join("new.py"), "x = 1\n").unwrap();
    std::fs::write(repo.path().join(".gitignore"), "*.log\n").unwrap();
    std::fs::write(repo.path().join("debug.log"), "noise\n").unwrap();

    let all = working_tree_changes(repo.path(), &BTreeSet::new()).unwrap();
    let paths: Vec<&str> = all.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(
        paths,
        [".gitignore", "calc.py", "new.py", "tests/test_calc.py"]
    );
    let calc = &all[1];
    assert_eq!(
        calc.before.as_deref(),
        Some("def add(a, b):\n    return a - b\n")
    );
    assert_eq!(
        calc.after.as_deref(),
        Some("def add(a, b):\n    return a + b\n")
    );
    assert_eq!(all[2].before, None);
    assert_eq!(all[3].after, None);
    assert_eq!(kinds(&all, &[]), [IntegrityKind::DeletedTestFile]);

    let only: BTreeSet<String> = ["calc.py", "keep.txt"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let selected = working_tree_changes(repo.path(), &only).unwrap();
    assert_eq!(selected.len(), 1, "unchanged paths are left out");
    assert_eq!(selected[0].path, "calc.py");
}
