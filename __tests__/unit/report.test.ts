import { describe, expect, it } from '@jest/globals'
import type { ImageReport } from '../../src/publish/report.js'
import { buildSummary, escapeHtml, formatBytes, redactManifest } from '../../src/publish/summary.js'

const report: ImageReport = {
  imagePath: '/tmp/out/<b>prover</b>',
  imageName: '<b>prover</b>',
  facts: { size: 5 * 1024 * 1024, sha256: 'a'.repeat(64), blake3: 'b'.repeat(64) },
  manifestPath: '/tmp/out/prover.manifest.json',
  manifest: { Program: 'prover', Env: { API_TOKEN: 's3cr3t-value', RUST_LOG: 'debug' } },
  opsVersion: '0.1.46',
  nanosVersion: '0.1.54',
  arch: 'amd64',
  cacheHit: true,
  cacheSource: 'ops=tool-cache,nanos=actions-cache'
}
const env = { GITHUB_REPOSITORY: 'o/r', GITHUB_RUN_ID: '42' }

describe('summary', () => {
  it('shows the facts and a host-relative artifact link', () => {
    const md = buildSummary({
      report,
      artifact: {
        id: 7,
        name: 'prover-image',
        url: 'https://github.com/o/r/actions/runs/42/artifacts/7',
        digest: 'c'.repeat(64),
        size: 1
      },
      env
    }).stringify()
    expect(md).toContain('b'.repeat(64))
    expect(md).toContain('a'.repeat(64))
    expect(md).toContain('0.1.46')
    expect(md).toContain('0.1.54 (amd64)')
    expect(md).toContain('5.0 MiB (5242880 bytes)')
    expect(md).toContain('<td>ops=tool-cache, nanos=actions-cache</td>')
    expect(md).toContain('<a href="/o/r/actions/runs/42/artifacts/7">prover-image</a>')
    expect(md).toMatch(/<details><summary>Manifest<\/summary>/)
  })
  it('escapes untrusted text and never shows env values', () => {
    const md = buildSummary({ report, env }).stringify()
    expect(md).not.toContain('<b>')
    expect(md).toContain('&lt;b&gt;prover&lt;/b&gt;')
    expect(md).not.toContain('s3cr3t-value')
    expect(md).not.toContain('debug')
    expect(md).toContain('API_TOKEN')
    expect(md).not.toContain('Artifact')
  })
  it('starts from an empty buffer each time', () => {
    buildSummary({ report, env })
    const md = buildSummary({ report, env }).stringify()
    expect(md.match(/<h3>/g)).toHaveLength(1)
  })
  it('shows the boot result and the console tail, escaped and without env values', () => {
    const md = buildSummary({
      report,
      env,
      bootEnv: { API_TOKEN: 's3cr3t-value', MODE: 'selftest' },
      boot: {
        result: 'failed',
        exitCode: 3,
        reason: 'x',
        accel: 'tcg',
        seconds: 1.234,
        consolePath: '/c',
        workspacePath: '/w',
        tail: ['[0.001] NET: no network interface found', 'token s3cr3t-value <mode=selftest>'],
        twin: true
      }
    }).stringify()
    expect(md).toMatch(/Boot test<\/th><td><strong>failed<\/strong> \(a twin with debug_exit\)/)
    expect(md).toContain('<td>3</td>')
    expect(md).toContain('<td>tcg</td>')
    expect(md).toContain('<td>1.23</td>')
    expect(md).toContain('<summary>Console, last 2 lines</summary>')
    expect(md).toContain('token *** &lt;mode=***&gt;')
    expect(md).not.toMatch(/s3cr3t-value|selftest/)
  })
  it('helpers', () => {
    expect(redactManifest({ Program: 'p' })).toEqual({ Program: 'p' })
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;'
    )
    expect(formatBytes(512)).toBe('512 bytes')
  })
})
