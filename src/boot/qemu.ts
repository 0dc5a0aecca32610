/**
 * QEMU on the runner: finding the program the image's machine needs, installing its package
 * with apt-get where that is allowed (started as soon as the plan knows it is needed, so that it
 * runs while Ops and the kernel download and the image builds), and whether KVM can be opened.
 */
import * as core from '@actions/core'
import { exec } from '@actions/exec'
import { spawnSync } from 'node:child_process'
import { constants } from 'node:fs'
import { access } from 'node:fs/promises'
import { ActionError } from '../errors.js'
import { which } from '../install/platform.js'

/** How a missing QEMU can be installed: through passwordless sudo, or as root. */
export type InstallMethod = 'sudo' | 'root'

/** QEMU for the boot test, as the plan found it: its path, or how to install it. */
export type QemuPlan =
  | { binary: string; package: string; path: string }
  | { binary: string; package: string; install: InstallMethod }

/** How QEMU can be installed here: through passwordless sudo, as root, or not at all. */
export function installMethod(): InstallMethod | undefined {
  if (!which('apt-get')) return undefined
  if (which('sudo') && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0)
    return 'sudo'
  return process.getuid?.() === 0 ? 'root' : undefined
}

/**
 * QEMU's path, ready when the boot test needs it. An install starts at once, quietly (its output
 * is kept, and shown only when it fails), so it overlaps the downloads and the build; awaiting
 * `path` reports how long it took.
 */
export class QemuReady {
  private readonly started = performance.now()
  private readonly install?: Promise<string>

  constructor(private readonly plan: QemuPlan) {
    if ('install' in plan) {
      this.install = installQemu(plan)
      this.install.catch(() => undefined) // awaited (and reported) by path()
    }
  }

  async path(): Promise<string> {
    if ('path' in this.plan) return this.plan.path
    const installed = await (this.install as Promise<string>)
    core.info(
      `Installed ${this.plan.package} with apt-get, started with the build ${((performance.now() - this.started) / 1000).toFixed(1)} s ago: ${installed}`
    )
    return installed
  }
}

async function installQemu(plan: { binary: string; package: string; install: InstallMethod }) {
  const output: string[] = []
  const quiet = {
    silent: true,
    listeners: { stdline: (l: string) => output.push(l), errline: (l: string) => output.push(l) }
  }
  const run = (args: string[]): Promise<number> =>
    plan.install === 'sudo'
      ? exec('sudo', ['-n', 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', ...args], quiet)
      : exec('apt-get', args, {
          ...quiet,
          env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
        })
  core.info(
    `${plan.binary} is not installed: installing ${plan.package} with apt-get while the image builds`
  )
  try {
    await run(['update', '-q'])
    await run(['install', '-y', '-q', '--no-install-recommends', plan.package])
  } catch (error) {
    throw new ActionError(
      `Could not install ${plan.package} for the boot test (${(error as Error).message}): install it before this step, or set \`test: false\`. apt-get said:\n${output.slice(-20).join('\n')}`,
      { cause: error }
    )
  }
  const installed = which(plan.binary)
  if (!installed)
    throw new ActionError(
      `apt-get installed ${plan.package}, but there is still no ${plan.binary} on PATH.`
    )
  return installed
}

/** KVM can be used when its device exists and this user may read and write it. */
export async function kvmOpens(device: string): Promise<boolean> {
  return access(device, constants.R_OK | constants.W_OK).then(
    () => true,
    () => false
  )
}
