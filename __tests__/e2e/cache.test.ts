/**
 * Issue 11, the cross-run cache, end to end: dist/index.js as a process, the real
 * @actions/cache client inside it, the loopback cache service speaking the v2 protocol, and
 * the loopback mirror as the download host. Every run gets a fresh tool cache and home, as a
 * new job on a GitHub-hosted runner does.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {
  createCacheArchive,
  startCacheService,
  type CacheService
} from '../harness/cache-service.js'
import { makeTempDir, writeElf } from '../harness/fixtures.js'
import { readDoubleImage } from '../harness/image.js'
import { opsBinaryPath } from '../harness/mirror.js'
import { errors, warnings, type RunActionResult } from '../harness/run-action.js'
import { cachedEntries, errorLines, useMirror } from './helpers.js'

const suite = useMirror()
let service: CacheService
beforeAll(async () => {
  service = await startCacheService()
})
afterAll(async () => {
  await service.close()
})
beforeEach(async () => {
  for (const entry of service.entries()) await service.deleteEntry(entry.key, entry.version)
  service.faults.clear()
  service.requests.length = 0
})

const OPS_KEY = 'nanos-image-action-L1-ops-0.1.46-linux-amd64-'
const NANOS_KEY = 'nanos-image-action-L1-nanos-0.1.54-amd64-'
const PINNED = { 'nanos-version': '0.1.54' }

/**
 * A new job's machine, laid out as a GitHub-hosted runner is (HOME and GITHUB_WORKSPACE at the
 * same places relative to each other: the cache client stores paths relative to the workspace).
 */
function runner(): { home: string; workspace: string } {
  const root = makeTempDir('nia-runner-')
  const home = path.join(root, 'home', 'runner')
  const workspace = path.join(home, 'work', 'prover', 'prover')
  writeElf(path.join(workspace, 'target/release/my_prover'), { seed: 'my_prover' })
  return { home, workspace }
}

/** A run as a new job: a fresh runner and tool cache, the cache service's environment. */
function job(
  inputs: Record<string, string | undefined> = {},
  env: Record<string, string | undefined> = service.env,
  machine = runner()
): Promise<RunActionResult> {
  return suite.run({
    cwd: machine.workspace,
    home: machine.home,
    inputs: { binary: 'target/release/my_prover', ...PINNED, ...inputs },
    env
  })
}

/** Requests for the Ops binary itself (not its md5 file). */
const opsDownloads = (): number =>
  suite.mirror.requests().filter(r => r.path === opsBinaryPath('0.1.46')).length

const finalized = (): string[] =>
  service
    .entries()
    .filter(e => e.state === 'finalized')
    .map(e => e.key)
    .sort()

