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
  cacheSource: 'ops=tool-cache,nanos=actions-cache',
  contentsPath: '/tmp/out/prover.contents.json',
  sbomPath: '/tmp/out/prover.cdx.json',
  contents: {
    schema: 'nanos-image-action/contents/v1',
    contentDigest: `sha256:${'d'.repeat(64)}`,
    image: { name: 'prover', arch: 'amd64' },
    args: ['prover'],
    envKeys: ['API_TOKEN', 'RUST_LOG'],
    mounts: { '%0': '/workspace' },
    klibs: [],
    settings: {},
    files: [
      {
        path: '/prover',
        filesystem: 'root',
        size: 3000,
        sha256: 'e'.repeat(64),
        origin: 'program'
      },
      {
        path: '/lib/x86_64-linux-gnu/libc.so.6',
        filesystem: 'root',
        size: 2000,
        sha256: 'f'.repeat(64),
        origin: 'library',
        source: '/lib/x86_64-linux-gnu/libc.so.6',
        package: { name: 'libc6', version: '2.39-0ubuntu8', arch: 'amd64' }
      },
      {
        path: '/opt/<x>/libfoo.so',
        filesystem: 'root',
        size: 10,
        sha256: '0'.repeat(64),
        origin: 'library',
        source: '/opt/<x>/libfoo.so'
      },
      { path: '/kernel', filesystem: 'boot', size: 9000, sha256: '1'.repeat(64), origin: 'kernel' }
    ],
    links: [],
    directories: [],
    packageManager: true
  }
}
const env = { GITHUB_REPOSITORY: 'o/r', GITHUB_RUN_ID: '42' }

describe('summary', () => {
  it('shows the contents, collapsed: counts, size, the largest files, the runner libraries and their packages', () => {
    const md = buildSummary({ report, env }).stringify()
    const contents =
      /<details><summary>Contents: 4 files \(3 root, 1 boot\), 13\.7 KiB \(14010 bytes\), 2 libraries from the runner<\/summary>([\s\S]*?)<\/details>/.exec(
        md
      )
    expect(contents).not.toBeNull()
    const body = contents?.[1] ?? ''
    expect(body).toContain(`sha256:${'d'.repeat(64)}`)
    // Largest first.
    expect(body.indexOf('<code>/kernel</code>')).toBeLessThan(body.indexOf('<code>/prover</code>'))
    expect(body).toContain('libc6 2.39-0ubuntu8 (amd64)')
    expect(body).toContain('<code>/opt/&lt;x&gt;/libfoo.so</code>')
    expect(body).toMatch(/libfoo\.so<\/code><\/td><td>[^]*?<strong>no package<\/strong>/)
  })

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
        kind: 'exit-code',
        exitCode: 3,
        reason: 'x',
        evidence: [],
        accel: 'tcg',
        seconds: 1.234,
        consolePath: '/c',
        workspacePath: '/w',
        tail: ['[0.001] NET: no network interface found', 'token s3cr3t-value <mode=selftest>'],
        twin: true
      }
    }).stringify()
    expect(md).toMatch(
      /Boot test<\/th><td><strong>failed<\/strong> \(exit-code\), a twin with debug_exit/
    )
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
