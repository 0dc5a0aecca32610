/*
 * The Nanos stand-in: a tiny 32-bit kernel that the ops test double (ops-double.mjs) puts at the
 * start of every amd64 image it "builds", so that tests can boot REAL QEMU on those images and
 * see what a real Nanos image would do there. It is not Nanos and runs no Linux program: it
 * reads a boot plan that the double wrote from what `ops build` really puts into an image, and
 * acts out the program's behaviour (a small line language, below) with Nanos's semantics at
 * exit, on the console and on the 9p workspace share (/work/shared/reference/nanos-boot.md).
 *
 * Image layout (written by ops-double.mjs, read by boot.S):
 *   0x00000  boot sector (boot.S), then this kernel (flat binary, linked at 0x10200), <= 64 KiB
 *   0x10000  the boot plan: text, NUL-terminated, <= 64 KiB (loaded at physical 0x20000)
 *   0x20000  the double's JSON record ("OPSDOUBLE-IMAGE v1\n{json}\n"), then the image's
 *            partitions (boot and root TFS filesystems, as ops writes them; the MBR's partition
 *            table at 446-509 of the boot sector) and any filler (ops-double.mjs writeImage)
 *
 * ---------------------------------------------------------------------------------------------
 * Boot plan format (version 1)
 * ---------------------------------------------------------------------------------------------
 * Lines separated by LF. The first line is "NIA-PLAN v1", the last "end". Every other line is a
 * keyword followed by space-separated fields. Every field is percent-encoded: bytes that are
 * not printable ASCII (<= 0x20 or >= 0x7f) and '%' itself are written as %XX, so a field holds
 * spaces, newlines or UTF-8; an empty field is written as "%00" (decoded: an empty C string).
 *
 *   arch <amd64|arm64>
 *   nanos_version <version>   the Nanos release ops built with, e.g. 0.1.55 (its 9p fault)
 *   program <path>            the program's path inside the image (what readlink of
 *                             /proc/self/exe returns, so its length shows in the trace)
 *   arg <text>                one per argv entry, argv[0] first (ops: Program, then Args)
 *   env <key> <text>          the environment (ops-added variables included)
 *   mount <volume> <path>     an image mount after ops's renumbering, e.g. "mount %0 /workspace"
 *   flag <name>               a passthrough key that is present: debug_exit, reboot_on_exit (ops
 *                             sets it from RebootOnExit: true), idle_on_exit, readonly_rootfs,
 *                             debugsyscalls (any value: the strace klib only asks if it is there)
 *   klib <name>               a klib ops put into the image (found in the klib folder), one line
 *                             each, in the manifest's order
 *   expected_exit_code <text> one line per value (a passthrough list gives several)
 *   base_volume <size>        ops was given BaseVolumeSz (as written, e.g. 64m): the root
 *                             filesystem has free space
 *   dir <path>                a directory of the image's root filesystem
 *   file <path> <content>     a regular file of the root filesystem, with its content (the
 *                             double includes small files only)
 *   run <line>                one line of the program's behaviour, in order (the double writes
 *                             "run print hello from <name>" for a program without a script)
 *   end
 * Unknown keywords are ignored, so the format can grow.
 *
 * ---------------------------------------------------------------------------------------------
 * Program line language (NIA-PROGRAM v1; the block sits in the program binary, see fixtures.ts)
 * ---------------------------------------------------------------------------------------------
 * Each line stands for what a plain static C program does (../../fixtures/nanos-console/
 * script.c does print, write, read, stat, sleep, hang, crash and exit that way); the system
 * calls in brackets are what the syscall trace shows (below):
 *   print <text>              prints text and a newline (the program's own output, unprefixed)
 *                             [one write(1, ...) per line: printf and fflush]
 *   print-args                prints "argv: " and argv[0..] joined by spaces
 *   print-env KEY             prints "KEY=value", or "KEY is not set"
 *   write <path> <text>       creates or truncates the file and writes text plus a newline
 *                             [openat O_WRONLY|O_CREAT|O_TRUNC 0644, one write, close]
 *   read <path>               prints the file's content as it is [openat, then read of 4096 bytes
 *                             and write(1, ...) of what came until a read gives 0, close]
 *   stat <path>               stat()s the path and prints nothing when it exists [newfstatat]
 *   exit [n]                  exits with n (taken modulo 256, like Linux; no n: 0)
 *   exit-env KEY              exits with the number in KEY ("KEY is not set" and exit 1 when
 *                             missing, "KEY: not a number: v" and exit 1 when not a number)
 *   crash                     a write to address 16 (script.c's): a fatal SIGSEGV
 *   hang                      never exits (halts the CPU, burns nothing) [nanosleep(1000 s)]
 *   sleep <ms>                waits (the CPU halts between timer ticks of 10 ms) [nanosleep]
 *   kernel-fault              the kernel faults as the real 0.1.55 x86-64 kernel did in its 9p
 *                             bug (see "Kernel fault" below); no system call of its own
 *   if-env KEY <command>      runs the command when KEY is set
 *   if-env KEY=VALUE <command>  ... when KEY is set to exactly VALUE (VALUE without spaces)
 *   unless-env KEY[=VALUE] <command>  the opposite
 *   # ...                     a comment; empty lines are ignored too
 * A failing write, read or stat prints "<path>: <reason>" (strerror text) and exits 1, as a
 * typical program would. An unknown command prints "unknown NIA-PROGRAM command: <line>" and
 * exits 127. The end of the script exits 0. The program's exit is the system call exit_group.
 *
 * Files: a path under a mount whose volume is attached is on the 9p share (a legacy virtio-9p
 * PCI function whose mount_tag is N attaches volume %N); any other path is on the image's root
 * filesystem, which holds the plan's dir and file entries and what the program wrote during
 * this boot (nothing persists). With readonly_rootfs, writes there fail with EROFS (in openat).
 * Otherwise the real root filesystem ends at its last written block: without base_volume the
 * open (O_TRUNC) succeeds and the write fails with ENOSPC, unless it fits in the sectors
 * (512 bytes each) that the truncated file had (x86-64-0.1.55-trace-script-root-*.txt).
 *
 * Exit (Nanos src/kernel/init.c vm_exit, in this order): a code matching expected_exit_code
 * (one value or any of a list) becomes 0; code != 0 with reboot_on_exit resets the machine;
 * code == 0 with idle_on_exit halts forever; without debug_exit the machine powers off through
 * ACPI (QEMU exits 0 whatever the code); then the code is written to the isa-debug-exit port
 * 0x501 (QEMU exits with (code << 1) | 1) and, if QEMU is still running, the keyboard
 * controller resets the machine. A fatal signal N ends the program with code N.
 *
 * Console: COM1, LF line ends (Nanos writes the program's bytes as they are and its own lines
 * with "\n"). Kernel lines start with the uptime in brackets: "NET: no network interface found"
 * at boot without a virtio-net function; at exit, when the boot drive refused boot.S's write
 * probe (a read-only drive), the storage shutdown's lines (storage_shutdown() below: "SCSI
 * SENSE ..." and "[uptime] storage_shutdown error: status 2" on virtio-scsi, "[uptime]
 * storage_shutdown error: 1" on virtio-blk; twice after a non-zero exit code or a signal, once
 * after 0; nothing on a writable drive). The uptime counts from the kernel's start (the ACPI PM
 * timer), so it reads about 0.001 s where a real Nanos shows 0.2-0.35 s.
 *
 * A crash (x86-64-0.1.55-segv.txt): an empty line, "*** signal 11 received by tid 2, errno 0,
 * code 1" (no uptime), "    fault address 0x10", an empty line, "*** Thread context:", Nanos's
 * context dump (dump_context() below: this CPU's 32-bit registers zero-extended into the x86-64
 * names and order; the frame trace, the load offset and loaded klibs as for the kernel fault;
 * 32 stack quadwords), "   core dump", "[uptime] storage_shutdown error: no core generated:
 * limit 0", then the storage shutdown's lines with status 11.
 *
 * The syscall trace (Nanos's strace klib) is printed when the plan has "klib strace" AND "flag
 * debugsyscalls"; the real kernel prints nothing with only one of them (fixtures
 * x86-64-0.1.55-klib-only-exit3.txt, -debugsyscalls-only-). Without it the console is the same
 * as without either. Lines are exactly what the real x86-64 kernel prints for script.c
 * (../../fixtures/nanos-console/x86-64-0.1.55-trace-*.txt), "[2] " (the thread id) first:
 *   - at the start, glibc's startup: brk, brk, arch_prctl, set_tid_address, set_robust_list,
 *     syscall_334() = -ENOSYS, prlimit64, readlink("/proc/self/exe", ...) = <program's length>,
 *     getrandom, brk x3, mprotect;
 *   - before the program's first own line, newfstatat(1, "", [{st_ino=0x0, st_mode=0x21ff,
 *     st_size=0}], 4096) = 0 (stdio sets up stdout), then after each line
 *     "write(1, 0x<buffer>, N) = N" (the output comes first, the trace line after it);
 *   - a call on the 9p workspace waits for the host: "NAME(args <unfinished ...>", then
 *     "<... NAME resumed>rest) = result" (openat, read, the close after a read, write, and
 *     newfstatat); on the root filesystem read does, and a write that succeeds (0.1.55's
 *     shapes: see the fixtures' README); errors as the klib names them ("= -ENOENT"; an errno it does not name as
 *     "= -N"); a failed stat shows the buffer's address;
 *   - exit: "exit_group( <unfinished ...>" (its argument is never shown), then the exit below;
 *     hang: "clock_nanosleep(0, 0x0, {tv_sec=1000, tv_nsec=0}, <unfinished ...>"; sleep: the
 *     same with the time, then "<... clock_nanosleep resumed> NULL) = 0";
 *   - crash: no line of its own (the last write before it shows), then the crash report.
 * Addresses are those of one real boot (ASLR changes them from boot to boot in the real kernel;
 * here they are always the same), st_ino is made up from the 9p qid (the real one is the
 * kernel's own number), and st_mode is 0x81ff for a file and 0x41ff for a folder, as in Nanos.
 *
 * Kernel fault (the kernel-fault command and the 0.1.55 9p bug), as the real x86-64 0.1.55
 * kernel under q35 (x86-64-0.1.55-trace-stat2-fault.txt): an empty line, "frame trace: " and its
 * 32 frames (heaplock_dealloc, deallocate_value, destruct_value_each, iterate, destruct_value,
 * ...), "kernel load offset ...", "loaded klibs: " with "NAME@0xADDRESS/0xSIZE " for each klib
 * of the plan (in the plan's order; the real order changes from boot to boot; sizes of the
 * 0.1.55 klibs, 0x10000 for others), "assertion m->allocated >= o->pagesize failed at ... in
 * mcache_dealloc()", then the storage shutdown's lines for a read-only boot drive ("SCSI SENSE
 * ..." / "[uptime] storage_shutdown error: status 2" / "SCSI SENSE ..." on virtio-scsi,
 * "[uptime] storage_shutdown error: 1" on virtio-blk, nothing on a writable drive), and the
 * machine goes on running: QEMU does not exit until it is killed. It is printed with or without
 * the trace (a kernel line, not the klib's).
 *
 * The 0.1.55 9p bug (nanos-boot.md, "Kernel faults"): with "nanos_version 0.1.55", a stat of a
 * workspace file that was stat()ed before, with no read or write of it in between, faults: with
 * the trace, after its "newfstatat(-100, \"<path>\", <unfinished ...>" line, exactly like
 * kernel-fault; without it the machine hangs without a word (the real kernel mostly does; it
 * sometimes ended QEMU with status 0 instead). Folders, missing files and the root filesystem
 * are not affected, nor are other versions. Real 0.1.55 sometimes faults in other shapes (a
 * page-fault dump and QEMU status 253, or one "deallocate_value: unknown tag type" line): the
 * stand-in always takes the assertion.
 *
 * Not modelled: the program's own file (and any image file over the double's size limit) cannot
 * be read; directories cannot be created or listed; a modern-only virtio-9p function (1af4:1049,
 * e.g. behind a PCIe root port) is reported and ignored; one CPU; no network; the older
 * intermittent 9p hang (write, close, stat); the size of the base volume (any base_volume has
 * room), and the space that a truncation frees for other files; in a crash report, a real
 * program's own registers, frames and stack (the stand-in shows its own).
 */
