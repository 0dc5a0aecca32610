/**
 * Shared set-up of the real tier: a loopback mirror serving $NANOS_REAL_TOOLS/mirror (the real
 * Ops and Nanos releases, with the harness's request counting and fault hooks), and a `run` that
 * executes the committed dist/index.js against it as a runner would. Nothing is mocked: ops is
 * the real binary, the images hold the real kernel, and QEMU boots them.
 */
import { afterAll, beforeAll, beforeEach, describe } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { cleanupTempDirs } from '../harness/fixtures.js'
import { startMirror, type Mirror } from '../harness/mirror.js'
import { realTools, type RealTools } from '../harness/real-tools.js'
import {
  cleanupAllRuns,
  runAction,
  type RunActionOptions,
  type RunActionResult
} from '../harness/run-action.js'
import { FAST_RETRIES } from '../e2e/helpers.js'

/** The real tools, or undefined when the tier is skipped (global setup said why, once). */
export const tools: RealTools | undefined = realTools()

/** `describe` when the real tools are there, else `describe.skip`. */
export const describeReal = tools ? describe : describe.skip

export interface RealSuite {
  mirror: Mirror
  tools: RealTools
  /** A run against the file's mirror, or against `mirror` (e.g. one of the test's own). */
  run(opts?: RunActionOptions, mirror?: Mirror): Promise<RunActionResult>
  /**
   * A mirror of the test's own, closed afterwards: concurrent tests share the file's, so a test
   * that counts requests needs its own.
   */
  withOwnMirror<T>(fn: (mirror: Mirror) => Promise<T>): Promise<T>
}

/** A mirror of the real tools for the whole file, its request log cleared before each test. */
export function useRealMirror(): RealSuite {
  const suite = {} as RealSuite
  beforeAll(async () => {
    if (!tools) return
    suite.tools = tools
    suite.mirror = await startMirror({ root: tools.mirror })
  })
  beforeEach(() => {
    suite.mirror?.resetRequests()
    suite.mirror?.clearFaults()
  })
  afterAll(async () => {
    await suite.mirror?.close()
    cleanupAllRuns()
    cleanupTempDirs()
  })
  suite.run = (opts: RunActionOptions = {}, mirror = suite.mirror) =>
    runAction({
      timeoutMs: 120_000,
      ...opts,
      inputs: { mirror: mirror.url, upload: 'false', ...opts.inputs },
      env: { ...FAST_RETRIES, ...opts.env }
    })
  suite.withOwnMirror = async fn => {
    const mirror = await startMirror({ root: suite.tools.mirror })
    try {
      return await fn(mirror)
    } finally {
      await mirror.close()
    }
  }
  return suite
}

/** QEMU processes still running whose command line contains `marker`. */
export function qemuRunning(marker: string): number {
  const out = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
  return out.split('\n').filter(l => l.includes('qemu-system') && l.includes(marker)).length
}
