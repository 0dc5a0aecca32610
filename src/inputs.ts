/**
 * The step's inputs, parsed and validated by a pure function of the environment.
 *
 * `parseInputs` reads `INPUT_*` variables the way the runner passes them, applies the defaults,
 * and collects every problem it finds into one `InputError`, so that a user fixes all of them
 * in one go. Nothing here touches the disk or the network; the checks that must look at files
 * (the binary, the base manifest, the output directory) are made by `plan.ts`.
 */
import * as path from 'node:path'
import { InputError } from './errors.js'
import { normalDigest } from './image/contents.js'
import { nameProblem, type ManifestInputs, type Profile } from './image/manifest.js'
import { parseArch, type Arch } from './install/platform.js'
import { DEFAULT_MIRROR } from './install/urls.js'
import {
  DEFAULT_NANOS_VERSION,
  DEFAULT_OPS_VERSION,
  parseVersionSpec,
  type VersionSpec
} from './install/versions.js'
import { InputReader, parseEnvLines, parseMirror, parseMounts, type Env } from './input-parsers.js'

export interface Inputs extends ManifestInputs {
  /** Absolute path of a base manifest. */
  manifest?: string
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
  /** The runner's temporary folder (`RUNNER_TEMP`, else the system's). */
  tempRoot: string
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
  /** Restore and save Ops and the kernel through the Actions cache. */
  cache: boolean
  /** The boot test (`test`, `test-*`, `accel`). */
  test: TestInputs
  /** `expect-content-digest`, normalised to `sha256:<hex>`. */
  expectContentDigest?: string
}

export type Accel = 'auto' | 'kvm' | 'tcg'

export interface TestInputs {
  enabled: boolean
  timeoutSeconds: number
  /** Absolute path; undefined: an empty folder. */
  workspace?: string
  /** Over `env`, for the test boot only. */
  env?: Record<string, string>
  /** Replacing `args`, for the test boot only. */
  args?: string[]
  /** undefined: 0 (and the manifest's expected_exit_code). */
  exitCode?: number
  /** A regular expression the console must match (multiline). */
  expect?: RegExp
  accel: Accel
  /** Boot once more with the syscall trace when the test fails (`test-diagnose`). */
  diagnose: boolean
  /** The KVM device (NANOS_IMAGE_ACTION_KVM_DEVICE lets tests point elsewhere). */
  kvmDevice: string
}

/** Both chosen by measurement, see README "Artifact format" (npm run bench -- --upload-matrix). */
export const DEFAULT_ARCHIVE = false
export const DEFAULT_COMPRESSION_LEVEL = 1
export const DEFAULT_TEST_TIMEOUT_SECONDS = 60

export interface InputContext {
  /** The step's environment, e.g. `process.env`. */
  env: Env
  /** The directory the step runs in (the runner's `GITHUB_WORKSPACE`). */
  cwd: string
  /** Where temporary files go when `RUNNER_TEMP` is unset. */
  tmpdir: string
}

