/**
 * The ops double against the real ops: for each input, the real `ops build` (Ops 0.1.46 from the
 * real-tools mirror, with the real Nanos 0.1.55) and the double run in the same kind of isolated
 * set-up (an ops home of their own with the release extracted, latest.txt and the common files;
 * OPS_DEFAULT_CONFIG naming an empty `{}`; proxy variables that refuse at once; a working
 * directory with the same contents), and everything the action relies on must agree: the exit
 * status, the kind of error and the stream it is on, the `Bootable image file:` line and whether
 * the image exists, ops's warnings, and the image's contents as src/image/tfs.ts reads them
 * (both filesystems: every path, kind, size, sha256 and link target, and the manifest tuple,
 * the double's OPS_VERSION normalised). Where they differ the double is wrong.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {
  cleanupTempDirs,
  installOpsDouble,
  makeTempDir,
  REFUSED_PROXY_ENV,
  writeFile
} from '../harness/fixtures.js'
import { listImage, type ImageListing } from '../harness/image-files.js'
import { parseTarGz } from '../harness/mirror.js'
import { answerProgram, ANSWER_LIB, compileC, compileSharedLib } from '../harness/native.js'
import { describeReal, tools } from './helpers.js'
import { place, program } from './programs.js'

const NANOS = '0.1.55'

type Tool = 'real' | 'double'
const TOOLS: Tool[] = ['real', 'double']

interface Case {
  name: string
  /** Fills the working directory (the same for both tools). */
  prepare(ws: string): void
  /** The program's path in the working directory. */
  program: string
  /** ops.json's content: an object (JSON, or a function giving it) or raw text; none: no -c. */
  config?: Record<string, unknown> | string | (() => Record<string, unknown>)
  /** More arguments before the flags. */
  extra?: string[]
  arch?: 'amd64' | 'arm64'
}

interface Run {
  code: number | null
  stdout: string
  stderr: string
  opsHome: string
  ws: string
  tmp: string
  image: string
}

/** What is compared between the two tools. */
interface Outcome {
  exit: number | null
  kind: string
  /** Where the error is: the stream of the first line of its kind. */
  stream: 'stdout' | 'stderr' | null
  /** The `Bootable image file:` path, relative to the ops home. */
  bootable: string | null
  imageExists: boolean
  /** Ops's warnings on stdout, the ops home and working directory replaced. */
  warnings: string[]
  /** The MBR's partition types, in order. */
  partitions: number[] | null
  listing: ImageListing | 'unreadable' | null
}

