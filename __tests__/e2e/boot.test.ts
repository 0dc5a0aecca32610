/**
 * Issue 9, the boot test, end to end: dist/index.js as a process builds an image with the Ops
 * double, whose images boot a Nanos stand-in under real QEMU (TCG), and gates the upload (the
 * loopback artifact service) on the result. QEMU is not mocked; the one stand-in on PATH is a
 * qemu-system-x86_64 that fails under KVM the way nested virtualisation does.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { startArtifactService, type ArtifactService } from '../harness/artifact-service.js'
import { makeTempDir, makeWorkspace, writeFile, type Workspace } from '../harness/fixtures.js'
import {
  DEFAULT_KLIBS,
  makeTarGz,
  nanosReleaseEntries,
  nanosReleasePath
} from '../harness/mirror.js'
import { readDoubleImage } from '../harness/image.js'
import { errors, warnings, type RunActionResult } from '../harness/run-action.js'
import { errorLines, useMirror } from './helpers.js'

const suite = useMirror()
let service: ArtifactService
beforeAll(async () => {
  service = await startArtifactService()
})
afterAll(async () => {
  await service.close()
})

const REAL_QEMU = execFileSync('sh', ['-c', 'command -v qemu-system-x86_64'], {
  encoding: 'utf8'
}).trim()

const PROVER = [
  'print prover: reading /workspace/task.txt',
  'read /workspace/task.txt',
  'write /workspace/proof.txt proof generated',
  'print proof generated'
]

let runs = 0

interface BootRun {
  ws: Workspace
  r: RunActionResult
}

/** A run with the boot test on (TCG unless told), uploading to the artifact service. */
async function bootRun(
  program: string[],
  inputs: Record<string, string | undefined> = {},
  env: Record<string, string | undefined> = {}
): Promise<BootRun> {
  const ws = makeWorkspace({ program })
  const r = await suite.run({
    cwd: ws.dir,
    inputs: {
      binary: ws.relBinary,
      test: 'true',
      accel: 'tcg',
      upload: undefined,
      // Artifact names are unique per workflow run, and every test here is one run.
      'artifact-name': `boot-${++runs}`,
      ...inputs
    },
    env: { ...service.env, ...env }
  })
  return { ws, r }
}

const uploaded = (name: string): boolean => service.find(name) !== undefined

/** QEMU processes still running with this path on their command line. */
function qemuRunning(marker: string): number {
  const out = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
  return out.split('\n').filter(l => l.includes('qemu-system') && l.includes(marker)).length
}

