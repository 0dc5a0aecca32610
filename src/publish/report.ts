/**
 * What the run found out, gathered once for the step outputs and the job summary: the image,
 * its facts, and the tools it was built with.
 */
import type { ImageContents } from '../image/contents.js'
import type { ImageFacts } from '../image/facts.js'
import type { ImagePlan } from '../image/build.js'
import type { Manifest } from '../image/manifest.js'
import type { Kernel } from '../install/kernel.js'
import type { OpsTool } from '../install/ops.js'

export interface ImageReport {
  imagePath: string
  imageName: string
  facts: ImageFacts
  manifestPath: string
  manifest: Manifest
  opsVersion: string
  nanosVersion: string
  arch: string
  /** Neither Ops nor the kernel was downloaded by this run. */
  cacheHit: boolean
  /** Where each came from: one source, or `ops=…,nanos=…` when they differ. */
  cacheSource: string
  contents: ImageContents
  contentsPath: string
  sbomPath: string
}

export function imageReport(
  image: ImagePlan,
  ops: OpsTool,
  kernel: Kernel,
  facts: ImageFacts,
  contents: { contents: ImageContents; path: string; sbomPath: string }
): ImageReport {
  return {
    imagePath: image.path,
    imageName: image.name,
    facts,
    manifestPath: image.manifestPath,
    manifest: image.manifest,
    opsVersion: ops.version,
    nanosVersion: kernel.version,
    arch: image.arch,
    cacheHit: ops.source !== 'download' && kernel.source !== 'download',
    cacheSource:
      ops.source === kernel.source ? ops.source : `ops=${ops.source},nanos=${kernel.source}`,
    contents: contents.contents,
    contentsPath: contents.path,
    sbomPath: contents.sbomPath
  }
}
