//! Parsing fixtures in every language: the exact definitions, qualified names, kinds, spans,
//! docstrings and references found.

use redgreen_indexer::{Language, ParsedFile, ReferenceKind, parse};

fn parsed(language: Language, source: &str) -> ParsedFile {
    parse(language, source.as_bytes()).unwrap()
}

/// `(qualified name, kind, start line, end line)` of every definition, in source order.
fn defs(file: &ParsedFile) -> Vec<(String, &'static str, u32, u32)> {
    file.symbols
        .iter()
        .map(|s| {
            (
                s.qualified_name.clone(),
                s.kind.name(),
                s.start_line,
                s.end_line,
            )
        })
        .collect()
}

fn refs(file: &ParsedFile, kind: ReferenceKind) -> Vec<String> {
    let mut names: Vec<String> = file
        .references
        .iter()
        .filter(|r| r.kind == kind)
        .map(|r| r.name.clone())
        .collect();
    names.sort();
    names
}

fn doc(file: &ParsedFile, qualified: &str) -> Option<String> {
    file.symbols
        .iter()
        .find(|s| s.qualified_name == qualified)
        .and_then(|s| s.doc.clone())
}

fn d(q: &str, kind: &'static str, start: u32, end: u32) -> (String, &'static str, u32, u32) {
    (q.to_owned(), kind, start, end)
}

#[test]
fn every_language_query_compiles() {
    for language in Language::all() {
        parse(language, b"").unwrap_or_else(|e| panic!("{}: {e}", language.name()));
    }
}

#[test]
fn python_methods_belong_to_their_class() {
    let file = parsed(
        Language::Python,
        r#"import os.path
from django.db import models as m, connection

MAX_RETRIES = 3

class Parser(BaseParser):
    """Parses things.

    More detail."""

    def parse(self, text: Token) -> Node:
        '''Parse text.'''
        def helper():
            return 1
        return self.tokenize(text)

    @staticmethod
    def build():
        return Parser()

def main():
    Parser.build().parse(os.getcwd())
"#,
    );
    assert_eq!(
        defs(&file),
        [
            d("MAX_RETRIES", "constant", 4, 4),
            d("Parser", "class", 6, 19),
            d("Parser.parse", "method", 11, 15),
            d("Parser.parse.helper", "function", 13, 14),
            d("Parser.build", "method", 18, 19),
            d("main", "function", 21, 22),
        ]
    );
    assert_eq!(
        doc(&file, "Parser").as_deref(),
        Some("Parses things.\n\nMore detail.")
    );
    assert_eq!(doc(&file, "Parser.parse").as_deref(), Some("Parse text."));
    assert_eq!(doc(&file, "main"), None);
    assert_eq!(
        refs(&file, ReferenceKind::Call),
        ["Parser", "build", "getcwd", "parse", "tokenize"]
    );
    assert_eq!(
        refs(&file, ReferenceKind::Import),
        ["connection", "django.db", "models", "os.path"]
    );
    assert_eq!(
        refs(&file, ReferenceKind::Type),
        ["BaseParser", "Node", "Token"]
    );
}

#[test]
fn rust_impl_methods_are_qualified_by_type() {
    let file = parsed(
        Language::Rust,
        r#"use std::collections::HashMap;

/// The largest size.
/// In bytes.
#[allow(dead_code)]
pub const MAX: usize = 10;

pub struct Cache<T> { items: HashMap<String, T> }

pub trait Store { fn get(&self) -> Option<Item>; }

impl<T> Cache<T> {
    /// Makes one.
    pub fn new() -> Self {
        let m = HashMap::new();
        helper(m.len());
        Cache { items: m }
    }
}

impl Store for Cache<u8> {
    fn get(&self) -> Option<Item> { None }
}

mod inner {
    fn helper(n: usize) -> usize { n }
}

macro_rules! shout { () => { println!("hi") }; }
"#,
    );
    assert_eq!(
        defs(&file),
        [
            d("MAX", "constant", 6, 6),
            d("Cache", "struct", 8, 8),
            d("Store", "trait", 10, 10),
            d("Store::get", "method", 10, 10),
            d("Cache::new", "method", 14, 18),
            d("Cache::get", "method", 22, 22),
            d("inner", "module", 25, 27),
            d("inner::helper", "function", 26, 26),
            d("shout", "macro", 29, 29),
        ]
    );
    assert_eq!(
        doc(&file, "MAX").as_deref(),
        Some("The largest size.\nIn bytes.")
    );
    assert_eq!(doc(&file, "Cache::new").as_deref(), Some("Makes one."));
    assert_eq!(refs(&file, ReferenceKind::Call), ["helper", "len", "new"]);
    // `println!` inside `macro_rules!` is an unparsed token tree: not a reference.
    assert_eq!(
        refs(&file, ReferenceKind::Type),
        [
            "Cache", "HashMap", "Item", "Option", "Self", "Store", "String", "T"
        ]
    );
    assert_eq!(
        refs(&file, ReferenceKind::Import),
        ["std::collections::HashMap"]
    );
}

