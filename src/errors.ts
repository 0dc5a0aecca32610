/**
 * Errors the action reports to the user. Each carries the message shown in the single
 * `::error::` annotation; `InputError` also names the offending input.
 */

/** One or more inputs are wrong. Raised before any download or build starts. */
export class InputError extends Error {
  constructor(
    readonly problems: readonly InputProblem[],
    options?: ErrorOptions
  ) {
    super(formatProblems(problems), options)
    this.name = 'InputError'
  }
}

export interface InputProblem {
  /** The input's name as written in the workflow, e.g. `image-name`. */
  input: string
  /** What is wrong and what to do about it. */
  message: string
}

function formatProblems(problems: readonly InputProblem[]): string {
  if (problems.length === 1) return `Input \`${problems[0].input}\`: ${problems[0].message}`
  return [
    `${problems.length} inputs need fixing:`,
    ...problems.map(p => `- \`${p.input}\`: ${p.message}`)
  ].join('\n')
}

/** A failure of the environment or of a tool: a download, ops, the disk, the artifact service. */
export class ActionError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'ActionError'
  }
}

/** The text of any thrown value, without a stack. */
export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
