#!/usr/bin/env node
// npm run bench: what the action itself costs, measured in one run on loopback, as ratios to
// baselines taken in the same run. Prints a table and writes it into docs/PERFORMANCE.md.
//
//   npm run bench                      the five measurements of issue 5
//   npm run bench -- --upload-matrix   also 64 MiB and 512 MiB uploads raw and zipped at levels 0, 1, 6
//   npm run bench -- --runs 15         repetitions for the timing medians (default 11)
//   npm run bench -- --install-seconds 20   how long the stand-in apt-get takes to install QEMU
//                                      (default 4.5: a real `apt-get install qemu-system-arm` here)
//
// Sections 8-10 use the real tools (NANOS_REAL_TOOLS, else ../shared/real-tools when it is
// there): the real Ops and the real arm64 Nanos kernel under qemu-system-aarch64.
//
// Needs sha256sum, b3sum (Debian: b3sum) and curl for the baselines, and /usr/bin/time for
// peak memory; what is missing is reported as such.
import { spawn, spawnSync } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync
} from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { harness, ROOT } from '../scripts/lib/harness.mjs'

const argv = process.argv.slice(2)
const RUNS = Number(argv.includes('--runs') ? argv[argv.indexOf('--runs') + 1] : 11)
const INSTALL_SECONDS = Number(
  argv.includes('--install-seconds') ? argv[argv.indexOf('--install-seconds') + 1] : 4.5
)
const REAL_TOOLS = process.env.NANOS_REAL_TOOLS || path.resolve(ROOT, '..', 'shared', 'real-tools')
const MiB = 1024 * 1024
const GiB = 1024 * MiB

const { startMirror, opsBinaryPath, opsMd5Path, nanosReleasePath, NANOS_LATEST_PATH, COMMON_PATH } =
  await harness('mirror')
const { startArtifactService } = await harness('artifact-service')
const { startCacheService } = await harness('cache-service')
const { writeElf } = await harness('fixtures')

const scratch = mkdtempSync(path.join(os.tmpdir(), 'nia-bench-'))
const has = tool => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0
const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const ms = x => `${x.toFixed(0)} ms`
const s = x => `${(x / 1000).toFixed(2)} s`
const ratio = (a, b) => `${(a / b).toFixed(2)}x`
const mib = bytes => `${(bytes / MiB).toFixed(1)} MiB`

/** Run a command, resolve with wall time (ms) and output; peak RSS (KiB) with `rss: true`. */
function timed(cmd, args, { env = process.env, cwd = ROOT, rss = false } = {}) {
  const [file, list] = rss ? ['/usr/bin/time', ['-f', '@@RSS %M', cmd, ...args]] : [cmd, args]
  return new Promise((resolve, reject) => {
    const start = performance.now()
    const child = spawn(file, list, { env, cwd })
    let out = ''
    child.stdout.on('data', d => (out += d))
    child.stderr.on('data', d => (out += d))
    child.on('error', reject)
    child.on('exit', code => {
      const wall = performance.now() - start
      const peak = /@@RSS (\d+)/.exec(out)?.[1]
      resolve({ wall, code, out, rssKiB: peak ? Number(peak) : undefined })
    })
  })
}

