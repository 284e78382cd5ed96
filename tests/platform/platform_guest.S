/*
 * Test guest for keel-platform: a Multiboot 1 ELF32 kernel (QEMU -kernel)
 * that plays the pre-launch stage's part of the virtual SKINIT handshake.
 *
 * 1. COM2 (0x2f8) must be a UART, else: "guest: no platform port", exit 0x11.
 * 2. HELLO -> READY 1; then requests the tool must refuse (unknown request,
 *    unaligned SLB, SLB with length 0); every answer is echoed on COM1 as
 *    "guest: platform: <line>".
 * 3. Writes an SLB-like block at 0x200000 (u16 entry 8, u16 length 6144,
 *    then bytes (i * 31 + 7) & 0xff for i = 4..6143; 0xee after it), asks
 *    for SKINIT and expects LAUNCHED.
 * 4. Reads PCR 0 and 17 (SHA-256) through the TPM TIS at locality 0 and
 *    prints them: "guest: PCR0 sha256 <hex>", "guest: PCR17 sha256 <hex>".
 * 5. With "hold" on the command line: prints "guest: waiting for PCR 23" and
 *    polls PCR 23 at locality 2 until it is not zero (a test extends it
 *    through tpm.sock, at locality 0), prints it, then extends PCR 19 with
 *    32 bytes of 0x19 at locality 2 without selecting the locality again:
 *    that only works if the tool gave swtpm QEMU's locality back.
 * 6. Powers off through isa-debug-exit: 0x10 (QEMU exit status 33).
 * Failures exit with 0x01 (no READY), 0x02 (no LAUNCHED), 0x03 (TPM error).
 */
    .intel_syntax noprefix
    .code32

    .set COM1, 0x3f8
    .set COM2, 0x2f8
    .set UART_LSR, 5
    .set UART_SCRATCH, 7
    .set LSR_DATA_READY, 0x01
    .set LSR_THR_EMPTY, 0x20
    .set DEBUG_EXIT, 0xf4
    .set TIS, 0xfed40000          /* locality 0 */
    .set TIS_ACCESS, 0x00
    .set TIS_STS, 0x18
    .set TIS_FIFO, 0x24
    .set SLB, 0x200000
    .set SLB_LENGTH, 6144
    .set SLB_BLOCK, 0x10000
    .set EMPTY_SLB, 0x300000       /* length 0: must be refused */
    .set MB_INFO_CMDLINE, 1 << 2

    .text
    .align 4
multiboot_header:                  /* first in .text: within the file's first 8 KiB */
    .long 0x1badb002
    .long 0
    .long -0x1badb002

    .globl _start
_start:
    mov esp, offset stack_top
    mov [mb_info], ebx
    mov dx, COM1
    call uart_init
    lea esi, msg_banner
    call console_puts

    /* 1. Is there a UART at COM2? An empty I/O port reads 0xff. */
    mov dx, COM2 + UART_SCRATCH
    mov al, 0x5a
    out dx, al
    in al, dx
    cmp al, 0x5a
    jne no_platform
    mov al, 0xa5
    out dx, al
    in al, dx
    cmp al, 0xa5
    jne no_platform
    mov dx, COM2
    call uart_init

    /* 2. Handshake and requests that must be refused. */
    lea esi, req_hello
    call platform_request
    lea edi, line
    lea esi, want_ready
    call streq
    jne fail_no_ready
    lea esi, req_unknown
    call platform_request
    lea esi, req_unaligned
    call platform_request
    mov dword ptr [EMPTY_SLB], 0
    lea esi, req_empty
    call platform_request

    /* 3. The SLB. */
    mov edi, SLB
    mov word ptr [edi], 8
    mov word ptr [edi + 2], SLB_LENGTH
    mov ecx, 4
1:  mov eax, ecx
    imul eax, eax, 31
    add eax, 7
    mov [edi + ecx], al
    inc ecx
    cmp ecx, SLB_LENGTH
    jb 1b
2:  mov byte ptr [edi + ecx], 0xee
    inc ecx
    cmp ecx, SLB_BLOCK
    jb 2b
    lea esi, req_skinit
    call platform_request
    lea edi, line
    lea esi, want_launched
    call startswith
    jne fail_no_launch

    /* 4. PCR 0 and 17 through the TIS. */
    mov ebx, TIS
    lea esi, cmd_read_0_17
    call tpm_command
    call check_tpm_rc
    lea esi, msg_pcr0
    call console_puts
    lea esi, response + 30
    call print_digest
    lea esi, msg_pcr17
    call console_puts
    lea esi, response + 64
    call print_digest

    /* 5. Optionally wait for PCR 23, at locality 2. */
    call cmdline_has_hold
    jne done
    lea esi, msg_waiting
    call console_puts
    mov ebx, TIS + 0x2000
3:  mov ecx, 2000000
4:  loop 4b
    lea esi, cmd_read_23
    call tpm_command
    call check_tpm_rc
    xor ecx, ecx
