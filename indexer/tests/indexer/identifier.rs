//! Identifier splitting, as the code-aware tokenizer uses it.

use redgreen_indexer::split_identifier;

fn split(identifier: &str) -> Vec<String> {
    split_identifier(identifier)
}

#[test]
fn splits_the_common_naming_styles() {
    assert_eq!(split("snake_case_name"), ["snake", "case", "name"]);
    assert_eq!(split("camelCaseName"), ["camel", "case", "name"]);
    assert_eq!(split("PascalCase"), ["pascal", "case"]);
    assert_eq!(split("parseHTTPResponse"), ["parse", "http", "response"]);
    assert_eq!(split("HTTPServer"), ["http", "server"]);
    assert_eq!(split("SCREAMING_CONST"), ["screaming", "const"]);
}

#[test]
fn splits_paths_and_dotted_names() {
    assert_eq!(
        split("sympy/core/basic.py"),
        ["sympy", "core", "basic", "py"]
    );
    assert_eq!(split("os.path.joinPath"), ["os", "path", "join", "path"]);
    assert_eq!(split("std::io::Read"), ["std", "io", "read"]);
}

#[test]
fn keeps_versions_and_handles_edges() {
    assert_eq!(split("decode_utf8"), ["decode", "utf8"]);
    assert_eq!(split("v2Parser"), ["v2", "parser"]);
    assert!(split("").is_empty());
    assert!(split("__").is_empty());
    assert_eq!(split("x"), ["x"]);
}
