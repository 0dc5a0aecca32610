/**
 * The plan: everything the later stages need, derived once from the inputs and the disk
 * (plan-checks.ts). Each stage takes its part of the plan, never the raw inputs. Problems end in
 * one `InputError`, before any download starts.
 */
import * as path from 'node:path'
import { warningsBeforeBuild } from './boot/known-problems.js'
import { InputError, type InputProblem } from './errors.js'
import type { BootPlan } from './boot/test.js'
import type { ImagePlan } from './image/build.js'
import type { ContentsPlan } from './image/contents.js'
import { composeManifest, mountPoints } from './image/manifest.js'
import { secretKeys } from './image/secrets.js'
import type { Inputs } from './inputs.js'
import type { KernelPlan } from './install/kernel.js'
import type { OpsPlan } from './install/ops.js'
import { hostOf } from './install/platform.js'
import { gevulotOpsProblem } from './install/versions.js'
import { bootPlan } from './plan-boot.js'
import {
  binaryArch,
  checkIncluded,
  checkNotOverwritten,
  checkWritable,
  isDir,
  isExecutable,
  readBase
} from './plan-checks.js'
import type { UploadPlan } from './publish/artifact.js'

export interface Plan {
  ops: OpsPlan
  kernel: KernelPlan
  image: ImagePlan
  contents: ContentsPlan
  /** undefined: `test: false`. */
  boot?: BootPlan
  /** undefined: `upload: false`. */
  upload?: UploadPlan
  summary: boolean
  /** The `cache` input: restore and save through the Actions cache. */
  actionsCache: boolean
  /** Where this run's private work folder goes (the runner's temp folder). */
  tempRoot: string
  /** Things the user should know that do not stop the build. */
  warnings: string[]
  /** Values to mask in the log: those of the image's environment that look secret. */
  secrets: string[]
}

/** Characters `@actions/artifact` refuses in an artifact name. */
const ARTIFACT_NAME_FORBIDDEN = /[":<>|*?\r\n\\/]/

export async function makePlan(
  inputs: Inputs,
  platform = process.platform,
  cpu = process.arch
): Promise<Plan> {
  const problems: InputProblem[] = []
  const host = hostOf(platform, cpu)
  if (typeof host === 'string') throw new InputError([{ input: 'runs-on', message: host }])
  if (!(await isDir(inputs.workingDirectory))) {
    throw new InputError([
      { input: 'working-directory', message: `${inputs.workingDirectory} is not a directory.` }
    ])
  }

  const arch = (await binaryArch(inputs, host, problems)) ?? inputs.arch ?? 'amd64'
  const base = inputs.manifest ? await readBase(inputs.manifest, problems) : undefined
  const composed = composeManifest(inputs, base, arch, problems)
  await checkIncluded(inputs, composed.manifest, problems)
  if (inputs.klibDir && !(await isDir(inputs.klibDir))) {
    problems.push({
      input: 'klib-dir',
      message: `${inputs.klibDir} is not a directory: give the folder that holds the klib files.`
    })
  }
  if (inputs.opsPath && !(await isExecutable(inputs.opsPath)))
    problems.push({ input: 'ops-path', message: `${inputs.opsPath} is not an executable file.` })
  const gevulot = inputs.profile === 'gevulot'
  const ops = inputs.opsVersion
  if (gevulot && !inputs.opsPath && ops.kind === 'exact') {
    const problem = gevulotOpsProblem(ops.version)
    if (problem) problems.push({ input: 'ops-version', message: problem })
  }

  const imagePath = path.join(inputs.outputDir, composed.imageName)
  const image: ImagePlan = {
    manifest: composed.manifest,
    program: composed.program,
    name: composed.imageName,
    arch,
    binary: inputs.binary,
    workingDirectory: inputs.workingDirectory,
    path: imagePath,
    manifestPath: `${imagePath}.manifest.json`,
    klibsInput: inputs.klibs ? 'klibs' : 'manifest'
  }
  checkNotOverwritten(inputs, image, problems)
  const boot = await bootPlan(inputs.test, image, host, problems)
  const upload = inputs.upload ? uploadPlan(inputs, image.name, problems) : undefined
  if (problems.length === 0) await checkWritable(inputs.outputDir, problems)
  if (problems.length > 0) throw new InputError(problems)

  const env = (image.manifest.Env as Record<string, string> | undefined) ?? {}
  const secrets = secretKeys(env)
  return {
    ops: {
      spec: inputs.opsVersion,
      sha256: inputs.opsSha256,
      preinstalled: inputs.opsPath,
      checkLatest: inputs.checkLatest,
      mirror: inputs.mirror,
      host,
      gevulot
    },
    kernel: {
      spec: inputs.nanosVersion,
      checkLatest: inputs.checkLatest,
      arch,
      mirror: inputs.mirror
    },
    image,
    contents: { path: `${image.path}.contents.json`, expectDigest: inputs.expectContentDigest },
    boot,
    upload,
    summary: inputs.summary,
    actionsCache: inputs.cache,
    tempRoot: inputs.tempRoot,
    warnings: [
      ...composed.warnings,
      ...mirrorWarnings(inputs.mirror),
      ...(inputs.nanosVersion.kind === 'exact'
        ? warningsBeforeBuild(inputs.nanosVersion.version, arch, mountPoints(image.manifest))
        : []),
      ...(upload ? secretWarnings(secrets, inputs) : [])
    ],
    secrets: secrets.map(key => env[key])
  }
}

/** Ops stores `Env` in the image in plain text: say so when a secret would be uploaded. */
function secretWarnings(keys: string[], inputs: Inputs): string[] {
  if (keys.length === 0) return []
  const named = keys
    .map(key => `${key} (from \`${Object.hasOwn(inputs.env ?? {}, key) ? 'env' : 'manifest'}\`)`)
    .join(', ')
  return [
    `${named} ${keys.length === 1 ? 'looks' : 'look'} secret, and ops stores the environment in the image in plain text: anyone who can download the artifact can read ${keys.length === 1 ? 'it' : 'them'}. Deliver secrets at run time instead (e.g. as a file in the workspace the program reads), or set \`upload: false\` for an image that stays private.`
  ]
}

/** The upload, with the artifact name it will really have (by default the image's). */
export function uploadPlan(
  inputs: Pick<
    Inputs,
    | 'artifactName'
    | 'archive'
    | 'compressionLevel'
    | 'retentionDays'
    | 'overwrite'
    | 'uploadRequired'
  >,
  imageName: string,
  problems: InputProblem[]
): UploadPlan {
  const artifactName = inputs.artifactName ?? imageName
  if (ARTIFACT_NAME_FORBIDDEN.test(artifactName)) {
    const defaulted =
      inputs.artifactName === undefined ? ' It defaults to the image name; set it explicitly.' : ''
    problems.push({
      input: 'artifact-name',
      message: `"${artifactName}" cannot be an artifact name: it may not contain any of " : < > | * ? \\ / or a line break.${defaulted}`
    })
  }
  return {
    artifactName,
    archive: inputs.archive,
    compressionLevel: inputs.compressionLevel,
    retentionDays: inputs.retentionDays,
    overwrite: inputs.overwrite,
    required: inputs.uploadRequired
  }
}

function mirrorWarnings(mirror: string): string[] {
  const url = new URL(mirror)
  if (url.protocol !== 'http:' || /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/.test(url.hostname))
    return []
  return [
    `\`mirror\` ${mirror} uses plain HTTP: downloads can be altered on the way. Ops is still checked against the md5 published beside it (set \`ops-sha256\` to pin it independently); the kernel has no published checksum. Prefer https.`
  ]
}