/** Kinds of error, the first match wins; the words of the two tools need not be the same. */
const KINDS: [string, RegExp][] = [
  ['panic', /^panic: /m],
  ['config', /failed converting configuration file/],
  ['missing library', /can't find the following missing libraries/],
  ['not ELF', /only ELF binaries are supported/],
  ['architecture', /trying to mix|mixing architectures/],
  ['missing file', /is missing|no such file or directory/],
  ['manifest value', /unknown type of value/]
]

// eslint-disable-next-line no-control-regex
const plain = (s: string): string => s.replace(/\x1b\[[0-9;]*m/g, '')

/** Ops's warnings: lines that do not stop the build. */
const WARNING = /^(Klib ".*" not found in directory|warning: )/

function classify(r: Run): Pick<Outcome, 'kind' | 'stream'> {
  const errors = (text: string): string =>
    plain(text)
      .split('\n')
      .filter(l => !WARNING.test(l))
      .join('\n')
  const out = errors(r.stdout)
  const err = errors(r.stderr)
  for (const [kind, re] of KINDS) {
    if (re.test(out)) return { kind, stream: 'stdout' }
    if (re.test(err)) return { kind, stream: 'stderr' }
  }
  return { kind: r.code === 0 ? 'none' : 'other', stream: null }
}

function partitionTypes(image: string): number[] {
  const mbr = Buffer.alloc(512)
  const fd = fs.openSync(image, 'r')
  fs.readSync(fd, mbr, 0, 512, 0)
  fs.closeSync(fd)
  return [0, 1, 2, 3].map(i => mbr[446 + 16 * i + 4]).filter(t => t !== 0)
}

async function outcome(r: Run): Promise<Outcome> {
  const image = /^Bootable image file:(.*)$/m.exec(plain(r.stdout))?.[1]
  const imageExists = fs.existsSync(r.image)
  let listing: Outcome['listing'] = null
  if (imageExists) {
    try {
      listing = await listImage(r.image)
      const env = listing.root.manifest.environment
      if (env && typeof env === 'object' && !Array.isArray(env) && 'OPS_VERSION' in env)
        env.OPS_VERSION = '<ops version>'
    } catch {
      listing = 'unreadable'
    }
  }
  // ops's build folder is <tmp>/<program>_temp<random digits>
  const normalise = (line: string): string =>
    line
      .split(r.opsHome)
      .join('<ops home>')
      .split(r.ws)
      .join('<cwd>')
      .split(r.tmp)
      .join('<tmp>')
      .replace(/_temp\d+\//g, '_temp<random>/')
  return {
    exit: r.code,
    ...classify(r),
    bootable: image === undefined ? null : path.relative(r.opsHome, image),
    imageExists,
    warnings: plain(r.stdout)
      .split('\n')
      .filter(l => WARNING.test(l))
      .map(normalise),
    partitions: imageExists && listing !== 'unreadable' ? partitionTypes(r.image) : null,
    listing
  }
}

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex')
}

/** Writes a gzipped tar's directories and files below dest. */
function extract(tgz: string, dest: string): void {
  for (const e of parseTarGz(fs.readFileSync(tgz))) {
    const target = path.join(dest, e.name)
    if (e.type === 'dir') fs.mkdirSync(target, { recursive: true })
    else if (e.type === 'file') {
      fs.mkdirSync(path.dirname(target), { recursive: true })
      fs.writeFileSync(target, e.data, { mode: e.mode || 0o644 })
    }
  }
}

/** A folder outside both working directories, read by an absolute Dirs entry. */
let outside = ''

const CASES: Case[] = [
  {
    name: 'static',
    program: 'probe',
    prepare: ws => {
      place(program('probe'), ws, 'probe')
      writeFile(path.join(ws, 'etc/app.conf'), 'conf\n')
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
    config: () => staticConfig()
  },
  {
    name: 'dynamic',
    program: 'probe',
    prepare: ws => void place(program('probe', 'amd64', 'dynamic'), ws, 'probe'),
    config: { Args: ['exit', '0'], Env: { GREETING: 'hi' } }
  },
  {
    name: 'missing-library',
    program: 'answer',
    prepare: ws => {
      const lib = compileSharedLib(path.join(ws, 'lib'), 'answer', ANSWER_LIB)
      compileC(path.join(ws, 'answer'), answerProgram(path.join(ws, 'ran')), {
        args: ['-L', path.dirname(lib), '-lanswer']
      })
      fs.rmSync(lib)
    }
  },
  {
    name: 'bad-config',
    program: 'probe',
    prepare: ws => void place(program('probe'), ws, 'probe'),
    config: '{"Files": ['
  },
  {
    name: 'unknown-field',
    program: 'probe',
    prepare: ws => void place(program('probe'), ws, 'probe'),
    config: { Filez: ['a'] }
  },
  {
    name: 'missing-file',
    program: 'probe',
    prepare: ws => void place(program('probe'), ws, 'probe'),
    config: { Files: ['nope/x.txt'] }
  },
  {
    name: 'dotdot-file',
    program: 'probe',
    prepare: ws => {
      place(program('probe'), ws, 'probe')
      writeFile(path.join(ws, '..', 'dotdot-up.txt'), 'from the parent folder\n')
      writeFile(path.join(ws, 'sub/c.txt'), 'c')
    },
    config: { Files: ['../dotdot-up.txt', 'sub/../sub/c.txt', './sub/c.txt'] }
  },
  {
    name: 'slash-file',
    program: 'probe',
    prepare: ws => {
      place(program('probe'), ws, 'probe')
      writeFile(path.join(ws, 'etc/hostname'), 'the working directory copy\n')
    },
    config: { Files: ['/etc/hostname'] }
  },
  {
    name: 'missing-klib',
    program: 'probe',
    prepare: ws => void place(program('probe'), ws, 'probe'),
    config: { Klibs: ['ntp', 'nope'] }
  },
  {
    name: 'not-elf',
    program: 'run.sh',
    prepare: ws => {
      writeFile(path.join(ws, 'run.sh'), '#!/bin/sh\necho hi\n')
      fs.chmodSync(path.join(ws, 'run.sh'), 0o755)
    }
  },
  {
    name: 'passthrough-boolean',
    program: 'probe',
    prepare: ws => void place(program('probe'), ws, 'probe'),
    config: { ManifestPassthrough: { readonly_rootfs: true } }
  },
  {
    name: 'tfsv4',
    program: 'probe',
    prepare: ws => void place(program('probe'), ws, 'probe'),
    config: { TFSv4: true, Args: ['a', 'b'], NoTrace: ['read'], Klibs: ['ntp'] }
  },
  {
    name: 'mounts-and-extra-argument',
    program: 'probe',
    extra: ['ignored'],
    prepare: ws => void place(program('probe'), ws, 'probe'),
    config: { Mounts: { '%1': '/workspace', data: '/data:ro', '%2': '/scratch' } }
  },
  {
    name: 'overrides-klibs-network',
    program: 'probe',
    prepare: ws => {
      place(program('probe'), ws, 'probe')
      writeFile(path.join(ws, 'etc/passwd'), 'prover:x:1000:1000::/:/probe\n')
      writeFile(path.join(ws, 'etc/resolv.conf'), 'nameserver 10.0.0.53\n')
      writeFile(path.join(ws, 'libs/a.so'), 'a')
      writeFile(path.join(ws, 'libs/sub/b.so'), 'b')
      writeFile(path.join(ws, 'libs/c.txt'), 'c')
      fs.symlinkSync('a.so', path.join(ws, 'libs/l.so'))
      writeFile(path.join(ws, 'tree/inner/i.txt'), 'i')
      fs.symlinkSync('inner', path.join(ws, 'tree/to-inner'))
    },
    config: () => ({
      // ops's own /etc/passwd and /etc/resolv.conf replaced (with a warning each)
      Files: ['etc/passwd', '/etc/resolv.conf'],
      MapDirs: { [`${outside}/*.txt`]: '/outside', 'libs/*.so': '/usr/lib' },
      Dirs: ['tree'],
      Klibs: ['cloud_init'],
      Env: { RADAR_KEY: 'k' },
      ManifestPassthrough: { firewall: { rules: [] } },
      RunConfig: {
        IPAddress: '10.0.0.5',
        Gateway: '10.0.0.1',
        NetMask: '255.0.0.0',
        Ports: ['80', '443'],
        Nics: [{ IPAddress: '1.2.3.4' }, { IPAddress: '5.6.7.8', NetMask: '255.255.0.0' }]
      },
      BaseVolumeSz: '16m'
    })
  },
  {
    name: 'files-directory',
    program: 'probe',
    prepare: ws => {
      place(program('probe'), ws, 'probe')
      writeFile(path.join(ws, 'data/x'), 'x')
    },
    config: { Files: ['data'] }
  },
  {
    name: 'missing-program',
    program: 'not-there',
    prepare: () => undefined
  },
  {
    name: 'arm64',
    program: 'probe',
    arch: 'arm64',
    prepare: ws => void place(program('probe', 'arm64'), ws, 'probe'),
    config: { Klibs: ['ntp'], Env: { A: 'b' } }
  }
]

// The static case's config names the folder outside the working directories (made in beforeAll).
function staticConfig(): Record<string, unknown> {
  return {
    Args: ['cat', '/etc/app.conf'],
    Env: { GREETING: 'hello', USER: 'prover' },
    Files: ['/etc/app.conf', 'empty.txt'],
    Dirs: ['assets', outside],
    MapDirs: { 'data/*.json': '/json' },
    Mounts: { '%1': '/workspace' },
    Klibs: ['ntp'],
    RebootOnExit: true,
    Debugflags: ['trace'],
    NoTrace: ['read', 'write'],
    NameServers: ['1.1.1.1'],
    RunConfig: { Ports: ['80', '443'] },
    ManifestPassthrough: {
      readonly_rootfs: 'true',
      expected_exit_code: ['0', '3'],
      nested: { a: 'b', list: ['c', { d: 'e' }] }
    }
  }
}

const runs = new Map<string, Record<Tool, Run>>()
let root = ''

/**
 * Every case has its own ops home per tool: ops extracts common.tar.gz into <opshome>/common on
 * every build, so builds running at once in one ops home read each other's half-written files.
 */
const opsParentOf = (tool: Tool, c: Case): string => path.join(root, tool, 'homes', c.name)

function runTool(tool: Tool, c: Case, bin: string): Promise<Run> {
  const base = path.join(root, tool)
  const opsHome = path.join(opsParentOf(tool, c), '.ops')
  const ws = path.join(base, 'work', c.name)
  const args = ['build', c.program, ...(c.extra ?? []), '-i', c.name, '--nanos-version', NANOS]
  if (c.arch) args.push('--arch', c.arch)
  if (c.config !== undefined) args.push('-c', 'ops.json')
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: path.join(base, 'user'),
    OPS_HOME: opsParentOf(tool, c),
    OPS_DEFAULT_CONFIG: path.join(base, 'empty.json'),
    // ops's build folder (<tmp>/<program>_temp<digits>, left behind when it fails) goes here
    TMPDIR: path.join(base, 'tmp'),
    ...REFUSED_PROXY_ENV,
    ...(tool === 'double' ? { OPS_DOUBLE_USER_HOME: path.join(base, 'user') } : {})
  }
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd: ws, env })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (d: Buffer) => out.push(d))
    child.stderr.on('data', (d: Buffer) => err.push(d))
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    child.on('error', reject)
    child.on('close', code => {
      clearTimeout(timer)
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        opsHome,
        ws,
        tmp: env.TMPDIR,
        image: path.join(opsHome, 'images', c.name)
      })
    })
  })
}

