/**
 * Issue 4, bad input: one clear error, early, nothing written. Every mistake fails the step with
 * a single `::error` that names the input and says what to do, before any download or build
 * (the mirror sees no request), and leaves no image, manifest or tool-cache entry behind.
 * The cases are in bad-input-cases.ts, shared with scripts/troubleshooting-table.mjs.
 */
import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { makeTempDir, makeWorkspace } from '../harness/fixtures.js'
import { errors } from '../harness/run-action.js'
import { BAD_INPUT_CASES } from './bad-input-cases.js'
import { errorLines, filesBelow, placeholders, useMirror, useResultLog } from './helpers.js'

const suite = useMirror()

interface Timing {
  case: string
  input: string
  code: number | null
  durationMs: number
  error: string
}
const timings = useResultLog<Timing>('bad-input')

describe('bad input: one clear error, early, nothing written', () => {
  it.each(BAD_INPUT_CASES.map(c => [c.name, c] as const))('%s', async (_name, c) => {
    const ws = makeWorkspace()
    const toolCache = makeTempDir('nia-tc-')
    const runnerTemp = makeTempDir('nia-rt-')
    const { inputs, env } = c.setup(ws)
    const before = filesBelow(ws.dir)

    const r = await suite.run({ cwd: ws.dir, toolCache, runnerTemp, inputs, env })
    const all = errors(r.stdout)
    timings.add({
      case: c.name,
      input: c.input,
      code: r.code,
      durationMs: r.durationMs,
      error: placeholders(all.join('\n'), r, suite.mirror.url)
    })

    expect(r.timedOut).toBe(false)
    expect(r.code).toBe(1)
    // One annotation, naming the input and saying what to do.
    expect(errorLines(r.stdout)).toHaveLength(1)
    expect(all[0]).toContain(`\`${c.input}\``)
    expect(all[0]).toMatch(c.says)
    // Early: no stage started, no request made.
    expect(suite.mirror.requests()).toEqual([])
    expect(r.stdout).not.toContain('::group::')
    // Nothing written: no output, no image or manifest, no tool-cache entry, no temp leftovers.
    expect(r.outputs).toEqual({})
    expect(filesBelow(runnerTemp)).toEqual([])
    expect(fs.existsSync(path.join(runnerTemp, 'nanos-images'))).toBe(false)
    expect(fs.readdirSync(toolCache)).toEqual([])
    expect(filesBelow(ws.dir)).toEqual(before)
  })

  it('names each input once when several are wrong, still in one annotation', async () => {
    const ws = makeWorkspace()
    const r = await suite.run({
      cwd: ws.dir,
      inputs: {
        binary: ws.relBinary,
        'retention-days': '365',
        'ops-version': 'newest',
        mounts: 'workspace'
      }
    })
    expect(r.code).toBe(1)
    expect(errorLines(r.stdout)).toHaveLength(1)
    const [message] = errors(r.stdout)
    expect(message).toMatch(/^3 inputs need fixing:/)
    for (const input of ['retention-days', 'ops-version', 'mounts'])
      expect(message).toContain(`\`${input}\``)
    expect(suite.mirror.requests()).toEqual([])
  })

  it('gives no contradictory advice for an arm64 binary with `arch: amd64`', async () => {
    // The user wrote amd64: an error must not claim that `arch` is arm64.
    const c = BAD_INPUT_CASES.find(x => x.name === 'arm64 binary with `arch: amd64`')
    if (!c) throw new Error('case missing')
    const ws = makeWorkspace()
    const r = await suite.run({ cwd: ws.dir, ...c.setup(ws) })
    expect(r.code).toBe(1)
    expect(errors(r.stdout).join('\n')).not.toMatch(/`arch`: is arm64/)
  })
})

describe('env values stay secret', () => {
  it('never prints a value, not even in the error about a malformed line', async () => {
    const ws = makeWorkspace()
    const r = await suite.run({
      cwd: ws.dir,
      inputs: {
        binary: ws.relBinary,
        env: 'GOOD_KEY=supersecretvalue42\nSECRET_TOKEN_VALUE_123\nsecret part=value-in-bad-key'
      }
    })
    expect(r.code).toBe(1)
    expect(errorLines(r.stdout)).toHaveLength(1)
    expect(errors(r.stdout)[0]).toContain('`env`')
    for (const secret of ['supersecretvalue42', 'SECRET_TOKEN_VALUE_123', 'value-in-bad-key']) {
      expect(r.stdout).not.toContain(secret)
      expect(r.stderr).not.toContain(secret)
      expect(r.summary).not.toContain(secret)
    }
  })

  it('registers every value of 4 characters or more with ::add-mask:: before anything else', async () => {
    const ws = makeWorkspace()
    const value = 'tok-4f9a-very-secret'
    const r = await suite.run({
      cwd: ws.dir,
      inputs: { binary: ws.relBinary, env: `API_TOKEN=${value}\nLOG=abc\nDSN=a=b=c` }
    })
    expect(r.code).toBe(0)
    const lines = r.stdout.split('\n')
    const masks = lines.filter(l => l.startsWith('::add-mask::'))
    expect(masks).toEqual(expect.arrayContaining([`::add-mask::${value}`, '::add-mask::a=b=c']))
    // Shorter values are not masked (masking "abc" would garble every log line).
    expect(masks).not.toContain('::add-mask::abc')
    // The masks come first: nothing was printed before them.
    expect(lines.findIndex(l => !l.startsWith('::add-mask::'))).toBe(masks.length)
    // Apart from the mask command itself, the value appears nowhere.
    const rest = lines.filter(l => !l.startsWith('::add-mask::')).join('\n')
    expect(rest).not.toContain(value)
    expect(r.stderr).not.toContain(value)
    expect(r.summary).not.toContain(value)
    expect(Object.values(r.outputs).join('\n')).not.toContain(value)
    // The manifest holds the value, so it is readable by its owner only.
    const manifest = r.outputs['manifest-path']
    expect(fs.statSync(manifest).mode & 0o777).toBe(0o600)
    expect(JSON.parse(fs.readFileSync(manifest, 'utf8')).Env.API_TOKEN).toBe(value)
  })
})
