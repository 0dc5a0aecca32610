/**
 * A reader of the filesystems inside a Nanos image, as ops writes them (TFS, versions 4 and 5):
 * the MBR's partitions (boot filesystem, root filesystem, and with UEFI an EFI system partition
 * first), then each filesystem's log: a first 512-byte extension holding the magic `NVMTFS`, the
 * version, the UUID and the label, linked to 512 KiB extensions, whose records carry encoded
 * tuples. The tuples build one tree: the root tuple holds the image's manifest (program,
 * arguments, environment, mounts, klibs, passthrough keys) and `children`, the directory tree;
 * a file's tuple gives its `filelength` and `extents` (sectors of the filesystem). Facts from
 * nanovms/ops `fs/reader.go` and `fs/tfs.go` at 0.1.46, checked against `ops image ls/cp` of real
 * images in the real test tier.
 *
 * Reading costs the log (a few sectors per file) plus, when asked, each file's bytes once.
 */
import { createHash } from 'node:crypto'
import type { FileHandle } from 'node:fs/promises'
import {
  LOG_EXTENSION_SECTORS,
  LogDecoder,
  isTuple,
  SECTOR,
  TfsError,
  type LogHeader,
  type Tuple,
  type TupleValue
} from './tfs-log.js'

export { isTuple, TfsError, type Tuple, type TupleValue } from './tfs-log.js'

/** How much of a file is read at a time. */
const READ_CHUNK = 4 * 1024 * 1024

export interface Extent {
  /** Where the extent starts in the file, bytes. */
  fileOffset: number
  /** Where its bytes are in the image file, bytes. */
  imageOffset: number
  length: number
  /** Allocated but never written: reads as zeros. */
  uninited: boolean
}

export type TfsNode =
  | { kind: 'dir'; path: string }
  | { kind: 'symlink'; path: string; target: string }
  | { kind: 'file'; path: string; size: number; extents: Extent[] }

export interface Filesystem {
  /** 4 or 5. */
  version: number
  label: string
  uuid: string
  /** The root tuple without `children`: the image's manifest as Nanos reads it. */
  manifest: Tuple
  /** Every directory, file and link below `/`, sorted by path. */
  nodes: TfsNode[]
}

export interface ImageFilesystems {
  root: Filesystem
  /** The boot filesystem (kernel, klibs); undefined for an image without partitions. */
  boot?: Filesystem
}

interface Partition {
  type: number
  offset: number
  size: number
}

/** Both filesystems of the image open in `handle`. */
export async function readImageFilesystems(handle: FileHandle): Promise<ImageFilesystems> {
  const { size } = await handle.stat()
  const mbr = await readAt(handle, 0, SECTOR)
  if (mbr.length < SECTOR || mbr[510] !== 0x55 || mbr[511] !== 0xaa) {
    // No partition table: a bare filesystem, as ops's reader assumes.
    return { root: await readFilesystem(handle, 0, size) }
  }
  const parts = [0, 1, 2, 3].map(i => partition(mbr, i))
  // With UEFI the EFI system partition comes first: then boot is the second, root the third.
  const first = parts[0].type === 0xef ? 1 : 0
  const [boot, root] = [parts[first], parts[first + 1]]
  if (!root || root.size === 0) return { root: await readFilesystem(handle, 0, size) }
  return {
    root: await readFilesystem(handle, root.offset, root.size),
    boot: boot.size > 0 ? await readFilesystem(handle, boot.offset, boot.size) : undefined
  }
}

function partition(mbr: Buffer, index: number): Partition {
  const at = 446 + index * 16
  return {
    type: mbr[at + 4],
    offset: mbr.readUInt32LE(at + 8) * SECTOR,
    size: mbr.readUInt32LE(at + 12) * SECTOR
  }
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length)
  const { bytesRead } = await handle.read(buffer, 0, length, position)
  return buffer.subarray(0, bytesRead)
}