#[test]
fn go_methods_take_their_receiver_type() {
    let file = parsed(
        Language::Go,
        r#"package server

import (
	"fmt"
	"net/http"
)

const Port = 8080

// Server serves.
type Server struct{ mux *http.ServeMux }

type Handler interface {
	Handle(r Request) error
}

type ID string

// Start starts the server.
// It blocks.
func (s *Server) Start() error {
	fmt.Println("start")
	return s.listen()
}

func New() *Server { return &Server{} }
"#,
    );
    assert_eq!(
        defs(&file),
        [
            d("Port", "constant", 8, 8),
            d("Server", "struct", 11, 11),
            d("Handler", "interface", 13, 15),
            d("Handler.Handle", "method", 14, 14),
            d("ID", "type", 17, 17),
            d("Server.Start", "method", 21, 24),
            d("New", "function", 26, 26),
        ]
    );
    assert_eq!(doc(&file, "Server").as_deref(), Some("Server serves."));
    assert_eq!(
        doc(&file, "Server.Start").as_deref(),
        Some("Start starts the server.\nIt blocks.")
    );
    // Predeclared types are references like any other; they just resolve to no definition.
    assert_eq!(refs(&file, ReferenceKind::Call), ["Println", "listen"]);
    assert_eq!(refs(&file, ReferenceKind::Import), ["fmt", "net/http"]);
    assert_eq!(
        refs(&file, ReferenceKind::Type),
        ["Request", "ServeMux", "Server", "error", "string"]
    );
}

#[test]
fn javascript_classes_functions_and_imports() {
    let file = parsed(
        Language::JavaScript,
        r#"import { readFile } from 'fs';
const path = require('path');

export const LIMIT = 5;

/** Loads config. */
export class Loader extends Base {
  load(name) {
    return readFile(path.join(this.dir, name));
  }
}

const parse = (text) => JSON.parse(text);

function main() {
  new Loader().load('x');
}
"#,
    );
    assert_eq!(
        defs(&file),
        [
            d("path", "constant", 2, 2),
            d("LIMIT", "constant", 4, 4),
            d("Loader", "class", 7, 11),
            d("Loader.load", "method", 8, 10),
            d("parse", "function", 13, 13),
            d("main", "function", 15, 17),
        ]
    );
    assert_eq!(doc(&file, "Loader").as_deref(), Some("Loads config."));
    assert_eq!(
        refs(&file, ReferenceKind::Call),
        ["join", "load", "parse", "readFile"]
    );
    assert_eq!(
        refs(&file, ReferenceKind::Import),
        ["fs", "path", "readFile"]
    );
    assert_eq!(refs(&file, ReferenceKind::Type), ["Loader"]);
}

#[test]
fn typescript_uses_javascript_queries_too() {
    let source = r#"export interface Shape {
  area(): number;
}

type Id = string;

enum Color { Red }

export class Circle implements Shape {
  area(): number {
    return compute(this.r);
  }
}

function compute(r: Radius): number { return r * r; }
"#;
    for language in [Language::TypeScript, Language::Tsx] {
        let file = parsed(language, source);
        assert_eq!(
            defs(&file),
            [
                d("Shape", "interface", 1, 3),
                d("Shape.area", "method", 2, 2),
                d("Id", "type", 5, 5),
                d("Color", "enum", 7, 7),
                d("Circle", "class", 9, 13),
                d("Circle.area", "method", 10, 12),
                d("compute", "function", 15, 15),
            ],
            "{}",
            language.name()
        );
        assert_eq!(refs(&file, ReferenceKind::Call), ["compute"]);
        assert_eq!(refs(&file, ReferenceKind::Type), ["Radius", "Shape"]);
    }
}

