/**
 * Runs the committed bundle (dist/index.js) in a separate Node process the way the GitHub runner
 * does: inputs as INPUT_<NAME>, fresh GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files, RUNNER_TEMP,
 * RUNNER_TOOL_CACHE, GITHUB_WORKSPACE. Nothing of the parent's runner context leaks in.
 */
import { spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root (two levels above __tests__/harness). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
export const ACTION_ENTRY = path.join(REPO_ROOT, 'dist', 'index.js')

export interface RunActionOptions {
  /** Action inputs by their action.yml name (e.g. 'image-name'); undefined values are skipped. */
  inputs?: Record<string, string | undefined>
  /** Extra environment (wins over everything); undefined deletes a variable. */
  env?: Record<string, string | undefined>
  /** Working directory, also GITHUB_WORKSPACE (default: a fresh temp dir). */
  cwd?: string
  /** RUNNER_TOOL_CACHE to reuse across runs (default: a fresh temp dir). */
  toolCache?: string
  /** RUNNER_TEMP (default: a fresh temp dir). */
  runnerTemp?: string
  /** HOME of the action process (default: a fresh temp dir, so ~/.ops is never the real one). */
  home?: string
  /**
   * Home the ops double treats as the user database's (OPS_DOUBLE_USER_HOME, where it reads
   * .opsrc). Default: a fresh temp dir distinct from HOME.
   */
  userHome?: string
  /** Kill the whole process group after this long (default 90 s); the result says timedOut. */
  timeoutMs?: number
  /** Entry script (default dist/index.js). */
  entry?: string
  /** Called with the action's process once it started (e.g. to signal it as a runner would). */
  onSpawn?: (child: import('node:child_process').ChildProcess) => void
}

export interface RunActionResult {
  code: number | null
  signal: NodeJS.Signals | null
  timedOut: boolean
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
  durationMs: number
  runnerTemp: string
  toolCache: string
  workspace: string
  home: string
  userHome: string
  /** Paths of the GITHUB_* files given to the process. */
  files: { output: string; summary: string; env: string; path: string; state: string }
}

/** Variables of the parent that must never reach the action process. */
const STRIPPED_PREFIXES = ['INPUT_', 'GITHUB_', 'RUNNER_', 'ACTIONS_', 'STATE_', 'OPS_DOUBLE_']
const STRIPPED_NAMES = [
  'OPS_HOME',
  'OPS_DEFAULT_CONFIG',
  'ops_render_config',
  'NODE_OPTIONS',
  'CI',
  'HOME'
]

/** Temp dirs runAction created and nobody removed yet. */
const createdDirs = new Set<string>()

function freshDir(prefix: string): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)))
  createdDirs.add(dir)
  return dir
}

/** Parses a GITHUB_OUTPUT (or GITHUB_ENV / GITHUB_STATE) file: heredoc and name=value forms. */
export function parseKeyValueFile(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]
    if (line === '') continue
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line)
    if (heredoc) {
      const [, name, delimiter] = heredoc
      const value: string[] = []
      let j = i + 1
      for (; j < lines.length && lines[j] !== delimiter; j++) value.push(lines[j])
      if (j >= lines.length)
        throw new Error(`unterminated value for ${name} (delimiter ${delimiter})`)
      out[name] = value.join('\n')
      i = j
      continue
    }
    const eq = line.indexOf('=')
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1)
    else throw new Error(`unparseable line in key/value file: ${JSON.stringify(line)}`)
  }
  return out
}

