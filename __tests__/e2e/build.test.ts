/**
 * The core action end to end: dist/index.js as a process, the loopback mirror, the Ops double.
 */
import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as net from 'node:net'
import * as path from 'node:path'
import { createHash } from 'node:crypto'
import { makeTempDir, makeWorkspace, writeFile, installOpsDouble } from '../harness/fixtures.js'
import { readDoubleImage } from '../harness/image.js'
import {
  startMirror,
  opsBinaryPath,
  opsMd5Path,
  nanosReleasePath,
  NANOS_LATEST_PATH,
  COMMON_PATH
} from '../harness/mirror.js'
import { warnings } from '../harness/run-action.js'
import { cachedEntries, errorLines, hashesOf, useMirror } from './helpers.js'

const suite = useMirror({
  opsVersions: ['0.1.45', '0.1.46', '0.1.47'],
  nanosVersions: ['0.1.53', '0.1.54']
})

describe('a cold run, then a warm one', () => {
  it('downloads, verifies, caches, builds, reports; the second run makes no request', async () => {
    const ws = makeWorkspace()
    const toolCache = makeTempDir('nia-tc-')
    const cold = await suite.run({
      cwd: ws.dir,
      toolCache,
      inputs: { binary: ws.relBinary, env: 'RUST_LOG=debug\nDSN=a=b' }
    })
    expect(cold.code).toBe(0)
    expect(errorLines(cold.stdout)).toEqual([])

    // Exactly the four downloads: Ops + its md5, the kernel, the common files; no latest.txt,
    // as nanos-version defaults to a pinned release.
    expect(
      suite.mirror
        .requests()
        .map(r => r.path)
        .sort()
    ).toEqual(
      [
        COMMON_PATH,
        opsBinaryPath('0.1.46'),
        opsMd5Path('0.1.46'),
        nanosReleasePath('0.1.54')
      ].sort()
    )

    const out = cold.outputs
    expect(out['image-path']).toBe(path.join(cold.runnerTemp, 'nanos-images', 'my_prover'))
    expect(out['image-name']).toBe('my_prover')
    expect(out['ops-version']).toBe('0.1.46')
    expect(out['nanos-version']).toBe('0.1.54')
    expect(out['cache-hit']).toBe('false')
    const hashes = hashesOf(out['image-path'])
    expect(out['image-sha256']).toBe(hashes.sha256)
    expect(out['image-blake3']).toBe(hashes.blake3)
    expect(out['image-blake3']).toMatch(/^[0-9a-f]{64}$/)
    expect(Number(out['image-size'])).toBe(fs.statSync(out['image-path']).size)

    // The manifest actually used, owner-only because it holds env.
    const manifestPath = out['manifest-path']
    expect(fs.statSync(manifestPath).mode & 0o777).toBe(0o600)
    expect(JSON.parse(fs.readFileSync(manifestPath, 'utf8'))).toEqual({
      Program: 'my_prover',
      Env: { RUST_LOG: 'debug', DSN: 'a=b' },
      Mounts: { '%1': '/workspace' },
      ManifestPassthrough: { readonly_rootfs: 'true' }
    })

    // What ops built from: the program's bytes at /my_prover, the pinned kernel, our manifest.
    const { record } = readDoubleImage(out['image-path'])
    expect(record.program.imagePath).toBe('/my_prover')
    expect(record.program.sha256).toBe(createHash('sha256').update(ws.bytes).digest('hex'))
    expect(record.nanosVersion).toBe('0.1.54')
    expect(record.argv).toEqual(
      expect.arrayContaining(['--nanos-version', '0.1.54', '--arch', 'amd64'])
    )
    expect(record.argv).not.toContain('update')
    expect(record.opsHome.startsWith(cold.runnerTemp)).toBe(true)
    expect(record.env).toMatchObject({ RUST_LOG: 'debug', DSN: 'a=b' })
    expect(record.passthrough).toEqual({ readonly_rootfs: 'true' })
    expect(record.mounts.given).toEqual({ '%1': '/workspace' })
    expect(record.common.length).toBeGreaterThan(0)

    expect(cachedEntries(toolCache)).toEqual(['nanos/0.1.54/amd64', 'ops/0.1.46/amd64'])

    suite.mirror.resetRequests()
    const warm = await suite.run({ cwd: ws.dir, toolCache, inputs: { binary: ws.relBinary } })
    expect(warm.code).toBe(0)
    expect(suite.mirror.requests()).toEqual([])
    expect(warm.outputs['cache-hit']).toBe('true')
    expect(warm.outputs['nanos-version']).toBe('0.1.54')
    expect(fs.existsSync(warm.outputs['image-path'])).toBe(true)
  })

  it('reuses a recent resolution of latest, never a pinned release, and check-latest looks again', async () => {
    const ws = makeWorkspace()
    const toolCache = makeTempDir('nia-tc-')
    const run = (inputs: Record<string, string> = {}) =>
      suite.run({
        cwd: ws.dir,
        toolCache,
        inputs: { binary: ws.relBinary, 'nanos-version': 'latest', ...inputs }
      })
    expect((await run({ 'nanos-version': '0.1.53' })).outputs['nanos-version']).toBe('0.1.53')

    // A pinned 0.1.53 in the cache does not stand in for latest: latest is looked up.
    suite.mirror.resetRequests()
    expect((await run()).outputs['nanos-version']).toBe('0.1.54')
    expect(suite.mirror.count(NANOS_LATEST_PATH)).toBe(1)

    // Resolved a moment ago and cached: reused without a single request.
    suite.mirror.resetRequests()
    const warm = await run()
    expect(warm.outputs['nanos-version']).toBe('0.1.54')
    expect(warm.outputs['cache-hit']).toBe('true')
    expect(suite.mirror.count()).toBe(0)

    // check-latest asks again.
    suite.mirror.resetRequests()
    expect((await run({ 'check-latest': 'true' })).outputs['nanos-version']).toBe('0.1.54')
    expect(suite.mirror.count(NANOS_LATEST_PATH)).toBe(1)
  })
})

