/*
 * PCI enumeration and a minimal virtio-9p driver for the stand-in kernel (see kernel.c).
 *
 * PCI: configuration mechanism #1 (ports 0xcf8/0xcfc), buses behind bridges included.
 * virtio: the legacy interface of a transitional device (1af4:1009, what QEMU's virtio-9p-pci
 * is on a PCI or PCIe root bus): registers in I/O BAR 0, one virtqueue, polled (no interrupts).
 * 9P2000.L: Tversion, Tattach, Twalk, Tlopen, Tlcreate, Twrite, Tread, Tgetattr, Tclunk; every
 * request is one device-readable and one device-writable descriptor.
 */
#include "kernel.h"

/* ------------------------------------------------------------------------------------------ */
/* PCI                                                                                         */
/* ------------------------------------------------------------------------------------------ */

static u32 pci_addr(u32 bus, u32 dev, u32 fn, u32 reg)
{
    return 0x80000000u | (bus << 16) | (dev << 11) | (fn << 8) | (reg & 0xfc);
}

u32 pci_read32(u32 bus, u32 dev, u32 fn, u32 reg)
{
    outl(0xcf8, pci_addr(bus, dev, fn, reg));
    return inl(0xcfc);
}

void pci_write32(u32 bus, u32 dev, u32 fn, u32 reg, u32 v)
{
    outl(0xcf8, pci_addr(bus, dev, fn, reg));
    outl(0xcfc, v);
}

static int scan_bus(u32 bus, struct pci_func *out, int n, int max, int depth)
{
    for (u32 dev = 0; dev < 32; dev++) {
        for (u32 fn = 0; fn < 8; fn++) {
            u32 id = pci_read32(bus, dev, fn, 0);
            if ((id & 0xffff) == 0xffff) {
                if (fn == 0)
                    break;
                continue;
            }
            if (n < max) {
                out[n].bus = (u8)bus;
                out[n].dev = (u8)dev;
                out[n].fn = (u8)fn;
                out[n].vendor = (u16)id;
                out[n].device = (u16)(id >> 16);
                n++;
            }
            u32 header = (pci_read32(bus, dev, fn, 0x0c) >> 16) & 0xff;
            if ((header & 0x7f) == 1 && depth < 8) { /* a bridge: its secondary bus */
                u32 secondary = (pci_read32(bus, dev, fn, 0x18) >> 8) & 0xff;
                if (secondary > bus)
                    n = scan_bus(secondary, out, n, max, depth + 1);
            }
            if (fn == 0 && !(header & 0x80)) /* not multi-function */
                break;
        }
    }
    return n;
}

int pci_scan(struct pci_func *out, int max)
{
    return scan_bus(0, out, 0, max, 0);
}

/* ------------------------------------------------------------------------------------------ */
/* legacy virtio                                                                               */
/* ------------------------------------------------------------------------------------------ */

#define VIRTIO_HOST_FEATURES 0x00
#define VIRTIO_GUEST_FEATURES 0x04
#define VIRTIO_QUEUE_PFN 0x08
#define VIRTIO_QUEUE_SIZE 0x0c
#define VIRTIO_QUEUE_SELECT 0x0e
#define VIRTIO_QUEUE_NOTIFY 0x10
#define VIRTIO_STATUS 0x12
#define VIRTIO_CONFIG 0x14 /* device config (MSI-X off) */
#define STATUS_ACK 1
#define STATUS_DRIVER 2
#define STATUS_DRIVER_OK 4
#define VIRTIO_9P_MOUNT_TAG 1
#define VRING_DESC_F_NEXT 1
#define VRING_DESC_F_WRITE 2
#define VRING_AVAIL_F_NO_INTERRUPT 1
#define MAX_QUEUE 256
#define RING_BYTES 16384 /* a legacy vring of MAX_QUEUE entries fits */

struct vdesc {
    u64 addr;
    u32 len;
    u16 flags, next;
};
struct vavail {
    u16 flags, idx;
    u16 ring[];
};
struct vused {
    u16 flags, idx;
    struct {
        u32 id, len;
    } ring[];
};

#define P9_MSIZE 16384

