/**
 * The runner protocol the action speaks on its hot path: workflow commands on stdout
 * (annotations, masks, groups) and the GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files, in the same
 * format as @actions/core.
 *
 * Why not @actions/core here: its bundle pulls in @actions/http-client and undici (for OIDC
 * tokens this action never asks for), which measured 115 ms of load time per run on the
 * benchmark machine, more than everything else the warm path does (docs/PERFORMANCE.md).
 * @actions/core is still what the artifact client and tool-cache use, loaded only when needed.
 */
import { randomUUID } from 'node:crypto'
import { appendFileSync } from 'node:fs'
import { appendFile } from 'node:fs/promises'
import { EOL } from 'node:os'

const escapeData = (text: string): string =>
  text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')

function command(name: string, message: string): void {
  process.stdout.write(`::${name}::${escapeData(message)}${EOL}`)
}

export const info = (message: string): void => void process.stdout.write(`${message}${EOL}`)
export const debug = (message: string): void => command('debug', message)
export const notice = (message: string): void => command('notice', message)
export const warning = (message: string): void => command('warning', message)
export const error = (message: string): void => command('error', message)

/** Mark the step failed with one error annotation. */
export function setFailed(message: string): void {
  process.exitCode = 1
  error(message)
}

/** Ask the runner to mask `value` in everything printed after this. */
export const setSecret = (value: string): void => command('add-mask', value)

export function setOutput(name: string, value: string): void {
  const file = process.env.GITHUB_OUTPUT
  if (!file) {
    process.stdout.write(`${EOL}::set-output name=${name}::${escapeData(value)}${EOL}`)
    return
  }
  const delimiter = `ghadelimiter_${randomUUID()}`
  appendFileSync(file, `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}${EOL}`, 'utf8')
}

/** Run `fn` inside a collapsible log group. */
export async function group<T>(name: string, fn: () => Promise<T>): Promise<T> {
  command('group', name)
  try {
    return await fn()
  } finally {
    command('endgroup', '')
  }
}

/** Append to the job summary; throws when there is no summary file or it cannot be written. */
export async function appendSummary(markdown: string): Promise<void> {
  const file = process.env.GITHUB_STEP_SUMMARY
  if (!file)
    throw new Error(
      'GITHUB_STEP_SUMMARY is not set: the job summary is written on a GitHub runner only'
    )
  await appendFile(file, markdown, 'utf8')
}
