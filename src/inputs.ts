/**
 * Stage 0: the step's inputs, parsed and validated by a pure function of the environment.
 *
 * `parseInputs` reads `INPUT_*` variables the way the runner passes them, applies the defaults,
 * and collects every problem it finds into one `InputError`, so that a user fixes all of them
 * in one go. Nothing here touches the disk or the network; the checks that must look at files
 * (the binary, the base manifest, the output directory) live in `preflight.ts`.
 */
import * as path from 'node:path'
import { InputError, type InputProblem } from './errors.js'
import { parseVersionSpec, type VersionSpec, DEFAULT_OPS_VERSION } from './versions.js'

export type Arch = 'amd64' | 'arm64'
export type Profile = 'gevulot' | 'nanos'

export interface Inputs {
  /** Absolute path of the compiled program. */
  binary: string
  /** Absolute path against which relative inputs resolve. */
  workingDirectory: string
  /** Name of the program inside the image; undefined: from `manifest`, else the binary's name. */
  program?: string
  /** File name of the image; undefined: the program's name. */
  imageName?: string
  env?: Record<string, string>
  args?: string[]
  files?: string[]
  dirs?: string[]
  mounts?: Record<string, string>
  /** undefined: not set (the base manifest's value, else `true`). */
  readonlyRootfs?: boolean
  klibs?: string[]
  /** Absolute path. */
  klibDir?: string
  baseVolumeSize?: string
  /** Absolute path of a base manifest. */
  manifest?: string
  profile: Profile
  opsVersion: VersionSpec
  opsSha256?: string
  /** Absolute path of a preinstalled ops. */
  opsPath?: string
  nanosVersion: VersionSpec
  /** Look online for `latest` even when the tool cache holds a release. */
  checkLatest: boolean
  /** undefined: read from the binary's ELF header. */
  arch?: Arch
  /** Base URL standing in for https://storage.googleapis.com, without a trailing slash. */
  mirror: string
  /** Absolute path. */
  outputDir: string
  upload: boolean
  /** `upload: true` was written out: a missing runner token is then an error, not a notice. */
  uploadRequired: boolean
  /** undefined: the image name. */
  artifactName?: string
  archive: boolean
  compressionLevel: number
  retentionDays: number
  overwrite: boolean
  summary: boolean
}

export const DEFAULT_MIRROR = 'https://storage.googleapis.com'
export const DEFAULT_MOUNTS: Readonly<Record<string, string>> = { '%1': '/workspace' }
/** Both chosen by measurement, see README "Artifact format" (npm run bench -- --upload-matrix). */
export const DEFAULT_ARCHIVE = false
export const DEFAULT_COMPRESSION_LEVEL = 1

