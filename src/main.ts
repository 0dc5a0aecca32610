/**
 * The action, stage by stage: inputs → Ops → kernel → manifest → build → image facts →
 * outputs → artifact → summary. Each stage is a module with a typed interface; this file only
 * runs them in order and turns a failure into one clear error.
 */
import * as core from './runner.js'
import { mkdtemp, rm } from 'node:fs/promises'
import * as os from 'node:os'
import * as path from 'node:path'
import { uploadImage } from './artifact.js'
import { buildImage, writeManifest } from './build.js'
import { describe } from './errors.js'
import { retryPolicy } from './http.js'
import { imageFacts } from './image.js'
import { parseInputs, type Inputs } from './inputs.js'
import { installKernel } from './kernel.js'
import { installOps } from './ops.js'
import { preflight } from './preflight.js'
import { GEVULOT_MIN_OPS } from './versions.js'
import {
  setArtifactOutputs,
  setImageOutputs,
  summaryMarkdown,
  writeSummary,
  type ImageReport
} from './report.js'

/** Values shorter than this are not masked: masking "1" or "on" would garble every log line. */
const MIN_SECRET_LENGTH = 4

export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let workDir: string | undefined
  try {
    const inputs = parseInputs({ env, cwd: process.cwd(), tmpdir: os.tmpdir() })
    maskEnvValues(inputs)
    const plan = await preflight(inputs)
    for (const warning of plan.warnings) core.warning(warning)

    const runnerTemp = env.RUNNER_TEMP || os.tmpdir()
    workDir = await mkdtemp(path.join(runnerTemp, 'nanos-image-action-'))
    const policy = retryPolicy(env)
    const { mirror, checkLatest } = inputs

    const ops = await core.group('Ops', () =>
      installOps({
        spec: inputs.opsVersion,
        sha256: inputs.opsSha256,
        opsPath: inputs.opsPath,
        checkLatest,
        mirror,
        host: plan.host,
        // Gevulot's workspace mount needs Ops to renumber %1 to mount tag 0.
        minimum: inputs.profile === 'gevulot' ? GEVULOT_MIN_OPS : undefined,
        policy,
        tempDir: workDir as string
      })
    )
    const kernel = await core.group('Nanos kernel', () =>
      installKernel({
        spec: inputs.nanosVersion,
        checkLatest,
        arch: plan.arch,
        mirror,
        policy,
        tempDir: workDir as string
      })
    )

    const manifestPath = path.join(inputs.outputDir, `${plan.imageName}.manifest.json`)
    await writeManifest(plan.manifest, manifestPath)
    const imagePath = await core.group(
      `ops build (${plan.program}, Nanos ${kernel.version}, ${plan.arch})`,
      () => buildImage({ plan, ops, kernel, manifestPath, workDir: workDir as string })
    )

    const hashStart = performance.now()
    const facts = await imageFacts(imagePath)
    const hashSeconds = ((performance.now() - hashStart) / 1000).toFixed(2)
    const report: ImageReport = {
      imagePath,
      imageName: plan.imageName,
      facts,
      manifestPath,
      manifest: plan.manifest,
      opsVersion: ops.version,
      nanosVersion: kernel.version,
      arch: plan.arch,
      cacheHit: !ops.downloaded && !kernel.downloaded
    }
    setImageOutputs(report)
    core.info(
      `Image ${imagePath}: ${facts.size} bytes, BLAKE3 ${facts.blake3}, sha256 ${facts.sha256} (hashed in ${hashSeconds} s)`
    )

    const artifact = inputs.upload
      ? await core.group('Upload artifact', () =>
          uploadImage({
            imagePath,
            artifactName: plan.artifactName,
            archive: inputs.archive,
            compressionLevel: inputs.compressionLevel,
            retentionDays: inputs.retentionDays,
            overwrite: inputs.overwrite,
            required: inputs.uploadRequired,
            tempDir: workDir as string,
            env
          })
        )
      : undefined
    if (artifact) setArtifactOutputs(artifact)
    if (inputs.summary) await writeSummary(summaryMarkdown(report, artifact, env))
  } catch (error) {
    core.setFailed(describe(error))
    if (error instanceof Error && error.cause) core.debug(`Cause: ${describe(error.cause)}`)
  } finally {
    if (workDir) await rm(workDir, { recursive: true, force: true }).catch(() => undefined)
  }
}

/** Register the values of `env` as secrets before anything could print them. */
function maskEnvValues(inputs: Inputs): void {
  for (const value of Object.values(inputs.env ?? {})) {
    if (value.length >= MIN_SECRET_LENGTH) core.setSecret(value)
  }
}
