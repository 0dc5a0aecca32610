/**
 * The job summary, on @actions/core's builder. Untrusted text is HTML-escaped, the values of
 * `env` never appear (keys only), and a summary that cannot be written only warns.
 */
import * as core from '@actions/core'
import { describe } from '../errors.js'
import type { Manifest } from '../image/manifest.js'
import type { UploadedArtifact } from './artifact.js'
import type { ImageReport } from './report.js'

/** The runner refuses a step summary over 1 MiB. */
export const SUMMARY_LIMIT_BYTES = 1024 * 1024

type Summary = typeof core.summary

/** The manifest as it may be shown: every `Env` value replaced by `***`. */
export function redactManifest(manifest: Manifest): Manifest {
  const env = manifest.Env as Record<string, string> | undefined
  if (!env) return manifest
  return { ...manifest, Env: Object.fromEntries(Object.keys(env).map(k => [k, '***'])) }
}

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string
  )
}

export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(1)} ${units[unit]} (${bytes} bytes)`
}

/** The summary of this step, in core's (emptied) summary buffer. */
export function buildSummary(
  r: ImageReport,
  artifact: UploadedArtifact | undefined,
  env: Readonly<Record<string, string | undefined>>
): Summary {
  const e = escapeHtml
  const rows: [string, string][] = [
    ['Image', `<code>${e(r.imageName)}</code>`],
    ['Size', e(formatBytes(r.facts.size))],
    ['BLAKE3 (Gevulot image hash)', `<code>${r.facts.blake3}</code>`],
    ['sha256', `<code>${r.facts.sha256}</code>`],
    ['Ops', e(r.opsVersion)],
    ['Nanos', `${e(r.nanosVersion)} (${e(r.arch)})`],
    ['Tool cache hit', r.cacheHit ? 'yes' : 'no']
  ]
  if (artifact) {
    // Host-relative, so the link follows the server the summary is viewed on.
    const href = `/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}/artifacts/${artifact.id}`
    rows.push([
      'Artifact',
      `<a href="${e(href)}">${e(artifact.name)}</a> (digest <code>${e(artifact.digest)}</code>)`
    ])
  }
  const manifest = e(JSON.stringify(redactManifest(r.manifest), null, 2))
  return core.summary
    .emptyBuffer()
    .addHeading(`Nanos image <code>${e(r.imageName)}</code>`, 3)
    .addTable(rows.map(([k, v]) => [{ data: e(k), header: true }, v]))
    .addDetails('Manifest', `\n\n<pre lang="json">${manifest}</pre>\n\n`)
}

/** Append the summary to the job's; a failure to write it only warns. */
export async function writeSummary(summary: Summary): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) {
    core.debug('No GITHUB_STEP_SUMMARY (not on a runner): no job summary written')
    summary.emptyBuffer()
    return
  }
  try {
    const size = Buffer.byteLength(summary.stringify())
    if (size > SUMMARY_LIMIT_BYTES) {
      summary.emptyBuffer()
      throw new Error(`it would be ${size} bytes, over the runner's limit of 1 MiB`)
    }
    await summary.write()
  } catch (error) {
    core.warning(`Could not write the job summary: ${describe(error)}`)
  }
}
