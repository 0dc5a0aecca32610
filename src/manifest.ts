/**
 * Stage 3: the Nanos manifest (the ops config). Pure: composes the JSON ops will read from the
 * inputs and an optional base manifest, and validates it the way ops parses it, because ops
 * exits 0 without an image on a config it cannot parse (ops-contract.md §4, §5).
 */
import * as path from 'node:path'
import { checkName, DEFAULT_MOUNTS, type Arch, type Inputs } from './inputs.js'
import type { InputProblem } from './errors.js'
import { compareVersions, GEVULOT_MIN_OPS } from './versions.js'

export type Manifest = Record<string, unknown>

type Kind = 'string' | 'boolean' | 'strings' | 'stringMap' | 'object' | 'passthrough'

/** The top-level keys ops 0.1.46 accepts (case-insensitively) and the JSON type of each. */
const SCHEMA: Record<string, Kind> = {
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
  Program: 'string',
  ProgramPath: 'string',
  RebootOnExit: 'boolean',
  RunConfig: 'object',
  TargetConfig: 'stringMap',
  TargetRoot: 'string',
  Uefi: 'boolean',
  UefiBoot: 'string',
  Version: 'string',
  VolumesDir: 'string'
}
const CANONICAL = new Map(Object.keys(SCHEMA).map(key => [key.toLowerCase(), key]))

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
    const kind = SCHEMA[canonical]
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

export interface BaseManifest {
  /** Absolute path of the file it came from. */
  path: string
  /** Validated, keys canonical. */
  manifest: Manifest
}

export interface ComposedManifest {
  manifest: Manifest
  /** Name of the program inside the image: it lands at `/<program>`. */
  program: string
  imageName: string
  /** Things the user should know that do not stop the build. */
  warnings: string[]
}

/**
 * The manifest ops will build from: the base manifest, the inputs that are set on top of it
 * (maps merge key by key, lists and strings are replaced), then the defaults, then the profile's
 * rules. Problems are reported against the input that caused them.
 */
