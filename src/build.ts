/**
 * Stage 4: `ops build` in an isolated ops home. The home holds the cached kernel, `latest.txt`
 * naming it and the common files, so ops downloads nothing; no user-level ops configuration
 * reaches it; ops runs in a staging folder where `Program`, `Files` and `Dirs` resolve the way
 * ops reads them (relative to its current directory, ops-contract.md §5). Success is the
 * `Bootable image file:` line and the file being there; the image then moves to `output-dir`.
 */
import * as core from './runner.js'
import { exec } from '@actions/exec'
import { randomUUID } from 'node:crypto'
import {
  copyFile,
  lstat,
  cp,
  link,
  mkdir,
  readdir,
  readlink,
  realpath,
  rename,
  rm,
  stat,
  symlink,
  writeFile
} from 'node:fs/promises'
import * as path from 'node:path'
import { stripAnsi } from './ansi.js'
import { ActionError } from './errors.js'
import type { Kernel } from './kernel.js'
import type { Manifest } from './manifest.js'
import type { OpsTool } from './ops.js'
import type { Plan } from './preflight.js'
import { openOpsHome } from './ops-home.js'
import { kernelDirName } from './urls.js'

export interface BuildRequest {
  plan: Plan
  ops: OpsTool
  kernel: Kernel
  /** The manifest file ops reads (see writeManifest). */
  manifestPath: string
  /** A private folder of this run, removed afterwards. */
  workDir: string
}

/** Write the manifest for ops, readable by its owner only (it holds `env`), atomically. */
export async function writeManifest(manifest: Manifest, file: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true })
  const partial = `${file}.${randomUUID()}.partial`
  await writeFile(partial, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 })
  await rename(partial, file)
}

/** Run ops and return the absolute path of the image in `output-dir`. */
export async function buildImage(req: BuildRequest): Promise<string> {
  const { plan, kernel } = req
  const home = await openOpsHome(req.workDir, kernel.version)
  await layOutKernel(home.dir, kernel)
  const stage = path.join(req.workDir, 'stage')
  await stageInputs(plan, stage)

  // -i keeps the text before the first dot; the real name is given when the image is moved.
  const internalName = plan.imageName.split('.')[0] || 'image'
  const args = [
    'build',
    plan.program,
    '-c',
    req.manifestPath,
    '-i',
    internalName,
    '--nanos-version',
    kernel.version,
    '--arch',
    plan.arch
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
  return moveInto(built, plan.inputs.outputDir, plan.imageName)
}

/** The cached kernel release and common files, copied where ops looks for them. */
async function layOutKernel(opsHome: string, kernel: Kernel): Promise<void> {
  const release = path.join(opsHome, kernelDirName(kernel.version, kernel.arch))
  await cp(path.join(kernel.dir, 'release'), release, { recursive: true })
  const common = path.join(kernel.dir, 'common')
  if ((await stat(common).catch(() => undefined))?.isDirectory()) {
    await cp(common, path.join(opsHome, 'common'), { recursive: true, verbatimSymlinks: true })
    await copyFile(path.join(kernel.dir, 'common.tar.gz'), path.join(opsHome, 'common.tar.gz'))
  }
}

/**
 * The folder ops runs in: the program under its image name, and the manifest's Files and Dirs
 * at the same relative paths as in `working-directory`, hard-linked where possible (copied
 * across file systems). Symbolic links inside Dirs are kept as links, as ops would see them.
 */
async function stageInputs(plan: Plan, stage: string): Promise<void> {
  const wd = plan.inputs.workingDirectory
  await mkdir(stage, { recursive: true })
  await linkOrCopy(await realpath(plan.inputs.binary), path.join(stage, plan.program))
  for (const entry of (plan.manifest.Files as string[] | undefined) ?? []) {
    await linkOrCopy(await realpath(path.join(wd, entry)), path.join(stage, entry))
  }
  for (const entry of (plan.manifest.Dirs as string[] | undefined) ?? []) {
    await mirrorTree(path.join(wd, entry), path.join(stage, entry), entry)
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

/** Move the image to `dir/name` without ever leaving a half-written file at that name. */
async function moveInto(built: string, dir: string, name: string): Promise<string> {
  const dest = path.join(dir, name)
  const partial = path.join(dir, `.${name}.${randomUUID()}.partial`)
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
  return dest
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
    this.done.push(...parts.map(stripAnsi))
    if (this.done.length > 2000) this.done.splice(0, this.done.length - 2000)
  }

  lines(): string[] {
    return this.text ? [...this.done, stripAnsi(this.text)] : [...this.done]
  }
}
