//! `sast_scan`'s rules: each fires on the code it is about and stays quiet on the safe form
//! of the same call, on the same words in a comment or a string, and outside its profile; a
//! whole work tree is scanned honouring `.gitignore`.

use redgreen_indexer::{Profile, Severity, Source, sast_scan, sast_scan_file};

/// (rule, file name, code that must fire, safe code that must not)
const CASES: &[(&str, &str, &str, &str)] = &[
    (
        "py-eval",
        "a.py",
        "eval(user_input)\n",
        "literal_eval(user_input)\n",
    ),
    (
        "py-eval",
        "a.py",
        "exec(code, {})\n",
        "executor.submit(code)\n",
    ),
    (
        "py-unsafe-deserialization",
        "a.py",
        "import pickle\nobj = pickle.loads(blob)\n",
        "import json\nobj = json.loads(blob)\n",
    ),
    (
        "py-yaml-load",
        "a.py",
        "data = yaml.load(text)\n",
        "data = yaml.load(text, Loader=yaml.SafeLoader)\n",
    ),
    (
        "py-shell-true",
        "a.py",
        "subprocess.run(cmd, shell=True)\n",
        "subprocess.run([\"ls\", path], shell=False)\n",
    ),
    (
        "py-os-system",
        "a.py",
        "os.system('ls ' + path)\n",
        "os.path.join(a, b)\n",
    ),
    (
        "py-tls-verify-off",
        "a.py",
        "requests.get(url, verify=False)\n",
        "requests.get(url, verify=True)\n",
    ),
    (
        "js-eval",
        "a.js",
        "const f = eval(source);\n",
        "const f = evaluate(source);\n",
    ),
    (
        "js-eval",
        "a.ts",
        "const f = new Function('a', body);\n",
        "const f = new Map();\n",
    ),
    (
        "js-html-injection",
        "a.jsx",
        "el.innerHTML = comment.body;\n",
        "el.textContent = comment.body;\n",
    ),
    (
        "js-html-injection",
        "a.tsx",
        "document.write(html);\n",
        "console.write(html);\n",
    ),
    (
        "js-shell-exec",
        "a.js",
        "child_process.exec('ls ' + dir);\n",
        "child_process.execFile('ls', [dir]);\n",
    ),
    (
        "c-unbounded-copy",
        "a.c",
        "void f(char *s) { char b[8]; strcpy(b, s); }\n",
        "void f(char *s) { char b[8]; strncpy(b, s, sizeof b); }\n",
    ),
    (
        "c-shell-exec",
        "a.cpp",
        "int main() { return system(cmd); }\n",
        "int main() { return run(cmd); }\n",
    ),
    (
        "secret-private-key",
        "deploy/key.pem",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n",
        "-----BEGIN PUBLIC KEY-----\nMIIB\n",
    ),
    (
        "secret-github-token",
        "config.yml",
        "token: ghp_0123456789abcdefghijABCDEFGHIJ012345\n",
        "token: ${{ secrets.GITHUB_TOKEN }}\n",
    ),
    (
        "secret-aws-access-key",
        ".env",
        "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n",
        "AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID}\n",
    ),
    (
        "go-tls-skip-verify",
        "client.go",
        "cfg := &tls.Config{InsecureSkipVerify: true}\n",
        "cfg := &tls.Config{InsecureSkipVerify: false}\n",
    ),
    (
        "rust-tls-danger",
        "client.rs",
        "let c = builder.danger_accept_invalid_certs(true);\n",
        "let c = builder.danger_accept_invalid_certs(false);\n",
    ),
];

fn rules(path: &str, text: &str, profile: Profile) -> Vec<&'static str> {
    sast_scan_file(path, text, profile)
        .unwrap()
        .into_iter()
        .map(|finding| finding.rule_id)
        .collect()
}

#[test]
fn each_rule_fires_on_its_code_and_not_on_the_safe_form() {
    for (rule, path, bad, safe) in CASES {
        assert_eq!(rules(path, bad, Profile::Default), [*rule], "{path}: {bad}");
        assert_eq!(
            rules(path, safe, Profile::Default),
            Vec::<&str>::new(),
            "{path}: {safe}"
        );
    }
}

#[test]
fn code_rules_ignore_comments_and_strings() {
    let text = "# eval(x) and os.system('ls') are bad\nHELP = \"never call pickle.loads(data)\"\n";
    assert_eq!(rules("a.py", text, Profile::Strict), Vec::<&str>::new());
    let js = "// el.innerHTML = x;\nconst s = 'eval(x)';\n";
    assert_eq!(rules("a.js", js, Profile::Strict), Vec::<&str>::new());
}

#[test]
fn low_severity_rules_run_only_in_the_strict_profile() {
    let text = "import hashlib, tempfile\nh = hashlib.md5(data)\nname = tempfile.mktemp()\n";
    assert_eq!(rules("a.py", text, Profile::Default), Vec::<&str>::new());
    let strict = sast_scan_file("a.py", text, Profile::Strict).unwrap();
    let found: Vec<(&str, u32, Severity)> = strict
        .iter()
        .map(|f| (f.rule_id, f.line, f.severity))
        .collect();
    assert_eq!(
        found,
        [
            ("py-weak-hash", 2, Severity::Low),
            ("py-mktemp", 3, Severity::Low)
        ]
    );
    assert!("pedantic".parse::<Profile>().is_err());
}

#[test]
fn a_work_tree_is_scanned_with_lines_and_ignored_files_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let write = |path: &str, text: &str| {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    };
    write(
        "app/views.py",
        "import os\n\n\ndef run(cmd):\n    return os.system(cmd)\n",
    );
    write("web/page.js", "el.innerHTML = html;\n");
    write("build/gen.py", "eval(x)\n");
    write(".gitignore", "build/\n");
    write("logo.png", "\u{0}\u{1}binary");
    // `ignore` honours .gitignore only inside a git repository.
    git2::Repository::init(dir.path()).unwrap();

    let report = sast_scan(
        &Source::WorkTree(dir.path().to_path_buf()),
        Profile::Default,
    )
    .unwrap();
    let found: Vec<(&str, u32, &str)> = report
        .findings
        .iter()
        .map(|f| (f.path.as_str(), f.line, f.rule_id))
        .collect();
    assert_eq!(
        found,
        [
            ("app/views.py", 5, "py-os-system"),
            ("web/page.js", 1, "js-html-injection")
        ]
    );
    assert_eq!(report.files_scanned, 3, "views.py, page.js, .gitignore");
    assert_eq!(report.skipped.total(), 1, "the binary file");
}
