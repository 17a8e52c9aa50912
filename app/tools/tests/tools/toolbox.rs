//! The tool box over a real checkout and a real code index: reads, searches, the repo map, and
//! how bad calls are answered (as errors, never executed).

use std::sync::Arc;

use redgreen_indexer::{Index, Source};
use redgreen_tools::{PhasePolicy, ToolBox, ToolLimits, WriteScope};
use serde_json::{Value, json};

use crate::support::repo_with;

const CACHE: &str = "class LruCache:\n    \"\"\"A least-recently-used cache.\"\"\"\n\n    def __init__(self, capacity):\n        self.capacity = capacity\n        self.items = {}\n\n    def evict_oldest(self):\n        oldest = next(iter(self.items))\n        del self.items[oldest]\n";
const SERVER: &str = "from cache import LruCache\n\n\ndef serve(request):\n    cache = LruCache(10)\n    cache.evict_oldest()\n    return request\n";

fn indexed(files: &[(&str, &str)]) -> (tempfile::TempDir, tempfile::TempDir, ToolBox) {
    let repo = repo_with(files);
    let index_dir = tempfile::tempdir().unwrap();
    let (index, _) = Index::build(
        &Source::WorkTree(repo.path().to_path_buf()),
        index_dir.path(),
    )
    .unwrap();
    let tools = ToolBox::new(repo.path(), WriteScope::default(), String::new())
        .unwrap()
        .with_index(Arc::new(index));
    (repo, index_dir, tools)
}

async fn ok(tools: &ToolBox, name: &str, arguments: Value) -> Value {
    let result = tools
        .call(&PhasePolicy::read_only(), name, &arguments)
        .await;
    assert!(!result.is_error, "{name}: {}", result.content);
    assert_eq!(
        result.structured.as_ref(),
        Some(&serde_json::from_str::<Value>(&result.content).unwrap())
    );
    serde_json::from_str(&result.content).unwrap()
}

#[tokio::test]
async fn code_search_maps_index_hits_to_the_contract() {
    let (_repo, _index, tools) = indexed(&[
        ("cache.py", CACHE),
        ("server.py", SERVER),
        ("README.md", "docs\n"),
    ]);
    let found = ok(
        &tools,
        "code_search",
        json!({"query": "evict_oldest", "mode": "symbol"}),
    )
    .await;
    let hit = &found["hits"][0];
    assert_eq!(hit["path"], "cache.py");
    assert_eq!(hit["start_line"], 8);
    assert_eq!(hit["symbol"], "LruCache.evict_oldest");
    assert!(
        hit["snippet"]
            .as_str()
            .unwrap()
            .contains("def evict_oldest")
    );
    assert!(hit["score"].as_f64().unwrap() > 0.0);

    let regex = ok(
        &tools,
        "code_search",
        json!({"query": "LruCache\\(\\d+\\)", "mode": "regex"}),
    )
    .await;
    assert_eq!(regex["hits"][0]["path"], "server.py");
    assert_eq!(regex["hits"][0]["start_line"], 5);

    let scoped = ok(
        &tools,
        "code_search",
        json!({"query": "cache", "scope": {"paths": ["server.py"]}, "limit": 3}),
    )
    .await;
    let hits = scoped["hits"].as_array().unwrap();
    assert!(!hits.is_empty() && hits.len() <= 3);
    assert!(hits.iter().all(|h| h["path"] == "server.py"), "{scoped}");

    let bad = tools
        .call(
            &PhasePolicy::read_only(),
            "code_search",
            &json!({"query": "(", "mode": "regex"}),
        )
        .await;
    assert!(
        bad.is_error && bad.content.contains("/query"),
        "{}",
        bad.content
    );
    let language = tools
        .call(
            &PhasePolicy::read_only(),
            "code_search",
            &json!({"query": "x", "scope": {"language": "cobol"}}),
        )
        .await;
    assert!(
        language.is_error && language.content.contains("python"),
        "{}",
        language.content
    );
}