#include <stdarg.h>
#include "kernel.h"

/* A pointer to fixed low memory that gcc cannot see through (no -Warray-bounds on 0x500). */
static inline void *phys(u32 addr)
{
    __asm__("" : "+r"(addr));
    return (void *)addr;
}

#define BOOT_INFO ((volatile u8 *)phys(0x500))
#define PLAN_ADDR ((char *)phys(0x20000))
#define PLAN_MAX 0x10000
#define COM1 0x3f8
#define DEBUG_EXIT_PORT 0x501

/* ------------------------------------------------------------------------------------------ */
/* libc-like helpers                                                                           */
/* ------------------------------------------------------------------------------------------ */

void *memcpy(void *d, const void *s, u32 n)
{
    u8 *a = d;
    const u8 *b = s;
    while (n--)
        *a++ = *b++;
    return d;
}

void *memset(void *d, int c, u32 n)
{
    u8 *a = d;
    while (n--)
        *a++ = (u8)c;
    return d;
}

int memcmp(const void *x, const void *y, u32 n)
{
    const u8 *a = x, *b = y;
    for (; n; n--, a++, b++)
        if (*a != *b)
            return *a - *b;
    return 0;
}

u32 strlen(const char *s)
{
    u32 n = 0;
    while (s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (u8)*a - (u8)*b;
}

int strncmp(const char *a, const char *b, u32 n)
{
    for (; n; n--, a++, b++) {
        if (*a != *b)
            return (u8)*a - (u8)*b;
        if (!*a)
            return 0;
    }
    return 0;
}

/* 64-bit by 32-bit division without libgcc (gcc -m32 would call __udivdi3). */
static u64 udiv64(u64 n, u32 d, u32 *rem)
{
    u32 hi = (u32)(n >> 32), lo = (u32)n;
    u32 qhi = hi / d, r = hi % d, qlo;
    __asm__("divl %4" : "=a"(qlo), "=d"(r) : "a"(lo), "d"(r), "rm"(d));
    if (rem)
        *rem = r;
    return ((u64)qhi << 32) | qlo;
}

/* ------------------------------------------------------------------------------------------ */
/* console                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/* While set, kputc appends to this buffer (up to capture_max bytes) instead of the console. */
static char *capture_buf;
static u32 capture_len, capture_max;

void kputc(char c)
{
    if (capture_buf) {
        if (capture_len < capture_max)
            capture_buf[capture_len++] = c;
        return;
    }
    while (!(inb(COM1 + 5) & 0x20))
        ;
    outb(COM1, (u8)c);
}

void kwrite(const char *s, u32 n)
{
    while (n--)
        kputc(*s++);
}

void kputs(const char *s)
{
    while (*s)
        kputc(*s++);
}

static void put_u64(u64 v, int width, char pad)
{
    char buf[24];
    int i = 0;
    do {
        u32 r;
        v = udiv64(v, 10, &r);
        buf[i++] = (char)('0' + r);
    } while (v);
    while (i < width)
        buf[i++] = pad;
    while (i)
        kputc(buf[--i]);
}

static void put_hex(u64 v, int digits)
{
    for (int s = (digits - 1) * 4; s >= 0; s -= 4)
        kputc("0123456789abcdef"[(v >> s) & 15]);
}

static const char *errno_name(int e);

/* %s %c %d %u %x (32-bit, unpadded), %X (u64, 16 hex digits), %Y (u64 hex, unpadded),
   %U (u64 decimal), %R (an int system call result: the number, or "-ENAME" for an error) */
static void kvprintf(const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            kputc(*fmt);
            continue;
        }
        switch (*++fmt) {
        case 's':
            kputs(va_arg(ap, const char *));
            break;
        case 'c':
            kputc((char)va_arg(ap, int));
            break;
        case 'd': {
            int v = va_arg(ap, int);
            if (v < 0) {
                kputc('-');
                put_u64((u64)(-(long long)v), 0, ' ');
            } else
                put_u64((u64)v, 0, ' ');
            break;
        }
        case 'u':
            put_u64(va_arg(ap, u32), 0, ' ');
            break;
        case 'x': {
            u32 v = va_arg(ap, u32);
            int digits = 1;
            while (digits < 8 && (v >> (digits * 4)))
                digits++;
            put_hex(v, digits);
            break;
        }
        case 'X':
            put_hex(va_arg(ap, u64), 16);
            break;
        case 'Y': {
            u64 v = va_arg(ap, u64);
            int digits = 1;
            while (digits < 16 && (v >> (digits * 4)))
                digits++;
            put_hex(v, digits);
            break;
        }
        case 'U':
            put_u64(va_arg(ap, u64), 0, ' ');
            break;
        case 'R': {
            int v = va_arg(ap, int);
            const char *name = v < 0 ? errno_name(-v) : NULL;
            if (name) {
                kputs("-");
                kputs(name);
            } else if (v < 0) {
                kputc('-');
                put_u64((u64)(-(long long)v), 0, ' ');
            } else
                put_u64((u64)v, 0, ' ');
            break;
        }
        case '%':
            kputc('%');
            break;
        default:
            kputc('%');
            kputc(*fmt);
        }
    }
}

void kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
}

void klog(const char *fmt, ...)
{
    u32 us;
    u64 s = udiv64(uptime_us(), 1000000, &us);
    kputc('[');
    put_u64(s, 0, ' ');
    kputc('.');
    put_u64(us, 6, '0');
    kputs("] ");
    va_list ap;
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
    kputc('\n');
}

/* ------------------------------------------------------------------------------------------ */
/* ACPI: the PM timer (uptime) and the S5 sleep type (power off)                               */
/* ------------------------------------------------------------------------------------------ */

static u16 pm1a_cnt, pm1b_cnt, pm_tmr;
static u32 pm_tmr_mask = 0xffffff;
static u16 slp_typ_a, slp_typ_b;
static int acpi_poweroff_ok;

static int checksum_ok(const u8 *p, u32 n)
{
    u8 sum = 0;
    while (n--)
        sum += *p++;
    return sum == 0;
}

static const u8 *find_rsdp(u32 start, u32 len)
{
    for (u32 a = start; a < start + len; a += 16) {
        const u8 *p = (const u8 *)a;
        if (memcmp(p, "RSD PTR ", 8) == 0 && checksum_ok(p, 20))
            return p;
    }
    return NULL;
}

/* The first two elements of the DSDT's \_S5 package (AML: NameOp "_S5_" PackageOp ...). */
static int parse_s5(const u8 *dsdt)
{
    u32 len = *(const u32 *)(dsdt + 4);
    for (u32 i = 36; i + 8 < len; i++) {
        if (memcmp(dsdt + i, "_S5_", 4) != 0 || dsdt[i + 4] != 0x12)
            continue;
        const u8 *p = dsdt + i + 5;
        p += 1 + (*p >> 6); /* PkgLength: the lead byte's bits 7-6 count the extra bytes */
        p++;                /* NumElements */
        u16 v[2];
        for (int k = 0; k < 2; k++) {
            if (*p == 0x0a) { /* BytePrefix */
                v[k] = p[1];
                p += 2;
            } else if (*p == 0x00 || *p == 0x01) { /* ZeroOp, OneOp */
                v[k] = *p;
                p += 1;
            } else
                return 0;
        }
        slp_typ_a = v[0];
        slp_typ_b = v[1];
        return 1;
    }
    return 0;
}

static void acpi_init(void)
{
    const u8 *rsdp = find_rsdp(0xe0000, 0x20000);
    if (!rsdp) {
        u32 ebda = (u32)(*(volatile u16 *)phys(0x40e)) << 4;
        if (ebda)
            rsdp = find_rsdp(ebda, 1024);
    }
    if (!rsdp)
        return;
    const u8 *rsdt = (const u8 *)*(const u32 *)(rsdp + 16);
    if (memcmp(rsdt, "RSDT", 4) != 0)
        return;
    u32 n = (*(const u32 *)(rsdt + 4) - 36) / 4;
    for (u32 i = 0; i < n; i++) {
        const u8 *t = (const u8 *)((const u32 *)(rsdt + 36))[i];
        if (memcmp(t, "FACP", 4) != 0)
            continue;
        pm1a_cnt = (u16) * (const u32 *)(t + 64);
        pm1b_cnt = (u16) * (const u32 *)(t + 68);
        pm_tmr = (u16) * (const u32 *)(t + 76);
        if (*(const u32 *)(t + 112) & (1 << 8)) /* TMR_VAL_EXT: a 32-bit PM timer */
            pm_tmr_mask = 0xffffffff;
        const u8 *dsdt = (const u8 *)*(const u32 *)(t + 40);
        if (pm1a_cnt && memcmp(dsdt, "DSDT", 4) == 0 && parse_s5(dsdt))
            acpi_poweroff_ok = 1;
    }
}

/* ------------------------------------------------------------------------------------------ */
/* time: the ACPI PM timer (3.579545 MHz), from the kernel's start                             */
/* ------------------------------------------------------------------------------------------ */

static u32 pm_last;
static u64 pm_ticks;

u64 uptime_us(void)
{
    if (!pm_tmr) { /* no FADT: the TSC, taken as 1 GHz */
        u32 lo, hi;
        __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
        return udiv64(((u64)hi << 32) | lo, 1000, NULL);
    }
    u32 t = inl(pm_tmr) & pm_tmr_mask;
    pm_ticks += (t - pm_last) & pm_tmr_mask;
    pm_last = t;
    return udiv64(pm_ticks * 1000000ull, 3579545, NULL);
}

static void time_init(void)
{
    if (pm_tmr)
        pm_last = inl(pm_tmr) & pm_tmr_mask;
}

/* ------------------------------------------------------------------------------------------ */
/* CPU: paging (page 0 unmapped, so a NULL write faults), the IDT, the PIC and PIT             */
/* ------------------------------------------------------------------------------------------ */

static u32 page_dir[1024] __attribute__((aligned(4096)));
static u32 page_table0[1024] __attribute__((aligned(4096)));

static void paging_init(void)
{
    page_table0[0] = 0; /* the NULL page */
    for (u32 i = 1; i < 1024; i++)
        page_table0[i] = (i << 12) | 3;
    page_dir[0] = (u32)page_table0 | 3;
    for (u32 i = 1; i < 1024; i++)
        page_dir[i] = (i << 22) | 0x83; /* 4 MiB pages, identity: the whole 4 GiB */
    u32 cr4;
    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    __asm__ volatile("mov %0, %%cr4" : : "r"(cr4 | 0x10)); /* PSE */
    __asm__ volatile("mov %0, %%cr3" : : "r"(page_dir));
    u32 cr0;
    __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
    __asm__ volatile("mov %0, %%cr0" : : "r"(cr0 | 0x80000000u) : "memory");
}

extern const u32 exception_stubs[32];
extern void irq0(void);
volatile u32 ticks;
static u32 idt[256 * 2];

static void set_gate(int v, u32 handler)
{
    idt[v * 2] = (0x08 << 16) | (handler & 0xffff);
    idt[v * 2 + 1] = (handler & 0xffff0000) | 0x8e00;
}

static void idt_init(void)
{
    for (int v = 0; v < 32; v++)
        set_gate(v, exception_stubs[v]);
    set_gate(0x20, (u32)irq0);
    struct __attribute__((packed)) {
        u16 limit;
        u32 base;
    } d = {sizeof(idt) - 1, (u32)idt};
    __asm__ volatile("lidt %0" : : "m"(d));

    /* 8259 PICs: IRQs 0-15 to vectors 0x20-0x2f, all masked; the PIT at 100 Hz */
    outb(0x20, 0x11);
    outb(0xa0, 0x11);
    outb(0x21, 0x20);
    outb(0xa1, 0x28);
    outb(0x21, 4);
    outb(0xa1, 2);
    outb(0x21, 1);
    outb(0xa1, 1);
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
    u32 divisor = 1193182 / 100;
    outb(0x43, 0x34);
    outb(0x40, divisor & 0xff);
    outb(0x40, divisor >> 8);
}

static void sleep_ms(u32 ms)
{
    u32 end = ticks + (ms + 9) / 10;
    outb(0x21, 0xfe);
    while ((s32)(ticks - end) < 0)
        __asm__ volatile("sti; hlt; cli");
    outb(0x21, 0xff);
}

static void __attribute__((noreturn)) halt_forever(void)
{
    for (;;)
        __asm__ volatile("cli; hlt");
}

/* ------------------------------------------------------------------------------------------ */
/* the boot plan                                                                               */
/* ------------------------------------------------------------------------------------------ */

#define MAX_ARGS 64
#define MAX_ENV 128
#define MAX_MOUNTS 8
#define MAX_EXPECTED 32
#define MAX_DIRS 128
#define MAX_FILES 96
#define MAX_RUN 1024
#define MAX_KLIBS 32

struct mount {
    const char *volume;
    char path[256]; /* normalized */
    struct p9_dev *dev;
};
struct file {
    char path[256];
    const char *data;
    u32 len;
    int new_space; /* written this boot beyond its old sectors: space the shutdown must convert */
};