describe('what goes into the image', () => {
  it('puts the program at /<program> whatever the binary path, and names the image exactly', async () => {
    const ws = makeWorkspace({ relBinary: 'target/x86_64-unknown-linux-gnu/release/my_prover' })
    const r = await suite.run({
      cwd: ws.dir,
      inputs: { binary: ws.relBinary, program: 'prover', 'image-name': 'prover.v1.2.img' }
    })
    expect(r.code).toBe(0)
    expect(path.basename(r.outputs['image-path'])).toBe('prover.v1.2.img')
    const { record } = readDoubleImage(r.outputs['image-path'])
    expect(record.program.imagePath).toBe('/prover')
    expect(record.program.size).toBe(ws.bytes.length)
    expect(record.manifest.Program).toBe('prover')
  })

  it('reads files and dirs relative to working-directory, at the same paths in the image', async () => {
    const ws = makeWorkspace({ relBinary: 'app/bin/prover' })
    const app = path.join(ws.dir, 'app')
    writeFile(path.join(app, 'lib/x86_64-linux-gnu/libdl.so.2'), 'libdl')
    writeFile(path.join(app, 'nvidia/firmware/gsp.bin'), 'firmware')
    writeFile(path.join(app, 'nvidia/libcuda.so'), 'cuda')
    const r = await suite.run({
      cwd: ws.dir,
      inputs: {
        'working-directory': 'app',
        binary: 'bin/prover',
        files: '/lib/x86_64-linux-gnu/libdl.so.2',
        dirs: 'nvidia',
        args: '--gpu\n--threads 4'
      }
    })
    expect(r.code).toBe(0)
    const { record } = readDoubleImage(r.outputs['image-path'])
    expect(record.files.map(f => f.imagePath)).toEqual(['/lib/x86_64-linux-gnu/libdl.so.2'])
    expect(record.files[0].sha256).toBe(createHash('sha256').update('libdl').digest('hex'))
    const dirFiles = record.dirs.filter(d => d.type === 'file').map(d => d.imagePath)
    expect(dirFiles.sort()).toEqual(['/nvidia/firmware/gsp.bin', '/nvidia/libcuda.so'])
    expect(record.manifest.Args).toEqual(['--gpu', '--threads 4'])
    // The user's working directory is left as it was.
    expect(fs.readdirSync(app).sort()).toEqual(['bin', 'lib', 'nvidia'])
  })

  it('keeps a symlink met in dirs as a link, as ops does, and warns about it; ops leaves out a dangling one', async () => {
    const ws = makeWorkspace()
    writeFile(path.join(ws.dir, 'data/real.txt'), 'x')
    fs.symlinkSync('real.txt', path.join(ws.dir, 'data/link.txt'))
    fs.symlinkSync('/nowhere/libgone.so', path.join(ws.dir, 'data/dangling.so'))
    const r = await suite.run({ cwd: ws.dir, inputs: { binary: ws.relBinary, dirs: 'data' } })
    expect(r.code).toBe(0)
    const { record } = readDoubleImage(r.outputs['image-path'])
    expect(record.dirs.find(d => d.imagePath === '/data/link.txt')).toMatchObject({
      type: 'symlink',
      target: 'real.txt'
    })
    // ops 0.1.46 stats a link met in Dirs and leaves it out when its target is missing
    // ("warning: stat data/dangling.so: no such file or directory")
    expect(record.dirs.find(d => d.imagePath === '/data/dangling.so')).toBeUndefined()
    expect(warnings(r.stdout).join('\n')).toMatch(/data\/link.txt is a symbolic link/)
  })

  it('layers inputs over a base manifest', async () => {
    const ws = makeWorkspace()
    writeFile(
      path.join(ws.dir, 'my_prover.json'),
      JSON.stringify({
        program: 'my_prover',
        Env: { RUST_BACKTRACE: '1', RUST_LOG: 'info' },
        ManifestPassthrough: { readonly_rootfs: 'true' },
        Mounts: { '%1': '/workspace' },
        RebootOnExit: true
      })
    )
    const r = await suite.run({
      cwd: ws.dir,
      inputs: { binary: ws.relBinary, manifest: 'my_prover.json', env: 'RUST_LOG=debug' }
    })
    expect(r.code).toBe(0)
    const { record } = readDoubleImage(r.outputs['image-path'])
    expect(record.manifest).toMatchObject({
      Program: 'my_prover',
      RebootOnExit: true,
      Env: { RUST_BACKTRACE: '1', RUST_LOG: 'debug' }
    })
  })

  it('leaves readonly_rootfs out for a writable root, and builds arm64 images with the -virt kernel', async () => {
    const ws = makeWorkspace({ machine: 'aarch64' })
    const r = await suite.run({
      cwd: ws.dir,
      inputs: {
        binary: ws.relBinary,
        profile: 'nanos',
        'readonly-rootfs': 'false',
        'nanos-version': '0.1.53'
      }
    })
    expect(r.code).toBe(0)
    expect(suite.mirror.count(nanosReleasePath('0.1.53', 'arm64'))).toBe(1)
    const { record } = readDoubleImage(r.outputs['image-path'])
    expect(record.arch).toBe('arm64')
    expect(record.nanosVersion).toBe('0.1.53')
    expect(record.passthrough).toEqual({})
    expect(
      JSON.parse(fs.readFileSync(r.outputs['manifest-path'], 'utf8')).ManifestPassthrough
    ).toBeUndefined()
  })

  it('keeps user-level ops configuration out of the build', async () => {
    const ws = makeWorkspace()
    const userHome = makeTempDir('nia-user-')
    writeFile(path.join(userHome, '.opsrc'), JSON.stringify({ Env: { FROM_OPSRC: 'leak' } }))
    const defaults = path.join(userHome, 'defaults.json')
    writeFile(defaults, JSON.stringify({ Args: ['--from-default-config'] }))
    const r = await suite.run({
      cwd: ws.dir,
      userHome,
      env: {
        OPS_DEFAULT_CONFIG: defaults,
        ops_render_config: 'true',
        OPS_HOME: userHome,
        SHELL_VAR: 'expanded'
      },
      inputs: { binary: ws.relBinary, env: 'LITERAL=$SHELL_VAR' }
    })
    expect(r.code).toBe(0)
    const { record } = readDoubleImage(r.outputs['image-path'])
    expect(record.env.FROM_OPSRC).toBeUndefined()
    expect(record.manifest.Args).toBeUndefined()
    expect(record.env.LITERAL).toBe('$SHELL_VAR')
    expect(record.opsHome.startsWith(userHome)).toBe(false)
    expect(fs.existsSync(path.join(userHome, '.ops'))).toBe(false)
  })
})

