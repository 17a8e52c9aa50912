; Based on tree-sitter-javascript's queries/tags.scm. Changes: member calls are tagged on the
; call (the shipped query tags the arguments), top-level constants, imports and `require`
; as references. Also loaded for TypeScript and TSX, whose grammars extend this one. Doc
; comments are read by the indexer, not by `#select-adjacent!`.

(method_definition
  name: (property_identifier) @name) @definition.method

[
  (class name: (_) @name)
  (class_declaration name: (_) @name)
] @definition.class

[
  (function_expression name: (identifier) @name)
  (function_declaration name: (identifier) @name)
  (generator_function name: (identifier) @name)
  (generator_function_declaration name: (identifier) @name)
] @definition.function

(lexical_declaration
  (variable_declarator
    name: (identifier) @name
    value: [(arrow_function) (function_expression)]) @definition.function)

(variable_declaration
  (variable_declarator
    name: (identifier) @name
    value: [(arrow_function) (function_expression)]) @definition.function)

(assignment_expression
  left: [
    (identifier) @name
    (member_expression property: (property_identifier) @name)
  ]
  right: [(arrow_function) (function_expression)]) @definition.function

(pair
  key: (property_identifier) @name
  value: [(arrow_function) (function_expression)]) @definition.function

(program (lexical_declaration (variable_declarator name: (identifier) @name) @definition.constant))
(program (export_statement (lexical_declaration (variable_declarator name: (identifier) @name) @definition.constant)))

(
  (call_expression function: (identifier) @name) @reference.call
  (#not-eq? @name "require")
)

(call_expression
  function: (member_expression property: (property_identifier) @name)) @reference.call

(new_expression constructor: (identifier) @name) @reference.type

(import_statement source: (string (string_fragment) @name)) @reference.import
(import_specifier name: (identifier) @name) @reference.import
(
  (call_expression
    function: (identifier) @_require
    arguments: (arguments (string (string_fragment) @name))) @reference.import
  (#eq? @_require "require")
)
