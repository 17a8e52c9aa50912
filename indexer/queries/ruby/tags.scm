; Based on tree-sitter-ruby's queries/tags.scm. Changes: constants are definitions, receivers
; and superclasses are type references, `require` is an import. The shipped query's
; every-identifier-is-a-call pattern is left out: without locals it tags every variable.

(method name: (_) @name) @definition.method
(singleton_method name: (_) @name) @definition.method
(alias name: (_) @name) @definition.method

(class
  name: [(constant) @name (scope_resolution name: (_) @name)]) @definition.class
(module
  name: [(constant) @name (scope_resolution name: (_) @name)]) @definition.module
(assignment left: (constant) @name) @definition.constant

(
  (call method: (identifier) @name) @reference.call
  (#not-match? @name "^(require|require_relative|load)$")
)
(call receiver: (constant) @name) @reference.type
(superclass (constant) @name) @reference.type
(superclass (scope_resolution name: (constant) @name)) @reference.type
(
  (call
    method: (identifier) @_require
    arguments: (argument_list (string (string_content) @name))) @reference.import
  (#match? @_require "^(require|require_relative)$")
)
