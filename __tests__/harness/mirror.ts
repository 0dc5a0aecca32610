/**
 * A loopback imitation of the parts of https://storage.googleapis.com that the action reads:
 * the Ops CLI (served as the ops test double), its md5 files, Nanos releases, latest.txt and the
 * common files. Missing objects answer 403 like Cloud Storage does for a missing public object.
 * Faults (status, dropped or stalled sockets, corrupt or truncated bodies, delays) can be set per
 * path at start and while running.
 */
import * as crypto from 'node:crypto'
import * as fs from 'node:fs'
import * as http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as zlib from 'node:zlib'
import { standinBlob } from './standin.js'

const HARNESS_DIR = path.dirname(fileURLToPath(import.meta.url))

/** Absolute path of the ops test double script. */
export const OPS_DOUBLE_PATH = path.join(HARNESS_DIR, 'ops-double.mjs')

/** The placeholder in ops-double.mjs that the mirror replaces with the served version. */
export const OPS_DOUBLE_PLACEHOLDER = '__OPS_DOUBLE_VERSION__'

/** The placeholder in ops-double.mjs that the mirror replaces with the stand-in, base64. */
export const OPS_DOUBLE_STANDIN_PLACEHOLDER = '__OPS_DOUBLE_STANDIN__'

/** ops's configuration types, transcribed from nanovms/ops (see its "source"). */
export const OPS_CONFIG_SCHEMA_PATH = path.join(HARNESS_DIR, 'ops-config-schema.json')

/** The expression in ops-double.mjs that the mirror replaces with the schema's JSON. */
export const OPS_SCHEMA_PLACEHOLDER = '/* __OPS_CONFIG_SCHEMA__ */ null'

export const DEFAULT_OPS_VERSIONS = ['0.1.45', '0.1.46']
export const DEFAULT_NANOS_VERSIONS = ['0.1.53', '0.1.54']
/** Every real release ships many more; strace is the one the boot test's diagnosis loads. */
export const DEFAULT_KLIBS = ['gpu_nvidia', 'ntp', 'strace', 'tls']

// ---------------------------------------------------------------------------------------------
// hashes
// ---------------------------------------------------------------------------------------------

export function md5(data: Buffer | string): string {
  return crypto.createHash('md5').update(data).digest('hex')
}

export function sha256(data: Buffer | string): string {
  return crypto.createHash('sha256').update(data).digest('hex')
}

export function sha256File(file: string): string {
  return sha256(fs.readFileSync(file))
}

// ---------------------------------------------------------------------------------------------
// tar (ustar) + gzip, pure Node
// ---------------------------------------------------------------------------------------------

export interface TarEntry {
  /** Path inside the archive, '/'-separated, no leading '/' (a trailing '/' is added for dirs). */
  name: string
  type?: 'file' | 'dir' | 'symlink'
  data?: Buffer | string
  mode?: number
  linkname?: string
  /** Seconds since the epoch; fixed by default so archives are byte-for-byte reproducible. */
  mtime?: number
}

export interface ParsedTarEntry {
  name: string
  type: 'file' | 'dir' | 'symlink' | 'other'
  mode: number
  size: number
  linkname: string
  data: Buffer
}

const FIXED_MTIME = 1_700_000_000

function writeOctal(buf: Buffer, offset: number, length: number, value: number): void {
  const s = value.toString(8).padStart(length - 1, '0')
  if (s.length > length - 1)
    throw new Error(`tar: value ${value} too large for a ${length}-byte field`)
  buf.write(s + '\0', offset, length, 'ascii')
}

function splitUstarName(name: string): { prefix: string; name: string } {
  if (Buffer.byteLength(name) <= 100) return { prefix: '', name }
  for (let i = name.length - 1; i > 0; i--) {
    if (name[i] !== '/') continue
    const prefix = name.slice(0, i)
    const rest = name.slice(i + 1)
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100 && rest.length > 0) {
      return { prefix, name: rest }
    }
  }
  throw new Error(`tar: name too long for ustar: ${name}`)
}

