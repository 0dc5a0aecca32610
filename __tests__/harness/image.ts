/**
 * Reads what the ops double writes into every image it builds besides a Nanos image's
 * filesystems (ops-double.mjs, writeImage):
 *   0        the MBR: the stand-in's boot sector (amd64 with a boot.img; zeros otherwise), the
 *            "filesystem region" record at 434 (amd64), the partition table at 446, 0x55AA
 *   512      the stand-in kernel (amd64), up to 64 KiB
 *   64 KiB   the boot plan
 *   128 KiB  the record: the magic line, one line of JSON, zeros to a sector boundary
 *   then     4 KiB (the kernel's log dump), [the EFI system partition, 33 MiB, with Uefi], the
 *            boot filesystem (TFS, 12 MiB), the root filesystem (TFS): partitions 1, 2 (, 3)
 *   then     filler up to OPS_DOUBLE_IMAGE_SIZE, outside the partitions
 * The filesystems are read with src/image/tfs.ts like any Nanos image's (see image-files.ts).
 */
import * as fs from 'node:fs'

export const DOUBLE_IMAGE_MAGIC = 'OPSDOUBLE-IMAGE v1'

/** Image offset of the boot plan (text, NUL-terminated, format in standin/kernel.c). */
export const DOUBLE_IMAGE_PLAN_OFFSET = 64 * 1024

/** Image offset of the record: the magic line, then one line of JSON. */
export const DOUBLE_IMAGE_RECORD_OFFSET = 128 * 1024

export interface DoubleImageFile {
  imagePath: string
  hostPath: string
  size: number
  sha256: string
}

/** A path met while walking Dirs or MapDirs. */
export interface DoubleImageDirEntry {
  /** Where it is in the image: the walked path, not cleaned ("." and ".." stay names). */
  imagePath: string
  type: 'file' | 'dir' | 'symlink'
  hostPath: string
  size?: number
  sha256?: string
  /** Link target as read from the host (symlinks only). */
  target?: string
}

export interface DoubleImageRecord {
  argv: string[]
  cwd: string
  opsVersion: string
  opsHome: string
  name: string
  imagePath: string
  arch: 'amd64' | 'arm64'
  nanosVersion: string
  kernel: string
  kernelSha256: string
  /** 'offline' or the body of the latest.txt lookup. */
  latestLookup: string
  /** The defaults file that was pre-loaded (OPS_DEFAULT_CONFIG or .opsrc), if any. */
  defaultsSource: string | null
  configPath: string | null
  program: {
    imagePath: string
    hostPath: string
    size: number
    sha256: string
    machine: string
    /** PT_INTERP of the ELF, or null. */
    interp: string | null
    /** DT_NEEDED of the ELF (empty for a static program, which ops never runs). */
    needed: string[]
  }
  /** Program followed by the config's Args. */
  args: string[]
  /** The merged config as used (canonical key names). */
  manifest: Record<string, unknown>
  /** Final environment, ops-added variables included. */
  env: Record<string, string>
  mounts: { given: Record<string, string>; image: Record<string, string> }
  /**
   * The config's Files: imagePath is "/" + the entry's elements (not cleaned: "." and ".." stay
   * names of directories, which Nanos and src/image/tfs.ts do not list), hostPath <cwd>/<entry>.
   */
  files: DoubleImageFile[]
  /** What the walk of each Dirs entry met (links whose target is missing are left out). */
  dirs: DoubleImageDirEntry[]
  /** What each MapDirs key matched, at its place under the mapped folder. */
  mapDirs: DoubleImageDirEntry[]
  /** Klibs found (/klib/<name> on the boot filesystem) and not found (only reported). */
  klibs: { dir: string; loaded: string[]; missing: string[] }
  passthrough: Record<string, unknown>
  /** Ops's own files: /etc/resolv.conf, /proc/sys/kernel/hostname, /etc/passwd. */
  generated: Omit<DoubleImageFile, 'hostPath'>[]
  /** Files found under <opshome>/common after extracting common.tar.gz, relative, sorted. */
  common: string[]
  /** The common files that went into the image (ca-certificates.crt, libnss_dns.so.2 on amd64). */
  commonFiles: DoubleImageFile[]
  /** The root and boot filesystems' TFS version: 4 with TFSv4, else 5. */
  tfsVersion: 4 | 5
  /**
   * The dynamic loader as the host's loader listed it for the program (LD_TRACE_LOADED_OBJECTS),
   * at its listed path in the image with the bytes of the host file; `elf` is PT_INTERP.
   * Null for a static program.
   */
  interpreter: (DoubleImageFile & { elf: string }) | null
  /** The other shared objects the loader listed, in its order (empty for a static program). */
  libraries: DoubleImageFile[]
}

export interface DoubleImage {
  record: DoubleImageRecord
  /** Size of the image file in bytes. */
  size: number
  /** Image offset where the record line ends (zeros follow, then the partitions). */
  headerBytes: number
}

/** True when the file has the double's magic line at the record offset. */
export function isDoubleImage(file: string): boolean {
  const fd = fs.openSync(file, 'r')
  try {
    const buf = Buffer.alloc(DOUBLE_IMAGE_MAGIC.length + 1)
    const n = fs.readSync(fd, buf, 0, buf.length, DOUBLE_IMAGE_RECORD_OFFSET)
    return buf.subarray(0, n).toString('utf8') === DOUBLE_IMAGE_MAGIC + '\n'
  } finally {
    fs.closeSync(fd)
  }
}

/** Parses the double's image record without reading the (possibly huge) filler. */
export function readDoubleImage(file: string): DoubleImage {
  const fd = fs.openSync(file, 'r')
  try {
    const size = fs.fstatSync(fd).size
    const chunks: Buffer[] = []
    let total = 0
    const newlines: number[] = []
    const chunk = Buffer.alloc(1 << 16)
    while (newlines.length < 2) {
      const n = fs.readSync(fd, chunk, 0, chunk.length, DOUBLE_IMAGE_RECORD_OFFSET + total)
      if (n === 0) break
      const piece = Buffer.from(chunk.subarray(0, n))
      for (let i = 0; i < n && newlines.length < 2; i++)
        if (piece[i] === 0x0a) newlines.push(total + i)
      chunks.push(piece)
      total += n
    }
    const head = Buffer.concat(chunks)
    if (newlines.length < 2) throw new Error(`${file}: not an ops-double image (no record line)`)
    const magic = head.subarray(0, newlines[0]).toString('utf8')
    if (magic !== DOUBLE_IMAGE_MAGIC)
      throw new Error(`${file}: not an ops-double image (magic ${JSON.stringify(magic)})`)
    const record = JSON.parse(
      head.subarray(newlines[0] + 1, newlines[1]).toString('utf8')
    ) as DoubleImageRecord
    return { record, size, headerBytes: DOUBLE_IMAGE_RECORD_OFFSET + newlines[1] + 1 }
  } finally {
    fs.closeSync(fd)
  }
}

/** The boot plan's text (without its NUL). */
export function readBootPlan(file: string): string {
  const fd = fs.openSync(file, 'r')
  try {
    const buf = Buffer.alloc(DOUBLE_IMAGE_RECORD_OFFSET - DOUBLE_IMAGE_PLAN_OFFSET)
    const n = fs.readSync(fd, buf, 0, buf.length, DOUBLE_IMAGE_PLAN_OFFSET)
    const end = buf.subarray(0, n).indexOf(0)
    return buf.subarray(0, end < 0 ? n : end).toString('utf8')
  } finally {
    fs.closeSync(fd)
  }
}
