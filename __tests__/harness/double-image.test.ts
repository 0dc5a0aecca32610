/**
 * The double's images are Nanos images as far as their filesystems go: the action's own reader
 * (src/image/tfs.ts) finds in them exactly what the double's record says went in, with the
 * manifest tuple ops writes, in TFS version 5 or (TFSv4) 4, behind an MBR partition table laid
 * out like ops's. (The stand-in's boot tests are in standin.test.ts; the comparison with the
 * real ops is __tests__/real/differential.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {
  cleanupTempDirs,
  installOpsDouble,
  makeTempDir,
  makeWorkspace,
  REFUSED_PROXY_ENV,
  seedOpsHome,
  writeElf,
  writeFile
} from './fixtures.js'
import { DOUBLE_IMAGE_RECORD_OFFSET, readDoubleImage, type DoubleImageRecord } from './image.js'
import { listImage, type ImageEntry, type ImageListing } from './image-files.js'
import { sha256 } from './mirror.js'
import { compileC, hostArch, markerProgram, requireGcc } from './native.js'
import type { Tuple, TupleValue } from '../../src/image/tfs.js'

let opsBin = ''

beforeAll(() => {
  opsBin = installOpsDouble(makeTempDir('nia-opsbin-'), '0.1.46')
})

afterAll(() => cleanupTempDirs())

interface Built {
  code: number | null
  stdout: string
  stderr: string
  image: string
  record: DoubleImageRecord
  listing: ImageListing
}

interface BuildOptions {
  config?: Record<string, unknown>
  arch?: 'amd64' | 'arm64'
  env?: Record<string, string>
  /** Fills the workspace before the build. */
  prepare?: (ws: string) => void
  binary?: string
}

/** Builds with the double in a fresh workspace and ops home (Nanos 0.1.54, common files). */
async function build(opts: BuildOptions = {}): Promise<Built> {
  const arch = opts.arch ?? 'amd64'
  const ws = makeWorkspace({ machine: arch === 'arm64' ? 'aarch64' : 'x86-64' })
  opts.prepare?.(ws.dir)
  const opsParent = makeTempDir('nia-opsparent-')
  seedOpsHome(opsParent, { arch, common: true })
  const args = ['build', opts.binary ?? ws.relBinary, '--arch', arch]
  if (opts.config) {
    writeFile(path.join(ws.dir, 'ops.json'), JSON.stringify(opts.config))
    args.push('-c', 'ops.json')
  }
  const r = spawnSync(opsBin, args, {
    cwd: ws.dir,
    env: {
      PATH: process.env.PATH,
      HOME: ws.dir,
      OPS_HOME: opsParent,
      OPS_DOUBLE_USER_HOME: ws.dir,
      ...REFUSED_PROXY_ENV,
      ...opts.env
    },
    encoding: 'utf8'
  })
  const image = /^Bootable image file:(.*)$/m.exec(r.stdout)?.[1]
  if (r.status !== 0 || !image) throw new Error(`the double failed:\n${r.stdout}\n${r.stderr}`)
  return {
    code: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
    image,
    record: readDoubleImage(image).record,
    listing: await listImage(image)
  }
}

/** A path below a "." or ".." element: in the tree, but neither Nanos nor tfs.ts list it. */
const hidden = (p: string): boolean => p.split('/').some(e => e === '.' || e === '..')

/**
 * The root filesystem's entries as the record describes them, later additions replacing earlier
 * ones in ops's order (common files, program, ops's own files, Files, MapDirs, Dirs, libraries),
 * with every parent folder and the mount points.
 */