struct p9_dev {
    u16 io, qsize, last_used;
    volatile struct vdesc *desc;
    volatile struct vavail *avail;
    volatile struct vused *used;
    u32 msize;
    u8 *tx, *rx;
    u32 n; /* bytes of the request being built */
};

static struct p9_dev devs[P9_MAX_DEVS];
static int ndevs;
static u8 rings[P9_MAX_DEVS][RING_BYTES] __attribute__((aligned(4096)));
static u8 txbufs[P9_MAX_DEVS][P9_MSIZE], rxbufs[P9_MAX_DEVS][P9_MSIZE];

/* ------------------------------------------------------------------------------------------ */
/* 9P2000.L messages                                                                           */
/* ------------------------------------------------------------------------------------------ */

#define Rlerror 7
#define Tlopen 12
#define Tlcreate 14
#define Tgetattr 24
#define Tversion 100
#define Tattach 104
#define Twalk 110
#define Tread 116
#define Twrite 118
#define Tclunk 120
#define NOFID 0xffffffffu
#define QTDIR 0x80
#define L_O_RDONLY 0
#define L_O_WRONLY 1
#define L_O_CREAT 0100
#define L_O_TRUNC 01000
#define ROOT_FID 0
#define DIR_FID 1
#define FILE_FID 2
#define IOHDRSZ 24 /* what Tread/Twrite headers take of msize */
#define P9_GETATTR_BASIC 0x7ffull

static void put8(struct p9_dev *d, u8 v) { d->tx[d->n++] = v; }
static void put16(struct p9_dev *d, u16 v)
{
    put8(d, (u8)v);
    put8(d, (u8)(v >> 8));
}
static void put32(struct p9_dev *d, u32 v)
{
    put16(d, (u16)v);
    put16(d, (u16)(v >> 16));
}
static void put64(struct p9_dev *d, u64 v)
{
    put32(d, (u32)v);
    put32(d, (u32)(v >> 32));
}
static void putstr(struct p9_dev *d, const char *s)
{
    u32 n = strlen(s);
    put16(d, (u16)n);
    memcpy(d->tx + d->n, s, n);
    d->n += n;
}
static u16 get16(const u8 *p) { return (u16)(p[0] | (p[1] << 8)); }
static u32 get32(const u8 *p) { return (u32)get16(p) | ((u32)get16(p + 2) << 16); }
static u64 get64(const u8 *p) { return (u64)get32(p) | ((u64)get32(p + 4) << 32); }

static void begin(struct p9_dev *d, u8 type)
{
    d->n = 4;
    put8(d, type);
    put16(d, 1); /* tag: one request at a time */
}

/* Sends the request built in tx; 0, or -errno (Rlerror's, or EIO). */
static int rpc(struct p9_dev *d)
{
    u8 type = d->tx[4];
    d->tx[0] = (u8)d->n;
    d->tx[1] = (u8)(d->n >> 8);
    d->tx[2] = (u8)(d->n >> 16);
    d->tx[3] = (u8)(d->n >> 24);
    d->desc[0].addr = (u32)d->tx;
    d->desc[0].len = d->n;
    d->desc[0].flags = VRING_DESC_F_NEXT;
    d->desc[0].next = 1;
    d->desc[1].addr = (u32)d->rx;
    d->desc[1].len = d->msize;
    d->desc[1].flags = VRING_DESC_F_WRITE;
    d->desc[1].next = 0;
    u16 idx = d->avail->idx;
    d->avail->ring[idx % d->qsize] = 0;
    barrier();
    d->avail->idx = (u16)(idx + 1);
    barrier();
    outw(d->io + VIRTIO_QUEUE_NOTIFY, 0);
    u64 deadline = uptime_us() + 10000000; /* 10 s */
    while (d->used->idx == d->last_used) {
        if (uptime_us() > deadline)
            return -EIO;
        __asm__ volatile("pause");
    }
    d->last_used++;
    barrier();
    if (d->rx[4] == Rlerror)
        return -(int)get32(d->rx + 7);
    return d->rx[4] == type + 1 ? 0 : -EIO;
}

static int clunk(struct p9_dev *d, u32 fid)
{
    begin(d, Tclunk);
    put32(d, fid);
    return rpc(d);
}

