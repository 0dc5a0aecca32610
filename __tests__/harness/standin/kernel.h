/* Shared declarations of the Nanos stand-in kernel (see kernel.c). */
#ifndef STANDIN_KERNEL_H
#define STANDIN_KERNEL_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef int s32;

#define NULL ((void *)0)

static inline void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outw(u16 port, u16 v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(u16 port, u32 v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static inline u8 inb(u16 port)
{
    u8 v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline u16 inw(u16 port)
{
    u16 v;
    __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline u32 inl(u16 port)
{
    u32 v;
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline void barrier(void) { __asm__ volatile("" : : : "memory"); }

/* libc-like helpers (kernel.c) */
void *memcpy(void *d, const void *s, u32 n);
void *memset(void *d, int c, u32 n);
int memcmp(const void *a, const void *b, u32 n);
u32 strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, u32 n);

/* console (kernel.c): serial COM1, LF line ends like Nanos */
void kputc(char c);
void kputs(const char *s);
void kwrite(const char *s, u32 n);
void kprintf(const char *fmt, ...);
/* a kernel line: "[<uptime>] " + text */
void klog(const char *fmt, ...);
/* waits, for the 9p driver's timeouts */
u64 uptime_us(void);

/* PCI (p9.c) */
u32 pci_read32(u32 bus, u32 dev, u32 fn, u32 reg);
void pci_write32(u32 bus, u32 dev, u32 fn, u32 reg, u32 v);
struct pci_func {
    u8 bus, dev, fn;
    u16 vendor, device;
};
/* fills `out` (at most max entries) with every function found, behind bridges included */
int pci_scan(struct pci_func *out, int max);

/* virtio-9p (p9.c). A component list is a path split at '/', no empty parts. */
#define P9_MAX_DEVS 4
#define P9_MAX_COMPONENTS 16
struct p9_dev;
/* brings up a legacy virtio-9p function; NULL when it cannot; its mount tag in *tag */
struct p9_dev *p9_attach(const struct pci_func *f, char *tag, u32 tagmax);
/* creates or truncates the file and writes it; *opened: 1 once the file was open (the error,
   if any, came from the write) */
int p9_write_file(struct p9_dev *d, char **comps, int n, const char *data, u32 len, int *opened);
/* opens the file for reading (a directory opens, *isdir set, and is not lopen'ed); one at a time */
int p9_open_read(struct p9_dev *d, char **comps, int n, int *isdir);
/* reads at most max bytes at off from the file opened by p9_open_read: the count, or -errno */
int p9_read(struct p9_dev *d, u64 off, char *buf, u32 max);
void p9_close(struct p9_dev *d);
struct p9_attr {
    int isdir;
    u64 qid_path, size;
};
/* Tgetattr of the file or directory (n == 0: the share's root) */
int p9_stat(struct p9_dev *d, char **comps, int n, struct p9_attr *attr);

/* Linux errno values used here (9P2000.L carries them as they are) */
#define EPERM 1
#define ENOENT 2
#define EIO 5
#define EACCES 13
#define EEXIST 17
#define ENOTDIR 20
#define EISDIR 21
#define EINVAL 22
#define ENOSPC 28
#define EROFS 30
#define ENAMETOOLONG 36

/* The frame exc_common (entry.S) builds: pushal, then vector, error code, and the CPU's part. */
struct trap_frame {
    u32 edi, esi, ebp, esp_at_pushal, ebx, edx, ecx, eax;
    u32 vector, error;
    u32 eip, cs, eflags;
};

#endif