static const char *argv[MAX_ARGS];
static int argc;
static const char *env_key[MAX_ENV], *env_val[MAX_ENV];
static int nenv;
static struct mount mounts[MAX_MOUNTS];
static int nmounts;
static const char *expected[MAX_EXPECTED];
static int nexpected;
static const char *dirs[MAX_DIRS];
static int ndirs;
static struct file files[MAX_FILES];
static int nfiles;
static const char *script[MAX_RUN];
static int nscript;
static int debug_exit, reboot_on_exit, idle_on_exit, readonly_rootfs, debugsyscalls;
static const char *program_path = "";
static const char *nanos_version = "";
static const char *base_volume; /* BaseVolumeSz as ops was given it; NULL: none */
static const char *klibs[MAX_KLIBS];
static int nklibs;

static int normalize(const char *in, char *out, u32 max);

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes %XX in place; returns the decoded length (the text may hold NULs: "%00" = ""). */
static u32 pct_decode(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        int h, l;
        if (*r == '%' && (h = hexval(r[1])) >= 0 && (l = hexval(r[2])) >= 0) {
            *w++ = (char)(h * 16 + l);
            r += 2;
        } else
            *w++ = *r;
    }
    u32 n = (u32)(w - s);
    *w = 0;
    return n;
}

/* Cuts the next space-separated field out of *p (NUL-terminating it); NULL when none. */
static char *field(char **p)
{
    char *s = *p;
    while (*s == ' ')
        s++;
    if (!*s)
        return NULL;
    char *e = s;
    while (*e && *e != ' ')
        e++;
    if (*e)
        *e++ = 0;
    *p = e;
    return s;
}

static int parse_plan(char *plan)
{
    plan[PLAN_MAX - 1] = 0;
    char *line = plan;
    int lineno = 0, ended = 0;
    while (*line && !ended) {
        char *eol = line;
        while (*eol && *eol != '\n')
            eol++;
        char *next = *eol ? eol + 1 : eol;
        *eol = 0;
        if (lineno++ == 0) {
            if (strcmp(line, "NIA-PLAN v1") != 0)
                return 0;
        } else {
            char *p = line;
            char *kw = field(&p), *a = field(&p), *b = field(&p);
            if (a)
                pct_decode(a);
            u32 blen = b ? pct_decode(b) : 0;
            if (!kw) {
            } else if (!strcmp(kw, "end"))
                ended = 1;
            else if (!strcmp(kw, "program") && a)
                program_path = a;
            else if (!strcmp(kw, "nanos_version") && a)
                nanos_version = a;
            else if (!strcmp(kw, "base_volume") && a)
                base_volume = a;
            else if (!strcmp(kw, "klib") && a && nklibs < MAX_KLIBS)
                klibs[nklibs++] = a;
            else if (!strcmp(kw, "arg") && a && argc < MAX_ARGS)
                argv[argc++] = a;
            else if (!strcmp(kw, "env") && a && nenv < MAX_ENV) {
                env_key[nenv] = a;
                env_val[nenv++] = b ? b : "";
            } else if (!strcmp(kw, "mount") && a && b && nmounts < MAX_MOUNTS) {
                mounts[nmounts].volume = a;
                if (normalize(b, mounts[nmounts].path, sizeof(mounts[nmounts].path)))
                    nmounts++;
            } else if (!strcmp(kw, "flag") && a) {
                if (!strcmp(a, "debug_exit"))
                    debug_exit = 1;
                else if (!strcmp(a, "reboot_on_exit"))
                    reboot_on_exit = 1;
                else if (!strcmp(a, "idle_on_exit"))
                    idle_on_exit = 1;
                else if (!strcmp(a, "readonly_rootfs"))
                    readonly_rootfs = 1;
                else if (!strcmp(a, "debugsyscalls"))
                    debugsyscalls = 1;
            } else if (!strcmp(kw, "expected_exit_code") && a && nexpected < MAX_EXPECTED)
                expected[nexpected++] = a;
            else if (!strcmp(kw, "dir") && a && ndirs < MAX_DIRS)
                dirs[ndirs++] = a;
            else if (!strcmp(kw, "file") && a && nfiles < MAX_FILES && strlen(a) < 256) {
                memcpy(files[nfiles].path, a, strlen(a) + 1);
                files[nfiles].data = b ? b : "";
                files[nfiles++].len = blen;
            } else if (!strcmp(kw, "run") && a && nscript < MAX_RUN)
                script[nscript++] = a;
        }
        line = next;
    }
    return ended;
}

