/**
 * The boot test's part of the plan: checked before anything is downloaded (an arm64 image, a
 * missing test-workspace, QEMU that is missing and cannot be installed, `accel: kvm` without a
 * usable KVM), with the exit codes that pass and where the console and the shared folder go.
 */
import * as os from 'node:os'
import type { InputProblem } from './errors.js'
import { QEMU_BINARY, QEMU_PACKAGE, installMethod, kvmOpens, which } from './boot/qemu.js'
import type { BootPlan } from './boot/test.js'
import { expectedExitCodes } from './boot/twin.js'
import type { ImagePlan } from './image/build.js'
import type { TestInputs } from './inputs.js'
import { isDir } from './plan-checks.js'

/** Memory and CPUs when the manifest's RunConfig does not say (README "Boot test"). */
export const DEFAULT_TEST_MEMORY = '2G'
export const DEFAULT_TEST_CPUS = 2

export async function bootPlan(
  test: TestInputs,
  image: ImagePlan,
  problems: InputProblem[]
): Promise<BootPlan | undefined> {
  if (!test.enabled) return undefined
  const fail = (input: string, message: string): void => void problems.push({ input, message })
  if (image.arch !== 'amd64') {
    fail(
      'test',
      'booting arm64 images is not supported yet (the boot test runs x86-64 images under qemu-system-x86_64): set `test: false` for this image, or build it for x86-64.'
    )
  }
  if (test.workspace && !(await isDir(test.workspace)))
    fail(
      'test-workspace',
      `${test.workspace} is not a directory: give the folder whose contents the program finds in /workspace.`
    )

  let qemu: BootPlan['qemu'] | undefined = which(QEMU_BINARY)
  if (!qemu) {
    const method = installMethod()
    if (method) qemu = { install: method }
    else
      fail(
        'test',
        `needs ${QEMU_BINARY}, which is not installed, and it cannot be installed here (no apt-get with passwordless sudo): install ${QEMU_PACKAGE} (Debian, Ubuntu) before this step, or set \`test: false\`.`
      )
  }
  if (test.accel === 'kvm' && !(await kvmOpens(test.kvmDevice))) {
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
    kvmDevice: test.kvmDevice,
    cpus: cpus as number,
    memory: String(memory),
    consolePath: `${dir}/console.log`,
    workspacePath: `${dir}/workspace`,
    qemu: qemu ?? QEMU_BINARY
  }
}
