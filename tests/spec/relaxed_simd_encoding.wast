;; Relaxed SIMD encodings: 0xfd 0x100..0x113 are the relaxed ops; 0xfd 0x114 and the
;; sub-opcodes fixed-width SIMD leaves unused (0xfd 0x9a, 0xfd 0xee, ...) stay illegal.
(assert_malformed (module binary "\00\61\73\6d\01\00\00\00\01\07\01\60\02\7b\7b\01\7b\03\02\01\00\0a\0b\01\09\00\20\00\20\01\fd\9a\01\0b") "illegal opcode")
(assert_malformed (module binary "\00\61\73\6d\01\00\00\00\01\07\01\60\02\7b\7b\01\7b\03\02\01\00\0a\0b\01\09\00\20\00\20\01\fd\ee\01\0b") "illegal opcode")
(assert_malformed (module binary "\00\61\73\6d\01\00\00\00\01\07\01\60\02\7b\7b\01\7b\03\02\01\00\0a\0b\01\09\00\20\00\20\01\fd\94\02\0b") "illegal opcode")
(module binary "\00\61\73\6d\01\00\00\00\01\07\01\60\02\7b\7b\01\7b\03\02\01\00\0a\0b\01\09\00\20\00\20\01\fd\80\02\0b")
