/**
 * The real tier's test programs, compiled from programs/*.c with Debian's compilers: gcc for
 * x86-64 and gcc-aarch64-linux-gnu for arm64, static or (for the runner's own architecture)
 * dynamic. Built once per source and recipe into .local/real/programs/ (written under a temporary
 * name and renamed, since several Jest workers may build at once).
 */
import { execFileSync } from 'node:child_process'
import { createHash, randomUUID } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { REPO_ROOT } from '../harness/run-action.js'

export type Arch = 'amd64' | 'arm64'
export type Link = 'static' | 'dynamic'

const SOURCES = path.join(REPO_ROOT, '__tests__', 'real', 'programs')
const CACHE = path.join(REPO_ROOT, '.local', 'real', 'programs')

const COMPILERS: Record<Arch, string> = { amd64: 'gcc', arm64: 'aarch64-linux-gnu-gcc' }
const PACKAGES: Record<Arch, string> = { amd64: 'gcc', arm64: 'gcc-aarch64-linux-gnu' }
const FLAGS = ['-std=c11', '-D_GNU_SOURCE', '-O2', '-Wall', '-Wextra', '-Werror']

/**
 * The compiled program (path in the cache); `name` is a file of programs/ without `.c`. `libs`
 * are runtime libraries it must need besides libc (linked by file name, e.g. `libzstd.so.1`,
 * so that no -dev package is needed), for a dynamic program.
 */
export function program(
  name: string,
  arch: Arch = 'amd64',
  link: Link = 'static',
  libs: string[] = []
): string {
  const source = path.join(SOURCES, `${name}.c`)
  const recipe = [
    COMPILERS[arch],
    ...FLAGS,
    link === 'static' ? '-static' : '',
    ...(libs.length > 0 ? ['-Wl,--no-as-needed', ...libs.map(l => `-l:${l}`)] : [])
  ]
  const hash = createHash('sha256')
    .update(fs.readFileSync(source))
    .update(recipe.join(' '))
    .digest('hex')
    .slice(0, 16)
  const out = path.join(CACHE, `${name}-${arch}-${link}-${hash}`)
  const tail = recipe.slice(1).filter(Boolean)
  if (fs.existsSync(out)) return out
  fs.mkdirSync(CACHE, { recursive: true })
  const partial = `${out}.${randomUUID()}.partial`
  try {
    // Libraries come after the source, as the linker resolves left to right.
    const flags = tail.filter(f => !f.startsWith('-l:') && f !== '-Wl,--no-as-needed')
    const linked = tail.filter(f => f.startsWith('-l:') || f === '-Wl,--no-as-needed')
    execFileSync(COMPILERS[arch], [...flags, '-o', partial, source, ...linked], {
      stdio: ['ignore', 'pipe', 'pipe']
    })
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: Buffer }
    if (e.code === 'ENOENT')
      throw new Error(
        `${COMPILERS[arch]} is not installed: the real tier needs Debian's ${PACKAGES[arch]} (.ci/run installs it).`,
        { cause: error }
      )
    throw new Error(
      `compiling ${source} for ${arch} failed:\n${e.stderr?.toString() ?? e.message}`,
      {
        cause: error
      }
    )
  }
  fs.renameSync(partial, out)
  return out
}

/** Copy a program into a folder (as `rel`), executable; returns the copy's absolute path. */
export function place(file: string, dir: string, rel: string): string {
  const dest = path.join(dir, rel)
  fs.mkdirSync(path.dirname(dest), { recursive: true })
  fs.copyFileSync(file, dest)
  fs.chmodSync(dest, 0o755)
  return dest
}