describe('Ops versions and verification', () => {
  it('resolves ops-version latest to a real number by walking the published checksums', async () => {
    const ws = makeWorkspace()
    const r = await suite.run({
      cwd: ws.dir,
      inputs: { binary: ws.relBinary, 'ops-version': 'latest' }
    })
    expect(r.code).toBe(0)
    expect(r.outputs['ops-version']).toBe('0.1.47')
    expect(readDoubleImage(r.outputs['image-path']).record.opsVersion).toBe('0.1.47')
  })

  it('refuses a binary that does not match the published md5, and caches nothing', async () => {
    const ws = makeWorkspace()
    const toolCache = makeTempDir('nia-tc-')
    suite.mirror.fault(opsBinaryPath('0.1.46'), { corrupt: true })
    const r = await suite.run({ cwd: ws.dir, toolCache, inputs: { binary: ws.relBinary } })
    expect(r.code).not.toBe(0)
    const errors = errorLines(r.stdout)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(
      /md5 expected [0-9a-f]{32} \(the published checksum\), got [0-9a-f]{32}/
    )
    expect(cachedEntries(toolCache)).toEqual([])
    expect(fs.existsSync(path.join(toolCache, 'ops', '0.1.46', 'amd64'))).toBe(false)
  })

  it('checks ops-sha256 in addition to the md5', async () => {
    const ws = makeWorkspace()
    const good = createHash('sha256').update(suite.mirror.opsBinary('0.1.46')).digest('hex')
    const ok = await suite.run({
      cwd: ws.dir,
      inputs: { binary: ws.relBinary, 'ops-sha256': good.toUpperCase() }
    })
    expect(ok.code).toBe(0)
    const bad = await suite.run({
      cwd: ws.dir,
      inputs: { binary: ws.relBinary, 'ops-sha256': 'f'.repeat(64) }
    })
    expect(bad.code).not.toBe(0)
    expect(errorLines(bad.stdout).join()).toMatch(
      /sha256 expected f{64} \(`ops-sha256`\), got [0-9a-f]{64}/
    )
  })

  it('uses a preinstalled ops-path without downloading Ops', async () => {
    const ws = makeWorkspace()
    const bin = makeTempDir('nia-bin-')
    const ops = installOpsDouble(bin, '0.1.44')
    const r = await suite.run({ cwd: ws.dir, inputs: { binary: ws.relBinary, 'ops-path': ops } })
    expect(r.code).toBe(0)
    expect(r.outputs['ops-version']).toBe('0.1.44')
    expect(suite.mirror.count('/cli/')).toBe(0)
  })

  it('says which version does not exist for which platform', async () => {
    const ws = makeWorkspace()
    const r = await suite.run({
      cwd: ws.dir,
      inputs: { binary: ws.relBinary, 'ops-version': '0.1.99' }
    })
    expect(r.code).not.toBe(0)
    expect(errorLines(r.stdout).join()).toMatch(
      /Ops 0\.1\.99 is not published for linux\/amd64: .*ops-linux-0\.1\.99\.md5 answered HTTP 403/
    )
    const k = await suite.run({
      cwd: ws.dir,
      inputs: { binary: ws.relBinary, 'nanos-version': '0.1.99' }
    })
    expect(errorLines(k.stdout).join()).toMatch(
      /Nanos 0\.1\.99 is not published for amd64: .*nanos-release-linux-0\.1\.99\.tar\.gz answered HTTP 403/
    )
  })
})

