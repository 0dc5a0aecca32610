/**
 * What Nanos's console says happened, read the way its lines are printed (nanos-boot.md,
 * "Kernel faults and the syscall trace"; `src/runtime/runtime.h`, `src/unix/unix.c`,
 * `src/x86_64/interrupt.c` of nanovms/nanos; the captured consoles in
 * `__tests__/fixtures/nanos-console/`):
 * - a program's fatal signal: `*** signal 11 received by tid 2, errno 0, code 1`, then a dump of
 *   the program's thread, which also says "Page fault" and has a `frame trace:`;
 * - a kernel fault: `assertion <expr> failed at <file>:<line> (IP 0x...) in <function>()`, a
 *   `<what> in kernel mode` line, the `cpu: N, context type: N` line of a kernel bug, a failed
 *   stack check, or a `frame trace:` that no program signal explains.
 * Pure; `FaultWatch` reads the console line by line as it streams, so that the boot can be
 * stopped as soon as the kernel has faulted (on x86-64 it often keeps QEMU running).
 */

/** The program's own fatal signal, as Nanos reports it. */
const PROGRAM_SIGNAL = /^\*\*\* signal (\d+) received by tid (\d+)/

/** Lines only a faulting kernel prints, strongest first (the best one names the fault). */
const KERNEL_FAULT = [
  /^assertion .+ failed at .+ in \S+\(\)/,
  /^(Divide by zero occurs|Illegal instruction|Breakpoint) in kernel mode$/,
  /^bug: /,
  /kernel instruction fault/,
  /^stack check failed on cpu/,
  /^no fault handler$/,
  /^cpu: \d+, context type: \d+$/,
  /^cpu \d+, state \w+, vector \d+$/
]
const FRAME_TRACE = /^frame trace:/

/** A kernel line's uptime prefix, e.g. `[0.321382] `. */
const UPTIME = /^\[\d+\.\d+\] /

export interface ProgramSignal {
  signal: number
  line: string
}

export interface KernelFault {
  /** The line that names the fault best (an assertion, a "... in kernel mode" line). */
  line: string
}

export interface ConsoleFacts {
  /** Nothing at all was printed: the kernel never ran. */
  silent: boolean
  programSignal?: ProgramSignal
  kernelFault?: KernelFault
}

/** Reads lines one at a time; says when the kernel has faulted. */
export class FaultWatch {
  private signal?: ProgramSignal
  private fault?: { line: string; rank: number }

  /** Feed one console line; true when this line shows the kernel faulted. */
  line(raw: string): boolean {
    const line = raw.replace(/\r$/, '').replace(UPTIME, '')
    const signal = PROGRAM_SIGNAL.exec(line)
    if (signal && !this.signal) {
      this.signal = { signal: Number(signal[1]), line }
      return false
    }
    const rank = KERNEL_FAULT.findIndex(pattern => pattern.test(line))
    // A frame trace belongs to a program's crash report when a signal came before it.
    const faulted = rank >= 0 || (FRAME_TRACE.test(line) && !this.signal)
    if (!faulted) return false
    const score = rank >= 0 ? rank : KERNEL_FAULT.length
    if (!this.fault || score < this.fault.rank) this.fault = { line: line.trim(), rank: score }
    return true
  }

  facts(silent: boolean): ConsoleFacts {
    return {
      silent,
      programSignal: this.signal,
      kernelFault: this.fault && { line: this.fault.line }
    }
  }
}

export function readConsole(text: string): ConsoleFacts {
  const watch = new FaultWatch()
  for (const line of text.split('\n')) watch.line(line)
  return watch.facts(text.trim() === '')
}

/** The last `count` non-empty lines of the console. */
export function consoleTail(text: string, count = 15): string[] {
  return text
    .split('\n')
    .map(l => l.replace(/\r$/, ''))
    .filter(l => l.trim() !== '')
    .slice(-count)
}
