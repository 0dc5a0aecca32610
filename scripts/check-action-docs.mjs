#!/usr/bin/env node
/**
 * Check that action.yml and README.md document the same inputs and outputs.
 *
 * Reads the `inputs:` and `outputs:` maps of action.yml and the markdown tables under the
 * README's `## Inputs` and `## Outputs` headings (first column: the backticked name; the inputs
 * table also has a "Default" column), and fails, listing every difference, when a name is in
 * one but not the other or when the README's default differs from action.yml's:
 *   - action.yml has a default: the README cell must show that value (backticks optional);
 *   - action.yml has none: the README cell may be empty, "-", "none" or words describing what
 *     the action computes at run time ("the image name"), but not a literal value in one code
 *     span (`true`), which would claim a default action.yml does not have.
 *
 * Usage: node scripts/check-action-docs.mjs [--action <action.yml>] [--readme <README.md>]
 * (default: the files at the repository root). Plain Node, no dependencies.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import * as path from 'node:path'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** --action / --readme, as `--name value` or `--name=value`. */
export function parseArgs(argv) {
  const options = {
    action: path.join(ROOT, 'action.yml'),
    readme: path.join(ROOT, 'README.md')
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '-h' || arg === '--help') return { help: true }
    const match = /^--(action|readme)(?:=(.*))?$/.exec(arg)
    if (!match) throw new Error(`unknown argument "${arg}"`)
    const value = match[2] ?? argv[++i]
    if (value === undefined || value === '') throw new Error(`--${match[1]} needs a file`)
    options[match[1]] = value
  }
  return options
}

// ---------------------------------------------------------------------------------------------
// action.yml: a small YAML reader for the two maps this check needs. Top-level keys at column
// 0, entry names at a deeper indent, their properties deeper still; scalars plain, quoted or
// block (| and >, with chomping and indentation indicators). Flow collections and anchors are
// not needed by action metadata and not supported.

