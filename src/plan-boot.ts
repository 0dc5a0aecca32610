/**
 * The boot test's part of the plan: checked before anything is downloaded (a missing
 * test-workspace, QEMU for the image's machine that is missing and cannot be installed,
 * `accel: kvm` without a usable KVM or for an image of another architecture than the runner's),
 * with the exit codes that pass and where the console, the shared folder and the trace go.
 */
import * as os from 'node:os'
import type { InputProblem } from './errors.js'
import { machineFor } from './boot/machine/index.js'
import { installMethod, kvmOpens, type QemuPlan } from './boot/qemu.js'
import type { BootPlan } from './boot/test.js'
import { expectedExitCodes } from './boot/twin.js'
import type { ImagePlan } from './image/build.js'
import { mountPoints } from './image/manifest.js'
import type { TestInputs } from './inputs.js'
import { which, type Host } from './install/platform.js'
import { isDir } from './plan-checks.js'

/** Memory and CPUs when the manifest's RunConfig does not say (README "Boot test"). */
export const DEFAULT_TEST_MEMORY = '2G'
export const DEFAULT_TEST_CPUS = 2
/** The diagnosis boot's longest budget (it gets `test-timeout` when that is shorter). */
export const MAX_DIAGNOSIS_SECONDS = 120

export async function bootPlan(
  test: TestInputs,
  image: ImagePlan,
  host: Host,
  problems: InputProblem[]
): Promise<BootPlan | undefined> {
  if (!test.enabled) return undefined
  const fail = (input: string, message: string): void => void problems.push({ input, message })
  if (test.workspace && !(await isDir(test.workspace)))
    fail(
      'test-workspace',
      `${test.workspace} is not a directory: give the folder whose contents the program finds in /workspace.`
    )

  const machine = machineFor(image.arch)
  const found = which(machine.binary)
  const method = found ? undefined : installMethod()
  const qemu: QemuPlan | undefined = found
    ? { binary: machine.binary, package: machine.package, path: found }
    : method && { binary: machine.binary, package: machine.package, install: method }
  if (!qemu)
    fail(
      'test',
      `needs ${machine.binary} for this ${image.arch} image, which is not installed, and it cannot be installed here (no apt-get with passwordless sudo): install ${machine.package} (Debian, Ubuntu) before this step, or set \`test: false\`.`
    )
  if (test.accel === 'kvm' && image.arch !== host.arch) {
    fail(
      'accel',
      `is kvm, but the image is ${image.arch} and this runner is ${host.arch}: KVM runs only the runner's own architecture. Use \`accel: auto\` (KVM when it can, else TCG) or \`tcg\`, or a runner of the image's architecture.`
    )
  } else if (test.accel === 'kvm' && !(await kvmOpens(test.kvmDevice))) {
    fail(
      'accel',
      `is kvm, but ${test.kvmDevice} cannot be opened for reading and writing by this user: enable KVM for the runner (README "KVM on GitHub-hosted runners"), or use \`accel: auto\` or \`tcg\`.`
    )
  }

  const runConfig = (image.manifest.RunConfig ?? {}) as Record<string, unknown>
  const memory = runConfig.Memory ?? DEFAULT_TEST_MEMORY
  if (typeof memory !== 'string' || !/^\d+[MG]?$/i.test(memory))
    fail(
      'manifest',
      `RunConfig.Memory ${JSON.stringify(memory)} is not a size QEMU takes: write e.g. "2G" or "512M".`
    )
  const cpus = runConfig.CPUs ?? Math.min(DEFAULT_TEST_CPUS, os.cpus().length)
  if (!Number.isInteger(cpus) || (cpus as number) < 1)
    fail('manifest', `RunConfig.CPUs ${JSON.stringify(cpus)} is not a number of CPUs.`)

  const exitCodes =
    test.exitCode !== undefined ? [test.exitCode] : [0, ...expectedExitCodes(image.manifest)]
  const dir = `${image.path}.boot`
  return {
    timeoutSeconds: test.timeoutSeconds,
    workspace: test.workspace,
    env: test.env,
    args: test.args,
    exitCodes: [...new Set(exitCodes)],
    expect: test.expect,
    accel: test.accel,
    hostArch: host.arch,
    kvmDevice: test.kvmDevice,
    cpus: cpus as number,
    memory: String(memory),
    consolePath: `${dir}/console.log`,
    workspacePath: `${dir}/workspace`,
    diagnose: test.diagnose,
    diagnoseSeconds: Math.min(test.timeoutSeconds, MAX_DIAGNOSIS_SECONDS),
    tracePath: `${dir}/trace.log`,
    diagnosisWorkspacePath: `${dir}/diagnosis-workspace`,
    mounts: mountPoints(image.manifest),
    qemu: qemu ?? { binary: machine.binary, package: machine.package, path: machine.binary }
  }
}