/** The environment of one action run, like the runner's. */
function actionEnv(name, inputs, extra = {}) {
  const dir = path.join(scratch, name)
  mkdirSync(dir, { recursive: true })
  for (const f of ['output', 'summary']) writeFileSync(path.join(dir, f), '')
  return {
    PATH: process.env.PATH,
    HOME: dir,
    ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
    GITHUB_OUTPUT: path.join(dir, 'output'),
    GITHUB_STEP_SUMMARY: path.join(dir, 'summary'),
    GITHUB_WORKSPACE: scratch,
    RUNNER_TEMP: path.join(dir, 'temp'),
    RUNNER_TOOL_CACHE: path.join(scratch, 'tool-cache'),
    ...extra
  }
}
const runAction = (name, inputs, extra, opts = {}) => {
  const env = actionEnv(name, inputs, extra)
  mkdirSync(env.RUNNER_TEMP, { recursive: true })
  return timed(process.execPath, [path.join(ROOT, 'dist', 'index.js')], {
    env,
    cwd: scratch,
    ...opts
  })
}
function mustSucceed(r, what) {
  if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}):\n${r.out.slice(-3000)}`)
  return r
}
const secondsIn = (out, re) => Number(re.exec(out)?.[1] ?? NaN) * 1000

const rows = []
const row = (section, measure, value, baseline = '', result = '') =>
  rows.push({ section, measure, value, baseline, result })

const cpu = os.cpus()[0]?.model ?? 'unknown CPU'
const machine = `${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / GiB).toFixed(0)} GiB, ${os.type()} ${os.release()}, Node ${process.version}`
console.log(`Machine: ${machine}\nRuns per timing: ${RUNS} (median)\n`)

const mirror = await startMirror()
const service = await startArtifactService()
const binary = path.join(scratch, 'prover')
writeElf(binary, { size: 2 * MiB })
const base = { binary: 'prover', mirror: mirror.url, 'output-dir': path.join(scratch, 'images') }

try {
  // 1. Warm overhead ------------------------------------------------------------------------
  mustSucceed(
    await runAction('fill-cache', { ...base, upload: 'false' }),
    'the run that fills the tool cache'
  )
  const bare = []
  const load = []
  const warm = []
  mirror.resetRequests()
  for (let i = 0; i < RUNS; i++) {
    bare.push((await timed(process.execPath, ['-e', '0'])).wall)
    load.push(
      (
        await timed(process.execPath, [path.join(ROOT, 'dist', 'index.js')], {
          env: { PATH: process.env.PATH }
        })
      ).wall
    )
    warm.push(
      mustSucceed(await runAction(`warm-${i}`, { ...base, upload: 'false' }), 'a warm run').wall
    )
  }
  const warmRequests = mirror.requests().length
  const opsDouble = path.join(scratch, 'tool-cache', 'ops', '0.1.46', 'amd64', 'ops')
  const doubleStart = []
  for (let i = 0; i < RUNS; i++)
    // Behind a proxy that refuses, as the action runs it (its latest.txt lookup fails at once).
    doubleStart.push(
      (
        await timed(opsDouble, ['no-such-command'], {
          env: {
            ...process.env,
            HTTPS_PROXY: 'http://127.0.0.1:9',
            HTTP_PROXY: 'http://127.0.0.1:9'
          }
        })
      ).wall
    )
  const [b, l, w, d] = [median(bare), median(load), median(warm), median(doubleStart)]
  row('1. Warm overhead', '`node -e 0`', ms(b), '', 'baseline')
  row(
    '1. Warm overhead',
    'bundle load alone (`node dist/index.js` to its first input check)',
    ms(l),
    '`node -e 0`',
    ratio(l, b)
  )
  row(
    '1. Warm overhead',
    'whole warm run (tool cache filled, upload off, summary on)',
    ms(w),
    '`node -e 0`',
    ratio(w, b)
  )
  row(
    '1. Warm overhead',
    'of which the Ops double starting (a Node script, like the action)',
    ms(d),
    '`node -e 0`',
    ratio(d, b)
  )
  row(
    '1. Warm overhead',
    "the action's own part: the warm run without the Ops double's start-up (a Go ops starts in a fraction of it)",
    ms(w - d),
    '`node -e 0`',
    `${ratio(w - d, b)} (target ≤ 3x)`
  )
  row(
    '1. Warm overhead',
    'requests made by the warm runs (cache hits)',
    String(warmRequests),
    '',
    warmRequests === 0 ? 'zero, as required' : 'NOT zero'
  )

  // 2. Cold cost ----------------------------------------------------------------------------
  // Real-sized downloads: the Ops binary is ~40 MiB (a Go program), the kernel release ~4 MiB.
  const padded = Buffer.concat([
    mirror.opsBinary('0.1.46'),
    Buffer.from('\n/*'),
    Buffer.alloc(40 * MiB, 0x61),
    Buffer.from('*/\n')
  ])
  mirror.setObject(opsBinaryPath('0.1.46'), padded)
  const { createHash } = await import('node:crypto')
  mirror.setObject(opsMd5Path('0.1.46'), `${createHash('md5').update(padded).digest('hex')}\n`)
  const coldPaths = [
    opsMd5Path('0.1.46'),
    opsBinaryPath('0.1.46'),
    NANOS_LATEST_PATH,
    nanosReleasePath('0.1.54'),
    COMMON_PATH
  ]
  const cold = []
  let coldBytes = 0
  for (let i = 0; i < 3; i++) {
    rmSync(path.join(scratch, 'tool-cache'), { recursive: true, force: true })
    mirror.resetRequests()
    cold.push(
      mustSucceed(await runAction(`cold-${i}`, { ...base, upload: 'false' }), 'a cold run').wall
    )
    coldBytes = mirror.requests().reduce((sum, r) => sum + r.bytes, 0)
  }
  const warmAfter = mustSucceed(
    await runAction('warm-after-cold', { ...base, upload: 'false' }),
    'a warm run'
  ).wall
  let curlTime
  if (has('curl')) {
    const args = coldPaths.flatMap(p => ['-o', '/dev/null', mirror.urlOf(p)])
    const curls = []
    for (let i = 0; i < 3; i++) curls.push((await timed('curl', ['-sS', '--fail', ...args])).wall)
    curlTime = median(curls)
  }
  const c = median(cold)
  row(
    '2. Cold cost',
    'bytes downloaded by a cold run',
    `${coldBytes} (${mib(coldBytes)})`,
    '',
    `${coldPaths.length} files`
  )
  row('2. Cold cost', 'cold run, whole', ms(c), 'warm run', ratio(c, warmAfter))
  if (curlTime !== undefined) {
    row(
      '2. Cold cost',
      'cold run minus warm run (the downloads, checks, unpacking, caching)',
      ms(c - warmAfter),
      '`curl` of the same 5 files',
      `${ratio(c - warmAfter, curlTime)} (curl: ${ms(curlTime)})`
    )
  } else row('2. Cold cost', 'curl baseline', 'curl not installed', '', '')
  mirror.setObject(opsBinaryPath('0.1.46'), mirror.opsBinary('0.1.46'))
  mirror.setObject(
    opsMd5Path('0.1.46'),
    `${createHash('md5').update(mirror.opsBinary('0.1.46')).digest('hex')}\n`
  )

  // 3. Hashing + 5. Memory ------------------------------------------------------------------
  const sizedRun = async (name, size, inputs = {}, extra = {}) =>
    mustSucceed(
      await runAction(
        name,
        { ...base, upload: 'false', ...inputs },
        { OPS_DOUBLE_IMAGE_SIZE: String(size), OPS_DOUBLE_IMAGE_FILL: 'random', ...extra },
        { rss: true }
      ),
      `a run with a ${mib(size)} image`
    )
  rmSync(path.join(scratch, 'tool-cache'), { recursive: true, force: true })
  mustSucceed(await runAction('refill', { ...base, upload: 'false' }), 'refilling the cache')
  const small = await sizedRun('mem-64m', 64 * MiB)
  const bigRuns = []
  for (let i = 0; i < 3; i++) bigRuns.push(await sizedRun(`hash-1g-${i}`, GiB))
  const hashAction = median(bigRuns.map(r => secondsIn(r.out, /\(hashed in ([\d.]+) s\)/)))
  const big = { rssKiB: Math.max(...bigRuns.map(r => r.rssKiB)) }
  const imageFile = path.join(scratch, 'images', 'prover')
  let toolsTime
  if (has('sha256sum') && has('b3sum')) {
    const tools = []
    for (let i = 0; i < 3; i++) {
      const a = await timed('sha256sum', [imageFile])
      const bb = await timed('b3sum', [imageFile])
      tools.push(a.wall + bb.wall)
    }
    toolsTime = median(tools)
  }
  row(
    '3. Hashing (1 GiB)',
    'sha256 + BLAKE3 inside the action (one read, side by side; median of 3)',
    ms(hashAction),
    '`sha256sum` then `b3sum`',
    toolsTime
      ? `${ratio(hashAction, toolsTime)} (tools: ${ms(toolsTime)}; target ≤ 0.7x)`
      : 'sha256sum/b3sum missing'
  )
  row(
    '5. Memory',
    'peak RSS, run with a 64 MiB image',
    `${(small.rssKiB / 1024).toFixed(0)} MiB`,
    '',
    ''
  )
  row(
    '5. Memory',
    'peak RSS, run with a 1 GiB image',
    `${(big.rssKiB / 1024).toFixed(0)} MiB`,
    '64 MiB run',
    ratio(big.rssKiB, small.rssKiB)
  )

  // 4. Upload ---------------------------------------------------------------------------------
  const uploadRun = async (name, size, inputs = {}) => {
    const r = mustSucceed(
      await runAction(
        name,
        { ...base, 'artifact-name': name, ...inputs, upload: 'true' },
        { ...service.env, OPS_DOUBLE_IMAGE_SIZE: String(size), OPS_DOUBLE_IMAGE_FILL: 'program' },
        { rss: true }
      ),
      `the upload ${name}`
    )
    const stored = service.uploads.find(u => u.name === name && !u.deleted)
    return {
      time: secondsIn(r.out, /Uploaded \d+ bytes \([^)]*\) in ([\d.]+) s/),
      bytes: stored?.size ?? NaN,
      rss: r.rssKiB
    }
  }
  // Image content: a real compiled program (the first 8 MiB of the node binary) repeated, as a
  // prover image is mostly code. The program itself also sits in the image's root filesystem,
  // so it must stay well under the smallest image measured.
  writeFileSync(binary, readFileSync(process.execPath).subarray(0, 8 * MiB))
  const up64 = await uploadRun('up-64m', 64 * MiB)
  const up1g = await uploadRun('up-1g', GiB)
  row('4. Upload (default: raw)', '64 MiB image', s(up64.time), '', `${mib(up64.bytes)} uploaded`)
  row(
    '4. Upload (default: raw)',
    '1 GiB image',
    s(up1g.time),
    '64 MiB',
    `${ratio(up1g.time, up64.time)} for 16x the bytes; ${mib(up1g.bytes)} uploaded`
  )
  row(
    '5. Memory',
    'peak RSS, 1 GiB image uploaded',
    `${(up1g.rss / 1024).toFixed(0)} MiB`,
    '64 MiB upload',
    ratio(up1g.rss, up64.rss)
  )

  // 6. Boot test ------------------------------------------------------------------------------
  // The test stage (a twin built with debug_exit, then booted under QEMU) against a bare QEMU
  // run of the same image with the same machine: the action's own share of the boot test.
  if (has('qemu-system-x86_64')) {
    writeElf(binary, { size: 2 * MiB })
    const bootBase = { ...base, upload: 'false', accel: 'tcg' }
    const withTest = []
    const without = []
    const bare = []
    const workspace = path.join(scratch, 'bare-ws')
    for (let i = 0; i < Math.min(RUNS, 7); i++) {
      without.push(mustSucceed(await runAction(`nb-${i}`, bootBase), 'a run without test').wall)
      withTest.push(
        mustSucceed(await runAction(`b-${i}`, { ...bootBase, test: 'true' }), 'a boot-test run')
          .wall
      )
      rmSync(workspace, { recursive: true, force: true })
      mkdirSync(workspace, { recursive: true })
      const image = path.join(scratch, 'images', 'prover')
      bare.push(
        (
          await timed('qemu-system-x86_64', [
            ...['-machine', 'q35,accel=tcg', '-cpu', 'max', '-smp', '2', '-m', '2G'],
            ...['-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot'],
            ...['-device', 'isa-debug-exit', '-device', 'virtio-rng-pci'],
            ...['-drive', `file=${image},format=raw,if=none,id=hd0,readonly=on`],
            ...['-device', 'virtio-scsi-pci,id=scsi0', '-device', 'scsi-hd,bus=scsi0.0,drive=hd0'],
            ...[
              '-virtfs',
              `local,path=${workspace},mount_tag=0,security_model=none,multidevs=remap,id=ws0`
            ],
            ...['-serial', 'stdio']
          ])
        ).wall
      )
    }
    const [t, n, q] = [median(withTest), median(without), median(bare)]
    row('6. Boot test (TCG)', 'bare `qemu-system-x86_64` boot of the image', ms(q), '', 'baseline')
    row(
      '6. Boot test (TCG)',
      "the action's test stage (run with `test: true` minus run without)",
      ms(t - n),
      'bare QEMU boot',
      `${ratio(t - n, q)} (twin build, workspace copy, console, verdict included)`
    )
  } else row('6. Boot test (TCG)', 'qemu-system-x86_64', 'not installed', '', '')

  // 7. Actions cache ---------------------------------------------------------------------------
  // A new job on a hosted runner: an empty tool cache. Real-sized Ops (40 MiB) again.
  mirror.setObject(opsBinaryPath('0.1.46'), padded)
  mirror.setObject(opsMd5Path('0.1.46'), `${createHash('md5').update(padded).digest('hex')}\n`)
  const cacheService = await startCacheService()
  try {
    const jobRun = async (name, env) => {
      rmSync(path.join(scratch, 'tool-cache'), { recursive: true, force: true })
      mirror.resetRequests()
      // The same HOME for every job: the cache client stores paths relative to the workspace.
      const r = mustSucceed(
        await runAction(
          name,
          { ...base, upload: 'false', 'nanos-version': '0.1.54' },
          { ...env, HOME: path.join(scratch, 'cache-home') }
        ),
        name
      )
      return { wall: r.wall, requests: mirror.requests().length, out: r.out }
    }
    const saving = await jobRun('cache-save', cacheService.env)
    const restored = []
    let restoredRequests = 0
    for (let i = 0; i < 3; i++) {
      const r = await jobRun(`cache-restore-${i}`, cacheService.env)
      restored.push(r.wall)
      restoredRequests += r.requests
    }
    const downloads = []
    for (let i = 0; i < 3; i++) downloads.push((await jobRun(`cache-off-${i}`, {})).wall)
    const [rs, dl] = [median(restored), median(downloads)]
    row('7. Actions cache', 'new job, cache off: downloads from the host', ms(dl), '', '')
    row(
      '7. Actions cache',
      'new job that downloads and saves',
      ms(saving.wall),
      'cache off',
      ratio(saving.wall, dl)
    )
    row(
      '7. Actions cache',
      'new job restoring from the Actions cache',
      ms(rs),
      'cache off',
      `${ratio(rs, dl)}; requests to the download host: ${restoredRequests}`
    )
  } finally {
    await cacheService.close()
    mirror.setObject(opsBinaryPath('0.1.46'), mirror.opsBinary('0.1.46'))
    mirror.setObject(
      opsMd5Path('0.1.46'),
      `${createHash('md5').update(mirror.opsBinary('0.1.46')).digest('hex')}\n`
    )
  }

  // 8-10: the real tools ------------------------------------------------------------------------
  if (existsSync(path.join(REAL_TOOLS, 'mirror')) && has('qemu-system-aarch64')) {
    await realSections()
  } else {
    row(
      '8. arm64 boot test (real Nanos, TCG)',
      `real tools at ${REAL_TOOLS}`,
      'not found',
      '',
      'skipped'
    )
  }

  if (argv.includes('--upload-matrix')) {
    for (const size of [64 * MiB, 512 * MiB]) {
      for (const [label, inputs] of [
        ['raw (default)', {}],
        ['zip level 0', { archive: 'true', 'compression-level': '0' }],
        ['zip level 1', { archive: 'true', 'compression-level': '1' }],
        ['zip level 6', { archive: 'true', 'compression-level': '6' }]
      ]) {
        const name = `m-${size / MiB}-${label.replace(/\W+/g, '-')}`
        const r = await uploadRun(name, size, inputs)
        row(
          `Upload matrix (${mib(size)} image of compiled code)`,
          label,
          s(r.time),
          '',
          `${mib(r.bytes)} uploaded (${((100 * r.bytes) / size).toFixed(0)}%)`
        )
      }
    }
  }
} finally {
  await mirror.close()
  await service.close()
  rmSync(scratch, { recursive: true, force: true })
}

/** Sections 8-10, on the real Ops and Nanos served from REAL_TOOLS. */
async function realSections() {
  const real = await startMirror({ root: path.join(REAL_TOOLS, 'mirror') })
  const realScratch = path.join(scratch, 'real')
  mkdirSync(realScratch, { recursive: true })
  const probe = path.join(realScratch, 'probe-arm64')
  const built = spawnSync('aarch64-linux-gnu-gcc', [
    '-static',
    '-O2',
    '-o',
    probe,
    path.join(ROOT, '__tests__', 'real', 'programs', 'probe.c')
  ])
  if (built.status !== 0) {
    row(
      '8. arm64 boot test (real Nanos, TCG)',
      'aarch64-linux-gnu-gcc',
      'not installed',
      '',
      'skipped'
    )
    await real.close()
    return
  }
  const tc = path.join(realScratch, 'tool-cache')
  const realBase = {
    binary: probe,
    mirror: real.url,
    profile: 'nanos',
    'nanos-version': '0.1.54',
    upload: 'false',
    accel: 'tcg',
    'output-dir': path.join(realScratch, 'images')
  }
  const realRun = (name, inputs, extra = {}) =>
    runAction(name, { ...realBase, ...inputs }, { RUNNER_TOOL_CACHE: tc, ...extra })
  try {
    // 8. arm64 boot test: the test stage against a bare qemu-system-aarch64 boot of the same
    // image. The image carries debug_exit, so the action boots it as it is (no twin to build):
    // what remains is the action's own bookkeeping around QEMU.
    mustSucceed(await realRun('arm-fill', {}), 'filling the cache with the real tools')
    const stage = []
    const bare = []
    const twin = []
    const kernel = path.join(tc, 'nanos', '0.1.54', 'arm64', 'release', 'kernel.img')
    const ws = path.join(realScratch, 'bare-ws')
    const image = path.join(realScratch, 'images', 'probe-arm64')
    const direct = {
      'readonly-rootfs': 'true',
      manifest: path.join(realScratch, 'debug-exit.json')
    }
    writeFileSync(direct.manifest, JSON.stringify({ ManifestPassthrough: { debug_exit: 't' } }))
    for (let i = 0; i < RUNS; i++) {
      const off = mustSucceed(await realRun(`arm-off-${i}`, direct), 'an arm64 build').wall
      const on = mustSucceed(
        await realRun(`arm-on-${i}`, { ...direct, test: 'true' }),
        'an arm64 boot test'
      ).wall
      stage.push(on - off)
      const withTwin = mustSucceed(
        await realRun(`arm-twin-${i}`, { test: 'true' }),
        'an arm64 boot test with a twin'
      ).wall
      const offTwin = mustSucceed(await realRun(`arm-twin-off-${i}`, {}), 'an arm64 build').wall
      twin.push(withTwin - offTwin)
      // The image of the last run without a twin is the one with debug_exit: rebuild it.
      mustSucceed(await realRun(`arm-img-${i}`, direct), 'an arm64 build')
      rmSync(ws, { recursive: true, force: true })
      mkdirSync(ws, { recursive: true })
      bare.push(
        (
          await timed('qemu-system-aarch64', [
            ...['-machine', 'virt,gic-version=2,accel=tcg', '-cpu', 'max', '-smp', '2', '-m', '2G'],
            ...['-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot', '-semihosting'],
            ...['-kernel', kernel],
            ...['-drive', `file=${image},format=raw,if=none,id=hd0,readonly=on`],
            ...['-device', 'virtio-blk-pci,drive=hd0'],
            ...[
              '-virtfs',
              `local,path=${ws},mount_tag=0,security_model=none,multidevs=remap,id=ws0`
            ],
            ...['-serial', 'stdio']
          ])
        ).wall
      )
    }
    const [st, bq, tw] = [median(stage), median(bare), median(twin)]
    const section = '8. arm64 boot test (real Nanos, TCG)'
    row(section, 'bare `qemu-system-aarch64` boot of the image', ms(bq), '', 'baseline')
    row(
      section,
      "the action's test stage, the image booted as it is (debug_exit set)",
      ms(st),
      'bare QEMU boot',
      `${ratio(st, bq)} (target ≤ 1.2x)`
    )
    row(
      section,
      "the action's test stage with a twin to build (the usual case)",
      ms(tw),
      'bare QEMU boot',
      ratio(tw, bq)
    )

    // 9. QEMU installed while the image builds: a cold run (empty tool cache) that needs
    // qemu-system-aarch64, which a stand-in apt-get "installs" in INSTALL_SECONDS, against the
    // same cold run with QEMU there plus that install done before it (the old order).
    const farm = path.join(realScratch, 'bin')
    mkdirSync(farm, { recursive: true })
    for (const dir of (process.env.PATH ?? '').split(':').filter(Boolean).reverse()) {
      for (const name of existsSync(dir)
        ? spawnSync('ls', [dir], { encoding: 'utf8' }).stdout.split('\n')
        : []) {
        if (
          !name ||
          name.startsWith('qemu-system-aarch64') ||
          name === 'apt-get' ||
          name === 'sudo'
        )
          continue
        rmSync(path.join(farm, name), { force: true })
        spawnSync('ln', ['-s', path.join(dir, name), path.join(farm, name)])
      }
    }
    const realQemu = spawnSync('sh', ['-c', 'command -v qemu-system-aarch64'], {
      encoding: 'utf8'
    }).stdout.trim()
    writeFileSync(
      path.join(farm, 'apt-get'),
      `#!/bin/sh\n# a stand-in: "install" takes ${INSTALL_SECONDS} s, then QEMU is on PATH\n[ "$1" = install ] || exit 0\nsleep ${INSTALL_SECONDS}\nln -sf ${realQemu} ${farm}/qemu-system-aarch64\n`,
      { mode: 0o755 }
    )
    writeFileSync(path.join(farm, 'sudo'), '#!/bin/sh\n[ "$1" = -n ] && shift\nexec "$@"\n', {
      mode: 0o755
    })
    const coldRun = async (name, withInstall) => {
      rmSync(tc, { recursive: true, force: true })
      rmSync(path.join(farm, 'qemu-system-aarch64'), { force: true })
      const pathVar = withInstall ? farm : process.env.PATH
      return mustSucceed(await realRun(name, { test: 'true' }, { PATH: pathVar }), name).wall
    }
    const parallel = []
    const noInstall = []
    for (let i = 0; i < 3; i++) {
      parallel.push(await coldRun(`install-${i}`, true))
      noInstall.push(await coldRun(`no-install-${i}`, false))
    }
    const [pl, ni] = [median(parallel), median(noInstall)]
    const serial = ni + INSTALL_SECONDS * 1000
    const s9 = '9. QEMU installed while the image builds (cold run, arm64)'
    row(
      s9,
      `cold run with QEMU installed first (a stand-in apt-get of ${INSTALL_SECONDS} s, then the run)`,
      ms(serial),
      '',
      'baseline: the install, then the run'
    )
    row(
      s9,
      'cold run installing QEMU in parallel with the downloads and the build',
      ms(pl),
      'install, then run',
      `${ratio(pl, serial)}; saves ${ms(serial - pl)}`
    )

    // 10. Reading the contents of a 1 GiB image against hashing it.
    const big = path.join(realScratch, 'big.bin')
    spawnSync('head', ['-c', String(GiB), '/dev/urandom'], {
      stdio: ['ignore', openSync(big, 'w'), 'ignore']
    })
    const reads = []
    const hashes = []
    for (let i = 0; i < 3; i++) {
      const r = mustSucceed(
        await realRun(`contents-1g-${i}`, {
          files: 'big.bin',
          'working-directory': realScratch,
          binary: probe
        }),
        'a 1 GiB image'
      )
      reads.push(secondsIn(r.out, /\(read in ([\d.]+) s\)/))
      hashes.push(secondsIn(r.out, /\(hashed in ([\d.]+) s\)/))
    }
    const [rd, hs] = [median(reads), median(hashes)]
    const s10 = '10. Contents of a 1 GiB image (real Ops)'
    row(s10, 'image hashing (sha256 + BLAKE3)', ms(hs), '', 'baseline')
    row(
      s10,
      'reading both filesystems: every file listed and hashed (sha256)',
      ms(rd),
      'hashing',
      `${ratio(rd, hs)} (target ≤ 1x)`
    )
  } finally {
    await real.close()
  }
}

