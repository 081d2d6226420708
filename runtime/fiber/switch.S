/*
 * switch.S — the fiber context switch (fiber.c).
 *
 *   void wacc__fiber_switch(void **save_sp, void *load_sp);
 *
 * Pushes the callee-saved registers of the calling convention on the
 * current stack, stores the stack pointer in *save_sp, loads load_sp and
 * pops the registers saved there, returning into the other stack. A fresh
 * stack (fiber.c: initial_frame) holds a frame whose return address is
 * wacc__fiber_start, which calls wacc__fiber_main(fiber) (never returns).
 *
 * x86-64 System V: rbx rbp r12-r15, the MXCSR and the x87 control word.
 * aarch64 AAPCS64: x19-x29, x30 (the return address), d8-d15.
 */
#if defined(__x86_64__)
        .text
        .globl  wacc__fiber_switch
        .hidden wacc__fiber_switch
        .type   wacc__fiber_switch, @function
        .p2align 4
wacc__fiber_switch:
        .cfi_startproc
        pushq   %rbp
        pushq   %rbx
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        subq    $8, %rsp
        stmxcsr (%rsp)
        fnstcw  4(%rsp)
        movq    %rsp, (%rdi)
        movq    %rsi, %rsp
        ldmxcsr (%rsp)
        fldcw   4(%rsp)
        addq    $8, %rsp
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbx
        popq    %rbp
        ret
        .cfi_endproc
        .size   wacc__fiber_switch, .-wacc__fiber_switch

        .globl  wacc__fiber_start
        .hidden wacc__fiber_start
        .type   wacc__fiber_start, @function
        .p2align 4
wacc__fiber_start:                      /* r12 = the fiber */
        .cfi_startproc
        .cfi_undefined rip
        movq    %r12, %rdi
        andq    $-16, %rsp
        call    wacc__fiber_main
        ud2
        .cfi_endproc
        .size   wacc__fiber_start, .-wacc__fiber_start

#elif defined(__aarch64__)
        .text
        .globl  wacc__fiber_switch
        .hidden wacc__fiber_switch
        .type   wacc__fiber_switch, %function
        .p2align 4
wacc__fiber_switch:
        sub     sp, sp, #160
        stp     x19, x20, [sp, #0]
        stp     x21, x22, [sp, #16]
        stp     x23, x24, [sp, #32]
        stp     x25, x26, [sp, #48]
        stp     x27, x28, [sp, #64]
        stp     x29, x30, [sp, #80]
        stp     d8, d9, [sp, #96]
        stp     d10, d11, [sp, #112]
        stp     d12, d13, [sp, #128]
        stp     d14, d15, [sp, #144]
        mov     x2, sp
        str     x2, [x0]
        mov     sp, x1
        ldp     x19, x20, [sp, #0]
        ldp     x21, x22, [sp, #16]
        ldp     x23, x24, [sp, #32]
        ldp     x25, x26, [sp, #48]
        ldp     x27, x28, [sp, #64]
        ldp     x29, x30, [sp, #80]
        ldp     d8, d9, [sp, #96]
        ldp     d10, d11, [sp, #112]
        ldp     d12, d13, [sp, #128]
        ldp     d14, d15, [sp, #144]
        add     sp, sp, #160
        ret
        .size   wacc__fiber_switch, .-wacc__fiber_switch

        .globl  wacc__fiber_start
        .hidden wacc__fiber_start
        .type   wacc__fiber_start, %function
        .p2align 4
wacc__fiber_start:                      /* x19 = the fiber */
        mov     x0, x19
        bl      wacc__fiber_main
        brk     #0
        .size   wacc__fiber_start, .-wacc__fiber_start
#else
#error "runtime/fiber: no context switch for this architecture (x86-64 and aarch64 only)"
#endif
        .section .note.GNU-stack, "", %progbits
