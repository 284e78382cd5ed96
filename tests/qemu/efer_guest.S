/* Writes 0 to EFER (MSR 0xC0000080): SVME, the bit VMRUN needs in every
 * guest's EFER, clear. Were the write not intercepted, it would land in the
 * VMCB and the next VMRUN would fail in the kernel. Intercepted, it is an
 * MSR exit its VMM sees (and drops); the guest then says it ran on and
 * halts. */
#define DEBUG_PORT 0xe9
#define MSR_EFER 0xc0000080
    .code16
    .text
    cld
    mov $MSR_EFER, %ecx
    xor %eax, %eax
    xor %edx, %edx
    wrmsr
    mov $ran_on, %si
1:  lodsb
    test %al, %al
    jz 2f
    out %al, $DEBUG_PORT
    jmp 1b
2:  hlt

ran_on: .asciz "efer: wrote 0 to EFER and ran on\n"

    .section .note.GNU-stack, "", @progbits