describe('mirrors', () => {
  it('builds from a mirror below a path prefix, with or without a trailing slash', async () => {
    const prefixed = await startMirror({ basePath: '/gcs/ops-mirror' })
    try {
      const ws = makeWorkspace()
      for (const mirror of [prefixed.url, `${prefixed.url}/`]) {
        const r = await suite.run({ cwd: ws.dir, inputs: { binary: ws.relBinary, mirror } })
        expect(r.code).toBe(0)
      }
      expect(prefixed.requests().every(q => q.rawPath.startsWith('/gcs/ops-mirror/'))).toBe(true)
      expect(prefixed.requests().filter(q => q.path === opsBinaryPath('0.1.46'))).toHaveLength(2)
    } finally {
      await prefixed.close()
    }
  })
})

describe('ops runs hermetically', () => {
  it("does not hang on ops's own latest.txt lookup when the network swallows it", async () => {
    // Without the action's refusing proxy the double waits forever for this host, as ops would.
    const ws = makeWorkspace()
    const r = await suite.run({
      cwd: ws.dir,
      timeoutMs: 30000,
      env: { OPS_DOUBLE_LATEST_URL: 'https://storage.invalid/nanos/release/latest.txt' },
      inputs: { binary: ws.relBinary }
    })
    expect(r.timedOut).toBe(false)
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('version lookup failed, using local.')
    expect(readDoubleImage(r.outputs['image-path']).record.latestLookup).toBe('offline')
  })

  it("sends ops's own latest.txt lookup to its refusing proxy, whatever the runner's proxy settings", async () => {
    // The double looks up the real storage.googleapis.com on every command, as ops does. Without
    // the action's refusing proxy it would wait forever (the double never leaves loopback), and
    // with the runner's proxy or NO_PROXY it would go elsewhere: either way the log shows it.
    const seen: string[] = []
    const runnerProxy = net.createServer(socket => {
      socket.once('data', d => seen.push(d.toString('latin1').split('\r\n')[0]))
      socket.destroy()
    })
    await new Promise<void>(resolve => runnerProxy.listen(0, '127.0.0.1', resolve))
    try {
      const proxy = `http://127.0.0.1:${(runnerProxy.address() as net.AddressInfo).port}`
      const ws = makeWorkspace()
      const log = path.join(makeTempDir('nia-log-'), 'ops.log')
      const r = await suite.run({
        cwd: ws.dir,
        timeoutMs: 30000,
        env: {
          OPS_DOUBLE_LOG: log,
          HTTPS_PROXY: proxy,
          https_proxy: proxy,
          NO_PROXY: 'storage.googleapis.com',
          no_proxy: '*'
        },
        inputs: { binary: ws.relBinary }
      })
      expect(r.timedOut).toBe(false)
      expect(r.code).toBe(0)
      expect(r.stdout).toContain('version lookup failed, using local.')
      const lines = fs
        .readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .map(l => JSON.parse(l) as { argv: string[]; lookup: Record<string, string> })
      expect(lines.map(l => l.argv[0])).toEqual(['build'])
      for (const { lookup } of lines) {
        expect(lookup).toEqual(
          expect.objectContaining({
            url: 'https://storage.googleapis.com/nanos/release/latest.txt',
            outcome: 'failed'
          })
        )
        expect(lookup.proxy).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
        expect(lookup.proxy).not.toBe(proxy)
      }
      expect(seen).toEqual([])
      expect(readDoubleImage(r.outputs['image-path']).record.latestLookup).toBe('offline')
    } finally {
      runnerProxy.close()
    }
  })

  it('checks ops-sha256 again on a tool-cache hit, and never runs a tampered binary', async () => {
    const ws = makeWorkspace()
    const toolCache = makeTempDir('nia-tc-')
    const good = createHash('sha256').update(suite.mirror.opsBinary('0.1.46')).digest('hex')
    const first = await suite.run({
      cwd: ws.dir,
      toolCache,
      inputs: { binary: ws.relBinary, 'ops-sha256': good }
    })
    expect(first.code).toBe(0)
    const cached = path.join(toolCache, 'ops', '0.1.46', 'amd64', 'ops')
    const log = path.join(makeTempDir('nia-log-'), 'ops.log')
    fs.appendFileSync(cached, '\n// tampered\n')
    const second = await suite.run({
      cwd: ws.dir,
      toolCache,
      env: { OPS_DOUBLE_LOG: log },
      inputs: { binary: ws.relBinary, 'ops-sha256': good }
    })
    expect(second.code).not.toBe(0)
    expect(errorLines(second.stdout).join()).toMatch(
      /the cached Ops binary .* has sha256 [0-9a-f]{64}, expected [0-9a-f]{64}\. It was not run\./
    )
    expect(fs.existsSync(log)).toBe(false)
  })

  it('rejects an ops-path older than 0.1.42 for Gevulot, and accepts it for a plain Nanos image', async () => {
    const ws = makeWorkspace()
    const ops = installOpsDouble(makeTempDir('nia-bin-'), '0.1.40')
    const gevulot = await suite.run({
      cwd: ws.dir,
      inputs: { binary: ws.relBinary, 'ops-path': ops }
    })
    expect(gevulot.code).not.toBe(0)
    expect(errorLines(gevulot.stdout).join()).toMatch(
      /Ops 0\.1\.40 builds images whose workspace mount Gevulot nodes do not attach/
    )
    const nanos = await suite.run({
      cwd: ws.dir,
      inputs: { binary: ws.relBinary, 'ops-path': ops, profile: 'nanos' }
    })
    expect(nanos.code).toBe(0)
  })

  it('loads a klib from klib-dir', async () => {
    const ws = makeWorkspace()
    writeFile(path.join(ws.dir, 'klibs/my_klib'), 'klib bytes')
    const r = await suite.run({
      cwd: ws.dir,
      inputs: { binary: ws.relBinary, klibs: 'my_klib', 'klib-dir': 'klibs' }
    })
    expect(r.code).toBe(0)
    const { record } = readDoubleImage(r.outputs['image-path'])
    expect(record.klibs.loaded).toEqual(['my_klib'])
    expect(record.klibs.dir).toBe(path.join(ws.dir, 'klibs'))
  })

  it('warns that a base manifest\'s readonly_rootfs "false" still makes the root read-only', async () => {
    const ws = makeWorkspace()
    writeFile(
      path.join(ws.dir, 'm.json'),
      JSON.stringify({ ManifestPassthrough: { readonly_rootfs: 'false' } })
    )
    const r = await suite.run({
      cwd: ws.dir,
      inputs: { binary: ws.relBinary, manifest: 'm.json', profile: 'nanos' }
    })
    expect(r.code).toBe(0)
    expect(warnings(r.stdout).join()).toMatch(
      /Nanos makes the root read-only whenever the key is present.*readonly-rootfs: false/
    )
  })
})

