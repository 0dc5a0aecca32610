/**
 * The real tier's build cases (issue 15): dist/index.js against the real Ops and Nanos served on
 * loopback, as a runner runs it. Each case asserts the outputs and what the program did in a
 * real boot (or what the image holds, read with the action's TFS reader), not log text.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { startCacheService, type CacheService } from '../harness/cache-service.js'
import { makeTempDir, writeFile } from '../harness/fixtures.js'
import { errors, warnings } from '../harness/run-action.js'
import { cachedEntries } from '../e2e/helpers.js'
import { describeReal, tools, useRealMirror } from './helpers.js'
import { readImage } from './image.js'
import { place, program } from './programs.js'

const suite = useRealMirror()
let cacheService: CacheService
beforeAll(async () => {
  if (tools) cacheService = await startCacheService()
})
afterAll(async () => {
  await cacheService?.close()
})

const PINNED = { 'nanos-version': '0.1.54', accel: 'tcg' }

/** A sample workspace holding task.json. */
function task(): string {
  const dir = makeTempDir('nia-real-task-')
  writeFile(path.join(dir, 'task.json'), '{"n":7}\n')
  return dir
}

describeReal('building with the real Ops and Nanos', () => {
  it.concurrent(
    "the packaging document's example, literally: my_prover.json and target/release/my_prover",
    async () => {
      const ws = makeTempDir('nia-real-seed-')
      place(program('probe'), ws, 'target/release/my_prover')
      // gevulot-prover-verifier-packaging.md, "Complete example", as written there.
      writeFile(
        path.join(ws, 'my_prover.json'),
        `{
  "ManifestPassthrough": {
    "readonly_rootfs": "true"
  },
  "Env":{
    "RUST_BACKTRACE": "1",
    "RUST_LOG": "debug"
  },
  "Program":"my_prover",
  "Mounts": {
    "%1": "/workspace"
  }
}
`
      )
      const r = await suite.run({
        cwd: ws,
        inputs: {
          binary: 'target/release/my_prover',
          manifest: 'my_prover.json',
          ...PINNED,
          test: 'true',
          'test-workspace': task(),
          'test-args': 'prove'
        }
      })
      expect(errors(r.stdout)).toEqual([])
      expect(r.code).toBe(0)
      expect(r.outputs).toMatchObject({
        'image-name': 'my_prover',
        'ops-version': tools?.opsVersion,
        'nanos-version': '0.1.54',
        'test-result': 'passed'
      })
      expect(
        fs.readFileSync(path.join(r.outputs['test-workspace-path'], 'proof.txt'), 'utf8')
      ).toBe('task: {"n":7}\ngreeting: (unset)\nargv: prove\n')
      const image = await readImage(r.outputs['image-path'])
      expect(image.root.manifest).toMatchObject({
        program: '/my_prover',
        readonly_rootfs: 'true',
        mounts: { '%0': '/workspace' },
        environment: { RUST_BACKTRACE: '1', RUST_LOG: 'debug' }
      })
    }
  )

  it.concurrent(
    "a dynamically linked C program boots with the runner's libraries copied in",
    async () => {
      const ws = makeTempDir('nia-real-dyn-')
      place(program('probe', 'amd64', 'dynamic'), ws, 'prover')
      const r = await suite.run({
        cwd: ws,
        inputs: {
          binary: 'prover',
          ...PINNED,
          test: 'true',
          'test-workspace': task(),
          'test-args': 'prove\n--dynamic'
        }
      })
      expect(errors(r.stdout)).toEqual([])
      expect(r.outputs['test-result']).toBe('passed')
      expect(
        fs.readFileSync(path.join(r.outputs['test-workspace-path'], 'proof.txt'), 'utf8')
      ).toContain('argv: prove --dynamic')
      const paths = (await readImage(r.outputs['image-path'])).root.nodes.map(n => n.path)
      expect(paths).toEqual(
        expect.arrayContaining(['/lib/x86_64-linux-gnu/libc.so.6', '/lib64/ld-linux-x86-64.so.2'])
      )
    }
  )

  it.concurrent('files and dirs reach the program at the same paths', async () => {
    const ws = makeTempDir('nia-real-files-')
    place(program('probe'), ws, 'prover')
    writeFile(path.join(ws, 'config/params.txt'), 'k = 12\n')
    writeFile(path.join(ws, 'data/set/one.txt'), 'one\n')
    writeFile(path.join(ws, 'data/two.txt'), 'two\n')
    const r = await suite.run({
      cwd: ws,
      inputs: {
        binary: 'prover',
        files: 'config/params.txt',
        dirs: 'data',
        ...PINNED,
        test: 'true',
        'test-args': 'cat\n/config/params.txt\n/data/set/one.txt\n/data/two.txt'
      }
    })
    expect(errors(r.stdout)).toEqual([])
    expect(r.outputs['test-result']).toBe('passed')
    const console = fs.readFileSync(r.outputs['test-console'], 'utf8')
    expect(console).toContain('probe: /config/params.txt: k = 12')
    expect(console).toContain('probe: /data/set/one.txt: one')
    expect(console).toContain('probe: /data/two.txt: two')
  })

  it.concurrent(
    'profile nanos with a writable root: the program writes to /; a Gevulot image cannot',
    async () => {
      const run = (inputs: Record<string, string>) => {
        const ws = makeTempDir('nia-real-rw-')
        place(program('probe'), ws, 'prover')
        return suite.run({
          cwd: ws,
          inputs: {
            binary: 'prover',
            ...PINNED,
            test: 'true',
            'test-args': 'write-root',
            ...inputs
          }
        })
      }
      const [writable, gevulot] = await Promise.all([
        run({ profile: 'nanos', 'readonly-rootfs': 'false', 'base-volume-size': '64m' }),
        run({ 'test-exit-code': '4' })
      ])
      expect(errors(writable.stdout)).toEqual([])
      expect(writable.outputs['test-result']).toBe('passed')
      expect(fs.readFileSync(writable.outputs['test-console'], 'utf8')).toContain(
        'probe: root write ok'
      )
      expect((await readImage(writable.outputs['image-path'])).root.manifest).not.toHaveProperty(
        'readonly_rootfs'
      )
      expect(gevulot.outputs['test-result']).toBe('passed')
      expect(fs.readFileSync(gevulot.outputs['test-console'], 'utf8')).toContain(
        'probe: root write failed: Read-only file system'
      )
    }
  )

  it.concurrent(
    'a second image in the same job, and the same image again: tool-cache hits, no request',
    () =>
      suite.withOwnMirror(async mirror => {
        const toolCache = makeTempDir('nia-real-tc-')
        const ws = makeTempDir('nia-real-tc-ws-')
        place(program('probe'), ws, 'prover')
        place(program('probe'), ws, 'verifier')
        const first = await suite.run(
          { cwd: ws, toolCache, inputs: { binary: 'prover', ...PINNED } },
          mirror
        )
        expect(errors(first.stdout)).toEqual([])
        expect(first.outputs['cache-hit']).toBe('false')
        expect(mirror.count()).toBeGreaterThan(0)
        mirror.resetRequests()
        const [second, again] = await Promise.all([
          suite.run({ cwd: ws, toolCache, inputs: { binary: 'verifier', ...PINNED } }, mirror),
          suite.run(
            { cwd: ws, toolCache, inputs: { binary: 'prover', 'output-dir': 'out', ...PINNED } },
            mirror
          )
        ])
        // Both hit the tool cache: nothing more was asked of the download host.
        expect(mirror.requests()).toEqual([])
        for (const r of [second, again]) {
          expect(errors(r.stdout)).toEqual([])
          expect(r.outputs).toMatchObject({ 'cache-hit': 'true', 'cache-source': 'tool-cache' })
        }
        expect(second.outputs['image-name']).toBe('verifier')
        expect(cachedEntries(toolCache)).toEqual(['nanos/0.1.54/amd64', 'ops/0.1.46/amd64'])
        expect(again.outputs['content-digest']).toBe(first.outputs['content-digest'])
      })
  )

  it.concurrent(
    'the Actions cache: a job saves the real tools, the next job restores them with no request to the download host',
    () =>
      suite.withOwnMirror(async mirror => {
        const job = async () => {
          const root = makeTempDir('nia-real-job-')
          const home = path.join(root, 'home', 'runner')
          const workspace = path.join(home, 'work', 'prover', 'prover')
          place(program('probe'), workspace, 'target/release/my_prover')
          mirror.resetRequests()
          const r = await suite.run(
            {
              cwd: workspace,
              home,
              inputs: { binary: 'target/release/my_prover', ...PINNED, test: 'true' },
              env: cacheService.env
            },
            mirror
          )
          return { r, requests: mirror.requests().length }
        }
        const first = await job()
        expect(errors(first.r.stdout)).toEqual([])
        expect(warnings(first.r.stdout).filter(w => /cache/i.test(w))).toEqual([])
        expect(first.requests).toBeGreaterThan(0)
        const second = await job()
        expect(errors(second.r.stdout)).toEqual([])
        expect(second.requests).toBe(0)
        expect(second.r.outputs).toMatchObject({
          'cache-source': 'actions-cache',
          'test-result': 'passed'
        })
      })
  )

  it.concurrent(
    'an x86-64 image when the runner\'s temp folder has "arm" in its path (ops would take the kernel for arm64)',
    async () => {
      const ws = makeTempDir('nia-real-farm-ws-')
      place(program('probe'), ws, 'prover')
      const runnerTemp = makeTempDir('nia-real-farm-')
      expect(runnerTemp).toContain('arm')
      const r = await suite.run({
        cwd: ws,
        runnerTemp,
        inputs: { binary: 'prover', ...PINNED, test: 'true' }
      })
      expect(errors(r.stdout)).toEqual([])
      expect(r.outputs['test-result']).toBe('passed')
      expect((await readImage(r.outputs['image-path'])).root.manifest.environment).toMatchObject({
        NANOS_ARCH: 'amd64'
      })
    }
  )
})
