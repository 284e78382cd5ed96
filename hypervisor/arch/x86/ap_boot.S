/* How an application processor gets from the STARTUP IPI into the kernel.
 *
 * The real-mode part (ap_trampoline .. ap_trampoline_end) is copied from
 * this image, so it is measured with the hypervisor, to a page below 1 MiB
 * (smp.cpp), and starts at that page's offset 0 with CS = page >> 4. It
 * loads a GDT of its own and jumps to protected mode in the image, which
 * enters long mode through the boot page tables (identity, below 4 GiB),
 * then switches to the kernel's, takes a CPU index and calls ap_main on
 * that CPU's stack. */
#include "cpu_local_layout.h"
#include "long_mode.inc"

    .section .rodata
    .balign 16
    .code16
    .global ap_trampoline, ap_trampoline_end, ap_trampoline_gdt, ap_trampoline_gdt_base
ap_trampoline:
    cli
    cld
    mov %cs, %ax
    mov %ax, %ds
    lgdtl ap_gdt_pointer - ap_trampoline
    mov %cr0, %eax
    or $CR0_PE, %eax
    mov %eax, %cr0
    ljmpl *(ap_far - ap_trampoline)
    .balign 8
ap_far:
    .long ap_start32
    .word 0x08
    .balign 8
ap_trampoline_gdt:
    .quad 0
    .quad 0x00cf9a000000ffff    /* 0x08: 32-bit code */
    .quad 0x00cf92000000ffff    /* 0x10: data */
    .quad 0x00af9a000000ffff    /* 0x18: 64-bit code */
ap_gdt_pointer:
    .word 4 * 8 - 1
ap_trampoline_gdt_base:
    .long 0                     /* the copy's address of ap_trampoline_gdt, written by smp.cpp */
ap_trampoline_end:

    .text
    .code32
ap_start32:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    ENTER_LONG_MODE early_pml4, 0x18, ap_start64

    .code64
ap_start64:
    mov ap_kernel_cr3(%rip), %rax
    mov %rax, %cr3
    mov $1, %eax
    lock xadd %eax, ap_next_index(%rip)
    cmp $KEEL_MAX_CPUS, %eax
    jae ap_park                 /* more CPUs than Keel has room for: this one stays out */
    mov %eax, %edi
    imul $CPU_LOCAL_SIZE, %rax, %rax
    lea cpu_locals(%rip), %rsp
    add %rax, %rsp
    add $CPU_LOCAL_SIZE, %rsp   /* the main stack is CpuLocal's last member */
    call ap_main
ap_park:
    cli
    hlt
    jmp ap_park

    .data
    .balign 8
    .global ap_kernel_cr3, ap_next_index
ap_kernel_cr3:
    .quad 0
ap_next_index:
    .long 1                     /* 0 is the boot CPU */

    .section .note.GNU-stack, "", @progbits
