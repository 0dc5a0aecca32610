/**
 * Tests of the test harness itself: the loopback mirror, the ops double, the fixtures and the
 * runner imitation. If these fail, the end-to-end results mean nothing.
 */
import { spawn, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as http from 'node:http'
import * as net from 'node:net'
import * as path from 'node:path'
import {
  cleanupTempDirs,
  installOpsDouble,
  makeTempDir,
  makeWorkspace,
  seedOpsHome,
  writeElf,
  writeFile,
  writeScript
} from './fixtures.js'
import { isDoubleImage, readDoubleImage } from './image.js'
import {
  ANSWER_LIB,
  answerProgram,
  compileC,
  compileSharedLib,
  hostArch,
  hostMachine,
  markerProgram,
  requireGcc,
  toolchainLibrary,
  withMachine
} from './native.js'
import {
  COMMON_PATH,
  kernelImage,
  makeTarGz,
  md5,
  type Mirror,
  NANOS_LATEST_PATH,
  nanosReleasePath,
  OPS_CONFIG_SCHEMA_PATH,
  OPS_DOUBLE_PATH,
  OPS_DOUBLE_PLACEHOLDER,
  OPS_SCHEMA_PLACEHOLDER,
  opsBinaryPath,
  opsLatestPath,
  opsMd5Path,
  parseTarGz,
  renderOpsDouble,
  sha256,
  startMirror
} from './mirror.js'
import { annotations, cleanupAllRuns, errors, notices, runAction, warnings } from './run-action.js'

// ---------------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------------

interface GetResult {
  status?: number
  headers?: http.IncomingHttpHeaders
  body: Buffer
  complete: boolean
  error?: string
}

/** GET that never rejects: reports status, body so far, and whether the body completed. */
function get(url: string, onData?: (received: number) => void): Promise<GetResult> {
  return new Promise(resolve => {
    const chunks: Buffer[] = []
    let received = 0
    const req = http.get(url, { agent: false }, res => {
      res.on('data', (c: Buffer) => {
        chunks.push(c)
        received += c.length
        onData?.(received)
      })
      res.on('error', () => undefined)
      res.on('close', () =>
        resolve({
          status: res.statusCode,
          headers: res.headers,
          body: Buffer.concat(chunks),
          complete: res.complete
        })
      )
    })
    req.on('error', e =>
      resolve({ body: Buffer.concat(chunks), complete: false, error: e.message })
    )
  })
}

interface OpsRun {
  code: number | null
  stdout: string
  stderr: string
}

let opsBin = ''

/** Runs the double (the rendered 0.1.46 `ops`, executed directly) with a clean environment. */
function runOps(
  args: string[],
  opts: { cwd: string; env?: Record<string, string | undefined>; bin?: string; viaNode?: boolean }
): Promise<OpsRun> {
  const env: Record<string, string> = {}
  for (const k of ['PATH', 'LANG', 'TMPDIR']) if (process.env[k]) env[k] = process.env[k] as string
  for (const [k, v] of Object.entries(opts.env ?? {})) if (v !== undefined) env[k] = v
  const bin = opts.bin ?? opsBin
  const child = opts.viaNode
    ? spawn(process.execPath, [bin, ...args], { cwd: opts.cwd, env })
    : spawn(bin, args, { cwd: opts.cwd, env })
  const out: Buffer[] = []
  const err: Buffer[] = []
  child.stdout.on('data', (c: Buffer) => out.push(c))
  child.stderr.on('data', (c: Buffer) => err.push(c))
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', code =>
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8')
      })
    )
  })
}

/**
 * A loopback proxy that refuses at once, as the action sets for ops: through it, the double's
 * latest.txt lookup fails fast ("version lookup failed, using local."). setup() puts it in every
 * test's environment; a test that wants no proxy sets HTTPS_PROXY to undefined.
 */
let refusingProxy = ''
let refusingServer: net.Server | undefined

beforeAll(async () => {
  refusingServer = net.createServer(socket => socket.destroy())
  await new Promise<void>(resolve => refusingServer?.listen(0, '127.0.0.1', resolve))
  refusingProxy = `http://127.0.0.1:${(refusingServer.address() as net.AddressInfo).port}`
})

afterAll(async () => {
  await new Promise<void>(resolve =>
    refusingServer ? refusingServer.close(() => resolve()) : resolve()
  )
})

interface Ctx {
  ws: string
  opsParent: string
  opsHome: string
  home: string
  userHome: string
  env: Record<string, string>
}

/** A workspace with target/release/my_prover, an ops home seeded with Nanos 0.1.54, clean homes. */
function setup(seed: Parameters<typeof seedOpsHome>[1] | null = {}): Ctx {
  const ws = makeWorkspace().dir
  const opsParent = makeTempDir('nia-opsparent-')
  const opsHome = seed === null ? path.join(opsParent, '.ops') : seedOpsHome(opsParent, seed)
  const home = makeTempDir('nia-home-')
  const userHome = makeTempDir('nia-userhome-')
  return {
    ws,
    opsParent,
    opsHome,
    home,
    userHome,
    env: {
      HOME: home,
      OPS_HOME: opsParent,
      OPS_DOUBLE_USER_HOME: userHome,
      HTTPS_PROXY: refusingProxy,
      HTTP_PROXY: refusingProxy
    }
  }
}

