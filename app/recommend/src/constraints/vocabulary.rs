//! The words the constraint parser knows: languages, clouds, compliance targets, licence
//! families, filler words, and the catalog's option names and aliases.

use std::collections::BTreeMap;

use crate::catalog::Catalog;

/// Spellings of languages, mapped to the catalog's language ids. More languages than the
/// catalog supports are known on purpose: asking for one gives a clear "no option supports
/// it" rather than an "unknown word".
const LANGUAGES: &[(&str, &str)] = &[
    ("rust", "rust"),
    ("python", "python"),
    ("python3", "python"),
    ("go", "go"),
    ("golang", "go"),
    ("javascript", "javascript"),
    ("js", "javascript"),
    ("node", "javascript"),
    ("nodejs", "javascript"),
    ("node.js", "javascript"),
    ("typescript", "typescript"),
    ("ts", "typescript"),
    ("java", "java"),
    ("kotlin", "kotlin"),
    ("c#", "csharp"),
    ("csharp", "csharp"),
    (".net", "csharp"),
    ("dotnet", "csharp"),
    ("f#", "fsharp"),
    ("ruby", "ruby"),
    ("php", "php"),
    ("elixir", "elixir"),
    ("erlang", "erlang"),
    ("scala", "scala"),
    ("swift", "swift"),
    ("haskell", "haskell"),
    ("cobol", "cobol"),
    ("fortran", "fortran"),
    ("c", "c"),
    ("c++", "cpp"),
    ("cpp", "cpp"),
    ("dart", "dart"),
    ("clojure", "clojure"),
    ("perl", "perl"),
    ("lua", "lua"),
    ("zig", "zig"),
    ("ocaml", "ocaml"),
];

/// Words that carry no constraint on their own.
const FILLER: &[&str] = &[
    "a",
    "about",
    "across",
    "after",
    "all",
    "also",
    "an",
    "and",
    "any",
    "app",
    "application",
    "apps",
    "are",
    "around",
    "as",
    "at",
    "backend",
    "be",
    "both",
    "build",
    "building",
    "but",
    "by",
    "can",
    "compliance",
    "compliant",
    "data",
    "day",
    "do",
    "for",
    "from",
    "has",
    "have",
    "i",
    "if",
    "in",
    "including",
    "is",
    "it",
    "its",
    "just",
    "level",
    "like",
    "lots",
    "many",
    "me",
    "month",
    "monthly",
    "most",
    "must",
    "my",
    "need",
    "needs",
    "new",
    "of",
    "on",
    "or",
    "our",
    "over",
    "peak",
    "per",
    "please",
    "plus",
    "prefer",
    "preferred",
    "preferably",
    "project",
    "recommend",
    "recommendation",
    "requirements",
    "required",
    "requires",
    "scale",
    "service",
    "services",
    "should",
    "so",
    "some",
    "stack",
    "support",
    "supports",
    "target",
    "targets",
    "team",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "this",
    "to",
    "up",
    "us",
    "use",
    "using",
    "very",
    "want",
    "wants",
    "we",
    "web",
    "what",
    "which",
    "while",
    "who",
    "will",
    "with",
    "within",
    "would",
    "you",
    "your",
    "around",
    "approx",
    "roughly",
    "something",
    "thing",
    "things",
    "stuff",
    "expected",
    "expect",
    "handle",
    "serve",
    "serving",
    "store",
    "storing",
    "budget",
    "cloud",
    "hosted",
    "hosting",
    "on",
    "language",
    "framework",
    "frameworks",
    "should",
    "ideally",
    "api",
    "apis",
    "saas",
    "product",
    "platform",
];

/// Licence families a requester can deny in words (`no agpl`), as SPDX ids.
pub(crate) const LICENCE_FAMILIES: &[(&str, &[&str])] = &[
    ("agpl", &["AGPL-3.0-only", "AGPL-3.0-or-later"]),
    ("sspl", &["SSPL-1.0"]),
    ("busl", &["BUSL-1.1"]),
    ("bsl", &["BUSL-1.1"]),
    (
        "gpl",
        &[
            "GPL-2.0-only",
            "GPL-2.0-or-later",
            "GPL-3.0-only",
            "GPL-3.0-or-later",
        ],
    ),
];

/// The parser's dictionary, built from the catalog so that every option can be named.
#[derive(Debug, Clone)]
pub struct Vocabulary {
    /// Lower-case names and aliases of options, mapped to option ids; phrases of several
    /// words included, matched longest first.
    pub(crate) products: Vec<(String, String)>,
    pub(crate) languages: BTreeMap<&'static str, &'static str>,
    pub(crate) filler: Vec<&'static str>,
}

impl Vocabulary {
    pub fn new(catalog: &Catalog) -> Vocabulary {
        let mut products: BTreeMap<String, String> = BTreeMap::new();
        for options in catalog.options.values() {
            for option in options {
                // The clouds themselves are cloud constraints, not preferences.
                if matches!(option.id.as_str(), "aws" | "gcp" | "azure") {
                    continue;
                }
                let names = [option.id.clone(), option.name.to_lowercase()]
                    .into_iter()
                    .chain(option.aliases.iter().map(|alias| alias.to_lowercase()));
                for name in names {
                    // A language's own name stays a language (the `rust` runtime is named
                    // by asking for Rust), and cloud words stay clouds.
                    if LANGUAGES.iter().any(|(word, _)| *word == name)
                        || matches!(name.as_str(), "aws" | "gcp" | "azure")
                    {
                        continue;
                    }
                    products.entry(name).or_insert_with(|| option.id.clone());
                }
            }
        }
        let mut products: Vec<(String, String)> = products.into_iter().collect();
        // Longest first, then alphabetical: "github actions" before "github".
        products.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        Vocabulary {
            products,
            languages: LANGUAGES.iter().copied().collect(),
            filler: FILLER.to_vec(),
        }
    }

    /// The option id a name or alias stands for.
    pub fn product(&self, name: &str) -> Option<&str> {
        let name = name.trim().to_lowercase();
        self.products
            .iter()
            .find(|(word, _)| *word == name)
            .map(|(_, id)| id.as_str())
    }

    /// The language id a spelling stands for.
    pub fn language(&self, word: &str) -> Option<&'static str> {
        self.languages
            .get(word.trim().to_lowercase().as_str())
            .copied()
    }

    pub(crate) fn is_filler(&self, word: &str) -> bool {
        self.filler.contains(&word)
    }
}
