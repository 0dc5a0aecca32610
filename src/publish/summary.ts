/**
 * The job summary, on @actions/core's builder. Untrusted text is HTML-escaped, the values of
 * `env` never appear (keys only), and a summary that cannot be written only warns.
 */
import * as core from '@actions/core'
import { diagnosisHeading, traceTail } from '../boot/explain.js'
import type { BootResult } from '../boot/test.js'
import { describe } from '../errors.js'
import type { Manifest } from '../image/manifest.js'
import { scrub } from '../image/secrets.js'
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

export interface SummaryContent {
  report: ImageReport
  artifact?: UploadedArtifact
  boot?: BootResult
  /** The boot's environment: its values are scrubbed from the console shown. */
  bootEnv?: Readonly<Record<string, string>>
  /** The step's environment (GITHUB_REPOSITORY, GITHUB_RUN_ID for the artifact link). */
  env: Readonly<Record<string, string | undefined>>
}

const RESULT_TEXT = { passed: 'passed', failed: 'failed', 'timed-out': 'timed out' } as const

/** The summary of this step, in core's (emptied) summary buffer. */
export function buildSummary(content: SummaryContent): Summary {
  const { report: r, artifact, boot, env } = content
  const e = escapeHtml
  const rows: [string, string][] = [
    ['Image', `<code>${e(r.imageName)}</code>`],
    ['Size', e(formatBytes(r.facts.size))],
    ['BLAKE3 (Gevulot image hash)', `<code>${r.facts.blake3}</code>`],
    ['sha256', `<code>${r.facts.sha256}</code>`],
    ['Ops', e(r.opsVersion)],
    ['Nanos', `${e(r.nanosVersion)} (${e(r.arch)})`],
    ['Tool cache hit', r.cacheHit ? 'yes' : 'no'],
    ['Ops and kernel from', e(r.cacheSource.replace(/,/g, ', '))]
  ]
  if (artifact) {
    // Host-relative, so the link follows the server the summary is viewed on.
    const href = `/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}/artifacts/${artifact.id}`
    rows.push([
      'Artifact',
      `<a href="${e(href)}">${e(artifact.name)}</a> (digest <code>${e(artifact.digest)}</code>)`
    ])
  }
  if (boot) {
    const code = boot.exitCode === undefined ? 'none' : String(boot.exitCode)
    rows.push(
      [
        'Boot test',
        `<strong>${RESULT_TEXT[boot.result]}</strong>${boot.kind ? ` (${e(boot.kind)})` : ''}${boot.twin ? ', a twin with debug_exit' : ''}`
      ],
      ...(boot.reason
        ? [['Why', e(scrub(boot.reason, content.bootEnv ?? {}))] as [string, string]]
        : []),
      ...(boot.known
        ? [
            [
              'Known Nanos problem',
              `${e(boot.known.title)} <strong>${e(boot.known.advice)}</strong>`
            ] as [string, string]
          ]
        : []),
      ['Exit code', e(code)],
      ['Accelerator', e(boot.accel)],
      ['Boot seconds', boot.seconds.toFixed(2)]
    )
  }
  const manifest = e(JSON.stringify(redactManifest(r.manifest), null, 2))
  const summary = core.summary
    .emptyBuffer()
    .addHeading(`Nanos image <code>${e(r.imageName)}</code>`, 3)
    .addTable(rows.map(([k, v]) => [{ data: e(k), header: true }, v]))
  if (boot) {
    const tail = scrub(boot.tail.join('\n'), content.bootEnv ?? {})
    summary.addDetails(
      boot.tail.length > 0 ? `Console, last ${boot.tail.length} lines` : 'Console (empty)',
      `\n\n<pre>${e(tail)}</pre>\n\n`
    )
    const d = boot.diagnosis
    if (d) {
      const calls = traceTail(d, content.bootEnv ?? {})
      const lines = calls.map(c =>
        c.stopped ? `<strong>${e(c.text)}    &lt;- the program stopped here</strong>` : e(c.text)
      )
      summary.addDetails(
        `System calls, last ${calls.length} (diagnosis boot)`,
        `\n\n${e(diagnosisHeading(d))}\n\n<pre>${lines.join('\n') || '(the trace is empty)'}</pre>\n\n`
      )
    }
  }
  contentsSection(summary, r)
  return summary.addDetails('Manifest', `\n\n<pre lang="json">${manifest}</pre>\n\n`)
}

/** The image's contents, collapsed: counts and size, the ten largest files, the runner's libraries. */
function contentsSection(summary: Summary, r: ImageReport): void {
  const e = escapeHtml
  const c = r.contents
  const total = c.files.reduce((n, f) => n + f.size, 0)
  const count = (fs: string) => c.files.filter(f => f.filesystem === fs).length
  const libraries = c.files.filter(f => f.origin === 'library')
  const largest = [...c.files]
    .sort((a, b) => b.size - a.size || (a.path < b.path ? -1 : 1))
    .slice(0, 10)
  const table = (head: string[], rows: string[][]): string =>
    `<table><tr>${head.map(h => `<th>${h}</th>`).join('')}</tr>${rows
      .map(row => `<tr>${row.map(cell => `<td>${cell}</td>`).join('')}</tr>`)
      .join('')}</table>`
  const libraryRows = libraries.map(f => [
    `<code>${e(f.path)}</code>`,
    f.source ? `<code>${e(f.source)}</code>` : 'not on the runner',
    f.package
      ? `${e(f.package.name)} ${e(f.package.version)} (${e(f.package.arch)})`
      : c.packageManager
        ? '<strong>no package</strong>'
        : 'no dpkg on the runner'
  ])
  summary.addDetails(
    `Contents: ${c.files.length} files (${count('root')} root, ${count('boot')} boot), ${e(formatBytes(total))}, ${libraries.length} ${libraries.length === 1 ? 'library' : 'libraries'} from the runner`,
    `\n\nContent digest <code>${e(c.contentDigest)}</code>; every file in <code>${e(r.contentsPath)}</code>, the SBOM in <code>${e(r.sbomPath)}</code>.\n\n` +
      `${table(
        ['Largest files', 'Filesystem', 'From', 'Size'],
        largest.map(f => [
          `<code>${e(f.path)}</code>`,
          f.filesystem,
          f.origin,
          e(formatBytes(f.size))
        ])
      )}\n\n` +
      (libraries.length > 0
        ? `${table(['Runner library', 'Copied from', 'Package'], libraryRows)}\n\n`
        : '')
  )
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