describe('across jobs', () => {
  it('a job saves what it downloaded; the next, on a fresh runner, asks the download host nothing', async () => {
    const first = await job()
    expect(errorLines(first.stdout)).toEqual([])
    expect(first.outputs['cache-source']).toBe('download')
    expect(first.outputs['cache-hit']).toBe('false')
    expect(finalized()).toEqual([NANOS_KEY, OPS_KEY])
    expect(warnings(first.stdout)).toEqual([])

    suite.mirror.resetRequests()
    service.requests.length = 0
    const second = await job()
    expect(errorLines(second.stdout)).toEqual([])
    expect(suite.mirror.requests()).toEqual([])
    expect(second.outputs['cache-source']).toBe('actions-cache')
    expect(second.outputs['cache-hit']).toBe('true')
    expect(second.stdout).toContain(`Restored from the Actions cache: ${OPS_KEY}`)
    expect(second.summary).toContain('<td>actions-cache</td>')
    // What was restored is what the download host serves, and it lands in the tool cache.
    expect(cachedEntries(second.toolCache)).toEqual(['nanos/0.1.54/amd64', 'ops/0.1.46/amd64'])
    const ops = fs.readFileSync(path.join(second.toolCache, 'ops/0.1.46/amd64/ops'))
    expect(ops.equals(suite.mirror.opsBinary('0.1.46'))).toBe(true)
    expect(readDoubleImage(second.outputs['image-path']).record.nanosVersion).toBe('0.1.54')
    // Nothing was saved again: the entries are immutable, and nothing new was downloaded.
    expect(service.requests.filter(r => r.endpoint === 'CreateCacheEntry')).toEqual([])
  })

  it('tells the tools apart: a tool-cache hit for one, the Actions cache for the other', async () => {
    await job()
    const toolCache = makeTempDir('nia-tc-')
    // This runner has Ops in its tool cache already, but not the kernel.
    fs.mkdirSync(path.join(toolCache, 'ops/0.1.46/amd64'), { recursive: true })
    fs.writeFileSync(
      path.join(toolCache, 'ops/0.1.46/amd64/ops'),
      suite.mirror.opsBinary('0.1.46'),
      {
        mode: 0o755
      }
    )
    fs.writeFileSync(path.join(toolCache, 'ops/0.1.46/amd64.complete'), '')
    const machine = runner()
    const r = await suite.run({
      cwd: machine.workspace,
      home: machine.home,
      toolCache,
      inputs: { binary: 'target/release/my_prover', ...PINNED },
      env: service.env
    })
    expect(r.code).toBe(0)
    expect(r.outputs['cache-source']).toBe('ops=tool-cache,nanos=actions-cache')
  })

  it('a miss downloads; a key the service matches only as a prefix is not taken for ours', async () => {
    // An entry whose key starts with ours: the service answers with it for our key.
    const empty = makeTempDir('nia-empty-')
    await service.seedEntry({
      key: `${OPS_KEY}but-another-layout-`,
      paths: ['~/.cache/nanos-image-action/L1/ops-0.1.46-linux-amd64'],
      compression: 'zstd-without-long',
      archive: await createCacheArchive(empty, ['.'])
    })
    const r = await job()
    expect(r.code).toBe(0)
    expect(r.outputs['cache-source']).toBe('download')
    expect(r.stdout).toMatch(/The Actions cache answered with .*but-another-layout-, not/)
    expect(opsDownloads()).toBe(1)
  })
})

describe('what is restored is checked', () => {
  async function tamperedOps(replace: (dir: string) => void): Promise<RunActionResult> {
    await job()
    const entry = service.find(OPS_KEY)
    if (!entry) throw new Error('no ops entry')
    // A well-formed archive of the same path, with other contents (as a job with cache write
    // access could save).
    const other = runner()
    const dir = path.join(other.home, '.cache/nanos-image-action/L1/ops-0.1.46-linux-amd64')
    fs.mkdirSync(dir, { recursive: true })
    fs.writeFileSync(path.join(dir, 'ops'), suite.mirror.opsBinary('0.1.46'))
    replace(dir)
    const archive = await createCacheArchive(other.workspace, [path.relative(other.workspace, dir)])
    await service.replaceArchive(OPS_KEY, archive, entry.version)
    suite.mirror.resetRequests()
    return job()
  }

  it('a tampered payload in a valid archive is removed with a warning and downloaded fresh', async () => {
    const r = await tamperedOps(dir => {
      const record = {
        layout: 'L1',
        key: OPS_KEY,
        files: {
          ops: createHash('sha256').update(suite.mirror.opsBinary('0.1.46')).digest('hex')
        }
      }
      fs.writeFileSync(path.join(dir, 'nanos-image-action-entry.json'), JSON.stringify(record))
      fs.writeFileSync(path.join(dir, 'ops'), '#!/bin/sh\necho pwned\n')
    })
    expect(errorLines(r.stdout)).toEqual([])
    expect(warnings(r.stdout).join('\n')).toMatch(
      new RegExp(
        `The Actions cache entry ${OPS_KEY} has ops with sha256 [0-9a-f]{64}, recorded as .* it was removed and not used; downloading instead`
      )
    )
    expect(r.outputs['cache-source']).toBe('ops=download,nanos=actions-cache')
    expect(opsDownloads()).toBe(1)
    const ops = fs.readFileSync(path.join(r.toolCache, 'ops/0.1.46/amd64/ops'))
    expect(ops.equals(suite.mirror.opsBinary('0.1.46'))).toBe(true)
    expect(
      fs.existsSync(path.join(r.home, '.cache/nanos-image-action/L1/ops-0.1.46-linux-amd64'))
    ).toBe(false)
  })

  it('an entry without its record is not used', async () => {
    const r = await tamperedOps(() => undefined)
    expect(r.code).toBe(0)
    expect(warnings(r.stdout).join('\n')).toMatch(/has no readable record of its files/)
    expect(r.outputs['cache-source']).toBe('ops=download,nanos=actions-cache')
  })

  it('a corrupted archive: the client cannot extract it, the leftovers go, the tool is downloaded', async () => {
    await job()
    const entry = service.find(OPS_KEY)
    const archive = await service.readArchive(OPS_KEY)
    // Cut in half: tar extracts what it can, then fails.
    await service.replaceArchive(OPS_KEY, archive.subarray(0, archive.length >> 1), entry?.version)
    suite.mirror.resetRequests()
    const r = await job()
    expect(errorLines(r.stdout)).toEqual([])
    expect(r.code).toBe(0)
    expect(r.outputs['cache-source']).toBe('ops=download,nanos=actions-cache')
    expect(
      fs.existsSync(path.join(r.home, '.cache/nanos-image-action/L1/ops-0.1.46-linux-amd64'))
    ).toBe(false)
    const ops = fs.readFileSync(path.join(r.toolCache, 'ops/0.1.46/amd64/ops'))
    expect(ops.equals(suite.mirror.opsBinary('0.1.46'))).toBe(true)
  })

  it('with ops-sha256, the key names the pin and the restored binary must match it', async () => {
    const pin = createHash('sha256').update(suite.mirror.opsBinary('0.1.46')).digest('hex')
    await job({ 'ops-sha256': pin })
    expect(finalized()).toContain(`nanos-image-action-L1-ops-0.1.46-linux-amd64-sha256-${pin}-`)
    suite.mirror.resetRequests()
    const r = await job({ 'ops-sha256': pin })
    expect(r.outputs['cache-source']).toBe('actions-cache')
    expect(suite.mirror.requests()).toEqual([])
  })
})