export function composeManifest(
  inputs: Inputs,
  base: BaseManifest | undefined,
  arch: Arch,
  problems: InputProblem[]
): ComposedManifest {
  const m: Manifest = structuredClone(base?.manifest ?? {})
  const warnings: string[] = []
  const fromBase = (key: string): boolean => base !== undefined && Object.hasOwn(base.manifest, key)

  // The program sits at /<Program> in the image; ops opens Program relative to its working
  // directory, which build.ts prepares, so Program must be a plain name.
  let program = inputs.program
  if (program === undefined && typeof m.Program === 'string') {
    program = m.Program.replace(/^\.\//, '')
    if (/[/\\]/.test(program)) {
      problems.push({
        input: 'manifest',
        message: `"Program": "${m.Program}" is a path; this action places the program at /<program>. Set \`program\` (or "Program") to a plain name such as "${path.basename(program)}".`
      })
    } else {
      const before = problems.length
      checkName('manifest', program, problems)
      for (const problem of problems.slice(before)) problem.message = `"Program" ${problem.message}`
    }
  }
  program ??= path.basename(inputs.binary)
  m.Program = program

  if (inputs.env) m.Env = { ...(m.Env as Record<string, string> | undefined), ...inputs.env }
  if (inputs.args) m.Args = inputs.args
  if (inputs.files) m.Files = inputs.files
  if (inputs.dirs) m.Dirs = inputs.dirs
  if (inputs.klibs) m.Klibs = inputs.klibs
  if (inputs.klibDir) m.KlibDir = inputs.klibDir
  if (inputs.baseVolumeSize) m.BaseVolumeSz = inputs.baseVolumeSize
  if (inputs.mounts)
    m.Mounts = { ...(m.Mounts as Record<string, string> | undefined), ...inputs.mounts }
  else if (!fromBase('Mounts')) m.Mounts = { ...DEFAULT_MOUNTS }

  const passthrough = { ...(m.ManifestPassthrough as Record<string, unknown> | undefined) }
  const readonly =
    inputs.readonlyRootfs ?? (Object.hasOwn(passthrough, 'readonly_rootfs') ? undefined : true)
  // Nanos makes the root read-only whenever the key is present, whatever its value.
  if (readonly === true) passthrough.readonly_rootfs = 'true'
  if (readonly === false) delete passthrough.readonly_rootfs
  if (
    readonly === undefined &&
    passthrough.readonly_rootfs !== 'true' &&
    inputs.profile === 'nanos'
  ) {
    warnings.push(
      `The manifest sets ManifestPassthrough.readonly_rootfs to ${JSON.stringify(passthrough.readonly_rootfs)}, but Nanos makes the root read-only whenever the key is present, whatever its value. Set \`readonly-rootfs: false\` to leave the key out for a writable root, or \`true\` to say so.`
    )
  }
  m.ManifestPassthrough = passthrough
  if (Object.keys(passthrough).length === 0) delete m.ManifestPassthrough

  if (base) {
    // MapDirs keys resolve against the config file's directory, and ours is written elsewhere.
    if (m.MapDirs) {
      const dir = path.dirname(base.path)
      m.MapDirs = Object.fromEntries(
        Object.entries(m.MapDirs as Record<string, string>).map(([k, v]) => [
          path.resolve(dir, k),
          v
        ])
      )
    }
    if (typeof m.KlibDir === 'string' && !inputs.klibDir)
      m.KlibDir = path.resolve(inputs.workingDirectory, m.KlibDir)
    for (const key of ['NanosVersion', 'Kernel', 'Boot'] as const) {
      if (Object.hasOwn(m, key)) {
        warnings.push(
          `The manifest's "${key}" is ignored: ops uses the kernel of \`nanos-version\` (${key === 'NanosVersion' ? 'set nanos-version instead' : 'it clears Kernel and Boot'}).`
        )
        delete m[key]
      }
    }
  }

  for (const [key, input] of [
    ['Files', 'files'],
    ['Dirs', 'dirs']
  ] as const) {
    for (const entry of (m[key] as string[] | undefined) ?? []) {
      if (entry.split(/[/\\]/).includes('..') && !inputs[input]) {
        problems.push({
          input: 'manifest',
          message: `"${key}" entry "${entry}" leaves the working directory: use a path inside \`working-directory\`.`
        })
      }
    }
  }

  if (inputs.profile === 'gevulot') gevulotRules(inputs, m, arch, problems)

  const imageName = inputs.imageName ?? program
  return { manifest: m, program, imageName, warnings }
}

/** Gevulot's mandatory elements (gevulot-prover-verifier-packaging.md, ops-contract.md §6). */
function gevulotRules(inputs: Inputs, m: Manifest, arch: Arch, problems: InputProblem[]): void {
  const why = 'Gevulot requires it; set `profile: nanos` to build a general Nanos image instead.'
  const passthrough = (m.ManifestPassthrough ?? {}) as Record<string, unknown>
  if (passthrough.readonly_rootfs !== 'true') {
    problems.push(
      inputs.readonlyRootfs === false
        ? {
            input: 'readonly-rootfs',
            message: `false breaks the read-only root filesystem (ManifestPassthrough.readonly_rootfs "true") that ${why}`
          }
        : {
            input: 'manifest',
            message: `sets ManifestPassthrough.readonly_rootfs to ${JSON.stringify(passthrough.readonly_rootfs)}; it must be the string "true": ${why}`
          }
    )
  }
  const mounts = (m.Mounts ?? {}) as Record<string, string>
  if (mounts['%1'] !== '/workspace') {
    problems.push({
      input: inputs.mounts ? 'mounts' : 'manifest',
      message: `must mount the workspace volume as %1:/workspace (Mounts {"%1": "/workspace"}): ${why}`
    })
  }
  const ops = inputs.opsVersion
  if (
    !inputs.opsPath &&
    ops.kind === 'exact' &&
    compareVersions(ops.version, GEVULOT_MIN_OPS) < 0
  ) {
    problems.push({
      input: 'ops-version',
      message: `${ops.version} builds images whose workspace mount Gevulot nodes do not attach: Ops renumbers %1 to the mount tag 0 they use only from ${GEVULOT_MIN_OPS} on. Use ${GEVULOT_MIN_OPS} or later.`
    })
  }
  if (arch !== 'amd64') {
    problems.push({
      input: inputs.arch === arch ? 'arch' : 'binary',
      message: `is ${arch}, but Gevulot runs x86_64 programs only: build for x86_64-unknown-linux-gnu, or set \`profile: nanos\`.`
    })
  }
  m.Env ??= {}
}
