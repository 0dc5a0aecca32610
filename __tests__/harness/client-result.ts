/**
 * Reading what the client driver scripts print (see client-outcome.mjs): one line
 * `@@RESULT <json>` among the client's own logging.
 */
export interface ClientResult {
  ok: boolean
  /** What the client call returned (absent when it returned undefined). */
  result?: unknown
  /** The error's name and message, when the call threw. */
  name?: string
  message?: string
}

const MARK = '@@RESULT '

/** The `@@RESULT` line of a driver's stdout, or undefined when it printed none. */
export function parseClientResult(stdout: string): ClientResult | undefined {
  const line = stdout.split('\n').find(l => l.startsWith(MARK))
  return line === undefined ? undefined : (JSON.parse(line.slice(MARK.length)) as ClientResult)
}

/** The lines of stdout that are neither workflow commands (`::…`) nor the result line. */
export function plainLines(stdout: string): string[] {
  return stdout.split('\n').filter(l => l && !l.startsWith('::') && !l.startsWith(MARK))
}
