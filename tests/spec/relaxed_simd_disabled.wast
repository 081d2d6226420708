;; Without the relaxed-simd feature, 0xfd 0x100 (i8x16.relaxed_swizzle) is an illegal opcode.
(assert_malformed (module binary "\00\61\73\6d\01\00\00\00\01\07\01\60\02\7b\7b\01\7b\03\02\01\00\0a\0b\01\09\00\20\00\20\01\fd\80\02\0b") "illegal opcode")
