/**
 * A failed boot test in words, for the step's error and the job summary: the verdict, a known
 * kernel problem with its advice, the console's last lines, and the diagnosis boot's last system
 * calls with the one the program stopped in. Values of `env` and `test-env` are scrubbed as on
 * the console. Pure.
 */
import { scrub } from '../image/secrets.js'
import type { Diagnosis } from './diagnose.js'
import type { BootResult } from './test.js'
import { formatCall, type Syscall } from './trace.js'

/** How many calls of the trace a report shows. */
export const TRACE_TAIL = 20

export interface TraceLine {
  text: string
  /** The call the program stopped in. */
  stopped: boolean
}

/** The diagnosis trace's last calls, as they read in a report. */
export function traceTail(d: Diagnosis, env: Readonly<Record<string, string>>): TraceLine[] {
  return d.calls.slice(-TRACE_TAIL).map(call => ({
    text: scrub(`[${call.tid}] ${describeCall(call, d)}`, env),
    stopped: call === d.stopped
  }))
}

/** A call as printed, except `exit_group`, whose code Nanos prints nowhere but in debug_exit. */
function describeCall(call: Syscall, d: Diagnosis): string {
  if (call.name === 'exit_group' && call.unfinished && call.args === '') {
    const code = d.verdict.exitCode
    return code === undefined ? 'exit_group(...)' : `exit_group(${code})`
  }
  return formatCall(call)
}

export function failureMessage(
  boot: BootResult,
  env: Readonly<Record<string, string>>,
  notUploaded: boolean
): string {
  const head = boot.result === 'timed-out' ? 'The boot test timed out' : 'The boot test failed'
  const parts = [`${head}: ${boot.reason}`]
  if (boot.known)
    parts.push(`This is a known Nanos problem: ${boot.known.title} ${boot.known.advice}`)
  if (notUploaded) parts.push('The image was not uploaded.')
  const tail = boot.tail.map(line => `  ${scrub(line, env)}`).join('\n')
  let text = `${parts.join(' ')}\nLast console lines (all of them in ${boot.consolePath}, the \`test-console\` output):\n${tail || '  (the console is empty)'}`
  const d = boot.diagnosis
  if (d) {
    text += `\n${diagnosisHeading(d)}`
    const calls = traceTail(d, env)
    text +=
      calls.length > 0
        ? `\n${calls.map(c => `  ${c.text}${c.stopped ? '    <- the program stopped here' : ''}`).join('\n')}`
        : '\n  (the trace is empty: no system call was printed)'
  }
  return text
}

/** One line on the diagnosis boot: where its trace is, how it ended, where the program stopped. */
export function diagnosisHeading(d: Diagnosis): string {
  const stopped = d.stopped ? ` The program stopped in ${d.stopped.name}().` : ''
  const differs = d.differs ? ` ${d.differs}` : ''
  return `Diagnosis boot with Nanos's syscall trace (all of it in ${d.tracePath}, the \`test-trace\` output):${stopped}${differs} Last system calls:`
}
