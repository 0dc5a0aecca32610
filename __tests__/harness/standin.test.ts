/**
 * The ops double's images boot: real QEMU (TCG) runs the Nanos stand-in (standin/) on images
 * the double builds, with the command line a Gevulot node uses, and the stand-in behaves as
 * /work/shared/reference/nanos-boot.md says a real Nanos image does (exit status through
 * isa-debug-exit only with debug_exit, ACPI power-off otherwise, reboot_on_exit, idle_on_exit,
 * expected_exit_code, the crash report, the 9p workspace share, the read-only root). With the
 * strace klib and debugsyscalls it prints the syscall trace, and it has the kernel fault of
 * Nanos 0.1.55, line for line as the real kernel's consoles in ../fixtures/nanos-console.
 *
 * Without qemu-system-x86_64 the boot tests are skipped, except in CI (CI set), where they fail.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  cleanupTempDirs,
  installOpsDouble,
  makeTempDir,
  makeWorkspace,
  programBlock,
  REFUSED_PROXY_ENV,
  seedOpsHome,
  type Workspace,
  writeFile
} from './fixtures.js'
import {
  DOUBLE_IMAGE_PLAN_OFFSET,
  DOUBLE_IMAGE_RECORD_OFFSET,
  readBootPlan,
  readDoubleImage
} from './image.js'
import { STANDIN_MAX_BYTES, standinBlob } from './standin.js'
import { readConsole } from '../../src/boot/console.js'

const QEMU = 'qemu-system-x86_64'
const haveQemu = spawnSync(QEMU, ['--version']).status === 0
const bootIt = haveQemu || process.env.CI ? it : it.skip
if (!haveQemu && !process.env.CI) console.warn(`${QEMU} not found: the boot tests are skipped`)

// ---------------------------------------------------------------------------------------------
// building images through the double
// ---------------------------------------------------------------------------------------------

let opsBin = ''

interface ImageSpec {
  /** NIA-PROGRAM lines; none: the default hello program. */
  program?: string[]
  /** The ops config (-c). */
  config?: Record<string, unknown>
  arch?: 'amd64' | 'arm64'
  /** Extra files in the build directory (for Files, Dirs). */
  files?: Record<string, string>
  /** The Nanos release to build with (default 0.1.54). */
  nanos?: string
}

/** Runs `ops build` (the rendered double) on a new workspace and returns the image path. */
function buildImage(spec: ImageSpec): string {
  const ws = makeWorkspace({
    ...(spec.program ? { program: spec.program } : {}),
    ...(spec.arch === 'arm64' ? { machine: 'aarch64' as const } : {})
  })
  return buildImageIn(ws, spec)
}

function buildImageIn(ws: Workspace, spec: ImageSpec): string {
  const arch = spec.arch ?? 'amd64'
  for (const [rel, data] of Object.entries(spec.files ?? {}))
    writeFile(path.join(ws.dir, rel), data)
  const nanos = spec.nanos ?? '0.1.54'
  const opsParent = makeTempDir('nia-opsparent-')
  seedOpsHome(opsParent, { arch, versions: [nanos] })
  const args = ['build', ws.relBinary, '--nanos-version', nanos, '--arch', arch]
  if (spec.config) {
    writeFile(path.join(ws.dir, 'ops.json'), JSON.stringify(spec.config))
    args.push('-c', 'ops.json')
  }
  const r = spawnSync(opsBin, args, {
    cwd: ws.dir,
    env: {
      PATH: process.env.PATH,
      HOME: makeTempDir('nia-home-'),
      OPS_HOME: opsParent,
      ...REFUSED_PROXY_ENV
    },
    encoding: 'utf8'
  })
  const image = /^Bootable image file:(.*)$/m.exec(r.stdout)?.[1]
  if (r.status !== 0 || !image) throw new Error(`ops build failed:\n${r.stdout}${r.stderr}`)
  return image
}

/** Gevulot's minimal manifest (ops-contract.md §6) plus debug_exit and extra config. */
function gevulot(extra: Record<string, unknown> = {}, pass: Record<string, unknown> = {}) {
  return {
    Mounts: { '%1': '/workspace' },
    ...extra,
    ManifestPassthrough: { readonly_rootfs: 'true', debug_exit: 't', ...pass }
  }
}

/** gevulot() with the syscall trace: the strace klib and debugsyscalls, as the fixtures had. */
function traced(klibs: string[] = ['strace']) {
  return gevulot({ Klibs: klibs }, { debugsyscalls: 't' })
}

/** A writable root (no readonly_rootfs), with extra config such as BaseVolumeSz. */
function writable(extra: Record<string, unknown> = {}, trace = true) {
  return {
    Mounts: { '%1': '/workspace' },
    ...(trace ? { Klibs: ['strace'] } : {}),
    ...extra,
    ManifestPassthrough: { debug_exit: 't', ...(trace ? { debugsyscalls: 't' } : {}) }
  }
}

// ---------------------------------------------------------------------------------------------
// booting with QEMU
// ---------------------------------------------------------------------------------------------

interface BootOptions {
  /** The host folder shared as the workspace (default: a new empty temp dir). */
  workspace?: string
  mountTag?: string
  drive?: 'scsi' | 'virtio'
  /** The drive refuses writes, as on a Gevulot node (default true). */
  readonly?: boolean
  debugExitDevice?: boolean
  noReboot?: boolean
  /** Kill QEMU after this long (default 20 s). */
  timeoutMs?: number
  /** Kill QEMU graceMs (default 300) after the console first matches this. */
  stopWhen?: RegExp
  graceMs?: number
}

interface Boot {
  /** QEMU's exit status; null when it was killed (at the timeout or after stopWhen). */
  status: number | null
  /** QEMU was still running when it was killed. */
  timedOut: boolean
  /** The serial console. */
  console: string
  stderr: string
  workspace: string
  wallMs: number
  pid: number
}

