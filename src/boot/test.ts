/**
 * The boot test: boot the image's twin in the machine of its architecture (machine/), the
 * x86-64 one as a Gevulot node does, against a fresh copy of the sample workspace; read what
 * happened (console.ts, verdict.ts); and when it did not pass, boot it once more with the
 * syscall trace on (diagnose.ts) and look the symptoms up among the kernel's known problems.
 * The console is streamed into the log (workflow commands in it are not obeyed) and kept in a
 * file; the shared folder is kept too, with what the program wrote.
 */
import * as core from '@actions/core'
import { ActionError } from '../errors.js'
import type { ImagePlan } from '../image/build.js'
import type { Kernel } from '../install/kernel.js'
import type { OpsTool } from '../install/ops.js'
import type { Arch } from '../install/platform.js'
import { boot, buildVariant, type Attempt } from './attempt.js'
import { consoleTail } from './console.js'
import { diagnose, type Diagnosis } from './diagnose.js'
import { knownProblem, type KnownProblem } from './known-problems.js'
import { machineFor, type Accelerator } from './machine/index.js'
import { kvmOpens, type QemuPlan } from './qemu.js'
import { twinManifest } from './twin.js'
import type { Verdict } from './verdict.js'

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
  /** The runner's architecture: KVM runs only an image of the same one. */
  hostArch: Arch
  /** The device `auto` and `kvm` open. */
  kvmDevice: string
  cpus: number
  memory: string
  /** Where the console log goes (kept after the step). */
  consolePath: string
  /** The folder shared as the workspace (kept after the step). */
  workspacePath: string
  /** Boot once more with the syscall trace when the test fails (`test-diagnose`). */
  diagnose: boolean
  /** The diagnosis boot's budget: `test-timeout`, at most 120 s. */
  diagnoseSeconds: number
  /** Where the diagnosis boot's console (the trace) and workspace go. */
  tracePath: string
  diagnosisWorkspacePath: string
  /** Where the image mounts volumes (its workspace), as the manifest says. */
  mounts: string[]
  /** QEMU's program for the image's machine, found or to be installed. */
  qemu: QemuPlan
}

export interface BootResult extends Verdict {
  accel: Accelerator
  seconds: number
  consolePath: string
  workspacePath: string
  /** The console's last lines. */
  tail: string[]
  /** A twin was built (the image itself does not report its exit code). */
  twin: boolean
  diagnosis?: Diagnosis
  /** The kernel problem the symptoms match. */
  known?: KnownProblem
}

export interface BootRequest {
  plan: BootPlan
  /** QEMU's path (installed by now). */
  qemu: string
  image: ImagePlan
  ops: OpsTool
  kernel: Kernel
  workDir: string
}

export async function bootTest(req: BootRequest): Promise<BootResult> {
  const { plan, image } = req
  const machine = machineFor(image.arch)
  const bootImage = await imageToBoot(req)
  let accel: Accelerator = await chooseAccel(plan, image.arch)
  const once = (a: Accelerator): Promise<Attempt> =>
    boot(req, machine, {
      image: bootImage,
      accel: a,
      consolePath: plan.consolePath,
      workspacePath: plan.workspacePath,
      timeoutSeconds: plan.timeoutSeconds,
      stream: true
    })
  let attempt = await once(accel)
  if (attempt.verdict.kind === 'no-start' && accel === 'kvm') {
    const why = attempt.verdict.reason
    if (plan.accel === 'kvm')
      throw new ActionError(
        `\`accel: kvm\`: QEMU could not run the VM under KVM: ${why} Use \`accel: auto\` (which falls back to TCG) or \`tcg\`.`
      )
    core.warning(
      `QEMU could not run the VM under KVM (${why}), as on hosts with nested virtualisation; booting again under TCG (software emulation, slower).`
    )
    accel = 'tcg'
    attempt = await once(accel)
  }
  const first = attempt.verdict
  const diagnosis =
    first.result !== 'passed' && first.kind !== 'no-start' && plan.diagnose
      ? await diagnose(req, machine, accel, first)
      : undefined
  const known =
    first.kind === undefined
      ? undefined
      : knownProblem({
          nanosVersion: req.kernel.version,
          arch: image.arch,
          kind: diagnosis?.verdict.kind === 'kernel-fault' ? 'kernel-fault' : first.kind,
          console: `${attempt.console}\n${diagnosis?.console ?? ''}`,
          calls: diagnosis?.calls,
          stopped: diagnosis?.stopped,
          mounts: plan.mounts
        })
  return {
    ...first,
    accel,
    seconds: attempt.run.seconds,
    consolePath: plan.consolePath,
    workspacePath: plan.workspacePath,
    tail: consoleTail(attempt.console),
    twin: bootImage !== image.path,
    diagnosis,
    known
  }
}

/** KVM when asked, or (auto) when the image is the runner's architecture and KVM opens. */
async function chooseAccel(plan: BootPlan, arch: Arch): Promise<Accelerator> {
  if (plan.accel !== 'auto') return plan.accel
  if (arch !== plan.hostArch) return 'tcg'
  return (await kvmOpens(plan.kvmDevice)) ? 'kvm' : 'tcg'
}

/** The image itself when it reports its exit code unchanged, else its twin (built now). */
async function imageToBoot(req: BootRequest): Promise<string> {
  const { image, plan } = req
  const twin = twinManifest(image.manifest, { env: plan.env, args: plan.args })
  if (twin.sameAsImage) {
    core.info('The image reports its exit code (debug_exit): booting it as it is.')
    return image.path
  }
  const changes = [
    'debug_exit added',
    ...twin.dropped.map(key => `${key} left out`),
    ...(plan.env ? ['test-env added'] : []),
    ...(plan.args ? ['test-args as Args'] : [])
  ]
  core.info(`Booting a twin of the image built from the same manifest (${changes.join(', ')}).`)
  return buildVariant(req, twin.manifest, 'boot')
}