const indentOf = line => line.length - line.trimStart().length
const isBlank = line => /^\s*(#.*)?$/.test(line)

/** Remove a trailing comment from a plain scalar. */
function stripComment(text) {
  const match = /(^|\s)#/.exec(text)
  return (match ? text.slice(0, match.index) : text).trim()
}

/** Parse a double- or single-quoted scalar (one or more lines joined already). */
function unquote(text, where) {
  const quote = text[0]
  let value = ''
  let i = 1
  for (; i < text.length; i++) {
    const c = text[i]
    if (quote === "'" && c === "'") {
      if (text[i + 1] === "'") {
        value += "'"
        i++
        continue
      }
      break
    }
    if (quote === '"' && c === '\\') {
      const next = text[++i]
      const escapes = {
        n: '\n',
        t: '\t',
        r: '\r',
        '"': '"',
        '\\': '\\',
        '/': '/',
        0: '\0',
        ' ': ' '
      }
      if (next === 'x' || next === 'u' || next === 'U') {
        const len = { x: 2, u: 4, U: 8 }[next]
        value += String.fromCodePoint(parseInt(text.slice(i + 1, i + 1 + len), 16))
        i += len
      } else if (next in escapes) {
        value += escapes[next]
      } else {
        throw new Error(`${where}: unknown escape \\${next}`)
      }
      continue
    }
    if (quote === '"' && c === '"') break
    value += c
  }
  if (i >= text.length) throw new Error(`${where}: unterminated ${quote}quoted${quote} string`)
  const rest = stripComment(text.slice(i + 1))
  if (rest !== '') throw new Error(`${where}: unexpected text after the quoted string: ${rest}`)
  return value
}

/** Fold the lines of a multi-line flow scalar: line breaks become spaces, blank lines \n. */
function foldFlow(lines) {
  let out = ''
  let pendingBreaks = 0
  for (const [index, raw] of lines.entries()) {
    const line = index === 0 ? raw.trimEnd() : raw.trim()
    if (line === '' && index > 0) {
      pendingBreaks++
      continue
    }
    if (index > 0) out += pendingBreaks > 0 ? '\n'.repeat(pendingBreaks) : ' '
    pendingBreaks = 0
    out += line
  }
  return out
}

/**
 * The value of the scalar starting with `text` (after `key:`) on line `index`, reading
 * continuation lines deeper than `parentIndent`. Returns [value, next line index].
 */
function readScalar(lines, index, text, parentIndent, where) {
  const block = /^([|>])([+-]?)([1-9]?)([+-]?)\s*(#.*)?$/.exec(text)
  if (block) {
    const [, style, chompA, explicit, chompB] = block
    const chomp = chompA || chompB
    let end = index + 1
    let indent = explicit ? parentIndent + Number(explicit) : undefined
    const body = []
    for (; end < lines.length; end++) {
      const line = lines[end]
      if (line.trim() === '') {
        body.push('')
        continue
      }
      const lineIndent = indentOf(line)
      if (lineIndent <= parentIndent) break
      indent ??= lineIndent
      if (lineIndent < indent) break
      body.push(line.slice(indent))
    }
    // Trailing blank lines belong to the chomping, not to the content.
    let trailing = 0
    while (body.length > 0 && body[body.length - 1] === '') {
      body.pop()
      trailing++
    }
    let value
    if (style === '|') {
      value = body.join('\n')
    } else {
      // Folded: a line break between two text lines becomes a space, each empty line a
      // newline; breaks next to more-indented lines are kept.
      value = ''
      let empty = 0
      let started = false
      let previousMore = false
      for (const line of body) {
        if (line === '') {
          empty++
          continue
        }
        const more = /^\s/.test(line)
        if (!started) value = '\n'.repeat(empty)
        else if (previousMore || more) value += '\n' + '\n'.repeat(empty)
        else value += empty > 0 ? '\n'.repeat(empty) : ' '
        value += line
        started = true
        previousMore = more
        empty = 0
      }
    }
    if (body.length > 0 && chomp !== '-') value += '\n'
    if (chomp === '+') value += '\n'.repeat(trailing)
    return [value, end]
  }

  // Flow scalar, possibly continued on deeper lines.
  const parts = [text]
  let end = index + 1
  const quoted = text.startsWith('"') || text.startsWith("'")
  const closed = () => {
    if (!quoted) return false
    const joined = parts.join('\n')
    const quote = joined[0]
    for (let i = 1; i < joined.length; i++) {
      if (quote === '"' && joined[i] === '\\') i++
      else if (joined[i] === quote) {
        if (quote === "'" && joined[i + 1] === "'") i++
        else return true
      }
    }
    return false
  }
  while (end < lines.length) {
    if (quoted && closed()) break
    const line = lines[end]
    if (!quoted && (isBlank(line) ? false : indentOf(line) <= parentIndent)) break
    if (quoted || line.trim() === '' || indentOf(line) > parentIndent) {
      if (!quoted && line.trim().startsWith('#')) break
      parts.push(line)
      end++
      continue
    }
    break
  }
  // Blank lines after an unquoted scalar end it rather than continue it.
  while (!quoted && parts.length > 1 && parts[parts.length - 1].trim() === '') {
    parts.pop()
    end--
  }
  if (quoted) return [unquote(foldFlow(parts), where), end]
  return [stripComment(foldFlow(parts.map(p => stripComment(p)))), end]
}

/** `key: rest` at the start of `line` (after its indent); the key may be quoted. */
function splitKey(line) {
  const text = line.trim()
  let key
  let rest
  if (text[0] === '"' || text[0] === "'") {
    const close = text.indexOf(text[0], 1)
    if (close < 0 || text[close + 1] !== ':') return undefined
    key = text.slice(1, close)
    rest = text.slice(close + 2)
  } else {
    const match = /^([^\s#][^:#]*?)\s*:(?=\s|$)/.exec(text)
    if (!match) return undefined
    key = match[1]
    rest = text.slice(match[0].length)
  }
  if (rest !== '' && !/^\s/.test(rest)) return undefined
  return { key, rest: rest.trim() }
}

/**
 * Parse the `inputs` and `outputs` maps of an action metadata file:
 * `{ inputs: Map<name, {description, required, default}>, outputs: Map<name, {...}>, problems }`.
 */
export function parseActionYaml(text, file = 'action.yml') {
  const lines = text.replace(/\r\n?/g, '\n').split('\n')
  const result = { inputs: new Map(), outputs: new Map(), problems: [] }
  let section
  let entry
  let entryIndent
  for (let i = 0; i < lines.length;) {
    const line = lines[i]
    const where = `${file}:${i + 1}`
    if (isBlank(line) || line.trimStart().startsWith('---')) {
      i++
      continue
    }
    const indent = indentOf(line)
    const pair = splitKey(line)
    if (indent === 0) {
      section = pair && (pair.key === 'inputs' || pair.key === 'outputs') ? pair.key : undefined
      entry = undefined
      if (section && pair.rest !== '' && !pair.rest.startsWith('#')) {
        if (pair.rest === '{}') {
          i++
          continue
        }
        throw new Error(`${where}: "${section}:" must be a block map`)
      }
      i++
      // Skip whatever value a top-level key other than inputs/outputs has.
      if (!section) while (i < lines.length && (isBlank(lines[i]) || indentOf(lines[i]) > 0)) i++
      continue
    }
    if (!section) {
      i++
      continue
    }
    if (!pair) throw new Error(`${where}: cannot read "${line.trim()}"`)
    if (entry === undefined || indent <= entryIndent) {
      // A new input or output.
      entryIndent = indent
      const map = result[section]
      if (map.has(pair.key))
        result.problems.push(`${where}: ${section} "${pair.key}" is defined twice`)
      entry = {}
      map.set(pair.key, entry)
      if (pair.rest !== '' && !pair.rest.startsWith('#')) {
        throw new Error(
          `${where}: ${section} "${pair.key}" must be a map of description, required, ...`
        )
      }
      i++
      continue
    }
    // A property of the current entry.
    const [value, next] = readScalar(lines, i, pair.rest, indent, where)
    entry[pair.key] = value
    i = next
  }
  return result
}

// ---------------------------------------------------------------------------------------------
// README.md: the tables under "## Inputs" and "## Outputs".

/** Split a table row on unescaped pipes; the escaped ones become plain pipes. */
function cells(row) {
  const text = row.trim().replace(/^\|/, '').replace(/\|$/, '')
  const out = []
  let cell = ''
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\' && text[i + 1] === '|') {
      cell += '|'
      i++
    } else if (text[i] === '|') {
      out.push(cell.trim())
      cell = ''
    } else {
      cell += text[i]
    }
  }
  out.push(cell.trim())
  return out
}

const isSeparator = row => /^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/.test(row.trim())

/**
 * Rows of every table in the section under `## <heading>` (up to the next `#` or `##`
 * heading; `###` subsections belong to it): [{name, default?, line}], plus problems.
 */
export function readmeTable(text, heading, file = 'README.md') {
  const lines = text.replace(/\r\n?/g, '\n').split('\n')
  const rows = []
  const problems = []
  let inSection = false
  let found = false
  let fence
  let header
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]
    const fenceMatch = /^\s*(`{3,}|~{3,})/.exec(line)
    if (fenceMatch) {
      if (!fence) fence = fenceMatch[1][0]
      else if (fenceMatch[1][0] === fence) fence = undefined
      continue
    }
    if (fence) continue
    const headingMatch = /^(#{1,6})\s+(.*)$/.exec(line)
    if (headingMatch) {
      if (headingMatch[1].length <= 2) {
        // "## Inputs ##" is "Inputs": drop a closing sequence of #.
        const title = headingMatch[2].trim().replace(/\s#+$/, '').trim()
        inSection = headingMatch[1].length === 2 && title.toLowerCase() === heading.toLowerCase()
        found ||= inSection
      }
      header = undefined
      continue
    }
    if (!inSection) continue
    if (!line.trim().startsWith('|')) {
      header = undefined
      continue
    }
    if (header === undefined) {
      if (i + 1 < lines.length && isSeparator(lines[i + 1])) {
        header = cells(line).map(c => c.replace(/[*_`]/g, '').trim().toLowerCase())
        i++
      }
      continue
    }
    const row = cells(line)
    const name = /^`([^`]+)`/.exec(row[0].replace(/^\*\*|\*\*$/g, ''))
    if (!name) {
      problems.push(
        `${file}:${i + 1}: the first column of the ${heading} table is not a backticked name: ${row[0]}`
      )
      continue
    }
    const defaultColumn = header.findIndex(h => h.startsWith('default'))
    rows.push({
      name: name[1].trim(),
      default: defaultColumn >= 0 ? (row[defaultColumn] ?? '') : undefined,
      line: i + 1
    })
  }
  if (!found) problems.push(`${file}: no "## ${heading}" heading`)
  else if (rows.length === 0) problems.push(`${file}: no table under "## ${heading}"`)
  return { rows, problems }
}

/**
 * What a README default cell shows: `{ kind: 'none' }` (empty, -, —, none), `{ kind: 'literal',
 * value }` (the whole cell is one code span, e.g. `true`), or `{ kind: 'prose', value }` (words
 * that describe a default computed at run time, e.g. "the image name"; backticks removed).
 */
export function readmeDefault(cell) {
  const text = cell.trim().replace(/<br\s*\/?>/gi, '\n')
  if (/^(|-|—|–|n\/a|none|\(none\)|_none_|\*none\*|_\(none\)_)$/i.test(text))
    return { kind: 'none' }
  const code = /^(`+)\s?([^`]|[^`][\s\S]*?[^`])\s?\1$/.exec(text)
  if (code && !code[2].includes(code[1])) return { kind: 'literal', value: code[2] }
  return { kind: 'prose', value: text.replace(/`/g, '') }
}

