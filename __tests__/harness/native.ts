/**
 * Real programs for the tests of dynamically linked binaries: C sources compiled with the
 * host's gcc at test time. The ops double runs such a program with LD_TRACE_LOADED_OBJECTS=1 as
 * ops does, so these tests need real ELF files and the host's real dynamic loader.
 *
 * Without gcc the tests fail with a message saying what to install; they never skip, so a CI
 * machine that lacks gcc cannot pass without running them.
 */
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'

let gccChecked = false

/** Throws a clear error when gcc (and the C library headers) cannot build a program. */
export function requireGcc(): void {
  if (gccChecked) return
  const r = spawnSync('gcc', ['--version'], { encoding: 'utf8' })
  if (r.error || r.status !== 0) {
    throw new Error(
      'These tests compile C programs at test time and need gcc with the C library headers ' +
        '(Debian/Ubuntu: apt-get install gcc libc6-dev). gcc was not found: ' +
        String(r.error?.message ?? r.stderr)
    )
  }
  gccChecked = true
}

/** Runs gcc with args; throws with its output when it fails. */
function gcc(args: string[]): void {
  requireGcc()
  const r = spawnSync('gcc', args, { encoding: 'utf8' })
  if (r.status !== 0) {
    throw new Error(`gcc ${args.join(' ')} failed (exit ${r.status}):\n${r.stderr}${r.stdout}`)
  }
}

export interface CompileOptions {
  /** Extra gcc arguments after the source (e.g. ['-L', dir, '-lanswer'] or ['-static']). */
  args?: string[]
}

/** Compiles a C source into an executable `out` (parent dirs created); returns `out`. */
export function compileC(out: string, source: string, opts: CompileOptions = {}): string {
  fs.mkdirSync(path.dirname(out), { recursive: true })
  const src = `${out}.c`
  fs.writeFileSync(src, source)
  gcc(['-O1', '-o', out, src, ...(opts.args ?? [])])
  fs.rmSync(src)
  return out
}

/** Compiles a C source into a shared library `dir/lib<name>.so`; returns its path. */
export function compileSharedLib(dir: string, name: string, source: string): string {
  fs.mkdirSync(dir, { recursive: true })
  const out = path.join(dir, `lib${name}.so`)
  const src = path.join(dir, `lib${name}.c`)
  fs.writeFileSync(src, source)
  gcc(['-shared', '-fPIC', '-O1', '-o', out, src])
  fs.rmSync(src)
  return out
}

/**
 * A program that, when its main() really runs, writes `marker` and prints "ran". Under
 * LD_TRACE_LOADED_OBJECTS=1 the loader lists the libraries and exits before main(), so the
 * marker shows whether something ran the program for real.
 */
export function markerProgram(marker: string, extra = ''): string {
  return `#include <stdio.h>
${extra}
int main(void) {
  FILE *f = fopen(${JSON.stringify(marker)}, "w");
  if (f) { fputs("ran\\n", f); fclose(f); }
  puts("ran");
  return 0;
}
`
}

/** Source of a tiny library exporting int answer(void). */
export const ANSWER_LIB = 'int answer(void) { return 42; }\n'

/** A program linked against libanswer.so that writes `marker` when main() runs. */
export function answerProgram(marker: string): string {
  return markerProgram(marker, 'int answer(void);\nint (*keep)(void) = answer;')
}

/** The e_machine of the host's own programs (what the kernel runs natively). */
export function hostMachine(): number {
  return process.arch === 'arm64' ? 183 : 62
}

/** The ops --arch of the programs gcc builds here. */
export function hostArch(): 'amd64' | 'arm64' {
  return process.arch === 'arm64' ? 'arm64' : 'amd64'
}

/** Copies an ELF with its e_machine set to another value (the kernel will not run it). */
export function withMachine(src: string, dest: string, machine: number): string {
  const bytes = fs.readFileSync(src)
  bytes.writeUInt16LE(machine, 18)
  fs.writeFileSync(dest, bytes, { mode: 0o755 })
  return dest
}

/** The host path of a library as the C toolchain finds it (independent of the loader). */
export function toolchainLibrary(name: string): string {
  requireGcc()
  const r = spawnSync('gcc', [`-print-file-name=${name}`], { encoding: 'utf8' })
  return fs.realpathSync(r.stdout.trim())
}
