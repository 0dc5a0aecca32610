/*
 * Boot sector of the Nanos stand-in (see kernel.c for what the stand-in is).
 *
 * The BIOS loads this sector at 0x7c00 and jumps to it in 16-bit real mode with the boot drive
 * in %dl. It reads the first 256 sectors of the disk (128 KiB: this sector, the stand-in kernel
 * and the boot plan) to 0x10000 with int 13h extended reads (LBA, so it works the same from
 * virtio-scsi, virtio-blk and IDE under SeaBIOS), probes whether the drive takes writes, leaves
 * a few facts at BOOT_INFO for the kernel, switches to 32-bit protected mode and jumps to the
 * kernel at 0x10200 (image offset 512).
 *
 * BOOT_INFO (0x500, free low memory):
 *   +0 u8  BIOS drive number
 *   +1 u8  1 when writing the drive failed (a read-only drive), else 0
 */
        .code16
        .section .text
        .globl _start

#define LOAD_SEG      0x1000          /* 0x1000:0000 = linear 0x10000 */
#define CHUNK         64              /* sectors per int 13h call (32 KiB) */
#define CHUNKS        4               /* 4 x 64 sectors = 128 KiB */
#define KERNEL_ENTRY  0x10200
#define BOOT_INFO     0x500
#define STACK32       0x90000

_start:
        cli
        xorw    %ax, %ax
        movw    %ax, %ds
        movw    %ax, %es
        movw    %ax, %ss
        movw    $0x7c00, %sp
        ljmp    $0, $normalized         /* some BIOSes enter at 07c0:0000 */
normalized:
        sti
        movb    %dl, BOOT_INFO
        movb    $0, BOOT_INFO+1

        movw    $CHUNKS, %cx
read_chunk:
        pushw   %cx
        movw    $CHUNK, dap_count       /* the BIOS may rewrite it with what it transferred */
        movw    $dap, %si
        movb    BOOT_INFO, %dl
        movb    $0x42, %ah              /* extended read */
        int     $0x13
        jc      disk_error
        popw    %cx
        addw    $(CHUNK * 512 / 16), dap_seg
        addl    $CHUNK, dap_lba
        loop    read_chunk

        /* Write probe: write sector 0 back, from the pristine copy just read to 0x10000 (this
           copy at 0x7c00 has been modified by the variables above). A read-only drive fails. */
        movw    $1, dap_count
        movw    $LOAD_SEG, dap_seg
        movl    $0, dap_lba
        movw    $dap, %si
        movb    BOOT_INFO, %dl
        movw    $0x4300, %ax            /* extended write, no verify */
        int     $0x13
        jnc     1f
        movb    $1, BOOT_INFO+1
1:
        /* A20 on (fast A20 gate), then protected mode. */
        inb     $0x92, %al
        orb     $2, %al
        andb    $0xfe, %al
        outb    %al, $0x92

        cli
        lgdt    gdt_desc
        movl    %cr0, %eax
        orl     $1, %eax
        movl    %eax, %cr0
        ljmp    $0x08, $protected

disk_error:
        movw    $msg_disk, %si
print:
        lodsb
        testb   %al, %al
        jz      halt16
        movw    $0x3f8, %dx
        outb    %al, %dx
        jmp     print
halt16:
        cli
        hlt
        jmp     halt16

        .code32
protected:
        movw    $0x10, %ax
        movw    %ax, %ds
        movw    %ax, %es
        movw    %ax, %fs
        movw    %ax, %gs
        movw    %ax, %ss
        movl    $STACK32, %esp
        movl    $KERNEL_ENTRY, %eax
        jmp     *%eax

        .p2align 3
gdt:
        .quad   0
        .quad   0x00cf9a000000ffff      /* 0x08: code, base 0, 4 GiB, 32-bit */
        .quad   0x00cf92000000ffff      /* 0x10: data, base 0, 4 GiB */
gdt_desc:
        .word   gdt_desc - gdt - 1
        .long   gdt

dap:                                    /* int 13h disk address packet */
        .byte   16, 0
dap_count:
        .word   CHUNK
dap_off:
        .word   0
dap_seg:
        .word   LOAD_SEG
dap_lba:
        .long   0, 0

msg_disk:
        .asciz  "stand-in boot: disk read failed\n"

        .org    510
        .byte   0x55, 0xaa

        .section .note.GNU-stack, "", @progbits
