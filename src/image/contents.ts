/**
 * What is inside the built image: every file of its root and boot filesystems (tfs.ts) with its
 * size, sha256, where it came from (the program, `files`, `dirs`, a library ops copied from the
 * runner, ops's own additions, the kernel, a klib) and, for a library, the runner file and the
 * package that owns it (packages.ts); the image's program, arguments, environment keys, mounts
 * and klibs; and the content digest (digest.ts), which survives a rebuild. Written beside the
 * image as `<image>.contents.json`; environment values never appear in it.
 */
import * as core from '@actions/core'
import { open, stat } from 'node:fs/promises'
import * as path from 'node:path'
import { ActionError } from '../errors.js'
import { writeAtomically } from '../files.js'
import { sha256File } from '../install/checksum.js'
import type { Arch } from '../install/platform.js'
import type { ImagePlan } from './build.js'
import { contentDigest } from './digest.js'
import { owners, runnerDistro, type Distro, type Package } from './packages.js'
import { isTuple, readImageFilesystems, sha256OfFile, TfsError, type Filesystem } from './tfs.js'

export type Origin = 'program' | 'files' | 'dirs' | 'library' | 'ops' | 'kernel' | 'klib'
export type FilesystemName = 'root' | 'boot'

export interface ContentFile {
  path: string
  filesystem: FilesystemName
  size: number
  sha256: string
  origin: Origin
  /** A library's file on the runner, when it is there with the same bytes. */
  source?: string
  /** The runner's package that owns `source` (dpkg). */
  package?: Package
}

export interface ContentLink {
  path: string
  filesystem: FilesystemName
  target: string
  origin: Origin
}

export interface ImageContents {
  /** The schema of contents.json. */
  schema: 'nanos-image-action/contents/v1'
  contentDigest: string
  image: { name: string; arch: Arch }
  nanosVersion?: string
  opsVersion?: string
  program?: string
  args: string[]
  /** The environment's keys (its values are in the digest only). */
  envKeys: string[]
  mounts: Record<string, string>
  klibs: string[]
  /** The other entries of the image's manifest (passthrough keys and flags). */
  settings: Record<string, unknown>
  files: ContentFile[]
  links: ContentLink[]
  directories: { path: string; filesystem: FilesystemName }[]
  /** The runner's distribution (for package URLs); undefined without dpkg or os-release. */
  distro?: Distro
  /** false: the runner has no dpkg, so no library has a package. */
  packageManager: boolean
}

/** The contents stage, as the plan decided it. */
export interface ContentsPlan {
  /** Where contents.json goes: `<image>.contents.json`. */
  path: string
  /** `expect-content-digest`: the step fails before the upload unless the digest is this. */
  expectDigest?: string
}

/** The files ops adds to every image (lepton/image.go), and only on x86-64 the DNS library. */
const OPS_FILES = [
  '/etc/passwd',
  '/etc/resolv.conf',
  '/proc/sys/kernel/hostname',
  '/etc/ssl/certs/ca-certificates.crt'
]
const OPS_FILES_AMD64 = ['/lib/x86_64-linux-gnu/libnss_dns.so.2']

/**
 * Read the image at `image.path`, write contents.json, say what it found (and warn about a
 * library no package owns), and return what it holds.
 */
export async function readContents(image: ImagePlan, plan: ContentsPlan): Promise<ImageContents> {
  const started = performance.now()
  const contents = await listContents(image)
  await writeAtomically(plan.path, `${JSON.stringify(contents, null, 2)}\n`)
  const libraries = contents.files.filter(f => f.origin === 'library').length
  core.info(
    `${contents.files.length} files (${libraries} libraries from the runner), content digest ${contents.contentDigest} (read in ${((performance.now() - started) / 1000).toFixed(2)} s): ${plan.path}`
  )
  const unowned = unownedLibraries(contents)
  if (unowned) core.warning(unowned)
  return contents
}

