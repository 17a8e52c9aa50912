; Based on tree-sitter-typescript's queries/tags.scm; loaded after javascript/tags.scm, as the
; TypeScript grammars extend JavaScript's and the shipped TypeScript query covers only the
; additions. Additions here: type aliases, enums and namespaces.

(function_signature name: (identifier) @name) @definition.function
(method_signature name: (property_identifier) @name) @definition.method
(abstract_method_signature name: (property_identifier) @name) @definition.method
(abstract_class_declaration name: (type_identifier) @name) @definition.class
(module name: (identifier) @name) @definition.module
(internal_module name: (identifier) @name) @definition.module
(interface_declaration name: (type_identifier) @name) @definition.interface
(type_alias_declaration name: (type_identifier) @name) @definition.type
(enum_declaration name: (identifier) @name) @definition.enum

(type_identifier) @name @reference.type
