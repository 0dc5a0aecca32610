/**
 * The verdict, the console's fault watch, the trace parser and the known problems, on the real
 * consoles captured from the real Nanos 0.1.55/0.1.54 kernels (__tests__/fixtures/nanos-console/,
 * whose README gives each one's QEMU exit status).
 */
import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { readConsole, FaultWatch } from '../../src/boot/console.js'
import { knownProblem, warningsBeforeBuild } from '../../src/boot/known-problems.js'
import { machineFor } from '../../src/boot/machine/index.js'
import type { QemuRun } from '../../src/boot/run.js'
import { parseTrace, stoppedIn, formatCall } from '../../src/boot/trace.js'
import { verdict, type Expectations } from '../../src/boot/verdict.js'
import { REPO_ROOT } from '../harness/run-action.js'

const FIXTURES = path.join(REPO_ROOT, '__tests__', 'fixtures', 'nanos-console')
const consoleOf = (name: string): string => fs.readFileSync(path.join(FIXTURES, name), 'utf8')

const run = (over: Partial<QemuRun>): QemuRun => ({
  status: null,
  signal: null,
  timedOut: false,
  stoppedAfterFault: false,
  stderr: '',
  seconds: 1,
  ...over
})
const want: Expectations = { exitCodes: [0], timeoutSeconds: 10 }
const x86 = machineFor('amd64')
const arm = machineFor('arm64')

describe('the verdict on real consoles', () => {
  it('x86-64 exit 3 (status 7) and arm64 exit 3 (status 3): exit-code 3', () => {
    for (const [machine, name, status] of [
      [x86, 'x86-64-0.1.55-exit3.txt', 7],
      [x86, 'x86-64-0.1.55-trace-exit3.txt', 7],
      [arm, 'arm64-0.1.55-trace-exit3.txt', 3]
    ] as const) {
      const v = verdict(run({ status }), consoleOf(name), machine, want)
      expect(v).toMatchObject({ result: 'failed', kind: 'exit-code', exitCode: 3 })
      expect(v.reason).toMatch(/^the program exited with code 3;/)
    }
  })

  it('a segfault: a signal, named, not a kernel fault (its report also has a frame trace)', () => {
    for (const [machine, name, status] of [
      [x86, 'x86-64-0.1.55-segv.txt', 23],
      [x86, 'x86-64-0.1.55-trace-segv.txt', 23],
      [arm, 'arm64-0.1.55-segv.txt', 11]
    ] as const) {
      const v = verdict(run({ status }), consoleOf(name), machine, want)
      expect(v).toMatchObject({
        kind: 'signal',
        exitCode: 11,
        signal: { number: 11, name: 'SIGSEGV' }
      })
      expect(v.evidence[0]).toMatch(/^\*\*\* signal 11 received by tid 2/)
    }
  })

  it('the x86-64 0.1.55 fault: a kernel fault even though QEMU ran on, its assertion named', () => {
    const text = consoleOf('x86-64-0.1.55-trace-stat2-fault.txt')
    for (const over of [
      { timedOut: true },
      { stoppedAfterFault: true, signal: 'SIGTERM' as const }
    ]) {
      const v = verdict(run(over), text, x86, want)
      expect(v).toMatchObject({ result: 'failed', kind: 'kernel-fault' })
      expect(v.exitCode).toBeUndefined()
      expect(v.reason).toMatch(
        /^the Nanos kernel faulted, not the program: assertion m->allocated >= o->pagesize failed at .* in mcache_dealloc\(\)/
      )
    }
  })

  it('the arm64 0.1.55 fault: status 126 and "Illegal instruction in kernel mode"', () => {
    for (const name of ['arm64-0.1.55-stat2-fault.txt', 'arm64-0.1.55-trace-stat2-fault.txt']) {
      const v = verdict(run({ status: 126 }), consoleOf(name), arm, want)
      expect(v).toMatchObject({
        kind: 'kernel-fault',
        evidence: ['Illegal instruction in kernel mode']
      })
      expect(v.reason).toMatch(/Nanos ended the VM with code 126 \(VM_EXIT_FAULT\)/)
    }
  })

  it('x86-64: status 0 after output is a reset without an exit, a kernel fault by its status', () => {
    const v = verdict(
      run({ status: 0 }),
      '[0.38] NET: no network interface found\nprobe: stat1 0\n',
      x86,
      want
    )
    expect(v).toMatchObject({ kind: 'kernel-fault', evidence: ['QEMU exit status 0'] })
  })

  it('a hang: timeout, with words for a silent console', () => {
    expect(
      verdict(run({ timedOut: true }), consoleOf('x86-64-0.1.55-trace-hang.txt'), x86, want)
    ).toMatchObject({
      result: 'timed-out',
      kind: 'timeout'
    })
    expect(verdict(run({ timedOut: true }), '', x86, want).reason).toMatch(
      /the console stayed empty/
    )
  })

  it('the VM never started: a silent console and QEMU failed or was killed', () => {
    const stderr = 'qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69\n'
    expect(verdict(run({ signal: 'SIGABRT', stderr }), '', x86, want)).toMatchObject({
      kind: 'no-start',
      evidence: ['qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69']
    })
    expect(
      verdict(run({ status: 1, stderr: 'qemu-system-aarch64: -kernel: bad\n' }), '', arm, want).kind
    ).toBe('no-start')
  })

  it('an exit code that passes, and test-expect', () => {
    const text = consoleOf('x86-64-0.1.54-trace-stat2-pass.txt')
    expect(verdict(run({ status: 1 }), text, x86, want)).toMatchObject({
      result: 'passed',
      exitCode: 0
    })
    expect(verdict(run({ status: 1 }), text, x86, { ...want, expect: /stat2 0/ }).result).toBe(
      'passed'
    )
    expect(verdict(run({ status: 1 }), text, x86, { ...want, expect: /proof/ }).kind).toBe('expect')
  })
})