/** Builds an uncompressed ustar archive. */
export function makeTar(entries: TarEntry[]): Buffer {
  const blocks: Buffer[] = []
  for (const e of entries) {
    const type = e.type ?? 'file'
    let name = e.name.replace(/^\/+/, '')
    if (type === 'dir' && !name.endsWith('/')) name += '/'
    const data =
      type === 'file'
        ? Buffer.isBuffer(e.data)
          ? e.data
          : Buffer.from(e.data ?? '', 'utf8')
        : Buffer.alloc(0)
    const header = Buffer.alloc(512)
    const split = splitUstarName(name)
    header.write(split.name, 0, 100, 'utf8')
    writeOctal(
      header,
      100,
      8,
      e.mode ?? (type === 'dir' ? 0o755 : type === 'symlink' ? 0o777 : 0o644)
    )
    writeOctal(header, 108, 8, 0)
    writeOctal(header, 116, 8, 0)
    writeOctal(header, 124, 12, data.length)
    writeOctal(header, 136, 12, e.mtime ?? FIXED_MTIME)
    header.fill(' ', 148, 156)
    header.write(type === 'dir' ? '5' : type === 'symlink' ? '2' : '0', 156, 1, 'ascii')
    if (e.linkname) header.write(e.linkname, 157, 100, 'utf8')
    header.write('ustar\0', 257, 6, 'ascii')
    header.write('00', 263, 2, 'ascii')
    header.write('root', 265, 32, 'ascii')
    header.write('root', 297, 32, 'ascii')
    if (split.prefix) header.write(split.prefix, 345, 155, 'utf8')
    let sum = 0
    for (let i = 0; i < 512; i++) sum += header[i]
    header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii')
    blocks.push(header)
    if (data.length > 0) {
      blocks.push(data)
      const pad = (512 - (data.length % 512)) % 512
      if (pad) blocks.push(Buffer.alloc(pad))
    }
  }
  blocks.push(Buffer.alloc(1024))
  return Buffer.concat(blocks)
}

/** Builds a gzip-compressed ustar archive (deterministic bytes for the same entries). */
export function makeTarGz(entries: TarEntry[]): Buffer {
  return zlib.gzipSync(makeTar(entries))
}

function readString(buf: Buffer, offset: number, length: number): string {
  const raw = buf.subarray(offset, offset + length)
  const end = raw.indexOf(0)
  return raw.subarray(0, end === -1 ? raw.length : end).toString('utf8')
}

/** Parses an uncompressed ustar archive (checks header checksums). */
export function parseTar(tar: Buffer): ParsedTarEntry[] {
  const out: ParsedTarEntry[] = []
  let off = 0
  while (off + 512 <= tar.length) {
    const h = tar.subarray(off, off + 512)
    if (h.every(b => b === 0)) break
    const stored = parseInt(readString(h, 148, 8).trim(), 8)
    let sum = 0
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i]
    if (stored !== sum) throw new Error(`tar: bad header checksum at offset ${off}`)
    const prefix = readString(h, 345, 155)
    const base = readString(h, 0, 100)
    const name = prefix ? `${prefix}/${base}` : base
    const size = parseInt(readString(h, 124, 12).trim() || '0', 8)
    const flag = String.fromCharCode(h[156])
    const type =
      flag === '5'
        ? 'dir'
        : flag === '2'
          ? 'symlink'
          : flag === '0' || flag === '\0'
            ? 'file'
            : 'other'
    const data = Buffer.from(tar.subarray(off + 512, off + 512 + size))
    if (data.length !== size) throw new Error(`tar: truncated entry ${name}`)
    out.push({
      name,
      type,
      mode: parseInt(readString(h, 100, 8).trim() || '0', 8),
      size,
      linkname: readString(h, 157, 100),
      data
    })
    off += 512 + Math.ceil(size / 512) * 512
  }
  return out
}

/** Gunzips and parses a .tar.gz. */
export function parseTarGz(tgz: Buffer): ParsedTarEntry[] {
  return parseTar(zlib.gunzipSync(tgz))
}

// ---------------------------------------------------------------------------------------------
// served content
// ---------------------------------------------------------------------------------------------

export type NanosArch = 'amd64' | 'arm64'

/** The kernel.img bytes the mirror serves for a version (tests can tell versions apart). */
export function kernelImage(version: string, arch: NanosArch = 'amd64'): Buffer {
  return Buffer.from(`NANOS-KERNEL ${version} ${arch}\n` + 'k'.repeat(256) + '\n', 'utf8')
}

