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
#include "cpu_local_layout.h"

    .text
    .code64

#define USER_DATA (0x20 | 3)
#define USER_CODE (0x28 | 3)
#define SYSCALL_VECTOR 0x100

/* One entry per CPU (LSTAR differs): SYSCALL leaves no free register, so
 * each stub names its CPU's slots in cpu_locals directly. */
.macro SYSCALL_ENTRY cpu
    .balign 32
syscall_entry_\cpu:
    mov %rsp, cpu_locals + \cpu * CPU_LOCAL_SIZE + CPU_LOCAL_USER_RSP(%rip)
    mov cpu_locals + \cpu * CPU_LOCAL_SIZE + CPU_LOCAL_ENTRY_TOP(%rip), %rsp
    push $USER_DATA
    push cpu_locals + \cpu * CPU_LOCAL_SIZE + CPU_LOCAL_USER_RSP(%rip)
    jmp syscall_common
.endm
    .altmacro
    .set cpu, 0
    .rept KEEL_MAX_CPUS
    SYSCALL_ENTRY %cpu
    .set cpu, cpu + 1
    .endr

syscall_common:
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

/* run_user(frame, resume, prepare): keeps the kernel's own context
 * (callee-saved registers, stack; its stack pointer in *resume), calls
 * prepare() on the entry stack just below `frame` (the top of that stack),
 * and enters ring 3 with the registers prepare() left in the frame.
 * Returns when user_exit(resume) is called. */
    .global run_user
run_user:
    push %rbx
    push %rbp
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, (%rsi)
    mov %rdi, %rsp
    call *%rdx
    jmp frame_return

/* user_exit(resume): back to run_user's caller, abandoning the entry stack. */
    .global user_exit
user_exit:
    mov (%rdi), %rsp
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbp
    pop %rbx
    ret

    .section .rodata
    .balign 8
    .global syscall_entries
.macro ENTRY_OF cpu
    .quad syscall_entry_\cpu
.endm
syscall_entries:
    .set cpu, 0
    .rept KEEL_MAX_CPUS
    ENTRY_OF %cpu
    .set cpu, cpu + 1
    .endr

    .section .note.GNU-stack, "", @progbits