function expectedRoot(record: DoubleImageRecord): ImageEntry[] {
  const entries = new Map<string, ImageEntry>()
  const file = (p: string, size: number, sha: string): void => {
    entries.set(p, { path: p, kind: 'file', size, sha256: sha })
  }
  for (const f of record.commonFiles) file(f.imagePath, f.size, f.sha256)
  file(record.program.imagePath, record.program.size, record.program.sha256)
  for (const f of record.generated) file(f.imagePath, f.size, f.sha256)
  for (const f of record.files) file(f.imagePath, f.size, f.sha256)
  for (const d of [...record.mapDirs, ...record.dirs]) {
    if (d.type === 'file') file(d.imagePath, d.size as number, d.sha256 as string)
    else if (d.type === 'symlink')
      entries.set(d.imagePath, { path: d.imagePath, kind: 'symlink', target: d.target as string })
    else if (!entries.has(d.imagePath)) entries.set(d.imagePath, { path: d.imagePath, kind: 'dir' })
  }
  for (const lib of [record.interpreter, ...record.libraries])
    if (lib) file(lib.imagePath, lib.size, lib.sha256)
  for (const target of Object.values(record.mounts.image)) {
    const p = `/${target.replace(/^\//, '').split(':')[0]}`.replace(/\/+$/, '')
    entries.set(p, { path: p, kind: 'dir' })
  }
  for (const p of [...entries.keys()])
    for (let d = path.posix.dirname(p); d !== '/'; d = path.posix.dirname(d))
      if (!entries.has(d)) entries.set(d, { path: d, kind: 'dir' })
  return [...entries.values()]
    .filter(e => !hidden(e.path))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

/** The boot filesystem: /kernel and, with Klibs, /klib holding those found. */
function expectedBoot(record: DoubleImageRecord): ImageEntry[] {
  const kernel = fs.readFileSync(record.kernel)
  const entries: ImageEntry[] = [
    { path: '/kernel', kind: 'file', size: kernel.length, sha256: record.kernelSha256 }
  ]
  if (record.klibs.loaded.length + record.klibs.missing.length > 0) {
    entries.push({ path: '/klib', kind: 'dir' })
    for (const name of [...new Set(record.klibs.loaded)].sort()) {
      const data = fs.readFileSync(path.join(record.klibs.dir, name))
      entries.push({ path: `/klib/${name}`, kind: 'file', size: data.length, sha256: sha256(data) })
    }
  }
  return entries
}

/** Lists as TFS version 4 stores them: tuples keyed "0", "1", ... */
function v4(value: TupleValue): TupleValue {
  if (Array.isArray(value)) return Object.fromEntries(value.map((v, i) => [String(i), v4(v)]))
  if (typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, v4(v)]))
  return value
}

/** The root tuple's keys besides children, from the record and the config. */
function expectedManifest(record: DoubleImageRecord): Tuple {
  const cfg = record.manifest as {
    RebootOnExit?: boolean
    Debugflags?: string[]
    NoTrace?: string[]
  }
  const tuple: Tuple = {
    program: record.program.imagePath,
    arguments: record.args,
    environment: record.env
  }
  if (Object.keys(record.mounts.image).length > 0) tuple.mounts = record.mounts.image
  if (record.klibs.loaded.length + record.klibs.missing.length > 0) tuple.klibs = 'bootfs'
  if (cfg.RebootOnExit) tuple.reboot_on_exit = 't'
  for (const flag of cfg.Debugflags ?? []) tuple[flag] = 't'
  if (cfg.NoTrace?.length) tuple.notrace = cfg.NoTrace
  Object.assign(tuple, record.passthrough)
  return record.tfsVersion === 4 ? (v4(tuple) as Tuple) : tuple
}

function expectMatchesRecord(b: Built): void {
  expect(b.listing.root.version).toBe(b.record.tfsVersion)
  expect(b.listing.root.entries).toEqual(expectedRoot(b.record))
  expect(b.listing.root.manifest).toEqual(expectedManifest(b.record))
  expect(b.listing.boot?.version).toBe(b.record.tfsVersion)
  expect(b.listing.boot?.entries).toEqual(expectedBoot(b.record))
  expect(b.listing.boot?.manifest).toEqual({})
}

interface Partition {
  active: number
  type: number
  start: number
  size: number
}

function partitions(image: string): Partition[] {
  const mbr = Buffer.alloc(512)
  const fd = fs.openSync(image, 'r')
  fs.readSync(fd, mbr, 0, 512, 0)
  fs.closeSync(fd)
  expect(mbr.readUInt16LE(510)).toBe(0xaa55)
  return [0, 1, 2, 3]
    .map(i => mbr.subarray(446 + 16 * i, 462 + 16 * i))
    .map(e => ({
      active: e[0],
      type: e[4],
      start: e.readUInt32LE(8) * 512,
      size: e.readUInt32LE(12) * 512
    }))
    .filter(p => p.size > 0)
}

/** Where the partitions start: after the record's last sector and 4 KiB for the log dump. */
function firstPartition(image: string): number {
  const text = fs.readFileSync(image).subarray(DOUBLE_IMAGE_RECORD_OFFSET)
  const end = text.indexOf('\n', text.indexOf('\n') + 1) + 1
  return Math.ceil((DOUBLE_IMAGE_RECORD_OFFSET + end) / 512) * 512 + 4096
}

const MiB = 1024 * 1024

