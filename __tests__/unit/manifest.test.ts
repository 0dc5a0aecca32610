import { describe, expect, it } from '@jest/globals'
import type { InputProblem } from '../../src/errors.js'
import { parseInputs, type Inputs } from '../../src/inputs.js'
import { composeManifest, type BaseManifest } from '../../src/image/manifest.js'
import { validateManifest } from '../../src/image/ops-schema.js'

const inputs = (values: Record<string, string> = {}): Inputs =>
  parseInputs({
    env: Object.fromEntries(
      Object.entries({ binary: 'target/release/my_prover', ...values }).map(([k, v]) => [
        `INPUT_${k.toUpperCase()}`,
        v
      ])
    ),
    cwd: '/repo',
    tmpdir: '/tmp'
  })

function compose(
  values: Record<string, string> = {},
  base?: BaseManifest,
  arch: 'amd64' | 'arm64' = 'amd64'
) {
  const problems: InputProblem[] = []
  const result = composeManifest(inputs(values), base, arch, problems)
  return { ...result, problems }
}

describe('composeManifest', () => {
  it('writes the mandatory Gevulot elements by default', () => {
    const { manifest, program, imageName, problems } = compose()
    expect(problems).toEqual([])
    expect(program).toBe('my_prover')
    expect(imageName).toBe('my_prover')
    expect(manifest).toEqual({
      Program: 'my_prover',
      Mounts: { '%1': '/workspace' },
      ManifestPassthrough: { readonly_rootfs: 'true' },
      Env: {}
    })
  })

  it('maps every input to its manifest key', () => {
    const { manifest, imageName } = compose({
      program: 'prover',
      'image-name': 'prover.img',
      env: 'RUST_LOG=debug',
      args: '--fast',
      files: 'lib/a.so',
      dirs: 'nvidia',
      klibs: 'gpu_nvidia',
      'klib-dir': 'klibs',
      'base-volume-size': '1g'
    })
    expect(imageName).toBe('prover.img')
    expect(manifest).toMatchObject({
      Program: 'prover',
      Env: { RUST_LOG: 'debug' },
      Args: ['--fast'],
      Files: ['lib/a.so'],
      Dirs: ['nvidia'],
      Klibs: ['gpu_nvidia'],
      KlibDir: '/repo/klibs',
      BaseVolumeSz: '1g'
    })
  })

  it('leaves readonly_rootfs out entirely for a writable root', () => {
    const { manifest, problems } = compose({ profile: 'nanos', 'readonly-rootfs': 'false' })
    expect(problems).toEqual([])
    expect(manifest.ManifestPassthrough).toBeUndefined()
  })

  it('layers set inputs over a base manifest: maps merge, lists replace', () => {
    const base: BaseManifest = {
      path: '/repo/conf/my_prover.json',
      manifest: {
        Program: 'my_prover',
        Env: { RUST_BACKTRACE: '1', RUST_LOG: 'info' },
        Args: ['--old'],
        Mounts: { '%1': '/workspace' },
        ManifestPassthrough: { readonly_rootfs: 'true', other: 'x' },
        MapDirs: { 'data/*': '/data' }
      }
    }
    const { manifest, program, problems } = compose({ env: 'RUST_LOG=debug', args: '--new' }, base)
    expect(problems).toEqual([])
    expect(program).toBe('my_prover')
    expect(manifest.Env).toEqual({ RUST_BACKTRACE: '1', RUST_LOG: 'debug' })
    expect(manifest.Args).toEqual(['--new'])
    expect(manifest.ManifestPassthrough).toEqual({ readonly_rootfs: 'true', other: 'x' })
    expect(manifest.MapDirs).toEqual({ '/repo/conf/data/*': '/data' })
    expect(base.manifest.Args).toEqual(['--old'])
  })

  it('takes the program name from the base manifest, and rejects a path there', () => {
    expect(compose({}, { path: '/m.json', manifest: { Program: './prover' } }).program).toBe(
      'prover'
    )
    const { problems } = compose(
      {},
      { path: '/m.json', manifest: { Program: 'target/release/prover' } }
    )
    expect(problems).toEqual([
      { input: 'manifest', message: expect.stringMatching(/is a path.*"prover"/) }
    ])
  })

  it('warns about keys ops ignores under --nanos-version', () => {
    const { manifest, warnings } = compose(
      {},
      { path: '/m.json', manifest: { NanosVersion: '0.1.40', Kernel: 'k.img' } }
    )
    expect(manifest.NanosVersion).toBeUndefined()
    expect(manifest.Kernel).toBeUndefined()
    expect(warnings).toHaveLength(2)
  })

  it('enforces the Gevulot profile with errors that say why', () => {
    expect(compose({ 'readonly-rootfs': 'false' }).problems).toEqual([
      {
        input: 'readonly-rootfs',
        message: expect.stringMatching(/Gevulot requires it.*profile: nanos/)
      }
    ])
    expect(compose({ mounts: '%1:/data' }).problems).toEqual([
      { input: 'mounts', message: expect.stringMatching(/%1:\/workspace/) }
    ])
    expect(compose({}, undefined, 'arm64').problems).toEqual([
      { input: 'binary', message: expect.stringMatching(/x86_64 programs only/) }
    ])
    expect(compose({ arch: 'arm64' }, undefined, 'arm64').problems[0].input).toBe('arch')
    const base: BaseManifest = {
      path: '/m.json',
      manifest: { ManifestPassthrough: { readonly_rootfs: 'false' } }
    }
    expect(compose({}, base).problems).toEqual([
      { input: 'manifest', message: expect.stringMatching(/must be the string "true"/) }
    ])
    expect(
      compose(
        { profile: 'nanos', 'readonly-rootfs': 'false', mounts: '%1:/data' },
        undefined,
        'arm64'
      ).problems
    ).toEqual([])
  })
})

