/* svm_vmrun(vmcb_pa, gprs, host_state_pa): enters the guest described by
 * the VMCB and returns at its next #VMEXIT. VMRUN itself switches RAX, RSP,
 * RIP and RFLAGS (kept in the VMCB); the other general registers are
 * swapped here with the block of them in SoftState (state_transfer.hpp). VMRUN does
 * not switch FS, GS, TR, LDTR and the SYSCALL/SYSENTER MSRs: VMLOAD and
 * VMSAVE move them, so that a guest that loads its own TR cannot leave the
 * host taking NMIs and double faults on stacks from the guest's TSS. */
#define G_RBX 0
#define G_RCX 8
#define G_RDX 16
#define G_RSI 24
#define G_RDI 32
#define G_RBP 40
#define G_R8 48
#define G_R9 56
#define G_R10 64
#define G_R11 72
#define G_R12 80
#define G_R13 88
#define G_R14 96
#define G_R15 104

    .text
    .code64
    .global svm_vmrun
svm_vmrun:
    push %rbx
    push %rbp
    push %r12
    push %r13
    push %r14
    push %r15
    push %rdx                   /* the host's VMSAVE area */
    push %rsi                   /* the GuestGprs block, needed again after the exit */

    mov %rdi, %rax              /* VMRUN takes the VMCB's physical address in RAX */
    mov G_RBX(%rsi), %rbx
    mov G_RCX(%rsi), %rcx
    mov G_RDX(%rsi), %rdx
    mov G_RDI(%rsi), %rdi
    mov G_RBP(%rsi), %rbp
    mov G_R8(%rsi), %r8
    mov G_R9(%rsi), %r9
    mov G_R10(%rsi), %r10
    mov G_R11(%rsi), %r11
    mov G_R12(%rsi), %r12
    mov G_R13(%rsi), %r13
    mov G_R14(%rsi), %r14
    mov G_R15(%rsi), %r15
    mov G_RSI(%rsi), %rsi

    vmload %rax
    vmrun %rax
    vmsave %rax

    /* Host RAX and RSP are back; everything else holds guest values. */
    push %rsi
    mov 8(%rsp), %rsi
    mov %rbx, G_RBX(%rsi)
    mov %rcx, G_RCX(%rsi)
    mov %rdx, G_RDX(%rsi)
    mov %rdi, G_RDI(%rsi)
    mov %rbp, G_RBP(%rsi)
    mov %r8, G_R8(%rsi)
    mov %r9, G_R9(%rsi)
    mov %r10, G_R10(%rsi)
    mov %r11, G_R11(%rsi)
    mov %r12, G_R12(%rsi)
    mov %r13, G_R13(%rsi)
    mov %r14, G_R14(%rsi)
    mov %r15, G_R15(%rsi)
    pop %rax
    mov %rax, G_RSI(%rsi)

    pop %rsi
    pop %rax
    vmload %rax                 /* the host's TR, FS, GS, ... (GIF is still 0) */
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbp
    pop %rbx
    ret

    .section .note.GNU-stack, "", @progbits
