/** The step's outputs, named as in action.yml. */
import * as core from '@actions/core'
import type { BootResult } from '../boot/test.js'
import type { UploadedArtifact } from './artifact.js'
import type { ImageReport } from './report.js'

/** Every output about the image, set before the upload starts so a later step can use it even if the upload fails. */
export function setImageOutputs(r: ImageReport): void {
  core.setOutput('image-path', r.imagePath)
  core.setOutput('image-name', r.imageName)
  core.setOutput('image-size', String(r.facts.size))
  core.setOutput('image-sha256', r.facts.sha256)
  core.setOutput('image-blake3', r.facts.blake3)
  core.setOutput('manifest-path', r.manifestPath)
  core.setOutput('ops-version', r.opsVersion)
  core.setOutput('nanos-version', r.nanosVersion)
  core.setOutput('cache-hit', String(r.cacheHit))
  core.setOutput('cache-source', r.cacheSource)
  core.setOutput('contents-path', r.contentsPath)
  core.setOutput('content-digest', r.contents.contentDigest)
  core.setOutput('sbom-path', r.sbomPath)
}

export function setArtifactOutputs(a: UploadedArtifact): void {
  core.setOutput('artifact-id', String(a.id))
  core.setOutput('artifact-url', a.url)
  core.setOutput('artifact-digest', a.digest)
}

/** The boot test's outputs (none at all when `test` is off). */
export function setBootOutputs(b: BootResult): void {
  core.setOutput('test-result', b.result)
  core.setOutput('test-failure', b.kind ?? '')
  core.setOutput('test-exit-code', b.exitCode === undefined ? '' : String(b.exitCode))
  core.setOutput('test-console', b.consolePath)
  core.setOutput('test-workspace-path', b.workspacePath)
  core.setOutput('test-accel', b.accel)
  core.setOutput('test-seconds', b.seconds.toFixed(2))
  core.setOutput('test-trace', b.diagnosis?.tracePath ?? '')
}
