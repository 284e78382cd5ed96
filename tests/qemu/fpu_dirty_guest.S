/* Leaves x87 state no fresh FPU has (a control word with rounding toward
 * zero, pi on the stack) and a breakpoint address in DR0, and spins with
 * interrupts off, so that the host timer takes the CPU from it while that
 * state is live in the FPU and the debug registers. */
    .code16
    .text
    cli
    fninit
    fldcw control_word
    fldpi
    mov $0x1234, %eax
    mov %eax, %dr0
1:  jmp 1b

control_word: .word 0x0c7f

    .section .note.GNU-stack, "", @progbits