/** The QEMU command line of a Gevulot node (nanos-boot.md), TCG, with -no-reboot by default. */
function qemuArgs(image: string, o: BootOptions, workspace: string): string[] {
  const ro = o.readonly === false ? 'off' : 'on'
  const drive =
    (o.drive ?? 'scsi') === 'virtio'
      ? ['-drive', `file=${image},format=raw,if=virtio,readonly=${ro}`]
      : [
          '-drive',
          `file=${image},format=raw,if=none,id=hd0,readonly=${ro}`,
          '-device',
          'virtio-scsi-pci,id=scsi0',
          '-device',
          'scsi-hd,drive=hd0,bus=scsi0.0'
        ]
  return [
    ...['-machine', 'q35', '-accel', 'tcg', '-cpu', 'max', '-smp', '1', '-m', '256'],
    ...['-nodefaults', '-no-user-config', '-display', 'none'],
    ...(o.noReboot === false ? [] : ['-no-reboot']),
    ...(o.debugExitDevice === false ? [] : ['-device', 'isa-debug-exit']),
    ...drive,
    // QEMU 7.2 takes the fsdev id from mount_tag when there is no id=, and "0" is not a valid id.
    '-virtfs',
    `local,path=${workspace},mount_tag=${o.mountTag ?? '0'},security_model=none,multidevs=remap,id=ws0`,
    ...['-serial', 'stdio']
  ]
}

const running = new Set<ChildProcess>()

function boot(image: string, o: BootOptions = {}): Promise<Boot> {
  const workspace = o.workspace ?? makeTempDir('nia-bootws-')
  const started = Date.now()
  const child = spawn(QEMU, qemuArgs(image, o, workspace), { stdio: ['ignore', 'pipe', 'pipe'] })
  running.add(child)
  const out: Buffer[] = []
  const err: Buffer[] = []
  let timedOut = false
  const kill = (): void => {
    timedOut = true
    child.kill('SIGKILL')
  }
  let grace: NodeJS.Timeout | undefined
  child.stdout.on('data', (c: Buffer) => {
    out.push(c)
    if (o.stopWhen && !grace && o.stopWhen.test(Buffer.concat(out).toString('utf8')))
      grace = setTimeout(kill, o.graceMs ?? 300)
  })
  child.stderr.on('data', (c: Buffer) => err.push(c))
  const timer = setTimeout(kill, o.timeoutMs ?? 20000)
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', status => {
      clearTimeout(timer)
      clearTimeout(grace)
      running.delete(child)
      resolve({
        status,
        timedOut,
        console: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        workspace,
        wallMs: Date.now() - started,
        pid: child.pid as number
      })
    })
  })
}

/** Runs boots a few at a time (2 cores): each case's promise resolves with its boot. */
function queue(limit: number) {
  let active = 0
  const waiting: (() => void)[] = []
  return <T>(job: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const start = (): void => {
        active++
        job()
          .then(resolve, reject)
          .finally(() => {
            active--
            waiting.shift()?.()
          })
      }
      if (active < limit) start()
      else waiting.push(start)
    })
}
const limited = queue(3)

function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return false
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH'
  }
}

const KERNEL_LINE = /^\[\d+\.\d{6}\] /
const SCSI_SENSE =
  'SCSI SENSE 70 00 07 00 00 00 00 0a 00 00 00 00 27 00 00 00 00 00: KEY 7, ASC/ASCQ 27/00'

/**
 * The program's own output: console lines without the uptime prefix and other than the storage
 * shutdown's SCSI SENSE lines, up to a crash report.
 */
function programLines(b: Boot): string[] {
  const list = b.console.split('\n')
  const crash = list.findIndex(l => l.startsWith('*** signal '))
  return (crash < 0 ? list : list.slice(0, crash)).filter(
    l => l !== '' && !KERNEL_LINE.test(l) && l !== SCSI_SENSE
  )
}

/** Status, console and the program's output of a boot, for failure messages. */
function describeBoot(b: Boot): string {
  return `status ${b.status}${b.timedOut ? ' (killed)' : ''}\n--- console ---\n${b.console}\n--- stderr ---\n${b.stderr}`
}

function expectStatus(b: Boot, status: number | null): void {
  if (b.status !== status) throw new Error(`expected QEMU status ${status}, got ${describeBoot(b)}`)
}

// ---------------------------------------------------------------------------------------------
// the real kernel's consoles (../fixtures/nanos-console), compared line by line
// ---------------------------------------------------------------------------------------------

const FIXTURES = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  'fixtures',
  'nanos-console'
)

/** The lines of a console ("\n" ends each; a last line without one is kept). */
function lines(text: string): string[] {
  const list = text.split('\n')
  if (list.at(-1) === '') list.pop()
  return list
}

function realConsole(name: string): string[] {
  return lines(fs.readFileSync(path.join(FIXTURES, name), 'utf8'))
}

/**
 * A console line with what differs from boot to boot replaced by a placeholder: the uptime,
 * addresses (0x%016lx), the program break, a file's st_ino, a frame's stack and return
 * addresses, the kernel's load offset, readlink's result (the length of the program's path),
 * and in a crash report the thread's frame, its registers and its stack's addresses and
 * values. Everything else must be the same text, and a value in another form than the real
 * kernel's is left as it is, so it differs.
 */
function shape(line: string): string {
  return line
    .replace(/^\[\d+\.\d{6}\] /, '[<uptime>] ')
    .replace(/0x[0-9a-f]{16}\b/g, '0x<address>')
    .replace(/^(\[2\] brk\(0x<address>\) = )0x[0-9a-f]{1,16}$/, '$1<break>')
    .replace(/^(\[2\] readlink\("\/proc\/self\/exe", 0x<address>, 4096\) = )\d+$/, '$1<length>')
    .replace(/st_ino=0x(?!0\b)[0-9a-f]{1,16}\b/, 'st_ino=<inode>')
    .replace(/^[0-9a-f]{16}: {3}[0-9a-f]{16}\t/, '<frame>:   <return>\t')
    .replace(/^[0-9a-f]{16}: {3}[0-9a-f]{16}$/, '<address>:   <value>')
    .replace(/^kernel load offset [0-9a-f]{16}$/, 'kernel load offset <offset>')
    .replace(/^ {5}frame: [0-9a-f]{16}$/, '     frame: <frame>')
    .replace(REGISTER, '$1: <register>')
}

/** A register line of Nanos's x86-64 context dump, in its order (rax ... gsbase). */
const REGISTER =
  /^( {3}r(?:ax|bx|cx|dx|si|di|bp|sp|1[0-5]|ip)| {4}r[89]|rflags| {4}(?:ss|cs|ds|es)|[fg]sbase): [0-9a-f]{16}$/

/**
 * A crash report's frame trace, run-specific in its length (the real x86-64 kernel showed one
 * frame or none for a program without frame pointers; the stand-in walks its own): the frame
 * lines after "frame trace:" become one "<frames>" line, each checked for its shape.
 */
function frames(list: string[]): string[] {
  const i = list.indexOf('frame trace:')
  if (i < 0) return list
  let end = i + 1
  while (end < list.length && list[end] !== '') end++
  for (const l of list.slice(i + 1, end)) expect(l).toMatch(/^[0-9a-f]{16}: {3}[0-9a-f]{16}$/)
  return [...list.slice(0, i + 1), '<frames>', ...list.slice(end)]
}

