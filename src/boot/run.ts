/**
 * One QEMU run: the serial console (QEMU's stdout) goes to a file and, line by line, to a
 * listener; QEMU's own messages (stderr) are kept apart. After `timeoutMs` QEMU's whole process
 * group is stopped (SIGTERM, then SIGKILL), so nothing it started is left running.
 */
import { spawn } from 'node:child_process'
import { createWriteStream } from 'node:fs'

export interface QemuRun {
  /** QEMU's exit status, or null when a signal ended it. */
  status: number | null
  signal: NodeJS.Signals | null
  timedOut: boolean
  /** QEMU's own messages. */
  stderr: string
  seconds: number
}

export async function runQemu(
  binary: string,
  args: readonly string[],
  opts: { timeoutMs: number; consoleFile: string; onLine?: (line: string) => void }
): Promise<QemuRun> {
  const started = performance.now()
  const sink = createWriteStream(opts.consoleFile)
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  let pending = ''
  const stderr: Buffer[] = []
  child.stdout.on('data', (chunk: Buffer) => {
    sink.write(chunk)
    if (!opts.onLine) return
    const lines = (pending + chunk.toString('utf8')).split('\n')
    pending = lines.pop() ?? ''
    for (const line of lines) opts.onLine(line)
  })
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.reduce((n, b) => n + b.length, 0) < 64 * 1024) stderr.push(chunk)
  })

  let timedOut = false
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal)
    } catch {
      // gone already
    }
  }
  let killer: NodeJS.Timeout | undefined
  const timer = setTimeout(() => {
    timedOut = true
    signalGroup('SIGTERM')
    killer = setTimeout(() => signalGroup('SIGKILL'), 2000)
  }, opts.timeoutMs)

  const { status, signal } = await new Promise<{
    status: number | null
    signal: NodeJS.Signals | null
  }>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code, sig) => resolve({ status: code, signal: sig }))
  }).finally(() => {
    clearTimeout(timer)
    clearTimeout(killer)
  })
  // Anything QEMU started shares its group: nothing may outlive the test.
  signalGroup('SIGKILL')
  if (pending && opts.onLine) opts.onLine(pending)
  await new Promise<void>(resolve => sink.end(() => resolve()))
  return {
    status,
    signal,
    timedOut,
    stderr: Buffer.concat(stderr).toString('utf8'),
    seconds: (performance.now() - started) / 1000
  }
}