describe('the cache never fails the step', () => {
  it('a save refused as already existing (another job saved first) is no warning', async () => {
    service.faults.inject('CreateCacheEntry', { kind: 'twirp', code: 'already_exists' }, Infinity)
    const r = await job()
    expect(errorLines(r.stdout)).toEqual([])
    expect(warnings(r.stdout)).toEqual([])
    expect(finalized()).toEqual([])
  })

  it('an unreachable service: at most warnings, the step succeeds from the download host', async () => {
    await service.unreachable()
    try {
      const r = await job()
      expect(errorLines(r.stdout)).toEqual([])
      expect(r.code).toBe(0)
      expect(r.outputs['cache-source']).toBe('download')
    } finally {
      await service.reachable()
    }
  })

  it('a service answering 503: one slow call (the client retries it), then no more calls', async () => {
    service.faults.inject('GetCacheEntryDownloadURL', 503, Infinity)
    service.faults.inject('CreateCacheEntry', 503, Infinity)
    const r = await job()
    expect(errorLines(r.stdout)).toEqual([])
    expect(r.code).toBe(0)
    expect(r.outputs['cache-source']).toBe('download')
    // The first lookup was retried by the client; after it, the action called nothing more.
    const endpoints = service.requests.map(q => q.endpoint)
    expect(new Set(endpoints)).toEqual(new Set(['GetCacheEntryDownloadURL']))
    expect(r.stdout).toMatch(/no more cache calls in this run/)
  }, 120_000)

  it('a failing build still saves the verified downloads', async () => {
    const r = await job({}, { ...service.env, OPS_DOUBLE_FAIL: 'exit1' })
    expect(r.code).toBe(1)
    expect(errors(r.stdout)[0]).toMatch(/ops build failed/)
    expect(finalized()).toEqual([NANOS_KEY, OPS_KEY])
  })

  it('a download that fails verification is never saved', async () => {
    suite.mirror.fault(opsBinaryPath('0.1.46'), { corrupt: true })
    const r = await job()
    expect(r.code).toBe(1)
    expect(errors(r.stdout)[0]).toMatch(/failed verification: md5 expected/)
    expect(service.requests.filter(q => q.endpoint === 'CreateCacheEntry')).toEqual([])
  })
})

describe('no cache calls at all', () => {
  it('with cache: false', async () => {
    const r = await job({ cache: 'false' })
    expect(r.code).toBe(0)
    expect(service.requests).toEqual([])
    expect(r.outputs['cache-source']).toBe('download')
  })

  it('outside a runner (no cache service in the environment): silently', async () => {
    const r = await job({}, {})
    expect(r.code).toBe(0)
    expect(service.requests).toEqual([])
    expect(warnings(r.stdout)).toEqual([])
    // The client was never loaded: its own log lines are absent.
    expect(r.stdout).not.toMatch(/Cache not found|Cache Size/)
  })
})