interface LookupRun {
  /** Still running 700 ms after its log line: killed (a lookup that never returns). */
  hung: boolean
  stdout: string
  /** The invocation's OPS_DOUBLE_LOG line. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  line: any
}

/** Runs the double until it exits or, having logged its lookup, is still running 700 ms later. */
async function lookupRun(
  c: Ctx,
  args: string[],
  extra: Record<string, string | undefined> = {}
): Promise<LookupRun> {
  const log = path.join(makeTempDir('nia-lookup-'), 'ops.log')
  const env: Record<string, string> = { PATH: process.env.PATH ?? '' }
  for (const [k, v] of Object.entries({ ...c.env, OPS_DOUBLE_LOG: log, ...extra }))
    if (v !== undefined) env[k] = v
  const child = spawn(opsBin, args, { cwd: c.ws, env })
  const out: Buffer[] = []
  child.stdout.on('data', (d: Buffer) => out.push(d))
  let exited = false
  const closed = new Promise<void>(resolve =>
    child.on('close', () => {
      exited = true
      resolve()
    })
  )
  const logged = (): boolean => fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes('\n')
  while (!exited && !logged()) await new Promise(r => setTimeout(r, 20))
  if (!exited) await Promise.race([closed, new Promise(r => setTimeout(r, 700))])
  const hung = !exited
  child.kill('SIGKILL')
  await closed
  return {
    hung,
    stdout: Buffer.concat(out).toString('utf8'),
    line: JSON.parse(fs.readFileSync(log, 'utf8').trim().split('\n')[0])
  }
}

function writeJson(file: string, value: unknown): string {
  writeFile(file, JSON.stringify(value))
  return file
}

const IMAGE_LINE = /^Bootable image file:(.*)$/m

function imageLine(stdout: string): string | undefined {
  return IMAGE_LINE.exec(stdout)?.[1]
}

afterAll(() => {
  cleanupTempDirs()
  cleanupAllRuns()
})

beforeAll(() => {
  opsBin = installOpsDouble(makeTempDir('nia-opsbin-'), '0.1.46')
})

// ---------------------------------------------------------------------------------------------
// tar helpers
// ---------------------------------------------------------------------------------------------

describe('tar helpers', () => {
  it('is deterministic and readable by the system tar when there is one', () => {
    const entries = [
      { name: 'klibs', type: 'dir' as const },
      { name: 'klibs/ntp', data: 'ntp' },
      { name: 'kernel.img', data: 'k' }
    ]
    const a = makeTarGz(entries)
    expect(a.equals(makeTarGz(entries))).toBe(true)
    expect(parseTarGz(a).map(e => e.name)).toEqual(['klibs/', 'klibs/ntp', 'kernel.img'])
    if (spawnSync('tar', ['--version']).status !== 0) return
    const dir = makeTempDir('nia-tar-')
    fs.writeFileSync(path.join(dir, 'a.tar.gz'), a)
    fs.mkdirSync(path.join(dir, 'out'))
    const x = spawnSync('tar', ['-xzf', path.join(dir, 'a.tar.gz'), '-C', path.join(dir, 'out')])
    expect(x.status).toBe(0)
    expect(fs.readFileSync(path.join(dir, 'out/klibs/ntp'), 'utf8')).toBe('ntp')
    expect(fs.readFileSync(path.join(dir, 'out/kernel.img'), 'utf8')).toBe('k')
  })
})

// ---------------------------------------------------------------------------------------------
// mirror
// ---------------------------------------------------------------------------------------------

describe('mirror', () => {
  let mirror: Mirror
  beforeAll(async () => {
    mirror = await startMirror()
  })
  afterAll(async () => {
    await mirror.close()
  })
  beforeEach(() => {
    mirror.clearFaults()
    mirror.resetRequests()
  })

  it('serves each Ops version with its own bytes and a bare md5 file', async () => {
    const seen = new Set<string>()
    for (const v of ['0.1.45', '0.1.46']) {
      for (const os of ['linux', 'darwin'] as const) {
        for (const arch of ['amd64', 'arm64'] as const) {
          const bin = await get(mirror.urlOf(opsBinaryPath(v, os, arch)))
          const sum = await get(mirror.urlOf(opsMd5Path(v, os, arch)))
          expect(bin.status).toBe(200)
          expect(sum.status).toBe(200)
          expect(sum.body.toString()).toBe(md5(bin.body) + '\n')
          expect(sum.body.toString()).toMatch(/^[0-9a-f]{32}\n$/)
          const text = bin.body.toString()
          expect(text.startsWith(`#!${process.execPath}\n`)).toBe(true)
          expect(text).toContain(`const RAW_VERSION = '${v}'`)
          expect(text).not.toContain(OPS_DOUBLE_PLACEHOLDER)
          seen.add(md5(bin.body))
        }
      }
    }
    expect(seen.size).toBe(2)
    expect(mirror.urlOf(opsMd5Path('0.1.46', 'linux', 'arm64'))).toMatch(
      /\/cli\/linux\/aarch64\/release\/0\.1\.46\/ops-linux-aarch64-0\.1\.46\.md5$/
    )
    const latest = await get(mirror.urlOf(opsLatestPath()))
    expect(latest.body.equals(mirror.opsBinary('0.1.46'))).toBe(true)
    expect((await get(mirror.urlOf('/cli/linux/aarch64/ops'))).status).toBe(200)
    expect((await get(mirror.urlOf('/cli/linux/ops.md5'))).status).toBe(403)
  })

  it('serves Nanos releases with entries at the root, latest.txt and the common files', async () => {
    expect((await get(mirror.urlOf(NANOS_LATEST_PATH))).body.toString()).toBe('0.1.54\n')
    for (const v of ['0.1.53', '0.1.54']) {
      const res = await get(mirror.urlOf(`/nanos/release/${v}/nanos-release-linux-${v}.tar.gz`))
      expect(res.status).toBe(200)
      const entries = parseTarGz(res.body)
      const names = entries.map(e => e.name)
      expect(names).toEqual(
        expect.arrayContaining([
          'kernel.img',
          'boot.img',
          'bootx64.efi',
          'klibs/',
          'klibs/gpu_nvidia',
          'klibs/ntp',
          'klibs/strace',
          'klibs/tls'
        ])
      )
      expect(names.every(n => !n.startsWith('./') && !n.startsWith('/'))).toBe(true)
      const kernel = entries.find(e => e.name === 'kernel.img')
      expect(kernel?.data.equals(kernelImage(v))).toBe(true)
      expect(kernel?.data.toString()).toContain(v)
      const arm = parseTarGz((await get(mirror.urlOf(nanosReleasePath(v, 'arm64')))).body)
      expect(arm.find(e => e.name === 'kernel.img')?.data.toString()).toContain(`${v} arm64`)
    }
    const common = parseTarGz((await get(mirror.urlOf(COMMON_PATH))).body)
    expect(common.map(e => e.name)).toEqual(
      expect.arrayContaining(['ca-certificates.crt', 'libnss_dns.so.2'])
    )
  })

  it('answers 403 with an XML body for missing objects, like Cloud Storage', async () => {
    for (const p of [
      '/cli/linux/release/9.9.9/ops',
      '/nanos/release/0.1.99/nanos-release-linux-0.1.99.tar.gz',
      '/'
    ]) {
      const res = await get(mirror.urlOf(p))
      expect(res.status).toBe(403)
      expect(res.body.toString()).toContain('<Code>AccessDenied</Code>')
      expect(res.headers?.['content-type']).toMatch(/xml/)
    }
  })

  it('injects a status for the next N requests, then behaves normally', async () => {
    mirror.fault(NANOS_LATEST_PATH, { status: 503, times: 2 })
    expect((await get(mirror.urlOf(NANOS_LATEST_PATH))).status).toBe(503)
    expect((await get(mirror.urlOf(NANOS_LATEST_PATH))).status).toBe(503)
    expect((await get(mirror.urlOf(NANOS_LATEST_PATH))).status).toBe(200)
    mirror.fault('/nanos/release/*', { status: 404 })
    const a = await get(mirror.urlOf(nanosReleasePath('0.1.53')))
    const b = await get(mirror.urlOf(nanosReleasePath('0.1.54')))
    expect([a.status, b.status]).toEqual([404, 404])
    expect((await get(mirror.urlOf(COMMON_PATH))).status).toBe(200)
    mirror.fault('/nanos/release/*', null)
    expect((await get(mirror.urlOf(nanosReleasePath('0.1.54')))).status).toBe(200)
    expect(
      mirror
        .requests()
        .filter(r => r.fault)
        .map(r => r.fault)
    ).toEqual(['status 503', 'status 503', 'status 404', 'status 404'])
  })

  it('drops the socket before or after the headers', async () => {
    const p = opsBinaryPath('0.1.46')
    mirror.fault(p, { drop: 'before-headers', times: 1 })
    const before = await get(mirror.urlOf(p))
    expect(before.status).toBeUndefined()
    expect(before.error).toBeDefined()
    mirror.fault(p, { drop: 'after-headers', times: 1 })
    const after = await get(mirror.urlOf(p))
    expect(after.status).toBe(200)
    expect(after.complete).toBe(false)
    expect(after.body.length).toBe(0)
    expect((await get(mirror.urlOf(p))).complete).toBe(true)
  })

  it('corrupts bodies keeping their length, and truncates them', async () => {
    const p = opsBinaryPath('0.1.45')
    const good = mirror.opsBinary('0.1.45')
    mirror.fault(p, { corrupt: true, times: 1 })
    const bad = await get(mirror.urlOf(p))
    expect(bad.status).toBe(200)
    expect(bad.complete).toBe(true)
    expect(bad.body.length).toBe(good.length)
    expect(md5(bad.body)).not.toBe(md5(good))
    mirror.fault(p, { truncate: 100, times: 1 })
    const cut = await get(mirror.urlOf(p))
    expect(cut.status).toBe(200)
    expect(Number(cut.headers?.['content-length'])).toBe(good.length)
    expect(cut.complete).toBe(false)
    expect(cut.body.length).toBe(100)
    expect(cut.body.equals(good.subarray(0, 100))).toBe(true)
  })

  it('takes faults at start, stalls bodies, and closes without hanging on stalled sockets', async () => {
    const p = nanosReleasePath('0.1.54')
    const m = await startMirror({ faults: { [p]: { stall: 10 } } })
    const full = m.object(p)
    expect(full).toBeDefined()
    let pending: Promise<GetResult> | undefined
    const gotTen = new Promise<void>(resolve => {
      pending = get(m.urlOf(p), n => {
        if (n >= 10) resolve()
      })
    })
    await gotTen
    await m.close()
    const res = await (pending as Promise<GetResult>)
    expect(res.status).toBe(200)
    expect(res.complete).toBe(false)
    expect(res.body.length).toBe(10)
    expect(m.requests()[0]).toEqual(expect.objectContaining({ fault: 'stall', bytes: 10 }))
  })
})

// ---------------------------------------------------------------------------------------------
// fixtures
// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// the ops double
// ---------------------------------------------------------------------------------------------

describe('ops double: environment and home', () => {
  it('prints versions and runs both as the raw script and as the rendered binary', async () => {
    const c = setup()
    const r = await runOps(['version'], { cwd: c.ws, env: c.env })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('Ops version: 0.1.46\nNanos version: 0.1.54\n')
    const raw = await runOps(['version'], {
      cwd: c.ws,
      env: c.env,
      bin: OPS_DOUBLE_PATH,
      viaNode: true
    })
    expect(raw.stdout).toContain('Ops version: 0.0.0-double')
  })

  it('treats OPS_HOME as the PARENT of .ops and creates the state dirs there', async () => {
    const c = setup()
    const r = await runOps(['version'], { cwd: c.ws, env: c.env })
    expect(r.code).toBe(0)
    for (const d of ['images', 'instances', 'manifests', 'volumes']) {
      expect(fs.statSync(path.join(c.opsParent, '.ops', d)).isDirectory()).toBe(true)
    }
    expect(fs.existsSync(path.join(c.home, '.ops'))).toBe(false)
    expect(fs.existsSync(path.join(c.opsParent, 'images'))).toBe(false)
  })

  it('uses $HOME/.ops without OPS_HOME', async () => {
    const c = setup()
    seedOpsHome(c.home)
    const r = await runOps(['build', 'target/release/my_prover'], {
      cwd: c.ws,
      env: { ...c.env, OPS_HOME: undefined }
    })
    expect(r.code).toBe(0)
    expect(imageLine(r.stdout)).toBe(path.join(c.home, '.ops', 'images', 'my_prover'))
  })

  it('reads OPS_DOUBLE_LATEST_URL from a loopback mirror directly, past the proxy, like Go', async () => {
    const c = setup()
    const off = await runOps(['version'], { cwd: c.ws, env: c.env })
    expect(off.stdout).toContain('\x1b[1;33mversion lookup failed, using local.')
    const m = await startMirror()
    try {
      const on = await runOps(['build', 'target/release/my_prover'], {
        cwd: c.ws,
        env: { ...c.env, OPS_DOUBLE_LATEST_URL: m.urlOf(NANOS_LATEST_PATH) }
      })
      expect(on.code).toBe(0)
      expect(on.stdout).not.toContain('version lookup failed')
      expect(m.count(NANOS_LATEST_PATH)).toBe(1)
      expect(readDoubleImage(imageLine(on.stdout) as string).record.latestLookup).toBe('0.1.54')
    } finally {
      await m.close()
    }
  })

  it('looks up the real latest.txt on every command; with no proxy it hangs, logged at once', async () => {
    const c = setup()
    for (const args of [['version'], ['build', 'target/release/my_prover'], ['update']]) {
      const r = await lookupRun(c, args, { HTTPS_PROXY: undefined, HTTP_PROXY: undefined })
      // still running well after it logged the direct connection: killed, never answered
      expect(r.hung).toBe(true)
      expect(r.line).toEqual(
        expect.objectContaining({
          argv: args,
          exit: null,
          hang: 'lookup',
          lookup: {
            url: 'https://storage.googleapis.com/nanos/release/latest.txt',
            proxy: null,
            connect: 'storage.googleapis.com:443',
            outcome: 'swallowed'
          }
        })
      )
    }
    expect(fs.readdirSync(path.join(c.opsHome, 'images'))).toEqual([])
  })

  it('goes through HTTPS_PROXY with CONNECT storage.googleapis.com:443 and fails fast when refused', async () => {
    const c = setup()
    const refused = await lookupRun(c, ['version'])
    expect(refused.hung).toBe(false)
    expect(refused.stdout).toContain('version lookup failed, using local.')
    expect(refused.line.lookup).toEqual(
      expect.objectContaining({
        url: 'https://storage.googleapis.com/nanos/release/latest.txt',
        proxy: refusingProxy,
        connect: refusingProxy.replace('http://', ''),
        outcome: 'failed'
      })
    )
    // A proxy that reads the request first: it sees the CONNECT of the real host.
    const seen: string[] = []
    const recording = net.createServer(socket => {
      socket.once('data', d => {
        seen.push(d.toString('latin1').split('\r\n')[0])
        socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n')
      })
    })
    await new Promise<void>(resolve => recording.listen(0, '127.0.0.1', resolve))
    try {
      const proxy = `http://127.0.0.1:${(recording.address() as net.AddressInfo).port}`
      // lower case is read when the upper-case variable is empty or unset, as in Go
      const r = await lookupRun(c, ['version'], { HTTPS_PROXY: '', https_proxy: proxy })
      expect(r.stdout).toContain('version lookup failed, using local.')
      expect(r.line.lookup).toEqual(expect.objectContaining({ proxy, outcome: 'failed' }))
      expect(seen).toEqual(['CONNECT storage.googleapis.com:443 HTTP/1.1'])
    } finally {
      recording.close()
    }
  })

  it.each([
    ['NO_PROXY naming the host', 'direct', { NO_PROXY: 'storage.googleapis.com' }],
    ['NO_PROXY naming its domain', 'direct', { NO_PROXY: 'example.org, googleapis.com' }],
    ['no_proxy (lower case) with a leading dot', 'direct', { no_proxy: '.googleapis.com' }],
    ['NO_PROXY *', 'direct', { NO_PROXY: '*' }],
    [
      'a NO_PROXY ".host" (subdomains only)',
      'to the proxy',
      { NO_PROXY: '.storage.googleapis.com' }
    ],
    [
      'a NO_PROXY entry for another port',
      'to the proxy',
      { NO_PROXY: 'storage.googleapis.com:80' }
    ],
    ['HTTP_PROXY only (the URL is https)', 'direct', { HTTPS_PROXY: undefined }],
    ['a proxy that is not on this machine', 'nowhere', { HTTPS_PROXY: 'http://192.0.2.1:3128' }]
  ])('with %s the lookup goes %s', async (_what, how, extra) => {
    const c = setup()
    const r = await lookupRun(c, ['version'], extra)
    if (how === 'to the proxy') {
      expect(r.hung).toBe(false)
      expect(r.line.lookup).toEqual(
        expect.objectContaining({ proxy: refusingProxy, outcome: 'failed' })
      )
    } else {
      expect(r.hung).toBe(true)
      expect(r.line.lookup).toEqual(
        expect.objectContaining({
          proxy: how === 'nowhere' ? 'http://192.0.2.1:3128' : null,
          connect: how === 'nowhere' ? '192.0.2.1:3128' : 'storage.googleapis.com:443',
          outcome: 'swallowed'
        })
      )
    }
  })

  it('fails with "No local build found." offline without <opshome>/latest.txt', async () => {
    const c = setup({ latest: null })
    for (const args of [
      ['version'],
      ['build', 'target/release/my_prover', '--nanos-version', '0.1.54']
    ]) {
      const r = await runOps(args, { cwd: c.ws, env: c.env })
      expect(r.code).toBe(1)
      expect(r.stdout).toContain('No local build found.')
    }
  })

  it('refuses `ops update` loudly and rejects unknown subcommands', async () => {
    const c = setup()
    const up = await runOps(['update'], { cwd: c.ws, env: c.env })
    expect(up.code).toBe(3)
    expect(up.stderr).toContain('ops update')
    const other = await runOps(['run', 'x'], { cwd: c.ws, env: c.env })
    expect(other.code).toBe(1)
  })
})

describe('ops double: build', () => {
  it('builds, colours its logs and prints "Bootable image file:<abs path>"', async () => {
    const c = setup()
    const r = await runOps(['build', './target/release/my_prover', '--nanos-version', '0.1.54'], {
      cwd: c.ws,
      env: c.env
    })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('\x1b[1;32m')
    const img = imageLine(r.stdout)
    expect(img).toBe(path.join(c.opsHome, 'images', 'my_prover'))
    expect(isDoubleImage(img as string)).toBe(true)
    const { record } = readDoubleImage(img as string)
    const bin = fs.readFileSync(path.join(c.ws, 'target/release/my_prover'))
    expect(record.program).toEqual(
      expect.objectContaining({
        imagePath: '/target/release/my_prover',
        hostPath: path.join(c.ws, 'target/release/my_prover'),
        size: bin.length,
        sha256: sha256(bin)
      })
    )
    expect(record.nanosVersion).toBe('0.1.54')
    expect(record.kernelSha256).toBe(sha256(kernelImage('0.1.54')))
    expect(record.env).toEqual(
      expect.objectContaining({
        USER: 'root',
        PWD: '/',
        OPS_VERSION: '0.1.46',
        NANOS_VERSION: '0.1.54',
        NANOS_ARCH: 'amd64',
        IMAGE_NAME: 'my_prover'
      })
    )
    expect(record.opsHome).toBe(c.opsHome)
    expect(record.cwd).toBe(c.ws)
  })

  it('keeps only the text before the first "." of -i', async () => {
    const c = setup()
    const r = await runOps(['build', 'target/release/my_prover', '-i', 'prover.img'], {
      cwd: c.ws,
      env: c.env
    })
    expect(imageLine(r.stdout)).toBe(path.join(c.opsHome, 'images', 'prover'))
    expect(fs.existsSync(path.join(c.opsHome, 'images', 'prover'))).toBe(true)
    expect(fs.existsSync(path.join(c.opsHome, 'images', 'prover.img'))).toBe(false)
    const r2 = await runOps(['build', 'target/release/my_prover', '--imagename=dir/a.b.c'], {
      cwd: c.ws,
      env: c.env
    })
    expect(imageLine(r2.stdout)).toBe(path.join(c.opsHome, 'images', 'a'))
  })

  it('lets JSON Program replace the positional path, opened relative to the cwd', async () => {
    const c = setup()
    const cfg = writeJson(path.join(c.ws, 'm.json'), { Program: 'my_prover' })
    const r = await runOps(['build', './target/release/my_prover', '-c', cfg], {
      cwd: c.ws,
      env: c.env
    })
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('open my_prover: no such file or directory')
    expect(imageLine(r.stdout)).toBeUndefined()
    writeElf(path.join(c.ws, 'my_prover'), { seed: 'other' })
    const ok = await runOps(['build', './target/release/my_prover', '-c', cfg], {
      cwd: c.ws,
      env: c.env
    })
    expect(ok.code).toBe(0)
    const { record } = readDoubleImage(imageLine(ok.stdout) as string)
    expect(record.program.imagePath).toBe('/my_prover')
    expect(record.program.hostPath).toBe(path.join(c.ws, 'my_prover'))
    expect(record.name).toBe('my_prover')
    expect(record.args[0]).toBe('my_prover')
  })

  it('reads Files relative to the cwd, a leading "/" included, and Dirs as ops walks them', async () => {
    const c = setup()
    writeFile(path.join(c.ws, 'lib/x/libdl.so.2'), 'libdl')
    writeFile(path.join(c.ws, 'assets/a.txt'), 'A')
    writeFile(path.join(c.ws, 'assets/sub/b.txt'), 'B')
    const cfg = writeJson(path.join(c.ws, 'm.json'), {
      Files: ['/lib/x/libdl.so.2'],
      Dirs: ['assets']
    })
    const r = await runOps(['build', 'target/release/my_prover', '-c', cfg], {
      cwd: c.ws,
      env: c.env
    })
    expect(r.code).toBe(0)
    const { record } = readDoubleImage(imageLine(r.stdout) as string)
    expect(record.files).toEqual([
      expect.objectContaining({
        imagePath: '/lib/x/libdl.so.2',
        hostPath: path.join(c.ws, 'lib/x/libdl.so.2'),
        sha256: sha256('libdl')
      })
    ])
    expect(record.dirs.map(d => [d.imagePath, d.type])).toEqual([
      ['/assets', 'dir'],
      ['/assets/a.txt', 'file'],
      ['/assets/sub', 'dir'],
      ['/assets/sub/b.txt', 'file']
    ])
    // a file that exists only at the absolute host path is NOT found: ops reads <cwd>//etc/...
    writeJson(cfg, { Files: ['/etc/hostname-does-not-exist-in-ws'] })
    const miss = await runOps(['build', 'target/release/my_prover', '-c', cfg], {
      cwd: c.ws,
      env: c.env
    })
    expect(miss.code).toBe(1)
    expect(miss.stdout).toContain(
      `failed building manifest: file "${c.ws}//etc/hostname-does-not-exist-in-ws" is missing`
    )
    expect(imageLine(miss.stdout)).toBeUndefined()
    // but a Dirs entry is walked as written: an absolute one on the host, not below the cwd
    const outside = makeTempDir('nia-outside-')
    writeFile(path.join(outside, 'o.txt'), 'outside')
    writeFile(path.join(c.ws, outside.slice(1), 'in-ws.txt'), 'inside')
    writeJson(cfg, { Dirs: [outside] })
    const abs = await runOps(['build', 'target/release/my_prover', '-c', cfg], {
      cwd: c.ws,
      env: c.env
    })
    expect(abs.code).toBe(0)
    expect(readDoubleImage(imageLine(abs.stdout) as string).record.dirs).toEqual([
      expect.objectContaining({ imagePath: outside, type: 'dir', hostPath: outside }),
      expect.objectContaining({
        imagePath: `${outside}/o.txt`,
        hostPath: path.join(outside, 'o.txt'),
        sha256: sha256('outside')
      })
    ])
    writeJson(cfg, { Dirs: ['nope'] })
    expect(
      (await runOps(['build', 'target/release/my_prover', '-c', cfg], { cwd: c.ws, env: c.env }))
        .code
    ).toBe(1)
  })

  it('stores symlinks met in Dirs as links, the entry itself included', async () => {
    const c = setup()
    const real = makeTempDir('nia-real-')
    writeFile(path.join(real, 'lib.so'), 'real')
    fs.symlinkSync(real, path.join(c.ws, 'staged'))
    fs.mkdirSync(path.join(c.ws, 'tree'))
    fs.symlinkSync(path.join(real, 'lib.so'), path.join(c.ws, 'tree', 'lib.so'))
    const cfg = writeJson(path.join(c.ws, 'm.json'), { Dirs: ['staged', 'tree'] })
    const r = await runOps(['build', 'target/release/my_prover', '-c', cfg], {
      cwd: c.ws,
      env: c.env
    })
    expect(r.code).toBe(0)
    const { record } = readDoubleImage(imageLine(r.stdout) as string)
    expect(record.dirs).toEqual([
      expect.objectContaining({ imagePath: '/staged', type: 'symlink', target: real }),
      expect.objectContaining({ imagePath: '/tree', type: 'dir' }),
      expect.objectContaining({
        imagePath: '/tree/lib.so',
        type: 'symlink',
        target: path.join(real, 'lib.so')
      })
    ])
    expect(record.dirs.some(d => d.sha256 === sha256('real'))).toBe(false)
  })

  it('pre-loads OPS_DEFAULT_CONFIG and merges -c over it (maps key-wise, others replaced)', async () => {
    const c = setup()
    const defaults = writeJson(path.join(c.opsParent, 'defaults.json'), {
      Env: { A: 'default', B: 'default' },
      Args: ['--from-defaults'],
      Klibs: ['ntp'],
      SomethingUnknown: true // json.Unmarshal of defaults ignores unknown keys
    })
    const cfg = writeJson(path.join(c.ws, 'm.json'), { Env: { B: 'config' }, Klibs: ['tls'] })
    const r = await runOps(['build', 'target/release/my_prover', '-c', cfg], {
      cwd: c.ws,
      env: { ...c.env, OPS_DEFAULT_CONFIG: defaults }
    })
    expect(r.code).toBe(0)
    const { record } = readDoubleImage(imageLine(r.stdout) as string)
    expect(record.env).toEqual(expect.objectContaining({ A: 'default', B: 'config' }))
    expect(record.args).toEqual(['target/release/my_prover', '--from-defaults'])
    expect(record.klibs.loaded).toEqual(['tls'])
    expect(record.defaultsSource).toBe(defaults)
  })

  it('reads .opsrc from the user-database home (OPS_DOUBLE_USER_HOME), not $HOME', async () => {
    const c = setup()
    writeJson(path.join(c.userHome, '.opsrc'), { Env: { FROM_OPSRC: '1' } })
    writeJson(path.join(c.home, '.opsrc'), { Env: { FROM_HOME: '1' } })
    const r = await runOps(['build', 'target/release/my_prover'], { cwd: c.ws, env: c.env })
    const { record } = readDoubleImage(imageLine(r.stdout) as string)
    expect(record.env.FROM_OPSRC).toBe('1')
    expect(record.env.FROM_HOME).toBeUndefined()
    const empty = writeJson(path.join(c.opsParent, 'empty.json'), {})
    const r2 = await runOps(['build', 'target/release/my_prover'], {
      cwd: c.ws,
      env: { ...c.env, OPS_DEFAULT_CONFIG: empty }
    })
    expect(readDoubleImage(imageLine(r2.stdout) as string).record.env.FROM_OPSRC).toBeUndefined()
  })

  it('expands $VARS in the config only with ops_render_config=true', async () => {
    const c = setup()
    const cfg = path.join(c.ws, 'm.json')
    writeFile(cfg, '{"Env": {"T": "$TOKEN", "U": "${TOKEN}x", "P": "a$b", "D": "$$"}}')
    const env = { ...c.env, TOKEN: 's3cr' }
    const on = await runOps(['build', 'target/release/my_prover', '-c', cfg], {
      cwd: c.ws,
      env: { ...env, ops_render_config: 'true' }
    })
    expect(readDoubleImage(imageLine(on.stdout) as string).record.env).toEqual(
      expect.objectContaining({ T: 's3cr', U: 's3crx', P: 'a', D: '' })
    )
    const off = await runOps(['build', 'target/release/my_prover', '-c', cfg], { cwd: c.ws, env })
    expect(readDoubleImage(imageLine(off.stdout) as string).record.env).toEqual(
      expect.objectContaining({ T: '$TOKEN', U: '${TOKEN}x', P: 'a$b', D: '$$' })
    )
  })

  it('matches config keys case-insensitively', async () => {
    const c = setup()
    const cfg = writeJson(path.join(c.ws, 'm.json'), {
      env: { LOWER: '1' },
      PROGRAM: 'target/release/my_prover'
    })
    const r = await runOps(['build', 'target/release/my_prover', '-c', cfg], {
      cwd: c.ws,
      env: c.env
    })
    expect(r.code).toBe(0)
    expect(readDoubleImage(imageLine(r.stdout) as string).record.env.LOWER).toBe('1')
  })

  it.each([
    [{ Runtime: 'x' }, 'json: unknown field "Runtime"'],
    [
      { Env: { A: 1 } },
      'json: cannot unmarshal number into Go struct field Config.Env of type string'
    ],
    [
      { Args: 'x' },
      'json: cannot unmarshal string into Go struct field Config.Args of type []string'
    ],
    [
      { RebootOnExit: 'true' },
      'json: cannot unmarshal string into Go struct field Config.RebootOnExit of type bool'
    ],
    // nested structs are decoded as strictly (types.RunConfig, types.ProviderConfig, ...)
    [{ RunConfig: { Foo: 1 } }, 'json: unknown field "Foo"'],
    [{ RunConfig: { VirtfsShares: {} } }, 'json: unknown field "VirtfsShares"'], // json:"-"
    [{ CloudConfig: { Tags: [{ Colour: 'x' }] } }, 'json: unknown field "Colour"'],
    [
      { RunConfig: { CPUs: '2' } },
      'json: cannot unmarshal string into Go struct field RunConfig.RunConfig.CPUs of type int'
    ],
    [
      { RunConfig: { CPUs: 1.5 } },
      'json: cannot unmarshal number 1.5 into Go struct field RunConfig.RunConfig.CPUs of type int'
    ],
    [
      { RunConfig: { Memory: 2048 } },
      'json: cannot unmarshal number into Go struct field RunConfig.RunConfig.Memory of type string'
    ],
    [
      { RunConfig: 'x' },
      'json: cannot unmarshal string into Go struct field Config.RunConfig of type types.RunConfig'
    ],
    [
      { CloudConfig: { Tags: [{ key: 1 }] } },
      'json: cannot unmarshal number into Go struct field Tag.CloudConfig.Tags.key of type string'
    ],
    [
      { CloudConfig: { RootVolume: { size: '8' } } },
      'json: cannot unmarshal string into Go struct field CloudVolume.CloudConfig.RootVolume.size of type int64'
    ],
    [
      { Program: 1 },
      'json: cannot unmarshal number into Go struct field Config.Program of type string'
    ],
    [
      { TargetConfig: { Zone: true } },
      'json: cannot unmarshal bool into Go struct field Config.TargetConfig of type string'
    ],
    [
      { Force: 'yes' },
      'json: cannot unmarshal string into Go struct field Config.Force of type bool'
    ],
    [{ NameServer: '8.8.8.8' }, 'json: unknown field "NameServer"'], // only NameServers now
    [{ Runtime: 'x', Env: { A: 1 } }, 'json: unknown field "Runtime"'] // the first error wins
  ])('an unparseable config (%j) exits 0 with no image', async (config, message) => {
    const c = setup()
    const cfg = writeJson(path.join(c.ws, 'm.json'), config)
    const r = await runOps(['build', 'target/release/my_prover', '-c', cfg], {
      cwd: c.ws,
      env: c.env
    })
    expect(r.code).toBe(0)
    // cobra prints the error of ops's PersistentPreRunE on stderr, before the usage
    expect(r.stderr).toContain(`Error: failed converting configuration file: ${message}`)
    expect(r.stderr.indexOf('Error:')).toBeLessThan(r.stderr.indexOf('Usage:'))
    expect(r.stdout).not.toContain('Error:')
    expect(imageLine(r.stdout)).toBeUndefined()
    expect(fs.readdirSync(path.join(c.opsHome, 'images'))).toEqual([])
  })

  it('decodes nested structs with the Go field types of ops-config-schema.json', async () => {
    const c = setup()
    const cfg = writeJson(path.join(c.ws, 'm.json'), {
      runconfig: { cpus: 2, imagename: 'nested', ThreadsPerCore: -1, Nics: [{ IPAddress: 'a' }] },
      cloudconfig: { Tags: [{ KEY: 'k', value: 'v', Attribute: { image_label: true } }] },
      // encoding/json folds keys like Go's unicode.ToUpper(ToLower(r)): long s matches s
      'Arg\u017f': ['--flag'],
      Home: '',
      TargetConfig: { Zone: 'z' }
    })
    const r = await runOps(['build', 'target/release/my_prover', '-c', cfg], {
      cwd: c.ws,
      env: c.env
    })
    expect(r.code).toBe(0)
    const { record } = readDoubleImage(imageLine(r.stdout) as string)
    expect(record.name).toBe('nested')
    expect(record.manifest).toEqual(
      expect.objectContaining({
        RunConfig: { CPUs: 2, ImageName: 'nested', ThreadsPerCore: -1, Nics: [{ IPAddress: 'a' }] },
        CloudConfig: { Tags: [{ Key: 'k', Value: 'v', Attribute: { ImageLabel: true } }] },
        Args: ['--flag'],
        Home: '',
        TargetConfig: { Zone: 'z' }
      })
    )
    expect(record.args).toEqual(['target/release/my_prover', '--flag'])
  })

  it('ignores unknown keys, nested ones included, in the pre-loaded defaults (json.Unmarshal)', async () => {
    const c = setup()
    const defaults = writeJson(path.join(c.opsParent, 'defaults.json'), {
      RunConfig: { Nope: 1, Memory: '1G' },
      Env: { D: '1' }
    })
    const r = await runOps(['build', 'target/release/my_prover'], {
      cwd: c.ws,
      env: { ...c.env, OPS_DEFAULT_CONFIG: defaults }
    })
    expect(r.code).toBe(0)
    const { record } = readDoubleImage(imageLine(r.stdout) as string)
    expect(record.manifest.RunConfig).toEqual({ Memory: '1G' })
    expect(record.env.D).toBe('1')
  })

  it('decodes with the schema file the mirror embeds, which comes from nanovms/ops', () => {
    const schema = JSON.parse(fs.readFileSync(OPS_CONFIG_SCHEMA_PATH, 'utf8')) as {
      source: { repository: string; files: string[] }
      structs: Record<string, { fields: { go: string; json: string; type: string }[] }>
    }
    expect(schema.source.repository).toBe('https://github.com/nanovms/ops')
    expect(schema.source.files).toEqual(['types/config.go'])
    const rendered = renderOpsDouble('0.1.46').toString('utf8')
    expect(rendered).not.toContain(OPS_SCHEMA_PLACEHOLDER)
    expect(rendered).toContain(JSON.stringify(schema))
    // every Go type named in a field is a scalar, a container or another struct of the file
    const structTypes = new Set(Object.keys(schema.structs).map(n => `types.${n}`))
    for (const { fields } of Object.values(schema.structs)) {
      for (const f of fields) {
        const base = f.type.replace(/^(\[\]|\*|map\[string\])+/, '')
        expect(
          ['string', 'bool', 'int', 'int64', 'interface {}'].includes(base) || structTypes.has(base)
        ).toBe(true)
      }
    }
  })

  it('reports JSON syntax errors the same way (exit 0, no image), with where ops found them', async () => {
    const c = setup()
    const cfg = path.join(c.ws, 'm.json')
    for (const [text, message] of [
      ['{"Env": {"A": "1"},', 'unexpected EOF'],
      // ops quotes 11 bytes from the bad one: past the file's end, os.ReadFile's spare zeros
      [
        '{"Env" "x"}',
        `invalid character '"' after object key ~ error near '"x"}${'\0'.repeat(7)}' (offset 8) line: 1`
      ],
      [
        '{\n  "Env": x\n}',
        `invalid character 'x' looking for beginning of value ~ error near 'x\n}${'\0'.repeat(8)}' (offset 12) line: 2`
      ],
      ['', 'EOF']
    ]) {
      writeFile(cfg, text)
      const r = await runOps(['build', 'target/release/my_prover', '-c', cfg], {
        cwd: c.ws,
        env: c.env
      })
      expect(r.code).toBe(0)
      expect(r.stderr).toContain(`Error: failed converting configuration file: ${message}\n`)
      expect(imageLine(r.stdout)).toBeUndefined()
    }
    // ... and beyond that spare capacity (a file of 512 bytes or more) ops panics
    writeFile(cfg, `{"Env": {${' '.repeat(600)}x}`)
    const big = await runOps(['build', 'target/release/my_prover', '-c', cfg], {
      cwd: c.ws,
      env: c.env
    })
    expect(big.code).toBe(2)
    expect(big.stderr).toContain(
      'panic: runtime error: slice bounds out of range [:620] with capacity 612'
    )
  })

  it('fails (exit 1) on a boolean, number or null ManifestPassthrough value, half-way through the image', async () => {
    const c = setup()
    for (const [value, shown] of [
      [true, '%!p(bool=true)'],
      [1, '%!p(float64=1)'],
      [1e6, '%!p(float64=1e+06)'],
      [123456, '%!p(float64=123456)'],
      [null, '%!p(<nil>)']
    ] as const) {
      const cfg = writeJson(path.join(c.ws, 'm.json'), {
        ManifestPassthrough: { readonly_rootfs: value }
      })
      const r = await runOps(['build', 'target/release/my_prover', '-c', cfg], {
        cwd: c.ws,
        env: c.env
      })
      expect(r.code).toBe(1)
      expect(r.stdout).toContain(
        `failed creating image file: cannot write root filesystem: unknown type of value ${shown}`
      )
      expect(imageLine(r.stdout)).toBeUndefined()
      // like ops, the image file is left behind without its partition table
      const img = fs.readFileSync(path.join(c.opsHome, 'images', 'my_prover'))
      expect(img.subarray(446, 510).every(b => b === 0)).toBe(true)
    }
    const cfg = writeJson(path.join(c.ws, 'm.json'), {
      ManifestPassthrough: { readonly_rootfs: 'true', list: ['a'], obj: { k: 'v' } }
    })
    const r = await runOps(['build', 'target/release/my_prover', '-c', cfg], {
      cwd: c.ws,
      env: c.env
    })
    expect(r.code).toBe(0)
    expect(readDoubleImage(imageLine(r.stdout) as string).record.passthrough).toEqual({
      readonly_rootfs: 'true',
      list: ['a'],
      obj: { k: 'v' }
    })
  })

  it('needs <opshome>/<V>/kernel.img for --nanos-version and ignores NanosVersion in the JSON', async () => {
    const c = setup()
    const r = await runOps(['build', 'target/release/my_prover', '--nanos-version', '0.1.53'], {
      cwd: c.ws,
      env: c.env
    })
    expect(r.code).toBe(1)
    expect(r.stdout).toContain("release '0.1.53' is not found")
    seedOpsHome(c.opsParent, { versions: ['0.1.53'], latest: '0.1.54' })
    const cfg = writeJson(path.join(c.ws, 'm.json'), {
      NanosVersion: '0.1.99',
      Kernel: '/nope/kernel.img'
    })
    const ok = await runOps(
      ['build', 'target/release/my_prover', '--nanos-version', '0.1.53', '-c', cfg],
      {
        cwd: c.ws,
        env: c.env
      }
    )
    expect(ok.code).toBe(0)
    const { record } = readDoubleImage(imageLine(ok.stdout) as string)
    expect(record.nanosVersion).toBe('0.1.53')
    expect(record.kernelSha256).toBe(sha256(kernelImage('0.1.53')))
    expect(record.manifest.Kernel).toBeUndefined()
  })

  it('without --nanos-version uses latest.txt and fails when that kernel is missing', async () => {
    const c = setup({ versions: ['0.1.53'], latest: '0.1.54' })
    const r = await runOps(['build', 'target/release/my_prover'], { cwd: c.ws, env: c.env })
    expect(r.code).toBe(1)
    fs.writeFileSync(path.join(c.opsHome, 'latest.txt'), '0.1.53')
    const ok = await runOps(['build', 'target/release/my_prover'], { cwd: c.ws, env: c.env })
    expect(ok.code).toBe(0)
    expect(readDoubleImage(imageLine(ok.stdout) as string).record.nanosVersion).toBe('0.1.53')
  })

  it('warns about a missing klib and still succeeds; KlibDir is relative to the cwd', async () => {
    const c = setup()
    writeFile(path.join(c.ws, 'myklibs/gpu_nvidia'), 'klib')
    const cfg = writeJson(path.join(c.ws, 'm.json'), {
      Klibs: ['gpu_nvidia', 'nope'],
      KlibDir: 'myklibs'
    })
    const r = await runOps(['build', 'target/release/my_prover', '-c', cfg], {
      cwd: c.ws,
      env: c.env
    })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('Klib "nope" not found in directory "myklibs"')
    const { record } = readDoubleImage(imageLine(r.stdout) as string)
    expect(record.klibs.loaded).toEqual(['gpu_nvidia'])
    expect(record.klibs.missing).toEqual(['nope'])
  })

  it('renumbers a %N mount label from %0 like ops >= 0.1.42', async () => {
    const c = setup()
    const cfg = writeJson(path.join(c.ws, 'm.json'), { Mounts: { '%1': '/workspace' } })
    const r = await runOps(['build', 'target/release/my_prover', '-c', cfg], {
      cwd: c.ws,
      env: c.env
    })
    expect(readDoubleImage(imageLine(r.stdout) as string).record.mounts).toEqual({
      given: { '%1': '/workspace' },
      image: { '%0': '/workspace' }
    })
  })

  it('accepts only ELF programs for the target architecture', async () => {
    const c = setup()
    writeScript(path.join(c.ws, 'run.sh'))
    const script = await runOps(['build', 'run.sh'], { cwd: c.ws, env: c.env })
    expect(script.code).toBe(1)
    // through Go's standard logger: a timestamp, on stderr
    expect(script.stderr).toMatch(
      /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d .*only ELF binaries are supported\. Is this a Linux binary\? run "file .*run\.sh" on it/m
    )
    // ops checks that the program is an ELF after Files: a missing file is reported first
    const missing = writeJson(path.join(c.ws, 'm.json'), { Files: ['nope'] })
    const both = await runOps(['build', 'run.sh', '-c', missing], { cwd: c.ws, env: c.env })
    expect(both.code).toBe(1)
    expect(both.stdout).toContain(`failed building manifest: file "${c.ws}/nope" is missing`)
    // 32-bit and big-endian ELF files pass (Go's debug/elf reads them)
    writeElf(path.join(c.ws, 'prover32'), { cls: 32, machine: 3 })
    expect((await runOps(['build', 'prover32'], { cwd: c.ws, env: c.env })).code).toBe(0)
    writeElf(path.join(c.ws, 'arm_prover'), { machine: 'aarch64' })
    const mixed = await runOps(['build', 'arm_prover'], { cwd: c.ws, env: c.env })
    expect(mixed.code).toBe(1)
    seedOpsHome(c.opsParent, { arch: 'arm64' })
    const arm = await runOps(['build', 'arm_prover', '--arch', 'arm64'], { cwd: c.ws, env: c.env })
    expect(arm.code).toBe(0)
    const { record } = readDoubleImage(imageLine(arm.stdout) as string)
    expect(record.arch).toBe('arm64')
    expect(record.kernelSha256).toBe(sha256(kernelImage('0.1.54', 'arm64')))
    const wrongArch = await runOps(['build', 'target/release/my_prover', '--arch', 'x86_64'], {
      cwd: c.ws,
      env: c.env
    })
    expect(wrongArch.code).toBe(1)
  })

  it('rejects flags it does not know, like cobra', async () => {
    const c = setup()
    for (const flag of ['--skipbuild', '--gpus=1', '-e']) {
      const r = await runOps(['build', 'target/release/my_prover', flag], { cwd: c.ws, env: c.env })
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(/^Error: unknown (shorthand )?flag/)
    }
  })
})

describe('ops double: failure injection', () => {
  const build = (c: Ctx, fail: string): Promise<OpsRun> =>
    runOps(['build', 'target/release/my_prover'], {
      cwd: c.ws,
      env: { ...c.env, OPS_DOUBLE_FAIL: fail }
    })
  const image = (c: Ctx): string => path.join(c.opsHome, 'images', 'my_prover')

  it('exit1: log.Fatal-like message on stdout, exit 1, no image', async () => {
    const c = setup()
    const r = await build(c, 'exit1')
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('injected failure')
    expect(imageLine(r.stdout)).toBeUndefined()
    expect(fs.existsSync(image(c))).toBe(false)
  })

  it('panic: Go-like panic and goroutine trace on stderr, exit 2', async () => {
    const c = setup()
    const r = await build(c, 'panic')
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/^panic: /)
    expect(r.stderr).toContain('goroutine 1 [running]:')
  })

  it('noimage: exit 0 without the image line or file', async () => {
    const c = setup()
    const r = await build(c, 'noimage')
    expect(r.code).toBe(0)
    expect(imageLine(r.stdout)).toBeUndefined()
    expect(fs.existsSync(image(c))).toBe(false)
  })

  it('missingfile: prints the image line but writes no file', async () => {
    const c = setup()
    const r = await build(c, 'missingfile')
    expect(r.code).toBe(0)
    expect(imageLine(r.stdout)).toBe(image(c))
    expect(fs.existsSync(image(c))).toBe(false)
  })

  it('hang: never exits until killed', async () => {
    const c = setup()
    const log = path.join(c.opsParent, 'ops.log')
    const child = spawn(opsBin, ['build', 'target/release/my_prover'], {
      cwd: c.ws,
      env: { PATH: process.env.PATH ?? '', ...c.env, OPS_DOUBLE_FAIL: 'hang', OPS_DOUBLE_LOG: log }
    })
    const closed = new Promise<number | null>(resolve => child.on('close', code => resolve(code)))
    while (!fs.existsSync(log) || !fs.readFileSync(log, 'utf8').includes('"hang":true')) {
      await new Promise(r => setTimeout(r, 20))
    }
    expect(child.exitCode).toBeNull()
    child.kill('SIGKILL')
    expect(await closed).toBeNull()
    expect(fs.existsSync(image(c))).toBe(false)
  })
})

