/* Reads the x87 control and status words and DR0, which it never set, and
 * prints them ("fpu: control 037f status 0000 dr0 0000" for the state a
 * fresh vCPU has), then halts. Run after a guest that left other state
 * there, it shows whether that state reached it. */
#define DEBUG_PORT 0xe9
    .code16
    .text
    cld
    fnstcw control
    fnstsw status
    mov $label_control, %si
    call puts
    mov control, %dx
    call hex16
    mov $label_status, %si
    call puts
    mov status, %dx
    call hex16
    mov $label_dr0, %si
    call puts
    mov %dr0, %eax
    mov %ax, %dx
    call hex16
    mov $newline, %si
    call puts
    hlt

puts:
    lodsb
    test %al, %al
    jz 2f
    out %al, $DEBUG_PORT
    jmp puts
2:  ret

/* The four hex digits of DX. */
hex16:
    mov $4, %cx
3:  rol $4, %dx
    mov %dx, %bx
    and $0xf, %bx
    mov digits(%bx), %al
    out %al, $DEBUG_PORT
    loop 3b
    ret

control: .word 0
status: .word 0
digits: .ascii "0123456789abcdef"
label_control: .asciz "fpu: control "
label_status: .asciz " status "
label_dr0: .asciz " dr0 "
newline: .asciz "\n"

    .section .note.GNU-stack, "", @progbits
