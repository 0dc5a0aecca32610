/**
 * The real tier's tools: the real Ops and Nanos releases in the download host's layout, in the
 * folder named by NANOS_REAL_TOOLS (`.ci/run` sets it to ../shared/real-tools). Without it the
 * real tier is skipped, with one line saying why; under CI=true a missing or incomplete folder
 * fails the run instead, so that CI never skips the tier silently. Complete means: every file
 * its SHA256SUMS lists is there with that hash.
 *
 * Self-contained (node built-ins only): Jest's global setup transpiles and runs it alone.
 */
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'

export const REAL_TOOLS_VARIABLE = 'NANOS_REAL_TOOLS'

export interface RealTools {
  /** The folder NANOS_REAL_TOOLS names, absolute. */
  root: string
  /** Its `mirror/`: what the loopback mirror serves. */
  mirror: string
  /** The Ops release it holds. */
  opsVersion: string
  /** The Nanos releases it holds, oldest first. */
  nanosVersions: string[]
  /** What its latest.txt says. */
  latestNanos: string
}

export type RealToolsStatus = { tools: RealTools } | { skip: string } | { error: string }

/** What NANOS_REAL_TOOLS gives, checked; cached per process. */
let cached: RealToolsStatus | undefined

export function realToolsStatus(env: NodeJS.ProcessEnv = process.env): RealToolsStatus {
  if (env === process.env && cached) return cached
  const status = check(env)
  if (env === process.env) cached = status
  return status
}

function check(env: NodeJS.ProcessEnv): RealToolsStatus {
  const ci = env.CI === 'true'
  const value = env[REAL_TOOLS_VARIABLE]
  const problem = (why: string): RealToolsStatus =>
    ci
      ? {
          error: `${why}: under CI=true the real tier must run (.ci/run sets ${REAL_TOOLS_VARIABLE}=../shared/real-tools).`
        }
      : {
          skip: `real tier skipped: ${why} (set ${REAL_TOOLS_VARIABLE} to the real-tools folder, e.g. ../shared/real-tools).`
        }
  if (!value) return problem(`${REAL_TOOLS_VARIABLE} is not set`)
  const root = path.resolve(value)
  const sums = path.join(root, 'SHA256SUMS')
  if (!fs.existsSync(sums))
    return problem(`${root} holds no SHA256SUMS: it is not a real-tools folder`)
  const listed = fs
    .readFileSync(sums, 'utf8')
    .split('\n')
    .map(line => /^([0-9a-f]{64})\s+\*?(.+)$/.exec(line.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
  const bad: string[] = []
  for (const [, sha256, name] of listed) {
    const file = path.join(root, name)
    if (!fs.existsSync(file)) bad.push(`${name} is missing`)
    else if (createHash('sha256').update(fs.readFileSync(file)).digest('hex') !== sha256)
      bad.push(`${name} does not match SHA256SUMS`)
  }
  if (listed.length === 0) bad.push('SHA256SUMS lists no files')
  if (bad.length > 0) return problem(`${root} is incomplete: ${bad.join('; ')}`)

  const mirror = path.join(root, 'mirror')
  const opsVersions = subfolders(path.join(mirror, 'cli', 'linux', 'release'))
  const nanosVersions = subfolders(path.join(mirror, 'nanos', 'release')).sort(compare)
  const latest = path.join(mirror, 'nanos', 'release', 'latest.txt')
  if (opsVersions.length === 0 || nanosVersions.length === 0 || !fs.existsSync(latest))
    return problem(`${mirror} does not hold Ops, Nanos releases and latest.txt`)
  return {
    tools: {
      root,
      mirror,
      opsVersion: opsVersions.sort(compare).at(-1) as string,
      nanosVersions,
      latestNanos: fs.readFileSync(latest, 'utf8').trim()
    }
  }
}

function subfolders(dir: string): string[] {
  if (!fs.existsSync(dir)) return []
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter(d => d.isDirectory() && /^\d+\.\d+\.\d+$/.test(d.name))
    .map(d => d.name)
}

function compare(a: string, b: string): number {
  const [x, y] = [a, b].map(v => v.split('.').map(Number))
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2]
}

/** The real tools, or undefined when the tier is skipped (an error throws). */
export function realTools(): RealTools | undefined {
  const status = realToolsStatus()
  if ('error' in status) throw new Error(status.error)
  return 'tools' in status ? status.tools : undefined
}