// ---------------------------------------------------------------------------------------------
// dynamically linked programs (real gcc builds; see native.ts)
// ---------------------------------------------------------------------------------------------

describe('ops double: dynamically linked programs', () => {
  beforeAll(() => requireGcc())

  /** Builds with the double in c.ws and returns the run and, if any, the image record. */
  const buildIn = async (c: Ctx, program: string, extra: string[] = [], env = {}) => {
    // gcc builds for this machine: the image's architecture is the host's (amd64 by default)
    const arch = extra.includes('--arch') ? [] : ['--arch', hostArch()]
    seedOpsHome(c.opsParent, { arch: hostArch() })
    const r = await runOps(['build', program, ...arch, ...extra], {
      cwd: c.ws,
      env: { ...c.env, ...env }
    })
    const img = imageLine(r.stdout)
    return { r, record: img ? readDoubleImage(img).record : undefined }
  }

  it('lists the libraries with the loader (main never runs) and puts the interpreter and libc in the image', async () => {
    const c = setup()
    const marker = path.join(c.opsParent, 'main-ran')
    compileC(path.join(c.ws, 'bin/dyn'), markerProgram(marker))
    const { r, record } = await buildIn(c, 'bin/dyn')
    expect(r.code).toBe(0)
    expect(fs.existsSync(marker)).toBe(false)
    if (!record) throw new Error('no image')
    const interp = record.program.interp as string
    expect(interp).toMatch(/^\/.*ld-linux.*\.so\.\d$/)
    expect(record.program.needed).toEqual(['libc.so.6'])
    // the interpreter: at its own path, with the bytes of the file behind the link
    expect(record.interpreter).toEqual({
      elf: interp,
      imagePath: interp,
      hostPath: interp,
      size: fs.statSync(interp).size,
      sha256: sha256(fs.readFileSync(interp))
    })
    const libc = record.libraries.find(l => path.posix.basename(l.imagePath) === 'libc.so.6')
    expect(libc).toBeDefined()
    expect(libc?.imagePath).toBe(libc?.hostPath)
    expect(libc?.sha256).toBe(sha256(fs.readFileSync(toolchainLibrary('libc.so.6'))))
    expect(record.libraries.some(l => l.imagePath.includes('linux-vdso'))).toBe(false)
  })

  it('never runs a static program, and puts no library in its image', async () => {
    const c = setup()
    const marker = path.join(c.opsParent, 'main-ran')
    compileC(path.join(c.ws, 'static'), markerProgram(marker), { args: ['-static'] })
    const { r, record } = await buildIn(c, 'static')
    expect(r.code).toBe(0)
    expect(fs.existsSync(marker)).toBe(false)
    expect(record?.program).toEqual(expect.objectContaining({ interp: null, needed: [] }))
    expect(record?.interpreter).toBeNull()
    expect(record?.libraries).toEqual([])
    // the ELF fixtures have neither program headers nor sections: static too
    const fixture = await buildIn(c, 'target/release/my_prover', ['--arch', 'amd64'])
    expect(fixture.record?.libraries).toEqual([])
  })

  it('fails like ops on a library the loader cannot find, and writes no image', async () => {
    const c = setup()
    const libs = path.join(c.opsParent, 'libs')
    compileSharedLib(libs, 'answer', ANSWER_LIB)
    compileC(path.join(c.ws, 'needs'), answerProgram(path.join(c.opsParent, 'ran')), {
      args: ['-L', libs, '-lanswer']
    })
    const { r } = await buildIn(c, 'needs')
    expect(r.code).toBe(1)
    expect(r.stdout).toContain("Ops can't find the following missing libraries:\n")
    expect(r.stdout).toContain('failed building manifest: Library: libanswer.so => not found')
    expect(imageLine(r.stdout)).toBeUndefined()
    expect(fs.readdirSync(path.join(c.opsHome, 'images'))).toEqual([])
  })

  it('finds a library through LD_LIBRARY_PATH; inside the working directory it lands relative to it', async () => {
    const c = setup()
    const outside = path.join(c.opsParent, 'libs')
    const lib = compileSharedLib(outside, 'answer', ANSWER_LIB)
    compileC(path.join(c.ws, 'needs'), answerProgram(path.join(c.opsParent, 'ran')), {
      args: ['-L', outside, '-lanswer']
    })
    const abs = await buildIn(c, 'needs', [], { LD_LIBRARY_PATH: outside })
    expect(abs.r.code).toBe(0)
    expect(abs.record?.libraries).toContainEqual({
      imagePath: lib,
      hostPath: lib,
      size: fs.statSync(lib).size,
      sha256: sha256(fs.readFileSync(lib))
    })
    expect(abs.record?.program.needed).toEqual(['libanswer.so', 'libc.so.6'])

    // The loader prints "vendor/libanswer.so"; ops makes it absolute against its working
    // directory, then relative again because it lies inside it: /vendor/libanswer.so.
    const inside = compileSharedLib(path.join(c.ws, 'vendor'), 'answer', ANSWER_LIB)
    const rel = await buildIn(c, 'needs', [], { LD_LIBRARY_PATH: 'vendor' })
    expect(rel.r.code).toBe(0)
    expect(rel.record?.libraries).toContainEqual(
      expect.objectContaining({ imagePath: '/vendor/libanswer.so', hostPath: inside })
    )
  })

  it("resolves $ORIGIN against the program's path relative to the working directory", async () => {
    const c = setup()
    compileSharedLib(path.join(c.ws, 'app/lib'), 'answer', ANSWER_LIB)
    compileC(path.join(c.ws, 'app/bin/prog'), answerProgram(path.join(c.opsParent, 'ran')), {
      args: ['-L', path.join(c.ws, 'app/lib'), '-lanswer', '-Wl,-rpath,$ORIGIN/../lib']
    })
    const { r, record } = await buildIn(c, 'app/bin/prog')
    expect(r.code).toBe(0)
    expect(record?.program.imagePath).toBe('/app/bin/prog')
    expect(record?.libraries.map(l => l.imagePath)).toContain('/app/lib/libanswer.so')
  })

  it('cannot run the loader of another architecture: an arm64 dynamic program fails on an amd64 host (and back)', async () => {
    const c = setup()
    const native = compileC(path.join(c.opsParent, 'native'), markerProgram('/nonexistent/x'))
    const foreign = hostMachine() === 62 ? 183 : 62
    const arch = foreign === 183 ? 'arm64' : 'amd64'
    withMachine(native, path.join(c.ws, 'foreign'), foreign)
    seedOpsHome(c.opsParent, { arch })
    const { r } = await buildIn(c, 'foreign', ['--arch', arch])
    expect(r.code).toBe(1)
    expect(r.stdout).toContain(
      `failed building manifest: fork/exec ${path.join(c.ws, 'foreign')}: exec format error`
    )
    expect(fs.readdirSync(path.join(c.opsHome, 'images'))).toEqual([])
  })

  it('needs the program to be executable, as os/exec does', async () => {
    const c = setup()
    compileC(path.join(c.ws, 'dyn'), markerProgram('/nonexistent/x'))
    fs.chmodSync(path.join(c.ws, 'dyn'), 0o644)
    const { r } = await buildIn(c, 'dyn')
    expect(r.code).toBe(1)
    expect(r.stdout).toContain(
      `failed building manifest: fork/exec ${path.join(c.ws, 'dyn')}: permission denied`
    )
  })
})

