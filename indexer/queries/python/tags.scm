; Based on tree-sitter-python's queries/tags.scm. Additions: imports, base classes and type
; annotations as references. Methods are told from functions by the indexer (a function
; directly inside a class is a method), which the shipped query cannot express.

(module (expression_statement (assignment left: (identifier) @name) @definition.constant))

(class_definition
  name: (identifier) @name) @definition.class

(function_definition
  name: (identifier) @name) @definition.function

(call
  function: [
      (identifier) @name
      (attribute
        attribute: (identifier) @name)
  ]) @reference.call

(import_statement name: (dotted_name) @name) @reference.import
(import_statement name: (aliased_import name: (dotted_name) @name)) @reference.import
(import_from_statement module_name: (dotted_name) @name) @reference.import
(import_from_statement name: (dotted_name) @name) @reference.import
(import_from_statement name: (aliased_import name: (dotted_name) @name)) @reference.import

(class_definition
  superclasses: (argument_list
    [(identifier) @name (attribute attribute: (identifier) @name)])) @reference.type

(type (identifier) @name) @reference.type
