/**
 * The Nanos manifest (the ops config): composed from the inputs and an optional base manifest
 * (pure), then written for ops. Gevulot's mandatory elements are the defaults, and with
 * `profile: gevulot` a rule (gevulot-prover-verifier-packaging.md, ops-contract.md §5, §6).
 */
import * as path from 'node:path'
import type { InputProblem } from '../errors.js'
import { writeAtomically } from '../files.js'
import type { Arch } from '../install/platform.js'
import type { Manifest } from './ops-schema.js'

export type { Manifest } from './ops-schema.js'

/** Gevulot's workspace volume, mounted where its shim expects it. */
export const DEFAULT_MOUNTS: Readonly<Record<string, string>> = { '%1': '/workspace' }

export type Profile = 'gevulot' | 'nanos'

/** The inputs the manifest is made of (a subset of the step's inputs). */
export interface ManifestInputs {
  /** Absolute path of the compiled program. */
  binary: string
  /** Absolute path against which relative paths resolve. */
  workingDirectory: string
  program?: string
  imageName?: string
  env?: Record<string, string>
  args?: string[]
  files?: string[]
  dirs?: string[]
  mounts?: Record<string, string>
  /** undefined: not set (the base manifest's value, else `true`). */
  readonlyRootfs?: boolean
  klibs?: string[]
  /** Absolute path. */
  klibDir?: string
  baseVolumeSize?: string
  profile: Profile
  /** The `arch` input, to name it in a Gevulot error. */
  arch?: Arch
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
  inputs: ManifestInputs,
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
      const problem = nameProblem(program)
      if (problem) problems.push({ input: 'manifest', message: `"Program" ${problem}` })
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

  // Files and Dirs land in the image at the paths written. Ops keeps a `.` or `..` in them as a
  // folder of that name, which Nanos cannot reach, so they are normalised here; what still
  // leaves the working directory is refused. A Files entry is read below the working directory
  // even when it starts with `/` (ops 0.1.46 setManifestFromConfig reads `<cwd>/<entry>`); a
  // Dirs entry that starts with `/` is read from the runner's root (ops walks it as written).
  for (const [key, input] of [
    ['Files', 'files'],
    ['Dirs', 'dirs']
  ] as const) {
    const entries = m[key] as string[] | undefined
    if (!entries) continue
    m[key] = entries.map(entry => {
      const normal = path.posix.normalize(entry.replace(/\\/g, '/')).replace(/(.)\/+$/, '$1')
      if (normal === '..' || normal.startsWith('../') || normal === '.' || normal === '/') {
        problems.push({
          input: inputs[input] ? input : 'manifest',
          message: `${inputs[input] ? '' : `"${key}" entry `}"${entry}" ${normal === '.' || normal === '/' ? 'names the whole folder' : 'leaves the working directory'}: entries are paths inside \`working-directory\` and become the same paths inside the image.`
        })
        return entry
      }
      return normal
    })
  }

  if (inputs.profile === 'gevulot') gevulotRules(inputs, m, arch, problems)

  const imageName = inputs.imageName ?? program
  return { manifest: m, program, imageName, warnings }
}

/** Gevulot's mandatory elements (gevulot-prover-verifier-packaging.md, ops-contract.md §6). */
function gevulotRules(
  inputs: ManifestInputs,
  m: Manifest,
  arch: Arch,
  problems: InputProblem[]
): void {
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
  if (arch !== 'amd64') {
    problems.push({
      input: inputs.arch === arch ? 'arch' : 'binary',
      message: `is ${arch}, but Gevulot runs x86_64 programs only: build for x86_64-unknown-linux-gnu, or set \`profile: nanos\`.`
    })
  }
  m.Env ??= {}
}

/**
 * Where ops reads a Files or Dirs entry on the runner: a Files entry below the working directory
 * even when it starts with `/` (ops 0.1.46 reads `<cwd>/<entry>`), a Dirs entry that starts with
 * `/` from the runner's root (ops walks it as written), any other below the working directory.
 */
export function hostPathOf(key: 'Files' | 'Dirs', entry: string, workingDirectory: string): string {
  return key === 'Dirs' && path.isAbsolute(entry) ? entry : path.join(workingDirectory, entry)
}

/** An entry composeManifest refused (it leaves the working directory, or is the folder itself). */
export function refusedEntry(entry: string): boolean {
  return entry.split(/[/\\]/).includes('..') || entry === '.' || entry === '/'
}

/** Where the image mounts volumes (e.g. /workspace). */
export function mountPoints(manifest: Manifest): string[] {
  return Object.values((manifest.Mounts ?? {}) as Record<string, string>)
}

/** Why `value` cannot be a program or image name (a plain file name), or undefined. */
export function nameProblem(value: string): string | undefined {
  if (value.trim() === '') return 'must not be empty: give a plain file name such as my_prover.'
  if (value === '.' || value === '..' || /[/\\]/.test(value))
    return `"${value}" must be a plain file name, without / or \\ and not . or ..`
  if (value.startsWith('-'))
    return `"${value}" must not start with "-" (ops would read it as an option).`
  if (/[\p{Cc}]/u.test(value)) return 'must not contain control characters.'
  return undefined
}

/** Write the manifest for ops, readable by its owner only (it holds `env`), atomically. */
export async function writeManifest(manifest: Manifest, file: string): Promise<void> {
  await writeAtomically(file, `${JSON.stringify(manifest, null, 2)}\n`, 0o600)
}
