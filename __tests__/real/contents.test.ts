/**
 * The real tier's proof of issue 17 on real images: what contents.json lists is what the real
 * `ops image cp` copies out of the same image, file for file and hash for hash; the content
 * digest survives a rebuild and changes with what the image holds; expect-content-digest gates
 * the upload; the SBOM validates with the CycloneDX library's own validator and names Debian's
 * packages for a dynamic program.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals'
import { Spec, Validation } from '@cyclonedx/cyclonedx-library'
import { PackageURL } from 'packageurl-js'
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { startArtifactService, type ArtifactService } from '../harness/artifact-service.js'
import { makeTempDir, REFUSED_PROXY_ENV, writeFile } from '../harness/fixtures.js'
import { errors, type RunActionResult } from '../harness/run-action.js'
import type { ImageContents } from '../../src/image/contents.js'
import { describeReal, tools, useRealMirror } from './helpers.js'
import { place, program } from './programs.js'

const suite = useRealMirror()
let service: ArtifactService
beforeAll(async () => {
  if (tools) service = await startArtifactService()
})
afterAll(async () => {
  await service?.close()
})

interface Build {
  binary?: string
  inputs?: Record<string, string | undefined>
  env?: Record<string, string | undefined>
  setup?: (ws: string) => void
}

/** One build of the probe (static unless told), with a file, a folder and a klib. */
async function build(b: Build = {}): Promise<RunActionResult & { contents: ImageContents }> {
  const ws = makeTempDir('nia-real-contents-')
  place(b.binary ?? program('probe'), ws, 'probe')
  writeFile(path.join(ws, 'config/settings.toml'), 'level = 3\n')
  writeFile(path.join(ws, 'assets/a.txt'), 'asset a\n')
  writeFile(path.join(ws, 'assets/deep/b.bin'), Buffer.from([0, 1, 2, 3]))
  b.setup?.(ws)
  const r = await suite.run({
    cwd: ws,
    inputs: {
      binary: 'probe',
      'nanos-version': '0.1.54',
      files: 'config/settings.toml',
      dirs: 'assets',
      klibs: 'strace',
      env: 'GREETING=hello-contents',
      args: 'prove',
      ...b.inputs
    },
    env: b.env
  })
  if (r.code !== 0) throw new Error(`the build failed:\n${errors(r.stdout).join('\n')}`)
  const contents = JSON.parse(fs.readFileSync(r.outputs['contents-path'], 'utf8')) as ImageContents
  return { ...r, contents }
}

/** What the real `ops image cp -r` copies out of the image: path → sha256 (or -> target). */
function opsCopy(image: string, bootfs: boolean): Map<string, string> {
  const home = makeTempDir('nia-real-opscp-')
  const ops = path.join(tools?.mirror ?? '', 'cli/linux/release', tools?.opsVersion ?? '', 'ops')
  fs.mkdirSync(path.join(home, '.ops', 'images'), { recursive: true })
  fs.writeFileSync(path.join(home, '.ops', 'latest.txt'), '0.1.54\n')
  fs.copyFileSync(image, path.join(home, '.ops', 'images', 'copied'))
  const dest = path.join(home, 'out')
  fs.mkdirSync(dest)
  execFileSync(ops, ['image', 'cp', 'copied', '/', dest, '-r', ...(bootfs ? ['--bootfs'] : [])], {
    env: { ...process.env, ...REFUSED_PROXY_ENV, OPS_HOME: home },
    stdio: 'ignore'
  })
  const found = new Map<string, string>()
  for (const rel of fs.readdirSync(dest, { recursive: true }) as string[]) {
    const file = path.join(dest, rel)
    const info = fs.lstatSync(file)
    if (info.isSymbolicLink()) found.set(`/${rel}`, `-> ${fs.readlinkSync(file)}`)
    else if (info.isFile())
      found.set(`/${rel}`, createHash('sha256').update(fs.readFileSync(file)).digest('hex'))
  }
  return found
}

const listed = (c: ImageContents, filesystem: 'root' | 'boot'): Map<string, string> =>
  new Map([
    ...c.files
      .filter(f => f.filesystem === filesystem)
      .map(f => [f.path, f.sha256] as [string, string]),
    ...c.links
      .filter(l => l.filesystem === filesystem)
      .map(l => [l.path, `-> ${l.target}`] as [string, string])
  ])

