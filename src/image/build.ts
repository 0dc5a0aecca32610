/**
 * `ops build` in an isolated ops home. The home holds the cached kernel, `latest.txt` naming it
 * and the common files, so ops downloads nothing; no user-level ops configuration reaches it;
 * ops runs in a staging folder (stage.ts). Success is the `Bootable image file:` line and the
 * file being there (ops exits 0 without an image on a config it cannot use, ops-contract.md §4);
 * the image then moves to its destination without a half-written file ever bearing its name.
 */
import * as core from '@actions/core'
import { exec } from '@actions/exec'
import { randomUUID } from 'node:crypto'
import { copyFile, cp, mkdir, rename, rm, stat } from 'node:fs/promises'
import * as path from 'node:path'
import { stripVTControlCharacters } from 'node:util'
import { ActionError } from '../errors.js'
import { buildFolder, openOpsHome } from '../install/ops-home.js'
import type { OpsTool } from '../install/ops.js'
import type { Arch } from '../install/platform.js'
import { kernelDirName } from '../install/urls.js'
import { releaseFile, type Kernel } from '../install/kernel.js'
import type { Manifest } from './manifest.js'
import { stageInputs } from './stage.js'

/** The image the step builds, as the plan decided it. */
export interface ImagePlan {
  manifest: Manifest
  /** Name of the program inside the image (`/<program>`). */
  program: string
  /** File name of the image. */
  name: string
  arch: Arch
  /** Absolute path of the compiled program. */
  binary: string
  workingDirectory: string
  /** Where the image goes: `<output-dir>/<name>`. */
  path: string
  /** Where the manifest ops reads goes: `<output-dir>/<name>.manifest.json`. */
  manifestPath: string
  /** The input its Klibs came from, to name in an error: `klibs` or `manifest`. */
  klibsInput: string
}

export interface BuildRequest {
  image: ImagePlan
  /** The manifest file ops reads (written beforehand). */
  manifestPath: string
  /** Where the image goes. */
  dest: string
  ops: OpsTool
  kernel: Kernel
  /** A private folder of this run, removed afterwards. */
  workDir: string
}

/** Run ops and move the image to `req.dest`; returns `req.dest`. */
export async function buildImage(req: BuildRequest): Promise<string> {
  const { image, kernel } = req
  const scratch = await buildFolder(req.workDir, image.arch)
  const home = await openOpsHome(scratch, kernel.version)
  await layOutKernel(home.dir, kernel)
  const stage = path.join(scratch, 'stage')
  await stageInputs(
    {
      binary: image.binary,
      program: image.program,
      workingDirectory: image.workingDirectory,
      files: (image.manifest.Files as string[] | undefined) ?? [],
      dirs: (image.manifest.Dirs as string[] | undefined) ?? []
    },
    stage
  )

  // -i keeps the text before the first dot; the real name is given when the image is moved.
  const internalName = path.basename(req.dest).split('.')[0] || 'image'
  const args = [
    'build',
    image.program,
    '-c',
    req.manifestPath,
    '-i',
    internalName,
    '--nanos-version',
    kernel.version,
    '--arch',
    image.arch
  ]
  const stdout = new LineCollector()
  const stderr = new LineCollector()
  let code: number
  try {
    code = await exec(req.ops.path, args, {
      cwd: stage,
      env: home.env,
      ignoreReturnCode: true,
      listeners: { stdout: data => stdout.push(data), stderr: data => stderr.push(data) }
    })
  } finally {
    await home.close()
  }
  const lines = [...stdout.lines(), ...stderr.lines()]
  for (const line of lines) {
    if (/^Klib ".*" not found in directory/.test(line)) core.warning(`ops: ${line}`)
  }

  if (code !== 0)
    throw new ActionError(
      `ops build failed (exit code ${code}${code === 2 ? ', a crash' : ''}):\n${opsMessage(lines)}`
    )
  const reported = lines
    .map(l => /^Bootable image file:\s*(.+)$/.exec(l)?.[1]?.trim())
    .find(Boolean)
  if (!reported) {
    throw new ActionError(
      `ops build exited 0 but built no image (ops does this when it cannot use the configuration):\n${opsMessage(lines)}`
    )
  }
  const built = path.resolve(stage, reported)
  if (!(await stat(built).catch(() => undefined))?.isFile()) {
    throw new ActionError(`ops build reported the image ${reported}, but there is no such file.`)
  }
  await moveInto(built, req.dest)
  await rm(scratch, { recursive: true, force: true })
  return req.dest
}

/** The cached kernel release and common files, copied where ops looks for them. */
async function layOutKernel(opsHome: string, kernel: Kernel): Promise<void> {
  const release = path.join(opsHome, kernelDirName(kernel.version, kernel.arch))
  await cp(releaseFile(kernel), release, { recursive: true })
  const common = path.join(kernel.dir, 'common')
  if ((await stat(common).catch(() => undefined))?.isDirectory()) {
    await cp(common, path.join(opsHome, 'common'), { recursive: true, verbatimSymlinks: true })
    await copyFile(path.join(kernel.dir, 'common.tar.gz'), path.join(opsHome, 'common.tar.gz'))
  }
}

/** Move the image to `dest` without ever leaving a half-written file at that name. */
async function moveInto(built: string, dest: string): Promise<void> {
  const dir = path.dirname(dest)
  const partial = path.join(dir, `.${path.basename(dest)}.${randomUUID()}.partial`)
  await mkdir(dir, { recursive: true })
  try {
    await rename(built, partial).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EXDEV') throw error
      await copyFile(built, partial)
    })
    await rename(partial, dest)
  } catch (error) {
    await rm(partial, { force: true })
    throw new ActionError(`Could not write the image to ${dest}: ${(error as Error).message}`, {
      cause: error
    })
  }
}

/** Ops's own words for a failure: its error lines without colours, else its last lines. */
export function opsMessage(lines: readonly string[]): string {
  const usage = lines.findIndex(l => /^Usage:/.test(l))
  // "version lookup failed, using local." is ops's routine notice without network, not a cause.
  const relevant = (usage >= 0 ? lines.slice(0, usage) : lines).filter(
    l => l.trim() !== '' && !/^version lookup failed, using local\.?$/.test(l.trim())
  )
  const errors = relevant.filter(l =>
    /error|fatal|panic|failed|not found|cannot|can't|missing|no such|unknown|invalid|only ELF/i.test(
      l
    )
  )
  const picked = (errors.length > 0 ? errors : relevant).slice(-15)
  return picked.length > 0 ? picked.map(l => `  ${l}`).join('\n') : '  (ops printed nothing)'
}

/** Ops's output as plain lines, kept to its last 2000. */
class LineCollector {
  private text = ''
  private readonly done: string[] = []

  push(data: Buffer): void {
    this.text += data.toString('utf8')
    const parts = this.text.split(/\r?\n/)
    this.text = parts.pop() ?? ''
    this.done.push(...parts.map(l => stripVTControlCharacters(l)))
    if (this.done.length > 2000) this.done.splice(0, this.done.length - 2000)
  }

  lines(): string[] {
    return this.text ? [...this.done, stripVTControlCharacters(this.text)] : [...this.done]
  }
}
