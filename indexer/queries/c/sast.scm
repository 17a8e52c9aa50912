; Security rules for sast_scan (C; also applied to C++). A capture named `@rule.<id>` marks a
; finding of rule <id> (metadata in src/sast.rs).

; No bound on what is written: buffer overflow (CWE-120, CWE-242).
((call_expression function: (identifier) @_f) @rule.c-unbounded-copy
  (#any-of? @_f "gets" "strcpy" "strcat" "sprintf" "vsprintf"))

; A shell runs the command line (CWE-78).
((call_expression function: (identifier) @_f) @rule.c-shell-exec
  (#any-of? @_f "system" "popen"))
