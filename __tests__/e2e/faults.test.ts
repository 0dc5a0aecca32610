/**
 * Issue 4, faults: survive what can be survived, fail clearly on the rest. The loopback mirror
 * injects HTTP errors, dropped and stalled connections, truncated and corrupted bodies; the Ops
 * double fails on demand; runs share a tool cache, and one is killed mid-download.
 *
 * Every case is recorded (fault, outcome, message, duration) in .local/e2e/faults.json, which
 * scripts/fault-table.mjs turns into docs/fault-cases.md.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { pathToFileURL } from 'node:url'
import { makeTempDir, makeWorkspace, writeFile } from '../harness/fixtures.js'
import { readDoubleImage } from '../harness/image.js'
import {
  COMMON_PATH,
  kernelImage,
  NANOS_LATEST_PATH,
  nanosReleasePath,
  opsBinaryPath,
  opsMd5Path,
  type FaultSpec
} from '../harness/mirror.js'
import {
  ACTION_ENTRY,
  errors,
  warnings,
  type RunActionOptions,
  type RunActionResult
} from '../harness/run-action.js'
import {
  cachedEntries,
  errorLines,
  filesBelow,
  placeholders,
  useMirror,
  useResultLog
} from './helpers.js'

const suite = useMirror({ opsVersions: ['0.1.46'], nanosVersions: ['0.1.53', '0.1.54'] })

const OPS = opsBinaryPath('0.1.46')
const MD5 = opsMd5Path('0.1.46')
const KERNEL = nanosReleasePath('0.1.54')
const KERNEL_ARM = nanosReleasePath('0.1.54', 'arm64')
const SECRET = 'sk-live-9d2f-do-not-print'
/** The requests of a cold run without faults: Ops + md5, latest.txt, kernel, common files. */
const COLD_REQUESTS = 5

interface FaultRow {
  fault: string
  outcome: 'survived' | 'reported' | 'killed'
  message: string
  durationMs: number
  requests: number
}
const table = useResultLog<FaultRow>('faults')

afterEach(() => {
  // A test that replaced an object puts it back.
  suite.mirror.setObject(OPS, suite.mirror.opsBinary('0.1.46'))
})

/** Records a case for docs/fault-cases.md. */
function record(
  fault: string,
  r: RunActionResult,
  requests = suite.mirror.count(),
  outcome: FaultRow['outcome'] = r.code === 0 ? 'survived' : 'reported'
): void {
  const shown = r.code === 0 ? warnings(r.stdout) : errors(r.stdout)
  table.add({
    fault,
    outcome,
    message: placeholders(shown.join('\n'), r, suite.mirror.url),
    durationMs: r.durationMs,
    requests
  })
}

/** Names below a folder (recursive) that a finished run must not leave in a tool cache. */
function leftovers(dir: string): string[] {
  if (!fs.existsSync(dir)) return []
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter(f =>
    /\.(partial|orphan)$/.test(path.basename(f))
  )
}

/** The listing of tool/version in a tool cache: exactly the entry and its marker when whole. */
function versionDir(toolCache: string, tool: string, version: string): string[] {
  const dir = path.join(toolCache, tool, version)
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []
}

/** Requests for exactly this path (count() matches prefixes: the Ops binary's is the md5's). */
function hits(where: string): number {
  return suite.mirror.requests().filter(q => q.path === where).length
}

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex')
}

/** Runs the action on a fresh workspace (x86-64 unless `machine`) with its own tool cache and temp folder. */
async function runFresh(
  opts: RunActionOptions = {},
  machine: 'x86-64' | 'aarch64' = 'x86-64'
): Promise<RunActionResult> {
  const ws = makeWorkspace({ machine })
  return suite.run({
    cwd: ws.dir,
    toolCache: opts.toolCache ?? makeTempDir('nia-tc-'),
    runnerTemp: opts.runnerTemp ?? makeTempDir('nia-rt-'),
    timeoutMs: 60_000,
    ...opts,
    // `latest`: latest.txt is one of the downloads whose faults are tested.
    inputs: { binary: ws.relBinary, 'nanos-version': 'latest', ...opts.inputs }
  })
}

