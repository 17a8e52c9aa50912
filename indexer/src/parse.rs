//! Parsing one source file into its definitions (with spans, qualified names and docstrings)
//! and the names it references, with tree-sitter and the tag queries in `queries/`.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use streaming_iterator::StreamingIterator;
use tree_sitter::{Node, QueryCursor};

use crate::error::Result;
use crate::language::Language;

/// What a definition is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SymbolKind {
    Function,
    Method,
    Class,
    Struct,
    Enum,
    Interface,
    Trait,
    Module,
    Type,
    Constant,
    Macro,
}

impl SymbolKind {
    pub fn name(self) -> &'static str {
        match self {
            SymbolKind::Function => "function",
            SymbolKind::Method => "method",
            SymbolKind::Class => "class",
            SymbolKind::Struct => "struct",
            SymbolKind::Enum => "enum",
            SymbolKind::Interface => "interface",
            SymbolKind::Trait => "trait",
            SymbolKind::Module => "module",
            SymbolKind::Type => "type",
            SymbolKind::Constant => "constant",
            SymbolKind::Macro => "macro",
        }
    }

    fn from_capture(kind: &str) -> Option<SymbolKind> {
        Some(match kind {
            "function" => SymbolKind::Function,
            "method" => SymbolKind::Method,
            "class" => SymbolKind::Class,
            "struct" => SymbolKind::Struct,
            "enum" => SymbolKind::Enum,
            "interface" => SymbolKind::Interface,
            "trait" => SymbolKind::Trait,
            "module" => SymbolKind::Module,
            "type" => SymbolKind::Type,
            "constant" => SymbolKind::Constant,
            "macro" => SymbolKind::Macro,
            _ => return None,
        })
    }

    /// Kinds whose functions are methods.
    fn holds_methods(self) -> bool {
        matches!(
            self,
            SymbolKind::Class
                | SymbolKind::Struct
                | SymbolKind::Enum
                | SymbolKind::Interface
                | SymbolKind::Trait
        )
    }
}

/// How a file uses a name it does not necessarily define.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReferenceKind {
    Call,
    Type,
    Import,
}

/// One definition in a file. Lines are 1-based and inclusive; bytes are the half-open span.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Symbol {
    pub name: String,
    /// The name with its enclosing definitions, joined the language's way (`Class.method`,
    /// `Type::method`, `outer.inner`).
    pub qualified_name: String,
    pub kind: SymbolKind,
    pub start_line: u32,
    pub end_line: u32,
    pub start_byte: u32,
    pub end_byte: u32,
    /// The docstring or the doc comment right above the definition, markers stripped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
}

/// Every use of one name with one kind in a file: the first line and how many times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    pub name: String,
    pub kind: ReferenceKind,
    pub line: u32,
    pub count: u32,
}

/// What parsing a file found. Symbols are in source order, outer definitions before the
/// ones they contain; references are in order of first use.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParsedFile {
    pub symbols: Vec<Symbol>,
    pub references: Vec<Reference>,
}

/// Node kinds that wrap a definition without being one; a doc comment sits above the wrapper.
const WRAPPERS: &[&str] = &[
    "export_statement",
    "decorated_definition",
    "template_declaration",
    "lexical_declaration",
    "variable_declaration",
    "const_declaration",
    "var_declaration",
    "type_declaration",
];

/// Node kinds allowed between a doc comment and its definition.
const ATTRIBUTES: &[&str] = &[
    "attribute_item",
    "decorator",
    "annotation",
    "marker_annotation",
];

const MAX_DOC_CHARS: usize = 2000;

enum Tag {
    Definition(SymbolKind),
    Reference(ReferenceKind),
}

struct Candidate<'t> {
    name: Node<'t>,
    node: Node<'t>,
    kind: SymbolKind,
    pattern: usize,
}

