/**
 * The content digest: an identity of the image that survives a rebuild. Two builds of the same
 * inputs differ in their bytes (a random filesystem UUID, Go's map order placing file data) but
 * not in what they hold; the digest is sha256 over a canonical text of what they hold, so it
 * changes with any byte of any file, with the manifest (program, arguments, environment values,
 * mounts, flags) and with the kernel and klibs, and with nothing else.
 *
 * The canonical form (version 1, README "Content digest"), UTF-8:
 *   nanos-image-content/v1
 *   one line per entry, each a JSON array, sorted by their UTF-8 bytes:
 *     ["manifest", {root tuple of the root filesystem, without "children"}]
 *     ["boot-manifest", {root tuple of the boot filesystem, without "children"}]
 *     ["dir", "root"|"boot", "/path"]
 *     ["file", "root"|"boot", "/path", size, "sha256 hex"]
 *     ["link", "root"|"boot", "/path", "target"]
 *   every line ends with "\n".
 * JSON as ECMAScript's JSON.stringify writes it, with no spaces and every object's keys sorted
 * (RFC 8785's canonical JSON, for data that holds only strings, arrays, objects and integers).
 * The digest is "sha256:" and the hex sha256 of that text. Pure.
 */
import { createHash } from 'node:crypto'
import type { Filesystem, TupleValue } from './tfs.js'

export const CONTENT_FORM = 'nanos-image-content/v1'

interface HashedFile {
  path: string
  filesystem: 'root' | 'boot'
  size: number
  sha256: string
}

/** The canonical text of an image's contents. */
export function canonicalForm(
  root: Filesystem,
  boot: Filesystem | undefined,
  files: readonly HashedFile[]
): string {
  const lines: string[] = [
    canonical(['manifest', root.manifest]),
    canonical(['boot-manifest', boot?.manifest ?? {}])
  ]
  for (const [fs, name] of [
    [root, 'root'],
    [boot, 'boot']
  ] as const) {
    for (const node of fs?.nodes ?? []) {
      if (node.kind === 'dir') lines.push(canonical(['dir', name, node.path]))
      if (node.kind === 'symlink') lines.push(canonical(['link', name, node.path, node.target]))
    }
  }
  for (const f of files) lines.push(canonical(['file', f.filesystem, f.path, f.size, f.sha256]))
  lines.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
  return `${CONTENT_FORM}\n${lines.map(l => `${l}\n`).join('')}`
}

export function contentDigest(
  root: Filesystem,
  boot: Filesystem | undefined,
  files: readonly HashedFile[]
): string {
  return `sha256:${createHash('sha256')
    .update(canonicalForm(root, boot, files))
    .digest('hex')}`
}

/** JSON with no spaces and sorted object keys. */
export function canonical(value: TupleValue | number | (TupleValue | number)[]): string {
  if (Array.isArray(value)) return `[${value.map(v => canonical(v)).join(',')}]`
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value).sort()
    return `{${keys.map(k => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`
  }
  return JSON.stringify(value)
}
