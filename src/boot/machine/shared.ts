/**
 * What the two machines share: the description of one boot, the machine's interface, and the
 * workspace share. Pure.
 */
import type { Arch } from '../../install/platform.js'

export type Accelerator = 'kvm' | 'tcg'

/** One boot's machine, as the boot test wants it. */
export interface MachineSpec {
  /** The raw image, attached read-only. */
  image: string
  /** The release's kernel.img: an arm64 image's boot filesystem is not read by any firmware. */
  kernel: string
  /** The host folder shared as the workspace (9p mount_tag 0, the program's /workspace). */
  workspace: string
  accel: Accelerator
  cpus: number
  /** `-m` value, e.g. 2G or 512M. */
  memory: string
}

export interface Machine {
  arch: Arch
  /** QEMU's program for this architecture. */
  binary: string
  /** The Debian/Ubuntu package that holds it. */
  package: string
  args(spec: MachineSpec): string[]
  /**
   * The exit code the program (or Nanos, for a fault) reported through `debug_exit`, read from
   * QEMU's exit status; undefined when the status carries none.
   */
  exitCode(status: number): number | undefined
}

/** A value inside a QEMU option list: commas are doubled. */
export function qemuOption(value: string): string {
  return value.replace(/,/g, ',,')
}

/** The workspace share, the same on both machines. */
export function workspaceShare(folder: string): string[] {
  // An explicit id: without one QEMU names the fsdev after the tag, and "0" is not a valid id.
  return [
    '-virtfs',
    `local,path=${qemuOption(folder)},mount_tag=0,security_model=none,multidevs=remap,id=ws0`
  ]
}