/// Parses `source` as `language`. A file with syntax errors still yields what tree-sitter
/// recovered; only a grammar or query that fails to load is an error.
pub fn parse(language: Language, source: &[u8]) -> Result<ParsedFile> {
    let query = language.tags_query()?;
    let Some(tree) = language.parser()?.parse(source, None) else {
        return Ok(ParsedFile::default());
    };
    let capture_names = query.capture_names();

    let mut definitions: HashMap<usize, Candidate> = HashMap::new();
    let mut references: Vec<(Node, ReferenceKind)> = Vec::new();
    let mut cursor = QueryCursor::new();
    let mut matches = cursor.matches(query, tree.root_node(), source);
    while let Some(m) = matches.next() {
        let mut name = None;
        let mut tagged = None;
        for capture in m.captures {
            let capture_name = capture_names[capture.index as usize];
            if capture_name == "name" {
                name = Some(capture.node);
            } else if let Some(kind) = capture_name.strip_prefix("definition.") {
                tagged = SymbolKind::from_capture(kind).map(|k| (capture.node, Tag::Definition(k)));
            } else if let Some(kind) = capture_name.strip_prefix("reference.") {
                let kind = match kind {
                    "call" => ReferenceKind::Call,
                    "import" => ReferenceKind::Import,
                    _ => ReferenceKind::Type,
                };
                tagged = Some((capture.node, Tag::Reference(kind)));
            }
        }
        let (Some(name), Some((node, kind))) = (name, tagged) else {
            continue;
        };
        match kind {
            Tag::Definition(kind) => {
                // Several patterns can tag one name (a Go struct is also a type); the one
                // listed first in the query file is the more specific and wins.
                let candidate = Candidate {
                    name,
                    node,
                    kind,
                    pattern: m.pattern_index,
                };
                match definitions.get(&name.id()) {
                    Some(existing) if existing.pattern <= candidate.pattern => {}
                    _ => {
                        definitions.insert(name.id(), candidate);
                    }
                }
            }
            Tag::Reference(kind) => references.push((name, kind)),
        }
    }

    let mut candidates: Vec<Candidate> = definitions.into_values().collect();
    candidates.sort_by_key(|c| (c.node.start_byte(), std::cmp::Reverse(c.node.end_byte())));
    let by_node: HashMap<usize, usize> = candidates
        .iter()
        .enumerate()
        .map(|(i, c)| (c.node.id(), i))
        .collect();

    let mut symbols: Vec<Symbol> = Vec::with_capacity(candidates.len());
    // Each candidate's qualified name and kind, by candidate index, for its members.
    let mut resolved: Vec<Option<(String, SymbolKind)>> = vec![None; candidates.len()];
    for (ci, candidate) in candidates.iter().enumerate() {
        let Some(name) = text(candidate.name, source) else {
            continue;
        };
        let name = name.to_owned();
        // The nearest enclosing definition, or a Rust `impl` block, names the container.
        let mut container: Option<(String, bool)> = None;
        let mut ancestor = candidate.node.parent();
        while let Some(node) = ancestor {
            if let Some(&i) = by_node.get(&node.id()) {
                match &resolved[i] {
                    // A typedef or constant wrapping a struct does not qualify it.
                    Some((_, SymbolKind::Type | SymbolKind::Constant | SymbolKind::Macro)) => {}
                    Some((qualified, kind)) => {
                        container = Some((qualified.clone(), kind.holds_methods()));
                        break;
                    }
                    None => break,
                }
            }
            if node.kind() == "impl_item" {
                container = impl_type_name(node, source).map(|n| (n, true));
                break;
            }
            ancestor = node.parent();
        }
        // `void Widget::draw()` and `func (w *Widget) Draw()` name their container themselves.
        let own_scope = match candidate.name.parent() {
            Some(p) if p.kind() == "qualified_identifier" => p
                .child_by_field_name("scope")
                .and_then(|s| text(s, source))
                .map(str::to_owned),
            _ if candidate.node.kind() == "method_declaration" && language == Language::Go => {
                go_receiver_type(candidate.node, source)
            }
            _ => None,
        };
        let sep = language.separator();
        let qualified_name = match (&container, &own_scope) {
            (Some((outer, _)), Some(scope)) => format!("{outer}{sep}{scope}{sep}{name}"),
            (Some((outer, _)), None) => format!("{outer}{sep}{name}"),
            (None, Some(scope)) => format!("{scope}{sep}{name}"),
            (None, None) => name.clone(),
        };
        let kind = match candidate.kind {
            SymbolKind::Function | SymbolKind::Method => {
                let in_type = container.as_ref().is_some_and(|(_, holds)| *holds);
                let explicit = candidate.kind == SymbolKind::Method
                    && matches!(language, Language::Go | Language::Cpp);
                if in_type || explicit || own_scope.is_some() {
                    SymbolKind::Method
                } else {
                    SymbolKind::Function
                }
            }
            other => other,
        };
        let node = candidate.node;
        let end = node.end_position();
        // A span that ends at the start of a line ends on the line before.
        let end_row = if end.column == 0 && end.row > node.start_position().row {
            end.row - 1
        } else {
            end.row
        };
        resolved[ci] = Some((qualified_name.clone(), kind));
        symbols.push(Symbol {
            name,
            qualified_name,
            kind,
            start_line: line(node.start_position().row),
            end_line: line(end_row),
            start_byte: node.start_byte() as u32,
            end_byte: node.end_byte() as u32,
            doc: docstring(language, node, source),
        });
    }

    let defined_names: std::collections::HashSet<usize> =
        candidates.iter().map(|c| c.name.id()).collect();
    let mut seen_nodes = std::collections::HashSet::new();
    let mut refs: Vec<Reference> = Vec::new();
    let mut index: HashMap<(String, ReferenceKind), usize> = HashMap::new();
    references.sort_by_key(|(node, _)| node.start_byte());
    for (node, kind) in references {
        if defined_names.contains(&node.id()) || !seen_nodes.insert(node.id()) {
            continue;
        }
        let Some(raw) = text(node, source) else {
            continue;
        };
        let name = match kind {
            ReferenceKind::Import => raw
                .trim_matches(|c| matches!(c, '"' | '\'' | '<' | '>' | '`'))
                .split_whitespace()
                .collect::<String>(),
            _ => raw.to_owned(),
        };
        if name.is_empty() {
            continue;
        }
        match index.get(&(name.clone(), kind)) {
            Some(&i) => refs[i].count += 1,
            None => {
                index.insert((name.clone(), kind), refs.len());
                refs.push(Reference {
                    name,
                    kind,
                    line: line(node.start_position().row),
                    count: 1,
                });
            }
        }
    }
    Ok(ParsedFile {
        symbols,
        references: refs,
    })
}

