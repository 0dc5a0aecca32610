/**
 * The virtual machine an image boots in, by the image's architecture (not the runner's): QEMU's
 * program and package, its command line, and how its exit status carries the program's exit
 * code. x86-64 boots as a Gevulot node boots it (x86-64.ts); arm64 as ops boots it (arm64.ts).
 * Pure.
 */
import type { Arch } from '../../install/platform.js'
import { arm64 } from './arm64.js'
import type { Machine } from './shared.js'
import { x86_64 } from './x86-64.js'

export type { Accelerator, Machine, MachineSpec } from './shared.js'

export function machineFor(arch: Arch): Machine {
  return arch === 'arm64' ? arm64 : x86_64
}
