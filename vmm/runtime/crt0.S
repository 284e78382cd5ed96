/* The first instructions of a user-level program. The kernel starts its
 * first thread with RDI = the UTCB, RSI = the hypervisor information page
 * (root task) and no stack: this sets one up and calls user_main, which
 * never returns (a return would find no caller: it faults instead). */
    .section .text.start, "ax"
    .global _start
_start:
    lea stack_top(%rip), %rsp
    xor %ebp, %ebp
    call user_main
    ud2

    .bss
    .balign 16
stack_bottom:
    .skip 32768
stack_top:

    .section .note.GNU-stack, "", @progbits