/** A reported failure: one error saying `says`, no image, nothing half-done left behind. */
function expectReported(r: RunActionResult, says: RegExp): void {
  expect(r.timedOut).toBe(false)
  expect(r.code).toBe(1)
  expect(errorLines(r.stdout)).toHaveLength(1)
  expect(errors(r.stdout)[0]).toMatch(says)
  expect(r.outputs['image-path']).toBeUndefined()
  // The run's scratch folder (partial downloads included) is gone; no image or manifest was written.
  expect(filesBelow(r.runnerTemp)).toEqual([])
  expect(leftovers(r.toolCache)).toEqual([])
}

describe('downloads: transient faults are retried and survived', () => {
  const cases: [string, string, FaultSpec, number][] = [
    ['HTTP 503 on the Ops binary, twice', OPS, { status: 503, times: 2 }, 3],
    ['HTTP 500 on the Ops md5, twice', MD5, { status: 500, times: 2 }, 3],
    ['HTTP 502 on latest.txt, once', NANOS_LATEST_PATH, { status: 502, times: 1 }, 2],
    [
      'HTTP 503 on the kernel tarball, 3 times (of 4 attempts)',
      KERNEL,
      { status: 503, times: 3 },
      4
    ],
    ['HTTP 429 on the kernel tarball, once', KERNEL, { status: 429, times: 1 }, 2],
    ['HTTP 503 on the common files, once', COMMON_PATH, { status: 503, times: 1 }, 2],
    [
      'connection dropped before the headers (kernel), once',
      KERNEL,
      { drop: 'before-headers', times: 1 },
      2
    ],
    [
      'connection dropped after the headers (Ops binary), once',
      OPS,
      { drop: 'after-headers', times: 1 },
      2
    ],
    ['body stalls halfway (kernel), once', KERNEL, { stall: true, times: 1 }, 2],
    ['headers sent, body never starts (Ops md5), once', MD5, { stall: 0, times: 1 }, 2],
    [
      'server never answers (latest.txt), once',
      NANOS_LATEST_PATH,
      { delayMs: 30_000, times: 1 },
      2
    ],
    ['body truncated (kernel), once', KERNEL, { truncate: true, times: 1 }, 2],
    ['body truncated (Ops binary), once', OPS, { truncate: true, times: 1 }, 2]
  ]
  it.each(cases)('%s', async (name, where, fault, requests) => {
    suite.mirror.fault(where, fault)
    const r = await runFresh()
    record(name, r)
    expect(r.timedOut).toBe(false)
    expect(errorLines(r.stdout)).toEqual([])
    expect(r.code).toBe(0)
    expect(hits(where)).toBe(requests)
    expect(suite.mirror.count()).toBe(COLD_REQUESTS + requests - 1)
    expect(r.stdout).toMatch(/retrying in \d+\.\d s \(try 2 of 4\)/)
    expect(fs.existsSync(r.outputs['image-path'])).toBe(true)
    expect(cachedEntries(r.toolCache)).toEqual(['nanos/0.1.54/amd64', 'ops/0.1.46/amd64'])
    expect(leftovers(r.toolCache)).toEqual([])
    // What was cached is whole.
    expect(fs.readFileSync(path.join(r.toolCache, 'ops/0.1.46/amd64/ops'))).toEqual(
      suite.mirror.opsBinary('0.1.46')
    )
    expect(
      fs.readFileSync(path.join(r.toolCache, 'nanos/0.1.54/amd64/release/kernel.img'))
    ).toEqual(kernelImage('0.1.54'))
  })

  it('common files that cannot be had: a warning, the image still built, the kernel not cached', async () => {
    suite.mirror.fault(COMMON_PATH, { status: 503 })
    const toolCache = makeTempDir('nia-tc-')
    const r = await runFresh({ toolCache })
    record('HTTP 503 on the common files, always', r)
    expect(r.code).toBe(0)
    expect(hits(COMMON_PATH)).toBe(4)
    expect(warnings(r.stdout).join('\n')).toMatch(
      /Could not get Nanos's common files .* HTTP 503 .*the kernel is not cached so that the next run tries again/
    )
    expect(fs.existsSync(r.outputs['image-path'])).toBe(true)
    expect(cachedEntries(toolCache)).toEqual(['ops/0.1.46/amd64'])
    expect(leftovers(toolCache)).toEqual([])

    suite.mirror.clearFaults()
    suite.mirror.resetRequests()
    const next = await runFresh({ toolCache })
    expect(next.code).toBe(0)
    expect(hits(KERNEL)).toBe(1)
    expect(hits(COMMON_PATH)).toBe(1)
    expect(cachedEntries(toolCache)).toEqual(['nanos/0.1.54/amd64', 'ops/0.1.46/amd64'])
  })
})

