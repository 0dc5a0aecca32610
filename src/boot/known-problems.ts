/**
 * Known problems of the Nanos kernel that make a sound program fail its boot test, in one
 * table (nanos-boot.md, "Kernel faults and the syscall trace"). Each entry says which releases
 * and architectures it affects, the evidence that names it (a console pattern and/or where the
 * program stopped in the syscall trace), and what to do. The boot test names a matching entry
 * in its error; the plan warns before the build when the requested release is affected and the
 * image mounts a workspace (for entries that a common program meets). Pure.
 */
import type { Arch } from '../install/platform.js'
import { compareVersions, parseVersion } from '../install/versions.js'
import { pathOf, type Syscall } from './trace.js'
import type { FailureKind } from './verdict.js'

export interface KnownProblem {
  id: string
  /** One sentence: what goes wrong. */
  title: string
  /** The affected releases, in words, and as a test. */
  releases: string
  affects: (version: string) => boolean
  arches: readonly Arch[]
  /** The failures it shows as. */
  kinds: readonly FailureKind[]
  /** A console line only this problem prints. */
  console?: RegExp
  /** The call the program stops in, given the trace up to it and the workspace mount points. */
  stopsIn?: (stopped: Syscall, before: readonly Syscall[], mounts: readonly string[]) => boolean
  advice: string
  /** Warn before the build when the release is affected and the image mounts a workspace. */
  warnBeforeBuild: boolean
}

/** Calls that look a file up by its path. */
const PATH_CALLS =
  /^(newfstatat|fstatat64|stat|lstat|statx|openat|open|access|faccessat2?|readlinkat?)$/
const STAT_CALLS = /^(newfstatat|fstatat64|stat|lstat|statx)$/

const atLeast = (first: string) => (version: string) =>
  parseVersion(version) !== undefined && compareVersions(version, first) >= 0

function underMount(file: string | undefined, mounts: readonly string[]): file is string {
  return (
    file !== undefined &&
    mounts.some(m => file === m || file.startsWith(`${m.replace(/\/+$/, '')}/`))
  )
}

export const KNOWN_PROBLEMS: readonly KnownProblem[] = [
  {
    id: 'nanos-0.1.55-9p-stat',
    title:
      'Nanos 0.1.55 faults (or hangs) on the next path access to a workspace file after a stat() of it, e.g. stat() twice, or Rust\'s path.exists() followed by File::open(): its 9p code frees the file\'s metadata while the folder still points at it (nanovms/nanos commit aca0073e, "filesystem: remove ".." attribute from non-directory entries").',
    releases: '0.1.55 and later (no fixed release yet)',
    affects: atLeast('0.1.55'),
    arches: ['amd64', 'arm64'],
    kinds: ['kernel-fault', 'timeout'],
    console:
      /assertion m->allocated >= o->pagesize failed .* in mcache_dealloc\(\)|p9_md_cleanup|p9_fsf_free/,
    stopsIn: (stopped, before, mounts) => {
      const file = pathOf(stopped)
      return (
        PATH_CALLS.test(stopped.name) &&
        underMount(file, mounts) &&
        before.some(call => STAT_CALLS.test(call.name) && !call.unfinished && pathOf(call) === file)
      )
    },
    advice:
      "Set `nanos-version: 0.1.54` (the last release without the fault; the action's default), until a Nanos release fixes it.",
    warnBeforeBuild: true
  },
  {
    id: 'nanos-9p-stat-after-close',
    title:
      'Nanos hangs, intermittently (in about 15–50% of boots), in a stat() of a workspace file right after the program wrote and closed it: the stat waits on the background flush of the closed file.',
    releases: '0.1.53 and later',
    affects: atLeast('0.1.53'),
    arches: ['amd64', 'arm64'],
    kinds: ['timeout'],
    stopsIn: (stopped, before, mounts) => {
      const file = pathOf(stopped)
      if (!STAT_CALLS.test(stopped.name) || !underMount(file, mounts)) return false
      // The file was opened for writing (O_WRONLY or O_RDWR), and that descriptor closed.
      const opened = [...before]
        .reverse()
        .find(call => /^open(at)?$/.test(call.name) && pathOf(call) === file)
      const flags = opened && /"\s*,\s*(0x[0-9a-f]+|\d+)/i.exec(opened.args)
      const writes = flags ? (Number(flags[1]) & 3) !== 0 : false
      const fd = opened?.result
      return writes && before.some(call => call.name === 'close' && call.args.trim() === fd)
    },
    advice:
      'Call fsync() on the file before closing it (or sync_all() in Rust): every boot then passed in our runs.',
    // Every release has it, and only a program that stats a file right after writing it meets
    // it: a warning on every build would say nothing.
    warnBeforeBuild: false
  }
]

export interface Symptoms {
  nanosVersion: string
  arch: Arch
  kind: FailureKind
  console: string
  /** The trace of the diagnosis boot, when there is one. */
  calls?: readonly Syscall[]
  stopped?: Syscall
  /** Where the image mounts volumes (the workspace). */
  mounts: readonly string[]
}

/** The known problem these symptoms show, if any. */
export function knownProblem(s: Symptoms): KnownProblem | undefined {
  return KNOWN_PROBLEMS.find(problem => {
    if (!problem.affects(s.nanosVersion) || !problem.arches.includes(s.arch)) return false
    if (!problem.kinds.includes(s.kind)) return false
    if (problem.console?.test(s.console)) return true
    if (!problem.stopsIn || !s.stopped || !s.calls) return false
    const before = s.calls.slice(0, s.calls.indexOf(s.stopped))
    return problem.stopsIn(s.stopped, before, s.mounts)
  })
}

/** The problems to warn about before building an image of `version` that mounts a workspace. */
function problemsBeforeBuild(version: string, arch: Arch): KnownProblem[] {
  return KNOWN_PROBLEMS.filter(
    p => p.warnBeforeBuild && p.affects(version) && p.arches.includes(arch)
  )
}

/**
 * Warnings before the build: the known problems of `version` that an image mounting a
 * workspace meets (none when it mounts nothing).
 */
export function warningsBeforeBuild(
  version: string,
  arch: Arch,
  mounts: readonly string[]
): string[] {
  if (mounts.length === 0) return []
  return problemsBeforeBuild(version, arch).map(
    p =>
      `Nanos ${version} has a known problem for images that mount a workspace (this one mounts ${mounts.join(', ')}): ${p.title} ${p.advice}`
  )
}
