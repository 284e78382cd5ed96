/* Interrupt and exception entry stubs. Each stub pushes a uniform frame
 * (error code or 0, vector number, all general registers) and calls
 * interrupt_dispatch(InterruptFrame*). Layout must match interrupt_frame.hpp. */

#include "frame.inc"

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

/* Every vector has a gate: an interrupt nobody asked for (a stray MSI, a
 * spurious PIC IRQ, a forged IPI) must be counted and survived, never find
 * a non-present gate and turn into #GP, #DF and a shutdown. The exceptions
 * that push an error code: #DF #TS #NP #SS #GP #PF #AC #CP #VC #SX. */
    .altmacro
.macro STUB_FOR vec
    .if (\vec == 8) || (\vec >= 10 && \vec <= 14) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
    STUB \vec, 1
    .else
    STUB \vec, 0
    .endif
.endm
    .set vec, 0
    .rept 256
    STUB_FOR %vec
    .set vec, vec + 1
    .endr

isr_common:
    PUSH_GPRS
    mov %rsp, %rdi
    cld
    call interrupt_dispatch
    /* fall through */

/* frame_return: unwinds the frame at RSP and returns to where it came from
 * (any ring): every way out of the kernel's entries. */
    .global frame_return
frame_return:
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

/* isr_stubs[i] is the entry for vector i. */
    .section .rodata
    .balign 8
    .global isr_stubs
.macro ENTRY_FOR vec
    .quad isr_\vec
.endm
isr_stubs:
    .set vec, 0
    .rept 256
    ENTRY_FOR %vec
    .set vec, vec + 1
    .endr

    .section .note.GNU-stack, "", @progbits
