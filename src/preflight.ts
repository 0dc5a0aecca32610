/**
 * The checks that need the disk but no network, run before anything slow: the runner's
 * platform, the binary's ELF header, the base manifest, the files and folders to include, the
 * output folder. Produces the plan the later stages follow, or one `InputError` with every
 * problem found.
 */
import { constants } from 'node:fs'
import {
  access,
  lstat,
  mkdir,
  open,
  readFile,
  realpath,
  rm,
  stat,
  writeFile
} from 'node:fs/promises'
import * as path from 'node:path'
import { elfArch, ELF_HEADER_BYTES } from './elf.js'
import { InputError, type InputProblem } from './errors.js'
import { artifactNameProblem, type Arch, type Inputs } from './inputs.js'
import { composeManifest, validateManifest, type BaseManifest, type Manifest } from './manifest.js'
import { hostOf, type Host } from './urls.js'

export interface Plan {
  inputs: Inputs
  host: Host
  /** The image's architecture. */
  arch: Arch
  manifest: Manifest
  program: string
  imageName: string
  artifactName: string
  warnings: string[]
}

export async function preflight(
  inputs: Inputs,
  platform = process.platform,
  cpu = process.arch
): Promise<Plan> {
  const problems: InputProblem[] = []
  const host = hostOf(platform, cpu)
  if (typeof host === 'string') throw new InputError([{ input: 'runs-on', message: host }])

  if (!(await isDir(inputs.workingDirectory))) {
    throw new InputError([
      { input: 'working-directory', message: `${inputs.workingDirectory} is not a directory.` }
    ])
  }

  const arch = await binaryArch(inputs, problems)
  const base = inputs.manifest ? await readBase(inputs.manifest, problems) : undefined
  const composed = composeManifest(inputs, base, arch ?? inputs.arch ?? 'amd64', problems)

  await checkIncluded(inputs, composed.manifest, problems)
  if (inputs.klibDir && !(await isDir(inputs.klibDir))) {
    problems.push({
      input: 'klib-dir',
      message: `${inputs.klibDir} is not a directory: give the folder that holds the klib files.`
    })
  }
  if (inputs.opsPath) {
    try {
      await access(inputs.opsPath, constants.X_OK)
    } catch {
      problems.push({ input: 'ops-path', message: `${inputs.opsPath} is not an executable file.` })
    }
  }

  const artifactName = inputs.artifactName ?? composed.imageName
  if (inputs.upload && !inputs.artifactName) {
    const problem = artifactNameProblem(artifactName)
    if (problem)
      problems.push({
        input: 'artifact-name',
        message: `${problem} It defaults to the image name; set it explicitly.`
      })
  }
  const imagePath = path.join(inputs.outputDir, composed.imageName)
  const inputsToKeep = [
    inputs.binary,
    inputs.manifest,
    ...((composed.manifest.Files as string[] | undefined) ?? []).map(f =>
      path.join(inputs.workingDirectory, f)
    )
  ]
  const written = [imagePath, `${imagePath}.manifest.json`]
  if (inputsToKeep.some(file => file !== undefined && written.includes(path.resolve(file)))) {
    problems.push({
      input: inputs.imageName ? 'image-name' : 'output-dir',
      message: `the image (or its manifest) would be written to ${imagePath}, over one of your input files: choose another \`output-dir\` or \`image-name\`.`
    })
  }
  if (problems.length === 0) await checkWritable(inputs.outputDir, problems)
  if (problems.length > 0) throw new InputError(problems)

  const warnings = [...composed.warnings]
  const mirror = new URL(inputs.mirror)
  if (
    mirror.protocol === 'http:' &&
    !/^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/.test(mirror.hostname)
  ) {
    warnings.push(
      `\`mirror\` ${inputs.mirror} uses plain HTTP: downloads can be altered on the way. Ops is still checked against the md5 published beside it (set \`ops-sha256\` to pin it independently); the kernel has no published checksum. Prefer https.`
    )
  }

  return {
    inputs,
    host,
    arch: arch as Arch,
    manifest: composed.manifest,
    program: composed.program,
    imageName: composed.imageName,
    artifactName,
    warnings
  }
}