/** Entries of a Nanos release tarball: at the ROOT, no leading folder (like `tar cvzf x *`). */
export function nanosReleaseEntries(
  version: string,
  arch: NanosArch = 'amd64',
  klibs: string[] = DEFAULT_KLIBS
): TarEntry[] {
  return [
    { name: 'boot.img', data: `NANOS-BOOT ${version} ${arch}\n` },
    { name: 'bootx64.efi', data: `NANOS-EFI ${version} ${arch}\n` },
    { name: 'kernel.img', data: kernelImage(version, arch) },
    { name: 'klibs', type: 'dir' },
    ...klibs.map(k => ({ name: `klibs/${k}`, data: `NANOS-KLIB ${k} ${version} ${arch}\n` }))
  ]
}

/**
 * The files of common.tar.gz, at its root as ops reads them (<opshome>/common/ca-certificates.crt
 * and, for x86-64, common/libnss_dns.so.2: nanovms/ops lepton/image.go addCommonFilesToManifest).
 */
export const COMMON_FILES: Record<string, string> = {
  'ca-certificates.crt':
    '-----BEGIN CERTIFICATE-----\nTEST-CA-BUNDLE-FROM-MIRROR\n-----END CERTIFICATE-----\n',
  'libnss_dns.so.2': '\x7fELF-test-libnss_dns\n'
}

/** Entries of common.tar.gz (with their directory entries). */
export function commonEntries(files: Record<string, string | Buffer> = COMMON_FILES): TarEntry[] {
  const dirs = new Set<string>()
  for (const f of Object.keys(files)) {
    const parts = f.split('/')
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'))
  }
  return [
    ...[...dirs].sort().map(d => ({ name: d, type: 'dir' as const })),
    ...Object.entries(files).map(([name, data]) => ({ name, data }))
  ]
}

/**
 * The bytes served as the Ops binary for a version: ops-double.mjs with the version placeholder
 * replaced, the Nanos stand-in (standin.ts, built with gcc on first use) embedded in base64 and
 * ops-config-schema.json embedded, so the file stays self-contained, and, by default, the
 * shebang pointing at this Node (so PATH does not matter).
 */
