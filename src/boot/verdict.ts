/**
 * What a QEMU run says about the program (nanos-boot.md). With `isa-debug-exit` and the twin's
 * `debug_exit`, Nanos makes QEMU exit with `(code << 1) | 1`; a run that ends with 0 stopped
 * without reporting a code (a reset, with `-no-reboot`, or a power-off). A fatal signal N is
 * reported as code N, and the console shows Nanos's crash report. Pure.
 */
import type { QemuRun } from './run.js'

export type TestResult = 'passed' | 'failed' | 'timed-out'

export interface Verdict {
  result: TestResult
  /** The program's exit code as Nanos reported it; undefined when none reached the host. */
  exitCode?: number
  /** Why it did not pass (empty when it passed). */
  reason: string
  /** QEMU could not start the guest at all (nothing on the console): not the program's doing. */
  startFailure: boolean
}

export interface Expectations {
  /** Exit codes that pass. */
  exitCodes: readonly number[]
  /** The console must match this. */
  expect?: RegExp
  timeoutSeconds: number
}

const SIGNALS: Record<number, string> = {
  4: 'SIGILL',
  6: 'SIGABRT',
  7: 'SIGBUS',
  8: 'SIGFPE',
  9: 'SIGKILL',
  11: 'SIGSEGV',
  13: 'SIGPIPE',
  15: 'SIGTERM'
}

/** Nanos's report of a fatal signal in the program: "signal 11 received by tid 2, ...". */
const CRASH = /signal (\d+) received by tid \d+/

export function verdict(run: QemuRun, consoleText: string, want: Expectations): Verdict {
  const silent = consoleText.trim() === ''
  const passes = want.exitCodes.map(String).join(' or ')
  if (run.timedOut) {
    return {
      result: 'timed-out',
      reason: `the VM was still running after ${want.timeoutSeconds} s (\`test-timeout\`) and was stopped: the program did not exit${silent ? ', and the console stayed empty' : ''}.`,
      startFailure: false
    }
  }
  const status = run.status
  const qemuSaid = firstQemuError(run.stderr)
  const debugExit = status !== null && status % 2 === 1 && !(status === 1 && silent && qemuSaid)
  if (!debugExit) {
    const startFailure = silent && (run.signal !== null || (status !== 0 && status !== null))
    const how =
      run.signal !== null
        ? `QEMU was ended by ${run.signal}`
        : status === 0
          ? 'the VM stopped without reporting an exit code (it reset or powered off before the program exited, e.g. a kernel crash or a halt: see the console)'
          : `QEMU failed with exit status ${status}`
    return {
      result: 'failed',
      reason: `${how}${qemuSaid ? `: ${qemuSaid}` : ''}.`,
      startFailure
    }
  }
  const exitCode = ((status as number) - 1) / 2
  const crash = CRASH.exec(consoleText)
  if (crash) {
    const signal = Number(crash[1])
    return {
      result: 'failed',
      exitCode,
      reason: `the program crashed: signal ${signal}${SIGNALS[signal] ? ` (${SIGNALS[signal]})` : ''}, reported as exit code ${exitCode}.`,
      startFailure: false
    }
  }
  if (!want.exitCodes.includes(exitCode)) {
    return {
      result: 'failed',
      exitCode,
      reason: `the program exited with code ${exitCode}; \`test-exit-code\` passes ${passes}.`,
      startFailure: false
    }
  }
  if (want.expect && !want.expect.test(consoleText)) {
    return {
      result: 'failed',
      exitCode,
      reason: `the program exited with code ${exitCode}, but the console does not match \`test-expect\` /${want.expect.source}/.`,
      startFailure: false
    }
  }
  return { result: 'passed', exitCode, reason: '', startFailure: false }
}

/** QEMU's first error line ("qemu-system-x86_64: ..."), if it printed one. */
function firstQemuError(stderr: string): string | undefined {
  return stderr
    .split('\n')
    .map(l => l.trim())
    .find(l => /^qemu-system-[\w-]+: /.test(l) || /Assertion .* failed/.test(l))
}

/** The last `count` non-empty lines of the console. */
export function consoleTail(consoleText: string, count = 15): string[] {
  return consoleText
    .split('\n')
    .map(l => l.replace(/\r$/, ''))
    .filter(l => l.trim() !== '')
    .slice(-count)
}