describe('the ops home', () => {
  it('keeps "arm" out of an x86-64 build\'s ops home, even when the runner\'s temp folder has it', async () => {
    const ws = makeWorkspace()
    const runnerTemp = makeTempDir('nia-farm-')
    expect(runnerTemp).toContain('arm')
    const r = await suite.run({ cwd: ws.dir, runnerTemp, inputs: { binary: ws.relBinary } })
    expect(errorLines(r.stdout)).toEqual([])
    const { record } = readDoubleImage(r.outputs['image-path'])
    expect(record.kernel).not.toContain('arm')
    expect(record.arch).toBe('amd64')
  })
})

describe('Files and Dirs as ops reads them', () => {
  it('reads a Dirs entry that starts with / from the runner, and a Files one below the working directory', async () => {
    const ws = makeWorkspace()
    const outside = makeTempDir('nia-abs-dir-')
    writeFile(path.join(outside, 'zone.txt'), 'from the runner\n')
    writeFile(path.join(ws.dir, 'etc/app.conf'), 'from the workspace\n')
    writeFile(path.join(ws.dir, 'config/a.toml'), 'a = 1\n')
    const r = await suite.run({
      cwd: ws.dir,
      inputs: { binary: ws.relBinary, dirs: outside, files: '/etc/app.conf\n./config/a.toml' }
    })
    expect(errorLines(r.stdout)).toEqual([])
    const contents = JSON.parse(fs.readFileSync(r.outputs['contents-path'], 'utf8'))
    const file = (p: string) => contents.files.find((f: { path: string }) => f.path === p)
    const sha = (text: string) => createHash('sha256').update(text).digest('hex')
    expect(file(`${outside}/zone.txt`)).toMatchObject({
      origin: 'dirs',
      sha256: sha('from the runner\n')
    })
    expect(file('/etc/app.conf')).toMatchObject({
      origin: 'files',
      sha256: sha('from the workspace\n')
    })
    // ./config/a.toml lands at /config/a.toml, not below a folder named "."
    expect(file('/config/a.toml')).toMatchObject({ origin: 'files' })
  })
})
