; Based on tree-sitter-java's queries/tags.scm. Additions: enums, records, constructors,
; upper-case fields as constants, every type use and imports as references. Calls are tagged
; on the invocation (the shipped query tags the argument list).

(class_declaration name: (identifier) @name) @definition.class
(record_declaration name: (identifier) @name) @definition.class
(interface_declaration name: (identifier) @name) @definition.interface
(enum_declaration name: (identifier) @name) @definition.enum
(method_declaration name: (identifier) @name) @definition.method
(constructor_declaration name: (identifier) @name) @definition.method
(
  (field_declaration declarator: (variable_declarator name: (identifier) @name)) @definition.constant
  (#match? @name "^[A-Z][A-Z0-9_]*$")
)

(method_invocation name: (identifier) @name) @reference.call
(object_creation_expression type: (type_identifier) @name) @reference.call
(type_identifier) @name @reference.type

(import_declaration (scoped_identifier) @name) @reference.import
