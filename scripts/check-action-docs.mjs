#!/usr/bin/env node
/**
 * Check that action.yml and README.md document the same inputs and outputs.
 *
 * Reads action.yml with the `yaml` package and the markdown tables under the README's
 * `## Inputs` and `## Outputs` headings (first column: the backticked name; the inputs table
 * also has a "Default" column), and fails, listing every difference, when a name is in one but
 * not the other or when a default differs:
 *   - action.yml has a default: the README cell must show that value (backticks optional);
 *   - action.yml has none: the README cell may be empty, "-", "none" or words describing what
 *     the action computes at run time ("the image name"), but not a literal value in one code
 *     span (`true`), which would claim a default action.yml does not have.
 *
 * Usage: node scripts/check-action-docs.mjs [--action <action.yml>] [--readme <README.md>]
 */
import { readFileSync } from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { parse as parseYaml } from 'yaml'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** Cells of a table row; `\|` is a pipe inside a cell. */
const cells = row =>
  row
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map(c => c.replace(/\\\|/g, '|').trim())

/** Rows of the tables in the `## <heading>` section (### subsections included, code fences skipped). */
export function readmeTable(text, heading) {
  const rows = []
  let inSection = false
  let found = false
  let fenced = false
  let columns
  const lines = text.split(/\r?\n/)
  for (const [i, line] of lines.entries()) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced
    if (fenced) continue
    const h = /^(#{1,2})\s+(.*?)\s*#*\s*$/.exec(line)
    if (h) {
      inSection = h[1] === '##' && h[2].toLowerCase() === heading.toLowerCase()
      found ||= inSection
      columns = undefined
      continue
    }
    if (!inSection || !line.trim().startsWith('|')) {
      columns = undefined
      continue
    }
    if (!columns) {
      columns = cells(line).map(c => c.replace(/[*_`]/g, '').toLowerCase())
      continue
    }
    if (/^\|?[\s:|-]+$/.test(line)) continue // the separator row
    const row = cells(line)
    const name = /^(?:\*\*)?`([^`]+)`/.exec(row[0])?.[1]
    const col = columns.findIndex(c => c.startsWith('default'))
    rows.push({ name, cell: row[0], default: col >= 0 ? (row[col] ?? '') : undefined, line: i + 1 })
  }
  return { rows, found }
}

/** A default cell: none (empty, -, none), one code span (a literal), or words. */
function shownDefault(cell) {
  const text = cell.replace(/<br\s*\/?>/gi, ' ').trim()
  if (/^(|-|—|–|n\/a|none|\(none\)|_none_)$/i.test(text)) return { kind: 'none' }
  const code = /^(`+) ?([^`](?:.*?[^`])?) ?\1$/.exec(text)
  if (code && !code[2].includes(code[1])) return { kind: 'literal', value: code[2] }
  return { kind: 'prose', value: text.replace(/`/g, '') }
}

const normalize = value =>
  String(value ?? '')
    .replace(/\s+/g, ' ')
    .trim()

/** Every difference between the two documents, as lines. */
export function compare(actionText, readmeText, files) {
  const action = parseYaml(actionText) ?? {}
  const problems = []
  const counts = {}
  for (const [kind, heading] of [
    ['inputs', 'Inputs'],
    ['outputs', 'Outputs']
  ]) {
    const one = kind.slice(0, -1)
    const declared = new Map(Object.entries(action[kind] ?? {}))
    counts[kind] = declared.size
    const { rows, found } = readmeTable(readmeText, heading)
    if (!found) problems.push(`${files.readme}: no "## ${heading}" heading`)
    else if (rows.length === 0) problems.push(`${files.readme}: no table under "## ${heading}"`)
    const documented = new Map()
    for (const row of rows) {
      const where = `${files.readme}:${row.line}`
      if (!row.name)
        problems.push(
          `${where}: the first column of the ${heading} table is not a backticked name: ${row.cell}`
        )
      else if (documented.has(row.name))
        problems.push(`${where}: ${one} \`${row.name}\` is listed twice`)
      else documented.set(row.name, row)
    }
    if (rows.length > 0)
      for (const name of declared.keys())
        if (!documented.has(name))
          problems.push(
            `${one} \`${name}\` is in ${files.action} but not in ${files.readme} (## ${heading})`
          )
    for (const [name, row] of documented)
      if (!declared.has(name))
        problems.push(`${files.readme}:${row.line}: ${one} \`${name}\` is not in ${files.action}`)
    if (kind !== 'inputs' || rows.length === 0) continue
    if (rows.every(row => row.default === undefined)) {
      problems.push(`${files.readme}: the ## Inputs table has no "Default" column`)
      continue
    }
    for (const [name, row] of documented) {
      if (!declared.has(name)) continue
      const want = normalize(declared.get(name)?.default)
      const shown = shownDefault(row.default ?? '')
      const where = `${files.readme}:${row.line}: input \`${name}\``
      if (want === '') {
        if (shown.kind === 'literal')
          problems.push(`${where} shows default "${shown.value}", ${files.action} has no default`)
      } else if (shown.kind === 'none') {
        problems.push(`${where} shows no default, ${files.action} has "${want}"`)
      } else if (normalize(shown.value) !== want) {
        problems.push(
          `${where} shows default "${normalize(shown.value)}", ${files.action} has "${want}"`
        )
      }
    }
  }
  return { problems, ...counts }
}

function main() {
  const usage =
    'usage: node scripts/check-action-docs.mjs [--action <action.yml>] [--readme <README.md>]'
  let values
  try {
    ;({ values } = parseArgs({
      options: {
        action: { type: 'string' },
        readme: { type: 'string' },
        help: { type: 'boolean', short: 'h' }
      }
    }))
  } catch (error) {
    console.error(`check-action-docs: ${error.message}\n${usage}`)
    return 2
  }
  if (values.help) {
    console.log(usage)
    return 0
  }
  const action = values.action ?? path.join(ROOT, 'action.yml')
  const readme = values.readme ?? path.join(ROOT, 'README.md')
  const display = file => path.relative(process.cwd(), path.resolve(file)) || file
  let result
  try {
    result = compare(readFileSync(action, 'utf8'), readFileSync(readme, 'utf8'), {
      action: display(action),
      readme: display(readme)
    })
  } catch (error) {
    console.error(`check-action-docs: ${error.message}`)
    return 1
  }
  if (result.problems.length > 0) {
    console.error(
      `${display(action)} and ${display(readme)} disagree (${result.problems.length} problem(s)):`
    )
    for (const problem of result.problems) console.error(`  - ${problem}`)
    return 1
  }
  console.log(
    `${path.basename(action)} and ${path.basename(readme)} agree: ${result.inputs} inputs, ${result.outputs} outputs`
  )
  return 0
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main()
}
