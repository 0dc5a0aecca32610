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

const SECTOR = 512
const MAGIC = 'NVMTFS'
const LOG_EXTENSION_SECTORS = 1024
/** How much of a file is read at a time. */
const READ_CHUNK = 4 * 1024 * 1024

/** A value of the tuple store: a string, a tuple (name → value) or a vector. */
export type TupleValue = string | Tuple | TupleValue[]
export interface Tuple {
  [name: string]: TupleValue
}

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

/** The image could not be read as a Nanos image. */
export class TfsError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TfsError'
  }
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
  let header: { version: number; label: string; uuid: string } | undefined
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

function isTuple(value: TupleValue | undefined): value is Tuple {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
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

/** The log's records, decoded into the shared dictionary of symbols, tuples and vectors. */
class LogDecoder {
  private readonly dict = new Map<number, TupleValue>()
  private staging: Buffer[] = []
  private remaining = 0
  private version = 5

  extension(
    buffer: Buffer,
    sectors: number
  ): { header?: { version: number; label: string; uuid: string }; next?: number } {
    if (buffer.length < sectors * SECTOR || buffer.toString('latin1', 0, MAGIC.length) !== MAGIC)
      throw new TfsError('no TFS filesystem here (its magic number is missing)')
    const at = { offset: MAGIC.length }
    const version = varint(buffer, at)
    if (version !== 4 && version !== 5)
      throw new TfsError(`TFS version ${version}: only versions 4 and 5 can be read`)
    this.version = version
    if (varint(buffer, at) !== sectors)
      throw new TfsError('a filesystem log extension has an unexpected size')
    let header: { version: number; label: string; uuid: string } | undefined
    if (sectors === 1) {
      const uuid = buffer.subarray(at.offset, at.offset + 16).toString('hex')
      at.offset += 16
      const end = buffer.indexOf(0, at.offset)
      const label = buffer.toString('utf8', at.offset, end < 0 ? buffer.length : end)
      at.offset = end < 0 ? buffer.length : end + 1
      header = {
        version,
        label,
        uuid: `${uuid.slice(0, 8)}-${uuid.slice(8, 12)}-${uuid.slice(12, 16)}-${uuid.slice(16, 20)}-${uuid.slice(20)}`
      }
    }
    for (;;) {
      if (at.offset >= buffer.length) throw new TfsError('a filesystem log extension has no end')
      const record = buffer[at.offset++]
      if (record === 1) return { header } // end of log
      if (record === 4) continue // end of segment
      if (record === 5) {
        const sector = varint(buffer, at)
        if (varint(buffer, at) !== LOG_EXTENSION_SECTORS)
          throw new TfsError('a filesystem log link has an unexpected length')
        return { header, next: sector * SECTOR }
      }
      if (record === 2) {
        if (this.remaining > 0) throw new TfsError('a tuple record starts inside another')
        const total = varint(buffer, at)
        const length = varint(buffer, at)
        if (length > total) throw new TfsError('a tuple record is longer than its tuple')
        this.staging = [buffer.subarray(at.offset, at.offset + length)]
        this.remaining = total - length
        at.offset += length
      } else if (record === 3) {
        const length = varint(buffer, at)
        if (length > this.remaining) throw new TfsError('a tuple continues past its length')
        this.staging.push(buffer.subarray(at.offset, at.offset + length))
        this.remaining -= length
        at.offset += length
      } else {
        throw new TfsError(`unknown filesystem log record ${record}`)
      }
      if (this.remaining === 0) {
        const data = Buffer.concat(this.staging)
        this.staging = []
        this.value(data, { offset: 0 })
      }
    }
  }

  root(): Tuple {
    const root = this.dict.get(1)
    if (!isTuple(root)) throw new TfsError('the filesystem holds no root tuple')
    return root
  }

  private header(data: Buffer, at: { offset: number }): { ref: boolean; type: number; n: number } {
    if (at.offset >= data.length) throw new TfsError('a tuple ends too early')
    const b = data[at.offset++]
    const bits = this.version === 4 ? 5 : 3
    let n = b & ((1 << bits) - 1)
    if (b & (1 << bits)) {
      for (;;) {
        if (at.offset >= data.length) throw new TfsError('a tuple ends too early')
        const c = data[at.offset++]
        n = n * 128 + (c & 0x7f)
        if (!(c & 0x80)) break
      }
    }
    return { ref: b >> 7 === 0, type: (b >> (bits + 1)) & ((1 << (6 - bits)) - 1), n }
  }

  private next(): number {
    return this.dict.size + 1
  }

  private lookup<T extends TupleValue>(
    ref: number,
    is: (v: TupleValue) => boolean,
    what: string
  ): T {
    const value = this.dict.get(ref)
    if (value === undefined || !is(value))
      throw new TfsError(`the filesystem refers to ${what} ${ref}, which it never defined`)
    return value as T
  }

  private value(data: Buffer, at: { offset: number }): TupleValue {
    const { ref, type, n } = this.header(data, at)
    switch (type) {
      case 1: {
        const tuple: Tuple = ref
          ? this.lookup<Tuple>(varint(data, at), isTuple, 'tuple')
          : Object.create(null)
        if (!ref) this.dict.set(this.next(), tuple)
        for (let i = 0; i < n; i++) {
          const name = this.header(data, at)
          if (name.type !== 0) throw new TfsError('a tuple entry is not named by a symbol')
          let symbol: string
          if (name.ref) {
            symbol = this.lookup<string>(name.n, v => typeof v === 'string', 'symbol')
          } else {
            symbol = this.bytes(data, at, name.n)
            this.dict.set(this.next(), symbol)
          }
          const value = this.value(data, at)
          if (symbol === '') continue
          // An empty buffer deletes the entry.
          if (value === '') delete tuple[symbol]
          else tuple[symbol] = value
        }
        return tuple
      }
      case 2: {
        const vector: TupleValue[] = ref
          ? this.lookup<TupleValue[]>(varint(data, at), Array.isArray, 'vector')
          : new Array<TupleValue>(n).fill('')
        if (!ref) this.dict.set(this.next(), vector)
        for (let i = 0; i < n; i++) vector[i] = this.value(data, at)
        return vector
      }
      case 3:
        return String(varint(data, at))
      case 0:
      case 4:
        if (n === 0) return ''
        return ref
          ? this.lookup<string>(n, v => typeof v === 'string', 'string')
          : this.bytes(data, at, n)
      default:
        throw new TfsError(`unknown tuple value type ${type}`)
    }
  }

  private bytes(data: Buffer, at: { offset: number }, n: number): string {
    if (at.offset + n > data.length) throw new TfsError('a tuple ends too early')
    const text = data.toString('utf8', at.offset, at.offset + n)
    at.offset += n
    return text
  }
}

function varint(data: Buffer, at: { offset: number }): number {
  let n = 0
  for (;;) {
    if (at.offset >= data.length) throw new TfsError('a number runs past the end of its record')
    const b = data[at.offset++]
    n = n * 128 + (b & 0x7f)
    if (!(b & 0x80)) return n
  }
}