describe('downloads: what cannot be survived is reported clearly', () => {
  const cases: [
    string,
    string,
    FaultSpec,
    number,
    RegExp,
    Pick<RunActionOptions, 'env' | 'inputs'>?,
    ('x86-64' | 'aarch64')?
  ][] = [
    [
      'HTTP 404 on the Ops md5 (no such release)',
      MD5,
      { status: 404 },
      1,
      /^Ops 0\.1\.46 is not published for linux\/amd64: http:\S+\/cli\/linux\/release\/0\.1\.46\/ops-linux-0\.1\.46\.md5 answered HTTP 404\. Check `ops-version`/
    ],
    [
      'HTTP 403 on the kernel tarball (no such release)',
      KERNEL,
      { status: 403 },
      1,
      /^Nanos 0\.1\.54 is not published for amd64: http:\S+\/nanos\/release\/0\.1\.54\/nanos-release-linux-0\.1\.54\.tar\.gz answered HTTP 403\. Check `nanos-version`/,
      { inputs: { 'nanos-version': '0.1.54' } }
    ],
    [
      'HTTP 404 on the arm64 kernel tarball (no such release)',
      KERNEL_ARM,
      { status: 404 },
      1,
      /^Nanos 0\.1\.54 is not published for arm64: http:\S+\/nanos-release-linux-0\.1\.54-virt\.tar\.gz answered HTTP 404/,
      { inputs: { profile: 'nanos' } },
      'aarch64'
    ],
    [
      'HTTP 404 on latest.txt',
      NANOS_LATEST_PATH,
      { status: 404 },
      1,
      /^Could not look up the latest Nanos release at http:\S+\/nanos\/release\/latest\.txt: HTTP 404 .*Pin `nanos-version`/
    ],
    [
      'HTTP 503 on the kernel tarball, always (4 attempts)',
      KERNEL,
      { status: 503 },
      4,
      /^Could not download Nanos 0\.1\.54: HTTP 503 from http:\S+nanos-release-linux-0\.1\.54\.tar\.gz$/
    ],
    [
      'HTTP 500 on the Ops md5, always (4 attempts)',
      MD5,
      { status: 500 },
      4,
      /^Could not download the checksum of Ops 0\.1\.46: HTTP 500 from http:\S+ops-linux-0\.1\.46\.md5$/
    ],
    [
      'HTTP 503 on the Ops binary, always (NANOS_IMAGE_ACTION_ATTEMPTS=2)',
      OPS,
      { status: 503 },
      2,
      /^Could not download Ops 0\.1\.46 from http:\S+\/ops: HTTP 503 from /,
      { env: { NANOS_IMAGE_ACTION_ATTEMPTS: '2' } }
    ],
    [
      'kernel body stalls, always (NANOS_IMAGE_ACTION_ATTEMPTS=2)',
      KERNEL,
      { stall: true },
      2,
      /^Could not download Nanos 0\.1\.54: no data for 1\.5 s after \d+ bytes: the server stalled$/,
      { env: { NANOS_IMAGE_ACTION_ATTEMPTS: '2' } }
    ],
    [
      'Ops binary truncated, no retry (NANOS_IMAGE_ACTION_ATTEMPTS=1)',
      OPS,
      { truncate: true },
      1,
      /^Could not download Ops 0\.1\.46 from \S+: the connection closed after \d+ of \d+ bytes$/,
      { env: { NANOS_IMAGE_ACTION_ATTEMPTS: '1' } }
    ],
    [
      'Ops binary corrupted (8 bytes flipped)',
      OPS,
      { corrupt: true },
      1,
      /^The Ops binary from \S+ failed verification: md5 expected [0-9a-f]{32} \(the published checksum\), got [0-9a-f]{32}\. It was deleted and not cached/
    ],
    [
      'kernel tarball corrupted (8 bytes flipped)',
      KERNEL,
      { corrupt: true },
      1,
      /^The Nanos 0\.1\.54 download from \S+ is not a valid \.tar\.gz \(.*\); it was not cached\.$/s
    ]
  ]
  it.each(cases)('%s', async (name, where, fault, requests, says, extra = {}, machine) => {
    suite.mirror.fault(where, fault)
    const toolCache = makeTempDir('nia-tc-')
    const r = await runFresh({ toolCache, ...extra }, machine)
    record(name, r)
    expectReported(r, says)
    expect(hits(where)).toBe(requests)
    // The faulty tool was not cached; a later run downloads it again and succeeds.
    const failedTool = where.startsWith('/cli/') ? 'ops' : 'nanos'
    expect(cachedEntries(toolCache).filter(e => e.startsWith(`${failedTool}/`))).toEqual([])
    suite.mirror.clearFaults()
    suite.mirror.resetRequests()
    const next = await runFresh({ toolCache, ...extra }, machine)
    expect(next.code).toBe(0)
    expect(hits(where)).toBe(1)
  })

  it('an Ops binary served short but whole (a consistent Content-Length) fails the md5', async () => {
    const full = suite.mirror.opsBinary('0.1.46')
    suite.mirror.setObject(OPS, full.subarray(0, Math.floor(full.length / 2)))
    const r = await runFresh()
    record('Ops binary short but complete as served (no transport error)', r)
    expectReported(
      r,
      /^The Ops binary from \S+ failed verification: md5 expected [0-9a-f]{32} \(the published checksum\), got [0-9a-f]{32}\. It was deleted and not cached/
    )
    expect(hits(OPS)).toBe(1)
    expect(cachedEntries(r.toolCache)).toEqual([])
    expect(versionDir(r.toolCache, 'ops', '0.1.46')).toEqual([])
  })
})

