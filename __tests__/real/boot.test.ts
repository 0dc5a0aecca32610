/**
 * The real tier's boot tests (issues 15, 16, 18): dist/index.js builds images with the real Ops
 * and the real Nanos kernels, and boots them under real QEMU (TCG), x86-64 and arm64 alike, on
 * this x86-64 runner. Each case asserts the outputs and what the program did (the files it wrote
 * in the shared workspace, the trace the kernel printed), not log text. Cases run concurrently:
 * each boot takes well under a second of a core.
 */
import { expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { makeTempDir, writeFile } from '../harness/fixtures.js'
import { errors, type RunActionResult } from '../harness/run-action.js'
import { describeReal, qemuRunning, useRealMirror } from './helpers.js'
import { place, program, type Arch } from './programs.js'
import { readImage } from './image.js'

const suite = useRealMirror()

interface Case {
  arch: Arch
  args?: string[]
  inputs?: Record<string, string | undefined>
  manifest?: Record<string, unknown>
  /** Files of the sample workspace. */
  task?: Record<string, string>
}

/** One action run: the probe as the program, its image boot-tested under TCG. */
async function bootRun(c: Case): Promise<RunActionResult & { ws: string }> {
  const ws = makeTempDir('nia-real-boot-')
  place(program('probe', c.arch), ws, 'probe')
  const task = path.join(ws, 'task')
  fs.mkdirSync(task)
  for (const [name, text] of Object.entries(c.task ?? { 'task.json': '{"n":42}\n' }))
    writeFile(path.join(task, name), text)
  if (c.manifest) writeFile(path.join(ws, 'base.json'), JSON.stringify(c.manifest))
  const r = await suite.run({
    cwd: ws,
    inputs: {
      binary: 'probe',
      profile: c.arch === 'arm64' ? 'nanos' : undefined,
      'nanos-version': '0.1.54',
      test: 'true',
      accel: 'tcg',
      'test-timeout': '20',
      'test-workspace': 'task',
      'test-args': c.args?.join('\n'),
      manifest: c.manifest ? 'base.json' : undefined,
      ...c.inputs
    }
  })
  return { ...r, ws }
}

const traceOf = (r: RunActionResult): string => fs.readFileSync(r.outputs['test-trace'], 'utf8')
const errorOf = (r: RunActionResult): string => errors(r.stdout).join('\n')

for (const arch of ['amd64', 'arm64'] as const) {
  describeReal(`the boot test on real Nanos, ${arch}`, () => {
    it.concurrent('passes with a workspace in and out, test-env and test-args', async () => {
      const r = await bootRun({
        arch,
        args: ['prove', '--proof-id', '42'],
        inputs: { env: 'GREETING=from env', 'test-env': 'GREETING=from test-env' }
      })
      expect(r.code).toBe(0)
      expect(r.outputs).toMatchObject({
        'test-result': 'passed',
        'test-failure': '',
        'test-exit-code': '0',
        'test-accel': 'tcg',
        'test-trace': ''
      })
      const proof = fs.readFileSync(
        path.join(r.outputs['test-workspace-path'], 'proof.txt'),
        'utf8'
      )
      expect(proof).toBe('task: {"n":42}\ngreeting: from test-env\nargv: prove --proof-id 42\n')
      expect(fs.readFileSync(r.outputs['test-console'], 'utf8')).toContain('probe: proof written')
      // The image itself keeps what the inputs describe: test-env and test-args were the twin's.
      const image = await readImage(r.outputs['image-path'])
      expect(image.root.manifest.environment).toMatchObject({ GREETING: 'from env' })
      expect(image.root.manifest.arguments).toEqual(['probe'])
      expect(image.root.manifest).not.toHaveProperty('debug_exit')
    })

    it.concurrent(
      'exit 3 fails, with exit_group(3) at the end of the diagnosis trace',
      async () => {
        const r = await bootRun({ arch, args: ['exit', '3'] })
        expect(r.code).toBe(1)
        expect(r.outputs).toMatchObject({
          'test-result': 'failed',
          'test-failure': 'exit-code',
          'test-exit-code': '3'
        })
        expect(traceOf(r)).toMatch(/^\[\d+\] exit_group\( <unfinished \.\.\.>$/m)
        expect(errorOf(r)).toMatch(/exited with code 3/)
        expect(errorOf(r)).toMatch(/\[\d+\] exit_group\(3\)\s*$/m)
      }
    )

    it.concurrent(
      'an expected exit 3 passes (test-exit-code), without a diagnosis boot',
      async () => {
        const r = await bootRun({ arch, args: ['exit', '3'], inputs: { 'test-exit-code': '3' } })
        expect(r.code).toBe(0)
        expect(r.outputs).toMatchObject({
          'test-result': 'passed',
          'test-exit-code': '3',
          'test-trace': ''
        })
      }
    )

    it.concurrent(
      'a manifest that sets expected_exit_code and RebootOnExit: the twin reports the real code',
      async () => {
        const r = await bootRun({
          arch,
          args: ['exit', '3'],
          manifest: {
            RebootOnExit: true,
            ManifestPassthrough: { expected_exit_code: '3' }
          },
          inputs: { profile: 'nanos' }
        })
        expect(r.code).toBe(0)
        expect(r.outputs).toMatchObject({ 'test-result': 'passed', 'test-exit-code': '3' })
        const image = await readImage(r.outputs['image-path'])
        expect(image.root.manifest).toMatchObject({ expected_exit_code: '3', reboot_on_exit: 't' })
      }
    )

    it.concurrent('a segfault fails as a signal, named', async () => {
      const r = await bootRun({ arch, args: ['segv'] })
      expect(r.code).toBe(1)
      expect(r.outputs).toMatchObject({
        'test-result': 'failed',
        'test-failure': 'signal',
        'test-exit-code': '11'
      })
      expect(errorOf(r)).toMatch(/killed by signal 11 \(SIGSEGV\)/)
      expect(traceOf(r)).toContain('*** signal 11 received by tid')
    })

    it.concurrent(
      'a hang times out, leaves no QEMU running, and the trace ends in nanosleep',
      async () => {
        const r = await bootRun({ arch, args: ['hang'], inputs: { 'test-timeout': '4' } })
        expect(r.code).toBe(1)
        expect(r.outputs).toMatchObject({ 'test-result': 'timed-out', 'test-failure': 'timeout' })
        expect(r.outputs['test-exit-code']).toBe('')
        expect(qemuRunning(r.runnerTemp)).toBe(0)
        expect(errorOf(r)).toMatch(/The program stopped in clock_nanosleep\(\)/)
        expect(errorOf(r)).toMatch(
          /clock_nanosleep\(.*<unfinished \.\.\.>\s+<- the program stopped here/
        )
      }
    )

    it.concurrent('test-expect: a match passes, no match fails naming the expression', async () => {
      const [yes, no] = await Promise.all([
        bootRun({ arch, args: ['exit', '0'], inputs: { 'test-expect': 'probe: exiting \\d' } }),
        bootRun({
          arch,
          args: ['exit', '0'],
          inputs: { 'test-expect': 'proof generated', 'test-diagnose': 'false' }
        })
      ])
      expect(yes.outputs['test-result']).toBe('passed')
      expect(no.outputs).toMatchObject({
        'test-result': 'failed',
        'test-failure': 'expect',
        'test-trace': ''
      })
      expect(errorOf(no)).toMatch(/does not match `test-expect` \/proof generated\//)
    })

    it.concurrent(
      '0.1.55: stat() twice on a workspace file is a kernel fault, named, with its advice',
      async () => {
        const r = await bootRun({
          arch,
          args: ['stat2', '/workspace/task.json'],
          inputs: { 'nanos-version': '0.1.55', 'test-timeout': '8' }
        })
        expect(r.code).toBe(1)
        expect(['kernel-fault', 'timeout']).toContain(r.outputs['test-failure'])
        // The trace shows where it stopped: the second newfstatat of the workspace file.
        expect(traceOf(r)).toMatch(
          /newfstatat\(-100, "\/workspace\/task\.json", <unfinished \.\.\.>\s*$/m
        )
        expect(errorOf(r)).toMatch(/known Nanos problem: Nanos 0\.1\.55 faults/)
        expect(errorOf(r)).toMatch(/nanos-version: 0\.1\.54/)
        expect(qemuRunning(r.runnerTemp)).toBe(0)
      }
    )

    it.concurrent('0.1.54: the same program passes', async () => {
      const r = await bootRun({ arch, args: ['stat2', '/workspace/task.json'] })
      expect(r.code).toBe(0)
      expect(r.outputs['test-result']).toBe('passed')
      expect(fs.readFileSync(r.outputs['test-console'], 'utf8')).toContain('probe: stat2 0')
    })
  })
}