describe('the fault watch', () => {
  it('says "faulted" on the first kernel fault line as it streams, never on a program crash', () => {
    const seen = (name: string): number => {
      const watch = new FaultWatch()
      return consoleOf(name)
        .split('\n')
        .findIndex(line => watch.line(line))
    }
    expect(seen('x86-64-0.1.55-trace-stat2-fault.txt')).toBeGreaterThan(0)
    expect(seen('arm64-0.1.55-stat2-fault.txt')).toBeGreaterThan(0)
    for (const name of [
      'x86-64-0.1.55-segv.txt',
      'arm64-0.1.55-segv.txt',
      'x86-64-0.1.55-trace-exit3.txt'
    ])
      expect(seen(name)).toBe(-1)
  })

  it('keeps the line that names the fault best (the assertion comes after the frame trace)', () => {
    expect(readConsole(consoleOf('x86-64-0.1.55-trace-stat2-fault.txt')).kernelFault?.line).toMatch(
      /^assertion /
    )
  })
})

describe('the syscall trace', () => {
  it('merges a resumed call into its start and finds where the program stopped', () => {
    const calls = parseTrace(consoleOf('x86-64-0.1.55-trace-stat2-fault.txt'))
    const first = calls.find(c => c.name === 'newfstatat' && c.args.includes('/workspace'))
    expect(first && formatCall(first)).toMatch(
      /^newfstatat\(-100, "\/workspace\/task\.json", \[\{st_ino=0x[0-9a-f]+, st_mode=0x81ff, st_size=4\}\], 0\) = 0$/
    )
    const stopped = stoppedIn(calls)
    expect(stopped && formatCall(stopped)).toBe(
      'newfstatat(-100, "/workspace/task.json", <unfinished ...>'
    )
    expect(calls.every(c => c.tid === 2)).toBe(true)
  })

  it('an exit_group that never returns is the exit, not where the program stopped', () => {
    const calls = parseTrace(consoleOf('x86-64-0.1.55-trace-exit3.txt'))
    expect(calls.at(-1)).toMatchObject({ name: 'exit_group', unfinished: true })
    expect(stoppedIn(calls)).toBeUndefined()
  })

  it('a hang in nanosleep stops in clock_nanosleep, on both architectures', () => {
    for (const name of ['x86-64-0.1.55-trace-hang.txt', 'arm64-0.1.55-trace-hang.txt'])
      expect(stoppedIn(parseTrace(consoleOf(name)))?.name).toBe('clock_nanosleep')
  })
})

describe('known problems', () => {
  const symptoms = (console: string, over = {}) => {
    const calls = parseTrace(console)
    return {
      nanosVersion: '0.1.55',
      arch: 'amd64' as const,
      kind: 'kernel-fault' as const,
      console,
      calls,
      stopped: stoppedIn(calls),
      mounts: ['/workspace'],
      ...over
    }
  }

  it('names the 0.1.55 9p fault from the console, and from the trace alone on arm64', () => {
    expect(knownProblem(symptoms(consoleOf('x86-64-0.1.55-trace-stat2-fault.txt')))?.id).toBe(
      'nanos-0.1.55-9p-stat'
    )
    expect(
      knownProblem(symptoms(consoleOf('arm64-0.1.55-trace-stat2-fault.txt'), { arch: 'arm64' }))?.id
    ).toBe('nanos-0.1.55-9p-stat')
  })

  it('not for another release, nor without a workspace mount', () => {
    const text = consoleOf('arm64-0.1.55-trace-stat2-fault.txt')
    expect(knownProblem(symptoms(text, { arch: 'arm64', nanosVersion: '0.1.54' }))).toBeUndefined()
    expect(knownProblem(symptoms(text, { arch: 'arm64', mounts: [] }))).toBeUndefined()
  })

  it('names the stat-after-close hang from where a timed-out trace stopped, not from the boot that passed', () => {
    const hang = symptoms(consoleOf('x86-64-0.1.54-trace-write-close-stat-hang.txt'), {
      nanosVersion: '0.1.54',
      kind: 'timeout'
    })
    expect(knownProblem(hang)?.advice).toMatch(/fsync\(\)/)
    const passed = symptoms(consoleOf('x86-64-0.1.54-trace-write-close-stat-pass.txt'), {
      nanosVersion: '0.1.54',
      kind: 'timeout'
    })
    expect(knownProblem(passed)).toBeUndefined()
  })

  it('warns before building 0.1.55 with a workspace; not 0.1.54, not without a mount', () => {
    expect(warningsBeforeBuild('0.1.55', 'amd64', ['/workspace'])).toEqual([
      expect.stringMatching(
        /^Nanos 0\.1\.55 has a known problem .* \/workspace\).*nanos-version: 0\.1\.54/
      )
    ])
    expect(warningsBeforeBuild('0.1.54', 'amd64', ['/workspace'])).toEqual([])
    expect(warningsBeforeBuild('0.1.55', 'arm64', [])).toEqual([])
  })
})