export async function runAction(opts: RunActionOptions = {}): Promise<RunActionResult> {
  const runnerTemp = opts.runnerTemp ?? freshDir('nia-runner-temp-')
  const toolCache = opts.toolCache ?? freshDir('nia-tool-cache-')
  const workspace = opts.cwd ?? freshDir('nia-workspace-')
  const home = opts.home ?? freshDir('nia-home-')
  const userHome = opts.userHome ?? freshDir('nia-user-home-')
  const filesDir = freshDir('nia-runner-files-')
  const files = {
    output: path.join(filesDir, 'github_output'),
    summary: path.join(filesDir, 'step_summary'),
    env: path.join(filesDir, 'github_env'),
    path: path.join(filesDir, 'github_path'),
    state: path.join(filesDir, 'github_state')
  }
  for (const f of Object.values(files)) fs.writeFileSync(f, '')

  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined) continue
    if (STRIPPED_PREFIXES.some(p => k.startsWith(p)) || STRIPPED_NAMES.includes(k)) continue
    env[k] = v
  }
  Object.assign(env, {
    HOME: home,
    OPS_DOUBLE_USER_HOME: userHome,
    PATH: [path.dirname(process.execPath), process.env.PATH ?? '']
      .filter(Boolean)
      .join(path.delimiter),
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_ENV: files.env,
    GITHUB_PATH: files.path,
    GITHUB_STATE: files.state,
    GITHUB_WORKSPACE: workspace,
    GITHUB_REPOSITORY: 'octo-org/prover',
    GITHUB_REPOSITORY_OWNER: 'octo-org',
    GITHUB_RUN_ID: '1000',
    GITHUB_RUN_NUMBER: '1',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_JOB: 'build',
    GITHUB_WORKFLOW: 'ci',
    GITHUB_ACTION: 'nanos-image',
    GITHUB_ACTION_PATH: REPO_ROOT,
    GITHUB_EVENT_NAME: 'push',
    GITHUB_SHA: '0000000000000000000000000000000000000000',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_NAME: 'test-runner',
    RUNNER_TEMP: runnerTemp,
    RUNNER_TOOL_CACHE: toolCache
  })
  for (const [name, value] of Object.entries(opts.inputs ?? {})) {
    if (value === undefined) continue
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value
  }
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k]
    else env[k] = v
  }

  const entry = opts.entry ?? ACTION_ENTRY
  if (!fs.existsSync(entry))
    throw new Error(`runAction: ${entry} does not exist (run npm run build)`)

  const started = Date.now()
  const child = spawn(process.execPath, [entry], {
    cwd: workspace,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true // own process group, so a hanging ops child dies with it
  })
  const stdout: Buffer[] = []
  const stderr: Buffer[] = []
  opts.onSpawn?.(child)
  child.stdout.on('data', (c: Buffer) => stdout.push(c))
  child.stderr.on('data', (c: Buffer) => stderr.push(c))

  let timedOut = false
  const killGroup = (): void => {
    if (child.pid === undefined) return
    try {
      process.kill(-child.pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  const timer = setTimeout(() => {
    timedOut = true
    killGroup()
  }, opts.timeoutMs ?? 90_000)

  const { code, signal } = await new Promise<{
    code: number | null
    signal: NodeJS.Signals | null
  }>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (c, s) => resolve({ code: c, signal: s }))
  })
  clearTimeout(timer)
  killGroup() // leftovers of the group (e.g. an ops child the action left behind)
  const durationMs = Date.now() - started

  const result: RunActionResult = {
    code,
    signal,
    timedOut,
    stdout: Buffer.concat(stdout).toString('utf8'),
    stderr: Buffer.concat(stderr).toString('utf8'),
    outputs: parseKeyValueFile(fs.readFileSync(files.output, 'utf8')),
    summary: fs.readFileSync(files.summary, 'utf8'),
    durationMs,
    runnerTemp,
    toolCache,
    workspace,
    home,
    userHome,
    files
  }
  return result
}

/**
 * Removes the temp dirs runAction created for this result (dirs passed in by the caller are never
 * touched; list in `keep` any created dir you still need, e.g. a tool cache for the next run).
 */
export function cleanupRun(r: RunActionResult, keep: string[] = []): void {
  const dirs = [
    r.runnerTemp,
    r.toolCache,
    r.workspace,
    r.home,
    r.userHome,
    path.dirname(r.files.output)
  ]
  for (const d of dirs) {
    if (keep.includes(d) || !createdDirs.has(d)) continue
    fs.rmSync(d, { recursive: true, force: true })
    createdDirs.delete(d)
  }
}

/** Removes every temp dir runAction created in this test file (call it in afterAll). */
export function cleanupAllRuns(): void {
  for (const d of [...createdDirs]) {
    fs.rmSync(d, { recursive: true, force: true })
    createdDirs.delete(d)
  }
}

// ---------------------------------------------------------------------------------------------
// workflow command annotations on stdout
// ---------------------------------------------------------------------------------------------

export type AnnotationKind = 'error' | 'warning' | 'notice'

export interface Annotation {
  kind: AnnotationKind
  properties: Record<string, string>
  message: string
  raw: string
}

function unescapeData(s: string): string {
  return s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%')
}

function unescapeProperty(s: string): string {
  return s
    .replace(/%0D/g, '\r')
    .replace(/%0A/g, '\n')
    .replace(/%3A/g, ':')
    .replace(/%2C/g, ',')
    .replace(/%25/g, '%')
}

/** All ::error/::warning/::notice commands on stdout, decoded. */
export function annotations(stdout: string, kind?: AnnotationKind): Annotation[] {
  const out: Annotation[] = []
  for (const raw of stdout.split(/\r?\n/)) {
    const m = /^::(error|warning|notice)(?: ([^:]*))?::(.*)$/.exec(raw)
    if (!m) continue
    const k = m[1] as AnnotationKind
    if (kind && k !== kind) continue
    const properties: Record<string, string> = {}
    for (const part of (m[2] ?? '').split(',')) {
      if (!part) continue
      const eq = part.indexOf('=')
      if (eq > 0) properties[part.slice(0, eq)] = unescapeProperty(part.slice(eq + 1))
    }
    out.push({ kind: k, properties, message: unescapeData(m[3]), raw })
  }
  return out
}

/** Decoded messages of the ::error annotations (a title, if any, is in annotations()). */
export function errors(stdout: string): string[] {
  return annotations(stdout, 'error').map(a => a.message)
}

export function warnings(stdout: string): string[] {
  return annotations(stdout, 'warning').map(a => a.message)
}

export function notices(stdout: string): string[] {
  return annotations(stdout, 'notice').map(a => a.message)
}