describe('a downloaded double behaves like a downloaded ops', () => {
  it('downloads, matches its md5, runs after chmod', async () => {
    const m = await startMirror({ opsVersions: ['0.1.45'] })
    try {
      const bin = await get(m.urlOf(opsBinaryPath('0.1.45')))
      const sum = (await get(m.urlOf(opsMd5Path('0.1.45')))).body.toString().trim()
      expect(md5(bin.body)).toBe(sum)
      const dir = makeTempDir('nia-dl-')
      const file = path.join(dir, 'ops')
      fs.writeFileSync(file, bin.body)
      fs.chmodSync(file, 0o755)
      const c = setup()
      const r = await runOps(['version'], {
        cwd: c.ws,
        env: { ...c.env, PATH: '/nonexistent' },
        bin: file
      })
      expect(r.code).toBe(0)
      expect(r.stdout).toContain('Ops version: 0.1.45')
    } finally {
      await m.close()
    }
  })
})

// ---------------------------------------------------------------------------------------------
// runner imitation
// ---------------------------------------------------------------------------------------------

describe('run-action', () => {
  const FAKE_ACTION = `
import * as fs from 'node:fs'
import * as crypto from 'node:crypto'
const setOutput = (name, value) => {
  const d = 'ghadelimiter_' + crypto.randomUUID()
  fs.appendFileSync(process.env.GITHUB_OUTPUT, name + '<<' + d + '\\n' + value + '\\n' + d + '\\n')
}
const env = {}
for (const k of Object.keys(process.env).sort()) {
  if (/^(INPUT_|ACTIONS_|GITHUB_|RUNNER_)/.test(k) || k === 'HOME') env[k] = process.env[k]
}
setOutput('env', JSON.stringify(env))
setOutput('multi', 'line 1\\nline 2')
setOutput('cwd', process.cwd())
fs.appendFileSync(process.env.GITHUB_STEP_SUMMARY, '# Summary\\n')
console.log('::error title=Checksum mismatch::md5 differs%0Aexpected a%25')
console.log('::error::plain')
console.log('::warning file=a.json,line=3::careful')
console.log('::notice::fyi')
process.exitCode = Number(process.env.INPUT_EXIT ?? 0)
`

  it('spawns the entry like the runner and parses outputs, summary and annotations', async () => {
    const dir = makeTempDir('nia-fake-')
    const entry = path.join(dir, 'index.mjs')
    fs.writeFileSync(entry, FAKE_ACTION)
    const saved = { t: process.env.ACTIONS_RUNTIME_TOKEN, i: process.env['INPUT_LEAK'] }
    process.env.ACTIONS_RUNTIME_TOKEN = 'parent-token'
    process.env['INPUT_LEAK'] = 'parent-input'
    let r
    try {
      r = await runAction({
        entry,
        inputs: { 'image-name': 'prover', exit: '3', 'binary path': 'x' }
      })
    } finally {
      if (saved.t === undefined) delete process.env.ACTIONS_RUNTIME_TOKEN
      else process.env.ACTIONS_RUNTIME_TOKEN = saved.t
      if (saved.i === undefined) delete process.env['INPUT_LEAK']
      else process.env['INPUT_LEAK'] = saved.i
    }
    expect(r.code).toBe(3)
    const env = JSON.parse(r.outputs.env) as Record<string, string>
    expect(env['INPUT_IMAGE-NAME']).toBe('prover')
    expect(env['INPUT_BINARY_PATH']).toBe('x')
    expect(env.INPUT_LEAK).toBeUndefined()
    expect(env.ACTIONS_RUNTIME_TOKEN).toBeUndefined()
    expect(env.RUNNER_TOOL_CACHE).toBe(r.toolCache)
    expect(env.RUNNER_TEMP).toBe(r.runnerTemp)
    expect(env.GITHUB_WORKSPACE).toBe(r.workspace)
    expect(env.RUNNER_OS).toBe('Linux')
    expect(env.RUNNER_ARCH).toBe('X64')
    expect(env.GITHUB_ACTIONS).toBe('true')
    expect(env.HOME).toBe(r.home)
    expect(r.outputs.multi).toBe('line 1\nline 2')
    expect(r.outputs.cwd).toBe(r.workspace)
    expect(r.summary).toBe('# Summary\n')
    expect(errors(r.stdout)).toEqual(['md5 differs\nexpected a%', 'plain'])
    expect(annotations(r.stdout, 'error')[0].properties).toEqual({ title: 'Checksum mismatch' })
    expect(warnings(r.stdout)).toEqual(['careful'])
    expect(annotations(r.stdout, 'warning')[0].properties).toEqual({ file: 'a.json', line: '3' })
    expect(notices(r.stdout)).toEqual(['fyi'])
    expect(r.durationMs).toBeGreaterThanOrEqual(0)

    const again = await runAction({ entry, toolCache: r.toolCache })
    expect(again.toolCache).toBe(r.toolCache)
    expect(again.runnerTemp).not.toBe(r.runnerTemp)
    expect(again.code).toBe(0)
    for (const res of [r, again]) {
      for (const d of [
        res.runnerTemp,
        res.workspace,
        res.home,
        res.userHome,
        path.dirname(res.files.output)
      ]) {
        fs.rmSync(d, { recursive: true, force: true })
      }
    }
    fs.rmSync(r.toolCache, { recursive: true, force: true })
  })
})
