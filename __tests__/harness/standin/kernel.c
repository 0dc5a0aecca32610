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
 *   0x20000  the double's JSON record ("OPSDOUBLE-IMAGE v1\n{json}\n"), then filler
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
 *   program <path>            the program's path inside the image (informational)
 *   arg <text>                one per argv entry, argv[0] first (ops: Program, then Args)
 *   env <key> <text>          the environment (ops-added variables included)
 *   mount <volume> <path>     an image mount after ops's renumbering, e.g. "mount %0 /workspace"
 *   flag <name>               a passthrough key that is present: debug_exit, reboot_on_exit (ops
 *                             sets it from RebootOnExit: true), idle_on_exit, readonly_rootfs
 *   expected_exit_code <text> one line per value (a passthrough list gives several)
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
 *   print <text>              prints text and a newline (the program's own output, unprefixed)
 *   print-args                prints "argv: " and argv[0..] joined by spaces
 *   print-env KEY             prints "KEY=value", or "KEY is not set"
 *   write <path> <text>       creates or truncates the file and writes text plus a newline
 *   read <path>               prints the file's content as it is
 *   exit [n]                  exits with n (taken modulo 256, like Linux; no n: 0)
 *   exit-env KEY              exits with the number in KEY ("KEY is not set" and exit 1 when
 *                             missing, "KEY: not a number: v" and exit 1 when not a number)
 *   crash                     a write through a NULL pointer: a fatal SIGSEGV
 *   hang                      never exits (halts the CPU, burns nothing)
 *   sleep <ms>                waits (the CPU halts between timer ticks of 10 ms)
 *   if-env KEY <command>      runs the command when KEY is set
 *   if-env KEY=VALUE <command>  ... when KEY is set to exactly VALUE (VALUE without spaces)
 *   unless-env KEY[=VALUE] <command>  the opposite
 *   # ...                     a comment; empty lines are ignored too
 * A failing write or read prints "<path>: <reason>" (strerror text) and exits 1, as a typical
 * program would. An unknown command prints "unknown NIA-PROGRAM command: <line>" and exits 127.
 * The end of the script exits 0.
 *
 * Files: a path under a mount whose volume is attached is on the 9p share (a legacy virtio-9p
 * PCI function whose mount_tag is N attaches volume %N); any other path is on the image's root
 * filesystem, which holds the plan's dir and file entries and what the program wrote during
 * this boot (nothing persists). With readonly_rootfs, writes there fail with EROFS.
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
 * at boot without a virtio-net function, "storage_shutdown error: 1" at exit when the boot
 * drive refused boot.S's write probe (a read-only drive), and for a crash Nanos's report
 * (signal line, context dump, frame and stack trace, "core dump", "storage_shutdown error: no
 * core generated: limit 0"). The uptime counts from the kernel's start (the ACPI PM timer), so
 * it reads about 0.001 s where a real Nanos shows 0.2-0.35 s.
 *
 * Not modelled: the program's own file (and any image file over the double's size limit) cannot
 * be read; directories cannot be created or listed; a modern-only virtio-9p function (1af4:1049,
 * e.g. behind a PCIe root port) is reported and ignored; one CPU; no network.
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

void kputc(char c)
{
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

/* %s %c %d %u %x (32-bit, unpadded), %X (u64, 16 hex digits) */
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

struct mount {
    const char *volume;
    char path[256]; /* normalized */
    struct p9_dev *dev;
};
struct file {
    char path[256];
    const char *data;
    u32 len;
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
static int debug_exit, reboot_on_exit, idle_on_exit, readonly_rootfs;

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
    if (!normalize(given, path, 256))
        return -ENAMETOOLONG;
    *m = resolve(path, comps, n);
    if (*m && *n == 0)
        return -EISDIR;
    if (*m && *n >= P9_MAX_COMPONENTS)
        return -ENAMETOOLONG;
    return 0;
}

static int fs_write(const char *given, const char *data, u32 len)
{
    char path[256];
    char *comps[P9_MAX_COMPONENTS];
    int n;
    struct mount *m;
    int err = lookup(given, path, comps, &n, &m);
    if (err)
        return err;
    if (m)
        return p9_write_file(m->dev, comps, n, data, len);
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
    }
    if (len > sizeof(rampool) - rampool_used)
        return -ENOSPC;
    memcpy(rampool + rampool_used, data, len);
    f->data = rampool + rampool_used;
    f->len = len;
    rampool_used += len;
    return 0;
}

static int fs_read(const char *given)
{
    char path[256];
    char *comps[P9_MAX_COMPONENTS];
    int n;
    struct mount *m;
    int err = lookup(given, path, comps, &n, &m);
    if (err)
        return err;
    if (m)
        return p9_read_file(m->dev, comps, n);
    struct file *f = root_file(path);
    if (f) {
        kwrite(f->data, f->len);
        return 0;
    }
    return root_is_dir(path) ? -EISDIR : -ENOENT;
}

/* ------------------------------------------------------------------------------------------ */
/* exit, Nanos-style                                                                           */
/* ------------------------------------------------------------------------------------------ */

static int boot_drive_readonly;

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

static void __attribute__((noreturn)) program_exit(u32 code)
{
    if (boot_drive_readonly)
        klog("storage_shutdown error: 1");
    vm_exit(code);
}

/* ------------------------------------------------------------------------------------------ */
/* faults: the crash report of a user program's fatal signal                                   */
/* ------------------------------------------------------------------------------------------ */

static volatile int crash_armed;

static const char *const vector_names[32] = {
    "Divide by 0", "Debug", "NMI Interrupt", "Breakpoint (INT3)", "Overflow (INTO)",
    "Bounds range exceeded (BOUND)", "Invalid opcode (UD2)", "Device not available (WAIT/FWAIT)",
    "Double fault", "Coprocessor segment overrun", "Invalid TSS", "Segment not present",
    "Stack-segment fault", "General protection fault", "Page fault", "Reserved",
    "x87 FPU error", "Alignment check", "Machine check", "SIMD Floating-Point Exception"};

static void dump_context(struct trap_frame *f, u32 cr2)
{
    u32 v = f->vector;
    kprintf("lastvector: %X (%s)\n", (u64)v, v < 20 ? vector_names[v] : "reserved");
    kprintf("     frame: %X\n", (u64)(u32)f);
    kprintf("      type: thread\n");
    kprintf("active_cpu: %X\n", (u64)0);
    if (v == 13 || v == 14)
        kprintf("error code: %X\n", (u64)f->error);
    if (v == 14)
        kprintf("   address: %X\n", (u64)cr2);
    kputc('\n');
    const char *names[] = {"   eax", "   ebx", "   ecx", "   edx", "   esi", "   edi",
                           "   ebp", "   esp", "   eip", "eflags", "    cs"};
    u32 esp = (u32)&f->eflags + 4; /* a ring-0 fault pushes no ss:esp */
    u32 vals[] = {f->eax, f->ebx, f->ecx, f->edx, f->esi, f->edi,
                  f->ebp, esp,    f->eip, f->eflags, f->cs};
    for (int i = 0; i < 11; i++)
        kprintf("%s: %X\n", names[i], (u64)vals[i]);
    kputs("\nframe trace:\n");
    extern char __bss_start[], __bss_end[]; /* the kernel's stack is in .bss */
    u32 *bp = (u32 *)f->ebp;
    for (int i = 0; i < 16 && (char *)bp >= __bss_start && (char *)(bp + 2) <= __bss_end; i++) {
        kprintf("%X\n", (u64)bp[1]);
        bp = (u32 *)bp[0];
    }
    kputs("\nstack trace:\n");
    for (int i = 0; i < 8; i++)
        kprintf("%X:   %X\n", (u64)(esp + 4 * i), (u64)((u32 *)esp)[i]);
    kputc('\n');
}

void trap(struct trap_frame *f)
{
    u32 cr2;
    __asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
    if (crash_armed && f->vector == 14) {
        /* What Nanos prints for a user program's fault with the default SIGSEGV action. */
        klog("signal 11 received by tid 2, errno 0, code 1");
        klog("   fault address 0x%x", cr2);
        dump_context(f, cr2);
        klog("core dump");
        klog("storage_shutdown error: no core generated: limit 0");
        vm_exit(11); /* a fatal signal N ends the program with code N */
    }
    klog("stand-in kernel: unexpected exception %u", f->vector);
    dump_context(f, cr2);
    vm_exit(0x7e); /* Nanos's VM_EXIT_FAULT */
}

/* ------------------------------------------------------------------------------------------ */
/* the program                                                                                 */
/* ------------------------------------------------------------------------------------------ */

#define CONTINUE (-1)

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

static int fail(const char *path, int err)
{
    kprintf("%s: %s\n", path, strerror(-err));
    return 1;
}

static int run_line(const char *line)
{
    char cmd[32], arg[256];
    line = skip_spaces(line);
    if (!*line || *line == '#')
        return CONTINUE;
    const char *rest = word(line, cmd, sizeof(cmd));

    if (!strcmp(cmd, "print")) {
        kputs(rest);
        kputc('\n');
    } else if (!strcmp(cmd, "print-args")) {
        kputs("argv:");
        for (int i = 0; i < argc; i++) {
            kputc(' ');
            kputs(argv[i]);
        }
        kputc('\n');
    } else if (!strcmp(cmd, "print-env")) {
        word(rest, arg, sizeof(arg));
        const char *v = getenv(arg);
        if (v)
            kprintf("%s=%s\n", arg, v);
        else
            kprintf("%s is not set\n", arg);
    } else if (!strcmp(cmd, "write")) {
        const char *text = word(rest, arg, sizeof(arg));
        static char buf[8192];
        u32 n = strlen(text);
        if (n > sizeof(buf) - 1)
            n = sizeof(buf) - 1;
        memcpy(buf, text, n);
        buf[n++] = '\n';
        int r = fs_write(arg, buf, n);
        if (r < 0)
            return fail(arg, r);
    } else if (!strcmp(cmd, "read")) {
        word(rest, arg, sizeof(arg));
        int r = fs_read(arg);
        if (r < 0)
            return fail(arg, r);
    } else if (!strcmp(cmd, "exit")) {
        int code;
        word(rest, arg, sizeof(arg));
        if (!arg[0])
            return 0;
        if (!parse_int(arg, &code)) {
            kprintf("exit: %s: numeric argument required\n", arg);
            return 2;
        }
        return code & 0xff;
    } else if (!strcmp(cmd, "exit-env")) {
        int code;
        word(rest, arg, sizeof(arg));
        const char *v = getenv(arg);
        if (!v) {
            kprintf("%s is not set\n", arg);
            return 1;
        }
        if (!parse_int(v, &code)) {
            kprintf("%s: not a number: %s\n", arg, v);
            return 1;
        }
        return code & 0xff;
    } else if (!strcmp(cmd, "crash")) {
        crash_armed = 1;
        __asm__ volatile("movl $0, (%0)" : : "r"(0) : "memory"); /* *(int *)NULL = 0 */
    } else if (!strcmp(cmd, "hang")) {
        halt_forever();
    } else if (!strcmp(cmd, "sleep")) {
        int ms;
        word(rest, arg, sizeof(arg));
        if (parse_int(arg, &ms) && ms > 0)
            sleep_ms((u32)ms);
    } else if (!strcmp(cmd, "if-env") || !strcmp(cmd, "unless-env")) {
        const char *command = word(rest, arg, sizeof(arg));
        int holds = env_condition(arg);
        if (cmd[0] == 'u')
            holds = !holds;
        if (holds)
            return run_line(command);
    } else {
        kprintf("unknown NIA-PROGRAM command: %s\n", line);
        return 127;
    }
    return CONTINUE;
}

static void __attribute__((noreturn)) run_program(void)
{
    for (int i = 0; i < nscript; i++) {
        int r = run_line(script[i]);
        if (r != CONTINUE)
            program_exit((u32)r);
    }
    program_exit(0);
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
    devices_init();
    run_program();
}
