//! Searching: BM25 text with code-aware tokens, the exact and fuzzy symbol table, regex and
//! literal search whose trigram prefilter never loses a match.

use redgreen_indexer::{Index, IndexError, Language, Scope, SearchMode, Source};

use crate::fixture::{PROJECT, write};

fn project() -> (tempfile::TempDir, tempfile::TempDir, Index) {
    let repo = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    write(repo.path(), PROJECT);
    let (index, _) = Index::build(&Source::WorkTree(repo.path().into()), data.path()).unwrap();
    (repo, data, index)
}

#[test]
fn text_search_matches_words_inside_identifiers() {
    let (_repo, _data, index) = project();
    let hits = index
        .search("http response parsing", SearchMode::Text, 5)
        .unwrap();
    let top = &hits[0];
    assert_eq!(top.path, "src/http/parser.py");
    assert_eq!(top.symbol.as_deref(), Some("parseHTTPResponse"));
    assert_eq!(top.kind.as_deref(), Some("function"));
    assert_eq!((top.start_line, top.end_line), (8, 10));
    assert!(
        top.snippet.starts_with("def parseHTTPResponse(raw):"),
        "{}",
        top.snippet
    );
    assert!(top.score > 0.0);
    assert!(
        hits.iter().all(|h| h.path == "src/http/parser.py"),
        "{hits:?}"
    );
    // The agent's `code_search` output, field for field.
    let json = serde_json::to_value(top).unwrap();
    let mut keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "end_line",
            "kind",
            "path",
            "score",
            "snippet",
            "start_line",
            "symbol"
        ]
    );

    // The whole identifier is a term too.
    let hits = index.search("evict_oldest", SearchMode::Text, 3).unwrap();
    assert_eq!(hits[0].symbol.as_deref(), Some("LruCache::evict_oldest"));
    // Plain text files are searchable.
    let hits = index.search("hello world", SearchMode::Text, 3).unwrap();
    assert_eq!(hits[0].path, "README.md");
    assert_eq!(hits[0].symbol, None);
}

#[test]
fn symbol_search_is_exact_first_then_fuzzy() {
    let (_repo, _data, index) = project();
    let names = |q: &str| -> Vec<(String, f32)> {
        index
            .search(q, SearchMode::Symbol, 5)
            .unwrap()
            .into_iter()
            .map(|h| (h.symbol.unwrap(), h.score))
            .collect()
    };
    assert_eq!(
        names("ResponseParser.parse"),
        [("ResponseParser.parse".to_owned(), 3.0)]
    );
    assert_eq!(
        names("LruCache.evict_oldest")[0],
        ("LruCache::evict_oldest".to_owned(), 2.0)
    );
    let retry = names("retry");
    assert_eq!(retry[0], ("Retry".to_owned(), 2.0));
    let typo = names("ResponsParser");
    assert_eq!(typo[0].0, "ResponseParser");
    assert!(typo[0].1 < 1.0);
    assert!(names("CompletelyUnrelated").is_empty());

    let hit = &index.search("Retry", SearchMode::Symbol, 1).unwrap()[0];
    assert_eq!(
        (hit.path.as_str(), hit.start_line, hit.end_line),
        ("lib/util.go", 4, 6)
    );
    assert_eq!(hit.kind.as_deref(), Some("function"));
    assert!(
        hit.snippet
            .starts_with("func Retry(f func() error) error {")
    );
}

/// Every line of `files` where a match of `pattern` starts (after the last line of the match
/// before), found without the index.
fn brute_force(files: &[(&str, &str)], pattern: &str) -> Vec<(String, u32)> {
    let regex = regex::RegexBuilder::new(pattern)
        .multi_line(true)
        .build()
        .unwrap();
    let line_of = |content: &str, at: usize| content[..at].matches('\n').count() as u32 + 1;
    let mut found = Vec::new();
    let mut files: Vec<&(&str, &str)> = files.iter().collect();
    files.sort();
    for (path, content) in files {
        let mut last = 0;
        for m in regex.find_iter(content) {
            let line = line_of(content, m.start());
            if line != last {
                found.push(((*path).to_owned(), line));
                last = line_of(content, m.end().saturating_sub(1).max(m.start()));
            }
        }
    }
    found
}

fn found_lines(index: &Index, pattern: &str) -> Vec<(String, u32)> {
    index
        .search(pattern, SearchMode::Regex, 100_000)
        .unwrap()
        .iter()
        .map(|h| (h.path.clone(), h.start_line))
        .collect()
}

