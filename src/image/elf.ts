/**
 * The binary's ELF headers: is it a 64-bit Linux program for a machine Nanos runs on (the first
 * bytes), and how is it linked (its program headers: the interpreter, the libraries it needs,
 * whether it is a library at all)? The bytes come from the caller (plan-checks.ts).
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

/** How a 64-bit little-endian ELF program is linked, from its program headers. */
export interface ElfLinkage {
  /** ET_DYN without an interpreter and not flagged PIE: a library, not a program. */
  sharedLibrary: boolean
  /** PT_INTERP: the dynamic loader it asks for. */
  interpreter?: string
  /** DT_NEEDED entries: ops runs a program that has any to list its libraries. */
  needed: number
}

const ET_DYN = 3
const PT_DYNAMIC = 2
const PT_INTERP = 3
const DT_NULL = 0n
const DT_NEEDED = 1n
const DT_FLAGS_1 = 0x6ffffffbn
const DF_1_PIE = 0x08000000n
/** More program headers than this is not a program a compiler wrote. */
const MAX_PROGRAM_HEADERS = 512

/**
 * The linkage of the ELF whose bytes `read` returns (the header was checked by `elfArch`). A
 * file whose headers point outside it reads as static; ops's own reading decides then.
 */
export async function elfLinkage(
  read: (offset: number, length: number) => Promise<Buffer>
): Promise<ElfLinkage> {
  const header = await read(0, 64)
  if (header.length < 64) return { sharedLibrary: false, needed: 0 }
  const type = header.readUInt16LE(16)
  const phoff = Number(header.readBigUInt64LE(32))
  const phentsize = header.readUInt16LE(54)
  const phnum = Math.min(header.readUInt16LE(56), MAX_PROGRAM_HEADERS)
  const table = phentsize >= 56 ? await read(phoff, phentsize * phnum) : Buffer.alloc(0)
  let interpreter: string | undefined
  let dynamic: Buffer | undefined
  for (let i = 0; (i + 1) * phentsize <= table.length; i++) {
    const at = i * phentsize
    const kind = table.readUInt32LE(at)
    const offset = Number(table.readBigUInt64LE(at + 8))
    const size = Math.min(Number(table.readBigUInt64LE(at + 32)), 1 << 20)
    if (kind === PT_INTERP && interpreter === undefined)
      interpreter = (await read(offset, size)).toString('latin1').replace(/\0.*$/s, '')
    if (kind === PT_DYNAMIC && dynamic === undefined) dynamic = await read(offset, size)
  }
  let needed = 0
  let flags1 = 0n
  for (let at = 0; dynamic && at + 16 <= dynamic.length; at += 16) {
    const tag = dynamic.readBigInt64LE(at)
    if (tag === DT_NULL) break
    if (tag === DT_NEEDED) needed++
    if (tag === DT_FLAGS_1) flags1 = dynamic.readBigUInt64LE(at + 8)
  }
  return {
    sharedLibrary: type === ET_DYN && interpreter === undefined && (flags1 & DF_1_PIE) === 0n,
    interpreter,
    needed
  }
}