/** Characters `@actions/artifact` refuses in an artifact name. */
const ARTIFACT_NAME_FORBIDDEN = /[":<>|*?\r\n\\/]/
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/

export interface InputContext {
  /** The step's environment, e.g. `process.env`. */
  env: Readonly<Record<string, string | undefined>>
  /** The directory the step runs in (the runner's `GITHUB_WORKSPACE`). */
  cwd: string
  /** Where temporary files go when `RUNNER_TEMP` is unset. */
  tmpdir: string
}

/** Parse and validate every input; throws one `InputError` listing all problems. */
export function parseInputs(ctx: InputContext): Inputs {
  const problems: InputProblem[] = []
  const raw = (name: string): string =>
    (ctx.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim()
  const optional = (name: string): string | undefined => raw(name) || undefined
  const fail = (input: string, message: string): undefined => {
    problems.push({ input, message })
    return undefined
  }

  const bool = (name: string, fallback: boolean): boolean => {
    const value = raw(name)
    if (value === '') return fallback
    if (['true', 'True', 'TRUE'].includes(value)) return true
    if (['false', 'False', 'FALSE'].includes(value)) return false
    fail(name, `"${value}" is not a boolean: write true or false.`)
    return fallback
  }
  const optionalBool = (name: string): boolean | undefined =>
    raw(name) === '' ? undefined : bool(name, false)
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const value = raw(name)
    if (value === '') return fallback
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      fail(name, `"${value}" is out of range: give a whole number from ${min} to ${max}.`)
      return fallback
    }
    return Number(value)
  }

  const workingDirectory = path.resolve(ctx.cwd, raw('working-directory') || '.')
  const resolvePath = (value: string): string => path.resolve(workingDirectory, value)

  const binaryRaw = raw('binary')
  const binary = binaryRaw
    ? resolvePath(binaryRaw)
    : (fail(
        'binary',
        'is required: give the path of your compiled program, e.g. target/release/my_prover.'
      ) ?? '')

  const program = optional('program')
  if (program !== undefined) checkName('program', program, problems)
  const imageName = optional('image-name')
  if (imageName !== undefined) checkName('image-name', imageName, problems)

  const env = parseEnv(raw('env'), problems)
  const args = lines(raw('args'))
  const files = pathList('files', raw('files'), problems)
  const dirs = pathList('dirs', raw('dirs'), problems)
  const mounts = parseMounts(raw('mounts'), problems)
  const readonlyRootfs = optionalBool('readonly-rootfs')

  const klibsRaw = raw('klibs')
  const klibs = klibsRaw
    ? klibsRaw
        .split(/[\n,]/)
        .map(s => s.trim())
        .filter(Boolean)
    : undefined
  for (const klib of klibs ?? []) {
    if (!/^[A-Za-z0-9_.-]+$/.test(klib))
      fail('klibs', `"${klib}" is not a klib name (e.g. gpu_nvidia).`)
  }
  const klibDir = optional('klib-dir')
  const baseVolumeSize = optional('base-volume-size')
  if (baseVolumeSize !== undefined && !/^\d+[kmgt]?$/i.test(baseVolumeSize)) {
    fail(
      'base-volume-size',
      `"${baseVolumeSize}" is not a size: write a number with an optional unit k, m or g, e.g. 512m or 1g.`
    )
  }
  const manifest = optional('manifest')

  const profileRaw = raw('profile') || 'gevulot'
  let profile: Profile = 'gevulot'
  if (profileRaw === 'gevulot' || profileRaw === 'nanos') profile = profileRaw
  else
    fail(
      'profile',
      `"${profileRaw}" is not a profile: use gevulot (Gevulot prover or verifier) or nanos (any Nanos image).`
    )

  const versionOf = (name: string, fallback: string): VersionSpec => {
    const value = raw(name) || fallback
    const spec = parseVersionSpec(value)
    if (!spec) {
      fail(name, `"${value}" is not a version: write a release number such as 0.1.46, or latest.`)
      return parseVersionSpec(fallback) as VersionSpec
    }
    return spec
  }
  const opsVersion = versionOf('ops-version', DEFAULT_OPS_VERSION)
  const nanosVersion = versionOf('nanos-version', 'latest')

  const opsSha256 = optional('ops-sha256')?.toLowerCase()
  if (opsSha256 !== undefined && !/^[0-9a-f]{64}$/.test(opsSha256)) {
    fail(
      'ops-sha256',
      'must be 64 hexadecimal characters (the output of sha256sum for the ops binary).'
    )
  }
  const opsPathRaw = optional('ops-path')
  const checkLatest = bool('check-latest', false)

  const archRaw = optional('arch')
  let arch: Arch | undefined
  if (archRaw !== undefined) {
    const normal = (
      { amd64: 'amd64', x86_64: 'amd64', x64: 'amd64', arm64: 'arm64', aarch64: 'arm64' } as const
    )[archRaw.toLowerCase() as 'amd64']
    if (normal) arch = normal
    else
      fail(
        'arch',
        `"${archRaw}" is not an architecture: use amd64 or arm64 (or leave it out to read it from the binary).`
      )
  }

  const mirror = parseMirror(raw('mirror') || DEFAULT_MIRROR, problems)

  const runnerTemp = ctx.env.RUNNER_TEMP || ctx.tmpdir
  const outputDirRaw = optional('output-dir')
  const outputDir = outputDirRaw ? resolvePath(outputDirRaw) : path.join(runnerTemp, 'nanos-images')

  const upload = bool('upload', true)
  const artifactName = optional('artifact-name')
  const archive = bool('archive', DEFAULT_ARCHIVE)
  const compressionLevel = integer('compression-level', DEFAULT_COMPRESSION_LEVEL, 0, 9)
  const retentionDays = integer('retention-days', 0, 0, 90)
  const overwrite = bool('overwrite', false)
  const summary = bool('summary', true)

  if (upload && artifactName !== undefined) {
    const problem = artifactNameProblem(artifactName)
    if (problem) fail('artifact-name', problem)
  }

  if (problems.length > 0) throw new InputError(problems)
  return {
    binary,
    workingDirectory,
    program,
    imageName,
    env,
    args,
    files,
    dirs,
    mounts,
    readonlyRootfs,
    klibs,
    klibDir: klibDir && resolvePath(klibDir),
    baseVolumeSize,
    manifest: manifest && resolvePath(manifest),
    profile,
    opsVersion,
    opsSha256,
    opsPath: opsPathRaw && resolvePath(opsPathRaw),
    nanosVersion,
    checkLatest,
    arch,
    mirror,
    outputDir,
    upload,
    uploadRequired: upload && raw('upload') !== '',
    artifactName,
    archive,
    compressionLevel,
    retentionDays,
    overwrite,
    summary
  }
}

