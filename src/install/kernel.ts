/**
 * Stage 2: the Nanos kernel release and ops's common files, resolved, downloaded and cached by
 * this action so that `ops build` downloads nothing (ops-contract.md §3). A cache entry
 * `nanos/<V>/<arch>` holds `release/` (the tarball's contents: kernel.img, boot.img, klibs/...),
 * `common.tar.gz` and `common/`.
 */
import * as core from '@actions/core'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import * as path from 'node:path'
import { ActionError, describe } from '../errors.js'
import {
  downloadFile,
  fetchText,
  isMissing,
  type InstallContext,
  type ToolSource
} from './download.js'
import type { Arch } from './platform.js'
import { cacheDirAtomic, findCached, recentLatest, rememberLatest } from './tool-cache.js'
import { nanosCommonUrl, nanosLatestUrl, nanosReleaseUrl } from './urls.js'
import { parseVersion, type VersionSpec } from './versions.js'

/** Which kernel release to use, as the plan decided it. */
export interface KernelPlan {
  spec: VersionSpec
  checkLatest: boolean
  /** The image's architecture. */
  arch: Arch
  mirror: string
}

type KernelRequest = KernelPlan & InstallContext

export interface Kernel {
  version: string
  arch: Arch
  /** The cache entry: `release/`, and `common.tar.gz` + `common/` when they could be had. */
  dir: string
  source: ToolSource
}

const TOOL = 'nanos'

/** A file of the release as its tarball holds it (`kernel.img`, `klibs/strace`), or the folder. */
export function releaseFile(kernel: Kernel, name = ''): string {
  return path.join(kernel.dir, 'release', name)
}

export async function installKernel(plan: KernelPlan, ctx: InstallContext): Promise<Kernel> {
  const req: KernelRequest = { ...plan, ...ctx }
  const version = await resolveVersion(req)
  const cached = findCached(TOOL, version, req.arch)
  if (cached) {
    core.info(`Nanos ${version} (${req.arch}) found in the tool cache: ${cached}`)
    return { version, arch: req.arch, dir: cached, source: 'tool-cache' }
  }
  const cacheEntry = { tool: TOOL, version, platform: req.arch } as const
  const restored = await req.cache.restore(cacheEntry)
  if (restored) {
    const dir = await cacheDirAtomic(restored, TOOL, version, req.arch)
    return { version, arch: req.arch, dir, source: 'actions-cache' }
  }

  const entry = await mkdtemp(path.join(req.tempDir, 'nanos-'))
  const url = nanosReleaseUrl(req.mirror, version, req.arch)
  const tarball = path.join(req.tempDir, `nanos-${version}-${req.arch}.tar.gz`)
  core.info(`Downloading Nanos ${version} (${req.arch}) from ${url}`)
  try {
    await downloadFile(url, tarball, req.policy)
  } catch (error) {
    if (isMissing(error)) {
      throw new ActionError(
        `Nanos ${version} is not published for ${req.arch}: ${url} answered HTTP ${error.status}. Check \`nanos-version\` against https://github.com/nanovms/nanos/releases.`,
        { cause: error }
      )
    }
    throw new ActionError(`Could not download Nanos ${version}: ${describe(error)}`, {
      cause: error
    })
  }
  const release = path.join(entry, 'release')
  await mkdir(release)
  try {
    await extractTar(tarball, release)
  } catch (error) {
    throw new ActionError(
      `The Nanos ${version} download from ${url} is not a valid .tar.gz (${describe(error)}); it was not cached.`,
      { cause: error }
    )
  }
  if (!existsSync(path.join(release, 'kernel.img'))) {
    throw new ActionError(
      `The Nanos ${version} release from ${url} holds no kernel.img; it was not cached. Is \`mirror\` right?`
    )
  }

  // Ops fetches these itself with a 10 s timeout and silently builds without them on failure;
  // here a failure is retried, then reported, and the entry is not cached so a later run tries again.
  const common = await fetchCommon(req, entry)
  if (!common) return { version, arch: req.arch, dir: entry, source: 'download' }
  const dir = await cacheDirAtomic(entry, TOOL, version, req.arch)
  await req.cache.save(cacheEntry, dir)
  return { version, arch: req.arch, dir, source: 'download' }
}

/** tool-cache's tar extraction, loaded only on a download (it brings an HTTP stack along). */
async function extractTar(file: string, dest: string): Promise<void> {
  const tc = await import('@actions/tool-cache')
  await tc.extractTar(file, dest, 'xz')
}

async function fetchCommon(req: KernelRequest, entry: string): Promise<boolean> {
  const url = nanosCommonUrl(req.mirror)
  const file = path.join(entry, 'common.tar.gz')
  try {
    await downloadFile(url, file, req.policy)
    await mkdir(path.join(entry, 'common'))
    await extractTar(file, path.join(entry, 'common'))
    return true
  } catch (error) {
    // Nothing half-extracted may reach the ops home.
    await rm(path.join(entry, 'common'), { recursive: true, force: true })
    await rm(file, { force: true })
    core.warning(
      `Could not get Nanos's common files (CA certificates, DNS resolver library) from ${url}: ${describe(error)}. The image is built without them, as ops itself would; the kernel is not cached so that the next run tries again.`
    )
    return false
  }
}

async function resolveVersion(req: KernelRequest): Promise<string> {
  if (req.spec.kind === 'exact') return req.spec.version
  if (!req.checkLatest) {
    const recent = recentLatest(TOOL, req.arch)
    if (recent) {
      core.info(
        `nanos-version latest: Nanos ${recent}, resolved in the last 24 hours and cached (set check-latest: true to look again now)`
      )
      return recent
    }
  }
  const url = nanosLatestUrl(req.mirror)
  let text: string
  try {
    text = await fetchText(url, req.policy)
  } catch (error) {
    throw new ActionError(
      `Could not look up the latest Nanos release at ${url}: ${describe(error)}. Pin \`nanos-version\` to skip the lookup.`,
      { cause: error }
    )
  }
  const version = parseVersion(text)
  if (!version)
    throw new ActionError(
      `${url} does not hold a version number (it starts with ${JSON.stringify(text.slice(0, 40))}); is \`mirror\` right?`
    )
  core.info(`nanos-version latest is Nanos ${version}`)
  await rememberLatest(TOOL, req.arch, version)
  return version
}
