/**
 * QEMU as a Gevulot node runs it (nanos-boot.md): q35, `-cpu max`, the raw image read-only
 * behind virtio-scsi, `isa-debug-exit` (the exit status), the workspace as a 9p share with
 * `mount_tag=0`, the serial console on stdout, and `-no-reboot` so that a reset ends the run
 * instead of looping. Also: finding QEMU, installing it where that is allowed, and whether KVM
 * can be opened.
 */
import * as core from '@actions/core'
import { exec } from '@actions/exec'
import { spawnSync } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { access } from 'node:fs/promises'
import * as path from 'node:path'
import { ActionError } from '../errors.js'

export const QEMU_BINARY = 'qemu-system-x86_64'
export const QEMU_PACKAGE = 'qemu-system-x86'

export type Accelerator = 'kvm' | 'tcg'

export interface QemuMachine {
  /** The raw image, attached read-only. */
  image: string
  /** The host folder shared as the workspace (9p mount_tag 0, the program's /workspace). */
  workspace: string
  accel: Accelerator
  cpus: number
  /** `-m` value, e.g. 2G or 512M. */
  memory: string
}

export function qemuArgs(m: QemuMachine): string[] {
  return [
    ...['-machine', `q35,accel=${m.accel}`, '-cpu', 'max'],
    ...['-smp', String(m.cpus), '-m', m.memory],
    ...['-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot'],
    ...['-device', 'isa-debug-exit', '-device', 'virtio-rng-pci'],
    ...['-drive', `file=${qemuOption(m.image)},format=raw,if=none,id=hd0,readonly=on`],
    ...['-device', 'virtio-scsi-pci,id=scsi0', '-device', 'scsi-hd,bus=scsi0.0,drive=hd0'],
    // An explicit id: without one QEMU names the fsdev after the tag, and "0" is not a valid id.
    ...[
      '-virtfs',
      `local,path=${qemuOption(m.workspace)},mount_tag=0,security_model=none,multidevs=remap,id=ws0`
    ],
    ...['-serial', 'stdio']
  ]
}

/** A value inside a QEMU option list: commas are doubled. */
function qemuOption(value: string): string {
  return value.replace(/,/g, ',,')
}

/** The first executable `name` on PATH. */
export function which(name: string, searchPath = process.env.PATH ?? ''): string | undefined {
  for (const dir of searchPath.split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, name)
    try {
      accessSync(file, constants.X_OK)
      return file
    } catch {
      // not here
    }
  }
  return undefined
}

/** How QEMU can be installed here: through passwordless sudo, as root, or not at all. */
export function installMethod(): 'sudo' | 'root' | undefined {
  if (!which('apt-get')) return undefined
  if (which('sudo') && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0)
    return 'sudo'
  return process.getuid?.() === 0 ? 'root' : undefined
}

/** QEMU's path: the one found by the plan, or installed now. */
export async function ensureQemu(qemu: string | { install: 'sudo' | 'root' }): Promise<string> {
  if (typeof qemu === 'string') return qemu
  return core.group(`Install ${QEMU_PACKAGE}`, () => installQemu(qemu.install))
}

/** Install QEMU with apt-get and return its path. */
export async function installQemu(method: 'sudo' | 'root'): Promise<string> {
  const run = (args: string[]): Promise<number> =>
    method === 'sudo'
      ? exec('sudo', ['-n', 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', ...args])
      : exec('apt-get', args, { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
  core.info(`${QEMU_BINARY} is not installed: installing ${QEMU_PACKAGE} with apt-get`)
  try {
    await run(['update', '-q'])
    await run(['install', '-y', '-q', '--no-install-recommends', QEMU_PACKAGE])
  } catch (error) {
    throw new ActionError(
      `Could not install ${QEMU_PACKAGE} for the boot test (${(error as Error).message}): install it before this step, or set \`test: false\`.`,
      { cause: error }
    )
  }
  const installed = which(QEMU_BINARY)
  if (!installed)
    throw new ActionError(
      `apt-get installed ${QEMU_PACKAGE}, but there is still no ${QEMU_BINARY} on PATH.`
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
