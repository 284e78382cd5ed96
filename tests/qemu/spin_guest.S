/* A guest that never exits on its own: interrupts off, a tight loop. Only
 * the host's timer takes the CPU from it (an INTR exit the guest cannot
 * mask), and only its VMM's recall ends it. */
    .code16
    .text
    cli
1:  jmp 1b

    .section .note.GNU-stack, "", @progbits
