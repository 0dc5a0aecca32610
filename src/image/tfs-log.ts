/**
 * The TFS log (tfs.ts reads the filesystem around it): a chain of extensions, each starting
 * with the magic `NVMTFS`, the version and its size in sectors (the first, one sector, also the
 * UUID and the label), holding records: a tuple available (whole, or its first segment), a tuple
 * extended (its next segment), the end of a segment, a link to the next extension, the end of
 * the log. Tuples are encoded against one dictionary shared by the whole log: a symbol, tuple or
 * vector written in full gets the next number, and later entries refer to it by number (to add
 * entries to a tuple, or to name a symbol again). Version 4 packs the header byte differently.
 * Facts from nanovms/ops `fs/tfs.go` at 0.1.46. Pure.
 */
/** A value of the tuple store: a string, a tuple (name → value) or a vector. */
export type TupleValue = string | Tuple | TupleValue[]
export interface Tuple {
  [name: string]: TupleValue
}

/** The image could not be read as a Nanos image. */
export class TfsError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TfsError'
  }
}

const MAGIC = 'NVMTFS'
export const SECTOR = 512
export const LOG_EXTENSION_SECTORS = 1024

export interface LogHeader {
  version: number
  label: string
  uuid: string
}

/** A tuple, not a string or a vector. */
export function isTuple(value: unknown): value is Tuple {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The log's records, decoded into the shared dictionary of symbols, tuples and vectors. */
export class LogDecoder {
  private readonly dict = new Map<number, TupleValue>()
  private staging: Buffer[] = []
  private remaining = 0
  private version = 5

  extension(buffer: Buffer, sectors: number): { header?: LogHeader; next?: number } {
    if (buffer.length < sectors * SECTOR || buffer.toString('latin1', 0, MAGIC.length) !== MAGIC)
      throw new TfsError('no TFS filesystem here (its magic number is missing)')
    const at = { offset: MAGIC.length }
    const version = varint(buffer, at)
    if (version !== 4 && version !== 5)
      throw new TfsError(`TFS version ${version}: only versions 4 and 5 can be read`)
    this.version = version
    if (varint(buffer, at) !== sectors)
      throw new TfsError('a filesystem log extension has an unexpected size')
    let header: LogHeader | undefined
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
