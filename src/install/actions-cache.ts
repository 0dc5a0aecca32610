/**
 * The Actions cache, across runs: Ops and the kernel release are restored from it when the
 * tool cache has no copy (on GitHub-hosted runners the tool cache is new in every job), and
 * saved to it right after a download was verified. Through the real @actions/cache client,
 * loaded only when a lookup is due. It never fails the step:
 *
 * - Keys name the layout (L1), the tool, its version, platform and pin, and end with `-`; the
 *   service also matches a key as a prefix, so only an entry whose key is exactly the one asked
 *   for is used.
 * - Restore and save pass the same path string, `~/.cache/nanos-image-action/<entry>`: the
 *   client hashes the strings into the entry's version, and this one reads the same on every
 *   hosted runner.
 * - An entry carries the sha256 of every file, recorded from the verified download; a restored
 *   entry that does not match (or a pinned `ops-sha256`) is removed with a warning, and the tool
 *   is downloaded as if there had been no entry. A failed extraction's leftovers are removed.
 * - The client retries a failing service for about 30 s per call: after a call that slow, or
 *   one that threw, no further call is made in this run.
 */
import * as core from '@actions/core'
import {
  copyFile,
  link,
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  rm,
  symlink,
  writeFile
} from 'node:fs/promises'
import * as os from 'node:os'
import * as path from 'node:path'
import { describe } from '../errors.js'
import { sha256File } from './checksum.js'

/** Bump when what an entry holds changes: an old layout is then never restored. */
const LAYOUT = 'L1'
const RECORD = 'nanos-image-action-entry.json'
/** A call slower than this was the client retrying a failing service. */
const SLOW_CALL_MS = 10_000

export interface CacheEntry {
  tool: 'ops' | 'nanos'
  version: string
  /** e.g. linux-amd64 for Ops (the host), amd64 for the kernel (the image). */
  platform: string
  /** `ops-sha256`, when given: part of the key, and checked on restore. */
  sha256?: string
}

interface EntryRecord {
  layout: string
  key: string
  /** sha256 of each regular file, `symlink:<target>` for each link, by relative path. */
  files: Record<string, string>
}

type CacheModule = typeof import('@actions/cache')
type Env = Readonly<Record<string, string | undefined>>

export class ActionsCache {
  private client?: Promise<CacheModule | undefined>
  private failing = false

  /** `enabled`: the `cache` input. */
  constructor(
    private readonly enabled: boolean,
    private readonly env: Env
  ) {}

  /** The entry's key. */
  static key(entry: CacheEntry): string {
    const pin = entry.sha256 ? `-sha256-${entry.sha256}` : ''
    return `nanos-image-action-${LAYOUT}-${entry.tool}-${entry.version}-${entry.platform}${pin}-`
  }

  /**
   * Restore `entry` and check it; the folder with its files, or undefined (a miss, a bad
   * entry, a failing service: the caller downloads).
   */
  async restore(entry: CacheEntry): Promise<string | undefined> {
    const cache = await this.usable()
    if (!cache) return undefined
    const key = ActionsCache.key(entry)
    const { pathString, dir } = location(entry)
    await rm(dir, { recursive: true, force: true })
    const matched = await this.call('restore', () => cache.restoreCache([pathString], key))
    if (matched !== key) {
      // A prefix match is another entry; a failed extraction may have left files behind.
      if (matched) core.info(`The Actions cache answered with ${matched}, not ${key}: not used.`)
      await rm(dir, { recursive: true, force: true })
      return undefined
    }
    const problem = await check(dir, key, entry.sha256)
    if (problem) {
      await rm(dir, { recursive: true, force: true })
      core.warning(
        `The Actions cache entry ${key} ${problem}: it was removed and not used; downloading instead.`
      )
      return undefined
    }
    core.info(`Restored from the Actions cache: ${key}`)
    return dir
  }

