/* Ring 3's ways into the kernel and back.
 *
 * SYSCALL (a hypercall) builds the same frame on the entry stack as an
 * interrupt from ring 3 does (interrupt_frame.hpp), so one frame format
 * holds a user thread's registers whichever way it entered, and one path
 * (frame_return in isr.S: pop, IRETQ) leaves. IRETQ rather than SYSRET: it restores
 * any RIP, RSP and RFLAGS the kernel put in the frame, and it has no
 * non-canonical-RIP trap in ring 0 (CVE-2012-0217).
 *
 * SYSCALL does not switch stacks: FMASK has cleared IF, so nothing can
 * interrupt before RSP is the kernel's; NMI, #DF and #MC use IST stacks. */
#include "frame.inc"

    .text
    .code64

#define USER_DATA (0x20 | 3)
#define USER_CODE (0x28 | 3)
#define SYSCALL_VECTOR 0x100

    .global syscall_entry
syscall_entry:
    mov %rsp, user_rsp_scratch(%rip)
    mov kernel_entry_stack(%rip), %rsp
    push $USER_DATA
    push user_rsp_scratch(%rip)
    push %r11               /* RFLAGS */
    push $USER_CODE
    push %rcx               /* RIP */
    push $0                 /* error */
    push $SYSCALL_VECTOR
    PUSH_GPRS
    mov %rsp, %rdi
    cld
    call syscall_dispatch
    jmp frame_return

/* run_user(frame): keeps the kernel's own context (callee-saved registers,
 * stack) and enters ring 3 with the registers in `frame`, which lies at the
 * top of the entry stack. Returns when user_exit() is called. */
    .global run_user
run_user:
    push %rbx
    push %rbp
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, kernel_resume_rsp(%rip)
    mov %rdi, %rsp
    jmp frame_return

/* user_exit(): back to run_user's caller, abandoning the entry stack. */
    .global user_exit
user_exit:
    mov kernel_resume_rsp(%rip), %rsp
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbp
    pop %rbx
    ret

    .bss
    .balign 8
    .global kernel_entry_stack
kernel_entry_stack:
    .quad 0
user_rsp_scratch:
    .quad 0
kernel_resume_rsp:
    .quad 0

    .section .note.GNU-stack, "", @progbits
