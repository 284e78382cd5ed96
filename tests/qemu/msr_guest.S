/* MSRs that the kernel passes through (SVM's MSR permission map of the
 * VMM's PD) and one it does not. The guest writes LSTAR, FS.base and
 * SYSENTER_EIP and reads each back: passed through, the values stay (the
 * VMM, which emulates no MSR, would read them back as 0 and say so). Then
 * TSC_AUX, which is not switched with the guest and must exit: it reads
 * back as 0 and the VMM reports the write. The guest prints what it saw. */
#define DEBUG_PORT 0xe9
#define MSR_SYSENTER_EIP 0x176
#define MSR_LSTAR 0xc0000082
#define MSR_FS_BASE 0xc0000100
#define MSR_TSC_AUX 0xc0000103
    .code16
    .text
    cld
    mov $MSR_LSTAR, %ecx
    mov $0x11223344, %edx
    mov $0x55667788, %eax
    call check
    mov $MSR_FS_BASE, %ecx
    mov $0x00007fff, %edx
    mov $0x12345000, %eax
    call check
    mov $MSR_SYSENTER_EIP, %ecx
    mov $0x0, %edx
    mov $0xcafe0000, %eax
    call check
    mov $MSR_TSC_AUX, %ecx
    mov $0x0, %edx
    mov $0x5a, %eax
    call check
    hlt

/* Writes EDX:EAX to MSR ECX, reads it back, prints "msr <ecx>: kept" or
 * "msr <ecx>: lost". */
check:
    mov %eax, %esi
    mov %edx, %edi
    wrmsr
    xor %eax, %eax
    xor %edx, %edx
    rdmsr
    xor %esi, %eax
    xor %edi, %edx
    or %edx, %eax
    mov %eax, %ebp              /* 0: what was written came back */
    mov $msr_text, %bx
    call print
    mov %ecx, %eax
    call print_hex
    mov $kept, %bx
    test %ebp, %ebp
    jz 1f
    mov $lost, %bx
1:  call print
    ret

/* Prints EAX as 8 hex digits. */
print_hex:
    mov $8, %cx
1:  rol $4, %eax
    mov %al, %dl
    and $0xf, %dl
    add $'0', %dl
    cmp $'9', %dl
    jbe 2f
    add $('a' - '9' - 1), %dl
2:  push %ax
    mov %dl, %al
    out %al, $DEBUG_PORT
    pop %ax
    loop 1b
    ret

/* Prints the NUL-terminated string at BX. */
print:
    push %ax
1:  mov (%bx), %al
    test %al, %al
    jz 2f
    out %al, $DEBUG_PORT
    inc %bx
    jmp 1b
2:  pop %ax
    ret

msr_text: .asciz "msr "
kept: .asciz ": kept what was written\n"
lost: .asciz ": LOST what was written\n"

    .section .note.GNU-stack, "", @progbits