function expectLikeReal(ours: string[], real: string[]): void {
  expect(frames(ours).map(shape)).toEqual(frames(real).map(shape))
}

/** The lines up to and including the first one that matches (all of them when none does). */
function through(list: string[], pattern: RegExp): string[] {
  const i = list.findIndex(l => pattern.test(l))
  return i < 0 ? list : list.slice(0, i + 1)
}

/** The lines after the last one that matches. */
function after(list: string[], pattern: RegExp): string[] {
  const i = list.findLastIndex(l => pattern.test(l))
  return list.slice(i + 1)
}

const UNFINISHED = /<unfinished \.\.\.>$/
/** The program's path in the double's images, whose length readlink returns. */
const PROGRAM_PATH = '/target/release/my_prover'

// ---------------------------------------------------------------------------------------------
// the cases: built and booted up front, a few at a time; each test awaits its own
// ---------------------------------------------------------------------------------------------

const cases = new Map<string, () => Promise<Boot>>()
const started = new Map<string, Promise<Boot>>()
function bootCase(name: string, run: () => Promise<Boot>): void {
  cases.set(name, run)
}
function result(name: string): Promise<Boot> {
  let p = started.get(name)
  if (!p) {
    const run = cases.get(name)
    if (!run) throw new Error(`no boot case ${name}`)
    p = limited(run)
    started.set(name, p)
  }
  return p
}

const hostWorkspace = (files: Record<string, string> = {}): string => {
  const dir = makeTempDir('nia-hostws-')
  for (const [rel, data] of Object.entries(files)) writeFile(path.join(dir, rel), data)
  return dir
}

function defineCases(): void {
  bootCase('hello', () => boot(buildImage({ config: gevulot() })))
  bootCase('hello without debug_exit', () =>
    boot(buildImage({ config: { Mounts: { '%1': '/workspace' } } }))
  )
  bootCase('exit 3', () =>
    boot(buildImage({ program: ['print exiting 3', 'exit 3'], config: gevulot() }))
  )
  bootCase('exit 3 on virtio-blk', () =>
    boot(buildImage({ program: ['print exiting 3', 'exit 3'], config: gevulot() }), {
      drive: 'virtio'
    })
  )
  bootCase('exit 3 on a writable drive', () =>
    boot(buildImage({ program: ['print exiting 3', 'exit 3'], config: gevulot() }), {
      readonly: false
    })
  )
  bootCase('exit 3 without debug_exit', () =>
    boot(buildImage({ program: ['print bye', 'exit 3'], config: { Mounts: {} } }))
  )
  bootCase('crash', () =>
    boot(
      buildImage({ program: ['print about to crash', 'crash', 'print after'], config: gevulot() })
    )
  )
  bootCase('crash on virtio-blk', () =>
    boot(buildImage({ program: ['print about to crash', 'crash'], config: gevulot() }), {
      drive: 'virtio'
    })
  )
  bootCase('crash on a writable drive', () =>
    boot(buildImage({ program: ['print about to crash', 'crash'], config: gevulot() }), {
      readonly: false
    })
  )
  bootCase('crash without debug_exit', () =>
    boot(buildImage({ program: ['crash'], config: { Mounts: {} } }))
  )
  bootCase('hang', () =>
    boot(buildImage({ program: ['print hanging', 'hang'], config: gevulot() }), {
      timeoutMs: 3000
    })
  )
  bootCase('expected_exit_code', () =>
    boot(buildImage({ program: ['exit 3'], config: gevulot({}, { expected_exit_code: '3' }) }))
  )
  bootCase('expected_exit_code list, no match', () =>
    boot(
      buildImage({
        program: ['exit 5'],
        config: gevulot({}, { expected_exit_code: ['3', '4'] })
      })
    )
  )
  bootCase('expected_exit_code list, match', () =>
    boot(
      buildImage({
        program: ['exit 4'],
        config: gevulot({}, { expected_exit_code: ['3', '4'] })
      })
    )
  )
  bootCase('RebootOnExit', () =>
    boot(buildImage({ program: ['exit 3'], config: gevulot({ RebootOnExit: true }) }))
  )
  bootCase('RebootOnExit, exit 0', () =>
    boot(buildImage({ program: ['exit 0'], config: gevulot({ RebootOnExit: true }) }))
  )
  bootCase('RebootOnExit without -no-reboot', () =>
    boot(
      buildImage({ program: ['print boot', 'exit 3'], config: gevulot({ RebootOnExit: true }) }),
      {
        noReboot: false,
        timeoutMs: 3000
      }
    )
  )
  bootCase('idle_on_exit', () =>
    boot(buildImage({ program: ['print idle'], config: gevulot({}, { idle_on_exit: 't' }) }), {
      timeoutMs: 3000
    })
  )
  bootCase('idle_on_exit, exit 3', () =>
    boot(buildImage({ program: ['exit 3'], config: gevulot({}, { idle_on_exit: 't' }) }))
  )
  bootCase('no isa-debug-exit device', () =>
    boot(buildImage({ program: ['exit 3'], config: gevulot() }), { debugExitDevice: false })
  )
  bootCase('env and args', () =>
    boot(
      buildImage({
        program: [
          'print-args',
          'print-env GREETING',
          'print-env MULTI',
          'print-env IMAGE_NAME',
          'print-env NOPE',
          'if-env GREETING print greeting is set',
          'if-env MODE=fast print mode is fast',
          'if-env MODE=slow print mode is slow',
          'unless-env NOPE print NOPE is unset',
          'exit-env CODE'
        ],
        config: gevulot({
          Args: ['one', 'two words'],
          Env: { GREETING: 'hello world', MULTI: 'a%b', MODE: 'fast', CODE: '6' }
        })
      })
    )
  )
  bootCase('workspace', () =>
    boot(
      buildImage({
        program: [
          'read /workspace/in.txt',
          'write /workspace/out.txt written by the guest',
          'write /workspace/sub/deep.txt one level down',
          'read /workspace/out.txt'
        ],
        config: gevulot()
      }),
      { workspace: hostWorkspace({ 'in.txt': 'placed by the host\n', 'sub/keep': '' }) }
    )
  )
  bootCase('workspace, missing subfolder', () =>
    boot(
      buildImage({
        program: ['write /workspace/nodir/x text', 'print unreachable'],
        config: gevulot()
      })
    )
  )
  bootCase('mount_tag=1', () =>
    boot(
      buildImage({
        program: ['write /workspace/out.txt text', 'print unreachable'],
        config: gevulot()
      }),
      { mountTag: '1' }
    )
  )
  bootCase('readonly_rootfs', () =>
    boot(buildImage({ program: ['write /etc/x text', 'print unreachable'], config: gevulot() }))
  )
  const writableRoot = (extra: Record<string, unknown>) =>
    boot(
      buildImage({
        program: ['write /etc/x on the root', 'read /etc/x', 'read /data/small.txt'],
        files: { 'data/small.txt': 'small file from Files\n' },
        config: {
          Mounts: { '%1': '/workspace' },
          Files: ['data/small.txt'],
          ManifestPassthrough: { debug_exit: 't' },
          ...extra
        }
      })
    )
  bootCase('writable root', () => writableRoot({ BaseVolumeSz: '64m' }))
  bootCase('writable root without a base volume', () => writableRoot({}))
  bootCase('virtio-blk', () => boot(buildImage({ config: gevulot() }), { drive: 'virtio' }))
  bootCase('gcc-built program', () => {
    const ws = makeWorkspace()
    writeFile(
      path.join(ws.dir, 'prog.c'),
      '#include <stdio.h>\n' +
        '__attribute__((used)) static const char nia[] =\n' +
        '    "NIA-PROGRAM v1\\nprint from a C string constant\\nexit 4\\nNIA-PROGRAM-END\\n";\n' +
        'int main(void) { puts("hello"); return 4; }\n'
    )
    const cc = spawnSync('gcc', ['-O2', '-o', ws.binary, path.join(ws.dir, 'prog.c')], {
      encoding: 'utf8'
    })
    if (cc.status !== 0) throw new Error(`gcc failed: ${cc.stderr}`)
    return boot(buildImageIn(ws, { config: gevulot() }))
  })
  defineTraceCases()
}

