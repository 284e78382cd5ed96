/* A guest handed to Keel as a Multiboot2 module ("module2 ... guest ..."):
 * flat 16-bit real-mode code loaded at 1000:0000. It greets through port
 * 0xE9, writes a 32-bit value to port 0x10 (as the exit benchmark reports
 * its results), uses the stack at the top of its 64 KiB segment (a page the
 * VMM maps on first touch), and halts. */
#define DEBUG_PORT 0xe9
#define RESULT_PORT 0x10
#define RESULT 0x1234abcd

    .code16
    .text
start:
    cld
    mov $message, %si
1:  lodsb
    test %al, %al
    jz 2f
    out %al, $DEBUG_PORT
    jmp 1b
2:  mov $RESULT, %eax
    push %eax               /* first stack use: nested page fault at the top of the segment */
    pop %ebx
    mov $RESULT_PORT, %dx
    out %eax, %dx
    hlt

message: .asciz "module guest says hello\n"

    .section .note.GNU-stack, "", @progbits
