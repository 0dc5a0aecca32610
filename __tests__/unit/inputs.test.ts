import { describe, expect, it } from '@jest/globals'
import { InputError } from '../../src/errors.js'
import { parseInputs, type Inputs } from '../../src/inputs.js'

const ctx = (inputs: Record<string, string>, extra: Record<string, string> = {}) => ({
  env: {
    ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
    ...extra
  },
  cwd: '/repo',
  tmpdir: '/tmp'
})
const parse = (inputs: Record<string, string>, extra?: Record<string, string>): Inputs =>
  parseInputs(ctx(inputs, extra))
const problems = (inputs: Record<string, string>): { input: string; message: string }[] => {
  try {
    parse(inputs)
  } catch (error) {
    expect(error).toBeInstanceOf(InputError)
    return [...(error as InputError).problems]
  }
  throw new Error('expected an InputError')
}

describe('parseInputs', () => {
  it('applies the documented defaults', () => {
    const i = parse({ binary: 'target/release/my_prover' }, { RUNNER_TEMP: '/runner/tmp' })
    expect(i.binary).toBe('/repo/target/release/my_prover')
    expect(i.workingDirectory).toBe('/repo')
    expect(i.program).toBeUndefined()
    expect(i.mounts).toBeUndefined()
    expect(i.readonlyRootfs).toBeUndefined()
    expect(i.profile).toBe('gevulot')
    expect(i.opsVersion).toEqual({ kind: 'exact', version: '0.1.46' })
    expect(i.nanosVersion).toEqual({ kind: 'exact', version: '0.1.54' })
    expect(i.mirror).toBe('https://storage.googleapis.com')
    expect(i.outputDir).toBe('/runner/tmp/nanos-images')
    expect(i).toMatchObject({
      upload: true,
      uploadRequired: false,
      archive: false,
      compressionLevel: 1,
      retentionDays: 0,
      overwrite: false,
      summary: true,
      checkLatest: false
    })
  })

  it('resolves paths against working-directory', () => {
    const i = parse({
      binary: 'bin/p',
      'working-directory': 'sub',
      manifest: 'm.json',
      'klib-dir': 'klibs',
      'output-dir': 'out'
    })
    expect(i.binary).toBe('/repo/sub/bin/p')
    expect(i.manifest).toBe('/repo/sub/m.json')
    expect(i.klibDir).toBe('/repo/sub/klibs')
    expect(i.outputDir).toBe('/repo/sub/out')
  })

  it('parses env with = in values, comments and blank lines', () => {
    const i = parse({
      binary: 'p',
      env: 'RUST_LOG=debug\n\n# a comment\nDSN=postgres://u:p@h/db?a=b\n  TRIM = x  '
    })
    expect(i.env).toEqual({ RUST_LOG: 'debug', DSN: 'postgres://u:p@h/db?a=b', TRIM: 'x' })
  })

  it('reports env problems without echoing the value', () => {
    const found = problems({ binary: 'p', env: 'GOOD=1\nsupersecretvalue\n1BAD=x\nGOOD=2' })
    expect(found.map(p => p.input)).toEqual(['env', 'env', 'env'])
    expect(found.map(p => p.message).join(' ')).not.toContain('supersecretvalue')
    expect(found[0].message).toMatch(/entry 2 has no "="/)
    expect(found[1].message).toMatch(/"1BAD" is not a valid variable name/)
    expect(found[2].message).toMatch(/GOOD is set twice/)
  })

  it('parses lists, mounts and klibs', () => {
    const i = parse({
      binary: 'p',
      args: '--a\n\n--b c',
      files: 'lib/x.so',
      dirs: 'nvidia\nlib',
      mounts: '%1:/workspace\n%2:/data',
      klibs: 'gpu_nvidia, ntp'
    })
    expect(i.args).toEqual(['--a', '--b c'])
    expect(i.files).toEqual(['lib/x.so'])
    expect(i.dirs).toEqual(['nvidia', 'lib'])
    expect(i.mounts).toEqual({ '%1': '/workspace', '%2': '/data' })
    expect(i.klibs).toEqual(['gpu_nvidia', 'ntp'])
  })

  it.each([
    [{ program: '' }, undefined],
    [{ program: '../x' }, 'program'],
    [{ program: 'a/b' }, 'program'],
    [{ 'image-name': '..' }, 'image-name'],
    [{ 'image-name': 'a\\b' }, 'image-name'],
    [{ mounts: 'workspace' }, 'mounts'],
    [{ mounts: '%1:relative' }, 'mounts'],
    [{ 'ops-version': '1.2' }, 'ops-version'],
    [{ 'nanos-version': 'newest' }, 'nanos-version'],
    [{ mirror: 'not a url' }, 'mirror'],
    [{ mirror: 'https://user:pw@example.com' }, 'mirror'],
    [{ 'retention-days': '91' }, 'retention-days'],
    [{ 'compression-level': '10' }, 'compression-level'],
    [{ 'compression-level': '-1' }, 'compression-level'],
    [{ upload: 'yes' }, 'upload'],
    [{ 'readonly-rootfs': 'on' }, 'readonly-rootfs'],
    [{ arch: 'riscv64' }, 'arch'],
    [{ profile: 'docker' }, 'profile'],
    [{ 'ops-sha256': 'abc' }, 'ops-sha256'],
    [{ 'base-volume-size': 'lots' }, 'base-volume-size'],
    [{ klibs: 'a b' }, 'klibs']
  ])('names the input in error %p', (inputs, input) => {
    if (input === undefined) {
      expect(() => parse({ binary: 'p', ...inputs })).not.toThrow()
      return
    }
    const found = problems({ binary: 'p', ...inputs })
    expect(found).toHaveLength(1)
    expect(found[0].input).toBe(input)
  })

  it('requires binary', () => {
    expect(problems({})[0]).toMatchObject({
      input: 'binary',
      message: expect.stringMatching(/is required/)
    })
  })

  it('collects every problem into one error', () => {
    try {
      parse({ binary: 'p', upload: 'maybe', mirror: 'x', 'nanos-version': 'v' })
      throw new Error('no error')
    } catch (error) {
      expect((error as Error).message).toMatch(/^3 inputs need fixing:/)
      expect((error as Error).message).toMatch(/`upload`/)
    }
  })

  it('accepts boolean spellings of getBooleanInput only', () => {
    expect(parse({ binary: 'p', overwrite: 'TRUE' }).overwrite).toBe(true)
    expect(parse({ binary: 'p', overwrite: 'False' }).overwrite).toBe(false)
    expect(parse({ binary: 'p', upload: 'true' }).uploadRequired).toBe(true)
    expect(parse({ binary: 'p', upload: 'false' }).uploadRequired).toBe(false)
  })

  it('normalises versions, arch aliases and the mirror', () => {
    const i = parse({
      binary: 'p',
      'ops-version': 'v0.1.45',
      'nanos-version': 'LATEST',
      arch: 'x86_64',
      mirror: 'http://127.0.0.1:8080/gcs/'
    })
    expect(i.opsVersion).toEqual({ kind: 'exact', version: '0.1.45' })
    expect(i.nanosVersion).toEqual({ kind: 'latest' })
    expect(i.arch).toBe('amd64')
    expect(i.mirror).toBe('http://127.0.0.1:8080/gcs')
  })
})