/**
 * The real consoles' programs as scripts (the fixtures' README: probe.c and script.c), built
 * with Nanos 0.1.55 and booted on a workspace holding task.json ("abc\n"), as they were.
 */
const SCRIPT_ERRORS: Record<string, string[]> = {
  'x86-64-0.1.55-trace-script-erofs.txt': ['write /etc/x text'],
  'x86-64-0.1.55-trace-script-read-dir.txt': ['read /workspace'],
  'x86-64-0.1.55-trace-script-write-dir.txt': ['write /workspace text'],
  'x86-64-0.1.55-trace-script-nodir.txt': ['write /workspace/nodir/x text'],
  'x86-64-0.1.55-trace-script-root-missing.txt': ['read /nope']
}
const STAT2 = ['stat /workspace/task.json', 'print stat1 0', 'stat /workspace/task.json']
const FAULTED = /in mcache_dealloc\(\)\n/

function defineTraceCases(): void {
  const task = (more: Record<string, string> = {}): string =>
    hostWorkspace({ 'task.json': 'abc\n', ...more })
  const run = (
    program: string[],
    config: Record<string, unknown> = traced(),
    o: BootOptions = {},
    nanos = '0.1.55'
  ): Promise<Boot> => boot(buildImage({ program, config, nanos }), { workspace: task(), ...o })

  bootCase('trace: exit 3', () => run(['print exiting 3', 'exit 3']))
  bootCase('trace: the klib alone', () =>
    run(['print hello', 'exit 3'], gevulot({ Klibs: ['strace'] }))
  )
  bootCase('trace: debugsyscalls alone', () =>
    run(['print hello', 'exit 3'], gevulot({}, { debugsyscalls: 't' }))
  )
  bootCase('trace: hang', () =>
    run(['print sleeping', 'hang'], traced(), { stopWhen: /clock_nanosleep\(/ })
  )
  bootCase('trace: crash', () => run(['print about to crash', 'crash']))
  bootCase('trace: files', () =>
    run(
      [
        'read /workspace/task.json',
        'write /workspace/out.txt written by the guest',
        'read /workspace/out.txt',
        'read /workspace/big.txt',
        'read /etc/passwd',
        'stat /workspace/task.json',
        'stat /workspace',
        'stat /etc/passwd',
        'stat /etc',
        'stat /workspace/nope'
      ],
      traced(),
      { workspace: task({ 'big.txt': `${'x'.repeat(4099)}\n` }) }
    )
  )
  bootCase('trace: the files ops adds', () =>
    run(['read /etc/resolv.conf', 'read /proc/sys/kernel/hostname'])
  )
  bootCase('trace: sleep', () => run(['print start', 'sleep 250', 'read /workspace/missing']))
  for (const [fixture, program] of Object.entries(SCRIPT_ERRORS))
    bootCase(`trace: ${fixture}`, () => run(program))
  bootCase('trace: stat twice, 0.1.55', () =>
    run([...STAT2, 'print stat2 0'], traced(), { stopWhen: FAULTED, graceMs: 500 })
  )
  bootCase('trace: stat twice, 0.1.54', () =>
    run([...STAT2, 'print stat2 0'], traced(), {}, '0.1.54')
  )
  bootCase('stat twice, 0.1.55, untraced', () =>
    run([...STAT2, 'print stat2 0'], gevulot(), { stopWhen: /stat1 0\n/, graceMs: 500 })
  )
  bootCase('trace: stat, read, stat', () =>
    run([
      'stat /workspace/task.json',
      'read /workspace/task.json',
      'stat /workspace/task.json',
      'print done'
    ])
  )
  bootCase('trace: stat, write, stat', () =>
    run([
      'stat /workspace/task.json',
      'write /workspace/task.json new',
      'stat /workspace/task.json',
      'print done'
    ])
  )
  bootCase('trace: stat A, B, A', () =>
    run(
      [
        'stat /workspace/task.json',
        'stat /workspace/b.txt',
        'stat /workspace/task.json',
        'print done'
      ],
      traced(),
      { workspace: task({ 'b.txt': 'b\n' }), stopWhen: FAULTED }
    )
  )
  bootCase('trace: kernel-fault', () =>
    run(['print before', 'kernel-fault', 'print after'], traced(), {
      stopWhen: FAULTED,
      graceMs: 500
    })
  )
  bootCase('trace: kernel-fault on virtio-blk, two klibs', () =>
    run(['kernel-fault'], traced(['tls', 'strace']), {
      drive: 'virtio',
      stopWhen: FAULTED,
      graceMs: 500
    })
  )
  bootCase('kernel-fault, untraced', () =>
    run(['kernel-fault'], gevulot(), { stopWhen: FAULTED, graceMs: 500 })
  )
  for (const [fixture, w] of Object.entries(ROOT_WRITES))
    bootCase(`root: ${fixture}`, () =>
      boot(buildImage({ program: w.program, config: w.config, files: w.files, nanos: '0.1.55' }), {
        workspace: task(),
        drive: w.drive
      })
    )
}

/** The writes to a writable root of the real consoles: the program, its config and drive. */
interface RootWrite {
  program: string[]
  config: Record<string, unknown>
  /** QEMU's exit status in the real capture (the fixtures' README). */
  status: number
  drive?: 'virtio'
  files?: Record<string, string>
}
const BASE_VOLUME = { BaseVolumeSz: '64m' }
const ROOT_WRITES: Record<string, RootWrite> = {
  'x86-64-0.1.55-trace-script-root-enospc.txt': {
    status: 3,
    program: ['write /x.txt hello'],
    config: writable()
  },
  'x86-64-0.1.55-trace-script-root-basevolume.txt': {
    status: 1,
    program: ['write /x.txt hello', 'read /x.txt', 'print done'],
    config: writable(BASE_VOLUME)
  },
  'x86-64-0.1.55-trace-script-root-basevolume-exit3.txt': {
    status: 7,
    program: ['write /x.txt hello', 'exit 3'],
    config: writable(BASE_VOLUME)
  },
  'x86-64-0.1.55-script-root-basevolume-two-files.txt': {
    status: 1,
    program: ['write /x.txt hello', 'write /y.txt hello', 'print done'],
    config: writable(BASE_VOLUME, false)
  },
  'x86-64-0.1.55-virtio-blk-script-root-basevolume.txt': {
    status: 1,
    program: ['write /x.txt hello', 'print done'],
    config: writable(BASE_VOLUME, false),
    drive: 'virtio'
  },
  'x86-64-0.1.55-trace-script-root-overwrite.txt': {
    status: 1,
    program: ['write /etc/passwd hello', 'read /etc/passwd'],
    config: writable()
  },
  // a file of 1,000 bytes (two sectors) from Files: 1,024 bytes fit, 1,025 do not
  'x86-64-0.1.55-trace-script-root-overwrite-sizes.txt': {
    status: 3,
    program: [`write /d.txt ${'y'.repeat(1023)}`, `write /d.txt ${'y'.repeat(1024)}`],
    config: writable({ Files: ['d.txt'] }),
    files: { 'd.txt': `${'a'.repeat(999)}\n` }
  }
}

// ---------------------------------------------------------------------------------------------
// tests
// ---------------------------------------------------------------------------------------------

beforeAll(() => {
  opsBin = installOpsDouble(makeTempDir('nia-opsbin-'), '0.1.46')
  defineCases()
  // Start every boot now (a few at a time) so they overlap with one another.
  if (haveQemu) for (const name of cases.keys()) void result(name)
})

afterAll(async () => {
  for (const c of running) c.kill('SIGKILL')
  await Promise.allSettled([...started.values()])
  cleanupTempDirs()
})

describe('the stand-in and the image layout', () => {
  it('builds a boot sector plus kernel that fits in 64 KiB', () => {
    const blob = standinBlob()
    expect(blob.length).toBeGreaterThan(512)
    expect(blob.length).toBeLessThanOrEqual(STANDIN_MAX_BYTES)
    expect(blob.readUInt16LE(510)).toBe(0xaa55)
    expect(standinBlob()).toBe(blob) // cached
  })

  it('writes the stand-in at 0, the plan at 64 KiB and the record at 128 KiB', () => {
    const img = buildImage({
      program: ['print 100% sure', 'exit 2'],
      config: gevulot(
        { Env: { SPACED: 'a b\nc' }, Args: ['x y'] },
        { expected_exit_code: ['2', '9'] }
      )
    })
    const bytes = fs.readFileSync(img)
    const standin = standinBlob()
    // the boot sector's code ends before byte 434, where the filesystem region record and (at
    // 446) the partition table of a Nanos boot sector go; its signature stays
    expect(standin.subarray(434, 510).every(b => b === 0)).toBe(true)
    expect(bytes.subarray(0, 434).equals(standin.subarray(0, 434))).toBe(true)
    expect(bytes.readUInt32LE(442)).toBe(12)
    expect(bytes[446]).toBe(0x80)
    expect(bytes.readUInt16LE(510)).toBe(0xaa55)
    expect(bytes.subarray(512, standin.length).equals(standin.subarray(512))).toBe(true)
    expect(bytes.length).toBeGreaterThanOrEqual(1024 * 1024)
    expect(
      bytes.subarray(DOUBLE_IMAGE_RECORD_OFFSET, DOUBLE_IMAGE_RECORD_OFFSET + 19).toString()
    ).toBe('OPSDOUBLE-IMAGE v1\n')
    expect(bytes[DOUBLE_IMAGE_RECORD_OFFSET - 1]).toBe(0)
    const plan = readBootPlan(img).split('\n')
    expect(plan[0]).toBe('NIA-PLAN v1')
    expect(plan).toEqual(
      expect.arrayContaining([
        'arch amd64',
        'program /target/release/my_prover',
        'arg target/release/my_prover',
        'arg x%20y',
        'env SPACED a%20b%0Ac',
        'env OPS_VERSION 0.1.46',
        'mount %250 /workspace',
        'flag debug_exit',
        'flag readonly_rootfs',
        'expected_exit_code 2',
        'expected_exit_code 9',
        'dir /workspace',
        'dir /etc',
        'run print%20100%25%20sure',
        'run exit%202',
        'end'
      ])
    )
    expect(plan).not.toContain('flag reboot_on_exit')
    const { record } = readDoubleImage(img)
    expect(record.mounts.image).toEqual({ '%0': '/workspace' })
  })

  it('reads the program block anywhere in the binary; none gives the hello program', () => {
    const hello = readBootPlan(buildImage({}))
    expect(hello).toContain('\nrun print%20hello%20from%20my_prover\n')
    const ws = makeWorkspace()
    const bin = Buffer.concat([
      fs.readFileSync(ws.binary),
      Buffer.from('padding'),
      programBlock(['print from a string constant'])
    ])
    fs.writeFileSync(ws.binary, bin)
    const opsParent = makeTempDir('nia-opsparent-')
    seedOpsHome(opsParent)
    const r = spawnSync(opsBin, ['build', ws.relBinary], {
      cwd: ws.dir,
      env: { PATH: process.env.PATH, HOME: ws.dir, OPS_HOME: opsParent, ...REFUSED_PROXY_ENV },
      encoding: 'utf8'
    })
    const img = /^Bootable image file:(.*)$/m.exec(r.stdout)?.[1] as string
    expect(readBootPlan(img)).toContain('\nrun print%20from%20a%20string%20constant\nend\n')
  })

  it('RebootOnExit and Debugflags become plan flags, like ops adds them to the root tuple', () => {
    const plan = readBootPlan(
      buildImage({ config: { RebootOnExit: true, Debugflags: ['idle_on_exit'] } })
    )
    expect(plan).toContain('\nflag reboot_on_exit\n')
    expect(plan).toContain('\nflag idle_on_exit\n')
    expect(plan).not.toContain('flag debug_exit')
  })

  it('keeps the layout for arm64 images, without boot code', () => {
    const img = buildImage({ arch: 'arm64', config: gevulot() })
    const bytes = fs.readFileSync(img)
    // no boot code: only the partition table and the signature before the plan
    expect(bytes.subarray(0, 446).every(b => b === 0)).toBe(true)
    expect(bytes.readUInt16LE(510)).toBe(0xaa55)
    expect(bytes.subarray(512, DOUBLE_IMAGE_PLAN_OFFSET).every(b => b === 0)).toBe(true)
    expect(readBootPlan(img)).toContain('arch arm64')
    expect(readDoubleImage(img).record.arch).toBe('arm64')
  })
})

describe('booting the double images under QEMU (TCG)', () => {
  bootIt('prints hello and, with debug_exit, reports exit 0 as status 1', async () => {
    const b = await result('hello')
    expectStatus(b, 1)
    expect(programLines(b)).toEqual(['hello from my_prover'])
    expect(b.console).toMatch(/^\[\d+\.\d{6}\] NET: no network interface found$/m)
    // the drive is read-only: after exit code 0 the storage shutdown has one write refused
    expect(lines(b.console).slice(2).map(shape)).toEqual([
      SCSI_SENSE,
      '[<uptime>] storage_shutdown error: status 2'
    ])
    expect(b.console).not.toContain('\r')
    expect(b.wallMs).toBeLessThan(10000)
  })

  bootIt('without debug_exit powers off through ACPI: status 0 whatever the code', async () => {
    const hello = await result('hello without debug_exit')
    expectStatus(hello, 0)
    expect(hello.timedOut).toBe(false)
    expect(programLines(hello)).toEqual(['hello from my_prover'])
    const three = await result('exit 3 without debug_exit')
    expectStatus(three, 0)
    expect(programLines(three)).toEqual(['bye'])
    expectStatus(await result('crash without debug_exit'), 0)
  })

  bootIt('exit 3 gives status 7 with debug_exit', async () => {
    expectStatus(await result('exit 3'), 7)
  })

  bootIt('a crash is a fatal SIGSEGV: status 23', async () => {
    const b = await result('crash')
    expectStatus(b, 23)
    expect(programLines(b)[0]).toBe('about to crash')
    expect(b.console).not.toContain('after')
  })

  bootIt('a hang keeps QEMU running until it is killed, and nothing is left', async () => {
    const b = await result('hang')
    expect(b.timedOut).toBe(true)
    expect(b.status).toBeNull()
    expect(programLines(b)).toEqual(['hanging'])
    expect(isGone(b.pid)).toBe(true)
  })

  bootIt('expected_exit_code turns a matching code (one or any of a list) into 0', async () => {
    expectStatus(await result('expected_exit_code'), 1)
    expectStatus(await result('expected_exit_code list, match'), 1)
    expectStatus(await result('expected_exit_code list, no match'), 11)
  })

  bootIt('RebootOnExit resets on a non-zero code: -no-reboot makes QEMU exit 0', async () => {
    expectStatus(await result('RebootOnExit'), 0)
    expectStatus(await result('RebootOnExit, exit 0'), 1)
    const loop = await result('RebootOnExit without -no-reboot')
    expect(loop.timedOut).toBe(true)
    expect(programLines(loop).filter(l => l === 'boot').length).toBeGreaterThanOrEqual(2)
  })

  bootIt('idle_on_exit halts after exit 0 but not after exit 3', async () => {
    const idle = await result('idle_on_exit')
    expect(idle.timedOut).toBe(true)
    expect(programLines(idle)).toEqual(['idle'])
    expectStatus(await result('idle_on_exit, exit 3'), 7)
  })

  bootIt('without the isa-debug-exit device, debug_exit falls back to a reset', async () => {
    expectStatus(await result('no isa-debug-exit device'), 0)
  })

  bootIt('passes the environment (ops-added variables too) and the arguments', async () => {
    const b = await result('env and args')
    expectStatus(b, 13) // exit-env CODE=6
    expect(programLines(b)).toEqual([
      'argv: target/release/my_prover one two words',
      'GREETING=hello world',
      'MULTI=a%b',
      'IMAGE_NAME=my_prover',
      'NOPE is not set',
      'greeting is set',
      'mode is fast',
      'NOPE is unset'
    ])
  })

  bootIt('writes to and reads from the host folder shared as mount_tag=0', async () => {
    const b = await result('workspace')
    expectStatus(b, 1)
    expect(programLines(b)).toEqual(['placed by the host', 'written by the guest'])
    expect(fs.readFileSync(path.join(b.workspace, 'out.txt'), 'utf8')).toBe(
      'written by the guest\n'
    )
    expect(fs.readFileSync(path.join(b.workspace, 'sub/deep.txt'), 'utf8')).toBe('one level down\n')
    const missing = await result('workspace, missing subfolder')
    expectStatus(missing, 3)
    expect(programLines(missing)).toEqual(['/workspace/nodir/x: No such file or directory'])
  })

  bootIt('with mount_tag=1 the volume %0 is not attached: the write fails', async () => {
    const b = await result('mount_tag=1')
    expectStatus(b, 3)
    expect(programLines(b)).toEqual(['/workspace/out.txt: Read-only file system'])
    expect(fs.readdirSync(b.workspace)).toEqual([])
  })

  bootIt(
    'readonly_rootfs: a write to /etc fails with EROFS; a writable root takes it',
    async () => {
      const ro = await result('readonly_rootfs')
      expectStatus(ro, 3)
      expect(programLines(ro)).toEqual(['/etc/x: Read-only file system'])
      const rw = await result('writable root')
      expectStatus(rw, 1)
      expect(programLines(rw)).toEqual(['on the root', 'small file from Files'])
      // without BaseVolumeSz the root has no free space (the real consoles: below)
      const full = await result('writable root without a base volume')
      expectStatus(full, 3)
      expect(programLines(full)).toEqual(['/etc/x: No space left on device'])
    }
  )

  bootIt('takes the behaviour from a string constant of a real gcc-built program', async () => {
    const b = await result('gcc-built program')
    expectStatus(b, 9)
    expect(programLines(b)).toEqual(['from a C string constant'])
  })

  bootIt('boots from a virtio-blk drive too', async () => {
    const b = await result('virtio-blk')
    expectStatus(b, 1)
    expect(programLines(b)).toEqual(['hello from my_prover'])
    expect(lines(b.console).map(shape).slice(2)).toEqual(['[<uptime>] storage_shutdown error: 1'])
  })
})

describe('the syscall trace and the kernel fault, against the real consoles (fixtures/nanos-console)', () => {
  it('the plan names the Nanos version, the klibs ops loaded and debugsyscalls', () => {
    const plan = readBootPlan(
      buildImage({ config: traced(['nope', 'strace']), nanos: '0.1.55' })
    ).split('\n')
    expect(plan).toEqual(
      expect.arrayContaining([
        'nanos_version 0.1.55',
        'klib strace',
        'flag debugsyscalls',
        'file /etc/passwd root:x:0:0:root:/root:/bin/nobash',
        'file /etc/resolv.conf nameserver%20%208.8.8.8%0A'
      ])
    )
    expect(plan).not.toContain('klib nope') // not in the klib folder: ops leaves it out
    const debugflag = readBootPlan(buildImage({ config: { Debugflags: ['debugsyscalls'] } })).split(
      '\n'
    )
    expect(debugflag).toEqual(
      expect.arrayContaining(['nanos_version 0.1.54', 'flag debugsyscalls'])
    )
    expect(debugflag.filter(l => l.startsWith('klib '))).toEqual([])
  })

  bootIt('exit 3: the startup, stdout set up, each line then its write, exit_group', async () => {
    const b = await result('trace: exit 3')
    expectStatus(b, 7)
    const ours = lines(b.console)
    // all of it, the storage shutdown's two refused writes after exit code 3 included
    expectLikeReal(ours, realConsole('x86-64-0.1.55-trace-exit3.txt'))
    expect(ours).toContain(
      `[2] readlink("/proc/self/exe", 0x00000000fffaac00, 4096) = ${PROGRAM_PATH.length}`
    )
  })

  bootIt(
    'the strace klib or debugsyscalls alone prints no trace, as on the real kernel',
    async () => {
      for (const [name, fixture] of [
        ['trace: the klib alone', 'x86-64-0.1.55-klib-only-exit3.txt'],
        ['trace: debugsyscalls alone', 'x86-64-0.1.55-debugsyscalls-only-exit3.txt']
      ]) {
        const b = await result(name)
        expectStatus(b, 7)
        expectLikeReal(lines(b.console), realConsole(fixture))
      }
    }
  )

  bootIt('hang: clock_nanosleep unfinished, then nothing; QEMU runs on', async () => {
    const b = await result('trace: hang')
    expect(b.timedOut).toBe(true)
    const real = through(realConsole('x86-64-0.1.55-trace-hang.txt'), /clock_nanosleep/)
    expectLikeReal(lines(b.console), real)
  })

  bootIt('sleep: clock_nanosleep unfinished, then resumed', async () => {
    const b = await result('trace: sleep')
    expectStatus(b, 3)
    expectLikeReal(lines(b.console), realConsole('x86-64-0.1.55-trace-script-sleep.txt'))
  })

  bootIt('a crash: the last write shows, then the crash report with the strace klib', async () => {
    const b = await result('trace: crash')
    expectStatus(b, 23)
    expectLikeReal(lines(b.console), realConsole('x86-64-0.1.55-trace-segv.txt'))
  })

  bootIt('files on the workspace (9p) and on the root filesystem, and stat', async () => {
    const b = await result('trace: files')
    expectStatus(b, 3)
    expectLikeReal(lines(b.console), realConsole('x86-64-0.1.55-trace-script-files.txt'))
    expect(fs.readFileSync(path.join(b.workspace, 'out.txt'), 'utf8')).toBe(
      'written by the guest\n'
    )
  })

  bootIt('the files ops adds to the image read as on the real kernel', async () => {
    const b = await result('trace: the files ops adds')
    expectStatus(b, 1)
    expectLikeReal(lines(b.console), realConsole('x86-64-0.1.55-trace-script-ops-files.txt'))
  })

  bootIt('failing calls: EROFS, EISDIR on read and on write, ENOENT on 9p and root', async () => {
    for (const fixture of Object.keys(SCRIPT_ERRORS)) {
      const b = await result(`trace: ${fixture}`)
      expectStatus(b, 3)
      expectLikeReal(lines(b.console), realConsole(fixture))
    }
  })

  bootIt(
    '0.1.55: the second stat of a workspace file faults the kernel; QEMU runs on',
    async () => {
      const b = await result('trace: stat twice, 0.1.55')
      expect(b.timedOut).toBe(true)
      // all of it, the storage shutdown's lines included
      expectLikeReal(lines(b.console), realConsole('x86-64-0.1.55-trace-stat2-fault.txt'))
      expect(programLines(b)).not.toContain('stat2 0')
    }
  )

  bootIt('0.1.54: the same program stats twice and exits', async () => {
    const b = await result('trace: stat twice, 0.1.54')
    expectStatus(b, 1)
    expectLikeReal(lines(b.console), realConsole('x86-64-0.1.54-trace-stat2-pass.txt'))
  })

  bootIt('0.1.55 untraced: the fault is a silent hang', async () => {
    const b = await result('stat twice, 0.1.55, untraced')
    expect(b.timedOut).toBe(true)
    expect(lines(b.console).map(shape)).toEqual([
      '[<uptime>] NET: no network interface found',
      'stat1 0'
    ])
  })

  bootIt(
    '0.1.55: a read or a write of the file between the two stats avoids the fault',
    async () => {
      for (const [name, fixture] of [
        ['trace: stat, read, stat', 'x86-64-0.1.55-trace-script-stat-read-stat.txt'],
        ['trace: stat, write, stat', 'x86-64-0.1.55-trace-script-stat-write-stat.txt']
      ]) {
        const b = await result(name)
        expectStatus(b, 1)
        expectLikeReal(lines(b.console), realConsole(fixture))
      }
      const written = await result('trace: stat, write, stat')
      expect(fs.readFileSync(path.join(written.workspace, 'task.json'), 'utf8')).toBe('new\n')
    }
  )

  bootIt('0.1.55: stat A, stat B, stat A faults at the third stat', async () => {
    const b = await result('trace: stat A, B, A')
    expect(b.timedOut).toBe(true)
    const ours = lines(b.console)
    const real = realConsole('x86-64-0.1.55-trace-script-stat-aba-fault.txt')
    const third = (l: string[]): string[] =>
      l.slice(0, l.findLastIndex(x => UNFINISHED.test(x)) + 1)
    expectLikeReal(third(ours), third(real))
    expect(third(ours).at(-1)).toBe('[2] newfstatat(-100, "/workspace/task.json", <unfinished ...>')
    // the real kernel took a page-fault dump this time; the stand-in always asserts (kernel.c)
    expect(after(ours, UNFINISHED).slice(0, 2)).toEqual(['', 'frame trace: '])
  })

  bootIt('kernel-fault: the real fault, line for line, and QEMU runs on', async () => {
    const b = await result('trace: kernel-fault')
    expect(b.timedOut).toBe(true)
    const ours = lines(b.console)
    const real = after(realConsole('x86-64-0.1.55-trace-stat2-fault.txt'), UNFINISHED)
    expect(real.length).toBeGreaterThan(35)
    expectLikeReal(after(ours, /^\[2\] write\(1, 0x[0-9a-f]{16}, 7\) = 7$/), real)
    expect(programLines(b)).not.toContain('after')
  })

  bootIt('kernel-fault on virtio-blk: its storage line; every loaded klib listed', async () => {
    const b = await result('trace: kernel-fault on virtio-blk, two klibs')
    expect(b.timedOut).toBe(true)
    const klibsLine = /^loaded klibs: /
    const ours = after(lines(b.console), /^\[2\] mprotect\(/)
    const blk = after(realConsole('x86-64-0.1.55-trace-virtio-blk-stat2-fault.txt'), UNFINISHED)
    expectLikeReal(
      ours.filter(l => !klibsLine.test(l)),
      blk.filter(l => !klibsLine.test(l))
    )
    // NAME@0xADDRESS/0xSIZE each; the real order changes from boot to boot
    const klibs = (l: string[]): string[] =>
      (l.find(x => klibsLine.test(x)) ?? '')
        .replace(klibsLine, '')
        .split(' ')
        .map(k => k.replace(/@0x[0-9a-f]{16}\//, '@/'))
        .sort()
    const real = realConsole('x86-64-0.1.55-trace-klibs-stat2-fault.txt')
    expect(klibs(ours)).toEqual(klibs(real))
    expect(klibs(ours)).toEqual(['', 'strace@/0x1c000', 'tls@/0x91000'])
  })

  bootIt('kernel-fault untraced: the same fault, no trace, an empty klib list', async () => {
    const b = await result('kernel-fault, untraced')
    expect(b.timedOut).toBe(true)
    const ours = lines(b.console)
    expect(ours.filter(l => l.startsWith('[2] '))).toEqual([])
    const real = after(realConsole('x86-64-0.1.55-trace-stat2-fault.txt'), UNFINISHED)
    const noKlibs = realConsole('x86-64-0.1.55-segv.txt').find(l => l.startsWith('loaded klibs:'))
    expect(noKlibs).toBe('loaded klibs: ')
    expectLikeReal(
      ours.slice(1),
      real.map(l => (l.startsWith('loaded klibs:') ? (noKlibs as string) : l))
    )
  })
})

describe('the crash report and the storage shutdown, against the real consoles', () => {
  bootIt('a crash: the signal, the thread context, the core dump, line for line', async () => {
    const b = await result('crash')
    expectStatus(b, 23)
    const ours = lines(b.console)
    expectLikeReal(ours, realConsole('x86-64-0.1.55-segv.txt'))
    // the registers are the stand-in's own, in the real names and order
    expect(ours.filter(l => REGISTER.test(l)).map(l => l.slice(0, 6))).toEqual(
      realConsole('x86-64-0.1.55-segv.txt')
        .filter(l => REGISTER.test(l))
        .map(l => l.slice(0, 6))
    )
    expect(ours.slice(ours.indexOf('stack trace:') + 1, ours.indexOf('   core dump'))).toHaveLength(
      33 // 32 quadwords and an empty line
    )
  })

  bootIt('the verdict reads the crash as the program signal, not a kernel fault', async () => {
    const crash = readConsole((await result('crash')).console)
    expect(crash.programSignal?.signal).toBe(11)
    expect(crash.kernelFault).toBeUndefined()
    const traced = readConsole((await result('trace: crash')).console)
    expect(traced.programSignal?.signal).toBe(11)
    expect(traced.kernelFault).toBeUndefined()
  })

  bootIt('a crash on virtio-blk and on a writable drive: their storage lines', async () => {
    for (const [name, fixture] of [
      ['crash on virtio-blk', 'x86-64-0.1.55-virtio-blk-segv.txt'],
      ['crash on a writable drive', 'x86-64-0.1.55-writable-drive-segv.txt']
    ]) {
      const b = await result(name)
      expectStatus(b, 23)
      expectLikeReal(lines(b.console), realConsole(fixture))
    }
  })

  bootIt(
    'exit 3: two refused writes on virtio-scsi and virtio-blk, none when writable',
    async () => {
      for (const [name, fixture] of [
        ['exit 3', 'x86-64-0.1.55-exit3.txt'],
        ['exit 3 on virtio-blk', 'x86-64-0.1.55-virtio-blk-exit3.txt'],
        ['exit 3 on a writable drive', 'x86-64-0.1.55-writable-drive-exit3.txt']
      ]) {
        const b = await result(name)
        expectStatus(b, 7)
        expectLikeReal(lines(b.console), realConsole(fixture))
      }
    }
  )

  it('the plan says whether ops was given BaseVolumeSz', () => {
    expect(readBootPlan(buildImage({ config: writable(BASE_VOLUME) })).split('\n')).toContain(
      'base_volume 64m'
    )
    expect(readBootPlan(buildImage({ config: writable() }))).not.toContain('base_volume')
  })

  bootIt(
    "a writable root: ENOSPC without BaseVolumeSz (unless the file's own sectors hold it), a write with it, and their storage lines",
    async () => {
      for (const [fixture, w] of Object.entries(ROOT_WRITES)) {
        const b = await result(`root: ${fixture}`)
        expectStatus(b, w.status)
        expectLikeReal(lines(b.console), realConsole(fixture))
      }
    }
  )
})
