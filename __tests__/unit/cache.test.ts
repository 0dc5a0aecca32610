import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {
  cacheDirAtomic,
  findCached,
  LATEST_TTL_MS,
  recentLatest,
  rememberLatest
} from '../../src/install/tool-cache.js'

let root: string
const source = (name: string, content: string): string => {
  const dir = fs.mkdtempSync(path.join(root, `src-${name}-`))
  fs.writeFileSync(path.join(dir, 'ops'), content)
  return dir
}
const leftovers = (): string[] =>
  fs.readdirSync(path.join(root, 'cache', 'ops', '0.1.46')).filter(f => /partial|orphan/.test(f))

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'nia-cache-'))
  process.env.RUNNER_TOOL_CACHE = path.join(root, 'cache')
})
afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true })
})

describe('cacheDirAtomic', () => {
  it('lets two writers race and leaves one whole entry', async () => {
    const [a, b] = await Promise.all([
      cacheDirAtomic(source('a', 'A'), 'ops', '0.1.46', 'amd64'),
      cacheDirAtomic(source('b', 'B'), 'ops', '0.1.46', 'amd64')
    ])
    expect(a).toBe(b)
    expect(['A', 'B']).toContain(fs.readFileSync(path.join(a, 'ops'), 'utf8'))
    expect(fs.existsSync(`${a}.complete`)).toBe(true)
    expect(fs.statSync(a).mode & 0o777).toBe(0o755)
    expect(leftovers()).toEqual([])
  })

  it('keeps an existing complete entry', async () => {
    const first = await cacheDirAtomic(source('a', 'first'), 'ops', '0.1.46', 'amd64')
    await cacheDirAtomic(source('b', 'second'), 'ops', '0.1.46', 'amd64')
    expect(fs.readFileSync(path.join(first, 'ops'), 'utf8')).toBe('first')
    expect(leftovers()).toEqual([])
  })

  it('replaces a folder a killed run left without its marker, and never reports it as found', async () => {
    const dest = path.join(root, 'cache', 'ops', '0.1.46', 'amd64')
    fs.mkdirSync(dest, { recursive: true })
    fs.writeFileSync(path.join(dest, 'ops'), 'half written')
    expect(findCached('ops', '0.1.46', 'amd64')).toBeUndefined()
    const cached = await cacheDirAtomic(source('a', 'whole'), 'ops', '0.1.46', 'amd64')
    expect(fs.readFileSync(path.join(cached, 'ops'), 'utf8')).toBe('whole')
    expect(findCached('ops', '0.1.46', 'amd64')).toBe(cached)
    expect(leftovers()).toEqual([])
  }, 20000)
})

describe('latest', () => {
  it('is reused while recent and cached, and not after', async () => {
    expect(recentLatest('nanos', 'amd64')).toBeUndefined()
    await rememberLatest('nanos', 'amd64', '0.1.54')
    expect(recentLatest('nanos', 'amd64')).toBeUndefined() // not cached yet
    await cacheDirAtomic(source('k', 'kernel'), 'nanos', '0.1.54', 'amd64')
    expect(recentLatest('nanos', 'amd64')).toBe('0.1.54')
    expect(recentLatest('nanos', 'arm64')).toBeUndefined()
    expect(recentLatest('nanos', 'amd64', Date.now() + LATEST_TTL_MS + 1000)).toBeUndefined()
    expect(recentLatest('nanos', 'amd64', Date.now() - 60_000)).toBeUndefined() // clock went back
  })
})
