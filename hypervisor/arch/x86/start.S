/* Entry from a Multiboot2 loader: 32-bit protected mode, paging off,
 * EAX = magic, EBX = physical address of the boot information.
 * We zero .bss, identity-map the low 4 GiB with 2 MiB pages (temporary: the
 * kernel replaces these tables with its W^X ones at once), enter long mode
 * and call kmain(magic, info). */

#include "long_mode.inc"

#define COM1 0x3f8

    .section .boot.text, "ax"
    .code32
    .global _start32
_start32:
    cli
    cld
    mov %eax, %ebp              /* keep magic and info out of the way of rep stos */
    mov %ebx, %esi

    /* zero .bss (the loader should have, but we do not rely on it) */
    mov $__bss_start, %edi
    mov $__bss_end, %ecx
    sub %edi, %ecx
    xor %eax, %eax
    rep stosb
    mov %ebp, boot_magic
    mov %esi, boot_info

    /* long mode needs CPUID 8000_0001h EDX[29] */
    mov $0x80000000, %eax
    cpuid
    cmp $0x80000001, %eax
    jb no_long_mode
    mov $0x80000001, %eax
    cpuid
    bt $29, %edx
    jnc no_long_mode
    mov $no_nx_msg, %esi
    bt $20, %edx                /* NX: every x86-64 CPU has it, but W^X depends on it */
    jnc halt_with_message

    /* PML4[0] -> PDPT; PDPT[0..3] -> PD0..PD3; PDn[i] = 2 MiB pages */
    mov $early_pdpt, %eax
    or $3, %eax
    mov %eax, early_pml4
    mov $early_pd, %eax
    or $3, %eax
    xor %ecx, %ecx
1:  mov %eax, early_pdpt(,%ecx,8)
    add $4096, %eax
    inc %ecx
    cmp $4, %ecx
    jb 1b
    mov $0x83, %eax             /* present | write | 2 MiB */
    xor %ecx, %ecx
2:  mov %eax, early_pd(,%ecx,8)
    add $0x200000, %eax
    inc %ecx
    cmp $2048, %ecx
    jb 2b

    lgdt early_gdt_ptr          /* its 64-bit code segment is used only from the far jump on */
    ENTER_LONG_MODE early_pml4, 0x08, start64

no_long_mode:
    mov $no_long_mode_msg, %esi
halt_with_message:              /* prints the string at ESI on COM1 and halts */
3:  lodsb
    test %al, %al
    jz 5f
    mov %al, %bl
    mov $(COM1 + 5), %dx
4:  in %dx, %al
    test $0x20, %al
    jz 4b
    mov $COM1, %dx
    mov %bl, %al
    out %al, %dx
    jmp 3b
5:  hlt
    jmp 5b

    .code64
start64:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    xor %ax, %ax
    mov %ax, %fs
    mov %ax, %gs
    mov $__stack_top, %rsp
    mov boot_magic, %edi
    mov boot_info, %esi
    call kmain
6:  cli
    hlt
    jmp 6b

    .section .boot.rodata, "a"
    .balign 8
early_gdt:
    .quad 0
    .quad 0x00af9a000000ffff    /* 0x08: 64-bit code */
    .quad 0x00cf92000000ffff    /* 0x10: data */
early_gdt_ptr:
    .word early_gdt_ptr - early_gdt - 1
    .long early_gdt
no_long_mode_msg:
    .asciz "keel: this CPU has no long mode (x86-64); halting\r\n"
no_nx_msg:
    .asciz "keel: this CPU has no no-execute (NX) pages, which W^X needs; halting\r\n"

    .section .bss
    .balign 4096
    .global early_pml4
early_pml4: .skip 4096
early_pdpt: .skip 4096
early_pd:   .skip 4096 * 4
    .balign 4
boot_magic: .skip 4
boot_info:  .skip 4

    .section .note.GNU-stack, "", @progbits
