/* A guest that raises #DB (single-step: RFLAGS.TF) with no vector table of
 * its own. #DB is intercepted, so the exception must reach the VMM instead
 * of being delivered through the guest's (empty) real-mode vector table.
 * (ICEBP would be the shorter way on hardware, but QEMU's TCG treats it as
 * a debugger stop, not as #DB.) */
#define DEBUG_PORT 0xe9

    .code16
    .text
start:
    cld
    mov $before, %si
    call puts
    pushfw
    pop %ax
    or $0x100, %ax          /* TF: trap after the next instruction */
    push %ax
    popfw
    nop                     /* #DB (single step) after this one */
    mov $after, %si
    call puts
    hlt

puts:
    lodsb
    test %al, %al
    jz 1f
    out %al, $DEBUG_PORT
    jmp puts
1:  ret

before: .asciz "raising #DB\n"
after:  .asciz "#DB was not intercepted\n"

    .section .note.GNU-stack, "", @progbits