describe('two runs, one tool cache', () => {
  it('started at the same time, both succeed and leave exactly one complete copy', async () => {
    const toolCache = makeTempDir('nia-tc-')
    // Hold both kernel downloads for a moment so that both runs cache at about the same time.
    suite.mirror.fault(KERNEL, { delayMs: 300, times: 2 })
    const [a, b] = await Promise.all([runFresh({ toolCache }), runFresh({ toolCache })])
    record('two runs started at once on one tool cache', {
      ...a,
      durationMs: Math.max(a.durationMs, b.durationMs)
    })
    for (const r of [a, b]) {
      expect(errorLines(r.stdout)).toEqual([])
      expect(r.code).toBe(0)
      const { record: built } = readDoubleImage(r.outputs['image-path'])
      expect(built.kernelSha256).toBe(sha256(kernelImage('0.1.54')))
    }
    expect(cachedEntries(toolCache)).toEqual(['nanos/0.1.54/amd64', 'ops/0.1.46/amd64'])
    expect(versionDir(toolCache, 'ops', '0.1.46')).toEqual(['amd64', 'amd64.complete'])
    expect(versionDir(toolCache, 'nanos', '0.1.54')).toEqual(['amd64', 'amd64.complete'])
    expect(leftovers(toolCache)).toEqual([])
    expect(fs.readFileSync(path.join(toolCache, 'ops/0.1.46/amd64/ops'))).toEqual(
      suite.mirror.opsBinary('0.1.46')
    )
    expect(filesBelow(path.join(toolCache, 'nanos/0.1.54/amd64'))).toEqual([
      'common.tar.gz',
      'common/ca-certificates.crt',
      'common/libnss_dns.so.2',
      'release/boot.img',
      'release/bootx64.efi',
      'release/kernel.img',
      'release/klibs/gpu_nvidia',
      'release/klibs/ntp',
      'release/klibs/strace',
      'release/klibs/tls'
    ])
  })

  it('a run killed mid-download leaves nothing a later run trusts; the later run downloads again', async () => {
    const toolCache = makeTempDir('nia-tc-')
    const runnerTemp = makeTempDir('nia-rt-')
    const scratch = makeTempDir('nia-kill-')
    // An entry that tells the test its pid (its process group: runAction starts it detached).
    const pidFile = path.join(scratch, 'pid')
    const entry = path.join(scratch, 'entry.mjs')
    writeFile(
      entry,
      `import { writeFileSync } from 'node:fs'\n` +
        `writeFileSync(${JSON.stringify(pidFile)}, String(process.pid))\n` +
        `await import(${JSON.stringify(pathToFileURL(ACTION_ENTRY).href)})\n`
    )
    suite.mirror.fault(KERNEL, { stall: true })
    const running = runFresh({
      toolCache,
      runnerTemp,
      entry,
      env: { NANOS_IMAGE_ACTION_IDLE_TIMEOUT_MS: '60000' }
    })
    const deadline = Date.now() + 30_000
    while (!suite.mirror.requests().some(q => q.path === KERNEL && q.fault === 'stall')) {
      if (Date.now() > deadline) throw new Error('the kernel download never started')
      await new Promise(resolve => setTimeout(resolve, 20))
    }
    await new Promise(resolve => setTimeout(resolve, 200)) // let the first bytes land on disk
    process.kill(-Number(fs.readFileSync(pidFile, 'utf8')), 'SIGKILL')
    const killed = await running
    record('run killed (SIGKILL) mid kernel download', killed, suite.mirror.count(), 'killed')
    expect(killed.signal).toBe('SIGKILL')
    expect(killed.timedOut).toBe(false)
    // Ops was complete before the kernel download began; the kernel is nowhere in the cache.
    expect(cachedEntries(toolCache)).toEqual(['ops/0.1.46/amd64'])
    expect(versionDir(toolCache, 'nanos', '0.1.54')).toEqual([])
    expect(leftovers(toolCache)).toEqual([])

    suite.mirror.clearFaults()
    suite.mirror.resetRequests()
    const later = await runFresh({ toolCache, runnerTemp })
    record('the run after the killed one (same tool cache and RUNNER_TEMP)', later)
    expect(later.code).toBe(0)
    expect(hits(KERNEL)).toBe(1)
    expect(hits(OPS)).toBe(0)
    expect(cachedEntries(toolCache)).toEqual(['nanos/0.1.54/amd64', 'ops/0.1.46/amd64'])
    expect(readDoubleImage(later.outputs['image-path']).record.kernelSha256).toBe(
      sha256(kernelImage('0.1.54'))
    )
  })

  it('an entry without its .complete marker (a job killed mid-copy) is replaced, not used', async () => {
    const toolCache = makeTempDir('nia-tc-')
    writeFile(path.join(toolCache, 'nanos/0.1.54/amd64/release/kernel.img'), 'half a kernel')
    writeFile(path.join(toolCache, 'ops/0.1.46/amd64/ops'), '#!/bin/sh\nexit 0\n')
    const r = await runFresh({ toolCache })
    record('tool cache holds entries without .complete markers', r)
    expect(r.code).toBe(0)
    expect(hits(KERNEL)).toBe(1)
    expect(hits(OPS)).toBe(1)
    expect(readDoubleImage(r.outputs['image-path']).record.kernelSha256).toBe(
      sha256(kernelImage('0.1.54'))
    )
    expect(versionDir(toolCache, 'ops', '0.1.46')).toEqual(['amd64', 'amd64.complete'])
    expect(versionDir(toolCache, 'nanos', '0.1.54')).toEqual(['amd64', 'amd64.complete'])
    expect(fs.readFileSync(path.join(toolCache, 'nanos/0.1.54/amd64/release/kernel.img'))).toEqual(
      kernelImage('0.1.54')
    )
    expect(leftovers(toolCache)).toEqual([])
  })
})

