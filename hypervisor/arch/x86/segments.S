/* reload_segments(code, data): after lgdt, CS can only be reloaded by a far
 * transfer; a far return to the next instruction does it. */
    .text
    .code64
    .global reload_segments
reload_segments:
    mov %si, %ds
    mov %si, %es
    mov %si, %ss
    pop %rax            /* return address */
    push %rdi           /* new CS */
    push %rax
    lretq

    .section .note.GNU-stack, "", @progbits