/* Walks fid to newfid through comps; *qtype: the last qid's type (QTDIR for a directory). */
static int walk(struct p9_dev *d, u32 fid, u32 newfid, char **comps, int n, u8 *qtype)
{
    begin(d, Twalk);
    put32(d, fid);
    put32(d, newfid);
    put16(d, (u16)n);
    for (int i = 0; i < n; i++)
        putstr(d, comps[i]);
    int r = rpc(d);
    if (r)
        return r;
    int got = get16(d->rx + 7);
    if (got < n) /* a partial walk creates no newfid */
        return -ENOENT;
    *qtype = n ? d->rx[9 + 13 * (n - 1)] : QTDIR;
    return 0;
}

static int lopen(struct p9_dev *d, u32 fid, u32 flags)
{
    begin(d, Tlopen);
    put32(d, fid);
    put32(d, flags);
    return rpc(d);
}

static int write_all(struct p9_dev *d, u32 fid, const char *data, u32 len)
{
    u64 off = 0;
    while (off < len) {
        u32 chunk = len - (u32)off;
        if (chunk > d->msize - IOHDRSZ)
            chunk = d->msize - IOHDRSZ;
        begin(d, Twrite);
        put32(d, fid);
        put64(d, off);
        put32(d, chunk);
        memcpy(d->tx + d->n, data + off, chunk);
        d->n += chunk;
        int r = rpc(d);
        if (r)
            return r;
        u32 done = get32(d->rx + 7);
        if (done == 0)
            return -EIO;
        off += done;
    }
    return 0;
}

int p9_write_file(struct p9_dev *d, char **comps, int n, const char *data, u32 len, int *opened)
{
    u8 qtype;
    *opened = 0;
    int r = walk(d, ROOT_FID, DIR_FID, comps, n - 1, &qtype);
    if (r)
        return r;
    if (!(qtype & QTDIR)) {
        clunk(d, DIR_FID);
        return -ENOTDIR;
    }
    u32 fid;
    r = walk(d, DIR_FID, FILE_FID, &comps[n - 1], 1, &qtype);
    if (r == 0) { /* it exists: open it, truncating */
        fid = FILE_FID;
        r = (qtype & QTDIR) ? -EISDIR : lopen(d, FILE_FID, L_O_WRONLY | L_O_TRUNC);
    } else if (r == -ENOENT) { /* create it: DIR_FID becomes the open file */
        fid = DIR_FID;
        begin(d, Tlcreate);
        put32(d, DIR_FID);
        putstr(d, comps[n - 1]);
        put32(d, L_O_WRONLY | L_O_CREAT | L_O_TRUNC);
        put32(d, 0644);
        put32(d, 0); /* gid */
        r = rpc(d);
    } else {
        clunk(d, DIR_FID);
        return r;
    }
    if (r == 0) {
        *opened = 1;
        r = write_all(d, fid, data, len);
    }
    if (fid == FILE_FID)
        clunk(d, FILE_FID);
    clunk(d, DIR_FID);
    return r;
}

int p9_open_read(struct p9_dev *d, char **comps, int n, int *isdir)
{
    u8 qtype;
    int r = walk(d, ROOT_FID, FILE_FID, comps, n, &qtype);
    if (r)
        return r;
    *isdir = (qtype & QTDIR) != 0;
    if (!*isdir && (r = lopen(d, FILE_FID, L_O_RDONLY)) != 0)
        clunk(d, FILE_FID);
    return r;
}

int p9_read(struct p9_dev *d, u64 off, char *buf, u32 max)
{
    if (max > d->msize - IOHDRSZ)
        max = d->msize - IOHDRSZ;
    begin(d, Tread);
    put32(d, FILE_FID);
    put64(d, off);
    put32(d, max);
    int r = rpc(d);
    if (r)
        return r;
    u32 got = get32(d->rx + 7);
    if (got > max)
        return -EIO;
    memcpy(buf, d->rx + 11, got);
    return (int)got;
}

void p9_close(struct p9_dev *d)
{
    clunk(d, FILE_FID);
}

