/** File fixtures for tests: ELF files, scripts, workspaces, temp dirs, a seeded ops home. */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {
  COMMON_FILES,
  commonEntries,
  DEFAULT_KLIBS,
  makeTarGz,
  type NanosArch,
  nanosReleaseEntries,
  renderOpsDouble
} from './mirror.js'

export type ElfMachine = 'x86-64' | 'aarch64' | number

export interface ElfOptions {
  /** ELF class: 64 (default) or 32. */
  cls?: 64 | 32
  /** e_machine: 'x86-64' (62, default), 'aarch64' (183) or a number. */
  machine?: ElfMachine
  /** Data encoding: 'little' (default) or 'big'. */
  endian?: 'little' | 'big'
  /** Total file size in bytes (default 4096; never smaller than the header). */
  size?: number
  /** Seed of the bytes after the header, so two binaries can differ (default 'elf'). */
  seed?: string
  /** File mode (default 0o755). */
  mode?: number
  /**
   * The program's behaviour when its image boots under QEMU: lines of the stand-in's program
   * language (standin/kernel.c: print, write, read, exit, crash, hang, ...), embedded right after
   * the header as `NIA-PROGRAM v1\n<lines>\nNIA-PROGRAM-END\n` (the file grows to fit). Without
   * it the image prints `hello from <program>` and exits 0.
   */
  program?: string[]
  /** e_type: an executable (ET_EXEC, default) or ET_DYN (a PIE or a shared library). */
  type?: 'exec' | 'dyn'
  /**
   * Program headers for the linkage the action reads (64-bit little-endian only): PT_INTERP
   * with this loader, and/or a PT_DYNAMIC segment with `needed` DT_NEEDED entries and, with
   * `pie`, DT_FLAGS_1 = DF_1_PIE. Without them the ELF has no program headers (static).
   */
  linkage?: { interpreter?: string; needed?: number; pie?: boolean }
}

/** The block `ops build` (the double) reads the program's behaviour from. */
export function programBlock(lines: string[]): Buffer {
  const body = lines.map(l => `${l}\n`).join('')
  return Buffer.from(`NIA-PROGRAM v1\n${body}NIA-PROGRAM-END\n`, 'utf8')
}

export const EM_X86_64 = 62
export const EM_AARCH64 = 183

function machineNumber(m: ElfMachine): number {
  if (m === 'x86-64') return EM_X86_64
  if (m === 'aarch64') return EM_AARCH64
  return m
}

/** Bytes of a minimal ELF executable header followed by deterministic filler. */
export function elfBytes(opts: ElfOptions = {}): Buffer {
  const cls = opts.cls ?? 64
  const little = (opts.endian ?? 'little') === 'little'
  const headerSize = cls === 64 ? 64 : 52
  const block = opts.program ? programBlock(opts.program) : Buffer.alloc(0)
  const size = Math.max(opts.size ?? 4096, headerSize + block.length)
  const buf = Buffer.alloc(size)
  buf.write('\x7fELF', 0, 'latin1')
  buf[4] = cls === 64 ? 2 : 1 // EI_CLASS
  buf[5] = little ? 1 : 2 // EI_DATA
  buf[6] = 1 // EI_VERSION
  buf[7] = 0 // EI_OSABI: System V
  const u16 = (v: number, o: number): void => {
    if (little) buf.writeUInt16LE(v, o)
    else buf.writeUInt16BE(v, o)
  }
  const u32 = (v: number, o: number): void => {
    if (little) buf.writeUInt32LE(v, o)
    else buf.writeUInt32BE(v, o)
  }
  u16(opts.type === 'dyn' ? 3 : 2, 16) // e_type: ET_EXEC or ET_DYN
  u16(machineNumber(opts.machine ?? 'x86-64'), 18) // e_machine
  u32(1, 20) // e_version
  if (cls === 64) {
    u16(64, 52) // e_ehsize
    u16(56, 54) // e_phentsize
    u16(64, 58) // e_shentsize
  } else {
    u16(52, 40)
    u16(32, 42)
    u16(40, 46)
  }
  const seed = Buffer.from(`${opts.seed ?? 'elf'}:`, 'utf8')
  for (let i = headerSize; i < size; i++) buf[i] = seed[(i - headerSize) % seed.length]
  block.copy(buf, headerSize)
  return opts.linkage && cls === 64 && little ? withLinkage(buf, opts.linkage) : buf
}

/** `elf` with program headers appended: PT_INTERP and/or PT_DYNAMIC (see ElfOptions.linkage). */
function withLinkage(elf: Buffer, l: NonNullable<ElfOptions['linkage']>): Buffer {
  const dynamic: [bigint, bigint][] = [
    ...Array.from({ length: l.needed ?? 0 }, () => [1n, 0n] as [bigint, bigint]),
    ...(l.pie ? [[0x6ffffffbn, 0x08000000n] as [bigint, bigint]] : []),
    [0n, 0n]
  ]
  const headers = (l.interpreter !== undefined ? 1 : 0) + 1
  const table = Math.ceil(elf.length / 8) * 8
  const interpAt = table + headers * 56
  const interp = Buffer.from(`${l.interpreter ?? ''}\0`, 'latin1')
  const dynamicAt = Math.ceil((interpAt + interp.length) / 8) * 8
  const out = Buffer.alloc(dynamicAt + dynamic.length * 16)
  elf.copy(out)
  out.writeBigUInt64LE(BigInt(table), 32) // e_phoff
  out.writeUInt16LE(headers, 56) // e_phnum
  let at = table
  const header = (type: number, offset: number, size: number): void => {
    out.writeUInt32LE(type, at)
    out.writeBigUInt64LE(BigInt(offset), at + 8)
    out.writeBigUInt64LE(BigInt(size), at + 32)
    at += 56
  }
  if (l.interpreter !== undefined) header(3, interpAt, interp.length)
  header(2, dynamicAt, dynamic.length * 16)
  interp.copy(out, interpAt)
  dynamic.forEach(([tag, value], i) => {
    out.writeBigInt64LE(tag, dynamicAt + i * 16)
    out.writeBigUInt64LE(value, dynamicAt + i * 16 + 8)
  })
  return out
}

