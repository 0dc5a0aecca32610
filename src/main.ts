/**
 * The action, stage by stage: inputs → plan → Ops → kernel → manifest → build → image facts →
 * outputs → artifact → summary. Each stage is a module with a typed interface that takes its
 * part of the plan; this file only runs them in order and turns a failure into one clear error.
 */
import * as core from '@actions/core'
import { mkdtemp, rm } from 'node:fs/promises'
import * as os from 'node:os'
import * as path from 'node:path'
import { describe } from './errors.js'
import { buildImage } from './image/build.js'
import { imageFacts } from './image/facts.js'
import { writeManifest } from './image/manifest.js'
import { parseInputs } from './inputs.js'
import { retryPolicy } from './install/download.js'
import { installKernel } from './install/kernel.js'
import { installOps } from './install/ops.js'
import { makePlan } from './plan.js'
import { uploadImage } from './publish/artifact.js'
import { setArtifactOutputs, setImageOutputs } from './publish/outputs.js'
import { imageReport } from './publish/report.js'
import { buildSummary, writeSummary } from './publish/summary.js'

/** Values shorter than this are not masked: masking "1" or "on" would garble every log line. */
const MIN_SECRET_LENGTH = 4

export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let workDir: string | undefined
  try {
    const inputs = parseInputs({ env, cwd: process.cwd(), tmpdir: os.tmpdir() })
    const plan = await makePlan(inputs)
    mask(plan.secrets)
    for (const warning of plan.warnings) core.warning(warning)
    const dir = (workDir = await mkdtemp(path.join(plan.tempRoot, 'nanos-image-action-')))
    const ctx = { policy: retryPolicy(env), tempDir: dir }

    const ops = await core.group('Ops', () => installOps(plan.ops, ctx))
    const kernel = await core.group('Nanos kernel', () => installKernel(plan.kernel, ctx))
    const { image } = plan
    await writeManifest(image.manifest, image.manifestPath)
    await core.group(`ops build (${image.program}, Nanos ${kernel.version}, ${image.arch})`, () =>
      buildImage({
        image,
        manifestPath: image.manifestPath,
        dest: image.path,
        ops,
        kernel,
        workDir: dir
      })
    )
    const hashStart = performance.now()
    const facts = await imageFacts(image.path)
    const hashSeconds = ((performance.now() - hashStart) / 1000).toFixed(2)
    core.info(
      `Image ${image.path}: ${facts.size} bytes, BLAKE3 ${facts.blake3}, sha256 ${facts.sha256} (hashed in ${hashSeconds} s)`
    )
    const report = imageReport(image, ops, kernel, facts)
    setImageOutputs(report)

    const { upload } = plan
    const artifact = upload
      ? await core.group('Upload artifact', () =>
          uploadImage(upload, image.path, { tempDir: dir, env })
        )
      : undefined
    if (artifact) setArtifactOutputs(artifact)
    if (plan.summary) await writeSummary(buildSummary(report, artifact, env))
  } catch (error) {
    core.setFailed(describe(error))
    if (error instanceof Error && error.cause) core.debug(`Cause: ${describe(error.cause)}`)
  } finally {
    if (workDir) await rm(workDir, { recursive: true, force: true }).catch(() => undefined)
  }
}

/**
 * Register secret-looking values before anything could print them (each line of a multi-line
 * value too, as the runner masks line by line). Plain values are not masked: a mask for
 * `debug` would star out every later "debug" in the job's log. No value is ever printed.
 */
function mask(secrets: readonly string[]): void {
  const parts = secrets.flatMap(value => [value, ...value.split(/\r?\n/)]).map(v => v.trim())
  for (const part of new Set(parts)) if (part.length >= MIN_SECRET_LENGTH) core.setSecret(part)
}