static const char *getenv(const char *key)
{
    for (int i = nenv - 1; i >= 0; i--)
        if (!strcmp(env_key[i], key))
            return env_val[i];
    return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* files: the 9p share under attached mounts, the image's root filesystem elsewhere            */
/* ------------------------------------------------------------------------------------------ */

static char rampool[64 * 1024];
static u32 rampool_used;

static const char *strerror(int e)
{
    switch (e) {
    case EPERM:
        return "Operation not permitted";
    case ENOENT:
        return "No such file or directory";
    case EIO:
        return "Input/output error";
    case EACCES:
        return "Permission denied";
    case EEXIST:
        return "File exists";
    case ENOTDIR:
        return "Not a directory";
    case EISDIR:
        return "Is a directory";
    case EINVAL:
        return "Invalid argument";
    case ENOSPC:
        return "No space left on device";
    case EROFS:
        return "Read-only file system";
    case ENAMETOOLONG:
        return "File name too long";
    default:
        return "Unknown error";
    }
}

/* The names the strace klib prints for a failed call (klib/strace.c strace_print_errno). */
static const char *errno_name(int e)
{
    static const struct {
        u16 num;
        const char *name;
    } names[] = {
        {1, "EPERM"}, {2, "ENOENT"}, {3, "ESRCH"}, {4, "EINTR"}, {5, "EIO"}, {6, "ENXIO"},
        {7, "E2BIG"}, {8, "ENOEXEC"}, {9, "EBADF"}, {10, "ECHILD"}, {11, "EAGAIN"}, {12, "ENOMEM"},
        {13, "EACCES"}, {14, "EFAULT"}, {16, "EBUSY"}, {17, "EEXIST"}, {18, "EXDEV"},
        {19, "ENODEV"}, {20, "ENOTDIR"}, {21, "EISDIR"}, {22, "EINVAL"}, {23, "ENFILE"},
        {24, "EMFILE"}, {25, "ENOTTY"}, {27, "EFBIG"}, {28, "ENOSPC"}, {29, "ESPIPE"},
        {30, "EROFS"}, {31, "EMLINK"}, {32, "EPIPE"}, {34, "ERANGE"}, {36, "ENAMETOOLONG"},
        {38, "ENOSYS"}, {39, "ENOTEMPTY"}, {40, "ELOOP"}, {61, "ENODATA"}, {62, "ETIME"},
        {75, "EOVERFLOW"}, {77, "EBADFD"}, {95, "EOPNOTSUPP"}, {110, "ETIMEDOUT"}};
    for (u32 i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (names[i].num == e)
            return names[i].name;
    return NULL;
}

/* "/a/./b/../c" or "a/c" -> "/a/c" (relative paths start at PWD=/); 0 when too long */
static int normalize(const char *in, char *out, u32 max)
{
    u32 n = 0;
    out[0] = 0;
    while (*in) {
        while (*in == '/')
            in++;
        const char *s = in;
        while (*in && *in != '/')
            in++;
        u32 len = (u32)(in - s);
        if (len == 0 || (len == 1 && s[0] == '.'))
            continue;
        if (len == 2 && s[0] == '.' && s[1] == '.') {
            while (n > 0 && out[n] != '/')
                n--;
            out[n] = 0;
            continue;
        }
        if (n + 1 + len + 1 > max)
            return 0;
        out[n++] = '/';
        memcpy(out + n, s, len);
        n += len;
        out[n] = 0;
    }
    if (n == 0) {
        out[0] = '/';
        out[1] = 0;
    }
    return 1;
}

/* is `path` `dir` itself or below it (both normalized)? */
static int within(const char *path, const char *dir)
{
    u32 n = strlen(dir);
    if (!strcmp(dir, "/"))
        return 1;
    return strncmp(path, dir, n) == 0 && (path[n] == 0 || path[n] == '/');
}

static int below(const char *path, const char *dir)
{
    return within(path, dir) && strcmp(path, dir) != 0;
}

static struct file *root_file(const char *path)
{
    for (int i = nfiles - 1; i >= 0; i--)
        if (!strcmp(files[i].path, path))
            return &files[i];
    return NULL;
}

static int root_is_dir(const char *path)
{
    if (!strcmp(path, "/"))
        return 1;
    for (int i = 0; i < ndirs; i++)
        if (within(dirs[i], path))
            return 1;
    for (int i = 0; i < nfiles; i++)
        if (below(files[i].path, path))
            return 1;
    for (int i = 0; i < nmounts; i++)
        if (within(mounts[i].path, path))
            return 1;
    return 0;
}

/* The attached mount holding `path` (the longest), with the rest split into components. */
static struct mount *resolve(char *path, char **comps, int *n)
{
    struct mount *best = NULL;
    for (int i = 0; i < nmounts; i++)
        if (mounts[i].dev && within(path, mounts[i].path) &&
            (!best || strlen(mounts[i].path) > strlen(best->path)))
            best = &mounts[i];
    if (!best)
        return NULL;
    char *s = path + strlen(best->path);
    *n = 0;
    while (*s) {
        while (*s == '/')
            *s++ = 0;
        if (!*s)
            break;
        if (*n == P9_MAX_COMPONENTS)
            return best; /* deeper than a Twalk carries: the caller sees n == MAX */
        comps[(*n)++] = s;
        while (*s && *s != '/')
            s++;
    }
    return best;
}

/*
 * Normalizes `given` into `path` (256 bytes) and finds the mount it is on (*m, or 0 for the
 * root filesystem) with its components below the mount; 0, or a negative errno.
 */
static int lookup(const char *given, char *path, char **comps, int *n, struct mount **m)
{
    *m = NULL;
    *n = 0;
    if (!normalize(given, path, 256))
        return -ENAMETOOLONG;
    *m = resolve(path, comps, n);
    if (*m && *n == 0)
        return -EISDIR;
    if (*m && *n >= P9_MAX_COMPONENTS)
        return -ENAMETOOLONG;
    return 0;
}

/* Creates or truncates the file and writes data; *opened: 1 once it was open (see p9.c). */
static int fs_write(const char *given, const char *data, u32 len, int *opened)
{
    char path[256];
    char *comps[P9_MAX_COMPONENTS];
    int n;
    struct mount *m;
    *opened = 0;
    int err = lookup(given, path, comps, &n, &m);
    if (err)
        return err;
    if (m)
        return p9_write_file(m->dev, comps, n, data, len, opened);
    if (root_is_dir(path))
        return -EISDIR;
    char parent[256];
    memcpy(parent, path, strlen(path) + 1);
    char *slash = parent + strlen(parent);
    while (slash > parent && *slash != '/')
        slash--;
    if (slash == parent)
        slash[1] = 0;
    else
        *slash = 0;
    if (!root_is_dir(parent))
        return root_file(parent) ? -ENOTDIR : -ENOENT;
    if (readonly_rootfs)
        return -EROFS;
    struct file *f = root_file(path);
    if (!f) {
        if (nfiles == MAX_FILES)
            return -ENOSPC;
        f = &files[nfiles++];
        memcpy(f->path, path, strlen(path) + 1);
        f->data = "";
    }
    *opened = 1;
    /* O_TRUNC frees the file's sectors; the root filesystem has no other free space unless ops
       was given BaseVolumeSz (it ends at its last written block) */
    u32 room = (f->len + 511) & ~511u;
    f->len = 0;
    if (len > room && !base_volume)
        return -ENOSPC;
    if (len > sizeof(rampool) - rampool_used)
        return -ENOSPC;
    if (len > room)
        f->new_space = 1;
    memcpy(rampool + rampool_used, data, len);
    f->data = rampool + rampool_used;
    f->len = len;
    rampool_used += len;
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* exit, Nanos-style                                                                           */
/* ------------------------------------------------------------------------------------------ */

static int boot_drive_readonly; /* boot.S's write probe failed */
static int drive_scsi;          /* the boot drive is behind virtio-scsi (not virtio-blk) */

static int parse_u32(const char *s, u32 *out)
{
    u32 v = 0;
    if (!*s)
        return 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > 429496728u)
            return 0;
        v = v * 10 + (u32)(*s - '0');
    }
    *out = v;
    return 1;
}

static void __attribute__((noreturn)) vm_reset(void)
{
    struct __attribute__((packed)) {
        u16 limit;
        u32 base;
    } d = {0, 0};
    __asm__ volatile("cli; lidt %0; int3" : : "m"(d)); /* no IDT: a triple fault */
    halt_forever();
}

static void acpi_poweroff(void)
{
    outw(pm1a_cnt, (u16)((slp_typ_a << 10) | (1 << 13)));
    if (pm1b_cnt)
        outw(pm1b_cnt, (u16)((slp_typ_b << 10) | (1 << 13)));
    /* QEMU acts on the request from its main loop: give it time before going on */
    u64 until = uptime_us() + 500000;
    while (uptime_us() < until)
        __asm__ volatile("pause");
}

static void __attribute__((noreturn)) vm_exit(u32 code)
{
    code &= 0xff;
    for (int i = 0; i < nexpected; i++) {
        u32 e;
        if (parse_u32(expected[i], &e) && e == code) {
            code = 0;
            break;
        }
    }
    if (code != 0 && reboot_on_exit)
        vm_reset();
    if (code == 0 && idle_on_exit)
        halt_forever();
    if (!debug_exit && acpi_poweroff_ok)
        acpi_poweroff();
    outb(DEBUG_EXIT_PORT, (u8)code); /* isa-debug-exit: QEMU exits with (code << 1) | 1 */
    outb(0x64, 0xfe);                /* no such device: reset through the keyboard controller */
    halt_forever();
}

static const char scsi_sense[] = "SCSI SENSE 70 00 07 00 00 00 00 0a 00 00 00 00 27 00 00 00 00 "
                                 "00: KEY 7, ASC/ASCQ 27/00\n";

/* A write of the storage shutdown that a read-only drive refused, and the error it reports. */
static void storage_refused(void)
{
    if (drive_scsi) {
        kputs(scsi_sense);
        klog("storage_shutdown error: status 2");
    } else
        klog("storage_shutdown error: 1");
}

/*
 * What Nanos's storage shutdown (kernel_shutdown, src/kernel/init.c) prints on the way out of a
 * program that ended with `status` (its exit code, or the fatal signal's number; before
 * expected_exit_code): with status != 0 it first saves the kernel log to the drive, then it
 * syncs the filesystems. A read-only drive refuses both writes: each says "status 2" after a
 * SCSI SENSE line on virtio-scsi, "1" on virtio-blk. A sync with files written this boot into
 * new space (BaseVolumeSz) fails instead converting their extents: one SCSI SENSE line for each
 * such file, then one "failed to convert uninited extent". A writable drive: nothing.
 */
static void storage_shutdown(u32 status)
{
    if (!boot_drive_readonly)
        return;
    if (status != 0)
        storage_refused(); /* klog_save */
    int new_space = 0;
    for (int i = 0; i < nfiles; i++)
        new_space += files[i].new_space;
    if (!new_space) {
        storage_refused();
        return;
    }
    if (drive_scsi)
        for (int i = 0; i < new_space; i++)
            kputs(scsi_sense);
    klog("storage_shutdown error: failed to convert uninited extent");
}

static void __attribute__((noreturn)) program_exit(u32 code)
{
    storage_shutdown(code);
    vm_exit(code);
}

/* ------------------------------------------------------------------------------------------ */
/* faults: the crash report of a user program's fatal signal                                   */
/* ------------------------------------------------------------------------------------------ */

static volatile int crash_armed;

/* The kernel's load offset and the first klib's address of one real boot (KASLR changes them). */
#define KERNEL_LOAD_OFFSET 0xffffffffc07f3000ull
#define KLIB_BASE 0xffffffffa921b000ull

/* Klib sizes as the 0.1.55 x86-64 release maps them (its klibs' ELF segments, page-rounded). */
static u32 klib_size(const char *name)
{
    static const struct {
        const char *name;
        u32 size;
    } sizes[] = {
        {"azure", 0x7000}, {"cloud_init", 0xc000}, {"cloudwatch", 0xf000}, {"digitalocean", 0x6000},
        {"firewall", 0x5000}, {"gcp", 0xb000}, {"ntp", 0x8000}, {"radar", 0x6000},
        {"sandbox", 0x15000}, {"shmem", 0x3000}, {"special_files", 0x3000}, {"strace", 0x1c000},
        {"syslog", 0x6000}, {"tls", 0x91000}, {"tmpfs", 0x5000}, {"tun", 0x4000},
        {"umcg", 0x4000}, {"userdata", 0x6000}};
    for (u32 i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
        if (!strcmp(sizes[i].name, name))
            return sizes[i].size;
    return 0x10000;
}

static int klib_loaded(const char *name)
{
    for (int i = 0; i < nklibs; i++)
        if (!strcmp(klibs[i], name))
            return 1;
    return 0;
}

/* "kernel load offset ...", then the loaded klibs, each as "NAME@0xADDRESS/0xSIZE ". */
static void print_load_offset_and_klibs(void)
{
    kprintf("\nkernel load offset %X\n\nloaded klibs: ", KERNEL_LOAD_OFFSET);
    u64 at = KLIB_BASE;
    for (int i = 0; i < nklibs; i++) {
        kprintf("%s@0x%Y/0x%x ", klibs[i], at, klib_size(klibs[i]));
        at += 0x1000000;
    }
    kputc('\n');
}

/* Nanos's names of the first 20 vectors (src/x86_64/interrupt.c interrupt_names). */
static const char *const vector_names[20] = {
    "Divide by 0", "Reserved", "NMI Interrupt", "Breakpoint (INT3)", "Overflow (INTO)",
    "Bounds range exceeded (BOUND)", "Invalid opcode (UD2)", "Device not available (WAIT/FWAIT)",
    "Double fault", "Coprocessor segment overrun", "Invalid TSS", "Segment not present",
    "Stack-segment fault", "General protection fault", "Page fault", "Reserved",
    "x87 FPU error", "Alignment check", "Machine check", "SIMD Floating-Point Exception"};

/*
 * Nanos's context dump (src/x86_64/interrupt.c dump_context and print_stack) of the faulting
 * frame: this 32-bit CPU's registers zero-extended into the x86-64 names and order (r8-r15,
 * fsbase and gsbase are 0), the frame trace along the saved frame pointers, the load offset and
 * the klibs, and 32 quadwords from the stack pointer. `error` is the error code to show.
 */
static void dump_context(struct trap_frame *f, u32 cr2, u32 error)
{
    u32 v = f->vector;
    kprintf("lastvector: %X", (u64)v);
    if (v < 20)
        kprintf(" (%s)", vector_names[v]);
    kprintf("\n     frame: %X\n", (u64)(u32)f);
    kputs("      type: thread\n");
    kprintf("active_cpu: %X\n", (u64)0xffffffffu); /* the thread is on no CPU once it faulted */
    kprintf(" stack top: %X\n", 0ull);
    if (v == 13 || v == 14)
        kprintf("error code: %X\n", (u64)error);
    if (v == 14)
        kprintf("   address: %X\n", (u64)cr2);
    kputc('\n');
    u32 ss, ds, es;
    __asm__ volatile("mov %%ss, %0; mov %%ds, %1; mov %%es, %2" : "=r"(ss), "=r"(ds), "=r"(es));
    u32 esp = (u32)&f->eflags + 4; /* a ring-0 fault pushes no ss:esp */
    static const char names[24][7] = {"   rax", "   rbx", "   rcx", "   rdx", "   rsi", "   rdi",
                                      "   rbp", "   rsp", "    r8", "    r9", "   r10", "   r11",
                                      "   r12", "   r13", "   r14", "   r15", "   rip", "rflags",
                                      "    ss", "    cs", "    ds", "    es", "fsbase", "gsbase"};
    u32 vals[24] = {f->eax, f->ebx, f->ecx, f->edx, f->esi, f->edi, f->ebp, esp};
    vals[16] = f->eip;
    vals[17] = f->eflags;
    vals[18] = ss & 0xffff;
    vals[19] = f->cs & 0xffff;
    vals[20] = ds & 0xffff;
    vals[21] = es & 0xffff;
    for (int i = 0; i < 24; i++)
        kprintf("%s: %X\n", names[i], (u64)vals[i]);
    /* each frame: where its return address is, and the address (no symbols for the program) */
    kputs("\nframe trace:\n");
    extern char __bss_start[], __bss_end[]; /* the kernel's stack is in .bss */
    u32 *bp = (u32 *)f->ebp;
    for (int i = 0; i < 16 && (char *)bp >= __bss_start && (char *)(bp + 2) <= __bss_end && bp[1];
         i++) {
        kprintf("%X:   %X\n", (u64)(u32)&bp[1], (u64)bp[1]);
        bp = (u32 *)bp[0];
    }
    print_load_offset_and_klibs();
    kputs("\nstack trace:\n");
    for (int i = 0; i < 32; i++)
        kprintf("%X:   %X\n", (u64)(esp + 8 * (u32)i), ((u64 *)esp)[i]);
    kputc('\n');
}

void trap(struct trap_frame *f)
{
    u32 cr2;
    __asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
    if (crash_armed && f->vector == 14) {
        /*
         * What Nanos prints for a program's fault with the default SIGSEGV action (src/unix/
         * signal.c): the signal and the fault's address, the thread's context, the core dump
         * that the limit 0 prevents, then the storage shutdown with the signal as the status.
         * The program's write runs in ring 0 here; the error code gets the user bit (4) that a
         * real program's fault, in ring 3, has.
         */
        kprintf("\n*** signal 11 received by tid 2, errno 0, code 1\n");
        kprintf("    fault address 0x%x\n", cr2);
        kputs("\n*** Thread context:\n");
        dump_context(f, cr2, f->error | 4);
        kputs("   core dump\n");
        klog("storage_shutdown error: no core generated: limit 0");
        program_exit(11); /* a fatal signal N ends the program with code N */
    }
    klog("stand-in kernel: unexpected exception %u", f->vector);
    dump_context(f, cr2, f->error);
    vm_exit(0x7e); /* Nanos's VM_EXIT_FAULT */
}

/* ------------------------------------------------------------------------------------------ */
/* the syscall trace (the strace klib with debugsyscalls) and the kernel fault                 */
/* ------------------------------------------------------------------------------------------ */

/*
 * What the real x86-64 kernel prints for a static glibc program (see the header). Addresses are
 * those of one real boot (x86-64-0.1.55-trace-exit3.txt; ASLR moves them from boot to boot).
 */
#define TR_HEAP 0x4d2000ull                /* brk(0) */
#define TR_STDOUT_BUF (TR_HEAP + 0x16d0)   /* stdout's buffer, from malloc */
#define TR_READLINK_BUF 0xfffaac00ull      /* a buffer on the startup code's stack */
#define TR_BUF (TR_READLINK_BUF - 0x1030)  /* the program's buffer on the stack */
#define TR_FD 3                            /* the one file a script line opens at a time */

static int tracing;     /* the strace klib is loaded and debugsyscalls is set */
static int stdio_ready; /* glibc has set up stdout's buffer (the first printf does) */

/* One trace line: "[2] " (the program's thread id), the text and a newline. */
static void tr(const char *fmt, ...)
{
    if (!tracing)
        return;
    kputs("[2] ");
    va_list ap;
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
    kputc('\n');
}

/* The startup of a static glibc program, up to main(). */
static void trace_startup(void)
{
    tr("brk(0x%X) = 0x%Y", 0ull, TR_HEAP);
    tr("brk(0x%X) = 0x%Y", TR_HEAP + 0xd00, TR_HEAP + 0xd00);
    tr("arch_prctl(4098, 0x%X) = 0", TR_HEAP + 0x380);
    tr("set_tid_address() = 2");
    tr("set_robust_list(0x%X, 24) = 0", TR_HEAP + 0x660);
    tr("syscall_334() = -ENOSYS");
    tr("prlimit64(0, 3, NULL, {rlim_cur=2097152, rlim_max=18446744073709551615}) = 0");
    tr("readlink(\"/proc/self/exe\", 0x%X, 4096) = %u", TR_READLINK_BUF, strlen(program_path));
    tr("getrandom() = 8");
    tr("brk(0x%X) = 0x%Y", 0ull, TR_HEAP + 0xd00);
    tr("brk(0x%X) = 0x%Y", TR_HEAP + 0x21d00, TR_HEAP + 0x21d00);
    tr("brk(0x%X) = 0x%Y", TR_HEAP + 0x22000, TR_HEAP + 0x22000);
    tr("mprotect(0x%X, 16384, 0x1) = 0", 0x4a2000ull);
}

/* The program's own output: one printf and fflush(stdout), i.e. one write(1, ...). */
static void prog_out(const char *fmt, ...)
{
    static char buf[PLAN_MAX + 1024];
    va_list ap;
    va_start(ap, fmt);
    capture_buf = buf;
    capture_len = 0;
    capture_max = sizeof(buf);
    kvprintf(fmt, ap);
    capture_buf = NULL;
    va_end(ap);
    if (tracing && !stdio_ready)
        tr("newfstatat(1, \"\", [{st_ino=0x0, st_mode=0x21ff, st_size=0}], 4096) = 0");
    stdio_ready = 1;
    kwrite(buf, capture_len);
    tr("write(1, 0x%X, %u) = %u", TR_STDOUT_BUF, capture_len, capture_len);
}

/*
 * The kernel fault of the real 0.1.55 x86-64 kernel (x86-64-0.1.55-trace-stat2-fault.txt): the
 * frame trace, the load offset, the loaded klibs and the failed assertion, then what the
 * storage shutdown prints, and the machine goes on running (QEMU does not exit) until killed.
 */
static void __attribute__((noreturn)) kernel_fault(void)
{
    /* each frame: the return address (from the load offset), its function's offset and size */
    static const struct {
        const char *fn;
        u32 ret, off, size;
    } f[] = {{"heaplock_dealloc", 0x24a03e, 0x2e, 0x44},
             {"deallocate_value", 0x28fd7e, 0x6e, 0xc9},
             {"destruct_value_each", 0x28fe21, 0x41, 0x64},
             {"iterate", 0x28cacd, 0x7d, 0x1c3},
             {"destruct_value", 0x28df46, 0x86, 0x136},
             {"destruct_value_each", 0x28fe3d, 0x5d, 0x64}};
    const u64 load = KERNEL_LOAD_OFFSET, stack = 0xffffc00002837000ull;
    /* five frames, then (destruct_value_each, iterate, destruct_value) nine times: 32 in all */
    static const u16 first_sp[5] = {0x090, 0x0b0, 0x0e0, 0x0f0, 0x120};
    static const u16 cycle_sp[3] = {0, 0x10, 0x40};
    static const u8 cycle[3] = {5, 3, 4};
    kputs("\nframe trace: \n");
    for (int i = 0; i < 32; i++) {
        int k = i < 5 ? i : cycle[(i - 5) % 3];
        u32 sp = i < 5 ? first_sp[i] : 0x190 + 0xb0 * (u32)((i - 5) / 3) + cycle_sp[(i - 5) % 3];
        kprintf("%X:   %X\t(%s + %X/%X)\n", stack + sp, load + f[k].ret, f[k].fn, (u64)f[k].off,
                (u64)f[k].size);
    }
    print_load_offset_and_klibs();
    kprintf("assertion m->allocated >= o->pagesize failed at "
            "/root/src/real-ops-kit-build/nanos/src/runtime/heap/mcache.c:194 (IP 0x%Y) in "
            "mcache_dealloc()\n",
            load + 0x276f05);
    if (boot_drive_readonly) { /* the kernel log's save is refused; the sync never finishes */
        storage_refused();
        if (drive_scsi)
            kputs(scsi_sense);
    }
    halt_forever();
}

/* ------------------------------------------------------------------------------------------ */
/* the program's files, with their system calls                                               */
/* ------------------------------------------------------------------------------------------ */

#define CONTINUE (-1) /* what a script line returns to go on; an exit code ends the program */

static int fail(const char *path, int err)
{
    prog_out("%s: %s\n", path, strerror(-err));
    return 1;
}

/*
 * The Nanos 0.1.55 9p fault: the workspace files stat()ed since they were last opened. The next
 * stat of one faults the kernel (/work/shared/reference/nanos-boot.md, "Kernel faults").
 */
#define MAX_STATTED 16
static char statted[MAX_STATTED][256];
static int nstatted;

static int statted_at(const char *path)
{
    for (int i = 0; i < nstatted; i++)
        if (!strcmp(statted[i], path))
            return i;
    return -1;
}

static void statted_set(const char *path, int on)
{
    int i = statted_at(path);
    if (on && i < 0 && nstatted < MAX_STATTED)
        memcpy(statted[nstatted++], path, strlen(path) + 1);
    else if (!on && i >= 0)
        memcpy(statted[i], statted[--nstatted], sizeof(statted[0]));
}

/* The normalized path (lookup's path loses its components below a mount). */
static const char *file_key(const char *given)
{
    static char key[256];
    if (!normalize(given, key, sizeof(key)))
        key[0] = 0;
    return key;
}

/* read PATH: open(O_RDONLY); read 4096 bytes at a time, each written to stdout; close. */
static int cmd_read(const char *given)
{
    char path[256];
    char *comps[P9_MAX_COMPONENTS];
    int n, isdir = 0;
    struct mount *m;
    struct file *f = NULL;
    int err = lookup(given, path, comps, &n, &m);
    if (m) /* a 9p call waits for the host: the trace shows it unfinished, then resumed */
        tr("openat(-100, \"%s\", 0x0, 0x0 <unfinished ...>", given);
    if (m && (err == 0 || err == -EISDIR)) /* the share's root opens as a directory */
        err = p9_open_read(m->dev, comps, n, &isdir);
    else if (!err && !(f = root_file(path))) {
        if (root_is_dir(path))
            isdir = 1;
        else
            err = -ENOENT;
    }
    if (m)
        tr("<... openat resumed>) = %R", err ? err : TR_FD);
    else
        tr("openat(-100, \"%s\", 0x0, 0x0) = %R", given, err ? err : TR_FD);
    if (err)
        return fail(given, err);
    if (m)
        statted_set(file_key(given), 0);
    if (isdir) {
        tr("read(%d, 0x%X, 4096) = %R", TR_FD, TR_BUF, -EISDIR);
        if (m)
            p9_close(m->dev);
        return fail(given, -EISDIR);
    }
    static char buf[4096];
    for (u32 off = 0;;) {
        int got;
        tr("read(%d, 0x%X, 4096 <unfinished ...>", TR_FD, TR_BUF);
        if (m)
            got = p9_read(m->dev, off, buf, sizeof(buf));
        else {
            got = (int)(f->len - off < sizeof(buf) ? f->len - off : sizeof(buf));
            memcpy(buf, f->data + off, (u32)got);
        }
        tr("<... read resumed>) = %R", got);
        if (got < 0) {
            if (m)
                p9_close(m->dev);
            return fail(given, got);
        }
        if (got == 0)
            break;
        kwrite(buf, (u32)got);
        tr("write(1, 0x%X, %d) = %d", TR_BUF, got, got);
        off += (u32)got;
    }
    if (m) {
        tr("close(%d <unfinished ...>", TR_FD);
        p9_close(m->dev);
        tr("<... close resumed>) = 0");
    } else
        tr("close(%d) = 0", TR_FD);
    return CONTINUE;
}

/* write PATH TEXT: open(O_WRONLY|O_CREAT|O_TRUNC, 0644); one write of TEXT and "\n"; close. */
static int cmd_write(const char *given, const char *text)
{
    static char buf[8192];
    char path[256];
    char *comps[P9_MAX_COMPONENTS];
    int n, opened;
    struct mount *m;
    u32 len = strlen(text);
    if (len > sizeof(buf) - 1)
        len = sizeof(buf) - 1;
    memcpy(buf, text, len);
    buf[len++] = '\n';
    lookup(given, path, comps, &n, &m); /* only for where the file is: fs_write decides */
    if (m)
        tr("openat(-100, \"%s\", 0x241, 0x1a4 <unfinished ...>", given);
    int r = fs_write(given, buf, len, &opened);
    if (m)
        tr("<... openat resumed>) = %R", opened ? TR_FD : r);
    else
        tr("openat(-100, \"%s\", 0x241, 0x1a4) = %R", given, opened ? TR_FD : r);
    if (!opened)
        return fail(given, r);
    if (m)
        statted_set(file_key(given), 0);
    if (m || !r) { /* the host, or the root's storage, is waited for; ENOSPC comes at once */
        tr("write(%d, 0x%X, %u <unfinished ...>", TR_FD, TR_BUF, len);
        tr("<... write resumed>) = %R", r ? r : (int)len);
    } else
        tr("write(%d, 0x%X, %u) = %R", TR_FD, TR_BUF, len, r);
    if (r)
        return fail(given, r);
    tr("close(%d) = 0", TR_FD);
    return CONTINUE;
}

/* stat PATH: stat(); nothing printed when it succeeds. */
static int cmd_stat(const char *given)
{
    char path[256];
    char *comps[P9_MAX_COMPONENTS];
    int n;
    struct mount *m;
    struct p9_attr a = {0, 0, 0};
    u64 ino = 0;
    int err = lookup(given, path, comps, &n, &m);
    if (m) {
        tr("newfstatat(-100, \"%s\", <unfinished ...>", given);
        if (statted_at(file_key(given)) >= 0 && !strcmp(nanos_version, "0.1.55")) {
            if (!tracing)
                halt_forever(); /* untraced, the real kernel mostly hangs without a word */
            kernel_fault();
        }
        if (err == 0 || err == -EISDIR)
            err = p9_stat(m->dev, comps, n, &a);
        ino = 0x410000 + (a.qid_path & 0xffff);
    } else if (!err) {
        struct file *f = root_file(path);
        if (f) {
            a.size = f->len;
            ino = 0xffffbcc000001000ull + 0x40 * (u64)(f - files);
        } else if (root_is_dir(path)) {
            a.isdir = 1;
            ino = 0xffffbcc000000040ull; /* "/" */
            if (strcmp(path, "/")) {
                ino = 0xffffbcc000000080ull; /* a folder implied by a file or a mount */
                for (int i = 0; i < ndirs; i++)
                    if (!strcmp(dirs[i], path))
                        ino = 0xffffbcc0000000c0ull + 0x40 * (u64)i;
            }
        } else
            err = -ENOENT;
    }
    if (!m && err)
        tr("newfstatat(-100, \"%s\", 0x%X, 0) = %R", given, TR_BUF, err);
    else if (m && err)
        tr("<... newfstatat resumed> 0x%X, 0) = %R", TR_BUF, err);
    else {
        u32 mode = a.isdir ? 0x41ff : 0x81ff;
        u64 size = a.isdir ? 0 : a.size;
        if (m)
            tr("<... newfstatat resumed> [{st_ino=0x%Y, st_mode=0x%x, st_size=%U}], 0) = 0", ino,
               mode, size);
        else
            tr("newfstatat(-100, \"%s\", [{st_ino=0x%Y, st_mode=0x%x, st_size=%U}], 0) = 0", given,
               ino, mode, size);
    }
    if (err)
        return fail(given, err);
    if (m && !a.isdir)
        statted_set(file_key(given), 1);
    return CONTINUE;
}

/* ------------------------------------------------------------------------------------------ */
/* the program                                                                                 */
/* ------------------------------------------------------------------------------------------ */

static const char *skip_spaces(const char *s)
{
    while (*s == ' ')
        s++;
    return s;
}

/* Copies the next word of s into out (at most max-1 bytes); returns what follows it. */
static const char *word(const char *s, char *out, u32 max)
{
    s = skip_spaces(s);
    u32 n = 0;
    while (*s && *s != ' ') {
        if (n + 1 < max)
            out[n++] = *s;
        s++;
    }
    out[n] = 0;
    return *s == ' ' ? s + 1 : s;
}

static int parse_int(const char *s, int *out)
{
    int neg = 0;
    u32 v;
    if (*s == '-' || *s == '+')
        neg = *s++ == '-';
    if (!parse_u32(s, &v))
        return 0;
    *out = neg ? -(int)v : (int)v;
    return 1;
}

static int env_condition(const char *cond)
{
    const char *eq = cond;
    while (*eq && *eq != '=')
        eq++;
    char key[128];
    u32 n = (u32)(eq - cond) < sizeof(key) - 1 ? (u32)(eq - cond) : sizeof(key) - 1;
    memcpy(key, cond, n);
    key[n] = 0;
    const char *v = getenv(key);
    if (!*eq)
        return v != NULL;
    return v != NULL && !strcmp(v, eq + 1);
}

static int run_line(const char *line)
{
    char cmd[32], arg[256];
    line = skip_spaces(line);
    if (!*line || *line == '#')
        return CONTINUE;
    const char *rest = word(line, cmd, sizeof(cmd));

    if (!strcmp(cmd, "print")) {
        prog_out("%s\n", rest);
    } else if (!strcmp(cmd, "print-args")) {
        static char joined[PLAN_MAX];
        u32 n = 0;
        for (int i = 0; i < argc; i++) {
            u32 len = strlen(argv[i]);
            if (n + 1 + len >= sizeof(joined))
                break;
            joined[n++] = ' ';
            memcpy(joined + n, argv[i], len);
            n += len;
        }
        joined[n] = 0;
        prog_out("argv:%s\n", joined);
    } else if (!strcmp(cmd, "print-env")) {
        word(rest, arg, sizeof(arg));
        const char *v = getenv(arg);
        if (v)
            prog_out("%s=%s\n", arg, v);
        else
            prog_out("%s is not set\n", arg);
    } else if (!strcmp(cmd, "write")) {
        const char *text = word(rest, arg, sizeof(arg));
        return cmd_write(arg, text);
    } else if (!strcmp(cmd, "read")) {
        word(rest, arg, sizeof(arg));
        return cmd_read(arg);
    } else if (!strcmp(cmd, "stat")) {
        word(rest, arg, sizeof(arg));
        return cmd_stat(arg);
    } else if (!strcmp(cmd, "kernel-fault")) {
        kernel_fault();
    } else if (!strcmp(cmd, "exit")) {
        int code;
        word(rest, arg, sizeof(arg));
        if (!arg[0])
            return 0;
        if (!parse_int(arg, &code)) {
            prog_out("exit: %s: numeric argument required\n", arg);
            return 2;
        }
        return code & 0xff;
    } else if (!strcmp(cmd, "exit-env")) {
        int code;
        word(rest, arg, sizeof(arg));
        const char *v = getenv(arg);
        if (!v) {
            prog_out("%s is not set\n", arg);
            return 1;
        }
        if (!parse_int(v, &code)) {
            prog_out("%s: not a number: %s\n", arg, v);
            return 1;
        }
        return code & 0xff;
    } else if (!strcmp(cmd, "crash")) {
        crash_armed = 1;
        /* script.c's *(volatile int *)16 = 1: the page at 0 is not mapped */
        __asm__ volatile("movl $1, (%0)" : : "r"(16) : "memory");
    } else if (!strcmp(cmd, "hang")) {
        /* for (;;) nanosleep(1000 s): glibc's nanosleep() is clock_nanosleep */
        tr("clock_nanosleep(0, 0x0, {tv_sec=1000, tv_nsec=0}, <unfinished ...>");
        halt_forever();
    } else if (!strcmp(cmd, "sleep")) {
        int ms;
        word(rest, arg, sizeof(arg));
        if (parse_int(arg, &ms) && ms > 0) {
            tr("clock_nanosleep(0, 0x0, {tv_sec=%u, tv_nsec=%u}, <unfinished ...>", (u32)ms / 1000,
               (u32)ms % 1000 * 1000000);
            sleep_ms((u32)ms);
            tr("<... clock_nanosleep resumed> NULL) = 0");
        }
    } else if (!strcmp(cmd, "if-env") || !strcmp(cmd, "unless-env")) {
        const char *command = word(rest, arg, sizeof(arg));
        int holds = env_condition(arg);
        if (cmd[0] == 'u')
            holds = !holds;
        if (holds)
            return run_line(command);
    } else {
        prog_out("unknown NIA-PROGRAM command: %s\n", line);
        return 127;
    }
    return CONTINUE;
}

static void __attribute__((noreturn)) run_program(void)
{
    int r = CONTINUE;
    trace_startup();
    for (int i = 0; i < nscript && r == CONTINUE; i++)
        r = run_line(script[i]);
    tr("exit_group( <unfinished ...>"); /* its argument is not shown: the code goes to vm_exit */
    program_exit(r == CONTINUE ? 0 : (u32)r);
}

/* ------------------------------------------------------------------------------------------ */
/* devices and the start                                                                       */
/* ------------------------------------------------------------------------------------------ */

static void devices_init(void)
{
    static struct pci_func funcs[64];
    int n = pci_scan(funcs, 64), nic = 0;
    for (int i = 0; i < n; i++) {
        const struct pci_func *f = &funcs[i];
        if (f->vendor != 0x1af4)
            continue;
        if (f->device == 0x1000 || f->device == 0x1041) /* virtio-net, legacy or modern */
            nic = 1;
        if (f->device == 0x1004 || f->device == 0x1048) /* virtio-scsi, legacy or modern */
            drive_scsi = 1;
        if (f->device == 0x1049) { /* modern-only (e.g. behind a PCIe root port) */
            klog("stand-in: virtio-9p %x:%x:%x is modern-only, not supported: use "
                 "disable-legacy=off",
                 f->bus, f->dev, f->fn);
            continue;
        }
        if (f->device != 0x1009) /* legacy (transitional) virtio-9p */
            continue;
        char tag[64];
        struct p9_dev *d = p9_attach(f, tag, sizeof(tag));
        if (!d)
            continue;
        u32 num;
        if (!parse_u32(tag, &num)) /* only a numeric tag N names a volume, %N */
            continue;
        for (int k = 0; k < nmounts; k++)
            if (!mounts[k].dev && mounts[k].volume[0] == '%' &&
                !strcmp(mounts[k].volume + 1, tag))
                mounts[k].dev = d;
    }
    if (!nic)
        klog("NET: no network interface found");
}

void kmain(void)
{
    boot_drive_readonly = BOOT_INFO[1];
    acpi_init(); /* reads page 0 (the EBDA pointer) before paging unmaps it */
    time_init();
    paging_init();
    idt_init();
    if (!parse_plan(PLAN_ADDR)) {
        klog("stand-in: no boot plan in this image");
        vm_exit(0x7f);
    }
    tracing = klib_loaded("strace") && debugsyscalls;
    devices_init();
    run_program();
}
