/**
 * Dynamically linked programs (what `cargo build --release` and a plain `gcc` give), end to end:
 * dist/index.js as a process, the loopback mirror, the Ops double. The programs are real ones,
 * compiled with the host's gcc at test time (see harness/native.ts: without gcc these tests fail
 * and say what to install). Like ops, the double runs the program with LD_TRACE_LOADED_OBJECTS=1
 * and puts the host's libraries and dynamic loader into the image.
 */
import { beforeAll, describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { makeTempDir } from '../harness/fixtures.js'
import { readDoubleImage } from '../harness/image.js'
import {
  ANSWER_LIB,
  answerProgram,
  compileC,
  compileSharedLib,
  markerProgram,
  requireGcc,
  toolchainLibrary
} from '../harness/native.js'
import { errors, warnings } from '../harness/run-action.js'
import { errorLines, filesBelow, useMirror } from './helpers.js'

const suite = useMirror()

const sha256 = (file: string): string =>
  createHash('sha256').update(fs.readFileSync(file)).digest('hex')

beforeAll(() => requireGcc())

/** A workspace with a C program compiled at target/release/<name>. */
function workspaceWith(
  name: string,
  source: string,
  args: string[] = []
): { dir: string; rel: string } {
  const dir = makeTempDir('nia-dyn-ws-')
  const rel = `target/release/${name}`
  compileC(path.join(dir, rel), source, { args })
  return { dir, rel }
}

describe('a dynamically linked program', () => {
  it('gets its interpreter and libc from the host into the image, without its main() being run', async () => {
    const marker = path.join(makeTempDir('nia-dyn-marker-'), 'main-ran')
    const ws = workspaceWith('my_prover', markerProgram(marker))
    const r = await suite.run({ cwd: ws.dir, inputs: { binary: ws.rel } })
    expect(errorLines(r.stdout)).toEqual([])
    expect(r.code).toBe(0)
    expect(fs.existsSync(marker)).toBe(false)

    const { record } = readDoubleImage(r.outputs['image-path'])
    expect(record.program.imagePath).toBe('/my_prover')
    expect(record.program.needed).toEqual(['libc.so.6'])
    const interp = record.program.interp as string
    expect(record.interpreter).toEqual(
      expect.objectContaining({ elf: interp, imagePath: interp, sha256: sha256(interp) })
    )
    const libc = record.libraries.find(l => path.posix.basename(l.imagePath) === 'libc.so.6')
    expect(libc).toEqual(expect.objectContaining({ sha256: sha256(toolchainLibrary('libc.so.6')) }))
    expect(libc?.imagePath).toBe(libc?.hostPath)
  })

  it("fails with ops's words when a library is missing, and leaves no image behind", async () => {
    const libs = makeTempDir('nia-dyn-libs-')
    compileSharedLib(libs, 'answer', ANSWER_LIB)
    const ws = workspaceWith('my_prover', answerProgram('/nonexistent/ran'), [
      '-L',
      libs,
      '-lanswer'
    ])
    const before = filesBelow(ws.dir)
    const r = await suite.run({ cwd: ws.dir, inputs: { binary: ws.rel } })
    expect(r.timedOut).toBe(false)
    expect(r.code).toBe(1)
    expect(errorLines(r.stdout)).toHaveLength(1)
    const message = errors(r.stdout)[0]
    expect(message).toMatch(/^ops build failed \(exit code 1\):/)
    expect(message).toContain("Ops can't find the following missing libraries:")
    expect(message).toContain('failed building manifest: Library: libanswer.so => not found')
    expect(r.outputs['image-path']).toBeUndefined()
    // Nothing half-written: no image in output-dir (only the owner-only manifest), the run's
    // scratch folder is gone, the workspace is as it was.
    const out = path.join(r.runnerTemp, 'nanos-images')
    expect(fs.readdirSync(out)).toEqual(['my_prover.manifest.json'])
    expect(filesBelow(r.runnerTemp)).toEqual(['nanos-images/my_prover.manifest.json'])
    expect(filesBelow(ws.dir)).toEqual(before)
  })

  it('finds a library through LD_LIBRARY_PATH, and takes the bytes of that file', async () => {
    const libs = makeTempDir('nia-dyn-libs-')
    const lib = compileSharedLib(libs, 'answer', ANSWER_LIB)
    const ws = workspaceWith('my_prover', answerProgram('/nonexistent/ran'), [
      '-L',
      libs,
      '-lanswer'
    ])
    const r = await suite.run({
      cwd: ws.dir,
      env: { LD_LIBRARY_PATH: libs },
      inputs: { binary: ws.rel }
    })
    expect(errorLines(r.stdout)).toEqual([])
    expect(r.code).toBe(0)
    const { record } = readDoubleImage(r.outputs['image-path'])
    expect(record.program.needed).toEqual(['libanswer.so', 'libc.so.6'])
    expect(record.libraries).toContainEqual({
      imagePath: lib,
      hostPath: lib,
      size: fs.statSync(lib).size,
      sha256: sha256(lib)
    })
    // contents.json: the library from the build tree has its source and no package; libc has
    // dpkg's; one warning names the library that no package owns.
    const contents = JSON.parse(fs.readFileSync(r.outputs['contents-path'], 'utf8'))
    const file = (p: string) => contents.files.find((f: { path: string }) => f.path === p)
    expect(file(lib)).toMatchObject({ origin: 'library', source: lib, sha256: sha256(lib) })
    expect(file(lib).package).toBeUndefined()
    const libc = contents.files.find(
      (f: { path: string; origin: string }) =>
        f.origin === 'library' && f.path.endsWith('/libc.so.6')
    )
    expect(libc.package).toMatchObject({ name: 'libc6' })
    const owned = warnings(r.stdout).filter(w => /belongs? to no package/.test(w))
    expect(owned).toEqual([
      expect.stringMatching(
        new RegExp(
          `^A library in the image belongs to no package of the runner: ${lib.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\. .*cannot be rebuilt from the runner image alone`
        )
      )
    ])
    expect(r.summary).toContain('<strong>no package</strong>')
  })

  it('on a runner without dpkg: libraries listed without packages, and no warning', async () => {
    // A PATH of everything this PATH holds but dpkg.
    const bin = makeTempDir('nia-no-dpkg-')
    for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean).reverse()) {
      if (!fs.existsSync(dir)) continue
      for (const name of fs.readdirSync(dir)) {
        if (/^dpkg/.test(name)) continue
        fs.rmSync(path.join(bin, name), { force: true })
        fs.symlinkSync(path.join(dir, name), path.join(bin, name))
      }
    }
    const ws = workspaceWith('my_prover', markerProgram('/nonexistent/ran'))
    const r = await suite.run({ cwd: ws.dir, env: { PATH: bin }, inputs: { binary: ws.rel } })
    expect(errorLines(r.stdout)).toEqual([])
    const contents = JSON.parse(fs.readFileSync(r.outputs['contents-path'], 'utf8'))
    expect(contents.packageManager).toBe(false)
    const libraries = contents.files.filter((f: { origin: string }) => f.origin === 'library')
    expect(libraries.length).toBeGreaterThan(0)
    expect(libraries.every((f: { package?: unknown }) => f.package === undefined)).toBe(true)
    expect(warnings(r.stdout).filter(w => /no package/.test(w))).toEqual([])
    expect(r.summary).toContain('no dpkg on the runner')
  })
})