/** dpkg's own answer for a package: name, version, architecture. */
function dpkgPackage(name: string): { name: string; version: string; arch: string } {
  const [pkg, version, arch] = execFileSync(
    'dpkg-query',
    ['-W', '-f=${Package}\t${Version}\t${Architecture}', name],
    { encoding: 'utf8' }
  ).split('\t')
  return { name: pkg, version, arch }
}

describeReal('inside a real image', () => {
  it.concurrent(
    'contents.json lists what the real ops image cp copies out, file for file and hash for hash, with origins and packages',
    async () => {
      const zstd = program('probe', 'amd64', 'dynamic', ['libzstd.so.1'])
      const r = await build({
        binary: zstd,
        inputs: { klibs: 'strace\nntp' },
        setup: ws => fs.symlinkSync('a.txt', path.join(ws, 'assets', 'link-to-a'))
      })
      const c = r.contents
      expect(listed(c, 'root')).toEqual(opsCopy(r.outputs['image-path'], false))
      expect(listed(c, 'boot')).toEqual(opsCopy(r.outputs['image-path'], true))

      const origin = (p: string): string | undefined => c.files.find(f => f.path === p)?.origin
      expect(origin('/probe')).toBe('program')
      expect(origin('/config/settings.toml')).toBe('files')
      expect(origin('/assets/deep/b.bin')).toBe('dirs')
      expect(c.links).toContainEqual(
        expect.objectContaining({ path: '/assets/link-to-a', target: 'a.txt', origin: 'dirs' })
      )
      for (const p of ['/etc/passwd', '/etc/resolv.conf', '/proc/sys/kernel/hostname'])
        expect(origin(p)).toBe('ops')
      expect(origin('/kernel')).toBe('kernel')
      expect(origin('/klib/strace')).toBe('klib')
      expect(c.klibs.sort()).toEqual(['ntp', 'strace'])

      // The runner's libraries, with the file they came from and dpkg's package: libzstd.so.1
      // is known to dpkg only under /usr (the merged-/usr trap), the loader only as it is.
      const lib = (p: string) => c.files.find(f => f.path === p)
      expect(lib('/lib/x86_64-linux-gnu/libzstd.so.1')).toMatchObject({
        origin: 'library',
        source: '/lib/x86_64-linux-gnu/libzstd.so.1',
        package: dpkgPackage('libzstd1')
      })
      expect(lib('/lib/x86_64-linux-gnu/libc.so.6')).toMatchObject({
        origin: 'library',
        package: dpkgPackage('libc6')
      })
      expect(lib('/lib64/ld-linux-x86-64.so.2')).toMatchObject({
        origin: 'library',
        source: '/lib64/ld-linux-x86-64.so.2',
        package: dpkgPackage('libc6')
      })
      expect(c).toMatchObject({
        program: '/probe',
        args: ['probe', 'prove'],
        mounts: { '%0': '/workspace' },
        nanosVersion: '0.1.54',
        opsVersion: tools?.opsVersion,
        packageManager: true
      })
      expect(c.envKeys).toContain('GREETING')
      // Environment values never appear: not in contents.json, not in the SBOM.
      expect(fs.readFileSync(r.outputs['contents-path'], 'utf8')).not.toContain('hello-contents')
      expect(fs.readFileSync(r.outputs['sbom-path'], 'utf8')).not.toContain('hello-contents')
      // Every library has a package: no warning about one that cannot be rebuilt.
      expect(r.stdout).not.toMatch(/belongs? to no package/)
    }
  )

  it.concurrent(
    'two builds of the same inputs: the same content-digest, different image-sha256',
    async () => {
      const [a, b] = await Promise.all([build(), build()])
      expect(a.outputs['content-digest']).toMatch(/^sha256:[0-9a-f]{64}$/)
      expect(b.outputs['content-digest']).toBe(a.outputs['content-digest'])
      expect(b.outputs['image-sha256']).not.toBe(a.outputs['image-sha256'])
    }
  )

  it.concurrent(
    'the digest changes with a byte of the program, an env value, an arg, a file, a klib, the kernel',
    async () => {
      const changedBinary = path.join(makeTempDir('nia-real-bin-'), 'probe')
      fs.copyFileSync(program('probe'), changedBinary)
      fs.appendFileSync(changedBinary, Buffer.from([0]))
      const builds = await Promise.all([
        build(),
        build({ binary: changedBinary }),
        build({ inputs: { env: 'GREETING=hello-contents!' } }),
        build({ inputs: { args: 'prove\n--fast' } }),
        build({ setup: ws => writeFile(path.join(ws, 'assets/a.txt'), 'asset A\n') }),
        build({ inputs: { klibs: 'strace\nntp' } }),
        build({ inputs: { 'nanos-version': '0.1.55' } })
      ])
      const digests = builds.map(b => b.outputs['content-digest'])
      expect(new Set(digests).size).toBe(digests.length)
    }
  )

  it.concurrent(
    'expect-content-digest: the same digest passes and uploads; another fails before the upload, naming both',
    async () => {
      const first = await build()
      const digest = first.outputs['content-digest']
      const other = `sha256:${'0'.repeat(64)}`
      const [same, differs] = await Promise.all([
        build({
          inputs: {
            'expect-content-digest': digest.replace('sha256:', '').toUpperCase(),
            upload: 'true',
            'artifact-name': 'contents-same'
          },
          env: service.env
        }),
        build({
          inputs: {
            'expect-content-digest': other,
            upload: 'true',
            'artifact-name': 'contents-differs'
          },
          env: service.env
        }).catch((e: Error) => e)
      ])
      expect(same.outputs['artifact-id']).toBeDefined()
      expect(service.find('contents-same')).toBeDefined()
      expect(differs).toBeInstanceOf(Error)
      expect((differs as Error).message).toContain(`content digest is ${digest}`)
      expect((differs as Error).message).toContain(`\`expect-content-digest\` is ${other}`)
      expect((differs as Error).message).toContain('The image was not uploaded.')
      expect(service.find('contents-differs')).toBeUndefined()
    }
  )

  it.concurrent(
    'the SBOM is valid CycloneDX 1.6 and names Debian packages for a dynamic program',
    async () => {
      const r = await build({ binary: program('probe', 'amd64', 'dynamic') })
      const text = fs.readFileSync(r.outputs['sbom-path'], 'utf8')
      const validator = new Validation.JsonStrictValidator(Spec.Version.v1dot6)
      expect(await validator.validate(text)).toBeNull()
      const sbom = JSON.parse(text)
      expect(sbom.specVersion).toBe('1.6')
      const release = fs.readFileSync('/etc/os-release', 'utf8')
      const id = /^ID=(.*)$/m.exec(release)?.[1].replace(/"/g, '')
      const version = /^VERSION_ID=(.*)$/m.exec(release)?.[1].replace(/"/g, '')
      const libc = dpkgPackage('libc6')
      const pkg = sbom.components.find((c: { name: string }) => c.name === 'libc6')
      expect(pkg).toMatchObject({ type: 'library', version: libc.version })
      // The purl, read back by the purl project's own parser.
      expect(PackageURL.fromString(pkg.purl)).toMatchObject({
        type: 'deb',
        namespace: id,
        name: 'libc6',
        version: libc.version,
        qualifiers: { arch: libc.arch, distro: `${id}-${version}` }
      })
      expect(pkg.components.map((c: { name: string }) => c.name)).toContain(
        '/lib/x86_64-linux-gnu/libc.so.6'
      )
      const nanos = sbom.components.find((c: { name: string }) => c.name === 'nanos')
      expect(nanos).toMatchObject({
        type: 'operating-system',
        version: '0.1.54',
        purl: 'pkg:github/nanovms/nanos@0.1.54'
      })
      expect(sbom.metadata.tools.components).toContainEqual(
        expect.objectContaining({ name: 'ops', version: tools?.opsVersion })
      )
      expect(sbom.metadata.component.hashes).toContainEqual({
        alg: 'BLAKE3',
        content: r.outputs['image-blake3']
      })
    }
  )
})