#[test]
fn regex_search_finds_exactly_what_a_full_scan_finds() {
    let (_repo, _data, index) = project();
    for pattern in [
        r"fn\s+\w+",
        r"(?i)HELLO world",
        r"evict_(oldest|newest)",
        r"return \w+\(",
        r"Retry|LruCache",
        r"cap: \d",
        r"^\s+self\.",
        r"[Pp]arse[A-Z]+",
        r"(ab)*def",
        r"\bpub\b",
    ] {
        let expected = brute_force(PROJECT, pattern);
        assert!(!expected.is_empty(), "{pattern} should match something");
        assert_eq!(found_lines(&index, pattern), expected, "{pattern}");
    }
    // No limit at all is a limit too.
    let unlimited = index
        .search(r"\bpub\b", SearchMode::Regex, usize::MAX)
        .unwrap();
    assert_eq!(
        unlimited,
        index.search(r"\bpub\b", SearchMode::Regex, 100).unwrap()
    );
    let hits = index.search(r"cap -= 1", SearchMode::Regex, 10).unwrap();
    assert_eq!(hits[0].snippet, "        self.cap -= 1;");
    assert_eq!((hits[0].start_line, hits[0].end_line), (6, 6));
}

/// A file of many chunks (the unit the prefilter narrows a search to): matches are found on
/// the right lines in every chunk, matches that cross lines are found across chunk edges, and
/// `\A` and `\z` mean the file's ends, not a chunk's.
#[test]
fn regex_search_across_chunks_finds_what_a_full_scan_finds() {
    let repo = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let big: String = (0..3000)
        .map(|i| format!("def f{i}(x):\n    return x * {i}\n"))
        .collect();
    let files = [
        ("pkg/big.py", big.as_str()),
        ("pkg/small.py", "def f7(y):\n    return y\n"),
    ];
    write(repo.path(), &files);
    let (index, _) = Index::build(&Source::WorkTree(repo.path().into()), data.path()).unwrap();
    for pattern in [
        r"return x \* 7\d*$",
        r"^def f29\d\d\(",
        r"\bf7\(",
        r"return [xy]$",
        r"(?i)RETURN X \* 1234$",
        r"return x \* 41\ndef f42",
        r"(?s)def f\d+\(x\):\n    return x \* \d+\ndef f\d+",
        r"x \* \d+\s+def f1\d\d\b",
        r"\Adef f\d+\(",
        r"2999\n\z",
    ] {
        let expected = brute_force(&files, pattern);
        assert!(!expected.is_empty(), "{pattern} should match something");
        assert_eq!(found_lines(&index, pattern), expected, "{pattern}");
    }
    let hits = index
        .search(r"return x \* 2718$", SearchMode::Regex, 10)
        .unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(
        (hits[0].start_line, hits[0].snippet.as_str()),
        (5438, "    return x * 2718")
    );
}

#[test]
fn literal_search_escapes_the_query() {
    let (_repo, _data, index) = project();
    let hits = index
        .search("f func() error", SearchMode::Literal, 10)
        .unwrap();
    assert_eq!(
        hits.iter()
            .map(|h| (h.path.as_str(), h.start_line))
            .collect::<Vec<_>>(),
        [("lib/util.go", 4)]
    );
    assert!(index.search("f func(", SearchMode::Regex, 10).is_err());
}

#[test]
fn scope_limits_paths_and_languages() {
    let (_repo, _data, index) = project();
    let rust_only = Scope {
        paths: vec![],
        language: Some(Language::Rust),
    };
    let hits = index
        .search_in("cap", SearchMode::Text, 10, &rust_only)
        .unwrap();
    assert!(!hits.is_empty());
    assert!(hits.iter().all(|h| h.path == "src/cache.rs"));
    let under_lib = Scope {
        paths: vec!["lib/".into()],
        language: None,
    };
    let hits = index
        .search_in("return", SearchMode::Regex, 10, &under_lib)
        .unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].path, "lib/util.go");
}

#[test]
fn bad_queries_are_invalid_not_retryable() {
    let (_repo, _data, index) = project();
    for (query, mode) in [
        ("(unclosed", SearchMode::Regex),
        ("  ", SearchMode::Text),
        ("!!", SearchMode::Text),
    ] {
        let error = index.search(query, mode, 5).err().unwrap();
        assert!(
            matches!(error, IndexError::InvalidQuery(_)),
            "{query}: {error}"
        );
        assert!(!error.is_retryable());
    }
}
