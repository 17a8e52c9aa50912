; Based on tree-sitter-rust's queries/tags.scm. Additions: consts and statics, calls through
; paths (`Foo::new()`), type uses, `use` imports. The shipped query calls every function in a
; `declaration_list` a method, modules included; the indexer decides by the enclosing item.

(struct_item name: (type_identifier) @name) @definition.struct
(enum_item name: (type_identifier) @name) @definition.enum
(union_item name: (type_identifier) @name) @definition.struct
(type_item name: (type_identifier) @name) @definition.type
(function_item name: (identifier) @name) @definition.function
(function_signature_item name: (identifier) @name) @definition.function
(trait_item name: (type_identifier) @name) @definition.trait
(mod_item name: (identifier) @name) @definition.module
(macro_definition name: (identifier) @name) @definition.macro
(const_item name: (identifier) @name) @definition.constant
(static_item name: (identifier) @name) @definition.constant

(call_expression function: (identifier) @name) @reference.call
(call_expression function: (field_expression field: (field_identifier) @name)) @reference.call
(call_expression function: (scoped_identifier name: (identifier) @name)) @reference.call
(call_expression
  function: (generic_function
    function: [
      (identifier) @name
      (scoped_identifier name: (identifier) @name)
      (field_expression field: (field_identifier) @name)
    ])) @reference.call
(macro_invocation macro: (identifier) @name) @reference.call

(impl_item trait: (type_identifier) @name) @reference.implementation
(impl_item type: (type_identifier) @name) @reference.implementation
(type_identifier) @name @reference.type

(use_declaration argument: (_) @name) @reference.import