async function binaryArch(inputs: Inputs, problems: InputProblem[]): Promise<Arch | undefined> {
  const fail = (message: string): undefined =>
    void problems.push({ input: 'binary', message: `${inputs.binary} ${message}` })
  let info
  try {
    info = await stat(inputs.binary)
  } catch {
    return fail(
      'does not exist: build the program before this step, and check `working-directory`.'
    )
  }
  if (!info.isFile())
    return fail(
      info.isDirectory()
        ? 'is a directory: give the compiled program file inside it.'
        : 'is not a regular file.'
    )
  const header = Buffer.alloc(ELF_HEADER_BYTES)
  const handle = await open(inputs.binary, 'r')
  let length: number
  try {
    ;({ bytesRead: length } = await handle.read(header, 0, ELF_HEADER_BYTES, 0))
  } finally {
    await handle.close()
  }
  const result = elfArch(header.subarray(0, length))
  if ('problem' in result) return fail(result.problem)
  if (inputs.arch && inputs.arch !== result.arch) {
    problems.push({
      input: 'arch',
      message: `is ${inputs.arch}, but ${inputs.binary} is an ${result.arch} program: remove \`arch\` (it is read from the binary) or build for ${inputs.arch}.`
    })
  }
  return result.arch
}

async function readBase(file: string, problems: InputProblem[]): Promise<BaseManifest | undefined> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch {
    problems.push({
      input: 'manifest',
      message: `${file} cannot be read: check the path (relative to \`working-directory\`).`
    })
    return undefined
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    problems.push({
      input: 'manifest',
      message: `${file} is not valid JSON: ${(error as Error).message}.`
    })
    return undefined
  }
  const before = problems.length
  const manifest = validateManifest(json, 'manifest', problems)
  for (const problem of problems.slice(before))
    problem.message = `${path.basename(file)}: ${problem.message}`
  return { path: file, manifest }
}

/** Files and Dirs are read relative to the working directory; a missing one would fail ops late. */
async function checkIncluded(
  inputs: Inputs,
  manifest: Manifest,
  problems: InputProblem[]
): Promise<void> {
  for (const [key, input, wantDir] of [
    ['Files', 'files', false],
    ['Dirs', 'dirs', true]
  ] as const) {
    const source = inputs[input] ? input : 'manifest'
    for (const entry of (manifest[key] as string[] | undefined) ?? []) {
      const host = path.join(inputs.workingDirectory, entry)
      const link = await lstat(host).catch(() => undefined)
      const info = await stat(host).catch(() => undefined)
      const fail = (message: string): void => void problems.push({ input: source, message })
      if (wantDir && link?.isSymbolicLink()) {
        // Ops stores a link met in Dirs as a link, not the files behind it: a broken image.
        fail(
          `${entry} is a symbolic link: ops would put the link into the image, not the files behind it. List the real directory (${await realpath(host).catch(() => 'its target')}) or copy it here.`
        )
      } else if (!info) {
        fail(
          link
            ? `${entry} is a symbolic link to nothing.`
            : `${entry} does not exist in ${inputs.workingDirectory}.`
        )
      } else if (wantDir && !info.isDirectory()) {
        fail(`${entry} is not a directory: list files under \`files\`.`)
      } else if (!wantDir && info.isDirectory()) {
        fail(`${entry} is a directory: list directories under \`dirs\`.`)
      }
    }
  }
}

async function checkWritable(dir: string, problems: InputProblem[]): Promise<void> {
  const probe = path.join(dir, `.nanos-image-action-${process.pid}-probe`)
  try {
    await mkdir(dir, { recursive: true })
    await writeFile(probe, '')
    await rm(probe)
  } catch (error) {
    problems.push({
      input: 'output-dir',
      message: `${dir} cannot be written (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): choose a writable folder.`
    })
  }
}

async function isDir(dir: string): Promise<boolean> {
  return (await stat(dir).catch(() => undefined))?.isDirectory() ?? false
}
