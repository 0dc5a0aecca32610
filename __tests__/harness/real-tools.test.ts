/**
 * The real tier's gate (real-tools.ts): skipped with one line without NANOS_REAL_TOOLS, an error
 * under CI=true, and an incomplete or altered folder is never taken for the real tools.
 */
import { describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { makeTempDir, writeFile } from './fixtures.js'
import { realToolsStatus } from './real-tools.js'

/** A folder in the real-tools layout, with its SHA256SUMS. */
function toolsFolder(): string {
  const root = makeTempDir('nia-real-tools-')
  const files: Record<string, string> = {
    'mirror/cli/linux/release/0.1.46/ops': 'ops',
    'mirror/cli/linux/release/0.1.46/ops-linux-0.1.46.md5': 'md5\n',
    'mirror/nanos/release/latest.txt': '0.1.55\n',
    'mirror/nanos/release/0.1.55/nanos-release-linux-0.1.55.tar.gz': 'k55',
    'mirror/nanos/release/0.1.54/nanos-release-linux-0.1.54.tar.gz': 'k54'
  }
  const sums: string[] = []
  for (const [name, text] of Object.entries(files)) {
    writeFile(path.join(root, name), text)
    sums.push(`${createHash('sha256').update(text).digest('hex')}  ${name}`)
  }
  fs.writeFileSync(path.join(root, 'SHA256SUMS'), `${sums.join('\n')}\n`)
  return root
}

describe('the real tools', () => {
  it('are read from the folder NANOS_REAL_TOOLS names', () => {
    const root = toolsFolder()
    expect(realToolsStatus({ NANOS_REAL_TOOLS: root, CI: 'true' })).toEqual({
      tools: {
        root,
        mirror: path.join(root, 'mirror'),
        opsVersion: '0.1.46',
        nanosVersions: ['0.1.54', '0.1.55'],
        latestNanos: '0.1.55'
      }
    })
  })

  it('without NANOS_REAL_TOOLS: skipped with one line, but an error under CI=true', () => {
    expect(realToolsStatus({})).toEqual({
      skip: expect.stringMatching(
        /^real tier skipped: NANOS_REAL_TOOLS is not set \(set NANOS_REAL_TOOLS to/
      )
    })
    expect(realToolsStatus({ CI: 'true' })).toEqual({
      error: expect.stringMatching(
        /^NANOS_REAL_TOOLS is not set: under CI=true the real tier must run/
      )
    })
  })

  it('an incomplete or altered folder is not the real tools: an error under CI, else a skip', () => {
    const missing = toolsFolder()
    fs.rmSync(path.join(missing, 'mirror/nanos/release/0.1.54/nanos-release-linux-0.1.54.tar.gz'))
    expect(realToolsStatus({ NANOS_REAL_TOOLS: missing, CI: 'true' })).toEqual({
      error: expect.stringMatching(/is incomplete: mirror\/nanos\/release\/0\.1\.54\/.* is missing/)
    })
    const altered = toolsFolder()
    fs.writeFileSync(path.join(altered, 'mirror/cli/linux/release/0.1.46/ops'), 'another ops')
    expect(realToolsStatus({ NANOS_REAL_TOOLS: altered })).toEqual({
      skip: expect.stringMatching(/ops does not match SHA256SUMS/)
    })
    expect(realToolsStatus({ NANOS_REAL_TOOLS: makeTempDir('nia-empty-'), CI: 'true' })).toEqual({
      error: expect.stringMatching(/holds no SHA256SUMS/)
    })
  })
})
