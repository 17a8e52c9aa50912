//! Small repositories for the index tests: files written into a temporary directory and,
//! where a test needs history, committed with git.

use std::path::Path;

use git2::{Oid, Repository, Signature};

pub fn write(root: &Path, files: &[(&str, &str)]) {
    for (path, content) in files {
        let full = root.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, content).unwrap();
    }
}

/// Stages every file (deletions included) and commits; returns the commit id.
pub fn commit_all(root: &Path, message: &str) -> Oid {
    let repo = Repository::open(root).unwrap_or_else(|_| Repository::init(root).unwrap());
    let mut index = repo.index().unwrap();
    index
        .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
        .unwrap();
    index.update_all(["*"], None).unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = Signature::now("t", "t@example.com").unwrap();
    let parents: Vec<git2::Commit> = repo
        .head()
        .ok()
        .and_then(|h| h.peel_to_commit().ok())
        .into_iter()
        .collect();
    let parents: Vec<&git2::Commit> = parents.iter().collect();
    repo.commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)
        .unwrap()
}

/// A small Python and Rust project.
pub const PROJECT: &[(&str, &str)] = &[
    (
        "src/http/parser.py",
        "class ResponseParser:\n    \"\"\"Parses HTTP responses.\"\"\"\n\n    def parse(self, raw):\n        return parseHTTPResponse(raw)\n\n\ndef parseHTTPResponse(raw):\n    \"\"\"Turns raw bytes into a response.\"\"\"\n    return raw.split(b\"\\r\\n\")\n",
    ),
    (
        "src/cache.rs",
        "/// A bounded cache.\npub struct LruCache { cap: usize }\n\nimpl LruCache {\n    pub fn evict_oldest(&mut self) {\n        self.cap -= 1;\n    }\n}\n\nfn main() {\n    let mut c = LruCache { cap: 2 };\n    c.evict_oldest();\n}\n",
    ),
    (
        "lib/util.go",
        "package util\n\n// Retry runs f until it succeeds.\nfunc Retry(f func() error) error {\n\treturn f()\n}\n",
    ),
    (
        "README.md",
        "# Demo\n\nHello World. The cache evicts the oldest entry.\n",
    ),
];
