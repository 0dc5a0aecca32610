/**
 * The system call trace Nanos prints with its `strace` klib and `debugsyscalls` (nanos-boot.md,
 * "The syscall trace"; real traces in `__tests__/fixtures/nanos-console/`): one line per call,
 * prefixed with the thread id, in strace's style:
 *   [2] write(1, 0x00000000005db6d0, 10) = 10
 *   [2] newfstatat(-100, "/workspace/task.json", <unfinished ...>
 *   [2] <... newfstatat resumed> [{st_ino=0x43009b, st_mode=0x81ff, st_size=3}], 0) = 0
 * A call that blocks prints `<unfinished ...>` and later resumes; one that never resumes is
 * where its thread stopped. `exit_group` always prints unfinished: the code arrives through
 * `debug_exit`, not the trace. Pure.
 */

export interface Syscall {
  tid: number
  name: string
  /** The arguments as printed (buffers are addresses; paths are whole). */
  args: string
  /** undefined while unfinished. */
  result?: string
  /** It never returned (or the trace ended first). */
  unfinished: boolean
}

const LINE = /^\[(\d+)\] (.*)$/
const RESUMED = /^<\.\.\. (\w+) resumed>\s?(.*)$/
const UNFINISHED = /^(\w+)\((.*?)\s*<unfinished \.\.\.>\s*$/
const DONE = /^(\w+)\((.*)\) = (.+)$/

/** Every call of the trace in `console`, in order; a resumed call is merged into its start. */
export function parseTrace(console: string): Syscall[] {
  const calls: Syscall[] = []
  const pending = new Map<string, Syscall>()
  for (const raw of console.split('\n')) {
    const line = LINE.exec(raw.replace(/\r$/, ''))
    if (!line) continue
    const tid = Number(line[1])
    const text = line[2]
    const resumed = RESUMED.exec(text)
    if (resumed) {
      const key = `${tid} ${resumed[1]}`
      const call = pending.get(key)
      const end = /^(.*)\) = (.+)$/.exec(resumed[2])
      if (!call || !end) continue
      pending.delete(key)
      call.args = [call.args.replace(/,\s*$/, ''), end[1].trim()].filter(Boolean).join(', ')
      call.result = end[2].trim()
      call.unfinished = false
      continue
    }
    const unfinished = UNFINISHED.exec(text)
    if (unfinished) {
      const call: Syscall = { tid, name: unfinished[1], args: unfinished[2], unfinished: true }
      pending.set(`${tid} ${call.name}`, call)
      calls.push(call)
      continue
    }
    const done = DONE.exec(text)
    if (done) calls.push({ tid, name: done[1], args: done[2], result: done[3], unfinished: false })
  }
  return calls
}

/** The first quoted path among a call's arguments. */
export function pathOf(call: Syscall): string | undefined {
  const quoted = /"((?:[^"\\]|\\.)*)"/.exec(call.args)
  return quoted?.[1]
}

/** How a call reads in a report: `name(args) = result`, or `name(args <unfinished ...>`. */
export function formatCall(call: Syscall): string {
  return call.unfinished
    ? `${call.name}(${call.args} <unfinished ...>`
    : `${call.name}(${call.args}) = ${call.result}`
}

/**
 * Where the program stopped: the last call that never returned, unless it is the program's own
 * `exit_group` (which never returns by design).
 */
export function stoppedIn(calls: readonly Syscall[]): Syscall | undefined {
  const last = [...calls].reverse().find(call => call.unfinished)
  return last && last.name !== 'exit_group' ? last : undefined
}
