; Security rules for sast_scan. A capture named `@rule.<id>` marks a finding of rule <id>
; (metadata in src/sast.rs); captures starting with `_` only feed predicates.

; eval/exec of a value: code injection (CWE-95).
((call function: (identifier) @_f) @rule.py-eval
  (#any-of? @_f "eval" "exec"))

; Unpickling runs code from the data (CWE-502).
((call function: (attribute object: (identifier) @_m attribute: (identifier) @_a)) @rule.py-unsafe-deserialization
  (#any-of? @_m "pickle" "cPickle" "_pickle" "dill" "marshal" "shelve")
  (#any-of? @_a "load" "loads" "open"))

; yaml.load without an explicit Loader builds arbitrary objects in old PyYAML (CWE-502).
((call
   function: (attribute object: (identifier) @_m attribute: (identifier) @_a)
   arguments: (argument_list) @_args) @rule.py-yaml-load
  (#eq? @_m "yaml") (#eq? @_a "load")
  (#not-match? @_args "Loader"))

; A shell runs the command line: injection when any part is data (CWE-78).
((call arguments: (argument_list (keyword_argument name: (identifier) @_k value: (true)))) @rule.py-shell-true
  (#eq? @_k "shell"))

((call function: (attribute object: (identifier) @_m attribute: (identifier) @_a)) @rule.py-os-system
  (#eq? @_m "os") (#any-of? @_a "system" "popen"))

; TLS certificate checks switched off (CWE-295).
((call arguments: (argument_list (keyword_argument name: (identifier) @_k value: (false)))) @rule.py-tls-verify-off
  (#eq? @_k "verify"))

; Weak hashes (CWE-327); strict profile.
((call function: (attribute object: (identifier) @_m attribute: (identifier) @_a)) @rule.py-weak-hash
  (#eq? @_m "hashlib") (#any-of? @_a "md5" "sha1"))

; A name that another process can take first (CWE-377); strict profile.
((call function: (attribute object: (identifier) @_m attribute: (identifier) @_a)) @rule.py-mktemp
  (#eq? @_m "tempfile") (#eq? @_a "mktemp"))
