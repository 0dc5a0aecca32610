/**
 * The folder ops runs in. Ops opens `Program`, `Files` and relative `Dirs` relative to its
 * current directory (a `Dirs` entry that starts with `/` from the runner's root, manifest.ts
 * `hostPathOf`), and the JSON `Program` replaces the path on the command line (ops-contract.md §5),
 * so the program is staged under its image name and the manifest's Files and Dirs at the same
 * relative paths as in `working-directory`: hard-linked where possible (copied across file
 * systems). Symbolic links inside Dirs stay links, as ops would see them.
 */
import * as core from '@actions/core'
import {
  copyFile,
  link,
  lstat,
  mkdir,
  readdir,
  readlink,
  realpath,
  rm,
  symlink
} from 'node:fs/promises'
import * as path from 'node:path'
import { hostPathOf } from './manifest.js'

export interface StageRequest {
  /** Absolute path of the compiled program. */
  binary: string
  /** Its name inside the image. */
  program: string
  workingDirectory: string
  /** Paths relative to `workingDirectory`, as in the manifest. */
  files: readonly string[]
  dirs: readonly string[]
}

/** Fill `stage` (created) with what ops will read. */
export async function stageInputs(req: StageRequest, stage: string): Promise<void> {
  await mkdir(stage, { recursive: true })
  await linkOrCopy(await realpath(req.binary), path.join(stage, req.program))
  for (const entry of req.files) {
    await linkOrCopy(
      await realpath(hostPathOf('Files', entry, req.workingDirectory)),
      path.join(stage, entry)
    )
  }
  for (const entry of req.dirs) {
    // Ops reads an absolute Dirs entry from the runner's root, not from here.
    if (path.isAbsolute(entry)) continue
    await mirrorTree(
      hostPathOf('Dirs', entry, req.workingDirectory),
      path.join(stage, entry),
      entry
    )
  }
}

async function mirrorTree(source: string, dest: string, shown: string): Promise<void> {
  const info = await lstat(source)
  if (info.isSymbolicLink()) {
    const target = await readlink(source)
    core.warning(
      `dirs: ${shown} is a symbolic link to ${target}; ops puts it into the image as a link, not the file behind it.`
    )
    await mkdir(path.dirname(dest), { recursive: true })
    await symlink(target, dest)
    return
  }
  if (!info.isDirectory()) return linkOrCopy(source, dest)
  await mkdir(dest, { recursive: true })
  for (const child of await readdir(source)) {
    await mirrorTree(path.join(source, child), path.join(dest, child), `${shown}/${child}`)
  }
}

async function linkOrCopy(source: string, dest: string): Promise<void> {
  await mkdir(path.dirname(dest), { recursive: true })
  await rm(dest, { force: true })
  try {
    await link(source, dest)
  } catch {
    await copyFile(source, dest)
  }
}