  /** Save the verified files in `source` as `entry`. */
  async save(entry: CacheEntry, source: string): Promise<void> {
    const cache = await this.usable()
    if (!cache) return
    const key = ActionsCache.key(entry)
    const { pathString, dir } = location(entry)
    try {
      await rm(dir, { recursive: true, force: true })
      const files = await mirror(source, dir)
      const record: EntryRecord = { layout: LAYOUT, key, files }
      await writeFile(path.join(dir, RECORD), `${JSON.stringify(record, null, 2)}\n`)
      const id = await this.call('save', () => cache.saveCache([pathString], key))
      if (id !== undefined && id !== -1) core.info(`Saved to the Actions cache: ${key}`)
    } catch (error) {
      core.warning(`Could not prepare the Actions cache entry ${key}: ${describe(error)}`)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }

  /** The client, when the cache is on, the service available, and not failing. */
  private async usable(): Promise<CacheModule | undefined> {
    if (!this.enabled || this.failing || !serviceConfigured(this.env)) return undefined
    this.client ??= import('@actions/cache').then(
      cache => (cache.isFeatureAvailable() ? cache : undefined),
      error => {
        core.warning(`Could not load the Actions cache client: ${describe(error)}`)
        return undefined
      }
    )
    return this.client
  }

  /** One client call; a throw or a slow call means the service is failing: no more calls. */
  private async call<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
    const started = performance.now()
    try {
      return await fn()
    } catch (error) {
      this.failing = true
      core.warning(
        `The Actions cache ${what} failed (${describe(error)}); the step goes on without it.`
      )
      return undefined
    } finally {
      if (performance.now() - started > SLOW_CALL_MS && !this.failing) {
        this.failing = true
        core.info('The Actions cache service is slow to answer: no more cache calls in this run.')
      }
    }
  }
}

/**
 * The runner sets these for a JavaScript action when the cache service can be used (checked
 * here so that a run without them never loads the client): v2 on github.com, v1 elsewhere.
 */
function serviceConfigured(env: Env): boolean {
  if (!env.ACTIONS_RUNTIME_TOKEN) return false
  return env.ACTIONS_CACHE_SERVICE_V2 ? !!env.ACTIONS_RESULTS_URL : !!env.ACTIONS_CACHE_URL
}

function location(entry: CacheEntry): { pathString: string; dir: string } {
  const name = `${entry.tool}-${entry.version}-${entry.platform}`
  return {
    pathString: `~/.cache/nanos-image-action/${LAYOUT}/${name}`,
    dir: path.join(os.homedir(), '.cache', 'nanos-image-action', LAYOUT, name)
  }
}

/** Hard-link (or copy) the tree `source` into `dest`; returns the record of its files. */
async function mirror(source: string, dest: string, rel = ''): Promise<Record<string, string>> {
  const files: Record<string, string> = {}
  await mkdir(path.join(dest, rel), { recursive: true })
  for (const name of await readdir(path.join(source, rel))) {
    const child = path.join(rel, name)
    const from = path.join(source, child)
    const to = path.join(dest, child)
    const info = await lstat(from)
    if (info.isDirectory()) Object.assign(files, await mirror(source, dest, child))
    else if (info.isSymbolicLink()) {
      const target = await readlink(from)
      await symlink(target, to)
      files[child] = `symlink:${target}`
    } else if (name !== RECORD) {
      await link(from, to).catch(() => copyFile(from, to))
      files[child] = await sha256File(from)
    }
  }
  return files
}

/** Why the restored entry in `dir` cannot be used, or undefined when it matches its record. */
async function check(
  dir: string,
  key: string,
  pin: string | undefined
): Promise<string | undefined> {
  let record: EntryRecord
  try {
    record = JSON.parse(await readFile(path.join(dir, RECORD), 'utf8')) as EntryRecord
  } catch {
    return 'has no readable record of its files'
  }
  if (record.layout !== LAYOUT || record.key !== key) return `is recorded as ${record.key}`
  const found = await fileList(dir)
  const expected = Object.keys(record.files).sort()
  if (found.join('\n') !== expected.join('\n')) return 'does not hold the files it recorded'
  for (const file of expected) {
    const full = path.join(dir, file)
    const info = await lstat(full)
    const actual = info.isSymbolicLink()
      ? `symlink:${await readlink(full)}`
      : await sha256File(full)
    if (actual !== record.files[file])
      return `has ${file} with sha256 ${actual}, recorded as ${record.files[file]} when it was verified`
  }
  if (pin && record.files.ops !== pin)
    return `holds an Ops binary whose sha256 is not \`ops-sha256\` ${pin}`
  return undefined
}

async function fileList(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = []
  for (const name of await readdir(path.join(dir, rel))) {
    const child = path.join(rel, name)
    const info = await lstat(path.join(dir, child))
    if (info.isDirectory()) out.push(...(await fileList(dir, child)))
    else if (child !== RECORD) out.push(child)
  }
  return out.sort()
}