beforeAll(async () => {
  if (!tools) return
  root = makeTempDir('nia-differential-')
  outside = path.join(root, 'outside')
  writeFile(path.join(outside, 'o.txt'), 'outside the working directory\n')
  const release = path.join(tools.mirror, 'nanos', 'release', NANOS)
  const bins: Record<Tool, string> = {
    real: path.join(tools.mirror, 'cli', 'linux', 'release', tools.opsVersion, 'ops'),
    double: installOpsDouble(makeTempDir('nia-differential-bin-'), tools.opsVersion)
  }
  // one ops home laid out, then copied for each tool and case
  const template = path.join(root, 'home', '.ops')
  extract(path.join(release, `nanos-release-linux-${NANOS}.tar.gz`), path.join(template, NANOS))
  extract(
    path.join(release, `nanos-release-linux-${NANOS}-virt.tar.gz`),
    path.join(template, `${NANOS}-arm`)
  )
  writeFile(path.join(template, 'latest.txt'), NANOS)
  const common = path.join(tools.mirror, 'nanos', 'common', 'common.tar.gz')
  fs.copyFileSync(common, path.join(template, 'common.tar.gz'))
  extract(common, path.join(template, 'common'))
  for (const tool of TOOLS) {
    const base = path.join(root, tool)
    writeFile(path.join(base, 'empty.json'), '{}')
    fs.mkdirSync(path.join(base, 'user'), { recursive: true })
    fs.mkdirSync(path.join(base, 'tmp'), { recursive: true })
    for (const c of CASES) {
      fs.cpSync(template, path.join(opsParentOf(tool, c), '.ops'), { recursive: true })
      const ws = path.join(base, 'work', c.name)
      fs.mkdirSync(ws, { recursive: true })
      c.prepare(ws)
      const config = typeof c.config === 'function' ? c.config() : c.config
      if (config !== undefined)
        writeFile(
          path.join(ws, 'ops.json'),
          typeof config === 'string' ? config : JSON.stringify(config)
        )
    }
  }
  // both tools at once, a few cases at a time
  const queue = [...CASES]
  await Promise.all(
    [1, 2, 3].map(async () => {
      for (let c = queue.shift(); c; c = queue.shift()) {
        const [real, double] = await Promise.all(TOOLS.map(t => runTool(t, c, bins[t])))
        runs.set(c.name, { real, double })
      }
    })
  )
}, 120_000)

