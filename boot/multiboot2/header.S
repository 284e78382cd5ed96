/* Multiboot2 header: GRUB finds it in the first 32 KiB of the image and
 * loads the ELF segments where they are linked. We ask for nothing but the
 * default information (memory map, command line, modules). */
#define MB2_MAGIC 0xe85250d6
#define MB2_ARCH_I386 0

    .section .multiboot2, "a"
    .balign 8
mb2_header:
    .long MB2_MAGIC
    .long MB2_ARCH_I386
    .long mb2_header_end - mb2_header
    .long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
    /* end tag */
    .balign 8
    .word 0, 0
    .long 8
mb2_header_end:

    .section .note.GNU-stack, "", @progbits
