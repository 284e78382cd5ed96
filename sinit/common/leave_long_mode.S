/* Leaves 64-bit mode for flat 32-bit protected mode with paging off, the
 * state a Multiboot2 kernel and the SLB both expect, then:
 *   mode 0: enter a Multiboot2 kernel: EAX = arg1 (magic), EBX = arg2 (info)
 *   mode 1: recreate the state SKINIT leaves and enter the SLB at `entry`:
 *           EAX = arg1 (SLB base), EDX = CPUID family/model/stepping,
 *           ESP = base + 64 KiB, other registers 0, EFER = 0
 *   mode 2: execute SKINIT with EAX = arg1 (SLB base); EFER.SVME must be set
 *
 * void keel_leave_long_mode(uint32_t entry, uint32_t arg1, uint32_t arg2, uint32_t mode)
 *                                  edi            esi            edx            ecx
 * Position-independent: the SLB links at 0 and runs anywhere. The caller's
 * stack and this code must be identity-mapped below 4 GiB. */

#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define EFER_MSR 0xc0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)

    .text
    .code64
    .global keel_leave_long_mode
keel_leave_long_mode:
    cli
    lea lm_gdt(%rip), %rax
    sub $16, %rsp
    movw $(lm_gdt_end - lm_gdt - 1), (%rsp)
    mov %rax, 2(%rsp)
    lgdt (%rsp)
    add $16, %rsp
    mov %ecx, %ebp              /* mode; ECX is needed for RDMSR */
    lea 1f(%rip), %rax
    push $0x08
    push %rax
    lretq

    .code32
1:  mov $0x10, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    mov %eax, %fs
    mov %eax, %gs
    mov %cr0, %eax
    and $~CR0_PG, %eax
    mov %eax, %cr0              /* now legacy protected mode, paging off */
    mov %cr4, %eax
    and $~CR4_PAE, %eax
    mov %eax, %cr4
    xor %eax, %eax
    mov %eax, %cr3
    mov %edx, %ebx              /* arg2; EDX is needed for RDMSR/WRMSR */
    mov $EFER_MSR, %ecx
    rdmsr
    and $~(EFER_LME | EFER_NXE), %eax
    cmp $1, %ebp
    jne 2f
    xor %eax, %eax              /* SKINIT leaves EFER = 0 */
    xor %edx, %edx
2:  wrmsr

    cmp $2, %ebp
    je 4f
    cmp $1, %ebp
    je 3f
    mov %esi, %eax              /* mode 0: Multiboot2 */
    jmp *%edi

3:  mov %esi, %ebp              /* mode 1: the state SKINIT leaves */
    mov $1, %eax
    cpuid
    mov %eax, %edx
    mov %ebp, %eax
    lea 0x10000(%ebp), %esp
    xor %ebx, %ebx
    xor %ecx, %ecx
    xor %esi, %esi
    xor %ebp, %ebp
    jmp *%edi

4:  mov %esi, %eax              /* mode 2: the real thing */
    skinit
5:  hlt                         /* SKINIT does not return */
    jmp 5b

    .section .rodata
    .balign 8
    /* Accessed bits preset: in the SLB this table is measured and must not change. */
lm_gdt:
    .quad 0
    .quad 0x00cf9b000000ffff    /* 0x08: 32-bit code, flat */
    .quad 0x00cf93000000ffff    /* 0x10: data, flat */
lm_gdt_end:

    .section .note.GNU-stack, "", @progbits
