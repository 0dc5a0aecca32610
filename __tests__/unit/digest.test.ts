import { describe, expect, it } from '@jest/globals'
import { canonical, canonicalForm, contentDigest } from '../../src/image/digest.js'
import type { Filesystem } from '../../src/image/tfs.js'

const fs = (manifest: Filesystem['manifest'], nodes: Filesystem['nodes']): Filesystem => ({
  version: 5,
  label: '',
  uuid: 'random',
  manifest,
  nodes
})

describe('the content digest', () => {
  const root = fs({ program: '/p', environment: { B: '2', A: '1' }, arguments: ['p', 'x'] }, [
    { kind: 'dir', path: '/etc' },
    { kind: 'symlink', path: '/l', target: 'p' }
  ])
  const boot = fs({}, [])
  const files = [
    { path: '/p', filesystem: 'root' as const, size: 3, sha256: 'a'.repeat(64) },
    { path: '/kernel', filesystem: 'boot' as const, size: 9, sha256: 'b'.repeat(64) }
  ]

  it('is a sorted list of JSON lines after a version line, with sorted keys and no spaces', () => {
    expect(canonicalForm(root, boot, files)).toBe(
      [
        'nanos-image-content/v1',
        '["boot-manifest",{}]',
        '["dir","root","/etc"]',
        `["file","boot","/kernel",9,"${'b'.repeat(64)}"]`,
        `["file","root","/p",3,"${'a'.repeat(64)}"]`,
        '["link","root","/l","p"]',
        '["manifest",{"arguments":["p","x"],"environment":{"A":"1","B":"2"},"program":"/p"}]',
        ''
      ].join('\n')
    )
  })

  it('ignores the UUID and the order things were found in; changes with an env value', () => {
    const again = fs(
      { arguments: ['p', 'x'], program: '/p', environment: { A: '1', B: '2' } },
      [...root.nodes].reverse()
    )
    again.uuid = 'another'
    expect(contentDigest(again, boot, [...files].reverse())).toBe(contentDigest(root, boot, files))
    const env = fs({ ...root.manifest, environment: { A: '1', B: '3' } }, root.nodes)
    expect(contentDigest(env, boot, files)).not.toBe(contentDigest(root, boot, files))
    expect(contentDigest(root, boot, files)).toMatch(/^sha256:[0-9a-f]{64}$/)
  })

  it('canonical JSON escapes as JSON.stringify does', () => {
    expect(canonical(['é"', { k: ['\n'] }, 1])).toBe('["é\\"",{"k":["\\n"]},1]')
  })
})
