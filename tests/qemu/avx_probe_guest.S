/* Run after a guest that left AVX state (and PKRU) in the CPU: shows what
 * the VMM offers (CPUID's XSAVE, OSXSAVE and AVX bits), the XCR0 a fresh
 * vCPU has, that XSETBV with values the CPU or the VMM refuse raises #GP,
 * that x87+SSE+AVX can be enabled, and the upper halves of YMM0-YMM7 and
 * PKRU, which it never set: a fresh vCPU's are zero. Then it leaves its
 * own values there and halts. Prints
 *   "avx: cpuid 7 xcr0 00000001 refused 3 xcr0 00000007"
 *   "avx: ymm upper 00000000 pkru 00000000" (or "pkru none") */
#include "protected_mode.inc"

pm_start:
    mov %cr4, %eax
    or $(CR4_OSFXSR | CR4_OSXSAVE), %eax
    mov %eax, %cr4
    call install_gp_handler

    mov $cpuid_text, %esi
    call puts
    mov $1, %eax
    cpuid
    shr $26, %ecx                /* XSAVE, OSXSAVE, AVX: leaf 1 ECX bits 26-28 */
    and $7, %ecx
    mov hex_digits(%ecx), %al
    out %al, $DEBUG_PORT

    call print_xcr0

    xor %edx, %edx
    xor %ecx, %ecx
    mov $5, %eax                 /* AVX without SSE: XSETBV's own rule */
    xsetbv
    mov $0xe7, %eax              /* AVX-512, which the VMM does not offer */
    xsetbv
    mov $1, %ecx                 /* XCR1 cannot be written */
    mov $1, %eax
    xsetbv
    mov $refused_text, %esi
    call puts
    mov gp_count, %eax
    mov hex_digits(%eax), %al
    out %al, $DEBUG_PORT

    xor %ecx, %ecx
    xor %edx, %edx
    mov $7, %eax
    xsetbv
    call print_xcr0

    mov $upper_text, %esi
    call puts
    vextractf128 $1, %ymm0, upper + 0x00
    vextractf128 $1, %ymm1, upper + 0x10
    vextractf128 $1, %ymm2, upper + 0x20
    vextractf128 $1, %ymm3, upper + 0x30
    vextractf128 $1, %ymm4, upper + 0x40
    vextractf128 $1, %ymm5, upper + 0x50
    vextractf128 $1, %ymm6, upper + 0x60
    vextractf128 $1, %ymm7, upper + 0x70
    xor %edx, %edx
    mov $upper, %esi
    mov $32, %ecx
3:  or (%esi), %edx
    add $4, %esi
    loop 3b
    call hex32

    mov $pkru_text, %esi
    call puts
    call has_pku
    jz 4f
    mov %cr4, %eax
    or $CR4_PKE, %eax
    mov %eax, %cr4
    xor %ecx, %ecx
    rdpkru
    mov %eax, %edx
    call hex32
    xor %ecx, %ecx
    xor %edx, %edx
    mov $0xc, %eax               /* its own keys, for the other guest to miss */
    wrpkru
    jmp 5f
4:  mov $none_text, %esi
    call puts
5:  vmovdqu own, %ymm0
    vmovdqu own, %ymm7
    mov $newline, %esi
    call puts
    hlt

/* " xcr0 " and XCR0 as eight hex digits. */
print_xcr0:
    mov $xcr0_text, %esi
    call puts
    xor %ecx, %ecx
    xgetbv
    mov %eax, %edx
    jmp hex32

/* #GP: count it and step over the 3-byte XSETBV that raised it. */
install_gp_handler:
    mov $gp_handler, %eax
    mov %ax, idt + 13 * 8
    movw $0x08, idt + 13 * 8 + 2
    movw $0x8e00, idt + 13 * 8 + 4   /* present 32-bit interrupt gate */
    shr $16, %eax
    mov %ax, idt + 13 * 8 + 6
    lidt idt_pointer
    ret
gp_handler:
    add $4, %esp                 /* the error code */
    addl $3, (%esp)
    incl gp_count
    iretl

    .p2align 3
idt: .fill 14 * 8, 1, 0
idt_pointer:
    .word 14 * 8 - 1
    .long idt + LOAD_BASE
gp_count: .long 0
    .p2align 5
upper: .fill 128, 1, 0
own: .fill 32, 1, 0xa5
cpuid_text: .asciz "avx: cpuid "
xcr0_text: .asciz " xcr0 "
refused_text: .asciz " refused "
upper_text: .asciz "\navx: ymm upper "
pkru_text: .asciz " pkru "
none_text: .asciz "none"
newline: .asciz "\n"

    .section .note.GNU-stack, "", @progbits
