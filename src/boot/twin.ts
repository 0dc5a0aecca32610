/**
 * The image the boot test boots. Nanos reports the program's exit status to the host only when
 * the manifest carries `ManifestPassthrough.debug_exit` (nanos-boot.md), and a few keys keep
 * the code from arriving (`RebootOnExit`/`reboot_on_exit` reset the VM on a non-zero code,
 * `idle_on_exit` halts it on 0, `expected_exit_code` turns a code into 0). So the test boots a
 * twin built from the same manifest with `debug_exit`, without those keys, and with the
 * `test-env`/`test-args` overrides; the uploaded image stays exactly what the inputs describe.
 * Pure.
 */
import type { Manifest } from '../image/manifest.js'

/** Root-tuple flags that stop the exit code reaching the host (set as passthrough or Debugflags). */
const EXIT_HIDING_FLAGS = ['reboot_on_exit', 'idle_on_exit', 'expected_exit_code']

export interface TwinOverrides {
  /** Over the image's Env. */
  env?: Record<string, string>
  /** Replacing the image's Args. */
  args?: string[]
}

export interface Twin {
  manifest: Manifest
  /** The image itself can be booted: it already reports its exit code and nothing changes. */
  sameAsImage: boolean
  /** What the twin leaves out of the image's manifest, for the log. */
  dropped: string[]
}

export function twinManifest(manifest: Manifest, overrides: TwinOverrides): Twin {
  const m: Manifest = structuredClone(manifest)
  const dropped: string[] = []
  if (m.RebootOnExit !== undefined) {
    if (m.RebootOnExit === true) dropped.push('RebootOnExit')
    delete m.RebootOnExit
  }
  const passthrough = { ...(m.ManifestPassthrough as Record<string, unknown> | undefined) }
  for (const key of EXIT_HIDING_FLAGS) {
    if (Object.hasOwn(passthrough, key)) {
      dropped.push(`ManifestPassthrough.${key}`)
      delete passthrough[key]
    }
  }
  const hadDebugExit = Object.hasOwn(passthrough, 'debug_exit')
  if (!hadDebugExit) passthrough.debug_exit = 't'
  m.ManifestPassthrough = passthrough
  if (Array.isArray(m.Debugflags)) {
    const kept = (m.Debugflags as string[]).filter(flag => !EXIT_HIDING_FLAGS.includes(flag))
    for (const flag of m.Debugflags as string[])
      if (!kept.includes(flag)) dropped.push(`Debugflags ${flag}`)
    m.Debugflags = kept
  }
  if (overrides.env) m.Env = { ...(m.Env as Record<string, string> | undefined), ...overrides.env }
  if (overrides.args) m.Args = overrides.args
  const sameAsImage = hadDebugExit && dropped.length === 0 && !overrides.env && !overrides.args
  return { manifest: sameAsImage ? manifest : m, sameAsImage, dropped }
}

/** The codes the manifest's `expected_exit_code` turns into 0 (a number, or a list). */
export function expectedExitCodes(manifest: Manifest): number[] {
  const passthrough = manifest.ManifestPassthrough as Record<string, unknown> | undefined
  const value = passthrough?.expected_exit_code
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value]
  return list.map(v => Number(v)).filter(n => Number.isInteger(n) && n >= 0 && n <= 255)
}

/** The klib that prints every system call, shipped in every Nanos release. */
export const TRACE_KLIB = 'strace'

/**
 * The diagnosis twin: the test twin with Nanos's syscall trace on (the `strace` klib and
 * `ManifestPassthrough.debugsyscalls`), so that the console shows the program's system calls.
 * `klibDir` replaces the manifest's KlibDir when the klib had to be put beside the user's.
 */
export function traceManifest(twin: Manifest, klibDir?: string): Manifest {
  const m: Manifest = structuredClone(twin)
  const klibs = (m.Klibs as string[] | undefined) ?? []
  if (!klibs.includes(TRACE_KLIB)) m.Klibs = [...klibs, TRACE_KLIB]
  m.ManifestPassthrough = {
    ...(m.ManifestPassthrough as Record<string, unknown> | undefined),
    debugsyscalls: 't'
  }
  if (klibDir) m.KlibDir = klibDir
  return m
}
