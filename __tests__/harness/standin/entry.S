/*
 * 32-bit entry of the stand-in kernel (loaded at 0x10200 by boot.S) and its interrupt stubs.
 */
        .code32
        .section .text.entry, "ax"
        .globl _start
_start:
        cld
        movl    $__bss_start, %edi      /* zero .bss (it lives at 1 MiB, outside the image) */
        movl    $__bss_end, %ecx
        subl    %edi, %ecx
        xorl    %eax, %eax
        rep stosb
        movl    $stack_top, %esp
        xorl    %ebp, %ebp              /* ends the frame trace */
        call    kmain
1:      cli
        hlt
        jmp     1b

        .section .text
/* Exceptions 0-31: push a dummy error code where the CPU pushes none, then the vector. */
#define EXC_NOERR(n) exc##n: pushl $0; pushl $n; jmp exc_common
#define EXC_ERR(n)   exc##n: pushl $n; jmp exc_common
EXC_NOERR(0);  EXC_NOERR(1);  EXC_NOERR(2);  EXC_NOERR(3)
EXC_NOERR(4);  EXC_NOERR(5);  EXC_NOERR(6);  EXC_NOERR(7)
EXC_ERR(8);    EXC_NOERR(9);  EXC_ERR(10);   EXC_ERR(11)
EXC_ERR(12);   EXC_ERR(13);   EXC_ERR(14);   EXC_NOERR(15)
EXC_NOERR(16); EXC_ERR(17);   EXC_NOERR(18); EXC_NOERR(19)
EXC_NOERR(20); EXC_ERR(21);   EXC_NOERR(22); EXC_NOERR(23)
EXC_NOERR(24); EXC_NOERR(25); EXC_NOERR(26); EXC_NOERR(27)
EXC_NOERR(28); EXC_ERR(29);   EXC_ERR(30);   EXC_NOERR(31)

/* Stack at the call: struct trap_frame (kernel.h), lowest address first. */
exc_common:
        pushal
        pushl   %esp
        call    trap                    /* never returns */
1:      cli
        hlt
        jmp     1b

/* IRQ 0 (PIT, remapped to vector 0x20): count a tick, acknowledge, return. */
        .globl irq0
irq0:
        pushl   %eax
        incl    ticks
        movb    $0x20, %al
        outb    %al, $0x20
        popl    %eax
        iret

        .section .rodata
        .globl exception_stubs
        .p2align 2
exception_stubs:
        .long exc0,  exc1,  exc2,  exc3,  exc4,  exc5,  exc6,  exc7
        .long exc8,  exc9,  exc10, exc11, exc12, exc13, exc14, exc15
        .long exc16, exc17, exc18, exc19, exc20, exc21, exc22, exc23
        .long exc24, exc25, exc26, exc27, exc28, exc29, exc30, exc31

        .section .bss
        .p2align 4
        .space  65536
stack_top:

        .section .note.GNU-stack, "", @progbits
