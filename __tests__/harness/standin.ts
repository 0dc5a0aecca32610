/**
 * Builds the Nanos stand-in (standin/: a BIOS boot sector and a small 32-bit kernel, see
 * standin/kernel.c) that the ops double writes at the start of every amd64 image, so tests can
 * boot real QEMU on the double's images.
 *
 * The build runs synchronously with gcc, ld and objcopy on first use and is cached under
 * <repo>/.local/standin/<hash of the sources and the recipe>.bin (written to a temporary name
 * and renamed, since several Jest workers may build at once).
 */
import { execFileSync } from 'node:child_process'
import * as crypto from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The repository: the nearest folder above this module with a package.json (this module also
 * runs transpiled from .local/harness/, see scripts/lib/harness.mjs).
 */
function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url))
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir)
    dir = path.dirname(dir)
  return dir
}
const ROOT = repoRoot()

/** Sources of the stand-in. */
export const STANDIN_DIR = path.join(ROOT, '__tests__', 'harness', 'standin')

/** Where built stand-ins are cached (git-ignored). */
export const STANDIN_CACHE_DIR = path.join(ROOT, '.local', 'standin')

/** The stand-in (boot sector + kernel) must fit before the boot plan at image offset 64 KiB. */
export const STANDIN_MAX_BYTES = 64 * 1024

const CFLAGS = [
  '-m32',
  '-ffreestanding',
  '-fno-pie',
  '-fno-pic',
  '-fno-stack-protector',
  '-fno-asynchronous-unwind-tables',
  '-fno-omit-frame-pointer',
  '-fcf-protection=none',
  '-mgeneral-regs-only',
  '-fno-builtin',
  '-nostdlib',
  '-O2',
  '-Wall'
]
const KERNEL_OBJECTS = ['entry.S', 'kernel.c', 'p9.c']
/** Part of the cache key: change it when the recipe below changes. */
const RECIPE = `v1 ${CFLAGS.join(' ')} | boot.S boot.ld | ${KERNEL_OBJECTS.join(' ')} kernel.ld`

let built: Buffer | undefined

/** sha256 of the recipe and of every file in standin/ (names and contents). */
export function standinHash(): string {
  const h = crypto.createHash('sha256').update(RECIPE)
  for (const name of fs.readdirSync(STANDIN_DIR).sort()) {
    h.update(`\0${name}\0`)
    h.update(fs.readFileSync(path.join(STANDIN_DIR, name)))
  }
  return h.digest('hex')
}

/** The stand-in's bytes: the 512-byte boot sector followed by the kernel (<= 64 KiB). */
export function standinBlob(): Buffer {
  if (built) return built
  const file = path.join(STANDIN_CACHE_DIR, `${standinHash()}.bin`)
  if (fs.existsSync(file)) {
    built = checked(fs.readFileSync(file), file)
    return built
  }
  const blob = checked(buildStandin(), 'the stand-in just built')
  fs.mkdirSync(STANDIN_CACHE_DIR, { recursive: true })
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`
  fs.writeFileSync(tmp, blob)
  fs.renameSync(tmp, file)
  built = blob
  return blob
}

function checked(blob: Buffer, what: string): Buffer {
  if (blob.length < 512 || blob.length > STANDIN_MAX_BYTES || blob.readUInt16LE(510) !== 0xaa55)
    throw new Error(`${what}: not a stand-in (${blob.length} bytes, no boot signature at 510)`)
  return blob
}

function tool(cmd: string, args: string[]): void {
  try {
    execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: Buffer }
    if (err.code === 'ENOENT') {
      throw new Error(
        `building the Nanos stand-in (${path.relative(process.cwd(), STANDIN_DIR)}) needs ` +
          `${cmd}, which is not installed: install gcc and binutils (Debian/Ubuntu: ` +
          'apt-get install gcc binutils)',
        { cause: e }
      )
    }
    throw new Error(
      `building the Nanos stand-in failed: ${cmd} ${args.join(' ')}\n${err.stderr?.toString() ?? err.message}`,
      { cause: e }
    )
  }
}

function buildStandin(): Buffer {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nia-standin-'))
  const src = (name: string): string => path.join(STANDIN_DIR, name)
  const out = (name: string): string => path.join(work, name)
  try {
    tool('gcc', [...CFLAGS, '-c', src('boot.S'), '-o', out('boot.o')])
    for (const s of KERNEL_OBJECTS) tool('gcc', [...CFLAGS, '-c', src(s), '-o', out(`${s}.o`)])
    tool('ld', ['-m', 'elf_i386', '-T', src('boot.ld'), '-o', out('boot.elf'), out('boot.o')])
    tool('ld', [
      '-m',
      'elf_i386',
      '-T',
      src('kernel.ld'),
      '-o',
      out('kernel.elf'),
      ...KERNEL_OBJECTS.map(s => out(`${s}.o`))
    ])
    tool('objcopy', ['-O', 'binary', out('boot.elf'), out('boot.bin')])
    tool('objcopy', [
      '-O',
      'binary',
      '-j',
      '.text',
      '-j',
      '.rodata',
      '-j',
      '.data',
      out('kernel.elf'),
      out('kernel.bin')
    ])
    const boot = fs.readFileSync(out('boot.bin'))
    if (boot.length !== 512) throw new Error(`the stand-in boot sector is ${boot.length} bytes`)
    return Buffer.concat([boot, fs.readFileSync(out('kernel.bin'))])
  } finally {
    fs.rmSync(work, { recursive: true, force: true })
  }
}