afterAll(() => cleanupTempDirs())

describeReal('the ops double against the real ops 0.1.46', () => {
  it.each(CASES.map(c => [c.name]))('%s: the same outcome and image contents', async name => {
    const { real, double } = runs.get(name) as Record<Tool, Run>
    const [r, d] = [await outcome(real), await outcome(double)]
    try {
      expect(d).toEqual(r)
    } catch (e) {
      const shown = (run: Run): string => plain(`${run.stdout}${run.stderr}`).trim()
      ;(e as Error).message +=
        `\n\nreal ops printed:\n${shown(real)}\n\nthe double printed:\n${shown(double)}`
      throw e
    }
    // the cases' own facts, on both
    for (const o of [r, d]) {
      const listing = o.listing as ImageListing
      const files = new Map((listing?.root?.entries ?? []).map(e => [e.path, e]))
      switch (name) {
        case 'static':
          expect(o.kind).toBe('none')
          expect(files.get(`${outside}/o.txt`)).toEqual(
            expect.objectContaining({ sha256: sha256('outside the working directory\n') })
          )
          expect(files.get('/assets/link')).toEqual(
            expect.objectContaining({ kind: 'symlink', target: 'a.txt' })
          )
          expect(o.warnings).toEqual(['warning: stat assets/broken: no such file or directory'])
          break
        case 'dynamic':
          expect([...files.keys()].some(p => /\/libc\.so\.6$/.test(p))).toBe(true)
          break
        case 'missing-library':
          expect([o.kind, o.exit, o.imageExists]).toEqual(['missing library', 1, false])
          break
        case 'bad-config':
        case 'unknown-field':
          expect([o.kind, o.stream, o.exit, o.imageExists]).toEqual(['config', 'stderr', 0, false])
          break
        case 'missing-file':
          expect([o.kind, o.exit, o.imageExists]).toEqual(['missing file', 1, false])
          break
        case 'dotdot-file':
          // "." and ".." are names in ops's tree: nothing below them is listed (sub/../sub/c.txt
          // is sub, then "..", then sub/c.txt)
          expect([...files.keys()].filter(p => /dotdot|c\.txt/.test(p))).toEqual([])
          expect(files.get('/sub')).toEqual({ path: '/sub', kind: 'dir' })
          break
        case 'slash-file':
          expect(files.get('/etc/hostname')).toEqual(
            expect.objectContaining({ sha256: sha256('the working directory copy\n') })
          )
          break
        case 'missing-klib':
          expect(o.exit).toBe(0)
          expect(o.warnings).toEqual([
            `Klib "nope" not found in directory "<ops home>/${NANOS}/klibs"`
          ])
          expect(listing.boot?.entries.map(e => e.path)).toEqual(['/kernel', '/klib', '/klib/ntp'])
          break
        case 'not-elf':
          expect([o.kind, o.stream, o.exit]).toEqual(['not ELF', 'stderr', 1])
          break
        case 'passthrough-boolean':
          expect([o.kind, o.exit, o.imageExists, o.listing]).toEqual([
            'manifest value',
            1,
            true,
            'unreadable'
          ])
          break
        case 'tfsv4':
          expect([listing.root.version, listing.boot?.version]).toEqual([4, 4])
          break
        case 'mounts-and-extra-argument':
          expect(listing.root.manifest.mounts).toEqual({
            '%0': '/workspace',
            '%1': '/scratch',
            '%2': '/data:ro'
          })
          break
        case 'overrides-klibs-network':
          expect(o.warnings).toHaveLength(2)
          expect(listing.boot?.entries.map(e => e.path)).toEqual([
            '/kernel',
            '/klib',
            '/klib/cloud_init',
            '/klib/firewall',
            '/klib/radar',
            '/klib/tls'
          ])
          break
        case 'files-directory':
          // ops fails while writing the image: the file is there, unreadable
          expect([o.kind, o.exit, o.imageExists, o.listing]).toEqual([
            'other',
            1,
            true,
            'unreadable'
          ])
          break
        case 'missing-program':
          expect([o.kind, o.exit, o.imageExists]).toEqual(['missing file', 1, false])
          break
        case 'arm64':
          expect(o.partitions).toEqual([0x83, 0x83])
          break
      }
    }
  })

  it("the real ops reads the double's image: `ops image cp` gives back the files", async () => {
    const { double } = runs.get('static') as Record<Tool, Run>
    const realParent = opsParentOf('real', CASES[0])
    fs.copyFileSync(double.image, path.join(realParent, '.ops', 'images', 'from-double'))
    const dest = makeTempDir('nia-differential-cp-')
    const bin = path.join(tools!.mirror, 'cli', 'linux', 'release', tools!.opsVersion, 'ops')
    const r = await new Promise<{ code: number | null; out: string }>(resolve => {
      const child = spawn(
        bin,
        ['image', 'cp', 'from-double', '/probe', '/etc/app.conf', '/assets/sub/b.bin', dest],
        {
          env: {
            PATH: process.env.PATH ?? '',
            OPS_HOME: realParent,
            OPS_DEFAULT_CONFIG: path.join(root, 'real', 'empty.json'),
            ...REFUSED_PROXY_ENV
          }
        }
      )
      let out = ''
      child.stdout.on('data', (d: Buffer) => (out += d.toString()))
      child.stderr.on('data', (d: Buffer) => (out += d.toString()))
      child.on('close', code => resolve({ code, out }))
    })
    expect(r).toEqual(expect.objectContaining({ code: 0 }))
    const ws = double.ws
    for (const [name, from] of [
      ['probe', 'probe'],
      ['app.conf', 'etc/app.conf'],
      ['b.bin', 'assets/sub/b.bin']
    ])
      expect(sha256(fs.readFileSync(path.join(dest, name)))).toBe(
        sha256(fs.readFileSync(path.join(ws, from)))
      )
  })
})
