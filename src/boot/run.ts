/**
 * One QEMU run: the serial console (QEMU's stdout) goes to a file and, line by line, to a
 * listener; QEMU's own messages (stderr) are kept apart. After `timeoutMs` QEMU's whole process
 * group is stopped (SIGTERM, then SIGKILL), so nothing it started is left running; so it is
 * `FAULT_GRACE_MS` after the listener says the kernel faulted (a faulted x86-64 kernel often
 * keeps QEMU running), which leaves time for the rest of its report.
 */
import { spawn } from 'node:child_process'
import { createWriteStream } from 'node:fs'

export interface QemuRun {
  /** QEMU's exit status, or null when a signal ended it. */
  status: number | null
  signal: NodeJS.Signals | null
  timedOut: boolean
  /** Stopped because the console showed a kernel fault. */
  stoppedAfterFault: boolean
  /** QEMU's own messages. */
  stderr: string
  seconds: number
}

/**
 * QEMU runs in a process group of its own (so that a timeout stops all of it), which a runner
 * stopping the step (a cancelled job: SIGINT, then SIGTERM) would not reach: the groups still
 * running are stopped when this process ends or is told to.
 */
const running = new Set<number>()
let cleanupInstalled = false

function stopAllGroups(): void {
  for (const pid of running) {
    try {
      process.kill(-pid, 'SIGKILL')
    } catch {
      // gone already
    }
  }
  running.clear()
}

function installCleanup(): void {
  if (cleanupInstalled) return
  cleanupInstalled = true
  process.on('exit', stopAllGroups)
  for (const [signal, number] of [
    ['SIGINT', 2],
    ['SIGTERM', 15],
    ['SIGHUP', 1]
  ] as const) {
    process.once(signal, () => {
      stopAllGroups()
      process.exit(128 + number)
    })
  }
}

/** How long a faulted kernel may go on printing before QEMU is stopped. */
export const FAULT_GRACE_MS = 1500

export interface RunOptions {
  timeoutMs: number
  consoleFile: string
  /** Each console line; returns true when the line shows the kernel faulted. */
  onLine?: (line: string) => boolean | void
}

export async function runQemu(
  binary: string,
  args: readonly string[],
  opts: RunOptions
): Promise<QemuRun> {
  const started = performance.now()
  const sink = createWriteStream(opts.consoleFile)
  installCleanup()
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  if (child.pid !== undefined) running.add(child.pid)
  let pending = ''
  const stderr: Buffer[] = []
  child.stdout.on('data', (chunk: Buffer) => {
    sink.write(chunk)
    if (!opts.onLine) return
    const lines = (pending + chunk.toString('utf8')).split('\n')
    pending = lines.pop() ?? ''
    for (const line of lines) if (opts.onLine(line) === true) stopAfterFault()
  })
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.reduce((n, b) => n + b.length, 0) < 64 * 1024) stderr.push(chunk)
  })

  let timedOut = false
  let stoppedAfterFault = false
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal)
    } catch {
      // gone already
    }
  }
  let killer: NodeJS.Timeout | undefined
  let grace: NodeJS.Timeout | undefined
  const stop = (): void => {
    signalGroup('SIGTERM')
    killer = setTimeout(() => signalGroup('SIGKILL'), 2000)
  }
  const timer = setTimeout(() => {
    if (stoppedAfterFault) return
    timedOut = true
    stop()
  }, opts.timeoutMs)
  function stopAfterFault(): void {
    if (grace || timedOut) return
    grace = setTimeout(() => {
      stoppedAfterFault = true
      clearTimeout(timer)
      stop()
    }, FAULT_GRACE_MS)
  }

  const { status, signal } = await new Promise<{
    status: number | null
    signal: NodeJS.Signals | null
  }>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code, sig) => resolve({ status: code, signal: sig }))
  }).finally(() => {
    clearTimeout(timer)
    clearTimeout(grace)
    clearTimeout(killer)
  })
  // Anything QEMU started shares its group: nothing may outlive the test.
  signalGroup('SIGKILL')
  if (child.pid !== undefined) running.delete(child.pid)
  if (pending && opts.onLine) opts.onLine(pending)
  await new Promise<void>(resolve => sink.end(() => resolve()))
  return {
    status,
    signal,
    timedOut,
    stoppedAfterFault,
    stderr: Buffer.concat(stderr).toString('utf8'),
    seconds: (performance.now() - started) / 1000
  }
}