#[test]
fn java_classes_methods_and_constants() {
    let file = parsed(
        Language::Java,
        r#"package app;

import java.util.List;

/** A repository. */
public class Repo implements Store {
    public static final int MAX_SIZE = 10;
    private int count;

    public Repo() {}

    /** Finds one. */
    @Override
    public Item find(String id) {
        return lookup(id, new Query(id));
    }
}

interface Store { Item find(String id); }
"#,
    );
    assert_eq!(
        defs(&file),
        [
            d("Repo", "class", 6, 17),
            d("Repo.MAX_SIZE", "constant", 7, 7),
            d("Repo.Repo", "method", 10, 10),
            d("Repo.find", "method", 13, 16),
            d("Store", "interface", 19, 19),
            d("Store.find", "method", 19, 19),
        ]
    );
    assert_eq!(doc(&file, "Repo").as_deref(), Some("A repository."));
    assert_eq!(doc(&file, "Repo.find").as_deref(), Some("Finds one."));
    // `new Query(id)` is a call (to the constructor), not also a type use.
    assert_eq!(refs(&file, ReferenceKind::Call), ["Query", "lookup"]);
    assert_eq!(refs(&file, ReferenceKind::Import), ["java.util.List"]);
    assert_eq!(
        refs(&file, ReferenceKind::Type),
        ["Item", "Store", "String"]
    );
}

#[test]
fn c_functions_have_whole_spans_and_calls() {
    let file = parsed(
        Language::C,
        r#"#include <stdio.h>
#include "util.h"

#define LIMIT 10

typedef struct point { int x; } point_t;

/* Adds numbers. */
static int add(int a, int b) {
    return a + b;
}

char *name(void);

int main(void) {
    point_t p;
    printf("%d", add(p.x, LIMIT));
    return 0;
}
"#,
    );
    assert_eq!(
        defs(&file),
        [
            d("LIMIT", "constant", 4, 4),
            d("point_t", "type", 6, 6),
            d("point", "struct", 6, 6),
            d("add", "function", 9, 11),
            d("name", "function", 13, 13),
            d("main", "function", 15, 19),
        ]
    );
    assert_eq!(doc(&file, "add").as_deref(), Some("Adds numbers."));
    assert_eq!(refs(&file, ReferenceKind::Call), ["add", "printf"]);
    assert_eq!(refs(&file, ReferenceKind::Import), ["stdio.h", "util.h"]);
    assert_eq!(refs(&file, ReferenceKind::Type), ["point_t"]);
}

#[test]
fn cpp_methods_in_and_out_of_class() {
    let file = parsed(
        Language::Cpp,
        r#"#include <vector>

namespace geo {

class Shape {
public:
    virtual double area() const;
    int sides() { return n; }
};

// Computes the area.
double Shape::area() const {
    return std::sqrt(compute<int>(1)) + helper(2);
}

}
"#,
    );
    assert_eq!(
        defs(&file),
        [
            d("geo", "module", 3, 16),
            d("geo::Shape", "class", 5, 9),
            d("geo::Shape::area", "method", 7, 7),
            d("geo::Shape::sides", "method", 8, 8),
            d("geo::Shape::area", "method", 12, 14),
        ]
    );
    assert_eq!(doc(&file, "geo::Shape::area"), None);
    assert_eq!(file.symbols[4].doc.as_deref(), Some("Computes the area."));
    assert_eq!(
        refs(&file, ReferenceKind::Call),
        ["compute", "helper", "sqrt"]
    );
    assert_eq!(refs(&file, ReferenceKind::Import), ["vector"]);
}

#[test]
fn ruby_modules_classes_and_methods() {
    let file = parsed(
        Language::Ruby,
        r#"require 'json'

module Billing
  RATE = 3

  # Charges cards.
  class Invoice < Base
    def total
      compute(items)
    end

    def self.build
      Invoice.new
    end
  end
end

def helper; end
"#,
    );
    assert_eq!(
        defs(&file),
        [
            d("Billing", "module", 3, 16),
            d("Billing::RATE", "constant", 4, 4),
            d("Billing::Invoice", "class", 7, 15),
            d("Billing::Invoice::total", "method", 8, 10),
            d("Billing::Invoice::build", "method", 12, 14),
            d("helper", "function", 18, 18),
        ]
    );
    assert_eq!(
        doc(&file, "Billing::Invoice").as_deref(),
        Some("Charges cards.")
    );
    // A bare `items` may be a local or a call; without locals it is not counted.
    assert_eq!(refs(&file, ReferenceKind::Call), ["compute", "new"]);
    assert_eq!(refs(&file, ReferenceKind::Import), ["json"]);
    assert_eq!(refs(&file, ReferenceKind::Type), ["Base", "Invoice"]);
}

#[test]
fn syntax_errors_still_yield_what_was_recovered() {
    let file = parsed(Language::Python, "def good():\n    pass\n\ndef broken(:\n");
    assert_eq!(file.symbols[0].qualified_name, "good");
}