/** Writes a minimal ELF file (creating parent directories) and returns its bytes. */
export function writeElf(file: string, opts: ElfOptions = {}): Buffer {
  const bytes = elfBytes(opts)
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, bytes)
  fs.chmodSync(file, opts.mode ?? 0o755)
  return bytes
}

/** Writes an executable shell script (not an ELF: ops refuses it). */
export function writeScript(file: string, body = 'echo hello', shebang = '#!/bin/sh'): void {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, `${shebang}\n${body}\n`)
  fs.chmodSync(file, 0o755)
}

/** Writes a text or binary file, creating parent directories. */
export function writeFile(file: string, data: string | Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, data)
}

const tempDirs = new Set<string>()

/** Creates a temp dir (realpath, so it matches what processes report as cwd). */
export function makeTempDir(prefix = 'nia-test-'): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)))
  tempDirs.add(dir)
  return dir
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true })
  tempDirs.delete(dir)
}

/** Removes every dir made by makeTempDir/makeWorkspace that is still there (use in afterAll). */
export function cleanupTempDirs(): void {
  for (const d of [...tempDirs]) removeDir(d)
}

export interface Workspace {
  /** The workspace root (use as cwd / GITHUB_WORKSPACE). */
  dir: string
  /** Workspace-relative path of the binary: 'target/release/my_prover'. */
  relBinary: string
  /** Absolute path of the binary. */
  binary: string
  /** Bytes of the binary. */
  bytes: Buffer
  cleanup(): void
}

export interface WorkspaceOptions extends ElfOptions {
  /** Workspace-relative path of the binary (default 'target/release/my_prover'). */
  relBinary?: string
}

/** A temp dir with an ELF binary at target/release/my_prover. */
export function makeWorkspace(opts: WorkspaceOptions = {}): Workspace {
  const dir = makeTempDir('nia-ws-')
  const relBinary = opts.relBinary ?? 'target/release/my_prover'
  const binary = path.join(dir, relBinary)
  const bytes = writeElf(binary, { seed: 'my_prover', ...opts })
  return { dir, relBinary, binary, bytes, cleanup: () => removeDir(dir) }
}

export interface SeedOpsHomeOptions {
  /** Nanos versions to lay out under <opshome>/<V>/ (default ['0.1.54']). */
  versions?: string[]
  arch?: NanosArch
  /** Content of <opshome>/latest.txt; null = no latest.txt (default: last of versions). */
  latest?: string | null
  klibs?: string[]
  /**
   * Also lay out the common files: <opshome>/common.tar.gz and its files extracted into
   * <opshome>/common, as ops leaves them (default false). Ops (and the double) extract the
   * tarball on every build, and without it go on without the common files.
   */
  common?: boolean
}

/**
 * Lays out an ops home like a finished download would: <parent>/.ops/<V>[-arm]/{kernel.img,
 * boot.img, bootx64.efi, klibs/*}, latest.txt and optionally common.tar.gz and common/. Returns
 * the .ops path.
 * `parent` is what OPS_HOME must be set to.
 */
export function seedOpsHome(parent: string, opts: SeedOpsHomeOptions = {}): string {
  const opsHome = path.join(parent, '.ops')
  const versions = opts.versions ?? ['0.1.54']
  const arch = opts.arch ?? 'amd64'
  for (const v of versions) {
    const dir = path.join(opsHome, arch === 'arm64' ? `${v}-arm` : v)
    for (const e of nanosReleaseEntries(v, arch, opts.klibs ?? DEFAULT_KLIBS)) {
      const p = path.join(dir, e.name)
      if (e.type === 'dir') fs.mkdirSync(p, { recursive: true })
      else writeFile(p, e.data ?? '')
    }
  }
  const latest = opts.latest === undefined ? versions.at(-1) : opts.latest
  if (latest !== null && latest !== undefined) writeFile(path.join(opsHome, 'latest.txt'), latest)
  if (opts.common) {
    writeFile(path.join(opsHome, 'common.tar.gz'), makeTarGz(commonEntries()))
    for (const [rel, data] of Object.entries(COMMON_FILES))
      writeFile(path.join(opsHome, 'common', rel), data)
  }
  return opsHome
}

/**
 * Proxy settings under which the ops double's own latest.txt lookup fails at once, as it does
 * behind the action's refusing proxy: nothing listens on 127.0.0.1:9 (discard), so a connection
 * is refused by the kernel, even while the test process is blocked in spawnSync. Without a
 * proxy the double, like ops on a network that swallows packets, would wait forever.
 */
export const REFUSED_PROXY_ENV = {
  HTTPS_PROXY: 'http://127.0.0.1:9',
  HTTP_PROXY: 'http://127.0.0.1:9'
} as const

/** Writes the ops double for a version as an executable `ops` in dir; returns its path. */
export function installOpsDouble(dir: string, version = '0.1.46'): string {
  const file = path.join(dir, 'ops')
  writeFile(file, renderOpsDouble(version))
  fs.chmodSync(file, 0o755)
  return file
}