async function listContents(image: ImagePlan): Promise<ImageContents> {
  const handle = await open(image.path, 'r')
  let root: Filesystem
  let boot: Filesystem | undefined
  const files: ContentFile[] = []
  const links: ContentLink[] = []
  const directories: ImageContents['directories'] = []
  try {
    ;({ root, boot } = await readImageFilesystems(handle))
    const classify = origins(image)
    const buffer = Buffer.alloc(4 * 1024 * 1024)
    for (const [fs, name] of [
      [root, 'root'],
      [boot, 'boot']
    ] as const) {
      for (const node of fs?.nodes ?? []) {
        if (node.kind === 'dir') directories.push({ path: node.path, filesystem: name })
        else if (node.kind === 'symlink')
          links.push({
            path: node.path,
            filesystem: name,
            target: node.target,
            origin: classify(node.path, name)
          })
        else
          files.push({
            path: node.path,
            filesystem: name,
            size: node.size,
            sha256: await sha256OfFile(handle, node, buffer),
            origin: classify(node.path, name)
          })
      }
    }
  } catch (error) {
    if (error instanceof TfsError)
      throw new ActionError(
        `Could not read the built image ${image.path} as a Nanos image: ${error.message}`,
        {
          cause: error
        }
      )
    throw error
  } finally {
    await handle.close()
  }

  const libraries = files.filter(f => f.origin === 'library')
  for (const lib of libraries) if (await sameFile(lib.path, lib)) lib.source = lib.path
  const sources = libraries.flatMap(lib => (lib.source ? [lib.source] : []))
  const packages = await owners(sources)
  for (const lib of libraries) {
    const pkg = lib.source ? packages?.get(lib.source) : undefined
    if (pkg) lib.package = pkg
  }

  const manifest = root.manifest
  const env = isTuple(manifest.environment) ? manifest.environment : {}
  const known = new Set(['arguments', 'environment', 'program', 'mounts', 'klibs'])
  return {
    schema: 'nanos-image-action/contents/v1',
    contentDigest: contentDigest(root, boot, files),
    image: { name: image.name, arch: image.arch },
    nanosVersion: stringOf(env.NANOS_VERSION),
    opsVersion: stringOf(env.OPS_VERSION),
    program: stringOf(manifest.program),
    args: Array.isArray(manifest.arguments) ? manifest.arguments.map(String) : [],
    envKeys: Object.keys(env).sort(),
    mounts: isTuple(manifest.mounts) ? (manifest.mounts as Record<string, string>) : {},
    klibs: files.filter(f => f.origin === 'klib').map(f => path.posix.basename(f.path)),
    settings: Object.fromEntries(Object.entries(manifest).filter(([key]) => !known.has(key))),
    files,
    links,
    directories,
    distro: packages && packages.size > 0 ? await runnerDistro() : undefined,
    packageManager: packages !== undefined
  }
}

/** Where each path of the image came from, by what the manifest and ops put where. */
function origins(image: ImagePlan): (file: string, fs: FilesystemName) => Origin {
  const m = image.manifest
  const inImage = (entry: string): string => path.posix.join('/', entry.replace(/^(\.\/)+/, ''))
  const files = new Set(((m.Files as string[] | undefined) ?? []).map(inImage))
  const dirs = [
    ...((m.Dirs as string[] | undefined) ?? []).map(inImage),
    ...Object.values((m.MapDirs as Record<string, string> | undefined) ?? {}).map(inImage)
  ]
  const ops = new Set([...OPS_FILES, ...(image.arch === 'amd64' ? OPS_FILES_AMD64 : [])])
  const program = inImage(image.program)
  return (file, fs) => {
    if (fs === 'boot') return file.startsWith('/klib/') ? 'klib' : 'kernel'
    if (file === program) return 'program'
    if (files.has(file)) return 'files'
    if (dirs.some(d => file === d || file.startsWith(`${d}/`))) return 'dirs'
    if (ops.has(file)) return 'ops'
    return 'library'
  }
}

/** The runner's file at `file` has the bytes the image holds. */
async function sameFile(file: string, content: ContentFile): Promise<boolean> {
  const info = await stat(file).catch(() => undefined)
  if (!info?.isFile() || info.size !== content.size) return false
  return (await sha256File(file)) === content.sha256
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

/** `expect-content-digest` as given: with or without `sha256:`, any case. */
export function normalDigest(value: string): string | undefined {
  const match = /^(?:sha256:)?([0-9a-f]{64})$/i.exec(value.trim())
  return match ? `sha256:${match[1].toLowerCase()}` : undefined
}

/** Why the step fails (before the boot test and the upload): the digest is not the expected one. */
export function digestMismatch(contents: ImageContents, plan: ContentsPlan): string | undefined {
  if (!plan.expectDigest || plan.expectDigest === contents.contentDigest) return undefined
  return `The image's content digest is ${contents.contentDigest}, but \`expect-content-digest\` is ${plan.expectDigest}: this build does not hold what the expected image holds (a file, the program, an argument, an environment value, a klib or the kernel differs). The image was not uploaded. Compare the two images' contents.json files to see what differs.`
}

/**
 * One warning, by path, for the libraries ops copied from the runner that no package owns (from
 * LD_LIBRARY_PATH or the build tree): the image cannot be rebuilt from the runner image alone.
 * None when the runner has no dpkg to ask.
 */
function unownedLibraries(contents: ImageContents): string | undefined {
  if (!contents.packageManager) return undefined
  const unowned = contents.files.filter(f => f.origin === 'library' && !f.package)
  if (unowned.length === 0) return undefined
  const list = unowned.map(f =>
    f.source && f.source !== f.path ? `${f.path} (from ${f.source})` : f.path
  )
  return `${unowned.length === 1 ? 'A library' : `${unowned.length} libraries`} in the image ${unowned.length === 1 ? 'belongs' : 'belong'} to no package of the runner: ${list.join(', ')}. Ops copied ${unowned.length === 1 ? 'it' : 'them'} from the runner (LD_LIBRARY_PATH or the build tree), so this image cannot be rebuilt from the runner image alone: keep ${unowned.length === 1 ? 'it' : 'them'} with the sources, or link statically.`
}