export function renderOpsDouble(version: string, opts: { shebang?: string } = {}): Buffer {
  const src = fs.readFileSync(OPS_DOUBLE_PATH, 'utf8')
  const schema = JSON.stringify(JSON.parse(fs.readFileSync(OPS_CONFIG_SCHEMA_PATH, 'utf8')))
  const shebang = opts.shebang ?? `#!${process.execPath}`
  const body = src
    .split(OPS_DOUBLE_PLACEHOLDER)
    .join(version)
    .split(OPS_DOUBLE_STANDIN_PLACEHOLDER)
    .join(standinBlob().toString('base64'))
    .split(OPS_SCHEMA_PLACEHOLDER)
    .join(schema)
  return Buffer.from(body.replace(/^#![^\n]*/, shebang), 'utf8')
}

export type OpsOs = 'linux' | 'darwin'

/** Object path (mirror-relative) of the pinned Ops binary. */
export function opsBinaryPath(
  version: string,
  os: OpsOs = 'linux',
  arch: NanosArch = 'amd64'
): string {
  return arch === 'arm64'
    ? `/cli/${os}/aarch64/release/${version}/ops`
    : `/cli/${os}/release/${version}/ops`
}

/** Object path (mirror-relative) of the pinned Ops binary's md5 file. */
export function opsMd5Path(
  version: string,
  os: OpsOs = 'linux',
  arch: NanosArch = 'amd64'
): string {
  return arch === 'arm64'
    ? `/cli/${os}/aarch64/release/${version}/ops-${os}-aarch64-${version}.md5`
    : `/cli/${os}/release/${version}/ops-${os}-${version}.md5`
}

/** Object path (mirror-relative) of the unversioned latest Ops binary. */
export function opsLatestPath(os: OpsOs = 'linux', arch: NanosArch = 'amd64'): string {
  return arch === 'arm64' ? `/cli/${os}/aarch64/ops` : `/cli/${os}/ops`
}

/** Object path (mirror-relative) of a Nanos release tarball. */
export function nanosReleasePath(version: string, arch: NanosArch = 'amd64'): string {
  return arch === 'arm64'
    ? `/nanos/release/${version}/nanos-release-linux-${version}-virt.tar.gz`
    : `/nanos/release/${version}/nanos-release-linux-${version}.tar.gz`
}

export const NANOS_LATEST_PATH = '/nanos/release/latest.txt'
export const COMMON_PATH = '/nanos/common/common.tar.gz'

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(x => parseInt(x, 10) || 0)
  const pb = b.split('.').map(x => parseInt(x, 10) || 0)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}

const newest = (vs: string[]): string | undefined => [...vs].sort(compareVersions).at(-1)

// ---------------------------------------------------------------------------------------------
// the server
// ---------------------------------------------------------------------------------------------

export interface FaultSpec {
  /** Answer with this HTTP status (403/404 get Cloud Storage's XML error body). */
  status?: number
  /** Destroy the socket before sending anything, or right after the response headers. */
  drop?: 'before-headers' | 'after-headers'
  /** Send headers and this many body bytes (true: half the body), then never finish. */
  stall?: boolean | number
  /** Flip this many bytes of the body (true: 8), same length. */
  corrupt?: boolean | number
  /** Send this many body bytes (true: half) though Content-Length says more, then close. */
  truncate?: boolean | number
  /** Wait this long before answering (combines with the others). */
  delayMs?: number
  /** Apply to the next N matching requests, then behave normally. Default: until cleared. */
  times?: number
}

export interface RequestRecord {
  method: string
  /** Path relative to the mirror's base path (the full path when outside the base path). */
  path: string
  /** The request path as received (including the base path). */
  rawPath: string
  /** HTTP status sent, or 0 when the socket was dropped before headers. */
  status: number
  /** Body bytes written. */
  bytes: number
  /** Name of the fault applied, if any. */
  fault?: string
  /** True when the request was outside the base path (not counted by count()). */
  outsideBase?: boolean
}

export interface MirrorOptions {
  /** Ops versions served (default 0.1.45, 0.1.46). */
  opsVersions?: string[]
  /** Version served as the unversioned latest Ops (default: newest of opsVersions). */
  latestOps?: string
  /** Nanos versions served (default 0.1.53, 0.1.54). */
  nanosVersions?: string[]
  /** Content of /nanos/release/latest.txt (default: newest of nanosVersions). */
  latestNanos?: string
  /** Klib files put in every release tarball (default gpu_nvidia, ntp, strace, tls). */
  klibs?: string[]
  /** Files of common.tar.gz (default COMMON_FILES); null = common.tar.gz is not served. */
  commonFiles?: Record<string, string | Buffer> | null
  /** Path prefix, e.g. '/some/prefix' (URL becomes http://127.0.0.1:port/some/prefix). */
  basePath?: string
  /** Faults keyed by mirror-relative path; a key ending in '*' is a prefix. */
  faults?: Record<string, FaultSpec>
  /** Extra or overriding objects keyed by mirror-relative path. */
  objects?: Record<string, Buffer | string>
  /** Shebang of the served ops binary (default '#!' + process.execPath). */
  opsShebang?: string
  /**
   * A folder in the download host's layout (the real tier's `$NANOS_REAL_TOOLS/mirror`): every
   * file below it is served at its relative path, and nothing of the double is (no Ops double,
   * no generated releases; `opsVersions`, `nanosVersions` and `latestNanos` describe the folder).
   * Faults, request counting and `objects` work as usual.
   */
  root?: string
}

export interface Mirror {
  /** Base URL, e.g. http://127.0.0.1:41234/some/prefix (no trailing slash). */
  url: string
  origin: string
  port: number
  basePath: string
  opsVersions: string[]
  nanosVersions: string[]
  latestNanos: string | undefined
  /** Full URL of a mirror-relative path. */
  urlOf(relPath: string): string
  /** Copy of the request log. */
  requests(): RequestRecord[]
  resetRequests(): void
  /**
   * Number of requests under the base path whose mirror-relative path starts with pathPrefix
   * (all of them when omitted).
   */
  count(pathPrefix?: string): number
  /** Set (spec) or clear (null) the fault for a path; a path ending in '*' is a prefix. */
  fault(pathOrPrefix: string, spec: FaultSpec | null): void
  clearFaults(): void
  /** Bytes of a served object, or undefined. */
  object(relPath: string): Buffer | undefined
  setObject(relPath: string, body: Buffer | string): void
  deleteObject(relPath: string): void
  objectPaths(): string[]
  /** Bytes served as the Ops binary of a version. */
  opsBinary(version: string): Buffer
  close(): Promise<void>
}

function gcsError(status: number): { body: Buffer; type: string } {
  if (status === 403 || status === 404) {
    const code = status === 403 ? 'AccessDenied' : 'NoSuchKey'
    const msg =
      status === 403
        ? 'Access denied.</Message><Details>Anonymous caller does not have storage.objects.get access ' +
          "to the Google Cloud Storage object. Permission 'storage.objects.get' denied on resource " +
          '(or it may not exist).</Details>'
        : 'The specified key does not exist.</Message>'
    return {
      body: Buffer.from(
        `<?xml version='1.0' encoding='UTF-8'?><Error><Code>${code}</Code><Message>${msg}</Error>`,
        'utf8'
      ),
      type: 'application/xml; charset=UTF-8'
    }
  }
  return {
    body: Buffer.from(`mirror: injected HTTP ${status}\n`, 'utf8'),
    type: 'text/plain; charset=utf-8'
  }
}

function contentType(p: string): string {
  if (p.endsWith('.tar.gz')) return 'application/x-tar'
  if (p.endsWith('.txt') || p.endsWith('.md5')) return 'text/plain'
  return 'application/octet-stream'
}

function amount(
  v: boolean | number | undefined,
  total: number,
  dflt: (n: number) => number
): number {
  if (typeof v === 'number') return Math.max(0, Math.min(v, total))
  return Math.max(0, Math.min(dflt(total), total))
}

function corruptBody(body: Buffer, count: number): Buffer {
  const out = Buffer.from(body)
  if (out.length === 0) return out
  const n = Math.max(1, Math.min(count, out.length))
  for (let i = 0; i < n; i++) {
    const pos = Math.floor(((i + 0.5) * out.length) / n)
    out[pos] ^= 0xff
  }
  return out
}

/** Starts the mirror on 127.0.0.1 (random port). */
export async function startMirror(opts: MirrorOptions = {}): Promise<Mirror> {
  if (opts.root) return serve(folderObjects(opts.root), opts)
  const opsVersions = opts.opsVersions ?? DEFAULT_OPS_VERSIONS
  const nanosVersions = opts.nanosVersions ?? DEFAULT_NANOS_VERSIONS
  const latestNanos = opts.latestNanos ?? newest(nanosVersions)
  const latestOps = opts.latestOps ?? newest(opsVersions)
  const klibs = opts.klibs ?? DEFAULT_KLIBS

  const objects = new Map<string, Buffer>()
  const opsBinaries = new Map<string, Buffer>()
  const opsBinary = (v: string): Buffer => {
    let b = opsBinaries.get(v)
    if (!b) {
      b = renderOpsDouble(v, opts.opsShebang === undefined ? {} : { shebang: opts.opsShebang })
      opsBinaries.set(v, b)
    }
    return b
  }
  for (const v of opsVersions) {
    const bin = opsBinary(v)
    for (const os of ['linux', 'darwin'] as const) {
      for (const arch of ['amd64', 'arm64'] as const) {
        objects.set(opsBinaryPath(v, os, arch), bin)
        objects.set(opsMd5Path(v, os, arch), Buffer.from(md5(bin) + '\n', 'utf8'))
      }
    }
  }
  if (latestOps) {
    for (const os of ['linux', 'darwin'] as const) {
      for (const arch of ['amd64', 'arm64'] as const)
        objects.set(opsLatestPath(os, arch), opsBinary(latestOps))
    }
  }
  for (const v of nanosVersions) {
    objects.set(nanosReleasePath(v, 'amd64'), makeTarGz(nanosReleaseEntries(v, 'amd64', klibs)))
    objects.set(nanosReleasePath(v, 'arm64'), makeTarGz(nanosReleaseEntries(v, 'arm64', klibs)))
  }
  if (latestNanos) objects.set(NANOS_LATEST_PATH, Buffer.from(latestNanos + '\n', 'utf8'))
  if (opts.commonFiles !== null)
    objects.set(COMMON_PATH, makeTarGz(commonEntries(opts.commonFiles)))
  return serve({ objects, opsVersions, nanosVersions, latestNanos, opsBinary }, opts)
}

/** What the mirror serves and says about itself. */
interface Served {
  objects: Map<string, Buffer>
  opsVersions: string[]
  nanosVersions: string[]
  latestNanos: string | undefined
  opsBinary: (version: string) => Buffer
}

/** Every file below `root`, keyed by its mirror-relative path, and the versions it holds. */
function folderObjects(root: string): Served {
  const objects = new Map<string, Buffer>()
  for (const rel of fs.readdirSync(root, { recursive: true }) as string[]) {
    const file = path.join(root, rel)
    if (fs.statSync(file).isFile())
      objects.set(`/${rel.split(path.sep).join('/')}`, fs.readFileSync(file))
  }
  const versions = (prefix: string): string[] =>
    [
      ...new Set(
        [...objects.keys()]
          .filter(p => p.startsWith(prefix))
          .map(p => p.slice(prefix.length).split('/')[0])
          .filter(v => /^\d+\.\d+\.\d+$/.test(v))
      )
    ].sort(compareVersions)
  const opsVersions = versions('/cli/linux/release/')
  return {
    objects,
    opsVersions,
    nanosVersions: versions('/nanos/release/'),
    latestNanos: objects.get(NANOS_LATEST_PATH)?.toString('utf8').trim(),
    opsBinary: v => {
      const bin = objects.get(opsBinaryPath(v))
      if (!bin) throw new Error(`mirror: ${root} holds no Ops ${v}`)
      return bin
    }
  }
}

async function serve(served: Served, opts: MirrorOptions): Promise<Mirror> {
  const { objects, opsVersions, nanosVersions, latestNanos, opsBinary } = served
  for (const [p, body] of Object.entries(opts.objects ?? {})) {
    objects.set(p, Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'))
  }
  let basePath = (opts.basePath ?? '').replace(/\/+$/, '')
  if (basePath && !basePath.startsWith('/')) basePath = '/' + basePath

  const faults = new Map<string, FaultSpec & { left: number }>()
  const setFault = (p: string, spec: FaultSpec | null): void => {
    if (spec === null) faults.delete(p)
    else faults.set(p, { ...spec, left: spec.times ?? Infinity })
  }
  for (const [p, spec] of Object.entries(opts.faults ?? {})) setFault(p, spec)

  const takeFault = (rel: string): FaultSpec | undefined => {
    let key: string | undefined
    if (faults.has(rel)) key = rel
    else {
      let best = -1
      for (const k of faults.keys()) {
        if (k.endsWith('*') && rel.startsWith(k.slice(0, -1)) && k.length > best) {
          best = k.length
          key = k
        }
      }
    }
    if (key === undefined) return undefined
    const f = faults.get(key)
    if (!f) return undefined
    f.left -= 1
    if (f.left <= 0) faults.delete(key)
    return f
  }

  const log: RequestRecord[] = []
  const sockets = new Set<Socket>()
  const timers = new Set<NodeJS.Timeout>()
  let closing = false

  const sleep = (ms: number): Promise<void> =>
    new Promise(resolve => {
      const t = setTimeout(() => {
        timers.delete(t)
        resolve()
      }, ms)
      timers.add(t)
    })

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    let rawPath: string
    try {
      rawPath = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname)
    } catch {
      rawPath = req.url ?? '/'
    }
    let rel: string | null = rawPath
    if (basePath) {
      rel =
        rawPath === basePath || rawPath.startsWith(basePath + '/')
          ? rawPath.slice(basePath.length) || '/'
          : null
    }
    const rec: RequestRecord = {
      method: req.method ?? 'GET',
      path: rel ?? rawPath,
      rawPath,
      status: 0,
      bytes: 0
    }
    if (rel === null) rec.outsideBase = true
    log.push(rec)

    const fault = rel === null ? undefined : takeFault(rel)
    if (fault?.delayMs) {
      rec.fault = 'delay'
      await sleep(fault.delayMs)
      if (closing) return
    }

    const send = (
      status: number,
      body: Buffer,
      type: string,
      extra: Record<string, string> = {}
    ): void => {
      rec.status = status
      res.writeHead(status, {
        'Content-Type': type,
        'Content-Length': String(body.length),
        ...extra
      })
      if (req.method === 'HEAD') {
        res.end()
        return
      }
      rec.bytes = body.length
      res.end(body)
    }

    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const e = gcsError(405)
      send(405, e.body, e.type)
      return
    }
    if (fault?.status) {
      rec.fault = `status ${fault.status}`
      const e = gcsError(fault.status)
      send(fault.status, e.body, e.type)
      return
    }
    if (fault?.drop === 'before-headers') {
      rec.fault = 'drop before-headers'
      req.socket.destroy()
      return
    }

    const object = rel === null ? undefined : objects.get(rel)
    if (!object) {
      const e = gcsError(403)
      send(403, e.body, e.type)
      return
    }
    const headers = {
      'Content-Type': contentType(rel ?? ''),
      'Content-Length': String(object.length),
      'x-goog-hash': `md5=${crypto.createHash('md5').update(object).digest('base64')}`,
      'x-goog-stored-content-length': String(object.length)
    }

    if (fault?.drop === 'after-headers') {
      rec.fault = 'drop after-headers'
      rec.status = 200
      res.writeHead(200, headers)
      res.flushHeaders()
      setImmediate(() => req.socket.destroy())
      return
    }
    if (fault?.stall !== undefined && fault.stall !== false) {
      rec.fault = 'stall'
      rec.status = 200
      const n = amount(fault.stall, object.length, t => Math.floor(t / 2))
      res.writeHead(200, headers)
      res.flushHeaders()
      if (req.method !== 'HEAD' && n > 0) {
        res.write(object.subarray(0, n))
        rec.bytes = n
      }
      return // never finished; close() destroys the socket
    }
    if (fault?.truncate !== undefined && fault.truncate !== false) {
      rec.fault = 'truncate'
      rec.status = 200
      const n = amount(fault.truncate, object.length, t => Math.floor(t / 2))
      res.writeHead(200, headers)
      if (req.method === 'HEAD') {
        res.end()
        return
      }
      rec.bytes = n
      res.write(object.subarray(0, n), () => req.socket.destroy())
      return
    }
    if (fault?.corrupt !== undefined && fault.corrupt !== false) {
      rec.fault = 'corrupt'
      const body = corruptBody(object, typeof fault.corrupt === 'number' ? fault.corrupt : 8)
      send(200, body, headers['Content-Type'], { 'x-goog-hash': headers['x-goog-hash'] })
      return
    }
    send(200, object, headers['Content-Type'], {
      'x-goog-hash': headers['x-goog-hash'],
      'x-goog-stored-content-length': headers['x-goog-stored-content-length']
    })
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch(e => {
      try {
        res.writeHead(500, { 'Content-Type': 'text/plain' })
        res.end(`mirror error: ${String(e)}\n`)
      } catch {
        req.socket.destroy()
      }
    })
  })
  server.on('connection', s => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  server.keepAliveTimeout = 1000

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  const origin = `http://127.0.0.1:${port}`

  const mirror: Mirror = {
    url: origin + basePath,
    origin,
    port,
    basePath,
    opsVersions: [...opsVersions],
    nanosVersions: [...nanosVersions],
    latestNanos,
    urlOf: rel => origin + basePath + (rel.startsWith('/') ? rel : '/' + rel),
    requests: () => log.map(r => ({ ...r })),
    resetRequests: () => {
      log.length = 0
    },
    count: prefix =>
      log.filter(r => !r.outsideBase && (prefix === undefined || r.path.startsWith(prefix))).length,
    fault: setFault,
    clearFaults: () => faults.clear(),
    object: p => objects.get(p),
    setObject: (p, body) => {
      objects.set(p, Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'))
    },
    deleteObject: p => {
      objects.delete(p)
    },
    objectPaths: () => [...objects.keys()].sort(),
    opsBinary,
    close: async () => {
      if (closing) return
      closing = true
      for (const t of timers) clearTimeout(t)
      timers.clear()
      const closed = new Promise<void>(resolve => server.close(() => resolve()))
      server.closeAllConnections()
      for (const s of sockets) s.destroy()
      await closed
    }
  }
  return mirror
}
