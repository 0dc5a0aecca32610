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