5:  cmp byte ptr [response + 30 + ecx], 0
    jne 6f
    inc ecx
    cmp ecx, 32
    jb 5b
    jmp 3b
6:  lea esi, msg_pcr23
    call console_puts
    lea esi, response + 30
    call print_digest
    lea esi, cmd_extend_19
    call tpm_command
    call check_tpm_rc
    lea esi, msg_extended
    call console_puts

done:
    lea esi, msg_done
    call console_puts
    mov al, 0x10
    jmp power_off
no_platform:
    lea esi, msg_no_platform
    call console_puts
    mov al, 0x11
    jmp power_off
fail_no_ready:
    mov al, 0x01
    jmp power_off
fail_no_launch:
    lea esi, msg_no_launch
    call console_puts
    mov al, 0x02
power_off:
    out DEBUG_EXIT, al
    cli
7:  hlt
    jmp 7b

/* --- serial ports ------------------------------------------------------ */

/* dx = base: 115200 baud, 8N1, FIFOs on, no interrupts. */
uart_init:
    push edx
    push eax
    mov bx, dx
    lea dx, [bx + 1]
    xor al, al
    out dx, al                      /* IER = 0 */
    lea dx, [bx + 3]
    mov al, 0x80
    out dx, al                      /* LCR: divisor latch */
    mov dx, bx
    mov al, 1
    out dx, al                      /* divisor 1 = 115200 */
    lea dx, [bx + 1]
    xor al, al
    out dx, al
    lea dx, [bx + 3]
    mov al, 0x03
    out dx, al                      /* 8N1 */
    lea dx, [bx + 2]
    mov al, 0xc7
    out dx, al                      /* FIFOs on and cleared */
    lea dx, [bx + 4]
    mov al, 0x03
    out dx, al                      /* DTR, RTS */
    pop eax
    pop edx
    ret

/* dx = base, al = byte */
uart_putc:
    push edx
    push eax
    add dx, UART_LSR
1:  in al, dx
    test al, LSR_THR_EMPTY
    jz 1b
    pop eax
    pop edx
    out dx, al
    ret

/* dx = base, esi = NUL-terminated string */
uart_puts:
    push esi
    push eax
1:  lodsb
    test al, al
    jz 2f
    call uart_putc
    jmp 1b
2:  pop eax
    pop esi
    ret

/* dx = base; returns al */
uart_getc:
    push edx
    add dx, UART_LSR
1:  in al, dx
    test al, LSR_DATA_READY
    jz 1b
    pop edx
    in al, dx
    ret

console_puts:
    push edx
    mov dx, COM1
    call uart_puts
    pop edx
    ret

/* Sends the request at esi on COM2, reads one line into `line` (without
   "\n"), and echoes it on COM1 as "guest: platform: <line>". */
platform_request:
    pusha
    mov dx, COM2
    call uart_puts
    lea edi, line
1:  call uart_getc
    cmp al, '\n'
    je 2f
    cmp al, '\r'
    je 1b
    lea ecx, line + 250
    cmp edi, ecx
    jae 1b
    stosb
    jmp 1b
2:  mov byte ptr [edi], 0
    lea esi, msg_platform
    call console_puts
    lea esi, line
    call console_puts
    lea esi, msg_newline
    call console_puts
    popa
    ret

/* ZF set if the strings at edi and esi are equal. */
streq:
    push esi
    push edi
    push eax
1:  mov al, [esi]
    cmp al, [edi]
    jne 2f
    inc esi
    inc edi
    test al, al
    jnz 1b
2:  pop eax
    pop edi
    pop esi
    ret

/* ZF set if the string at edi starts with the string at esi. */
startswith:
    push esi
    push edi
    push eax
1:  mov al, [esi]
    test al, al
    jz 2f
    cmp al, [edi]
    jne 2f
    inc esi
    inc edi
    jmp 1b
2:  pop eax
    pop edi
    pop esi
    ret

/* ZF set if the Multiboot command line contains "hold". */
cmdline_has_hold:
    push esi
    mov esi, [mb_info]
    test dword ptr [esi], MB_INFO_CMDLINE
    jz 3f
    mov esi, [esi + 16]
1:  cmp byte ptr [esi], 0
    je 3f
    cmp dword ptr [esi], 0x646c6f68    /* "hold" */
    je 2f
    inc esi
    jmp 1b
2:  pop esi
    ret                                 /* ZF set */
3:  or esi, esi                         /* esi != 0 here: ZF clear */
    jnz 4f
    inc esi
4:  pop esi
    ret

/* --- hex output ---------------------------------------------------------- */

/* al -> two hex digits on COM1 */
print_hex_byte:
    push eax
    push ebx
    push edx
    mov bl, al
    shr al, 4
    call 1f
    mov al, bl
    and al, 0x0f
    call 1f
    pop edx
    pop ebx
    pop eax
    ret
1:  add al, '0'
    cmp al, '9'
    jbe 2f
    add al, 'a' - '9' - 1
