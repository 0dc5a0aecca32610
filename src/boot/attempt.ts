/**
 * One boot of an image in its machine: a fresh copy of the sample workspace, QEMU run with the
 * console streamed (or not) and watched for a kernel fault, and the verdict on what it printed.
 * Also the twins' builds: an image made from a variant of the step's manifest, in this run's
 * private folder.
 */
import * as core from '@actions/core'
import { randomUUID } from 'node:crypto'
import { cp, mkdir, open, rm } from 'node:fs/promises'
import * as path from 'node:path'
import { buildImage, type ImagePlan } from '../image/build.js'
import { writeManifest } from '../image/manifest.js'
import type { Kernel } from '../install/kernel.js'
import { releaseFile } from '../install/kernel.js'
import type { OpsTool } from '../install/ops.js'
import { FaultWatch } from './console.js'
import type { Accelerator, Machine } from './machine/index.js'
import { runQemu, type QemuRun } from './run.js'
import { verdict, type Verdict } from './verdict.js'

/** How much of the console the verdict reads (from the end): a prover may log a lot. */
const CONSOLE_READ_LIMIT = 16 * 1024 * 1024

/** What a boot needs besides its own spec: the boot test's request. */
export interface BootContext {
  plan: {
    workspace?: string
    exitCodes: number[]
    expect?: RegExp
    cpus: number
    memory: string
  }
  /** QEMU's path. */
  qemu: string
  image: ImagePlan
  ops: OpsTool
  kernel: Kernel
  workDir: string
}

/** One boot: where it ran, what it printed, and what that says. */
export interface Attempt {
  run: QemuRun
  console: string
  verdict: Verdict
}

/** An image built from `manifest` like the step's image, in this run's private folder. */
export async function buildVariant(
  req: BootContext,
  manifest: ImagePlan['manifest'],
  kind: string
): Promise<string> {
  const { image } = req
  const dir = path.join(req.workDir, `${kind}-${randomUUID()}`)
  const manifestPath = path.join(dir, `${image.name}.manifest.json`)
  await writeManifest(manifest, manifestPath)
  return buildImage({
    image: { ...image, manifest },
    manifestPath,
    dest: path.join(dir, image.name),
    ops: req.ops,
    kernel: req.kernel,
    workDir: req.workDir
  })
}

export interface BootSpec {
  image: string
  accel: Accelerator
  consolePath: string
  workspacePath: string
  timeoutSeconds: number
  /** Stream the console into the log. */
  stream: boolean
}

/** Boot once in `machine` and read the verdict. */
export async function boot(req: BootContext, machine: Machine, spec: BootSpec): Promise<Attempt> {
  const { plan } = req
  await freshWorkspace(plan.workspace, spec.workspacePath)
  await mkdir(path.dirname(spec.consolePath), { recursive: true })
  const args = machine.args({
    image: spec.image,
    kernel: releaseFile(req.kernel, 'kernel.img'),
    workspace: spec.workspacePath,
    accel: spec.accel,
    cpus: plan.cpus,
    memory: plan.memory
  })
  core.info(`${req.qemu} ${args.join(' ')}`)
  const faults = new FaultWatch()
  // The program's output must not act as workflow commands.
  const token = randomUUID()
  if (spec.stream) core.info(`::stop-commands::${token}`)
  let run: QemuRun
  try {
    run = await runQemu(req.qemu, args, {
      timeoutMs: spec.timeoutSeconds * 1000,
      consoleFile: spec.consolePath,
      onLine: line => {
        if (spec.stream) core.info(line)
        return faults.line(line)
      }
    })
  } finally {
    if (spec.stream) core.info(`::${token}::`)
  }
  if (run.stderr.trim()) core.info(`QEMU's own messages:\n${run.stderr.trimEnd()}`)
  const console = await consoleText(spec.consolePath)
  const result = verdict(run, console, machine, {
    exitCodes: plan.exitCodes,
    expect: plan.expect,
    timeoutSeconds: spec.timeoutSeconds
  })
  const end = run.timedOut
    ? 'stopped at the timeout'
    : run.stoppedAfterFault
      ? 'stopped after the kernel fault'
      : run.signal
        ? `signal ${run.signal}`
        : `exit status ${run.status}`
  core.info(`QEMU (${spec.accel}) ended after ${run.seconds.toFixed(2)} s: ${end}`)
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
async function freshWorkspace(sample: string | undefined, folder: string): Promise<void> {
  await rm(folder, { recursive: true, force: true })
  await mkdir(folder, { recursive: true })
  if (sample) await cp(sample, folder, { recursive: true, verbatimSymlinks: true })
}