/** One filesystem: its log, decoded into the tuple tree, walked into nodes. */
export async function readFilesystem(
  handle: FileHandle,
  offset: number,
  size: number
): Promise<Filesystem> {
  const decoder = new LogDecoder()
  let header: LogHeader | undefined
  let next: number | undefined = 0
  let sectors = 1
  const seen = new Set<number>()
  while (next !== undefined) {
    if (seen.has(next) || next + sectors * SECTOR > size)
      throw new TfsError(`the filesystem log at ${offset} links to ${next}, outside it`)
    seen.add(next)
    const buffer = await readAt(handle, offset + next, sectors * SECTOR)
    const ext = decoder.extension(buffer, sectors)
    header ??= ext.header
    next = ext.next
    sectors = LOG_EXTENSION_SECTORS
  }
  const root = decoder.root()
  const nodes: TfsNode[] = []
  walk(root, '', offset, nodes)
  nodes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  const manifest: Tuple = {}
  for (const [key, value] of Object.entries(root)) if (key !== 'children') manifest[key] = value
  if (!header) throw new TfsError('the filesystem has no log header')
  return { ...header, manifest, nodes }
}

function walk(dir: Tuple, prefix: string, fsOffset: number, out: TfsNode[]): void {
  const children = dir.children
  if (!isTuple(children)) return
  for (const [name, child] of Object.entries(children)) {
    if (name === '.' || name === '..' || !isTuple(child)) continue
    const path = `${prefix}/${name}`
    if (isTuple(child.children)) {
      out.push({ kind: 'dir', path })
      walk(child, path, fsOffset, out)
    } else if (typeof child.linktarget === 'string' && child.linktarget !== '') {
      out.push({ kind: 'symlink', path, target: child.linktarget })
    } else {
      out.push({ kind: 'file', path, ...fileLayout(child, path, fsOffset) })
    }
  }
}

function fileLayout(
  file: Tuple,
  path: string,
  fsOffset: number
): { size: number; extents: Extent[] } {
  const number = (value: TupleValue | undefined, what: string): number => {
    const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN
    if (!Number.isSafeInteger(n)) throw new TfsError(`${path}: ${what} is not a number`)
    return n
  }
  const size = file.filelength === undefined ? 0 : number(file.filelength, 'filelength')
  const extents: Extent[] = []
  const list = file.extents
  if (isTuple(list)) {
    for (const [start, extent] of Object.entries(list)) {
      if (!isTuple(extent)) continue
      extents.push({
        fileOffset: number(start, 'an extent start') * SECTOR,
        imageOffset: fsOffset + number(extent.offset, 'an extent offset') * SECTOR,
        length: number(extent.length, 'an extent length') * SECTOR,
        uninited: extent.uninited !== undefined && extent.uninited !== ''
      })
    }
  }
  extents.sort((a, b) => a.fileOffset - b.fileOffset)
  return { size, extents }
}

/**
 * The bytes of a file, in order, to `sink`: its extents with the holes between them (and any
 * uninitialised extent) as zeros, cut at its length.
 */
export async function readFileData(
  handle: FileHandle,
  file: Extract<TfsNode, { kind: 'file' }>,
  sink: (chunk: Buffer) => void,
  buffer: Buffer = Buffer.alloc(READ_CHUNK)
): Promise<void> {
  let position = 0
  const zeros = (until: number): void => {
    while (position < until) {
      const n = Math.min(until - position, buffer.length)
      sink(buffer.fill(0, 0, n).subarray(0, n))
      position += n
    }
  }
  for (const extent of file.extents) {
    if (position >= file.size) break
    zeros(Math.min(extent.fileOffset, file.size))
    const end = Math.min(extent.fileOffset + extent.length, file.size)
    if (extent.uninited) {
      zeros(end)
      continue
    }
    while (position < end) {
      const want = Math.min(end - position, buffer.length)
      const at = extent.imageOffset + (position - extent.fileOffset)
      const { bytesRead } = await handle.read(buffer, 0, want, at)
      if (bytesRead === 0) throw new TfsError(`${file.path}: its data lies beyond the image's end`)
      sink(buffer.subarray(0, bytesRead))
      position += bytesRead
    }
  }
  zeros(file.size)
}

/** sha256 of a file of the image, hex. */
export async function sha256OfFile(
  handle: FileHandle,
  file: Extract<TfsNode, { kind: 'file' }>,
  buffer?: Buffer
): Promise<string> {
  const hash = createHash('sha256')
  await readFileData(handle, file, chunk => hash.update(chunk), buffer)
  return hash.digest('hex')
}
