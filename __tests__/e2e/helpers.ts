/**
 * Shared set-up of the end-to-end suites: a loopback mirror, and a `run` that executes the
 * committed dist/index.js against it with the retry waits shortened (never skipped).
 */
import { afterAll, beforeAll, beforeEach } from '@jest/globals'
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { blake3 } from '@noble/hashes/blake3.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { cleanupTempDirs } from '../harness/fixtures.js'
import { startMirror, type Mirror, type MirrorOptions } from '../harness/mirror.js'
import {
  cleanupAllRuns,
  REPO_ROOT,
  runAction,
  type RunActionOptions,
  type RunActionResult
} from '../harness/run-action.js'

export const FAST_RETRIES = {
  NANOS_IMAGE_ACTION_RETRY_BASE_MS: '50',
  NANOS_IMAGE_ACTION_IDLE_TIMEOUT_MS: '1500'
}

export interface Suite {
  mirror: Mirror
  run(opts?: RunActionOptions): Promise<RunActionResult>
}

/** A mirror for the whole file, its request log cleared before each test. */
export function useMirror(options: MirrorOptions = {}): Suite {
  const suite = {} as Suite
  beforeAll(async () => {
    suite.mirror = await startMirror(options)
  })
  beforeEach(() => {
    suite.mirror.resetRequests()
    suite.mirror.clearFaults()
  })
  afterAll(async () => {
    await suite.mirror.close()
    cleanupAllRuns()
    cleanupTempDirs()
  })
  suite.run = (opts: RunActionOptions = {}) =>
    runAction({
      ...opts,
      inputs: { mirror: suite.mirror.url, upload: 'false', ...opts.inputs },
      env: { ...FAST_RETRIES, ...opts.env }
    })
  return suite
}

/** sha256 and BLAKE3 of a file, the latter by an implementation independent of the action's. */
export function hashesOf(file: string): { sha256: string; blake3: string } {
  const data = fs.readFileSync(file)
  return {
    sha256: createHash('sha256').update(data).digest('hex'),
    blake3: bytesToHex(blake3(data))
  }
}

/** Folders of a tool cache that hold a complete entry, as `tool/version/arch`. */
export function cachedEntries(toolCache: string): string[] {
  const found: string[] = []
  if (!fs.existsSync(toolCache)) return found
  for (const tool of fs.readdirSync(toolCache)) {
    for (const version of fs.readdirSync(path.join(toolCache, tool))) {
      if (!fs.statSync(path.join(toolCache, tool, version)).isDirectory()) continue
      for (const arch of fs.readdirSync(path.join(toolCache, tool, version))) {
        if (arch.endsWith('.complete'))
          found.push(`${tool}/${version}/${arch.replace(/\.complete$/, '')}`)
      }
    }
  }
  return found.sort()
}

/** Every file below a folder, relative, for "nothing was left behind" checks. */
export function filesBelow(dir: string): string[] {
  if (!fs.existsSync(dir)) return []
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter(f => fs.statSync(path.join(dir, f)).isFile())
    .sort()
}

export function errorLines(stdout: string): string[] {
  return stdout.split('\n').filter(l => l.startsWith('::error'))
}

/** Where the e2e suites leave the rows of their docs tables (see scripts/fault-table.mjs). */
export const RESULTS_DIR = path.join(REPO_ROOT, '.local', 'e2e')

/**
 * Rows a suite records while it runs, written as JSON to .local/e2e/<name>.json after the file's
 * last test (in the order the tests ran), for scripts that turn them into tables.
 */
export function useResultLog<T>(name: string): { add(row: T): void } {
  const rows: T[] = []
  afterAll(() => {
    if (rows.length === 0) return
    fs.mkdirSync(RESULTS_DIR, { recursive: true })
    fs.writeFileSync(path.join(RESULTS_DIR, `${name}.json`), `${JSON.stringify(rows, null, 2)}\n`)
  })
  return { add: row => void rows.push(row) }
}

/**
 * `text` with the run's temporary paths and the mirror's address replaced by placeholders
 * (`<workspace>`, `<runner-temp>`, `<tool-cache>`, `<mirror>`), so that messages can be shown in docs.
 */
export function placeholders(
  text: string,
  r: Pick<RunActionResult, 'workspace' | 'runnerTemp' | 'toolCache'>,
  mirrorUrl?: string
): string {
  let out = text
  const pairs: [string | undefined, string][] = [
    [mirrorUrl, '<mirror>'],
    [r.workspace, '<workspace>'],
    [r.runnerTemp, '<runner-temp>'],
    [r.toolCache, '<tool-cache>']
  ]
  for (const [from, to] of pairs) if (from) out = out.split(from).join(to)
  return out
}
