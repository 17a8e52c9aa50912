; Security rules for sast_scan (JavaScript; also applied to TypeScript and TSX). A capture
; named `@rule.<id>` marks a finding of rule <id> (metadata in src/sast.rs).

; eval and the Function constructor run strings as code (CWE-95).
((call_expression function: (identifier) @_f) @rule.js-eval
  (#eq? @_f "eval"))

((new_expression constructor: (identifier) @_c) @rule.js-eval
  (#eq? @_c "Function"))

; Markup written from values: cross-site scripting (CWE-79).
((assignment_expression left: (member_expression property: (property_identifier) @_p)) @rule.js-html-injection
  (#any-of? @_p "innerHTML" "outerHTML"))

((call_expression function: (member_expression object: (identifier) @_o property: (property_identifier) @_p)) @rule.js-html-injection
  (#eq? @_o "document") (#any-of? @_p "write" "writeln"))

; A shell runs the command line (CWE-78).
((call_expression function: (member_expression object: (identifier) @_o property: (property_identifier) @_p)) @rule.js-shell-exec
  (#any-of? @_o "child_process" "childProcess" "cp")
  (#any-of? @_p "exec" "execSync"))
