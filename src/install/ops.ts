/**
 * Stage 1: the Ops CLI. Resolves the version, finds it in the tool cache or downloads the
 * versioned binary from `mirror`, verifies it against the published md5 (and `ops-sha256`)
 * before it is cached or ever executed, and caches it by version and host architecture.
 * Never the install script, never `ops update` (ops-contract.md §1).
 */
import * as core from '@actions/core'
import { chmod, mkdtemp, rm } from 'node:fs/promises'
import * as path from 'node:path'
import { stripVTControlCharacters } from 'node:util'
import { ActionError, describe, InputError } from '../errors.js'
import { sha256File } from './checksum.js'
import {
  downloadFile,
  fetchText,
  isMissing,
  type InstallContext,
  type RetryPolicy,
  type ToolSource
} from './download.js'
import { openOpsHome } from './ops-home.js'
import type { Host } from './platform.js'
import { cacheDirAtomic, findCached, recentLatest, rememberLatest } from './tool-cache.js'
import { opsUrls } from './urls.js'
import {
  DEFAULT_OPS_VERSION,
  gevulotOpsProblem,
  parseVersion,
  successors,
  type VersionSpec
} from './versions.js'

/** Which Ops to use, as the plan decided it. */
export interface OpsPlan {
  spec: VersionSpec
  /** `ops-sha256`: the binary must have this sha256. */
  sha256?: string
  /** `ops-path`: a preinstalled ops to use instead of a download. */
  preinstalled?: string
  checkLatest: boolean
  mirror: string
  host: Host
  /** `profile: gevulot`: refuse a release whose images Gevulot nodes cannot use. */
  gevulot: boolean
}

export interface OpsTool {
  /** Absolute path of the ops executable. */
  path: string
  /** Resolved release number, never `latest`. */
  version: string
  /** Where it came from. */
  source: ToolSource
}

const TOOL = 'ops'

export async function installOps(plan: OpsPlan, ctx: InstallContext): Promise<OpsTool> {
  if (plan.preinstalled) {
    const tool = await preinstalled(plan.preinstalled, plan.sha256, ctx.tempDir)
    if (plan.gevulot) requireGevulotOps(tool.version, 'ops-path')
    return tool
  }

  const version = await resolveVersion(plan, ctx.policy)
  // An exact `ops-version` was checked with the other inputs; `latest` is known only now.
  if (plan.gevulot) requireGevulotOps(version, 'ops-version')
  const cached = findCached(TOOL, version, plan.host.arch)
  if (cached) {
    const file = path.join(cached, 'ops')
    core.info(`Ops ${version} found in the tool cache: ${cached}`)
    // A shared tool cache holds what any job put there: a pin is checked on every use.
    if (plan.sha256) await checkSha256(file, plan.sha256, 'the cached Ops binary')
    return { path: file, version, source: 'tool-cache' }
  }
  const entry = {
    tool: TOOL,
    version,
    platform: `${plan.host.os}-${plan.host.arch}`,
    sha256: plan.sha256
  } as const
  const restored = await ctx.cache.restore(entry)
  if (restored) {
    await chmod(path.join(restored, 'ops'), 0o755)
    const cachedDir = await cacheDirAtomic(restored, TOOL, version, plan.host.arch)
    return { path: path.join(cachedDir, 'ops'), version, source: 'actions-cache' }
  }

  const dir = await downloadOps(version, plan, ctx)
  const cachedDir = await cacheDirAtomic(dir, TOOL, version, plan.host.arch)
  await ctx.cache.save(entry, cachedDir)
  return { path: path.join(cachedDir, 'ops'), version, source: 'download' }
}

