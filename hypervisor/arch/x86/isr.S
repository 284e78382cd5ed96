/* Interrupt and exception entry stubs. Each stub pushes a uniform frame
 * (error code or 0, vector number, all general registers) and calls
 * interrupt_dispatch(InterruptFrame*). Layout must match interrupt_frame.hpp. */

    .text
    .code64

.macro STUB vec, has_error
    .balign 16
isr_\vec:
    .if \has_error == 0
    push $0
    .endif
    push $\vec
    jmp isr_common
.endm

/* vectors without an error code */
.irp v, 0,1,2,3,4,5,6,7,9,15,16,18,19,20,22,23,24,25,26,27,28,31,39,47,48,255
    STUB \v, 0
.endr
/* vectors that push an error code: #DF #TS #NP #SS #GP #PF #AC #CP #VC #SX */
.irp v, 8,10,11,12,13,14,17,21,29,30
    STUB \v, 1
.endr

isr_common:
    push %r15
    push %r14
    push %r13
    push %r12
    push %r11
    push %r10
    push %r9
    push %r8
    push %rbp
    push %rdi
    push %rsi
    push %rdx
    push %rcx
    push %rbx
    push %rax
    mov %rsp, %rdi
    cld
    call interrupt_dispatch
    pop %rax
    pop %rbx
    pop %rcx
    pop %rdx
    pop %rsi
    pop %rdi
    pop %rbp
    pop %r8
    pop %r9
    pop %r10
    pop %r11
    pop %r12
    pop %r13
    pop %r14
    pop %r15
    add $16, %rsp
    iretq

/* isr_stubs[i] is the entry for vector i, or 0 where the kernel installs none. */
    .section .rodata
    .balign 8
    .global isr_stubs
isr_stubs:
.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .quad isr_\v
.endr
    .fill 7, 8, 0           /* 32..38: legacy PIC range, masked */
    .quad isr_39            /* spurious IRQ 7 from the master PIC */
    .fill 7, 8, 0           /* 40..46 */
    .quad isr_47            /* spurious IRQ 15 from the slave PIC */
    .quad isr_48            /* local APIC timer */
    .fill 206, 8, 0
    .quad isr_255           /* spurious */

    .section .note.GNU-stack, "", @progbits
