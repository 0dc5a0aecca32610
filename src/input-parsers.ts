/**
 * How each kind of input is read: the raw `INPUT_*` text as the runner passes it, booleans as
 * `getBooleanInput` accepts them, whole numbers in a range, lists, and the structured inputs
 * (`env`, `mounts`, `mirror`). Pure; every problem is pushed, named after its input.
 */
import type { InputProblem } from './errors.js'

export type Env = Readonly<Record<string, string | undefined>>

const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/

/** Reads one step's inputs from its environment, collecting problems. */
export class InputReader {
  readonly problems: InputProblem[] = []

  constructor(private readonly env: Env) {}

  /** The trimmed value, '' when unset. */
  raw(name: string): string {
    return (this.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim()
  }

  optional(name: string): string | undefined {
    return this.raw(name) || undefined
  }

  fail(input: string, message: string): undefined {
    this.problems.push({ input, message })
    return undefined
  }

  bool(name: string, fallback: boolean): boolean {
    const value = this.raw(name)
    if (value === '') return fallback
    if (['true', 'True', 'TRUE'].includes(value)) return true
    if (['false', 'False', 'FALSE'].includes(value)) return false
    this.fail(name, `"${value}" is not a boolean: write true or false.`)
    return fallback
  }

  /** undefined when the input is not set. */
  optionalBool(name: string): boolean | undefined {
    return this.raw(name) === '' ? undefined : this.bool(name, false)
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name)
    if (value === '') return fallback
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      this.fail(name, `"${value}" is out of range: give a whole number from ${min} to ${max}.`)
      return fallback
    }
    return Number(value)
  }

  /** Non-empty trimmed lines; undefined when there are none. */
  lines(name: string): string[] | undefined {
    return lines(this.raw(name))
  }
}

function lines(value: string): string[] | undefined {
  const list = value
    .split(/\r?\n/)
    .map(s => s.trim())
    .filter(Boolean)
  return list.length > 0 ? list : undefined
}

/**
 * `KEY=VALUE` lines (values may contain `=`; `#` starts a comment line). A problem never quotes
 * the line itself: it may hold a secret value.
 */
export function parseEnvLines(
  input: string,
  value: string,
  problems: InputProblem[]
): Record<string, string> | undefined {
  const list = lines(value)?.filter(line => !line.startsWith('#'))
  if (!list?.length) return undefined
  const env: Record<string, string> = {}
  for (const [index, line] of list.entries()) {
    const eq = line.indexOf('=')
    if (eq < 0) {
      problems.push({
        input,
        message: `entry ${index + 1} has no "=": write one KEY=VALUE per line.`
      })
      continue
    }
    const key = line.slice(0, eq).trim()
    if (!ENV_KEY.test(key)) {
      problems.push({
        input,
        message: `entry ${index + 1}: "${key.slice(0, 64)}" is not a valid variable name (letters, digits and _, not starting with a digit).`
      })
      continue
    }
    if (Object.hasOwn(env, key)) {
      problems.push({ input, message: `${key} is set twice: keep one line for it.` })
      continue
    }
    env[key] = line.slice(eq + 1).trim()
  }
  return env
}

/** `LABEL:PATH` lines. */
export function parseMounts(
  value: string,
  problems: InputProblem[]
): Record<string, string> | undefined {
  const list = lines(value)
  if (!list) return undefined
  const mounts: Record<string, string> = {}
  for (const line of list) {
    const colon = line.indexOf(':')
    const label = line.slice(0, colon).trim()
    const target = line.slice(colon + 1).trim()
    if (colon < 0 || !label || !target.startsWith('/')) {
      problems.push({
        input: 'mounts',
        message: `"${line}" is not LABEL:PATH: write e.g. %1:/workspace (a volume label, a colon, an absolute path in the image).`
      })
      continue
    }
    mounts[label] = target
  }
  return mounts
}

/** A plain http(s) base URL, returned without its trailing slashes. */
export function parseMirror(value: string, fallback: string, problems: InputProblem[]): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    problems.push({
      input: 'mirror',
      message: `"${value}" is not a URL: write e.g. https://storage.googleapis.com.`
    })
    return fallback
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    problems.push({ input: 'mirror', message: `"${value}" must be an http(s) URL.` })
  } else if (url.search || url.hash || url.username || url.password) {
    problems.push({
      input: 'mirror',
      message:
        'must be a plain base URL, without credentials, query or fragment (the same layout as https://storage.googleapis.com below it).'
    })
  }
  return url.href.replace(/\/+$/, '')
}
