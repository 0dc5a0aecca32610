/**
 * The action, stage by stage: inputs → plan (and QEMU's install, when the boot test needs it,
 * started at once) → Ops → kernel → klibs → manifest → build → image facts → contents (and the
 * expected content digest) → SBOM → outputs → boot test (and its diagnosis) → artifact →
 * summary. Each stage is a module with a typed interface that
 * takes its part of the plan; this file only runs them in order and turns a failure into one
 * clear error.
 */
import * as core from '@actions/core'
import { mkdtemp, rm } from 'node:fs/promises'
import * as os from 'node:os'
import * as path from 'node:path'
import { failureMessage } from './boot/explain.js'
import { warningsBeforeBuild } from './boot/known-problems.js'
import { QemuReady } from './boot/qemu.js'
import { bootTest } from './boot/test.js'
import { ActionError, describe } from './errors.js'
import { buildImage } from './image/build.js'
import { digestMismatch, readContents } from './image/contents.js'
import { imageFacts } from './image/facts.js'
import { checkKlibs } from './image/klibs.js'
import { mountPoints, writeManifest } from './image/manifest.js'
import { parseInputs } from './inputs.js'
import { ActionsCache } from './install/actions-cache.js'
import { retryPolicy } from './install/download.js'
import { installKernel } from './install/kernel.js'
import { installOps } from './install/ops.js'
import { makePlan, type Plan } from './plan.js'
import { uploadImage } from './publish/artifact.js'
import { setArtifactOutputs, setBootOutputs, setImageOutputs } from './publish/outputs.js'
import { imageReport } from './publish/report.js'
import { sbomPath, writeSbom } from './publish/sbom.js'
import { buildSummary, writeSummary, type SummaryContent } from './publish/summary.js'

/** Values shorter than this are not masked: masking "1" or "on" would garble every log line. */
const MIN_SECRET_LENGTH = 4

export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let workDir: string | undefined
  try {
    const inputs = parseInputs({ env, cwd: process.cwd(), tmpdir: os.tmpdir() })
    const plan = await makePlan(inputs)
    mask(plan.secrets)
    for (const warning of plan.warnings) core.warning(warning)
    const qemu = plan.boot && new QemuReady(plan.boot.qemu)
    const dir = (workDir = await mkdtemp(path.join(plan.tempRoot, 'nanos-image-action-')))
    const cache = new ActionsCache(plan.actionsCache, env)
    const ctx = { policy: retryPolicy(env), tempDir: dir, cache }

    const ops = await core.group('Ops', () => installOps(plan.ops, ctx))
    const kernel = await core.group('Nanos kernel', () => installKernel(plan.kernel, ctx))
    const { image } = plan
    // An exact nanos-version was warned about with the plan; `latest` is known only now.
    if (plan.kernel.spec.kind === 'latest')
      warningsBeforeBuild(kernel.version, image.arch, mountPoints(image.manifest)).forEach(w =>
        core.warning(w)
      )
    await checkKlibs(image, kernel)
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
    const contents = await core.group('Contents', () => readContents(image, plan.contents))
    const report = imageReport(image, ops, kernel, facts, {
      contents,
      path: plan.contents.path,
      sbomPath: sbomPath(image.path)
    })
    await writeSbom(report, contents)
    setImageOutputs(report)
    const summary: SummaryContent = { report, env, bootEnv: bootEnv(plan) }
    /** The step fails here, before the upload, with the summary written. */
    const fail = async (message: string): Promise<never> => {
      if (plan.summary) await writeSummary(buildSummary(summary))
      throw new ActionError(message)
    }
    const mismatch = digestMismatch(contents, plan.contents)
    if (mismatch) await fail(mismatch)

    if (plan.boot && qemu) {
      const boot = plan.boot
      summary.boot = await core.group(`Boot test (${image.name}, ${image.arch})`, async () =>
        bootTest({ plan: boot, qemu: await qemu.path(), image, ops, kernel, workDir: dir })
      )
      setBootOutputs(summary.boot)
      // A broken image never becomes an artifact.
      if (summary.boot.result !== 'passed')
        await fail(failureMessage(summary.boot, summary.bootEnv ?? {}, !!plan.upload))
    }

    const { upload } = plan
    summary.artifact = upload
      ? await core.group('Upload artifact', () =>
          uploadImage(upload, image.path, { tempDir: dir, env })
        )
      : undefined
    if (summary.artifact) setArtifactOutputs(summary.artifact)
    if (plan.summary) await writeSummary(buildSummary(summary))
  } catch (error) {
    core.setFailed(describe(error))
    if (error instanceof Error && error.cause) core.debug(`Cause: ${describe(error.cause)}`)
  } finally {
    if (workDir) await rm(workDir, { recursive: true, force: true }).catch(() => undefined)
  }
}

/** The environment the boot test's program sees: the image's, with `test-env` over it. */
function bootEnv(plan: Plan): Record<string, string> {
  return { ...(plan.image.manifest.Env as Record<string, string> | undefined), ...plan.boot?.env }
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