// Report -------------------------------------------------------------------------------------
const header = '| Section | Measure | Value | Baseline | Result |\n|---|---|---|---|---|'
const table = [
  header,
  ...rows.map(r => `| ${r.section} | ${r.measure} | ${r.value} | ${r.baseline} | ${r.result} |`)
].join('\n')
const stamp = new Date().toISOString().slice(0, 10)
const block = `<!-- bench:start -->\nMeasured by \`npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}\` on ${stamp}; machine: ${machine}. Timings are medians of ${RUNS} runs (cold runs and the tool baselines: of 3).\n\n${table}\n<!-- bench:end -->`
console.log(table)
const doc = path.join(ROOT, 'docs', 'PERFORMANCE.md')
const text = existsSync(doc)
  ? readFileSync(doc, 'utf8')
  : '# Performance\n\n<!-- bench:start -->\n<!-- bench:end -->\n'
const start = text.indexOf('<!-- bench:start -->')
const end = text.indexOf('<!-- bench:end -->')
const updated =
  start >= 0 && end > start
    ? text.slice(0, start) + block + text.slice(end + '<!-- bench:end -->'.length)
    : `${text}\n${block}\n`
mkdirSync(path.dirname(doc), { recursive: true })
writeFileSync(doc, updated)
console.log(`\nWritten to ${path.relative(ROOT, doc)}`)