/** Why `name` cannot name an artifact, or undefined when it can. */
export function artifactNameProblem(name: string): string | undefined {
  if (!ARTIFACT_NAME_FORBIDDEN.test(name)) return undefined
  return `"${name}" cannot be an artifact name: it may not contain any of " : < > | * ? \\ / or a line break.`
}

/** A file name: not empty, no path separator, not `.` or `..`, no control characters. */
export function checkName(input: string, value: string, problems: InputProblem[]): void {
  if (value.trim() === '') {
    problems.push({
      input,
      message: 'must not be empty: give a plain file name such as my_prover.'
    })
  } else if (value === '.' || value === '..' || /[/\\]/.test(value)) {
    problems.push({
      input,
      message: `"${value}" must be a plain file name, without / or \\ and not . or ..`
    })
  } else if (value.startsWith('-')) {
    problems.push({
      input,
      message: `"${value}" must not start with "-" (ops would read it as an option).`
    })
  } else if (/[\p{Cc}]/u.test(value)) {
    problems.push({ input, message: 'must not contain control characters.' })
  }
}

/** Non-empty trimmed lines of a multiline input; undefined when there are none. */
function lines(value: string): string[] | undefined {
  const list = value
    .split(/\r?\n/)
    .map(s => s.trim())
    .filter(Boolean)
  return list.length > 0 ? list : undefined
}

function parseEnv(value: string, problems: InputProblem[]): Record<string, string> | undefined {
  const list = lines(value)?.filter(line => !line.startsWith('#'))
  if (!list?.length) return undefined
  const env: Record<string, string> = {}
  for (const [index, line] of list.entries()) {
    const eq = line.indexOf('=')
    // Never echo the line itself: it may hold a secret value.
    if (eq < 0) {
      problems.push({
        input: 'env',
        message: `entry ${index + 1} has no "=": write one KEY=VALUE per line.`
      })
      continue
    }
    const key = line.slice(0, eq).trim()
    if (!ENV_KEY.test(key)) {
      problems.push({
        input: 'env',
        message: `entry ${index + 1}: "${key.slice(0, 64)}" is not a valid variable name (letters, digits and _, not starting with a digit).`
      })
      continue
    }
    if (Object.hasOwn(env, key)) {
      problems.push({ input: 'env', message: `${key} is set twice: keep one line for it.` })
      continue
    }
    env[key] = line.slice(eq + 1).trim()
  }
  return env
}

function pathList(input: string, value: string, problems: InputProblem[]): string[] | undefined {
  const list = lines(value)
  for (const entry of list ?? []) {
    if (entry.split(/[/\\]/).includes('..')) {
      problems.push({
        input,
        message: `"${entry}" leaves the working directory: entries are paths inside \`working-directory\` and become the same paths inside the image.`
      })
    }
  }
  return list
}

function parseMounts(value: string, problems: InputProblem[]): Record<string, string> | undefined {
  const list = lines(value)
  if (!list) return undefined
  const mounts: Record<string, string> = {}
  for (const line of list) {
    const colon = line.indexOf(':')
    const label = line.slice(0, colon).trim()
    const target = line.slice(colon + 1).trim()
    if (colon < 0 || !label || !target.startsWith('/')) {
      problems.push({
        input: 'mounts',
        message: `"${line}" is not LABEL:PATH: write e.g. %1:/workspace (a volume label, a colon, an absolute path in the image).`
      })
      continue
    }
    mounts[label] = target
  }
  return mounts
}

function parseMirror(value: string, problems: InputProblem[]): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    problems.push({
      input: 'mirror',
      message: `"${value}" is not a URL: write e.g. https://storage.googleapis.com.`
    })
    return DEFAULT_MIRROR
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    problems.push({ input: 'mirror', message: `"${value}" must be an http(s) URL.` })
  } else if (url.search || url.hash || url.username || url.password) {
    problems.push({
      input: 'mirror',
      message:
        'must be a plain base URL, without credentials, query or fragment (the same layout as https://storage.googleapis.com below it).'
    })
  }
  return url.href.replace(/\/+$/, '')
}
