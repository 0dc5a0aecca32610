/**
 * The runner's tool cache, shared by every job on a self-hosted runner. Lookups go through
 * @actions/tool-cache (`find`, `findAllVersions`), and entries are written in its layout
 * (`<tool>/<version>/<arch>` plus `<arch>.complete`), but atomically: `tc.cacheDir` empties the
 * destination and copies into it in place, so two jobs caching the same version at once can
 * break each other's copy, and a job killed mid-copy leaves a folder a later job may trust.
 */
import * as tc from '@actions/tool-cache'
import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { cp, mkdir, rename, rm, writeFile } from 'node:fs/promises'
import * as path from 'node:path'
import { compareVersions } from './versions.js'

export function findCached(tool: string, version: string, arch: string): string | undefined {
  return tc.find(tool, version, arch) || undefined
}

/** The newest complete entry of `tool` for `arch`. */
export function newestCached(tool: string, arch: string): string | undefined {
  return tc.findAllVersions(tool, arch).sort(compareVersions).at(-1)
}

/**
 * Copy `sourceDir` into the tool cache as `tool/version/arch` and return the cached folder. The
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
    await cp(sourceDir, staging, {
      recursive: true,
      preserveTimestamps: true,
      verbatimSymlinks: true
    })
    for (let tries = 0; ; tries++) {
      if (existsSync(marker) && existsSync(dest)) return dest
      try {
        await rename(staging, dest)
        break
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code
        if ((code !== 'EEXIST' && code !== 'ENOTEMPTY') || tries >= 20) throw error
        // A folder without its marker: another job is between its rename and its marker (wait
        // a moment), or a job died there (after the wait, move the orphan aside and retry).
        await new Promise(resolve => setTimeout(resolve, 100))
        if (tries >= 10 && !existsSync(marker)) {
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
