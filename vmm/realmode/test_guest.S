/* The built-in test guest: 16-bit real-mode code, run at 1000:0000
 * (guest-physical 0x10000). It asks for the CPU vendor (CPUID exit), prints
 * a greeting through port 0xE9 (one IOIO exit per byte), reads an MSR
 * (MSR exit), writes and reads
 * back a page the VMM has not mapped yet (nested page fault), and halts. */
#define OFF(sym) ((sym) - testguest_image_start)
#define DEBUG_PORT 0xe9
#define PROBE_SEGMENT 0x3000    /* guest-physical 0x30000: not mapped at start */
#define PROBE_VALUE 0x4c45454b  /* "KEEL" */
#define TSC_MSR 0x10

    .section .rodata.testguest, "a"
    .code16
    .global testguest_image_start, testguest_image_end
testguest_image_start:
    cld
    xor %eax, %eax
    cpuid
    mov %ebx, OFF(vendor)
    mov %edx, OFF(vendor) + 4
    mov %ecx, OFF(vendor) + 8

    mov $OFF(greeting), %si
    call puts
    mov $OFF(vendor), %si
    call puts
    mov $OFF(newline), %si
    call puts

    mov $TSC_MSR, %ecx          /* an MSR access must reach the VMM too */
    rdmsr

    mov $PROBE_SEGMENT, %ax
    mov %ax, %es
    movl $PROBE_VALUE, %es:0
    cmpl $PROBE_VALUE, %es:0
    jne 1f
    mov $OFF(probe_ok), %si
    call puts
    hlt
1:  mov $OFF(probe_bad), %si
    call puts
    hlt

puts:
    lodsb
    test %al, %al
    jz 2f
    out %al, $DEBUG_PORT
    jmp puts
2:  ret

greeting:  .asciz "Hello from the Keel test guest! CPU vendor: "
vendor:    .fill 13, 1, 0
newline:   .asciz "\n"
probe_ok:  .asciz "wrote and read back a fresh page at guest-physical 0x30000\n"
probe_bad: .asciz "FAILED: the page at guest-physical 0x30000 did not keep what was written\n"
testguest_image_end:

    .section .note.GNU-stack, "", @progbits
