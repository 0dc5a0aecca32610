/**
 * Version numbers of Ops and Nanos: parsing, ordering, and the candidates probed when `latest`
 * Ops has to be turned into a number. Pure.
 */

/** The Ops release this action was tested with; `ops-version` defaults to it. */
export const DEFAULT_OPS_VERSION = '0.1.46'

/**
 * The Nanos release `nanos-version` defaults to: the newest one the real test tier proves sound
 * with a workspace. 0.1.55 faults on common ways of reading a workspace file (boot/known-problems.ts).
 */
export const DEFAULT_NANOS_VERSION = '0.1.54'

/**
 * The first Ops release whose images match Gevulot's workspace mount: from 0.1.42 a `%1` label
 * is renumbered to `%0` in the image (Gevulot attaches the workspace with mount_tag=0); 0.1.41
 * fails the build on it and older releases keep `%1` (ops-contract.md §5).
 */
export const GEVULOT_MIN_OPS = '0.1.42'

/**
 * Why Ops `version` cannot build a Gevulot image, or undefined when it can (a version that is
 * not a plain release number, such as a preinstalled development build, is given the benefit).
 */
export function gevulotOpsProblem(version: string): string | undefined {
  if (!parseVersion(version) || compareVersions(version, GEVULOT_MIN_OPS) >= 0) return undefined
  return `${version} builds images whose workspace mount Gevulot nodes do not attach: Ops renumbers %1 to the mount tag 0 they use only from ${GEVULOT_MIN_OPS} on. Use ${GEVULOT_MIN_OPS} or later, or set \`profile: nanos\`.`
}

export type VersionSpec = { kind: 'latest' } | { kind: 'exact'; version: string }

const VERSION = /^v?(\d+)\.(\d+)\.(\d+)$/

/** `latest`, or a release number like `0.1.46` (a leading `v` is accepted and dropped). */
export function parseVersionSpec(value: string): VersionSpec | undefined {
  const text = value.trim()
  if (text.toLowerCase() === 'latest') return { kind: 'latest' }
  const match = VERSION.exec(text)
  return match ? { kind: 'exact', version: `${+match[1]}.${+match[2]}.${+match[3]}` } : undefined
}

/** A release number as published (`0.1.54`), or undefined for anything else. */
export function parseVersion(text: string): string | undefined {
  const spec = parseVersionSpec(text)
  return spec?.kind === 'exact' ? spec.version : undefined
}

function parts(version: string): [number, number, number] {
  const [a, b, c] = version.split('.').map(Number)
  return [a, b, c]
}

export function compareVersions(a: string, b: string): number {
  const [x, y] = [parts(a), parts(b)]
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2]
}

/**
 * The releases that could follow `version`, in the order to try them: the next patch, the next
 * minor, the next major. Ops publishes no "latest version" file, so `latest` is found by walking
 * these from a known release until none exists.
 */
export function successors(version: string): string[] {
  const [major, minor, patch] = parts(version)
  return [`${major}.${minor}.${patch + 1}`, `${major}.${minor + 1}.0`, `${major + 1}.0.0`]
}
