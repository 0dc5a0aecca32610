/**
 * The runner's tool cache, shared by every job on a self-hosted runner, in @actions/tool-cache's
 * layout (`<tool>/<version>/<arch>` plus `<arch>.complete`), so entries are interchangeable with
 * `tc.find`. Entries are written atomically: `tc.cacheDir` empties the destination and copies
 * into it in place, so two jobs caching the same version at once can break each other's copy,
 * and a job killed mid-copy leaves a folder a later job may trust. Lookups are plain `stat`s:
 * importing tool-cache for them would load its HTTP stack on every warm run.
 */
import { randomUUID } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { chmod, cp, mkdir, rename, rm, writeFile } from 'node:fs/promises'
import * as path from 'node:path'
import { parseVersion } from './versions.js'

/** The complete entry `tool/version/arch`, or undefined. */
export function findCached(tool: string, version: string, arch: string): string | undefined {
  const dir = path.join(cacheRoot(), tool, version, arch)
  return existsSync(dir) && existsSync(`${dir}.complete`) ? dir : undefined
}

/** How long a resolution of `latest` is reused without asking the network again. */
export const LATEST_TTL_MS = 24 * 60 * 60 * 1000

const latestFile = (tool: string, arch: string): string =>
  path.join(cacheRoot(), tool, `.latest-${arch}.json`)

/**
 * The release `latest` resolved to less than `LATEST_TTL_MS` ago, if it is still cached: a warm
 * run then asks nothing of the network. A pinned release in the cache never stands in for latest.
 */
export function recentLatest(tool: string, arch: string, now = Date.now()): string | undefined {
  try {
    const { version, resolvedAt } = JSON.parse(readFileSync(latestFile(tool, arch), 'utf8')) as {
      version: string
      resolvedAt: number
    }
    const fresh = now - resolvedAt < LATEST_TTL_MS && now >= resolvedAt
    return fresh && parseVersion(version) === version && findCached(tool, version, arch)
      ? version
      : undefined
  } catch {
    return undefined
  }
}

/** Record what `latest` resolved to (atomically: concurrent jobs may write it too). */
export async function rememberLatest(tool: string, arch: string, version: string): Promise<void> {
  const file = latestFile(tool, arch)
  await mkdir(path.dirname(file), { recursive: true })
  const partial = `${file}.${randomUUID()}.partial`
  await writeFile(partial, JSON.stringify({ version, resolvedAt: Date.now() }))
  await rename(partial, file)
}

/**
 * Move (or copy) `sourceDir` into the tool cache as `tool/version/arch` and return the cached folder. The
 * copy is made beside the destination and renamed into place, and the `.complete` marker is
 * written last, so readers see either nothing or a whole entry. If another job got there first,
 * its entry is kept and ours dropped.
 */
export async function cacheDirAtomic(
  sourceDir: string,
  tool: string,
  version: string,
  arch: string
): Promise<string> {
  const root = path.join(cacheRoot(), tool, version)
  const dest = path.join(root, arch)
  const marker = `${dest}.complete`
  await mkdir(root, { recursive: true })
  const staging = path.join(root, `.${arch}.${randomUUID()}.partial`)
  try {
    // The source is this run's own scratch copy: move it when the tool cache is on the same
    // file system (a 40 MiB Ops binary is not copied again), copy it otherwise.
    await rename(sourceDir, staging).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EXDEV') throw error
      await cp(sourceDir, staging, {
        recursive: true,
        preserveTimestamps: true,
        verbatimSymlinks: true
      })
    })
    // Readable by every user of a shared runner, as tool-cache's own entries are (mkdtemp makes 0700).
    await chmod(staging, 0o755)
    for (let tries = 0; ; tries++) {
      if (existsSync(marker) && existsSync(dest)) return dest
      try {
        await rename(staging, dest)
        break
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code
        if ((code !== 'EEXIST' && code !== 'ENOTEMPTY') || tries >= 40) throw error
        // A folder without its marker: another job between its rename and its marker, a gap of
        // one small write (wait up to 2 s), or a job that died there (then move it aside, retry).
        await new Promise(resolve => setTimeout(resolve, 100))
        if (tries >= 20 && !existsSync(marker)) {
          const orphan = path.join(root, `.${arch}.${randomUUID()}.orphan`)
          await rename(dest, orphan).catch(() => undefined)
          await rm(orphan, { recursive: true, force: true })
        }
      }
    }
    await writeFile(marker, '')
    return dest
  } finally {
    await rm(staging, { recursive: true, force: true })
  }
}

function cacheRoot(): string {
  const root = process.env.RUNNER_TOOL_CACHE
  if (!root)
    throw new Error(
      'RUNNER_TOOL_CACHE is not set: the action runs on a GitHub runner, or under scripts/run-example.mjs'
    )
  return root
}
