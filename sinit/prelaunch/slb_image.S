/* The Secure Loader Block, built separately (sinit/slb) and carried inside
 * the pre-launch stage, which copies it to a 64 KiB boundary. Its own
 * section, so `keel measure` finds exactly the bytes that will be launched. */
    .section .slb_image, "a"
    .balign 16
    .global slb_image, slb_image_end
slb_image:
    .incbin KEEL_SLB_BIN
slb_image_end:

    .section .note.GNU-stack, "", @progbits