/** Parse and validate every input; throws one `InputError` listing all problems. */
export function parseInputs(ctx: InputContext): Inputs {
  const r = new InputReader(ctx.env)
  const { problems } = r

  const workingDirectory = path.resolve(ctx.cwd, r.raw('working-directory') || '.')
  const resolvePath = (value: string): string => path.resolve(workingDirectory, value)
  const optionalPath = (name: string): string | undefined => {
    const value = r.optional(name)
    return value && resolvePath(value)
  }

  const binaryRaw = r.raw('binary')
  const binary = binaryRaw
    ? resolvePath(binaryRaw)
    : (r.fail(
        'binary',
        'is required: give the path of your compiled program, e.g. target/release/my_prover.'
      ) ?? '')
  const name = (input: string): string | undefined => {
    const value = r.optional(input)
    const problem = value === undefined ? undefined : nameProblem(value)
    if (problem) r.fail(input, problem)
    return value
  }

  const klibs = r
    .raw('klibs')
    .split(/[\n,]/)
    .map(s => s.trim())
    .filter(Boolean)
  for (const klib of klibs) {
    if (!/^[A-Za-z0-9_.-]+$/.test(klib))
      r.fail('klibs', `"${klib}" is not a klib name (e.g. gpu_nvidia).`)
  }
  const baseVolumeSize = r.optional('base-volume-size')
  if (baseVolumeSize !== undefined && !/^\d+[kmgt]?$/i.test(baseVolumeSize)) {
    r.fail(
      'base-volume-size',
      `"${baseVolumeSize}" is not a size: write a number with an optional unit k, m or g, e.g. 512m or 1g.`
    )
  }

  const profileRaw = r.raw('profile') || 'gevulot'
  const profile: Profile = profileRaw === 'nanos' ? 'nanos' : 'gevulot'
  if (profileRaw !== 'gevulot' && profileRaw !== 'nanos')
    r.fail(
      'profile',
      `"${profileRaw}" is not a profile: use gevulot (Gevulot prover or verifier) or nanos (any Nanos image).`
    )

  const versionOf = (input: string, fallback: string): VersionSpec => {
    const value = r.raw(input) || fallback
    const spec = parseVersionSpec(value)
    if (spec) return spec
    r.fail(input, `"${value}" is not a version: write a release number such as 0.1.46, or latest.`)
    return parseVersionSpec(fallback) as VersionSpec
  }

  const opsSha256 = r.optional('ops-sha256')?.toLowerCase()
  if (opsSha256 !== undefined && !/^[0-9a-f]{64}$/.test(opsSha256)) {
    r.fail(
      'ops-sha256',
      'must be 64 hexadecimal characters (the output of sha256sum for the ops binary).'
    )
  }

  const archRaw = r.optional('arch')
  const arch = archRaw === undefined ? undefined : parseArch(archRaw)
  if (archRaw !== undefined && !arch)
    r.fail(
      'arch',
      `"${archRaw}" is not an architecture: use amd64 or arm64 (or leave it out to read it from the binary).`
    )

  const tempRoot = ctx.env.RUNNER_TEMP || ctx.tmpdir
  const upload = r.bool('upload', true)

  const inputs: Inputs = {
    binary,
    workingDirectory,
    program: name('program'),
    imageName: name('image-name'),
    env: parseEnvLines('env', r.raw('env'), problems),
    args: r.lines('args'),
    files: r.lines('files'),
    dirs: r.lines('dirs'),
    mounts: parseMounts(r.raw('mounts'), problems),
    readonlyRootfs: r.optionalBool('readonly-rootfs'),
    klibs: klibs.length > 0 ? klibs : undefined,
    klibDir: optionalPath('klib-dir'),
    baseVolumeSize,
    manifest: optionalPath('manifest'),
    profile,
    opsVersion: versionOf('ops-version', DEFAULT_OPS_VERSION),
    opsSha256,
    opsPath: optionalPath('ops-path'),
    nanosVersion: versionOf('nanos-version', DEFAULT_NANOS_VERSION),
    checkLatest: r.bool('check-latest', false),
    arch,
    mirror: parseMirror(r.raw('mirror') || DEFAULT_MIRROR, DEFAULT_MIRROR, problems),
    outputDir: optionalPath('output-dir') ?? path.join(tempRoot, 'nanos-images'),
    tempRoot,
    upload,
    uploadRequired: upload && r.raw('upload') !== '',
    artifactName: r.optional('artifact-name'),
    archive: r.bool('archive', DEFAULT_ARCHIVE),
    compressionLevel: r.integer('compression-level', DEFAULT_COMPRESSION_LEVEL, 0, 9),
    retentionDays: r.integer('retention-days', 0, 0, 90),
    overwrite: r.bool('overwrite', false),
    summary: r.bool('summary', true),
    cache: r.bool('cache', true),
    test: testInputs(r, optionalPath, ctx.env),
    expectContentDigest: contentDigestInput(r)
  }
  if (problems.length > 0) throw new InputError(problems)
  return inputs
}

function contentDigestInput(r: InputReader): string | undefined {
  const value = r.optional('expect-content-digest')
  if (value === undefined) return undefined
  return (
    normalDigest(value) ??
    r.fail(
      'expect-content-digest',
      'is not a content digest: give the `content-digest` output of the build to compare with, sha256: and 64 hexadecimal characters.'
    )
  )
}

function testInputs(
  r: InputReader,
  optionalPath: (name: string) => string | undefined,
  env: Env
): TestInputs {
  const timeoutRaw = r.raw('test-timeout')
  let timeoutSeconds = DEFAULT_TEST_TIMEOUT_SECONDS
  if (timeoutRaw !== '') {
    timeoutSeconds = Number(timeoutRaw)
    if (!/^\d+(\.\d+)?$/.test(timeoutRaw) || !(timeoutSeconds > 0) || timeoutSeconds > 21600) {
      r.fail(
        'test-timeout',
        `"${timeoutRaw}" is not a positive number of seconds (at most 21600): write e.g. 60 or 2.5.`
      )
      timeoutSeconds = DEFAULT_TEST_TIMEOUT_SECONDS
    }
  }
  const exitCode =
    r.raw('test-exit-code') === '' ? undefined : r.integer('test-exit-code', 0, 0, 255)
  const expectRaw = r.optional('test-expect')
  let expect: RegExp | undefined
  if (expectRaw !== undefined) {
    try {
      expect = new RegExp(expectRaw, 'm')
    } catch (error) {
      r.fail(
        'test-expect',
        `is not a valid regular expression (${(error as Error).message}): write a JavaScript regular expression without slashes, e.g. proof generated|verified.`
      )
    }
  }
  const accelRaw = r.raw('accel') || 'auto'
  const accel: Accel = accelRaw === 'kvm' || accelRaw === 'tcg' ? accelRaw : 'auto'
  if (accelRaw !== accel)
    r.fail(
      'accel',
      `"${accelRaw}" is not an accelerator: use auto (KVM when it works, else TCG), kvm or tcg.`
    )
  return {
    enabled: r.bool('test', false),
    timeoutSeconds,
    workspace: optionalPath('test-workspace'),
    env: parseEnvLines('test-env', r.raw('test-env'), r.problems),
    args: r.lines('test-args'),
    exitCode,
    expect,
    accel,
    diagnose: r.bool('test-diagnose', true),
    kvmDevice: env.NANOS_IMAGE_ACTION_KVM_DEVICE || '/dev/kvm'
  }
}
