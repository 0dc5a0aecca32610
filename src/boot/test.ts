/**
 * The boot test: boot the image the way a Gevulot node does (qemu.ts) against a fresh copy of
 * the sample workspace, read the program's exit code (twin.ts, verdict.ts), and say whether it
 * passed. The console is streamed into the log (workflow commands in it are not obeyed) and
 * kept in a file; the shared folder is kept too, with what the program wrote.
 */
import * as core from '@actions/core'
import { randomUUID } from 'node:crypto'
import { cp, mkdir, open, rm } from 'node:fs/promises'
import * as path from 'node:path'
import { ActionError } from '../errors.js'
import { buildImage, type ImagePlan } from '../image/build.js'
import { writeManifest } from '../image/manifest.js'
import type { Kernel } from '../install/kernel.js'
import type { OpsTool } from '../install/ops.js'
import { kvmOpens, qemuArgs, type Accelerator } from './qemu.js'
import { runQemu, type QemuRun } from './run.js'
import { twinManifest } from './twin.js'
import { consoleTail, verdict, type TestResult, type Verdict } from './verdict.js'

/** How much of the console the verdict reads (from the end): a prover may log a lot. */
const CONSOLE_READ_LIMIT = 16 * 1024 * 1024

/** The boot test, as the plan decided it. */
export interface BootPlan {
  timeoutSeconds: number
  /** Copied into the shared folder first; undefined: an empty folder. */
  workspace?: string
  env?: Record<string, string>
  args?: string[]
  /** Exit codes that pass. */
  exitCodes: number[]
  expect?: RegExp
  accel: 'auto' | Accelerator
  /** The device `auto` and `kvm` open. */
  kvmDevice: string
  cpus: number
  memory: string
  /** Where the console log goes (kept after the step). */
  consolePath: string
  /** The folder shared as the workspace (kept after the step). */
  workspacePath: string
  /** QEMU's path, or how to install it first. */
  qemu: string | { install: 'sudo' | 'root' }
}

export interface BootResult {
  result: TestResult
  exitCode?: number
  reason: string
  accel: Accelerator
  seconds: number
  consolePath: string
  workspacePath: string
  /** The console's last lines. */
  tail: string[]
  /** A twin was built (the image itself does not report its exit code). */
  twin: boolean
}

export interface BootRequest {
  plan: BootPlan
  qemu: string
  image: ImagePlan
  ops: OpsTool
  kernel: Kernel
  workDir: string
}

export async function bootTest(req: BootRequest): Promise<BootResult> {
  const { plan } = req
  const bootImage = await imageToBoot(req)
  let accel: Accelerator =
    plan.accel === 'auto' ? ((await kvmOpens(plan.kvmDevice)) ? 'kvm' : 'tcg') : plan.accel
  let attempt = await boot(req, bootImage, accel)
  if (attempt.verdict.startFailure && accel === 'kvm') {
    const why = attempt.verdict.reason
    if (plan.accel === 'kvm')
      throw new ActionError(
        `\`accel: kvm\`: QEMU could not run the VM under KVM: ${why} Use \`accel: auto\` (which falls back to TCG) or \`tcg\`.`
      )
    core.warning(
      `QEMU could not run the VM under KVM (${why}), as on hosts with nested virtualisation; booting again under TCG (software emulation, slower).`
    )
    accel = 'tcg'
    attempt = await boot(req, bootImage, accel)
  }
  if (attempt.verdict.startFailure)
    throw new ActionError(`QEMU could not start the VM: ${attempt.verdict.reason}`)
  return {
    ...attempt.verdict,
    accel,
    seconds: attempt.run.seconds,
    consolePath: plan.consolePath,
    workspacePath: plan.workspacePath,
    tail: consoleTail(attempt.console),
    twin: bootImage !== req.image.path
  }
}

/** The image itself when it reports its exit code unchanged, else its twin (built now). */
async function imageToBoot(req: BootRequest): Promise<string> {
  const { image, plan } = req
  const twin = twinManifest(image.manifest, { env: plan.env, args: plan.args })
  if (twin.sameAsImage) {
    core.info('The image reports its exit code (debug_exit): booting it as it is.')
    return image.path
  }
  const dir = path.join(req.workDir, `boot-${randomUUID()}`)
  const manifestPath = path.join(dir, `${image.name}.manifest.json`)
  await writeManifest(twin.manifest, manifestPath)
  const changes = [
    'debug_exit added',
    ...twin.dropped.map(key => `${key} left out`),
    ...(plan.env ? ['test-env added'] : []),
    ...(plan.args ? ['test-args as Args'] : [])
  ]
  core.info(`Booting a twin of the image built from the same manifest (${changes.join(', ')}).`)
  return buildImage({
    image: { ...image, manifest: twin.manifest },
    manifestPath,
    dest: path.join(dir, image.name),
    ops: req.ops,
    kernel: req.kernel,
    workDir: req.workDir
  })
}

async function boot(
  req: BootRequest,
  image: string,
  accel: Accelerator
): Promise<{ run: QemuRun; console: string; verdict: Verdict }> {
  const { plan } = req
  await freshWorkspace(plan)
  await mkdir(path.dirname(plan.consolePath), { recursive: true })
  const args = qemuArgs({
    image,
    workspace: plan.workspacePath,
    accel,
    cpus: plan.cpus,
    memory: plan.memory
  })
  core.info(`${req.qemu} ${args.join(' ')}`)
  // The program's output must not act as workflow commands.
  const token = randomUUID()
  core.info(`::stop-commands::${token}`)
  let run: QemuRun
  try {
    run = await runQemu(req.qemu, args, {
      timeoutMs: plan.timeoutSeconds * 1000,
      consoleFile: plan.consolePath,
      onLine: line => core.info(line)
    })
  } finally {
    core.info(`::${token}::`)
  }
  if (run.stderr.trim()) core.info(`QEMU's own messages:\n${run.stderr.trimEnd()}`)
  const console = await consoleText(plan.consolePath)
  const result = verdict(run, console, {
    exitCodes: plan.exitCodes,
    expect: plan.expect,
    timeoutSeconds: plan.timeoutSeconds
  })
  core.info(
    `QEMU (${accel}) ended after ${run.seconds.toFixed(2)} s: ${run.timedOut ? 'stopped at the timeout' : run.signal ? `signal ${run.signal}` : `exit status ${run.status}`}`
  )
  return { run, console, verdict: result }
}

/** The console as text: all of it, or its last 16 MiB for a program that printed more. */
async function consoleText(file: string): Promise<string> {
  const handle = await open(file, 'r')
  try {
    const { size } = await handle.stat()
    const length = Math.min(size, CONSOLE_READ_LIMIT)
    const buffer = Buffer.alloc(length)
    await handle.read(buffer, 0, length, size - length)
    return buffer.toString('utf8')
  } finally {
    await handle.close()
  }
}

/** The shared folder, emptied, then filled with a copy of `test-workspace`. */
async function freshWorkspace(plan: BootPlan): Promise<void> {
  await rm(plan.workspacePath, { recursive: true, force: true })
  await mkdir(plan.workspacePath, { recursive: true })
  if (plan.workspace)
    await cp(plan.workspace, plan.workspacePath, { recursive: true, verbatimSymlinks: true })
}