2:  mov dx, COM1
    jmp uart_putc

/* esi = 32-byte digest -> hex and a newline on COM1 */
print_digest:
    push ecx
    push esi
    push eax
    mov ecx, 32
1:  lodsb
    call print_hex_byte
    loop 1b
    lea esi, msg_newline
    call console_puts
    pop eax
    pop esi
    pop ecx
    ret

/* --- TPM TIS at locality 0 ------------------------------------------------- */

/* Sends the command at esi (size from its header) at the locality whose
   register page is at ebx and reads the response into `response`. */
tpm_command:
    pusha
    mov byte ptr [ebx + TIS_ACCESS], 0x02       /* requestUse */
1:  mov al, [ebx + TIS_ACCESS]
    and al, 0xa0
    cmp al, 0xa0                                /* tpmRegValidSts | activeLocality */
    jne 1b
    mov byte ptr [ebx + TIS_STS], 0x40          /* commandReady */
2:  test byte ptr [ebx + TIS_STS], 0x40
    jz 2b
    mov ecx, [esi + 2]
    bswap ecx                                   /* command size */
3:  lodsb
    mov [ebx + TIS_FIFO], al
    loop 3b
    mov byte ptr [ebx + TIS_STS], 0x20          /* tpmGo */
4:  mov al, [ebx + TIS_STS]
    and al, 0x90
    cmp al, 0x90                                /* stsValid | dataAvail */
    jne 4b
    lea edi, response
    mov ecx, 6
5:  mov al, [ebx + TIS_FIFO]
    stosb
    loop 5b
    mov ecx, [response + 2]
    bswap ecx
    cmp ecx, 128
    jbe 6f
    mov ecx, 128
6:  sub ecx, 6
7:  mov al, [ebx + TIS_FIFO]
    stosb
    loop 7b
    mov byte ptr [ebx + TIS_STS], 0x40          /* back to idle */
    mov byte ptr [ebx + TIS_ACCESS], 0x20       /* relinquish the locality */
    popa
    ret

/* Exits with 0x03 unless the response code is 0. */
check_tpm_rc:
    cmp dword ptr [response + 6], 0
    je 1f
    lea esi, msg_tpm_error
    call console_puts
    mov al, [response + 9]
    call print_hex_byte
    lea esi, msg_newline
    call console_puts
    mov al, 0x03
    jmp power_off
1:  ret

    .section .rodata
/* TPM2_PCR_Read(SHA-256, PCRs 0 and 17) and (SHA-256, PCR 23) */
cmd_read_0_17:
    .byte 0x80, 0x01, 0, 0, 0, 20, 0, 0, 0x01, 0x7e, 0, 0, 0, 1, 0, 0x0b, 3, 0x01, 0x00, 0x02
cmd_read_23:
    .byte 0x80, 0x01, 0, 0, 0, 20, 0, 0, 0x01, 0x7e, 0, 0, 0, 1, 0, 0x0b, 3, 0x00, 0x00, 0x80
/* TPM2_PCR_Extend(PCR 19, empty password session, SHA-256 0x19...) */
cmd_extend_19:
    .byte 0x80, 0x02, 0, 0, 0, 65, 0, 0, 0x01, 0x82, 0, 0, 0, 19
    .byte 0, 0, 0, 9, 0x40, 0, 0, 0x09, 0, 0, 0, 0, 0
    .byte 0, 0, 0, 1, 0, 0x0b
    .fill 32, 1, 0x19
msg_banner:      .asciz "guest: keel-platform test guest\n"
msg_no_platform: .asciz "guest: no platform port\n"
msg_no_launch:   .asciz "guest: no LAUNCHED answer\n"
msg_platform:    .asciz "guest: platform: "
msg_pcr0:        .asciz "guest: PCR0 sha256 "
msg_pcr17:       .asciz "guest: PCR17 sha256 "
msg_pcr23:       .asciz "guest: PCR23 sha256 "
msg_waiting:     .asciz "guest: waiting for PCR 23\n"
msg_extended:    .asciz "guest: PCR 19 extended at locality 2\n"
msg_tpm_error:   .asciz "guest: TPM error, response code low byte "
msg_done:        .asciz "guest: done\n"
msg_newline:     .asciz "\n"
req_hello:       .asciz "KEEL-PLATFORM HELLO\n"
req_unknown:     .asciz "KEEL-PLATFORM FROBNICATE\n"
req_unaligned:   .asciz "KEEL-PLATFORM SKINIT 0x201000\n"
req_empty:       .asciz "KEEL-PLATFORM SKINIT 0x300000\n"
req_skinit:      .asciz "KEEL-PLATFORM SKINIT 0x200000\n"
want_ready:      .asciz "KEEL-PLATFORM READY 1"
want_launched:   .asciz "KEEL-PLATFORM LAUNCHED "

    .bss
    .align 16
mb_info:  .long 0
line:     .space 256
response: .space 160
    .space 4096
stack_top:
