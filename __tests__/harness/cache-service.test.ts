/**
 * Drives the REAL @actions/cache client (in a child process, see cache-with-client.mjs) against
 * the loopback cache service (v2 protocol).
 */
import * as crypto from 'node:crypto'
import * as fs from 'node:fs'
import * as fsp from 'node:fs/promises'
import * as path from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'
import {
  ALREADY_EXISTS_MESSAGE,
  CACHE_READ,
  CACHE_TWIRP_PREFIX,
  CACHE_WRITE,
  READ_DENIED_MESSAGE,
  WRITE_DENIED_MESSAGE,
  cacheVersion,
  createCacheArchive,
  startCacheService,
  type CacheService,
  type CacheServiceOptions,
  type CacheTwirpMethod
} from './cache-service.js'
import { parseClientResult, plainLines, type ClientResult } from './client-result.js'
import { makeTempDir, removeDir } from './fixtures.js'
import { cleanupAllRuns, cleanupRun, errors, runAction, warnings } from './run-action.js'

const CLIENT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'cache-with-client.mjs')

interface ClientOutcome extends ClientResult {
  stdout: string
  /** The client's warnings and errors (workflow commands, decoded). */
  warnings: string[]
  errors: string[]
  /** Its plain lines (core.info). */
  infos: string[]
  ms: number
}

type ClientRequest =
  | { op: 'available' }
  | { op: 'save'; paths: string[]; key: string }
  | { op: 'restore'; paths: string[]; key: string; restoreKeys?: string[] }

/**
 * Runs one operation of the real client the way the runner runs an action (see runAction), with
 * `ws` as GITHUB_WORKSPACE: the client's tar works relative to it.
 */
async function runClient(
  env: Record<string, string>,
  ws: string,
  request: ClientRequest
): Promise<ClientOutcome> {
  const run = await runAction({
    entry: CLIENT,
    cwd: ws,
    env: {
      ...env,
      CACHE_CLIENT_REQUEST: JSON.stringify(request),
      // Client tuning a developer might have set.
      CACHE_UPLOAD_CONCURRENCY: undefined,
      CACHE_UPLOAD_CHUNK_SIZE: undefined,
      SEGMENT_DOWNLOAD_TIMEOUT_MINS: undefined
    }
  })
  cleanupRun(run)
  const result = parseClientResult(run.stdout)
  if (!result) {
    throw new Error(`client printed no result (exit ${run.code})\n${run.stdout}\n${run.stderr}`)
  }
  return {
    ...result,
    stdout: run.stdout,
    warnings: warnings(run.stdout),
    errors: errors(run.stdout),
    infos: plainLines(run.stdout),
    ms: run.durationMs
  }
}

afterAll(() => cleanupAllRuns())

/** A small tree like the action caches: an executable, a kernel image, a nested file. */
async function writeTree(root: string, seed: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>([
    [
      'ops/bin/ops',
      Buffer.concat([Buffer.from(`#!/bin/sh\necho ${seed}\n`), crypto.randomBytes(50_000)])
    ],
    [
      'ops/kernel/kernel.img',
      Buffer.concat([crypto.randomBytes(100_000), Buffer.alloc(100_000, 0)])
    ],
    ['ops/kernel/version.txt', Buffer.from(seed)],
    ['ops/empty', Buffer.alloc(0)]
  ])
  for (const [rel, data] of files) {
    await fsp.mkdir(path.dirname(path.join(root, rel)), { recursive: true })
    await fsp.writeFile(path.join(root, rel), data)
  }
  await fsp.chmod(path.join(root, 'ops/bin/ops'), 0o755)
  return files
}

async function expectTree(root: string, files: Map<string, Buffer>): Promise<void> {
  for (const [rel, data] of files) {
    const got = await fsp.readFile(path.join(root, rel))
    expect({ rel, equal: got.equals(data) }).toEqual({ rel, equal: true })
  }
}

interface Fixture {
  svc: CacheService
  /** Scratch directory, removed with the service. */
  work: string
}

async function withService<T>(
  opts: CacheServiceOptions,
  fn: (svc: CacheService, work: string) => Promise<T>
): Promise<T> {
  const svc = await startCacheService(opts)
  const work = makeTempDir('cache-client-')
  try {
    return await fn(svc, work)
  } finally {
    await svc.close()
    removeDir(work)
  }
}

/** A fresh service and scratch directory for each test of the enclosing describe. */
function fixtureForEachTest(): Fixture {
  const fx = {} as Fixture
  beforeEach(async () => {
    fx.svc = await startCacheService()
    fx.work = makeTempDir('cache-client-')
  })
  afterEach(async () => {
    await fx.svc.close()
    removeDir(fx.work)
  })
  return fx
}

/** A test with its own service, run concurrently with the others of its kind (see below). */
const concurrentServiceTest = (
  name: string,
  opts: CacheServiceOptions,
  fn: (svc: CacheService, work: string) => Promise<void>
): void => test.concurrent(name, () => withService(opts, fn))

/** A fresh workspace (the client extracts relative to GITHUB_WORKSPACE). */
async function workspace(work: string, name: string): Promise<string> {
  const dir = path.join(work, name)
  await fsp.mkdir(dir, { recursive: true })
  return dir
}

const endpoints = (svc: CacheService): string[] => svc.requests.map(r => r.endpoint)
const statusesOf = (svc: CacheService, endpoint: string): number[] =>
  svc.requests.filter(r => r.endpoint === endpoint).map(r => r.status)

const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd])

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b])
const MiB = 1024 * 1024
const ZSTD = 'zstd-without-long' as const

/** A PATH with tar and gzip but no zstd: the client falls back to gzip (another version). */
async function pathWithoutZstd(work: string): Promise<string> {
  const bin = path.join(work, 'bin-without-zstd')
  await fsp.mkdir(bin, { recursive: true })
  for (const tool of ['tar', 'gzip', 'sh']) {
    const found = (process.env['PATH'] ?? '')
      .split(path.delimiter)
      .map(dir => path.join(dir, tool))
      .find(p => fs.existsSync(p))
    if (!found) throw new Error(`${tool} not found on PATH`)
    await fsp.symlink(found, path.join(bin, tool))
  }
  return bin
}

/** `size` random bytes (incompressible: the archive is as large), written in 4 MiB pieces. */
async function writeRandomFile(file: string, size: number): Promise<void> {
  await fsp.mkdir(path.dirname(file), { recursive: true })
  function* pieces(): Generator<Buffer> {
    for (let left = size; left > 0; left -= 4 * MiB)
      yield crypto.randomBytes(Math.min(left, 4 * MiB))
  }
  await pipeline(Readable.from(pieces()), fs.createWriteStream(file))
}

const digestOf = async (file: string): Promise<string> => {
  const hash = crypto.createHash('sha256')
  await pipeline(fs.createReadStream(file), hash)
  return hash.digest('hex')
}

/** Writes a tree into a new workspace and saves `ops` with the real client. */
async function trySave(
  svc: CacheService,
  work: string,
  key: string,
  seed = key,
  env = svc.env
): Promise<{ outcome: ClientOutcome; ws: string; files: Map<string, Buffer> }> {
  const ws = await workspace(work, `save-${crypto.randomUUID()}`)
  const files = await writeTree(ws, seed)
  return { outcome: await runClient(env, ws, { op: 'save', paths: ['ops'], key }), ws, files }
}

/** trySave, which must succeed; returns the entry id. */
async function saveTree(
  svc: CacheService,
  work: string,
  key: string,
  opts: { seed?: string; env?: Record<string, string> } = {}
): Promise<{ id: number; files: Map<string, Buffer> }> {
  const { outcome, files } = await trySave(svc, work, key, opts.seed, opts.env)
  if (!outcome.ok || typeof outcome.result !== 'number' || outcome.result < 0) {
    throw new Error(`save of ${key} failed: ${outcome.stdout}`)
  }
  return { id: outcome.result, files }
}

/** Seeds an entry whose archive (made like the client's) holds ops/kernel/version.txt = seed. */
async function seedTree(
  svc: CacheService,
  work: string,
  key: string,
  seed: string,
  createdAt: Date
): Promise<Map<string, Buffer>> {
  const ws = await workspace(work, `seed-${crypto.randomUUID()}`)
  const files = await writeTree(ws, seed)
  const archive = await createCacheArchive(ws, ['ops'])
  await svc.seedEntry({ key, paths: ['ops'], compression: ZSTD, archive, createdAt })
  return files
}

const restore = (
  svc: CacheService,
  ws: string,
  key: string,
  restoreKeys?: string[],
  env = svc.env
): Promise<ClientOutcome> =>
  runClient(env, ws, {
    op: 'restore',
    paths: ['ops'],
    key,
    ...(restoreKeys ? { restoreKeys } : {})
  })

describe('cache service + real @actions/cache client', () => {
  const fx = fixtureForEachTest()

  test('isFeatureAvailable() needs ACTIONS_CACHE_SERVICE_V2 and ACTIONS_RESULTS_URL; a missing token', async () => {
    const { svc, work } = fx
    expect(svc.env).toMatchObject({
      ACTIONS_CACHE_SERVICE_V2: 'True',
      ACTIONS_RESULTS_URL: `${svc.url}/`,
      ACTIONS_RUNTIME_TOKEN: svc.runtimeToken
    })
    const ws = await workspace(work, 'ws')
    const without = (name: string): Record<string, string> =>
      Object.fromEntries(Object.entries(svc.env).filter(([k]) => k !== name))
    const v1Env = without('ACTIONS_CACHE_SERVICE_V2')
    const noUrl = without('ACTIONS_RESULTS_URL')
    const results = await Promise.all(
      [svc.env, v1Env, noUrl].map(env => runClient(env, ws, { op: 'available' }))
    )
    // Without the v2 flag the client wants the v1 service (ACTIONS_CACHE_URL), which this is not.
    expect(results.map(r => r.result)).toEqual([true, false, false])

    // isFeatureAvailable() does not look at the token; without one, saveCache throws (the Twirp
    // client is made outside its try) while restoreCache only warns.
    const noToken = without('ACTIONS_RUNTIME_TOKEN')
    const [save, restored] = await Promise.all([
      trySave(svc, work, 'k', 'x', noToken).then(r => r.outcome),
      restore(svc, ws, 'k', undefined, noToken)
    ])
    expect(save).toMatchObject({
      ok: false,
      message: 'Unable to get the ACTIONS_RUNTIME_TOKEN env variable'
    })
    expect(restored).toMatchObject({
      ok: true,
      warnings: ['Failed to restore: Unable to get the ACTIONS_RUNTIME_TOKEN env variable']
    })
    expect(svc.requests).toEqual([])
  })

  test('save, then restore into a fresh workspace: identical bytes and modes', async () => {
    const { svc, work } = fx
    const first = await workspace(work, 'run1')
    const files = await writeTree(first, 'v1')
    const saved = await runClient(svc.env, first, { op: 'save', paths: ['ops'], key: 'ops-v1' })
    expect(saved.ok).toBe(true)
    expect(saved.warnings).toEqual([])

    const [entry] = svc.entries()
    expect(saved.result).toBe(entry!.id)
    expect(entry).toMatchObject({
      key: 'ops-v1',
      version: cacheVersion(['ops'], ZSTD),
      scope: 'refs/heads/main',
      state: 'finalized',
      method: 'PutBlob',
      blockCount: 0
    })
    const archive = await svc.readArchive('ops-v1')
    expect(archive.length).toBe(entry!.size)
    expect(archive.subarray(0, 4).equals(ZSTD_MAGIC)).toBe(true)
    expect(endpoints(svc)).toEqual(['CreateCacheEntry', 'PutBlob', 'FinalizeCacheEntryUpload'])
    expect(svc.requests.map(r => r.status)).toEqual([200, 201, 200])
    expect(svc.requests.map(r => r.key)).toEqual(['ops-v1', 'ops-v1', 'ops-v1'])
    expect(svc.requests.map(r => r.version)).toEqual(Array(3).fill(entry!.version))
    // What the client sends: proto field names, int64 as a JSON string, no metadata.
    expect(svc.requests[0]!.body).toEqual({ key: 'ops-v1', version: entry!.version })
    expect(svc.requests[2]!.body).toEqual({
      key: 'ops-v1',
      version: entry!.version,
      size_bytes: String(entry!.size)
    })

    const second = await workspace(work, 'run2')
    const restored = await restore(svc, second, 'ops-v1')
    expect(restored).toMatchObject({ ok: true, result: 'ops-v1', warnings: [], errors: [] })
    expect(restored.infos).toContain('Cache hit for: ops-v1')
    await expectTree(second, files)
    expect((await fsp.stat(path.join(second, 'ops/bin/ops'))).mode & 0o777).toBe(0o755)
    expect(endpoints(svc).slice(3)).toEqual(['GetCacheEntryDownloadURL', 'GetBlob'])
    expect(svc.requests[3]).toMatchObject({ key: 'ops-v1', matchedKey: 'ops-v1', status: 200 })
    // No restore keys: the field is left out (protobuf-ts omits defaults).
    expect(svc.requests[3]!.body).toEqual({ key: 'ops-v1', version: entry!.version })
    expect(svc.requests[4]).toMatchObject({ entryId: entry!.id, status: 200 })
  })

  test('a miss returns undefined quietly (ok: false), without a download', async () => {
    const { svc, work } = fx
    await saveTree(svc, work, 'ops-v1')
    const ws = await workspace(work, 'miss')
    const outcome = await restore(svc, ws, 'kernel-v1', ['kernel-'])
    expect(outcome.ok).toBe(true)
    expect(outcome.result).toBeUndefined()
    expect(outcome.warnings).toEqual([])
    expect(outcome.errors).toEqual([])
    const lookup = svc.requests.at(-1)!
    expect(lookup).toMatchObject({
      endpoint: 'GetCacheEntryDownloadURL',
      status: 200,
      key: 'kernel-v1',
      restoreKeys: ['kernel-'],
      matchedKey: ''
    })
    expect(lookup.body).toEqual({
      key: 'kernel-v1',
      restore_keys: ['kernel-'],
      version: cacheVersion(['ops'], ZSTD)
    })
    expect(fs.existsSync(path.join(ws, 'ops'))).toBe(false)
  })

  test('restore keys match exactly first, else as prefixes (newest first)', async () => {
    const { svc, work } = fx
    const t0 = Date.now() - 60_000
    const older = await seedTree(svc, work, 'ops-linux-1', 'older', new Date(t0))
    const newer = await seedTree(svc, work, 'ops-linux-12', 'newer', new Date(t0 + 1000))
    await seedTree(svc, work, 'ops-mac-1', 'mac', new Date(t0 + 2000))

    // 'ops-linux-' is a prefix of both linux entries: the newest wins.
    const byPrefix = await workspace(work, 'prefix')
    const prefixed = await restore(svc, byPrefix, 'ops-win-1', ['ops-linux-'])
    expect(prefixed.result).toBe('ops-linux-12')
    expect(prefixed.infos).toContain('Cache hit for restore-key: ops-linux-12')
    await expectTree(byPrefix, newer)

    // 'ops-linux-1' matches an entry exactly, which beats the newer 'ops-linux-12'.
    const byExact = await workspace(work, 'exact')
    const exact = await restore(svc, byExact, 'ops-win-1', ['ops-bsd-', 'ops-linux-1', 'ops-'])
    expect(exact.result).toBe('ops-linux-1')
    await expectTree(byExact, older)
  })

  test('the primary key itself matches as a prefix: the caller must compare the matched key', async () => {
    const { svc, work } = fx
    const saved = await saveTree(svc, work, 'nanos-kernel-0.1.52', { seed: 'kernel 0.1.52' })
    const ws = await workspace(work, 'prefix-of-primary')
    const outcome = await restore(svc, ws, 'nanos-kernel-0.1.5')
    // A hit for another key: 0.1.52's files, reported as a restore-key hit.
    expect(outcome.result).toBe('nanos-kernel-0.1.52')
    expect(outcome.infos).toContain('Cache hit for restore-key: nanos-kernel-0.1.52')
    await expectTree(ws, saved.files)
    expect(svc.requests.at(-1)).toMatchObject({ endpoint: 'GetBlob', entryId: saved.id })
  })

  test('the version scopes entries: other paths or another compression method miss', async () => {
    const { svc, work } = fx
    await saveTree(svc, work, 'ops-v1')
    const other = await workspace(work, 'other-paths')
    const otherPaths = await runClient(svc.env, other, {
      op: 'restore',
      paths: ['ops', 'extra'],
      key: 'ops-v1'
    })
    expect(otherPaths).toMatchObject({ ok: true, warnings: [] })
    expect(otherPaths.result).toBeUndefined()
    expect(svc.requests.at(-1)!.version).toBe(cacheVersion(['ops', 'extra'], ZSTD))

    // Without zstd on PATH the client uses gzip: another version, a miss; its own save is gzip.
    const noZstd = { ...svc.env, PATH: await pathWithoutZstd(work) }
    const gz = await workspace(work, 'gzip')
    const gzRestore = await restore(svc, gz, 'ops-v1', undefined, noZstd)
    expect(gzRestore.result).toBeUndefined()
    expect(svc.requests.at(-1)!.version).toBe(cacheVersion(['ops'], 'gzip'))
    const gzFiles = await writeTree(gz, 'gzip')
    const gzSave = await runClient(noZstd, gz, { op: 'save', paths: ['ops'], key: 'ops-v1' })
    expect(gzSave.result).toBeGreaterThan(0)
    const gzEntry = svc.find('ops-v1', cacheVersion(['ops'], 'gzip'))!
    expect((await svc.readArchive('ops-v1', gzEntry.version)).subarray(0, 2)).toEqual(GZIP_MAGIC)
    const gzBack = await workspace(work, 'gzip-back')
    expect((await restore(svc, gzBack, 'ops-v1', undefined, noZstd)).result).toBe('ops-v1')
    await expectTree(gzBack, gzFiles)
    expect(svc.entries().map(e => e.key)).toEqual(['ops-v1', 'ops-v1'])

    // The cross-OS flag only enters the version on Windows.
    expect(cacheVersion(['ops'], ZSTD, true, 'linux')).toBe(
      cacheVersion(['ops'], ZSTD, false, 'linux')
    )
    expect(cacheVersion(['ops'], ZSTD, true, 'win32')).not.toBe(
      cacheVersion(['ops'], ZSTD, false, 'win32')
    )
  })

  test('a second save of the same key and version is refused (409) and reported as a reserve failure', async () => {
    const { svc, work } = fx
    const first = await saveTree(svc, work, 'ops-v1', { seed: 'first' })
    const before = await svc.readArchive('ops-v1')
    const { outcome: again } = await trySave(svc, work, 'ops-v1', 'second')
    // saveCache does not throw: it returns -1 and says so at info level (no warning).
    expect(again).toMatchObject({ ok: true, result: -1, warnings: [], errors: [] })
    expect(again.infos).toContain(
      'Failed to save: Unable to reserve cache with key ops-v1, another job may be creating this cache.'
    )
    const creates = svc.requests.filter(r => r.endpoint === 'CreateCacheEntry')
    expect(creates.map(r => r.status)).toEqual([200, 409])
    expect(endpoints(svc).at(-1)).toBe('CreateCacheEntry')
    expect(svc.entries().map(e => e.id)).toEqual([first.id])
    expect((await svc.readArchive('ops-v1')).equals(before)).toBe(true)
  })

  test('cache scopes: a branch reads its own and the default branch, writes only its own', async () => {
    const { svc, work } = fx
    const main = await saveTree(svc, work, 'ops-v1', { seed: 'main' })
    const feature = svc.envWith({
      scopes: [
        { scope: 'refs/heads/feature', permission: CACHE_READ | CACHE_WRITE },
        { scope: 'refs/heads/main', permission: CACHE_READ }
      ]
    })
    const fromMain = await workspace(work, 'feature-reads-main')
    expect((await restore(svc, fromMain, 'ops-v1', undefined, feature)).result).toBe('ops-v1')
    await expectTree(fromMain, main.files)

    // The same key saves again in the feature scope, and the feature branch then prefers it.
    const own = await saveTree(svc, work, 'ops-v1', { seed: 'feature', env: feature })
    expect(svc.entries().map(e => [e.key, e.scope])).toEqual([
      ['ops-v1', 'refs/heads/main'],
      ['ops-v1', 'refs/heads/feature']
    ])
    const fromFeature = await workspace(work, 'feature-reads-own')
    expect((await restore(svc, fromFeature, 'ops-v1', undefined, feature)).result).toBe('ops-v1')
    await expectTree(fromFeature, own.files)
    expect(svc.requests.at(-1)).toMatchObject({ endpoint: 'GetBlob', entryId: own.id })

    // The default branch does not see the feature branch's entries.
    await saveTree(svc, work, 'feature-only', { seed: 'f', env: feature })
    const mainWs = await workspace(work, 'main-reads')
    expect((await restore(svc, mainWs, 'feature-only')).result).toBeUndefined()
  })

  test('read-only and write-only tokens, and ACTIONS_CACHE_MODE, as the client reports them', async () => {
    const { svc, work } = fx
    await saveTree(svc, work, 'ops-v1')
    const readOnly = svc.envWith({ scopes: [{ scope: 'refs/heads/main', permission: CACHE_READ }] })
    const { outcome: denied, ws } = await trySave(svc, work, 'ops-v2', 'x', readOnly)
    expect(denied.result).toBe(-1)
    expect(denied.warnings).toEqual([
      `Failed to save: Unable to reserve cache with key ops-v2. More details: ${WRITE_DENIED_MESSAGE}`
    ])
    expect(svc.requests.at(-1)).toMatchObject({ endpoint: 'CreateCacheEntry', status: 200 })
    expect((await restore(svc, ws, 'ops-v1', undefined, readOnly)).result).toBe('ops-v1')

    const writeOnly = svc.envWith({
      scopes: [{ scope: 'refs/heads/main', permission: CACHE_WRITE }]
    })
    const blind = await restore(svc, await workspace(work, 'blind'), 'ops-v1', undefined, writeOnly)
    expect(blind.result).toBeUndefined()
    expect(blind.warnings).toEqual([
      `Failed to restore: Failed to GetCacheEntryDownloadURL: Received non-retryable error: Failed request: (403) Forbidden: ${READ_DENIED_MESSAGE}`
    ])

    // The runner's cache-mode is enforced by the client alone: nothing reaches the service.
    const count = svc.requests.length
    const skipped = await runClient(svc.envWith({ cacheMode: 'read' }), ws, {
      op: 'save',
      paths: ['ops'],
      key: 'ops-v3'
    })
    expect(skipped.result).toBe(-1)
    expect(skipped.infos).toContain(
      "Cache save skipped: the effective cache-mode 'read' does not permit writes."
    )
    expect(svc.requests.length).toBe(count)
  })

  test('a corrupted archive makes the restore fail with a warning (a miss)', async () => {
    const { svc, work } = fx
    await saveTree(svc, work, 'ops-v1')
    const good = await svc.readArchive('ops-v1')
    await svc.replaceArchive('ops-v1', crypto.randomBytes(good.length))
    const ws = await workspace(work, 'garbage')
    const garbage = await restore(svc, ws, 'ops-v1')
    expect(garbage).toMatchObject({ ok: true, errors: [] })
    expect(garbage.result).toBeUndefined()
    expect(garbage.warnings).toHaveLength(1)
    expect(garbage.warnings[0]).toMatch(/^Failed to restore: .*tar.* failed with (error|exit code)/)
    // The hit was reported before the download failed.
    expect(garbage.infos).toContain('Cache hit for: ops-v1')
    expect(statusesOf(svc, 'GetBlob')).toEqual([200])

    expect(svc.find('ops-v1')).toMatchObject({ method: 'replaced', size: good.length })
  })

  test('a truncated archive fails the restore after tar extracted part of it', async () => {
    const { svc, work } = fx
    const ws = await workspace(work, 'save')
    const files = await writeTree(ws, 'v1')
    await writeRandomFile(path.join(ws, 'ops/big.bin'), 4 * MiB)
    const big = await fsp.readFile(path.join(ws, 'ops/big.bin'))
    expect((await runClient(svc.env, ws, { op: 'save', paths: ['ops'], key: 'ops-v1' })).ok).toBe(
      true
    )
    const good = await svc.readArchive('ops-v1')
    await svc.replaceArchive('ops-v1', good.subarray(0, Math.floor(good.length * 0.9)))
    const back = await workspace(work, 'truncated')
    const outcome = await restore(svc, back, 'ops-v1')
    expect(outcome.result).toBeUndefined()
    expect(outcome.warnings).toHaveLength(1)
    expect(outcome.warnings[0]).toMatch(/^Failed to restore: .*tar.* failed/)
    // What tar wrote before the data ran out stays: complete files, and a short big.bin.
    const left = (await fsp.readdir(path.join(back, 'ops'), { recursive: true })).map(String).sort()
    process.stdout.write(`left behind by the failed restore: ${JSON.stringify(left)}\n`)
    expect(left.length).toBeGreaterThan(0)
    const partial = await fsp.readFile(path.join(back, 'ops/big.bin')).catch(() => Buffer.alloc(0))
    expect(partial.length).toBeLessThan(big.length)
    expect(partial.equals(big.subarray(0, partial.length))).toBe(true)
    for (const [rel, data] of files) {
      const got = await fsp.readFile(path.join(back, rel)).catch(() => undefined)
      if (got) expect(data.subarray(0, got.length).equals(got)).toBe(true)
    }
  })

  test('a well-formed archive with tampered contents restores the tampered bytes', async () => {
    const { svc, work } = fx
    const saved = await saveTree(svc, work, 'ops-v1', { seed: 'genuine' })
    const evil = await workspace(work, 'evil')
    const tampered = await writeTree(evil, 'tampered')
    await svc.replaceArchive('ops-v1', await createCacheArchive(evil, ['ops']))
    const ws = await workspace(work, 'victim')
    const outcome = await restore(svc, ws, 'ops-v1')
    expect(outcome).toMatchObject({ ok: true, result: 'ops-v1', warnings: [] })
    await expectTree(ws, tampered)
    const version = await fsp.readFile(path.join(ws, 'ops/kernel/version.txt'), 'utf8')
    expect(version).toBe('tampered')
    expect(version).not.toBe(saved.files.get('ops/kernel/version.txt')!.toString())
  })

  test('download failures: a 404 is not noticed until tar fails, a dropped lookup fails at once, deleted entries miss', async () => {
    const { svc, work } = fx
    await saveTree(svc, work, 'ops-v1')
    // The plain HTTP download does not check the status: the error body becomes the "archive".
    svc.faults.inject('GetBlob', 404)
    const e404 = await restore(svc, await workspace(work, 'b'), 'ops-v1')
    expect(e404.result).toBeUndefined()
    expect(e404.warnings[0]).toMatch(/^Failed to restore: .*tar.* failed/)
    expect(statusesOf(svc, 'GetBlob')).toEqual([404])

    // A dropped Twirp connection fails at once (NetworkError, not retried).
    svc.faults.inject('GetCacheEntryDownloadURL', 'drop')
    const dropped = await restore(svc, await workspace(work, 'c'), 'ops-v1')
    expect(dropped.result).toBeUndefined()
    expect(dropped.warnings[0]).toMatch(
      /^Failed to restore: Failed to GetCacheEntryDownloadURL: Unable to make request: ECONNRESET\n/
    )
    expect(statusesOf(svc, 'GetCacheEntryDownloadURL').at(-1)).toBe(0)

    expect(await svc.deleteEntry('ops-v1')).toBe(true)
    expect(await svc.deleteEntry('ops-v1')).toBe(false)
    const gone = await restore(svc, await workspace(work, 'd'), 'ops-v1')
    expect(gone).toMatchObject({ ok: true, warnings: [] })
    expect(gone.result).toBeUndefined()
    expect(svc.entries()).toEqual([])
  })

  test('429 on CreateCacheEntry is not retried (rate limit warning), save reports a reserve failure', async () => {
    const { svc, work } = fx
    svc.faults.inject('CreateCacheEntry', {
      kind: 'status',
      status: 429,
      headers: { 'Retry-After': '60' }
    })
    const { outcome } = await trySave(svc, work, 'ops-v1')
    expect(outcome.result).toBe(-1)
    expect(outcome.warnings).toEqual([
      "You've hit a rate limit, your rate limit will reset in 60 seconds"
    ])
    expect(outcome.infos).toContain(
      'Failed to save: Unable to reserve cache with key ops-v1, another job may be creating this cache.'
    )
    expect(statusesOf(svc, 'CreateCacheEntry')).toEqual([429])
    expect(svc.entries()).toEqual([])
  })

  test('an unreachable service (connection refused) fails save and restore at once', async () => {
    const { svc, work } = fx
    await saveTree(svc, work, 'ops-v1')
    await svc.unreachable()
    const [{ outcome: saved }, restored] = await Promise.all([
      trySave(svc, work, 'ops-v2'),
      restore(svc, await workspace(work, 'r'), 'ops-v1')
    ])
    expect(saved.result).toBe(-1)
    expect(saved.infos).toContain(
      'Failed to save: Unable to reserve cache with key ops-v2, another job may be creating this cache.'
    )
    expect(restored.result).toBeUndefined()
    expect(restored.warnings[0]).toMatch(
      /^Failed to restore: Failed to GetCacheEntryDownloadURL: Unable to make request: ECONNREFUSED\n/
    )
    process.stdout.write(
      `unreachable cache service: save gave up after ${saved.ms} ms, restore after ${restored.ms} ms\n`
    )
    expect(Math.max(saved.ms, restored.ms)).toBeLessThan(10_000)

    await svc.reachable()
    expect((await restore(svc, await workspace(work, 'back'), 'ops-v1')).result).toBe('ops-v1')
  })

  test('an archive over 128 MiB goes up in 64 MiB blocks (Put Block, Put Block List)', async () => {
    const { svc, work } = fx
    const ws = await workspace(work, 'big')
    const big = path.join(ws, 'ops/big.img')
    await writeRandomFile(big, 130 * MiB)
    const expected = await digestOf(big)
    const started = Date.now()
    const saved = await runClient(svc.env, ws, { op: 'save', paths: ['ops'], key: 'big' })
    const saveMs = Date.now() - started
    expect(saved.result).toBeGreaterThan(0)
    const entry = svc.find('big')!
    expect(entry).toMatchObject({ method: 'PutBlockList', blockCount: 3, state: 'finalized' })
    expect(entry.size).toBeGreaterThan(128 * MiB)
    expect(statusesOf(svc, 'PutBlock')).toEqual([201, 201, 201])
    expect(statusesOf(svc, 'PutBlockList')).toEqual([201])
    await fsp.rm(big)

    const back = await workspace(work, 'big-back')
    const restored = await restore(svc, back, 'big')
    expect(restored.result).toBe('big')
    expect(await digestOf(path.join(back, 'ops/big.img'))).toBe(expected)
    process.stdout.write(
      `130 MiB through the real client: save ${saveMs} ms, restore ${restored.ms} ms\n`
    )
  })
})

describe('the cache protocol, raw', () => {
  const fx = fixtureForEachTest()

  const call = async (
    method: string,
    body: unknown,
    opts: { token?: string; contentType?: string; raw?: string } = {}
  ): Promise<{ status: number; json: Record<string, unknown> }> => {
    const res = await fetch(`${fx.svc.url}${CACHE_TWIRP_PREFIX}${method}`, {
      method: 'POST',
      headers: {
        'Content-Type': opts.contentType ?? 'application/json',
        Authorization: `Bearer ${opts.token ?? fx.svc.runtimeToken}`
      },
      body: opts.raw ?? JSON.stringify(body)
    })
    return { status: res.status, json: (await res.json()) as Record<string, unknown> }
  }
  const version = cacheVersion(['ops'], ZSTD)
  /** Put Blob (a single-shot upload) to a signed URL. */
  const putBlob = (url: string, body: string): Promise<Response> =>
    fetch(url, { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob' }, body })

  test('Twirp: token, route, content type and protojson decoding', async () => {
    const { svc } = fx
    const create = { key: 'k', version }
    expect(await call('CreateCacheEntry', create, { token: 'not-a-jwt' })).toMatchObject({
      status: 401,
      json: { code: 'unauthenticated' }
    })
    expect(await call('Nope', {})).toMatchObject({ status: 404, json: { code: 'bad_route' } })
    expect(await call('CreateCacheEntry', create, { contentType: 'text/plain' })).toMatchObject({
      status: 404,
      json: { code: 'bad_route' }
    })
    expect(await call('CreateCacheEntry', null, { raw: '{"key":' })).toMatchObject({
      status: 400,
      json: { code: 'malformed' }
    })
    expect(await call('CreateCacheEntry', { key: 5, version })).toMatchObject({
      status: 400,
      json: { code: 'malformed' }
    })
    expect(
      await call('GetCacheEntryDownloadURL', {
        key: 'k',
        version,
        restore_keys: ['a'],
        restoreKeys: ['b']
      })
    ).toMatchObject({ status: 400, json: { code: 'malformed' } })
    expect(
      await call('FinalizeCacheEntryUpload', { key: 'k', version, size_bytes: '1.5' })
    ).toMatchObject({
      status: 400,
      json: { code: 'malformed' }
    })
    expect(
      await call('CreateCacheEntry', { key: 'k', version, metadata: { scope: 'refs/heads/main' } })
    ).toMatchObject({ status: 400, json: { code: 'malformed' } })
    expect(await call('CreateCacheEntry', { version })).toMatchObject({
      status: 400,
      json: { code: 'invalid_argument' }
    })
    expect(await call('CreateCacheEntry', { key: 'k' })).toMatchObject({
      status: 400,
      json: { code: 'invalid_argument' }
    })
    expect(await call('CreateCacheEntry', { key: 'k'.repeat(513), version })).toMatchObject({
      status: 400
    })
    expect(
      await call('GetCacheEntryDownloadURL', {
        key: 'k',
        version,
        restore_keys: Array.from({ length: 10 }, (_, i) => `r${i}`)
      })
    ).toMatchObject({ status: 400, json: { code: 'invalid_argument' } })

    // Unknown fields are discarded and JSON (lowerCamelCase) names accepted, like protojson.
    const created = await call('CreateCacheEntry', {
      key: 'k',
      version,
      metadata: { repository_id: '42', scope: [{ scope: 'refs/heads/main', permission: '3' }] },
      surprise: { nested: true }
    })
    expect(created).toMatchObject({ status: 200, json: { ok: true, message: '' } })
    expect(String(created.json['signed_upload_url'])).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/blob\/caches\/[^/?]+\?sv=.*&se=.*&sr=b&sp=cw&sig=/
    )
    expect(await call('CreateCacheEntry', create)).toMatchObject({
      status: 409,
      json: { code: 'already_exists', msg: ALREADY_EXISTS_MESSAGE }
    })
    // Reserved but not finalized: invisible to lookups.
    expect(
      await call('GetCacheEntryDownloadURL', { key: 'k', restoreKeys: ['k'], version })
    ).toEqual({
      status: 200,
      json: { ok: false, signed_download_url: '', matched_key: '' }
    })
    expect(svc.find('k')).toMatchObject({ state: 'reserved', size: 0 })

    const denied = svc.envWith({ scopes: [] })['ACTIONS_RUNTIME_TOKEN']
    expect(await call('CreateCacheEntry', { key: 'x', version }, { token: denied })).toEqual({
      status: 200,
      json: { ok: false, signed_upload_url: '', message: WRITE_DENIED_MESSAGE }
    })
    expect(
      await call('GetCacheEntryDownloadURL', { key: 'x', version }, { token: denied })
    ).toMatchObject({
      status: 403,
      json: { code: 'permission_denied', msg: READ_DENIED_MESSAGE }
    })
  })

  test('blob: signatures, permissions, expiry, blocks, finalize checks, Range downloads', async () => {
    const { svc } = fx
    const created = await call('CreateCacheEntry', { key: 'blocks', version })
    const upload = String(created.json['signed_upload_url'])
    const blockUrl = (id: string): string =>
      `${upload}&comp=block&blockid=${encodeURIComponent(id)}`
    const idA = Buffer.from('block-000000').toString('base64')
    const idB = Buffer.from('block-000001').toString('base64')

    // A wrong signature, and a right one with the expiry moved (the signature covers it).
    for (const forged of [
      upload.replace(/sig=[^&]+/, 'sig=wrong'),
      upload.replace(/se=[^&]+/, 'se=2099-01-01T00%3A00%3A00Z')
    ]) {
      const refused = await putBlob(forged, 'nope')
      expect(refused.status).toBe(403)
      expect(refused.headers.get('x-ms-error-code')).toBe('AuthenticationFailed')
    }
    expect((await fetch(upload)).status).toBe(403) // an upload URL does not read

    expect(
      await call('FinalizeCacheEntryUpload', { key: 'blocks', version, size_bytes: '7' })
    ).toMatchObject({
      status: 412,
      json: { code: 'failed_precondition' }
    })
    expect(
      await call('FinalizeCacheEntryUpload', { key: 'other', version, size_bytes: '7' })
    ).toMatchObject({
      status: 404,
      json: { code: 'not_found' }
    })

    for (const [id, body] of [
      [idB, 'BBBB'],
      [idA, 'xx'],
      [idA, 'AAA']
    ] as const) {
      expect((await fetch(blockUrl(id), { method: 'PUT', body })).status).toBe(201)
    }
    const commit = await fetch(`${upload}&comp=blocklist`, {
      method: 'PUT',
      body: `<?xml version="1.0" encoding="utf-8"?><BlockList><Latest>${idA}</Latest><Latest>${idB}</Latest></BlockList>`
    })
    expect(commit.status).toBe(201)
    expect(
      await call('FinalizeCacheEntryUpload', { key: 'blocks', version, size_bytes: '8' })
    ).toMatchObject({
      status: 400,
      json: { code: 'invalid_argument' }
    })
    const fin = await call('FinalizeCacheEntryUpload', { key: 'blocks', version, sizeBytes: 7 })
    expect(fin).toMatchObject({ status: 200, json: { ok: true, message: '' } })
    const entry = svc.find('blocks')!
    expect(fin.json['entry_id']).toBe(String(entry.id))
    expect(entry).toMatchObject({
      state: 'finalized',
      size: 7,
      method: 'PutBlockList',
      blockCount: 2
    })
    expect(
      await call('FinalizeCacheEntryUpload', { key: 'blocks', version, size_bytes: '7' })
    ).toMatchObject({
      status: 409
    })
    // Immutable: the upload URL no longer writes.
    const late = await putBlob(upload, 'x')
    expect(late.status).toBe(409)

    const found = await call('GetCacheEntryDownloadURL', { key: 'blo', version })
    expect(found).toMatchObject({ status: 200, json: { ok: true, matched_key: 'blocks' } })
    const download = String(found.json['signed_download_url'])
    expect(download).toMatch(/&sp=r&/)
    const whole = await fetch(download)
    expect(whole.status).toBe(200)
    expect(whole.headers.get('content-length')).toBe('7')
    expect(Buffer.from(await whole.arrayBuffer()).toString()).toBe('AAABBBB')
    const part = await fetch(download, { headers: { Range: 'bytes=2-4' } })
    expect(part.status).toBe(206)
    expect(part.headers.get('content-range')).toBe('bytes 2-4/7')
    expect(await part.text()).toBe('ABB')
    expect((await fetch(download, { headers: { Range: 'bytes=9-' } })).status).toBe(416)
    const writeWithRead = await putBlob(download, 'x')
    expect(writeWithRead.status).toBe(403)
    expect(writeWithRead.headers.get('x-ms-error-code')).toBe('AuthorizationPermissionMismatch')
    expect(
      (await call('GetCacheEntryDownloadURL', { key: 'blocks', version: 'other' })).json
    ).toMatchObject({
      ok: false
    })

    await svc.deleteEntry('blocks')
    expect((await fetch(download)).status).toBe(404)

    // Signed URLs expire.
    const shortLived = await startCacheService({ downloadUrlTtlMs: 0 })
    try {
      await shortLived.seedEntry({ key: 'k', version, archive: 'bytes' })
      const res = await fetch(`${shortLived.url}${CACHE_TWIRP_PREFIX}GetCacheEntryDownloadURL`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Authorization: `Bearer ${shortLived.runtimeToken}`
        },
        body: JSON.stringify({ key: 'k', version })
      })
      const url = String(((await res.json()) as Record<string, unknown>)['signed_download_url'])
      const expired = await fetch(url)
      expect(expired.status).toBe(403)
      expect(expired.headers.get('x-ms-error-code')).toBe('AuthenticationFailed')
    } finally {
      await shortLived.close()
    }
  })
})

// The client's Twirp retries take real time (3 s, then ~4.5-6.75 s, ... : about 25-35 s for five
// attempts) and nothing in @actions/cache 6.3 shortens them, so these run concurrently, each with
// its own service: the whole block costs about one such wait.
describe('retries and permanent failures of the real client', () => {
  concurrentServiceTest(
    '5xx on CreateCacheEntry and FinalizeCacheEntryUpload is retried, then saves',
    { faults: { CreateCacheEntry: 503, FinalizeCacheEntryUpload: 502 } },
    async (svc, work) => {
      const { outcome } = await trySave(svc, work, 'ops-v1', 'x')
      expect(outcome.result).toBe(svc.find('ops-v1')!.id)
      expect(statusesOf(svc, 'CreateCacheEntry')).toEqual([503, 200])
      expect(statusesOf(svc, 'FinalizeCacheEntryUpload')).toEqual([502, 200])
      const [first, second] = svc.requests.filter(r => r.endpoint === 'CreateCacheEntry')
      expect(second!.at - first!.at).toBeGreaterThanOrEqual(2900)
      expect(
        outcome.infos.some(l =>
          l.startsWith('Attempt 1 of 5 failed with error: Failed request: (503)')
        )
      ).toBe(true)
      expect(svc.find('ops-v1')!.state).toBe('finalized')
    }
  )

  concurrentServiceTest(
    '5xx on GetCacheEntryDownloadURL is retried; a slow answer (delay) is waited for',
    {},
    async (svc, work) => {
      const saved = await saveTree(svc, work, 'ops-v1')
      svc.faults.inject('GetCacheEntryDownloadURL', 500)
      svc.faults.inject('GetCacheEntryDownloadURL', { kind: 'delay', delayMs: 1500 })
      const ws = await workspace(work, 'back')
      const outcome = await restore(svc, ws, 'ops-v1')
      expect(outcome.result).toBe('ops-v1')
      const lookups = svc.requests.filter(r => r.endpoint === 'GetCacheEntryDownloadURL')
      expect(lookups.map(r => [r.status, r.fault])).toEqual([
        [500, 'status'],
        [200, 'delay']
      ])
      expect(lookups[1]!.at - lookups[0]!.at).toBeGreaterThanOrEqual(2900 + 1500)
      await expectTree(ws, saved.files)
    }
  )

  concurrentServiceTest(
    'blob faults: upload 500 and a dropped connection are retried by the Azure SDK, a download 503 after 5 s',
    { faults: { PutBlob: [500, 'drop'], GetBlob: 503 } },
    async (svc, work) => {
      const saved = await saveTree(svc, work, 'ops-v1')
      expect(statusesOf(svc, 'PutBlob')).toEqual([500, 0, 201])
      const ws = await workspace(work, 'back')
      const outcome = await restore(svc, ws, 'ops-v1')
      expect(outcome.result).toBe('ops-v1')
      const gets = svc.requests.filter(r => r.endpoint === 'GetBlob')
      expect(gets.map(r => r.status)).toEqual([503, 200])
      expect(gets[1]!.at - gets[0]!.at).toBeGreaterThanOrEqual(4900)
      await expectTree(ws, saved.files)
    }
  )

  concurrentServiceTest(
    'a download 500 is not retried; the client process then lingers until the server drops the connection',
    {},
    async (svc, work) => {
      await saveTree(svc, work, 'ops-v1')
      svc.faults.inject('GetBlob', 500)
      const e500 = await restore(svc, await workspace(work, 'a'), 'ops-v1')
      expect(e500.result).toBeUndefined()
      expect(e500.warnings).toEqual([
        'Failed to restore: downloadCache failed: Cache service responded with 500'
      ])
      expect(statusesOf(svc, 'GetBlob')).toEqual([500])
      // The client leaves the error response unread: its process lingers until the server closes
      // the idle connection (this service: after keepAliveTimeoutMs, 5 s by default).
      expect(e500.ms).toBeGreaterThan(4500)
    }
  )

  // Every Twirp method given up on after five attempts, and how the client tells it.
  const reserveFailure =
    'Failed to save: Unable to reserve cache with key ops-v1, another job may be creating this cache.'
  const gaveUp = (method: string, status: number): string =>
    `Failed to ${method}: Failed to make request after 5 attempts: Failed request: (${status}) ${
      status === 500 ? 'Internal Server Error' : 'Service Unavailable'
    }: injected ${status}`
  const permanent: Array<{
    method: CacheTwirpMethod
    status: number
    op: 'save' | 'restore'
    result: number | undefined
    warnings: string[]
    info?: string
  }> = [
    // A failed reservation, whatever the cause, is an info line, not a warning.
    {
      method: 'CreateCacheEntry',
      status: 500,
      op: 'save',
      result: -1,
      warnings: [],
      info: reserveFailure
    },
    {
      method: 'FinalizeCacheEntryUpload',
      status: 503,
      op: 'save',
      result: -1,
      warnings: [`Failed to save: ${gaveUp('FinalizeCacheEntryUpload', 503)}`]
    },
    {
      method: 'GetCacheEntryDownloadURL',
      status: 503,
      op: 'restore',
      result: undefined,
      warnings: [`Failed to restore: ${gaveUp('GetCacheEntryDownloadURL', 503)}`]
    }
  ]
  for (const c of permanent) {
    concurrentServiceTest(
      `a permanent ${c.status} on ${c.method}: five attempts (~30 s), then ${c.op} returns ${c.result}`,
      { faults: { [c.method]: { fault: c.status, times: Infinity } } },
      async (svc, work) => {
        const outcome =
          c.op === 'save'
            ? (await trySave(svc, work, 'ops-v1')).outcome
            : await restore(svc, await workspace(work, 'ws'), 'ops-v1', ['ops-'])
        expect(outcome).toMatchObject({ ok: true, warnings: c.warnings, errors: [] })
        expect(outcome.result).toBe(c.result)
        if (c.info) expect(outcome.infos).toContain(c.info)
        expect(statusesOf(svc, c.method)).toEqual(Array(5).fill(c.status))
        expect(outcome.ms).toBeGreaterThan(24_000)
        // A save that reserved but never finalized leaves the entry reserved: invisible, and
        // blocking its key and version.
        if (c.method === 'FinalizeCacheEntryUpload') {
          expect(svc.find('ops-v1')).toMatchObject({ state: 'reserved' })
        }
        process.stdout.write(
          `permanent ${c.status} on ${c.method}: gave up after ${outcome.ms} ms\n`
        )
      }
    )
  }

  concurrentServiceTest(
    'a permanent 5xx on the archive upload: the Azure SDK tries 4 times, then a warning and -1',
    { faults: { PutBlob: { fault: 503, times: Infinity } } },
    async (svc, work) => {
      const { outcome } = await trySave(svc, work, 'ops-v1', 'x')
      expect(outcome.result).toBe(-1)
      expect(statusesOf(svc, 'PutBlob')).toEqual([503, 503, 503, 503])
      expect(statusesOf(svc, 'FinalizeCacheEntryUpload')).toEqual([])
      expect(outcome.warnings[0]).toMatch(
        /^uploadCacheArchiveSDK: internal error uploading cache archive: injected 503/
      )
      expect(outcome.warnings.at(-1)).toMatch(/^Failed to save: injected 503/)
      process.stdout.write(
        `permanent 5xx on the archive upload: save gave up after ${outcome.ms} ms\n`
      )
    }
  )
})
