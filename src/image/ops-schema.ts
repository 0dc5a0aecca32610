/**
 * The ops configuration schema (ops 0.1.46's `types.Config`, top level) and the check of a
 * manifest against it. Pure. Ops parses its config strictly and exits 0 without an image on one
 * it cannot parse (ops-contract.md §4, §5), so the action checks first and names the key.
 */
import type { InputProblem } from '../errors.js'

export type Manifest = Record<string, unknown>

export type Kind = 'string' | 'boolean' | 'strings' | 'stringMap' | 'object' | 'passthrough'

/**
 * The top-level keys of ops's `types.Config` (matched case-insensitively) and the JSON type of
 * each. `RunConfig` and `CloudConfig` are structs that ops checks field by field; here they are
 * only required to be objects, and ops's own error is quoted if their contents are wrong.
 */
export const OPS_CONFIG_SCHEMA: Readonly<Record<string, Kind>> = {
  Args: 'strings',
  BaseVolumeSz: 'string',
  Boot: 'string',
  BuildDir: 'string',
  CloudConfig: 'object',
  Debugflags: 'strings',
  Description: 'string',
  DisableArgsCopy: 'boolean',
  Dirs: 'strings',
  Env: 'stringMap',
  Files: 'strings',
  Force: 'boolean',
  Kernel: 'string',
  KlibDir: 'string',
  Klibs: 'strings',
  Language: 'string',
  LocalFilesParentDirectory: 'string',
  ManifestPassthrough: 'passthrough',
  MapDirs: 'stringMap',
  Mounts: 'stringMap',
  NameServers: 'strings',
  NanosVersion: 'string',
  NightlyBuild: 'boolean',
  NoTrace: 'strings',
  PackageBaseURL: 'string',
  PackageManifestURL: 'string',
  Program: 'string',
  ProgramPath: 'string',
  RebootOnExit: 'boolean',
  RunConfig: 'object',
  TargetConfig: 'stringMap',
  TargetRoot: 'string',
  TFSv4: 'boolean',
  Uefi: 'boolean',
  UefiBoot: 'string',
  Version: 'string',
  VolumesDir: 'string',
  home: 'string'
}
const CANONICAL = new Map(Object.keys(OPS_CONFIG_SCHEMA).map(key => [key.toLowerCase(), key]))

const KIND_TEXT: Record<Kind, string> = {
  string: 'a string',
  boolean: 'true or false',
  strings: 'an array of strings',
  stringMap: 'an object whose values are strings',
  object: 'an object',
  passthrough: 'an object whose values are strings, arrays or objects'
}

/**
 * Check a manifest against the ops schema and return it with its keys in ops's canonical case.
 * Every problem names the key and is reported against `input`.
 */
export function validateManifest(
  value: unknown,
  input: string,
  problems: InputProblem[]
): Manifest {
  const fail = (message: string): void => void problems.push({ input, message })
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail('must be a JSON object, e.g. {"Program": "my_prover", "Env": {"RUST_LOG": "info"}}.')
    return {}
  }
  const out: Manifest = {}
  for (const [key, field] of Object.entries(value)) {
    const canonical = CANONICAL.get(key.toLowerCase())
    if (!canonical) {
      const hint = key === 'Runtime' ? ' (ops documents it but rejects it)' : ''
      fail(
        `key "${key}" is not an ops configuration key${hint}: ops would print its usage and build nothing. Remove it or fix its spelling.`
      )
      continue
    }
    if (Object.hasOwn(out, canonical)) {
      fail(`keys "${canonical}" appear twice (ops matches keys without regard to case): keep one.`)
      continue
    }
    if (field === null) continue
    const kind = OPS_CONFIG_SCHEMA[canonical]
    const problem = typeProblem(kind, field, canonical)
    if (problem) fail(problem)
    else out[canonical] = field
  }
  return out
}

function typeProblem(kind: Kind, value: unknown, key: string): string | undefined {
  const isObject = typeof value === 'object' && value !== null && !Array.isArray(value)
  const wrong = `"${key}" must be ${KIND_TEXT[kind]}`
  switch (kind) {
    case 'string':
      return typeof value === 'string' ? undefined : `${wrong}, not ${jsonType(value)}.`
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `${wrong}, not ${jsonType(value)}.`
    case 'strings':
      return Array.isArray(value) && value.every(v => typeof v === 'string')
        ? undefined
        : `${wrong}.`
    case 'object':
      return isObject ? undefined : `${wrong}, not ${jsonType(value)}.`
    case 'stringMap': {
      if (!isObject) return `${wrong}, not ${jsonType(value)}.`
      const bad = Object.entries(value).find(([, v]) => typeof v !== 'string')
      return bad
        ? `"${key}.${bad[0]}" must be a string, not ${jsonType(bad[1])}: quote it.`
        : undefined
    }
    case 'passthrough': {
      if (!isObject) return `${wrong}, not ${jsonType(value)}.`
      for (const [k, v] of Object.entries(value)) {
        const leaf = badLeaf(v)
        if (leaf !== undefined) {
          return `"${key}.${k}" holds ${leaf}: ops fails to write the image on a boolean or number here. Quote it, e.g. "readonly_rootfs": "true".`
        }
      }
      return undefined
    }
  }
}

/** The JSON type of the first value that is neither a string, an array nor an object. */
function badLeaf(value: unknown): string | undefined {
  if (typeof value === 'string') return undefined
  if (Array.isArray(value)) return value.map(badLeaf).find(x => x !== undefined)
  if (typeof value === 'object' && value !== null)
    return Object.values(value)
      .map(badLeaf)
      .find(x => x !== undefined)
  return `${jsonType(value)} ${JSON.stringify(value)}`
}

function jsonType(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`
}