describe('ops failures: reported in its words, env values never shown', () => {
  const cases: [string, string, RegExp][] = [
    ['exit1', 'ops build exits 1', /^ops build failed \(exit code 1\):\n[\s\S]*injected failure/],
    [
      'panic',
      'ops build panics (exit 2)',
      /^ops build failed \(exit code 2, a crash\):\n[\s\S]*panic:/
    ],
    [
      'noimage',
      'ops build exits 0 without an image line',
      /^ops build exited 0 but built no image/
    ],
    [
      'missingfile',
      'ops build names an image file that does not exist',
      /^ops build reported the image \S+ but there is no such file\.$/
    ]
  ]
  it.each(cases)('OPS_DOUBLE_FAIL=%s', async (mode, name, says) => {
    const r = await runFresh({
      env: { OPS_DOUBLE_FAIL: mode },
      inputs: { env: `API_TOKEN=${SECRET}\nRUST_LOG=info` }
    })
    record(name, r)
    expect(r.code).toBe(1)
    expect(errorLines(r.stdout)).toHaveLength(1)
    expect(errors(r.stdout)[0]).toMatch(says)
    // Ops colours its lines; the error quotes them without the codes.
    // eslint-disable-next-line no-control-regex
    expect(errorLines(r.stdout)[0]).not.toMatch(/\x1b\[/)
    expect(r.outputs['image-path']).toBeUndefined()
    expectNoSecret(r)
    // No image is left in output-dir; the manifest that stays there is owner-only.
    const out = path.join(r.runnerTemp, 'nanos-images')
    expect(fs.readdirSync(out)).toEqual(['my_prover.manifest.json'])
    expect(fs.statSync(path.join(out, 'my_prover.manifest.json')).mode & 0o777).toBe(0o600)
  })

  it('quotes what ops said about the failure, not its offline notice', async () => {
    // Offline (an air-gapped runner using a mirror), ops prints "version lookup failed, using
    // local." on every run; that is no reason for a build to fail and must not be given as one.
    const r = await runFresh({ env: { OPS_DOUBLE_FAIL: 'noimage' } })
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('version lookup failed, using local.') // ops did print it
    expect(errors(r.stdout)[0]).toMatch(/^ops build exited 0 but built no image/)
    expect(errors(r.stdout)[0]).not.toContain('version lookup failed')
  })

  it('a klib the release does not have stops the step before the build, naming the klibs it has', async () => {
    const r = await runFresh({
      inputs: { klibs: 'gpu_nvidia,no_such_klib', env: `API_TOKEN=${SECRET}` }
    })
    record('a klib that is not in the release (ops would only warn)', r)
    expect(r.code).toBe(1)
    expect(errors(r.stdout)).toEqual([
      'Input `klibs`: "no_such_klib" is not in Nanos 0.1.54 (amd64), and ops would build the image without it. It has: gpu_nvidia, ntp, strace, tls.'
    ])
    // Before ops ran: no image, no outputs.
    expect(r.outputs['image-path']).toBeUndefined()
    expect(fs.existsSync(path.join(r.runnerTemp, 'nanos-images', 'my_prover'))).toBe(false)
    expectNoSecret(r)
  })
})

/** The secret is registered with ::add-mask:: and appears nowhere else. */
function expectNoSecret(r: RunActionResult): void {
  const lines = r.stdout.split('\n')
  expect(lines).toContain(`::add-mask::${SECRET}`)
  expect(lines.filter(l => !l.startsWith('::add-mask::')).join('\n')).not.toContain(SECRET)
  expect(r.stderr).not.toContain(SECRET)
  expect(r.summary).not.toContain(SECRET)
  expect(Object.values(r.outputs).join('\n')).not.toContain(SECRET)
}

describe('disk', () => {
  it('an output-dir that is a regular file is reported before any download', async () => {
    const ws = makeWorkspace()
    writeFile(path.join(ws.dir, 'images'), 'a file\n')
    const r = await suite.run({
      cwd: ws.dir,
      toolCache: makeTempDir('nia-tc-'),
      runnerTemp: makeTempDir('nia-rt-'),
      inputs: { binary: ws.relBinary, 'output-dir': 'images' }
    })
    record('output-dir is an existing regular file', r)
    expectReported(
      r,
      /^Input `output-dir`: \S+\/images cannot be written \(EEXIST\): choose a writable folder\.$/
    )
    expect(suite.mirror.count()).toBe(0)
    expect(fs.readFileSync(path.join(ws.dir, 'images'), 'utf8')).toBe('a file\n')
  })
})

describe('nothing a user puts in an input reaches a shell', () => {
  it('builds files with exactly the names given and runs no command', async () => {
    const ws = makeWorkspace()
    // A `touch` first on PATH logs any call: a shell anywhere, in any folder, would be seen.
    const bin = makeTempDir('nia-bin-')
    const calls = path.join(bin, 'calls.log')
    writeFile(path.join(bin, 'touch'), `#!/bin/sh\necho "touch $*" >> '${calls}'\n`)
    fs.chmodSync(path.join(bin, 'touch'), 0o755)
    const r = await suite.run({
      cwd: ws.dir,
      env: { PATH: `${bin}:${path.dirname(process.execPath)}:${process.env.PATH}` },
      inputs: {
        binary: ws.relBinary,
        'image-name': 'x;touch PWNED',
        program: '$(touch PWNED2)',
        env: `CMD=$(touch ${ws.dir}/PWNED3)\nTICKS=\`touch ${ws.dir}/PWNED4\``,
        args: `; touch ${ws.dir}/PWNED5\n&& touch PWNED6`
      }
    })
    record('shell metacharacters in image-name, program, env, args', r)
    expect(errorLines(r.stdout)).toEqual([])
    expect(r.code).toBe(0)
    expect(path.basename(r.outputs['image-path'])).toBe('x;touch PWNED')
    expect(fs.existsSync(path.join(r.runnerTemp, 'nanos-images', 'x;touch PWNED'))).toBe(true)
    expect(r.outputs['manifest-path']).toBe(
      path.join(r.runnerTemp, 'nanos-images', 'x;touch PWNED.manifest.json')
    )
    const { record: built } = readDoubleImage(r.outputs['image-path'])
    expect(built.program.imagePath).toBe('/$(touch PWNED2)')
    expect(built.env.CMD).toBe(`$(touch ${ws.dir}/PWNED3)`)
    expect(built.manifest.Args).toEqual([`; touch ${ws.dir}/PWNED5`, '&& touch PWNED6'])
    expect(fs.existsSync(calls)).toBe(false)
    const pwned = (dir: string): string[] =>
      (fs.readdirSync(dir, { recursive: true }) as string[]).filter(f =>
        /^PWNED\d?$/.test(path.basename(f))
      )
    for (const dir of [ws.dir, r.runnerTemp, r.toolCache, r.home, r.userHome])
      expect(pwned(dir)).toEqual([])
    for (const name of ['PWNED', 'PWNED2', 'PWNED6'])
      expect(fs.existsSync(path.join(process.cwd(), name))).toBe(false)
  })
})
