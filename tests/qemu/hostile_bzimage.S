/* A hostile guest dressed as a Linux bzImage: the header the Linux VMM's
 * boot protocol checks, then 32-bit code that the VMM enters as it would a
 * kernel. It pokes at the TPM's localities 1 and 4 and at guest-physical
 * memory beyond its RAM, prints what it read back on COM1, starts a second
 * vCPU if it has one (which halts for good), then triple-faults (an empty
 * IDT and an int3). Its VMM must give it nothing
 * from those addresses and end only its own VM. */
    .code16
    .org 0x1f1
    .byte 1                     /* setup_sects: the kernel starts at 0x400 */
    .org 0x1fe
    .word 0xaa55
    .byte 0xeb, 0x6a            /* the setup header ends at 0x26c */
    .ascii "HdrS"
    .word 0x020f                /* protocol 2.15 */
    .org 0x211
    .byte 1                     /* loadflags: LOADED_HIGH */
    .org 0x22c
    .long 0x7fffffff            /* initrd_addr_max */
    .org 0x236
    .word 1                     /* xloadflags: XLF_KERNEL_64 */
    .long 255                   /* cmdline_size */
    .org 0x258
    .quad 0x100000              /* pref_address */
    .long 0x10000               /* init_size */
    .org 0x400

    .code32
    /* Position-independent: it runs at 1 MiB, assembled at 0x400. */
start:
    mov $0x90000, %esp
    lea msg_prefix - start + 0x100000, %esi
    call puts
    /* Locality 1: request its use, read TPM_ACCESS back. */
    movb $0x02, 0xfed41000
    movzbl 0xfed41000, %eax
    mov $2, %ecx
    call put_hex
    lea msg_tpm4 - start + 0x100000, %esi
    call puts
    /* Locality 4: HASH_START, then TPM_ACCESS as a dword. */
    movb $0x01, 0xfed44020
    mov 0xfed44000, %eax
    mov $8, %ecx
    call put_hex
    lea msg_beyond - start + 0x100000, %esi
    call puts
    /* 256 MiB: beyond its RAM. Write, then read back. */
    movl $0x4b454559, 0x10000000
    mov 0x10000000, %eax
    mov $8, %ecx
    call put_hex
    mov $'\n', %al
    call putc
    /* A second vCPU, if its VM has one: INIT to APIC 1, then two start-up
     * messages naming page 8, where it finds real-mode code that sets the
     * word at 0x9000 and halts with interrupts off; and an NMI to itself.
     * With one vCPU, none of these reaches anything. */
    movl $0, 0x9000
    movl $0xa30001b8, 0x8000    /* mov $1, %ax; mov %ax, 0x9000 */
    movl $0xf4fa9000, 0x8004    /* cli; hlt */
    movw $0xfdeb, 0x8008        /* jmp back to the hlt */
    movl $0x01000000, 0xfee00310
    movl $0x00004500, 0xfee00300 /* INIT, asserted */
    movl $0x00004608, 0xfee00300 /* start-up at page 8 */
    movl $0x00004608, 0xfee00300 /* and again, as INIT-SIPI-SIPI does */
    movl $0x00044400, 0xfee00300 /* NMI to itself */
    mov $0x1000000, %ecx         /* a bounded wait for the second vCPU */
6:  cmpl $0, 0x9000
    jne 7f
    pause
    loop 6b
7:  lea msg_ap - start + 0x100000, %esi
    call puts
    mov 0x9000, %eax
    mov $1, %ecx
    call put_hex
    mov $'\n', %al
    call putc
    /* An IDT of limit 0: int3 faults, the #GP too, then the #DF: shutdown. */
    push $0
    push $0
    lidt 2(%esp)
    int3
1:  hlt
    jmp 1b

/* COM1, polled: wait for THRE, then send AL. */
putc:
    mov %eax, %ebx
    mov $0x3fd, %dx
2:  in %dx, %al
    test $0x20, %al
    jz 2b
    mov $0x3f8, %dx
    mov %ebx, %eax
    out %al, %dx
    ret

/* The NUL-terminated string at ESI. */
puts:
    lodsb
    test %al, %al
    jz 3f
    call putc
    jmp puts
3:  ret

/* EAX's low ECX nibbles in hex, most significant first. */
put_hex:
    mov %eax, %edi
4:  dec %ecx
    mov %edi, %eax
    push %ecx
    shl $2, %ecx
    shr %cl, %eax
    pop %ecx
    and $0xf, %eax
    cmp $10, %eax
    jb 5f
    add $('a' - '0' - 10), %eax
5:  add $'0', %eax
    push %ecx
    call putc
    pop %ecx
    test %ecx, %ecx
    jnz 4b
    ret

msg_prefix: .asciz "HOSTILE tpm1="
msg_tpm4:   .asciz " tpm4="
msg_beyond: .asciz " beyond="
msg_ap:     .asciz "HOSTILE ap="
