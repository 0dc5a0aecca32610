/**
 * The binary's ELF header: is it a 64-bit Linux program for a machine Nanos runs on? Pure:
 * it looks at the first bytes only, which `preflight.ts` reads.
 */
import type { Arch } from '../install/platform.js'

/** How many leading bytes `elfArch` needs. */
export const ELF_HEADER_BYTES = 20

const EM_X86_64 = 62
const EM_AARCH64 = 183
const EM_NAMES: Record<number, string> = {
  3: 'x86 (32-bit)',
  8: 'MIPS',
  20: 'PowerPC',
  21: 'PowerPC64',
  40: 'ARM (32-bit)',
  243: 'RISC-V'
}

/** The image architecture for an ELF header, or a sentence saying what is wrong with it. */
export function elfArch(header: Uint8Array): { arch: Arch } | { problem: string } {
  const magic =
    header.length >= 4 &&
    header[0] === 0x7f &&
    header[1] === 0x45 &&
    header[2] === 0x4c &&
    header[3] === 0x46
  if (!magic) {
    const text = new TextDecoder().decode(header.subarray(0, 2))
    const hint = text === '#!' ? ' (it is a script)' : ''
    return {
      problem: `is not an ELF executable${hint}: give the compiled Linux program, e.g. target/release/my_prover.`
    }
  }
  if (header.length < ELF_HEADER_BYTES) return { problem: 'is a truncated ELF file.' }
  if (header[4] !== 2)
    return {
      problem:
        'is a 32-bit ELF program: Nanos runs 64-bit programs only; build for x86_64 (or aarch64).'
    }
  if (header[5] !== 1)
    return { problem: 'is a big-endian ELF program: build for little-endian x86_64 (or aarch64).' }
  const machine = header[18] | (header[19] << 8)
  if (machine === EM_X86_64) return { arch: 'amd64' }
  if (machine === EM_AARCH64) return { arch: 'arm64' }
  const name = EM_NAMES[machine] ?? `machine ${machine}`
  return {
    problem: `is built for ${name}: Nanos images run x86_64 (amd64) or aarch64 (arm64) programs.`
  }
}
