/* A guest that switches to 32-bit protected mode and loads a task register
 * of its own (a TSS at guest-linear 0x500000). VMRUN/#VMEXIT do not switch
 * TR; if the host did not restore its own, its next NMI or double fault
 * would take its stack from this TSS. */
#define DEBUG_PORT 0xe9
#define LOAD_BASE 0x10000   /* the VMM runs flat guests at 1000:0000 */

    .code16
    .text
start:
    cli
    lgdt gdt_pointer        /* DS = 0x1000: the offset is the image offset */
    mov %cr0, %eax
    or $1, %eax             /* PE */
    mov %eax, %cr0
    ljmp $0x08, $protected

    .code32
protected:
    mov $0x10, %ax
    mov %ax, %ds
    mov $0x18, %ax
    ltr %ax
    mov $message, %esi
1:  lodsb
    test %al, %al
    jz 2f
    out %al, $DEBUG_PORT
    jmp 1b
2:  hlt

    .balign 8
gdt:
    .quad 0
    .quad 0x00cf9a010000ffff    /* 0x08: 32-bit code, base 0x10000 */
    .quad 0x00cf92010000ffff    /* 0x10: data, base 0x10000 */
    .quad 0x0000895000000067    /* 0x18: available 32-bit TSS, base 0x500000, limit 0x67 */
gdt_end:
gdt_pointer:
    .word gdt_end - gdt - 1
    .long LOAD_BASE + gdt

message: .asciz "loaded a task register of its own\n"

    .section .note.GNU-stack, "", @progbits
