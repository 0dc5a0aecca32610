/**
 * What a QEMU run says about the program, each kind of failure in its own words with its
 * evidence (nanos-boot.md): the program exited with a code that does not pass; a fatal signal
 * killed it; the kernel faulted (its fault report on the console, or QEMU's status: an x86-64
 * VM that resets or powers off has reported no exit, which a program's exit always does under
 * `debug_exit`); nothing made progress until `test-timeout`; the VM never started. A kernel
 * fault is never the program's failure, and a timeout after a kernel fault is a kernel fault.
 * Pure.
 */
import { readConsole } from './console.js'
import type { Machine } from './machine/index.js'
import type { QemuRun } from './run.js'

export type TestResult = 'passed' | 'failed' | 'timed-out'

/** Why a boot test did not pass (the `test-failure` output). */
export type FailureKind =
  'exit-code' | 'signal' | 'kernel-fault' | 'timeout' | 'expect' | 'no-start'

export interface Verdict {
  result: TestResult
  /** undefined when it passed. */
  kind?: FailureKind
  /** The program's exit code as Nanos reported it; undefined when none reached the host. */
  exitCode?: number
  /** The fatal signal, for `signal`. */
  signal?: { number: number; name?: string }
  /** Why it did not pass, one sentence (empty when it passed). */
  reason: string
  /** The console lines (or QEMU's words) the reason rests on. */
  evidence: string[]
}

export interface Expectations {
  /** Exit codes that pass. */
  exitCodes: readonly number[]
  /** The console must match this. */
  expect?: RegExp
  timeoutSeconds: number
}

/** Linux's signal numbers (x86-64 and arm64 share them). */
const SIGNALS: Record<number, string> = {
  1: 'SIGHUP',
  2: 'SIGINT',
  3: 'SIGQUIT',
  4: 'SIGILL',
  5: 'SIGTRAP',
  6: 'SIGABRT',
  7: 'SIGBUS',
  8: 'SIGFPE',
  9: 'SIGKILL',
  10: 'SIGUSR1',
  11: 'SIGSEGV',
  12: 'SIGUSR2',
  13: 'SIGPIPE',
  14: 'SIGALRM',
  15: 'SIGTERM',
  16: 'SIGSTKFLT',
  24: 'SIGXCPU',
  25: 'SIGXFSZ',
  31: 'SIGSYS'
}

/** Nanos's own exit codes (src/runtime/runtime.h): a kernel fault, a halt. */
const NANOS_FAULT_CODES: Record<number, string> = {
  126: 'VM_EXIT_FAULT',
  127: 'VM_EXIT_HALT'
}

export function verdict(
  run: QemuRun,
  consoleText: string,
  machine: Machine,
  want: Expectations
): Verdict {
  const facts = readConsole(consoleText)
  const qemuSaid = firstQemuError(run.stderr)
  const status = run.status
  const code =
    status === null || run.timedOut || run.stoppedAfterFault ? undefined : machine.exitCode(status)
  const failed = (
    kind: FailureKind,
    reason: string,
    evidence: string[] = [],
    extra: Partial<Verdict> = {}
  ): Verdict => ({
    result: kind === 'timeout' ? 'timed-out' : 'failed',
    kind,
    reason,
    evidence,
    exitCode: code,
    ...extra
  })

  if (facts.kernelFault) {
    const after = run.timedOut
      ? ` QEMU was still running at the timeout (${want.timeoutSeconds} s) and was stopped.`
      : run.stoppedAfterFault
        ? ' QEMU went on running after it and was stopped.'
        : code !== undefined
          ? ` Nanos ended the VM with code ${code}${NANOS_FAULT_CODES[code] ? ` (${NANOS_FAULT_CODES[code]})` : ''}.`
          : ''
    return failed(
      'kernel-fault',
      `the Nanos kernel faulted, not the program: ${facts.kernelFault.line}.${after}`,
      [facts.kernelFault.line],
      { exitCode: undefined }
    )
  }
  if (run.timedOut) {
    return failed(
      'timeout',
      `nothing ended the VM within ${want.timeoutSeconds} s (\`test-timeout\`): the program did not exit${facts.silent ? ', and the console stayed empty (the kernel never printed a line)' : ' (it, or the kernel under it, stopped making progress)'}, and QEMU was stopped.`
    )
  }
  // Nothing printed and QEMU either said why or carried no code: the kernel never ran.
  if (facts.silent && (code === undefined || qemuSaid)) {
    const how =
      run.signal !== null ? `QEMU was ended by ${run.signal}` : `QEMU exited with status ${status}`
    return failed(
      'no-start',
      `the VM never started: ${how}${qemuSaid ? `: ${qemuSaid}` : ''}, and the console is empty.`,
      qemuSaid ? [qemuSaid] : []
    )
  }
  if (code === undefined) {
    if (run.signal !== null)
      return failed(
        'no-start',
        `QEMU was ended by ${run.signal}${qemuSaid ? `: ${qemuSaid}` : ''}.`,
        qemuSaid ? [qemuSaid] : []
      )
    return failed(
      'kernel-fault',
      `the VM stopped without the program exiting: QEMU's status ${status} says the machine reset or powered off, while a program's exit is always reported (debug_exit). That is a kernel crash or halt${qemuSaid ? ` (QEMU: ${qemuSaid})` : ''}; the console shows no fault report.`,
      [`QEMU exit status ${status}`]
    )
  }
  const signal = facts.programSignal
  if (signal) {
    const name = SIGNALS[signal.signal]
    return failed(
      'signal',
      `the program was killed by signal ${signal.signal}${name ? ` (${name})` : ''}, reported as exit code ${code}.`,
      [signal.line],
      { signal: { number: signal.signal, name } }
    )
  }
  if (!want.exitCodes.includes(code)) {
    const nanos = NANOS_FAULT_CODES[code]
    return failed(
      'exit-code',
      `the program exited with code ${code}; \`test-exit-code\` passes ${want.exitCodes.join(' or ')}.${nanos ? ` (${code} is also the code Nanos exits with on its own ${nanos}, but the console shows no fault report.)` : ''}`
    )
  }
  if (want.expect && !want.expect.test(consoleText)) {
    return failed(
      'expect',
      `the program exited with code ${code}, but the console does not match \`test-expect\` /${want.expect.source}/.`
    )
  }
  return { result: 'passed', exitCode: code, reason: '', evidence: [] }
}

/** QEMU's first error line ("qemu-system-x86_64: ..."), if it printed one. */
function firstQemuError(stderr: string): string | undefined {
  return stderr
    .split('\n')
    .map(l => l.trim())
    .find(l => /^qemu-system-[\w-]+: /.test(l) || /Assertion .* failed/.test(l))
}