int p9_stat(struct p9_dev *d, char **comps, int n, struct p9_attr *attr)
{
    u8 qtype;
    int r = walk(d, ROOT_FID, FILE_FID, comps, n, &qtype);
    if (r)
        return r;
    begin(d, Tgetattr);
    put32(d, FILE_FID);
    put64(d, P9_GETATTR_BASIC);
    r = rpc(d);
    if (r == 0) {
        attr->isdir = (d->rx[15] & QTDIR) != 0; /* qid[13] follows valid[8] */
        attr->qid_path = get64(d->rx + 20);
        attr->size = get64(d->rx + 56); /* after mode, uid, gid, nlink, rdev */
    }
    clunk(d, FILE_FID);
    return r;
}

/* ------------------------------------------------------------------------------------------ */
/* bring-up                                                                                    */
/* ------------------------------------------------------------------------------------------ */

struct p9_dev *p9_attach(const struct pci_func *f, char *tag, u32 tagmax)
{
    if (ndevs == P9_MAX_DEVS)
        return NULL;
    u32 bar0 = pci_read32(f->bus, f->dev, f->fn, 0x10);
    if (!(bar0 & 1)) /* legacy registers live in an I/O BAR */
        return NULL;
    u32 cmd = pci_read32(f->bus, f->dev, f->fn, 0x04);
    pci_write32(f->bus, f->dev, f->fn, 0x04, cmd | 0x5); /* I/O space, bus master */

    struct p9_dev *d = &devs[ndevs];
    d->io = (u16)(bar0 & 0xfffc);
    outb(d->io + VIRTIO_STATUS, 0); /* reset */
    outb(d->io + VIRTIO_STATUS, STATUS_ACK);
    outb(d->io + VIRTIO_STATUS, STATUS_ACK | STATUS_DRIVER);
    u32 features = inl(d->io + VIRTIO_HOST_FEATURES);
    outl(d->io + VIRTIO_GUEST_FEATURES, features & VIRTIO_9P_MOUNT_TAG);

    u32 taglen = inw(d->io + VIRTIO_CONFIG);
    if (!(features & VIRTIO_9P_MOUNT_TAG))
        taglen = 0;
    if (taglen > tagmax - 1)
        taglen = tagmax - 1;
    for (u32 i = 0; i < taglen; i++)
        tag[i] = (char)inb(d->io + VIRTIO_CONFIG + 2 + i);
    tag[taglen] = 0;

    outw(d->io + VIRTIO_QUEUE_SELECT, 0);
    d->qsize = inw(d->io + VIRTIO_QUEUE_SIZE);
    if (d->qsize == 0 || d->qsize > MAX_QUEUE)
        return NULL;
    u8 *ring = rings[ndevs];
    memset(ring, 0, RING_BYTES);
    d->desc = (volatile struct vdesc *)ring;
    d->avail = (volatile struct vavail *)(ring + 16 * d->qsize);
    u32 used_off = (16 * d->qsize + 6 + 2 * d->qsize + 4095) & ~4095u;
    d->used = (volatile struct vused *)(ring + used_off);
    d->avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
    d->last_used = 0;
    outl(d->io + VIRTIO_QUEUE_PFN, (u32)ring >> 12);
    outb(d->io + VIRTIO_STATUS, STATUS_ACK | STATUS_DRIVER | STATUS_DRIVER_OK);

    d->tx = txbufs[ndevs];
    d->rx = rxbufs[ndevs];
    d->msize = P9_MSIZE;
    begin(d, Tversion);
    put32(d, P9_MSIZE);
    putstr(d, "9P2000.L");
    if (rpc(d))
        return NULL;
    u32 msize = get32(d->rx + 7);
    if (get16(d->rx + 11) != 8 || memcmp(d->rx + 13, "9P2000.L", 8) != 0)
        return NULL;
    if (msize < d->msize)
        d->msize = msize;

    begin(d, Tattach);
    put32(d, ROOT_FID);
    put32(d, NOFID);
    putstr(d, "root");
    putstr(d, "");
    put32(d, 0); /* n_uname: uid 0 */
    if (rpc(d))
        return NULL;
    ndevs++;
    return d;
}
