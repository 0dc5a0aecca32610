/**
 * The image as a workflow artifact, through the real @actions/artifact client. The client
 * (Azure SDK, octokit, zip) is loaded only when an upload happens, so runs that do not upload
 * do not pay for loading it.
 */
import * as core from '@actions/core'
import { copyFile, link, mkdtemp } from 'node:fs/promises'
import * as path from 'node:path'
import { ActionError, describe } from '../errors.js'

/** How to upload, as the plan decided it. */
export interface UploadPlan {
  artifactName: string
  archive: boolean
  compressionLevel: number
  /** 0: the repository's default. */
  retentionDays: number
  overwrite: boolean
  /** The user asked for the upload (rather than leaving `upload` at its default). */
  required: boolean
}

type Env = Readonly<Record<string, string | undefined>>

interface UploadRequest extends UploadPlan {
  imagePath: string
  /** A private scratch folder. */
  tempDir: string
  env: Env
}

export interface UploadedArtifact {
  id: number
  name: string
  url: string
  /** sha256 of the bytes uploaded (the zip, or the raw image). */
  digest: string
  size: number
}

/** Why no upload can happen here, or undefined when it can. */
export function uploadUnavailable(env: Env): { reason: string; ghes: boolean } | undefined {
  const server = env.GITHUB_SERVER_URL || 'https://github.com'
  const host = new URL(server).hostname.toLowerCase()
  if (host !== 'github.com' && !host.endsWith('.ghe.com') && !host.endsWith('.localhost')) {
    return {
      ghes: true,
      reason: `GitHub Enterprise Server (${server}) does not support this artifact service. Set \`upload: false\` and upload \`image-path\` with actions/upload-artifact@v3 (the GHES-compatible release), or attach it to a release.`
    }
  }
  if (!env.ACTIONS_RUNTIME_TOKEN || !env.ACTIONS_RESULTS_URL) {
    return {
      ghes: false,
      reason:
        'Not running on a GitHub Actions runner (ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL are not set), so the image was not uploaded.'
    }
  }
  return undefined
}

/** Upload the image; undefined when the upload was skipped with a notice or warning. */
export async function uploadImage(
  plan: UploadPlan,
  imagePath: string,
  ctx: { tempDir: string; env: Env }
): Promise<UploadedArtifact | undefined> {
  const req: UploadRequest = { ...plan, imagePath, ...ctx }
  const unavailable = uploadUnavailable(req.env)
  if (unavailable) {
    if (req.required)
      throw new ActionError(
        `\`upload: true\` was set, but the upload cannot happen: ${unavailable.reason}`
      )
    if (unavailable.ghes) core.warning(unavailable.reason)
    else core.notice(`${unavailable.reason} The image is at ${req.imagePath}.`)
    return undefined
  }

  const { DefaultArtifactClient, ArtifactNotFoundError } = await import('@actions/artifact')
  const client = new DefaultArtifactClient()
  if (req.overwrite) {
    try {
      await client.deleteArtifact(req.artifactName)
      core.info(`Deleted the existing artifact ${req.artifactName} (overwrite: true)`)
    } catch (error) {
      if (!(error instanceof ArtifactNotFoundError)) {
        throw new ActionError(
          `Could not delete the existing artifact ${req.artifactName} for \`overwrite: true\`: ${describe(error)}`,
          { cause: error }
        )
      }
    }
  }

  // A raw upload takes the artifact's name from its file, so there the file carries the
  // artifact's name; inside a zip the image keeps its own.
  let file = req.imagePath
  if (!req.archive && path.basename(req.imagePath) !== req.artifactName) {
    file = path.join(await mkdtemp(path.join(req.tempDir, 'artifact-')), req.artifactName)
    await link(req.imagePath, file).catch(() => copyFile(req.imagePath, file))
  }
  const dir = path.dirname(file)

  let result
  const started = performance.now()
  try {
    result = await client.uploadArtifact(req.artifactName, [file], dir, {
      retentionDays: req.retentionDays || undefined,
      compressionLevel: req.compressionLevel,
      skipArchive: !req.archive
    })
  } catch (error) {
    const text = describe(error)
    if (/\b409\b|conflict|already exists/i.test(text)) {
      throw new ActionError(
        `An artifact named "${req.artifactName}" already exists in this workflow run (${text}). ` +
          'In a matrix, every job needs its own name: set `artifact-name` to something unique per job, e.g. `${{ matrix.program }}-image`; ' +
          'or set `overwrite: true` to replace the existing artifact. The image is still at ' +
          `${req.imagePath}.`,
        { cause: error }
      )
    }
    throw new ActionError(
      `The artifact upload failed: ${text}. The image is still at ${req.imagePath} (see the image-path output).`,
      { cause: error }
    )
  }
  if (result.id === undefined)
    throw new ActionError('The artifact service returned no artifact id.')
  const seconds = ((performance.now() - started) / 1000).toFixed(2)
  const format = req.archive ? `zip, level ${req.compressionLevel}` : 'raw'
  core.info(`Uploaded ${result.size ?? 0} bytes (${format}) in ${seconds} s`)
  const url = `${req.env.GITHUB_SERVER_URL || 'https://github.com'}/${req.env.GITHUB_REPOSITORY}/actions/runs/${req.env.GITHUB_RUN_ID}/artifacts/${result.id}`
  return {
    id: result.id,
    name: req.artifactName,
    url,
    digest: result.digest ?? '',
    size: result.size ?? 0
  }
}