describe('the double writes real Nanos filesystems', () => {
  it('holds exactly the files of its record, with the manifest tuple ops writes', async () => {
    const b = await build({
      prepare: ws => {
        writeFile(path.join(ws, 'etc/app.conf'), 'conf from the workspace\n')
        writeFile(path.join(ws, 'empty.txt'), '')
        writeFile(path.join(ws, 'assets/a.txt'), 'A')
        writeFile(path.join(ws, 'assets/sub/b.bin'), Buffer.alloc(70_000, 7))
        fs.mkdirSync(path.join(ws, 'assets/empty'))
        fs.symlinkSync('a.txt', path.join(ws, 'assets/link'))
        fs.symlinkSync('nowhere', path.join(ws, 'assets/broken'))
        writeFile(path.join(ws, 'data/x.json'), '{}')
        writeFile(path.join(ws, 'data/y.txt'), 'y')
        writeFile(path.join(ws, 'data/deep/z.json'), '[]')
      },
      config: {
        Args: ['--serve', 'two words'],
        Env: { GREETING: 'hello', USER: 'prover' },
        // a leading "/" is read below the working directory: <cwd>//etc/app.conf
        Files: ['/etc/app.conf', 'empty.txt'],
        Dirs: ['assets'],
        MapDirs: { 'data/*.json': '/json' },
        Mounts: { '%1': '/workspace' },
        Klibs: ['ntp', 'not-there'],
        RebootOnExit: true,
        Debugflags: ['trace'],
        NoTrace: ['read', 'write'],
        NameServers: ['1.1.1.1', '9.9.9.9'],
        ManifestPassthrough: {
          readonly_rootfs: 'true',
          expected_exit_code: ['0', '3'],
          nested: { a: 'b', list: ['c', { d: 'e' }] }
        }
      }
    })
    expectMatchesRecord(b)
    const files = new Map(b.listing.root.entries.map(e => [e.path, e]))
    expect(files.get('/etc/app.conf')).toEqual(
      expect.objectContaining({ sha256: sha256('conf from the workspace\n') })
    )
    expect(files.get('/empty.txt')).toEqual(expect.objectContaining({ size: 0 }))
    expect(files.get('/assets/link')).toEqual({
      path: '/assets/link',
      kind: 'symlink',
      target: 'a.txt'
    })
    expect(files.has('/assets/broken')).toBe(false)
    expect(b.stdout).toContain('warning: stat assets/broken: no such file or directory')
    expect(files.get('/assets/empty')).toEqual({ path: '/assets/empty', kind: 'dir' })
    expect([...files.keys()].filter(p => p.startsWith('/json'))).toEqual([
      '/json',
      '/json/deep',
      '/json/deep/z.json',
      '/json/x.json'
    ])
    expect(files.get('/workspace')).toEqual({ path: '/workspace', kind: 'dir' })
    expect(files.get('/etc/resolv.conf')).toEqual(
      expect.objectContaining({ sha256: sha256('nameserver  1.1.1.1\nnameserver  9.9.9.9\n') })
    )
    expect(files.get('/etc/passwd')).toEqual(
      expect.objectContaining({ sha256: sha256('root:x:0:0:root:/root:/bin/nobash') })
    )
    expect(files.get('/proc/sys/kernel/hostname')).toEqual(
      expect.objectContaining({ sha256: sha256('uniboot') })
    )
    expect(files.has('/etc/ssl/certs/ca-certificates.crt')).toBe(true)
    expect(files.has('/lib/x86_64-linux-gnu/libnss_dns.so.2')).toBe(true)
    expect(b.listing.root.manifest).toEqual(
      expect.objectContaining({
        arguments: ['target/release/my_prover', '--serve', 'two words'],
        mounts: { '%0': '/workspace' },
        klibs: 'bootfs',
        reboot_on_exit: 't',
        trace: 't',
        notrace: ['read', 'write'],
        expected_exit_code: ['0', '3']
      })
    )
    expect((b.listing.root.manifest.environment as Tuple).USER).toBe('prover')
    expect(b.record.klibs).toEqual(
      expect.objectContaining({ loaded: ['ntp'], missing: ['not-there'] })
    )
    expect(b.stdout).toContain(`Klib "not-there" not found in directory "${b.record.klibs.dir}"\n`)
    expect(b.listing.root.label).toBe('')
  })

  it('writes TFS version 4 when the config asks for TFSv4, lists as tuples keyed "0", "1"', async () => {
    const b = await build({
      config: { TFSv4: true, Args: ['a'], NoTrace: ['read'], Klibs: ['tls'] }
    })
    expect(b.record.tfsVersion).toBe(4)
    expectMatchesRecord(b)
    expect(b.listing.root.manifest.arguments).toEqual({ 0: 'target/release/my_prover', 1: 'a' })
    expect(b.listing.boot?.version).toBe(4)
  })

  it('keeps "." and ".." of Files and Dirs as names, which Nanos does not list', async () => {
    const b = await build({
      prepare: ws => {
        writeFile(path.join(ws, 'a.txt'), 'a')
        writeFile(path.join(ws, 'sub/b.txt'), 'b')
        writeFile(path.join(ws, '..', `${path.basename(ws)}-up.txt`), 'up')
      },
      config: { Files: ['./a.txt', 'sub/../a.txt'], Dirs: ['./sub'] }
    })
    expect(b.record.files.map(f => f.imagePath)).toEqual(['/./a.txt', '/sub/../a.txt'])
    expect(b.record.dirs.map(d => d.imagePath)).toEqual(['/./sub', '/sub/b.txt'])
    expectMatchesRecord(b)
    const paths = b.listing.root.entries.map(e => e.path)
    expect(paths).not.toContain('/a.txt')
    expect(paths).toEqual(expect.arrayContaining(['/sub', '/sub/b.txt']))
  })

  it("puts a dynamic program's loader and libraries in, as the record lists them", async () => {
    requireGcc()
    const b = await build({
      arch: hostArch(),
      prepare: ws => {
        compileC(path.join(ws, 'dyn'), markerProgram(path.join(ws, 'ran')))
      },
      binary: 'dyn'
    })
    expect(b.record.interpreter).not.toBeNull()
    expect(b.record.libraries.length).toBeGreaterThan(0)
    expectMatchesRecord(b)
  })

  it('splits a large root tuple across log extensions', async () => {
    const big = 'x'.repeat(1_200_000)
    const b = await build({ config: { ManifestPassthrough: { big } } })
    expectMatchesRecord(b)
    expect(b.listing.root.manifest.big).toBe(big)
  })
})