#[tokio::test]
async fn repo_map_lists_definitions_within_the_budget() {
    let (_repo, _index, tools) = indexed(&[("cache.py", CACHE), ("server.py", SERVER)]);
    let map = ok(
        &tools,
        "repo_map",
        json!({"max_tokens": 256, "focus": ["server.py"]}),
    )
    .await;
    let text = map["map"].as_str().unwrap();
    assert!(text.contains("cache.py"), "{text}");
    assert!(text.contains("class LruCache"), "{text}");
    assert!(text.len() <= 256 * 4 + 200, "{}", text.len());
}

#[tokio::test]
async fn read_file_returns_ranges_and_refuses_binary_files() {
    let long: String = (1..=100).map(|i| format!("line {i:03}\n")).collect();
    let repo = repo_with(&[("a.txt", &long), ("empty.txt", "")]);
    std::fs::write(repo.path().join("blob.bin"), [0u8, 159, 146, 150, 0, 1]).unwrap();
    let tools = ToolBox::new(repo.path(), WriteScope::default(), String::new())
        .unwrap()
        .with_limits(ToolLimits {
            read_max_bytes: 100,
            ..ToolLimits::default()
        });

    let part = ok(
        &tools,
        "read_file",
        json!({"path": "a.txt", "start_line": 10, "end_line": 12}),
    )
    .await;
    assert_eq!(part["content"], "line 010\nline 011\nline 012\n");
    assert_eq!(
        (
            part["start_line"].as_u64(),
            part["end_line"].as_u64(),
            part["total_lines"].as_u64()
        ),
        (Some(10), Some(12), Some(100))
    );

    // The cap stops at a line boundary and says where: 100 bytes hold 11 lines of 9 bytes.
    let capped = ok(&tools, "read_file", json!({"path": "a.txt"})).await;
    assert_eq!(capped["end_line"], 11);
    assert_eq!(capped["content"].as_str().unwrap().lines().count(), 11);

    let empty = ok(&tools, "read_file", json!({"path": "empty.txt"})).await;
    assert_eq!(
        (empty["content"].as_str(), empty["total_lines"].as_u64()),
        (Some(""), Some(0))
    );

    for (arguments, expected) in [
        (json!({"path": "blob.bin"}), "binary"),
        (json!({"path": "nope.txt"}), "does not exist"),
        (json!({"path": "a.txt", "start_line": 500}), "past the end"),
        (json!({"path": "/etc/passwd"}), "absolute"),
        (json!({"path": "../x"}), "`..`"),
    ] {
        let result = tools
            .call(&PhasePolicy::read_only(), "read_file", &arguments)
            .await;
        assert!(
            result.is_error && result.content.contains(expected),
            "{arguments}: {}",
            result.content
        );
    }
}

#[tokio::test]
async fn bad_calls_are_answered_as_errors() {
    let repo = repo_with(&[("a.py", "x = 1\n")]);
    let tools = ToolBox::new(repo.path(), WriteScope::default(), String::new()).unwrap();
    let policy = PhasePolicy::red();
    for (name, arguments, expected) in [
        ("delete_everything", json!({}), "there is no tool named"),
        (
            "read_file",
            json!({"file": "a.py"}),
            "\"path\" is a required property",
        ),
        ("code_search", json!({"query": "x"}), "no code index"),
        ("run_tests", json!({}), "no test command"),
        ("sast_scan", json!({}), "not available in the red phase"),
        (
            "submit_red",
            json!({"tests": ["t"], "rationale": "r"}),
            "not available in the red phase",
        ),
    ] {
        let result = tools.call(&policy, name, &arguments).await;
        assert!(result.is_error, "{name} should fail");
        assert!(result.structured.is_none());
        assert!(
            result.content.contains(expected),
            "{name}: {}",
            result.content
        );
    }
}
