/**
 * Stage 7: step outputs and the job summary. The summary is built by a pure function: untrusted
 * text is HTML-escaped and the values of `env` never appear (keys only).
 */
import * as core from './runner.js'
import type { UploadedArtifact } from './artifact.js'
import { describe } from './errors.js'
import type { ImageFacts } from './image.js'
import type { Manifest } from './manifest.js'

export interface ImageReport {
  imagePath: string
  imageName: string
  facts: ImageFacts
  manifestPath: string
  manifest: Manifest
  opsVersion: string
  nanosVersion: string
  arch: string
  cacheHit: boolean
}

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
}

export function setArtifactOutputs(a: UploadedArtifact): void {
  core.setOutput('artifact-id', String(a.id))
  core.setOutput('artifact-url', a.url)
  core.setOutput('artifact-digest', a.digest)
}

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

/** The job summary, as HTML/Markdown. */
export function summaryMarkdown(
  r: ImageReport,
  artifact: UploadedArtifact | undefined,
  env: Readonly<Record<string, string | undefined>>
): string {
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
  const table = rows
    .map(([k, v]) => `<tr><th align="left">${e(k)}</th><td>${v}</td></tr>`)
    .join('\n')
  const manifest = e(JSON.stringify(redactManifest(r.manifest), null, 2))
  return [
    `### Nanos image <code>${e(r.imageName)}</code>`,
    '',
    `<table>\n${table}\n</table>`,
    '',
    `<details><summary>Manifest</summary>\n\n<pre lang="json">${manifest}</pre>\n\n</details>`,
    ''
  ].join('\n')
}

/** Append the summary; a failure to write it only warns. */
export async function writeSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) {
    core.debug('No GITHUB_STEP_SUMMARY (not on a runner): no job summary written')
    return
  }
  try {
    await core.appendSummary(markdown)
  } catch (error) {
    core.warning(`Could not write the job summary: ${describe(error)}`)
  }
}