describe('a program that works', () => {
  it('boots, reads the sample workspace, writes its result, passes, and is uploaded unchanged', async () => {
    const task = makeTempDir('nia-task-')
    writeFile(path.join(task, 'task.txt'), 'prove 42\n')
    writeFile(path.join(task, 'inputs/extra.bin'), 'extra')
    const ws = makeWorkspace({ program: PROVER })
    fs.cpSync(task, path.join(ws.dir, 'task'), { recursive: true })
    const r = await suite.run({
      cwd: ws.dir,
      inputs: {
        binary: ws.relBinary,
        'image-name': 'works',
        test: 'true',
        accel: 'tcg',
        'test-workspace': 'task',
        'test-expect': '^proof generated$',
        upload: undefined
      },
      env: service.env
    })
    expect(errorLines(r.stdout)).toEqual([])
    expect(r.code).toBe(0)
    const out = r.outputs
    expect(out['test-result']).toBe('passed')
    expect(out['test-exit-code']).toBe('0')
    expect(out['test-accel']).toBe('tcg')
    expect(Number(out['test-seconds'])).toBeGreaterThan(0)
    // The whole console is kept, and was streamed into the log.
    const consoleText = fs.readFileSync(out['test-console'], 'utf8')
    expect(consoleText).toContain(
      'prover: reading /workspace/task.txt\nprove 42\nproof generated\n'
    )
    expect(r.stdout).toContain('prover: reading /workspace/task.txt')
    // The shared folder holds a copy of the sample workspace and what the program wrote.
    const shared = out['test-workspace-path']
    expect(fs.readFileSync(path.join(shared, 'proof.txt'), 'utf8')).toBe('proof generated\n')
    expect(fs.readFileSync(path.join(shared, 'inputs/extra.bin'), 'utf8')).toBe('extra')
    expect(fs.existsSync(path.join(ws.dir, 'task', 'proof.txt'))).toBe(false)
    // The image outputs describe the uploaded image, which carries no debug_exit: a twin was booted.
    expect(uploaded('works')).toBe(true)
    expect(service.find('works')?.size).toBe(Number(out['image-size']))
    expect(readDoubleImage(out['image-path']).record.passthrough).toEqual({
      readonly_rootfs: 'true'
    })
    expect(r.stdout).toMatch(/Booting a twin of the image built from the same manifest/)
    expect(r.summary).toMatch(/Boot test<\/th><td><strong>passed<\/strong>/)
  })

  it('boots the image itself when it already reports its exit code', async () => {
    const ws = makeWorkspace({ program: ['print self'] })
    writeFile(
      path.join(ws.dir, 'base.json'),
      JSON.stringify({ ManifestPassthrough: { readonly_rootfs: 'true', debug_exit: 't' } })
    )
    const log = path.join(makeTempDir('nia-opslog-'), 'ops.log')
    const r = await suite.run({
      cwd: ws.dir,
      inputs: { binary: ws.relBinary, manifest: 'base.json', test: 'true', accel: 'tcg' },
      env: { OPS_DOUBLE_LOG: log }
    })
    expect(r.code).toBe(0)
    expect(r.outputs['test-result']).toBe('passed')
    expect(r.stdout).toContain('booting it as it is')
    const builds = fs
      .readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .filter(l => JSON.parse(l).argv[0] === 'build')
    expect(builds).toHaveLength(1)
  })

  it('gives test-env and test-args to the test boot only', async () => {
    const { r } = await bootRun(
      [
        'print-env SELF_TEST',
        'print-env RUST_LOG',
        'print-args',
        'if-env SELF_TEST exit 0',
        'exit 9'
      ],
      {
        env: 'RUST_LOG=info',
        args: '--prove',
        'test-env': 'SELF_TEST=1',
        'test-args': '--self-test\n--fast'
      }
    )
    expect(r.code).toBe(0)
    const consoleText = fs.readFileSync(r.outputs['test-console'], 'utf8')
    expect(consoleText).toContain(
      'SELF_TEST=1\nRUST_LOG=info\nargv: my_prover --self-test --fast\n'
    )
    const { record } = readDoubleImage(r.outputs['image-path'])
    expect(record.env.SELF_TEST).toBeUndefined()
    expect(record.manifest.Args).toEqual(['--prove'])
  })

  it('passes an expected non-zero exit code, given as test-exit-code or as the manifest says', async () => {
    const given = await bootRun(['exit 3'], { 'test-exit-code': '3' })
    expect(given.r.code).toBe(0)
    expect(given.r.outputs['test-result']).toBe('passed')
    expect(given.r.outputs['test-exit-code']).toBe('3')

    const ws = makeWorkspace({ program: ['exit 3'] })
    writeFile(
      path.join(ws.dir, 'base.json'),
      JSON.stringify({
        ManifestPassthrough: { readonly_rootfs: 'true', expected_exit_code: '3' },
        RebootOnExit: true
      })
    )
    const r = await suite.run({
      cwd: ws.dir,
      inputs: { binary: ws.relBinary, manifest: 'base.json', test: 'true', accel: 'tcg' }
    })
    expect(r.code).toBe(0)
    // The program's own code, not the 0 expected_exit_code would have turned it into; and no
    // reset: RebootOnExit is left out of the twin.
    expect(r.outputs['test-exit-code']).toBe('3')
    expect(r.stdout).toMatch(
      /RebootOnExit left out, ManifestPassthrough.expected_exit_code left out/
    )
  })
})