const normalize = value => (value ?? '').replace(/\s+/g, ' ').trim()

// ---------------------------------------------------------------------------------------------

/** Compare the two documents; returns {problems, inputs, outputs}. */
export function compare(actionText, readmeText, files = {}) {
  const actionFile = files.action ?? 'action.yml'
  const readmeFile = files.readme ?? 'README.md'
  const action = parseActionYaml(actionText, actionFile)
  const problems = [...action.problems]

  for (const [kind, heading] of [
    ['inputs', 'Inputs'],
    ['outputs', 'Outputs']
  ]) {
    const table = readmeTable(readmeText, heading, readmeFile)
    problems.push(...table.problems)
    const documented = new Map()
    for (const row of table.rows) {
      if (documented.has(row.name)) {
        problems.push(
          `${readmeFile}:${row.line}: ${kind.slice(0, -1)} \`${row.name}\` is listed twice`
        )
      }
      documented.set(row.name, row)
    }
    const declared = action[kind]
    for (const name of declared.keys()) {
      if (!documented.has(name) && table.rows.length > 0) {
        problems.push(
          `${kind.slice(0, -1)} \`${name}\` is in ${actionFile} but not in ${readmeFile} (## ${heading})`
        )
      }
    }
    for (const [name, row] of documented) {
      if (!declared.has(name)) {
        problems.push(
          `${readmeFile}:${row.line}: ${kind.slice(0, -1)} \`${name}\` is not in ${actionFile}`
        )
      }
    }
    if (kind === 'inputs' && table.rows.length > 0) {
      if (table.rows.every(row => row.default === undefined)) {
        problems.push(`${readmeFile}: the ## Inputs table has no "Default" column`)
        continue
      }
      for (const [name, row] of documented) {
        const input = declared.get(name)
        if (!input) continue
        const want = input.default === undefined ? undefined : normalize(input.default)
        const shown = readmeDefault(row.default ?? '')
        const where = `${readmeFile}:${row.line}: input \`${name}\``
        if (want === undefined || want === '') {
          // No default in action.yml: the README may say "none" or describe what the action
          // computes ("the image name"), but not show a literal value.
          if (shown.kind === 'literal') {
            problems.push(`${where} shows default "${shown.value}", ${actionFile} has no default`)
          }
        } else if (shown.kind === 'none') {
          problems.push(`${where} shows no default, ${actionFile} has "${want}"`)
        } else if (normalize(shown.value) !== want) {
          problems.push(
            `${where} shows default "${normalize(shown.value)}", ${actionFile} has "${want}"`
          )
        }
      }
    }
  }
  return { problems, inputs: action.inputs.size, outputs: action.outputs.size }
}

function main() {
  let options
  try {
    options = parseArgs(process.argv.slice(2))
  } catch (error) {
    console.error(`check-action-docs: ${error.message}`)
    console.error(
      'usage: node scripts/check-action-docs.mjs [--action <action.yml>] [--readme <README.md>]'
    )
    return 2
  }
  if (options.help) {
    console.log(
      'usage: node scripts/check-action-docs.mjs [--action <action.yml>] [--readme <README.md>]'
    )
    return 0
  }
  const display = file => path.relative(process.cwd(), path.resolve(file)) || file
  let result
  try {
    result = compare(readFileSync(options.action, 'utf8'), readFileSync(options.readme, 'utf8'), {
      action: display(options.action),
      readme: display(options.readme)
    })
  } catch (error) {
    console.error(`check-action-docs: ${error.message}`)
    return 1
  }
  if (result.problems.length > 0) {
    console.error(
      `${display(options.action)} and ${display(options.readme)} disagree (${result.problems.length} problem(s)):`
    )
    for (const problem of result.problems) console.error(`  - ${problem}`)
    return 1
  }
  console.log(
    `${path.basename(options.action)} and ${path.basename(options.readme)} agree: ${result.inputs} inputs, ${result.outputs} outputs`
  )
  return 0
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main()
}
