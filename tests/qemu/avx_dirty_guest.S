/* Fills YMM0-YMM7 with a pattern no fresh vCPU has and, where the CPU has
 * protection keys, PKRU too, then spins with interrupts off checking they
 * keep it: the host timer takes the CPU from it while that state is live,
 * and another guest runs in between. If its state changes it says so and
 * halts; else its VMM's time limit ends it. */
#include "protected_mode.inc"
#define PKRU_VALUE 0x55555554

pm_start:
    mov %cr4, %eax
    or $(CR4_OSFXSR | CR4_OSXSAVE), %eax
    mov %eax, %cr4
    xor %ecx, %ecx
    xor %edx, %edx
    mov $7, %eax                 /* x87, SSE, AVX */
    xsetbv
    vmovdqu pattern, %ymm0
    vmovdqu pattern, %ymm1
    vmovdqu pattern, %ymm2
    vmovdqu pattern, %ymm3
    vmovdqu pattern, %ymm4
    vmovdqu pattern, %ymm5
    vmovdqu pattern, %ymm6
    vmovdqu pattern, %ymm7
    xor %edi, %edi               /* EDI: whether PKRU is ours to check */
    call has_pku
    jz 1f
    mov %cr4, %eax
    or $CR4_PKE, %eax
    mov %eax, %cr4
    xor %ecx, %ecx
    xor %edx, %edx
    mov $PKRU_VALUE, %eax
    wrpkru
    inc %edi
1:  vxorps pattern, %ymm0, %ymm1
    vptest %ymm1, %ymm1
    jnz lost
    vxorps pattern, %ymm7, %ymm1
    vptest %ymm1, %ymm1
    jnz lost
    test %edi, %edi
    jz 1b
    xor %ecx, %ecx
    rdpkru
    cmp $PKRU_VALUE, %eax
    jne lost
    jmp 1b

lost:
    mov $lost_text, %esi
    call puts
    hlt

    .p2align 5
pattern: .fill 32, 1, 0x5a
lost_text: .asciz "avx-dirty: its registers changed while it was preempted\n"

    .section .note.GNU-stack, "", @progbits