/** Download Ops into a scratch folder and verify it (md5, and `ops-sha256`); returns the folder. */
async function downloadOps(version: string, plan: OpsPlan, ctx: InstallContext): Promise<string> {
  const urls = opsUrls(plan.mirror, version, plan.host)
  const platform = `${plan.host.os}/${plan.host.arch}`
  let md5Text: string
  try {
    md5Text = await fetchText(urls.md5, ctx.policy)
  } catch (error) {
    if (isMissing(error)) {
      throw new ActionError(
        `Ops ${version} is not published for ${platform}: ${urls.md5} answered HTTP ${error.status}. Check \`ops-version\` against https://github.com/nanovms/ops/releases (versioned downloads exist from 0.1.25 on).`,
        { cause: error }
      )
    }
    throw new ActionError(`Could not download the checksum of Ops ${version}: ${describe(error)}`, {
      cause: error
    })
  }
  const expectedMd5 = md5Text.trim().split(/\s+/)[0]?.toLowerCase() ?? ''
  if (!/^[0-9a-f]{32}$/.test(expectedMd5)) {
    throw new ActionError(
      `${urls.md5} does not hold an md5 checksum (it starts with ${JSON.stringify(md5Text.slice(0, 40))}); is \`mirror\` right?`
    )
  }

  const dir = await mkdtemp(path.join(ctx.tempDir, 'ops-'))
  const file = path.join(dir, 'ops')
  core.info(`Downloading Ops ${version} for ${platform} from ${urls.binary}`)
  let got
  try {
    got = await downloadFile(urls.binary, file, ctx.policy, ['md5', 'sha256'])
  } catch (error) {
    throw new ActionError(
      `Could not download Ops ${version} from ${urls.binary}: ${describe(error)}`,
      { cause: error }
    )
  }
  await verify(file, 'md5', expectedMd5, got.digests.md5, urls.binary)
  if (plan.sha256)
    await verify(file, 'sha256', plan.sha256, got.digests.sha256, urls.binary, 'ops-sha256')
  core.info(`Verified: md5 ${got.digests.md5}, sha256 ${got.digests.sha256}, ${got.bytes} bytes`)
  await chmod(file, 0o755)
  return dir
}

function requireGevulotOps(version: string, input: string): void {
  const problem = gevulotOpsProblem(version)
  if (problem) throw new InputError([{ input, message: `Ops ${problem}` }])
}

async function verify(
  file: string,
  algorithm: string,
  expected: string,
  actual: string,
  url: string,
  input?: string
): Promise<void> {
  if (expected === actual) return
  await rm(file, { force: true })
  const source = input ? `\`${input}\`` : 'the published checksum'
  throw new ActionError(
    `The Ops binary from ${url} failed verification: ${algorithm} expected ${expected} (${source}), got ${actual}. It was deleted and not cached; the download was corrupted or the file was replaced.`
  )
}

async function resolveVersion(plan: OpsPlan, policy: RetryPolicy): Promise<string> {
  if (plan.spec.kind === 'exact') return plan.spec.version
  if (!plan.checkLatest) {
    const recent = recentLatest(TOOL, plan.host.arch)
    if (recent) {
      core.info(
        `ops-version latest: Ops ${recent}, resolved in the last 24 hours and cached (set check-latest: true to look again now)`
      )
      return recent
    }
  }
  // Ops publishes no "latest version" file; walk the versioned checksums up from a known release.
  let version = DEFAULT_OPS_VERSION
  for (let steps = 0; steps < 500; steps++) {
    let next: string | undefined
    for (const candidate of successors(version)) {
      if (await published(opsUrls(plan.mirror, candidate, plan.host).md5, policy)) {
        next = candidate
        break
      }
    }
    if (!next) break
    version = next
  }
  core.info(`ops-version latest is Ops ${version}`)
  await rememberLatest(TOOL, plan.host.arch, version)
  return version
}

async function published(url: string, policy: RetryPolicy): Promise<boolean> {
  try {
    await fetchText(url, policy)
    return true
  } catch (error) {
    if (isMissing(error)) return false
    throw new ActionError(`Could not look up the latest Ops release: ${describe(error)}`, {
      cause: error
    })
  }
}

/** `ops-path`: an ops someone installed; its version is what it says of itself. */
async function preinstalled(
  opsPath: string,
  sha256: string | undefined,
  tempDir: string
): Promise<OpsTool> {
  // preflight.ts has checked that it is an executable file.
  if (sha256) await checkSha256(opsPath, sha256, `\`ops-path\` ${opsPath}`)
  const { getExecOutput } = await import('@actions/exec')
  // Even `ops version` creates its home and looks up latest.txt: give it a private, offline one.
  const home = await openOpsHome(await mkdtemp(path.join(tempDir, 'ops-version-')), '0.0.0')
  let out
  try {
    out = await getExecOutput(opsPath, ['version'], {
      silent: true,
      ignoreReturnCode: true,
      env: home.env
    })
  } finally {
    await home.close()
  }
  const match = /Ops version:\s*(\S+)/.exec(stripVTControlCharacters(out.stdout))
  const version = match ? (parseVersion(match[1]) ?? match[1]) : 'unknown'
  core.info(`Using the preinstalled Ops ${version} at ${opsPath}`)
  return { path: opsPath, version, source: 'preinstalled' }
}

async function checkSha256(file: string, expected: string, what: string): Promise<void> {
  const actual = await sha256File(file)
  if (actual !== expected) {
    throw new ActionError(
      `Input \`ops-sha256\`: ${what} (${file}) has sha256 ${actual}, expected ${expected}. It was not run.`
    )
  }
}
