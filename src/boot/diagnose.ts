/**
 * The diagnosis boot: when the boot test fails or times out, its twin boots once more with
 * Nanos's syscall trace on (twin.ts `traceManifest`: the `strace` klib and `debugsyscalls`),
 * within `test-timeout` and at most 120 s, against a fresh copy of the sample workspace. The
 * whole console (the trace) is kept for the `test-trace` output; the report shows the last calls
 * and the one the program stopped in (trace.ts). The trace image and its klib stay in this
 * run's private folder: nothing of it reaches the uploaded image.
 */
import * as core from '@actions/core'
import { randomUUID } from 'node:crypto'
import { copyFile, cp, mkdir } from 'node:fs/promises'
import * as path from 'node:path'
import { releaseFile } from '../install/kernel.js'
import { boot, buildVariant, type BootContext } from './attempt.js'
import type { Accelerator, Machine } from './machine/index.js'
import { parseTrace, stoppedIn, type Syscall } from './trace.js'
import { TRACE_KLIB, traceManifest, twinManifest } from './twin.js'
import type { Verdict } from './verdict.js'

/** The diagnosis boot's part of the boot plan. */
export interface DiagnosisPlan {
  env?: Record<string, string>
  args?: string[]
  /** `test-timeout`, at most 120 s. */
  diagnoseSeconds: number
  tracePath: string
  diagnosisWorkspacePath: string
}

export interface Diagnosis {
  /** The diagnosis boot's whole console: the trace (the `test-trace` output). */
  tracePath: string
  verdict: Verdict
  console: string
  calls: Syscall[]
  /** The call the program stopped in, if it never returned. */
  stopped?: Syscall
  /** How the diagnosis boot ended otherwise than the test boot, in words. */
  differs?: string
  seconds: number
}

export async function diagnose(
  req: BootContext & { plan: DiagnosisPlan },
  machine: Machine,
  accel: Accelerator,
  first: Verdict
): Promise<Diagnosis> {
  const { plan, image } = req
  core.info(
    `Diagnosis: booting the twin again with Nanos's syscall trace (the ${TRACE_KLIB} klib and debugsyscalls), for at most ${plan.diagnoseSeconds} s; the trace goes to ${plan.tracePath}.`
  )
  const twin = twinManifest(image.manifest, { env: plan.env, args: plan.args }).manifest
  const traced = await buildVariant(req, traceManifest(twin, await klibDirWithTrace(req)), 'trace')
  const attempt = await boot(req, machine, {
    image: traced,
    accel,
    consolePath: plan.tracePath,
    workspacePath: plan.diagnosisWorkspacePath,
    timeoutSeconds: plan.diagnoseSeconds,
    stream: false
  })
  const calls = parseTrace(attempt.console)
  const v = attempt.verdict
  return {
    tracePath: plan.tracePath,
    verdict: v,
    console: attempt.console,
    calls,
    stopped: stoppedIn(calls),
    differs: v.kind === first.kind ? undefined : differently(first, v),
    seconds: attempt.run.seconds
  }
}

/**
 * With a KlibDir of the user's own, ops looks for klibs there only: the trace klib is then put
 * beside copies of theirs, in a folder of this run.
 */
async function klibDirWithTrace(req: BootContext): Promise<string | undefined> {
  const own = req.image.manifest.KlibDir
  if (typeof own !== 'string') return undefined
  const dir = path.join(req.workDir, `klibs-${randomUUID()}`)
  await mkdir(dir, { recursive: true })
  await cp(own, dir, { recursive: true })
  await copyFile(releaseFile(req.kernel, `klibs/${TRACE_KLIB}`), path.join(dir, TRACE_KLIB)).catch(
    () =>
      core.warning(
        `The Nanos ${req.kernel.version} release has no ${TRACE_KLIB} klib: the diagnosis boot prints no trace.`
      )
  )
  return dir
}

const KIND_WORDS: Record<NonNullable<Verdict['kind']>, string> = {
  'exit-code': 'exited with a failing code',
  signal: 'was killed by a signal',
  'kernel-fault': 'showed a kernel fault',
  timeout: 'timed out',
  expect: 'did not print what `test-expect` wants',
  'no-start': 'never started'
}

function differently(first: Verdict, second: Verdict): string {
  const how = second.kind ? KIND_WORDS[second.kind] : 'passed'
  const was = first.kind ? KIND_WORDS[first.kind] : 'passed'
  return `The diagnosis boot ${how}${second.reason ? ` (${second.reason.replace(/\.$/, '')})` : ''}, where the test boot ${was}: the failure may depend on timing, which the trace changes.`
}
