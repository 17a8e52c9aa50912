//! The languages the indexer parses: which files are which, their grammars and tag queries.

use std::path::Path;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use tree_sitter::{Parser, Query};

use crate::error::{IndexError, Result};

/// A language with a tree-sitter grammar and a tag query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Rust,
    Python,
    Go,
    JavaScript,
    TypeScript,
    Tsx,
    Java,
    C,
    Cpp,
    Ruby,
}

const ALL: [Language; 10] = [
    Language::Rust,
    Language::Python,
    Language::Go,
    Language::JavaScript,
    Language::TypeScript,
    Language::Tsx,
    Language::Java,
    Language::C,
    Language::Cpp,
    Language::Ruby,
];

impl Language {
    /// The language of a file, by its extension; `None` for files indexed as text only.
    pub fn from_path(path: &Path) -> Option<Language> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "rs" => Language::Rust,
            "py" | "pyi" => Language::Python,
            "go" => Language::Go,
            "js" | "mjs" | "cjs" | "jsx" => Language::JavaScript,
            "ts" | "mts" | "cts" => Language::TypeScript,
            "tsx" => Language::Tsx,
            "java" => Language::Java,
            // Headers are parsed as C: the C++ grammar accepts C, but most `.h` files are C.
            "c" | "h" => Language::C,
            "cc" | "cpp" | "cxx" | "c++" | "hh" | "hpp" | "hxx" | "h++" | "ipp" => Language::Cpp,
            "rb" | "rake" | "gemspec" => Language::Ruby,
            _ => return None,
        })
    }

    /// The name used in search scopes and JSON output.
    pub fn name(self) -> &'static str {
        match self {
            Language::Rust => "rust",
            Language::Python => "python",
            Language::Go => "go",
            Language::JavaScript => "javascript",
            Language::TypeScript => "typescript",
            Language::Tsx => "tsx",
            Language::Java => "java",
            Language::C => "c",
            Language::Cpp => "cpp",
            Language::Ruby => "ruby",
        }
    }

    /// Parses a language name as [`Language::name`] writes it.
    pub fn from_name(name: &str) -> Option<Language> {
        ALL.into_iter()
            .find(|l| l.name().eq_ignore_ascii_case(name))
    }

    /// How the language itself joins a member to its container in a qualified name.
    pub fn separator(self) -> &'static str {
        match self {
            Language::Rust | Language::Cpp | Language::Ruby => "::",
            _ => ".",
        }
    }

    pub(crate) fn grammar(self) -> tree_sitter::Language {
        match self {
            Language::Rust => tree_sitter_rust::LANGUAGE.into(),
            Language::Python => tree_sitter_python::LANGUAGE.into(),
            Language::Go => tree_sitter_go::LANGUAGE.into(),
            Language::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
            Language::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Language::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
            Language::Java => tree_sitter_java::LANGUAGE.into(),
            Language::C => tree_sitter_c::LANGUAGE.into(),
            Language::Cpp => tree_sitter_cpp::LANGUAGE.into(),
            Language::Ruby => tree_sitter_ruby::LANGUAGE.into(),
        }
    }

    fn query_source(self) -> String {
        const JS: &str = include_str!("../queries/javascript/tags.scm");
        const TS: &str = include_str!("../queries/typescript/tags.scm");
        match self {
            Language::Rust => include_str!("../queries/rust/tags.scm").to_owned(),
            Language::Python => include_str!("../queries/python/tags.scm").to_owned(),
            Language::Go => include_str!("../queries/go/tags.scm").to_owned(),
            Language::JavaScript => JS.to_owned(),
            Language::TypeScript | Language::Tsx => format!("{JS}\n{TS}"),
            Language::Java => include_str!("../queries/java/tags.scm").to_owned(),
            Language::C => include_str!("../queries/c/tags.scm").to_owned(),
            Language::Cpp => include_str!("../queries/cpp/tags.scm").to_owned(),
            Language::Ruby => include_str!("../queries/ruby/tags.scm").to_owned(),
        }
    }

    /// A parser for this language.
    pub(crate) fn parser(self) -> Result<Parser> {
        let mut parser = Parser::new();
        parser
            .set_language(&self.grammar())
            .map_err(|e| IndexError::Grammar {
                language: self.name(),
                message: e.to_string(),
            })?;
        Ok(parser)
    }

    /// The compiled `sast_scan` query (`queries/<lang>/sast.scm`), built once per process;
    /// `None` for a language without security rules.
    pub(crate) fn sast_query(self) -> Result<Option<&'static Query>> {
        const JS: &str = include_str!("../queries/javascript/sast.scm");
        const C: &str = include_str!("../queries/c/sast.scm");
        let source = match self {
            Language::Python => include_str!("../queries/python/sast.scm"),
            Language::JavaScript | Language::TypeScript | Language::Tsx => JS,
            Language::C | Language::Cpp => C,
            Language::Rust | Language::Go | Language::Java | Language::Ruby => return Ok(None),
        };
        static QUERIES: [OnceLock<std::result::Result<Query, String>>; 10] =
            [const { OnceLock::new() }; 10];
        QUERIES[self as usize]
            .get_or_init(|| Query::new(&self.grammar(), source).map_err(|e| e.to_string()))
            .as_ref()
            .map(Some)
            .map_err(|message| IndexError::Grammar {
                language: self.name(),
                message: message.clone(),
            })
    }

    /// The compiled tag query, built once per process (compiling takes milliseconds, parsing a
    /// file microseconds).
    pub(crate) fn tags_query(self) -> Result<&'static Query> {
        static QUERIES: [OnceLock<std::result::Result<Query, String>>; 10] =
            [const { OnceLock::new() }; 10];
        let slot = &QUERIES[self as usize];
        slot.get_or_init(|| {
            Query::new(&self.grammar(), &self.query_source()).map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|message| IndexError::Grammar {
            language: self.name(),
            message: message.clone(),
        })
    }

    /// Every supported language, for checks that all queries compile.
    pub fn all() -> [Language; 10] {
        ALL
    }
}
