/**
 * The plan's checks that need the disk but no network: the binary's ELF header, the base
 * manifest, the files and folders to include, the output folder. Each pushes its problems,
 * named after the input to fix.
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
import type { InputProblem } from './errors.js'
import type { ImagePlan } from './image/build.js'
import { elfArch, elfLinkage, ELF_HEADER_BYTES } from './image/elf.js'
import { hostPathOf, refusedEntry, type BaseManifest, type Manifest } from './image/manifest.js'
import { validateManifest } from './image/ops-schema.js'
import type { Inputs } from './inputs.js'
import type { Arch, Host } from './install/platform.js'

/**
 * The binary's architecture, from its ELF header, after the checks that need its headers: it is
 * a program (not a shared library), and a dynamically linked one can be run on this runner, as
 * ops must run it to find its libraries.
 */
export async function binaryArch(
  inputs: Inputs,
  host: Host,
  problems: InputProblem[]
): Promise<Arch | undefined> {
  const fail = (message: string): undefined =>
    void problems.push({ input: 'binary', message: `${inputs.binary} ${message}` })
  const info = await stat(inputs.binary).catch(() => undefined)
  if (!info)
    return fail(
      'does not exist: build the program before this step, and check `working-directory`.'
    )
  if (!info.isFile())
    return fail(
      info.isDirectory()
        ? 'is a directory: give the compiled program file inside it.'
        : 'is not a regular file.'
    )
  const handle = await open(inputs.binary, 'r')
  const read = async (offset: number, length: number): Promise<Buffer> => {
    const buffer = Buffer.alloc(Math.max(0, length))
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset)
    return buffer.subarray(0, bytesRead)
  }
  let result: ReturnType<typeof elfArch>
  let linkage: Awaited<ReturnType<typeof elfLinkage>> | undefined
  try {
    result = elfArch(await read(0, ELF_HEADER_BYTES))
    if (!('problem' in result)) linkage = await elfLinkage(read)
  } finally {
    await handle.close()
  }
  if ('problem' in result) return fail(result.problem)
  if (linkage?.sharedLibrary)
    return fail(
      'is a shared library (an ELF of type ET_DYN with no interpreter and no PIE flag), not a program: ops would build an image that cannot run it. Give the executable that uses the library, or link it as a static PIE (-static-pie) if it is meant to run on its own.'
    )
  if (
    linkage &&
    linkage.needed > 0 &&
    result.arch !== host.arch &&
    !(await runsHere(result.arch, linkage.interpreter))
  ) {
    fail(
      `is a dynamically linked ${result.arch} program, and this runner is ${host.arch}: ops finds a dynamic program's libraries by running it on the build runner (LD_TRACE_LOADED_OBJECTS), which cannot run a program of another architecture. Link it statically (e.g. gcc -static, or a musl target), or build the image on a runner of the program's architecture (${result.arch === 'arm64' ? 'runs-on: ubuntu-24.04-arm' : 'runs-on: ubuntu-latest'}).`
    )
  }
  if (inputs.arch && inputs.arch !== result.arch) {
    problems.push({
      input: 'arch',
      message: `is ${inputs.arch}, but ${inputs.binary} is an ${result.arch} program: remove \`arch\` (it is read from the binary) or build for ${inputs.arch}.`
    })
  }
  return result.arch
}

/**
 * Whether this runner can run a program of another architecture anyway: binfmt_misc hands its
 * machine to an emulator, and its dynamic loader is installed (multiarch).
 */
async function runsHere(arch: Arch, interpreter: string | undefined): Promise<boolean> {
  const handler = arch === 'arm64' ? 'qemu-aarch64' : 'qemu-x86_64'
  const entry = await readFile(`/proc/sys/fs/binfmt_misc/${handler}`, 'utf8').catch(() => '')
  return (
    /^enabled/m.test(entry) &&
    interpreter !== undefined &&
    (await stat(interpreter).catch(() => undefined)) !== undefined
  )
}

export async function readBase(
  file: string,
  problems: InputProblem[]
): Promise<BaseManifest | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined)
  if (text === undefined) {
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
  const found: InputProblem[] = []
  const manifest = validateManifest(json, 'manifest', found)
  for (const problem of found)
    problems.push({ ...problem, message: `${path.basename(file)}: ${problem.message}` })
  return { path: file, manifest }
}

/** Files and Dirs must be there where ops reads them (hostPathOf): a missing one would fail ops late. */
export async function checkIncluded(
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
      if (refusedEntry(entry)) continue // composeManifest reported it
      const host = hostPathOf(key, entry, inputs.workingDirectory)
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
            : `${entry} does not exist${host === entry ? ' on the runner (a Dirs entry that starts with / is read from there)' : ` in ${inputs.workingDirectory}`}.`
        )
      } else if (wantDir && !info.isDirectory()) {
        fail(`${entry} is not a directory: list files under \`files\`.`)
      } else if (!wantDir && info.isDirectory()) {
        fail(`${entry} is a directory: list directories under \`dirs\`.`)
      }
    }
  }
}

/** The image and its manifest must not land on one of the user's input files. */
export function checkNotOverwritten(
  inputs: Inputs,
  image: ImagePlan,
  problems: InputProblem[]
): void {
  const inputFiles = [
    inputs.binary,
    inputs.manifest,
    ...((image.manifest.Files as string[] | undefined) ?? []).map(f =>
      hostPathOf('Files', f, inputs.workingDirectory)
    )
  ]
  const written = [image.path, image.manifestPath]
  if (inputFiles.some(file => file !== undefined && written.includes(path.resolve(file)))) {
    problems.push({
      input: inputs.imageName ? 'image-name' : 'output-dir',
      message: `the image (or its manifest) would be written to ${image.path}, over one of your input files: choose another \`output-dir\` or \`image-name\`.`
    })
  }
}

export async function checkWritable(dir: string, problems: InputProblem[]): Promise<void> {
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

export async function isDir(dir: string): Promise<boolean> {
  return (await stat(dir).catch(() => undefined))?.isDirectory() ?? false
}

export async function isExecutable(file: string): Promise<boolean> {
  return access(file, constants.X_OK).then(
    () => true,
    () => false
  )
}