describe('the image layout', () => {
  it('amd64: stand-in and record first, then the boot and root partitions, ops-style', async () => {
    const b = await build()
    const parts = partitions(b.image)
    const first = firstPartition(b.image)
    expect(parts).toEqual([
      { active: 0x80, type: 0x83, start: first, size: 12 * MiB },
      { active: 0x80, type: 0x83, start: first + 12 * MiB, size: expect.any(Number) }
    ])
    expect(fs.statSync(b.image).size).toBe(parts[1].start + parts[1].size)
    // the boot code's filesystem region: what follows the MBR up to the record's last sector
    const mbr = fs.readFileSync(b.image).subarray(0, 512)
    expect(Number(mbr.readBigUInt64LE(434))).toBe(first - 4096 - 512)
    expect(mbr.readUInt32LE(442)).toBe(12)
  })

  it('arm64: no boot code, the same partitions after the record', async () => {
    const b = await build({ arch: 'arm64', config: { Klibs: ['ntp'] } })
    const bytes = fs.readFileSync(b.image)
    expect(bytes.subarray(0, 446).every(x => x === 0)).toBe(true)
    const parts = partitions(b.image)
    expect(parts.map(p => [p.type, p.start])).toEqual([
      [0x83, firstPartition(b.image)],
      [0x83, firstPartition(b.image) + 12 * MiB]
    ])
    expectMatchesRecord(b)
    expect(b.listing.root.manifest.environment).toEqual(
      expect.objectContaining({ NANOS_ARCH: 'arm64' })
    )
    expect(b.listing.root.entries.map(e => e.path)).not.toContain(
      '/lib/x86_64-linux-gnu/libnss_dns.so.2'
    )
  })

  it('puts OPS_DOUBLE_IMAGE_SIZE filler after the root partition, outside every partition', async () => {
    const size = 20 * MiB + 17
    const b = await build({
      env: { OPS_DOUBLE_IMAGE_SIZE: String(size), OPS_DOUBLE_IMAGE_FILL: 'random' }
    })
    expect(fs.statSync(b.image).size).toBe(size)
    const root = partitions(b.image)[1]
    const end = root.start + root.size
    expect(end).toBeLessThan(size)
    const tail = fs.readFileSync(b.image).subarray(end)
    expect(tail.some(x => x !== 0)).toBe(true)
    expectMatchesRecord(b)
  })

  it('pads the whole image to BaseVolumeSz, the root partition up to its end', async () => {
    const b = await build({ config: { BaseVolumeSz: '30m' } })
    expect(fs.statSync(b.image).size).toBe(30 * MiB)
    const root = partitions(b.image)[1]
    expect(root.start + root.size).toBe(30 * MiB)
    expectMatchesRecord(b)
  })

  it('lays out an EFI system partition first with Uefi', async () => {
    const b = await build({ config: { Uefi: true } })
    const parts = partitions(b.image)
    const first = firstPartition(b.image)
    expect(parts.map(p => [p.type, p.start, p.size])).toEqual([
      [0xef, first, 33 * MiB],
      [0x83, first + 33 * MiB, 12 * MiB],
      [0x83, first + 45 * MiB, expect.any(Number)]
    ])
    expectMatchesRecord(b)
  })

  it('writes a 32-bit ELF program too (ops lets Go read it)', async () => {
    const b = await build({
      prepare: ws => {
        writeElf(path.join(ws, 'p32'), { cls: 32, machine: 3 })
      },
      binary: 'p32'
    })
    expectMatchesRecord(b)
  })
})