fn line(row: usize) -> u32 {
    u32::try_from(row + 1).unwrap_or(u32::MAX)
}

fn text<'s>(node: Node, source: &'s [u8]) -> Option<&'s str> {
    node.utf8_text(source).ok()
}

/// `impl<T> Trait for Vec<T>` → `Vec`: the implemented type without its generics or path.
fn impl_type_name(node: Node, source: &[u8]) -> Option<String> {
    let ty = node.child_by_field_name("type")?;
    let ty = match ty.kind() {
        "generic_type" => ty.child_by_field_name("type")?,
        _ => ty,
    };
    let full = text(ty, source)?;
    Some(full.rsplit("::").next().unwrap_or(full).to_owned())
}

/// `func (w *Widget[T]) Draw()` → `Widget`.
fn go_receiver_type(node: Node, source: &[u8]) -> Option<String> {
    let receiver = node.child_by_field_name("receiver")?;
    let mut stack = vec![receiver];
    while let Some(n) = stack.pop() {
        if n.kind() == "type_identifier" {
            return text(n, source).map(str::to_owned);
        }
        let mut walk = n.walk();
        let children: Vec<Node> = n.named_children(&mut walk).collect();
        stack.extend(children.into_iter().rev());
    }
    None
}

/// A Python docstring (the first statement of the body, a string) or the contiguous block of
/// comments right above the definition.
fn docstring(language: Language, node: Node, source: &[u8]) -> Option<String> {
    if language == Language::Python {
        let body = node.child_by_field_name("body")?;
        let first = body.named_child(0)?;
        if first.kind() != "expression_statement" {
            return None;
        }
        let string = first.named_child(0).filter(|s| s.kind() == "string")?;
        let raw = text(string, source)?;
        let raw = raw.trim_start_matches(['r', 'R', 'u', 'U', 'b', 'B']);
        let quote = ["\"\"\"", "'''", "\"", "'"]
            .into_iter()
            .find(|q| raw.starts_with(q) && raw.len() >= 2 * q.len())?;
        let inner = &raw[quote.len()..raw.len() - quote.len()];
        return clean_doc(inner.lines());
    }
    let mut anchor = node;
    while let Some(parent) = anchor.parent() {
        if !WRAPPERS.contains(&parent.kind()) {
            break;
        }
        anchor = parent;
    }
    let mut comments = Vec::new();
    let mut next_row = anchor.start_position().row;
    let mut sibling = anchor.prev_named_sibling();
    while let Some(s) = sibling {
        if ATTRIBUTES.contains(&s.kind()) {
            next_row = s.start_position().row;
        } else if s.kind().contains("comment") && s.end_position().row + 1 >= next_row {
            comments.push(text(s, source)?);
            next_row = s.start_position().row;
        } else {
            break;
        }
        sibling = s.prev_named_sibling();
    }
    comments.reverse();
    clean_doc(comments.iter().flat_map(|c| c.lines()))
}

fn clean_doc<'a>(lines: impl Iterator<Item = &'a str>) -> Option<String> {
    let mut out = String::new();
    for line in lines {
        let mut l = line.trim();
        for marker in ["///", "//!", "//", "/**", "/*!", "/*", "#"] {
            if let Some(rest) = l.strip_prefix(marker) {
                l = rest;
                break;
            }
        }
        let l = l.trim_end_matches("*/").trim_start_matches('*').trim();
        if l.is_empty() && out.is_empty() {
            continue;
        }
        out.push_str(l);
        out.push('\n');
        if out.len() > MAX_DOC_CHARS {
            break;
        }
    }
    let trimmed = out.trim_end();
    (!trimmed.is_empty()).then(|| trimmed.chars().take(MAX_DOC_CHARS).collect())
}