describe('a program that does not work fails the step before the upload', () => {
  it('a non-zero exit code', async () => {
    const { r } = await bootRun(['print about to fail', 'exit 3'], { 'image-name': 'exits-3' })
    expect(r.code).toBe(1)
    expect(r.outputs['test-result']).toBe('failed')
    expect(r.outputs['test-exit-code']).toBe('3')
    const [message] = errors(r.stdout)
    expect(errorLines(r.stdout)).toHaveLength(1)
    expect(message).toMatch(
      /^The boot test failed: the program exited with code 3; `test-exit-code` passes 0\./
    )
    expect(message).toMatch(/The image was not uploaded\.\sLast console lines[\s\S]*about to fail/)
    expect(r.outputs['test-failure']).toBe('exit-code')
    // The diagnosis boot: the stand-in's trace, as the real kernel prints it, ends in the exit.
    expect(fs.readFileSync(r.outputs['test-trace'], 'utf8')).toMatch(
      /\[2\] write\(1, 0x[0-9a-f]{16}, 14\) = 14\n\[2\] exit_group\( <unfinished \.\.\.>/
    )
    expect(message).toMatch(/Last system calls:\n[\s\S]*\[2\] exit_group\(3\)$/)
    // The image and its outputs are there; the artifact is not.
    expect(fs.existsSync(r.outputs['image-path'])).toBe(true)
    expect(r.outputs['image-blake3']).toMatch(/^[0-9a-f]{64}$/)
    expect(uploaded('exits-3')).toBe(false)
    expect(r.outputs['artifact-id']).toBeUndefined()
    expect(r.summary).toMatch(/<strong>failed<\/strong>[\s\S]*<td>3<\/td>/)
  })

  it('a crash, with the reason', async () => {
    const { r } = await bootRun(['print crashing', 'crash'])
    expect(r.code).toBe(1)
    expect(r.outputs['test-result']).toBe('failed')
    expect(r.outputs['test-exit-code']).toBe('11')
    expect(r.outputs['test-failure']).toBe('signal')
    expect(errors(r.stdout)[0]).toMatch(
      /the program was killed by signal 11 \(SIGSEGV\), reported as exit code 11/
    )
    expect(errors(r.stdout)[0]).toMatch(/core dump/)
  })

  it('a hang: timed out, QEMU stopped, nothing left running, within seconds of the timeout', async () => {
    const { r } = await bootRun(['print working forever', 'hang'], {
      'image-name': 'hangs',
      'test-timeout': '3'
    })
    expect(r.code).toBe(1)
    expect(r.outputs['test-result']).toBe('timed-out')
    expect(r.outputs['test-exit-code']).toBe('')
    expect(r.outputs['test-failure']).toBe('timeout')
    expect(errors(r.stdout)[0]).toMatch(
      /^The boot test timed out: nothing ended the VM within 3 s \(`test-timeout`\)[\s\S]*working forever/
    )
    // The diagnosis boot, within test-timeout: it stopped in the sleep that never returns.
    expect(errors(r.stdout)[0]).toMatch(/The program stopped in clock_nanosleep\(\)/)
    expect(qemuRunning('hangs.boot')).toBe(0)
    expect(r.durationMs).toBeLessThan(30_000)
    expect(uploaded('hangs')).toBe(false)
  })

  it('test-expect: matched passes, unmatched fails naming the expression', async () => {
    const matched = await bootRun(['print result: 42 verified'], {
      'test-expect': 'result: \\d+ verified'
    })
    expect(matched.r.code).toBe(0)
    const unmatched = await bootRun(['print result: none'], {
      'test-expect': 'result: \\d+ verified'
    })
    expect(unmatched.r.code).toBe(1)
    expect(unmatched.r.outputs['test-result']).toBe('failed')
    expect(errors(unmatched.r.stdout)[0]).toMatch(
      /exited with code 0, but the console does not match `test-expect` \/result: \\d\+ verified\//
    )
  })

  it('writing to the read-only root fails the program, as on a Gevulot node', async () => {
    const { r } = await bootRun(['write /scratch x', 'print unreachable'])
    expect(r.code).toBe(1)
    expect(r.outputs['test-exit-code']).toBe('1')
    expect(errors(r.stdout)[0]).toMatch(/\/scratch: Read-only file system/)
  })

  it('a writable root has no free space without base-volume-size: ENOSPC; with it the write works', async () => {
    const program = ['write /scratch x', 'read /scratch']
    const writable = { profile: 'nanos', 'readonly-rootfs': 'false' }
    const full = await bootRun(program, writable)
    expect(full.r.code).toBe(1)
    expect(full.r.outputs['test-exit-code']).toBe('1')
    expect(errors(full.r.stdout)[0]).toMatch(/\/scratch: No space left on device/)
    const sized = await bootRun(program, { ...writable, 'base-volume-size': '64m' })
    expect(errorLines(sized.r.stdout)).toEqual([])
    expect(sized.r.code).toBe(0)
    expect(sized.r.outputs['test-result']).toBe('passed')
    expect(fs.readFileSync(sized.r.outputs['test-console'], 'utf8')).toMatch(/^x$/m)
  })
})

describe('accelerators', () => {
  /** A qemu-system-x86_64 that aborts under KVM as QEMU does with nested virtualisation. */
  function nestedKvmQemu(): { dir: string; calls: string } {
    const dir = makeTempDir('nia-qemu-')
    const calls = path.join(dir, 'calls')
    writeFile(
      path.join(dir, 'qemu-system-x86_64'),
      [
        '#!/bin/sh',
        `echo "$*" >> '${calls}'`,
        'case "$*" in *accel=kvm*)',
        '  echo "qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69" >&2',
        '  echo "qemu-system-x86_64: ../../target/i386/kvm/kvm.c:3183: kvm_buf_set_msrs: Assertion \\`ret == cpu->kvm_msr_buf->nmsrs\' failed." >&2',
        '  kill -ABRT $$ ;;',
        'esac',
        `exec '${REAL_QEMU}' "$@"`
      ].join('\n')
    )
    fs.chmodSync(path.join(dir, 'qemu-system-x86_64'), 0o755)
    return { dir, calls }
  }
  /** The environment of a runner whose KVM opens but cannot run the VM. */
  const nestedKvm = (qemu: { dir: string }): Record<string, string> => {
    const device = path.join(makeTempDir('nia-kvm-'), 'kvm')
    fs.writeFileSync(device, '')
    return {
      PATH: `${qemu.dir}${path.delimiter}${process.env.PATH}`,
      NANOS_IMAGE_ACTION_KVM_DEVICE: device
    }
  }

  it('auto: a KVM boot that cannot start is retried once under TCG, with a warning', async () => {
    const qemu = nestedKvmQemu()
    const { r } = await bootRun(['print hello'], { accel: 'auto' }, nestedKvm(qemu))
    expect(errorLines(r.stdout)).toEqual([])
    expect(r.outputs['test-result']).toBe('passed')
    expect(r.outputs['test-accel']).toBe('tcg')
    expect(warnings(r.stdout).join('\n')).toMatch(
      /QEMU could not run the VM under KVM .*failed to set MSR 0x10a.*booting again under TCG/
    )
    const calls = fs.readFileSync(qemu.calls, 'utf8').trim().split('\n')
    expect(calls.map(c => /accel=(\w+)/.exec(c)?.[1])).toEqual(['kvm', 'tcg'])
  })

  it('auto without a usable KVM device boots under TCG directly, without a warning', async () => {
    const { r } = await bootRun(
      ['print hello'],
      { accel: 'auto' },
      {
        NANOS_IMAGE_ACTION_KVM_DEVICE: '/nonexistent/kvm'
      }
    )
    expect(r.code).toBe(0)
    expect(r.outputs['test-accel']).toBe('tcg')
    expect(warnings(r.stdout).join('\n')).not.toMatch(/KVM/)
  })

  it('kvm: a KVM boot that cannot start is an error, not retried', async () => {
    const qemu = nestedKvmQemu()
    const { r } = await bootRun(['print hello'], { accel: 'kvm' }, nestedKvm(qemu))
    expect(r.code).toBe(1)
    expect(errors(r.stdout)[0]).toMatch(/`accel: kvm`: QEMU could not run the VM under KVM/)
    expect(fs.readFileSync(qemu.calls, 'utf8').trim().split('\n')).toHaveLength(1)
  })
})

describe('QEMU itself', () => {
  /** A PATH with node and the given stand-ins only. */
  function pathWith(files: Record<string, string>): string {
    const dir = makeTempDir('nia-path-')
    // node for the Ops double, tar and gzip for the kernel tarball.
    for (const tool of [process.execPath, '/bin/tar', '/bin/gzip'])
      fs.symlinkSync(tool, path.join(dir, path.basename(tool)))
    for (const [name, body] of Object.entries(files)) {
      writeFile(path.join(dir, name), body)
      fs.chmodSync(path.join(dir, name), 0o755)
    }
    return dir
  }

  it('is installed with apt-get through sudo -n when missing, while the image builds', async () => {
    const dir = pathWith({})
    const calls = path.join(dir, 'calls')
    // apt-get "installs" the real QEMU into this PATH; sudo runs what it is given.
    writeFile(
      path.join(dir, 'apt-get'),
      `#!/bin/sh\necho "apt-get $*" >> '${calls}'\ncase "$*" in *install*) /bin/ln -sf '${REAL_QEMU}' '${dir}/qemu-system-x86_64' ;; esac\n`
    )
    writeFile(
      path.join(dir, 'sudo'),
      `#!/bin/sh\necho "sudo $*" >> '${calls}'\n[ "$1" = -n ] || exit 1\nshift\nexec "$@"\n`
    )
    writeFile(path.join(dir, 'env'), `#!/bin/sh\nexec /usr/bin/env "$@"\n`)
    writeFile(path.join(dir, 'true'), '#!/bin/sh\nexit 0\n')
    for (const f of ['apt-get', 'sudo', 'env', 'true']) fs.chmodSync(path.join(dir, f), 0o755)
    const { r } = await bootRun(['print hello'], {}, { PATH: dir })
    expect(errorLines(r.stdout)).toEqual([])
    expect(r.outputs['test-result']).toBe('passed')
    // Started before the downloads (while Ops, the kernel and the image come), quietly.
    const started = r.stdout.indexOf(
      'qemu-system-x86_64 is not installed: installing qemu-system-x86 with apt-get while the image builds'
    )
    expect(started).toBeGreaterThanOrEqual(0)
    expect(started).toBeLessThan(r.stdout.indexOf('::group::Ops'))
    expect(r.stdout).toMatch(
      /Installed qemu-system-x86 with apt-get, started with the build [\d.]+ s ago/
    )
    const log = fs.readFileSync(calls, 'utf8')
    expect(log).toMatch(/sudo -n env DEBIAN_FRONTEND=noninteractive apt-get update/)
    expect(log).toMatch(/apt-get install -y -q --no-install-recommends qemu-system-x86/)
  })
})

describe('test: false', () => {
  it('boots nothing and sets no test output', async () => {
    const ws = makeWorkspace({ program: ['hang'] })
    const r = await suite.run({ cwd: ws.dir, inputs: { binary: ws.relBinary } })
    expect(r.code).toBe(0)
    expect(Object.keys(r.outputs).filter(k => k.startsWith('test-'))).toEqual([])
    expect(fs.existsSync(`${r.outputs['image-path']}.boot`)).toBe(false)
    expect(r.summary).not.toMatch(/Boot test/)
  })
})

describe('the job summary', () => {
  it('shows the result and the console tail, escaped, without env or test-env values', async () => {
    const { r } = await bootRun(
      ['print <b>bold</b> ${MODE}', 'print-env PROVER_TOKEN', 'print-env MODE', 'exit 2'],
      { env: 'PROVER_TOKEN=tok-very-secret-1', 'test-env': 'MODE=selftest-mode' }
    )
    expect(r.code).toBe(1)
    const s = r.summary
    expect(s).toMatch(/<strong>failed<\/strong>/)
    expect(s).toContain('<td>tcg</td>')
    expect(s).toMatch(/<summary>Console, last \d+ lines<\/summary>/)
    expect(s).toContain('&lt;b&gt;bold&lt;/b&gt;')
    expect(s).toContain('PROVER_TOKEN=***')
    expect(s).toContain('MODE=***')
    expect(s).not.toMatch(/tok-very-secret-1|selftest-mode/)
    expect(errors(r.stdout)[0]).not.toMatch(/tok-very-secret-1|selftest-mode/)
  })
})

describe('saying why a boot test failed', () => {
  it('a kernel fault is a kernel fault, not the program, and QEMU is stopped at once', async () => {
    const { r } = await bootRun(['print starting', 'kernel-fault'], { 'test-timeout': '40' })
    expect(r.code).toBe(1)
    expect(r.outputs).toMatchObject({ 'test-result': 'failed', 'test-failure': 'kernel-fault' })
    expect(r.outputs['test-exit-code']).toBe('')
    const [message] = errors(r.stdout)
    expect(message).toMatch(
      /^The boot test failed: the Nanos kernel faulted, not the program: assertion m->allocated >= o->pagesize failed at .* in mcache_dealloc\(\)\. QEMU went on running after it and was stopped\./
    )
    expect(message).not.toMatch(/the program exited|killed by signal/)
    // Two boots (the test and the diagnosis), each stopped soon after the fault, not at 40 s.
    expect(r.durationMs).toBeLessThan(20_000)
    expect(qemuRunning(r.runnerTemp)).toBe(0)
  })

  it('Nanos 0.1.55: stat() twice on a workspace file is named as its known problem, with the advice', async () => {
    suite.mirror.setObject(
      nanosReleasePath('0.1.55'),
      makeTarGz(nanosReleaseEntries('0.1.55', 'amd64', DEFAULT_KLIBS))
    )
    const task = makeTempDir('nia-task-')
    writeFile(path.join(task, 'task.json'), '{}')
    const { r } = await bootRun(
      ['stat /workspace/task.json', 'stat /workspace/task.json', 'print unreachable'],
      { 'nanos-version': '0.1.55', 'test-workspace': task, 'test-timeout': '5' }
    )
    // Before the build: the release is known to break common ways of reading a workspace.
    expect(warnings(r.stdout).join('\n')).toMatch(
      /^Nanos 0\.1\.55 has a known problem for images that mount a workspace \(this one mounts \/workspace\)/m
    )
    expect(r.code).toBe(1)
    expect(['timeout', 'kernel-fault']).toContain(r.outputs['test-failure'])
    const [message] = errors(r.stdout)
    expect(message).toMatch(/This is a known Nanos problem: Nanos 0\.1\.55 faults/)
    expect(message).toMatch(/Set `nanos-version: 0\.1\.54`/)
    expect(message).toMatch(
      /newfstatat\(-100, "\/workspace\/task\.json", <unfinished \.\.\.>\s+<- the program stopped here/
    )
    expect(r.summary).toMatch(/Known Nanos problem<\/th><td>Nanos 0\.1\.55 faults/)
    expect(r.summary).toMatch(/<summary>System calls, last \d+ \(diagnosis boot\)<\/summary>/)
  })

  it('test-diagnose: false boots once and leaves no trace', async () => {
    const log = path.join(makeTempDir('nia-opslog-'), 'ops.log')
    const { r } = await bootRun(['exit 4'], { 'test-diagnose': 'false' }, { OPS_DOUBLE_LOG: log })
    expect(r.code).toBe(1)
    expect(r.outputs['test-trace']).toBe('')
    expect(errors(r.stdout)[0]).not.toMatch(/Diagnosis boot/)
    const builds = fs
      .readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .filter(l => JSON.parse(l).argv[0] === 'build')
    // The image and its twin; no trace image.
    expect(builds).toHaveLength(2)
  })

  it('nothing of the diagnosis reaches the uploaded image: no strace klib, no debugsyscalls', async () => {
    const { r } = await bootRun(['exit 5'], { 'image-name': 'diagnosed' })
    expect(r.code).toBe(1)
    expect(fs.readFileSync(r.outputs['test-trace'], 'utf8')).toMatch(/^\[2\] /m)
    const contents = JSON.parse(fs.readFileSync(r.outputs['contents-path'], 'utf8'))
    expect(contents.klibs).toEqual([])
    expect(contents.settings).not.toHaveProperty('debugsyscalls')
  })

  it('a cancelled step (SIGTERM to the action) leaves no QEMU running', async () => {
    const ws = makeWorkspace({ program: ['print waiting for ever', 'hang'] })
    const runnerTemp = makeTempDir('nia-cancelled-')
    let signalled = false
    const r = await suite.run({
      cwd: ws.dir,
      runnerTemp,
      inputs: { binary: ws.relBinary, test: 'true', accel: 'tcg', 'test-timeout': '120' },
      onSpawn: child => {
        // As a runner cancels a step: once the VM runs, the action gets SIGTERM.
        const poll = setInterval(() => {
          if (qemuRunning(runnerTemp) === 0) return
          clearInterval(poll)
          signalled = true
          child.kill('SIGTERM')
        }, 100)
        child.once('exit', () => clearInterval(poll))
      }
    })
    expect(signalled).toBe(true)
    expect(r.code).toBe(128 + 15)
    expect(qemuRunning(runnerTemp)).toBe(0)
  })
})