describe('paths that leave the working directory', () => {
  it('names the input the entry came from', () => {
    expect(compose({ files: '../etc/passwd' }).problems).toEqual([
      {
        input: 'files',
        message: expect.stringMatching(/"\.\.\/etc\/passwd" leaves the working directory/)
      }
    ])
    expect(compose({ dirs: 'a/../../b' }).problems.map(p => p.input)).toEqual(['dirs'])
    const base: BaseManifest = { path: '/m.json', manifest: { Dirs: ['../lib'] } }
    expect(compose({}, base).problems).toEqual([
      { input: 'manifest', message: expect.stringMatching(/"Dirs" entry "\.\.\/lib" leaves/) }
    ])
  })

  it('normalises . and .. that stay inside (ops would keep them as folders Nanos cannot reach)', () => {
    const { manifest, problems } = compose({
      files: './config/a.toml\nsub/../sub/b.bin\n/etc/x',
      dirs: 'assets/./fonts/\n/usr/share/zoneinfo'
    })
    expect(problems).toEqual([])
    expect(manifest.Files).toEqual(['config/a.toml', 'sub/b.bin', '/etc/x'])
    expect(manifest.Dirs).toEqual(['assets/fonts', '/usr/share/zoneinfo'])
    expect(compose({ dirs: '.' }).problems).toEqual([
      { input: 'dirs', message: expect.stringMatching(/"\." names the whole folder/) }
    ])
  })
})

describe('validateManifest', () => {
  const check = (value: unknown) => {
    const problems: InputProblem[] = []
    const manifest = validateManifest(value, 'manifest', problems)
    return { manifest, messages: problems.map(p => p.message) }
  }

  it('canonicalises key case as ops matches keys', () => {
    expect(
      check({ program: 'p', env: { A: 'b' }, manifestpassthrough: { readonly_rootfs: 'true' } })
        .manifest
    ).toEqual({
      Program: 'p',
      Env: { A: 'b' },
      ManifestPassthrough: { readonly_rootfs: 'true' }
    })
  })

  it.each([
    [[], /must be a JSON object/],
    [
      { Runtime: 'x' },
      /"Runtime" is not an ops configuration key \(ops documents it but rejects it\)/
    ],
    [{ Progam: 'x' }, /"Progam" is not an ops configuration key/],
    [{ Program: 'a', program: 'b' }, /appear twice/],
    [
      { ManifestPassthrough: { readonly_rootfs: true } },
      /ManifestPassthrough.readonly_rootfs" holds a boolean true/
    ],
    [{ ManifestPassthrough: { x: ['a', 1] } }, /ManifestPassthrough.x" holds a number 1/],
    [{ Env: { PORT: 8080 } }, /"Env.PORT" must be a string, not a number/],
    [{ Args: 'a b' }, /"Args" must be an array of strings/],
    [{ RebootOnExit: 'true' }, /"RebootOnExit" must be true or false, not a string/],
    [{ RunConfig: 'x' }, /"RunConfig" must be an object/]
  ])('rejects %p', (value, message) => {
    expect(check(value).messages).toEqual([expect.stringMatching(message)])
  })
})
