/* The Secure Loader Block's header and 32-bit entry.
 *
 * SKINIT (or the platform emulator, which recreates the same state) enters
 * at slb_entry32 in flat 32-bit protected mode with paging off: EAX = SLB
 * base, ESP = base + 64 KiB, CS = 0x08 and SS = 0x10 with base 0, GIF = 0.
 * DS and ES may still be 16-bit real-mode segments, so everything before our
 * own GDT is loaded goes through SS.
 *
 * The SLB may sit at any 64 KiB boundary, so it is linked at 0 and this code
 * addresses itself through EBP = base; the C++ part is position-independent
 * (RIP-relative). We build identity page tables for the low 4 GiB inside the
 * SLB (DMA-protected, unlike anything the pre-launch stage prepared), enter
 * long mode and call slb_main(base). */

#define CR0_PE (1 << 0)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define EFER_MSR 0xc0000080
#define EFER_LME (1 << 8)
#define SLB_SIZE 0x10000

    .section .slb.header, "a"
    .global slb_header
slb_header:
    .word slb_entry32           /* linked at 0: the symbol's value is its offset */
    .word __core_end            /* SKINIT hashes exactly this many bytes: the core */
    .word __handoff             /* where the pre-launch stage leaves the hand-off block */
    .word __measured_end        /* the loader, [__core_end, __measured_end), measured by the core */

    .section .slb.entry, "ax"
    .code32
slb_entry32:
    cli
    cld
    mov %eax, %ebp
    and $0xffff0000, %ebp

    /* An interrupt table of limit 0: the one SKINIT leaves (at 0, or wherever
     * the pre-launch stage put it) is not ours. With it any exception, or an
     * NMI once GIF is set, shuts the machine down instead of running code
     * from outside the measured image. The hypervisor installs its own. */
    sub $8, %esp
    movw $0, %ss:(%esp)
    movl $0, %ss:2(%esp)
    lidt %ss:(%esp)
    add $8, %esp

    /* lgdt needs the GDT's linear address, known only now */
    lea slb_gdt(%ebp), %eax
    sub $8, %esp
    movw $(slb_gdt_end - slb_gdt - 1), %ss:(%esp)
    mov %eax, %ss:2(%esp)
    lgdt %ss:(%esp)
    add $8, %esp
    mov $0x10, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    mov %eax, %fs
    mov %eax, %gs

    /* .bss is outside the measured part: whatever was there is not ours */
    lea __bss_start(%ebp), %edi
    lea __bss_end(%ebp), %ecx
    sub %edi, %ecx
    xor %eax, %eax
    rep stosb

    /* PML4[0] -> PDPT; PDPT[0..3] -> PD0..3; 2048 x 2 MiB identity pages */
    lea slb_pdpt(%ebp), %eax
    or $3, %eax
    mov %eax, slb_pml4(%ebp)
    lea slb_pd(%ebp), %eax
    or $3, %eax
    lea slb_pdpt(%ebp), %edi
    xor %ecx, %ecx
1:  mov %eax, (%edi,%ecx,8)
    add $4096, %eax
    inc %ecx
    cmp $4, %ecx
    jb 1b
    lea slb_pd(%ebp), %edi
    mov $0x83, %eax             /* present | write | 2 MiB */
    xor %ecx, %ecx
2:  mov %eax, (%edi,%ecx,8)
    add $0x200000, %eax
    inc %ecx
    cmp $2048, %ecx
    jb 2b
    /* 0xFE000000-4 GiB (APIC, TPM, firmware): uncached whatever the MTRRs say */
    mov $2032, %ecx
3:  orl $0x18, (%edi,%ecx,8)    /* PCD | PWT */
    inc %ecx
    cmp $2048, %ecx
    jb 3b

    mov %cr4, %eax
    or $CR4_PAE, %eax
    mov %eax, %cr4
    lea slb_pml4(%ebp), %eax
    mov %eax, %cr3
    mov $EFER_MSR, %ecx
    rdmsr
    or $EFER_LME, %eax
    wrmsr
    mov %cr0, %eax
    or $(CR0_PE | CR0_PG), %eax
    mov %eax, %cr0

    lea slb_start64(%ebp), %eax
    push $0x18
    push %eax
    lret

    .code64
slb_start64:
    mov $0x10, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    mov %ebp, %ebp              /* upper halves are undefined after the switch */
    lea SLB_SIZE(%rbp), %rsp
    mov %rbp, %rdi
    call slb_main
4:  cli
    hlt
    jmp 4b

    .section .slb.rodata, "a"
    .balign 8
    /* The accessed bits are preset: the CPU would otherwise set them when a
     * selector is loaded, changing measured bytes after the measurement. */
slb_gdt:
    .quad 0
    .quad 0x00cf9b000000ffff    /* 0x08: 32-bit code, flat (the selector SKINIT uses) */
    .quad 0x00cf93000000ffff    /* 0x10: data, flat */
    .quad 0x00af9b000000ffff    /* 0x18: 64-bit code */
slb_gdt_end:

    .section .bss.page_tables, "aw", @nobits
    .balign 4096
slb_pml4: .skip 4096
slb_pdpt: .skip 4096
slb_pd:   .skip 4096 * 4

    .section .note.GNU-stack, "", @progbits
