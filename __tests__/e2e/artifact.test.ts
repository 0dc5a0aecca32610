/**
 * Upload and summary end to end: dist/index.js as a process, the real @actions/artifact client
 * inside it, the loopback artifact service speaking the real protocol.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { startArtifactService, unzip, type ArtifactService } from '../harness/artifact-service.js'
import { makeTempDir, makeWorkspace } from '../harness/fixtures.js'
import { notices, warnings } from '../harness/run-action.js'
import { errorLines, useMirror } from './helpers.js'

const suite = useMirror()
let service: ArtifactService
beforeAll(async () => {
  service = await startArtifactService({ keepFiles: true })
})
afterAll(async () => {
  await service.close()
})

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex')
const SECRET = 'hunter2-very-secret-value'

/** A run that uploads, with the runner's artifact environment. */
async function upload(
  inputs: Record<string, string | undefined>,
  env: Record<string, string | undefined> = {}
) {
  const ws = makeWorkspace()
  const result = await suite.run({
    cwd: ws.dir,
    inputs: { binary: ws.relBinary, upload: undefined, ...inputs },
    env: { ...service.env, ...env }
  })
  return { ws, result }
}

describe('artifact upload', () => {
  it('uploads the raw image by default: the artifact is the image byte for byte', async () => {
    const { result } = await upload(
      { 'image-name': 'raw-prover.img', env: `TOKEN=${SECRET}` },
      { OPS_DOUBLE_IMAGE_SIZE: String(3 * 1024 * 1024 + 17) }
    )
    expect(result.code).toBe(0)
    const out = result.outputs
    const stored = service.find('raw-prover.img')
    expect(stored).toBeDefined()
    const uploaded = fs.readFileSync(stored!.path)
    expect(uploaded.equals(fs.readFileSync(out['image-path']))).toBe(true)
    expect(out['artifact-digest']).toBe(sha256(uploaded))
    expect(out['artifact-digest']).toBe(out['image-sha256'])
    expect(out['artifact-id']).toBe(String(stored!.id))
    expect(out['artifact-url']).toBe(
      `https://github.com/${service.env.GITHUB_REPOSITORY}/actions/runs/${service.env.GITHUB_RUN_ID}/artifacts/${stored!.id}`
    )
    expect(stored!.expiresAt).toBeUndefined()
  })

  it('zips it with archive: true, and the zip unpacks to the image byte for byte', async () => {
    const { result } = await upload({
      'artifact-name': 'zipped-prover',
      archive: 'true',
      'compression-level': '1',
      'retention-days': '5'
    })
    expect(result.code).toBe(0)
    const stored = service.find('zipped-prover')!
    expect(stored.mimeType).toBe('application/zip')
    const entries = await unzip(stored.path)
    expect(entries.map(e => e.name)).toEqual(['my_prover'])
    expect(entries[0].data.equals(fs.readFileSync(result.outputs['image-path']))).toBe(true)
    expect(result.outputs['artifact-digest']).toBe(sha256(fs.readFileSync(stored.path)))
    expect(Date.parse(stored.expiresAt!) - Date.now()).toBeGreaterThan(4 * 86400_000)
  })

  it('fails on a name already taken in the run, shows both fixes, and keeps the image and its outputs', async () => {
    await service.seedArtifact('taken-name', 'from another matrix job')
    const { result } = await upload({ 'artifact-name': 'taken-name' })
    expect(result.code).not.toBe(0)
    const errors = errorLines(result.stdout)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(/already exists in this workflow run/)
    expect(errors[0]).toMatch(/`artifact-name`/)
    expect(errors[0]).toMatch(/`overwrite: true`/)
    expect(fs.existsSync(result.outputs['image-path'])).toBe(true)
    expect(result.outputs['image-blake3']).toMatch(/^[0-9a-f]{64}$/)
    expect(result.outputs['artifact-id']).toBeUndefined()
  })

  it('replaces an existing artifact with overwrite: true', async () => {
    const old = await service.seedArtifact('replace-me', 'old bytes')
    const { result } = await upload({ 'artifact-name': 'replace-me', overwrite: 'true' })
    expect(result.code).toBe(0)
    expect(service.uploads.find(u => u.id === old.id)?.deleted).toBe(true)
    const fresh = service.find('replace-me')!
    expect(fresh.id).not.toBe(old.id)
    expect(fs.readFileSync(fresh.path).equals(fs.readFileSync(result.outputs['image-path']))).toBe(
      true
    )
  })

  it('retries transient 5xx answers of the service and of the blob store', async () => {
    service.faults.plan({ CreateArtifact: [503], PutBlock: [500], FinalizeArtifact: [502] })
    const { result } = await upload({ 'artifact-name': 'flaky-service' })
    expect(result.code).toBe(0)
    expect(
      service.faults.pending('CreateArtifact') +
        service.faults.pending('PutBlock') +
        service.faults.pending('FinalizeArtifact')
    ).toBe(0)
    const faulted = service.requests.filter(r => r.fault !== undefined).map(r => r.endpoint)
    expect(faulted).toEqual(
      expect.arrayContaining(['CreateArtifact', 'PutBlock', 'FinalizeArtifact'])
    )
    expect(
      fs
        .readFileSync(service.find('flaky-service')!.path)
        .equals(fs.readFileSync(result.outputs['image-path']))
    ).toBe(true)
  })

  it('fails clearly when the service keeps failing; the image stays on disk with its outputs', async () => {
    service.faults.inject('CreateArtifact', 500, Infinity)
    try {
      const { result } = await upload({ 'artifact-name': 'never-uploaded' })
      expect(result.code).not.toBe(0)
      expect(errorLines(result.stdout).join()).toMatch(
        /The artifact upload failed: .*500.*The image is still at/
      )
      expect(fs.existsSync(result.outputs['image-path'])).toBe(true)
      expect(result.outputs['image-sha256']).toMatch(/^[0-9a-f]{64}$/)
    } finally {
      service.faults.clear()
    }
  })
})

describe('without an artifact service', () => {
  it('skips the upload with a notice outside a runner when upload is left at its default', async () => {
    const ws = makeWorkspace()
    const r = await suite.run({ cwd: ws.dir, inputs: { binary: ws.relBinary, upload: undefined } })
    expect(r.code).toBe(0)
    expect(notices(r.stdout).join()).toMatch(/Not running on a GitHub Actions runner/)
    expect(r.outputs['artifact-id']).toBeUndefined()
    expect(fs.existsSync(r.outputs['image-path'])).toBe(true)
  })

  it('fails when upload: true is written out and no runner token exists', async () => {
    const ws = makeWorkspace()
    const r = await suite.run({ cwd: ws.dir, inputs: { binary: ws.relBinary, upload: 'true' } })
    expect(r.code).not.toBe(0)
    expect(errorLines(r.stdout).join()).toMatch(
      /`upload: true` was set, but the upload cannot happen/
    )
  })

  it('warns on GitHub Enterprise Server and names the alternative', async () => {
    const ws = makeWorkspace()
    const r = await suite.run({
      cwd: ws.dir,
      inputs: { binary: ws.relBinary, upload: undefined },
      env: { ...service.env, GITHUB_SERVER_URL: 'https://ghes.example.com' }
    })
    expect(r.code).toBe(0)
    expect(warnings(r.stdout).join()).toMatch(
      /GitHub Enterprise Server .*actions\/upload-artifact@v3/
    )
  })
  it('fails on GitHub Enterprise Server when upload: true is written out', async () => {
    const ws = makeWorkspace()
    const r = await suite.run({
      cwd: ws.dir,
      inputs: { binary: ws.relBinary, upload: 'true' },
      env: { ...service.env, GITHUB_SERVER_URL: 'https://ghes.example.com' }
    })
    expect(r.code).not.toBe(0)
    expect(errorLines(r.stdout).join()).toMatch(
      /`upload: true` was set, but .*GitHub Enterprise Server/
    )
    expect(fs.existsSync(r.outputs['image-path'])).toBe(true)
  })
})

describe('job summary', () => {
  it('holds the facts, the artifact link and the manifest, escapes text, and never an env value', async () => {
    const { result } = await upload({
      'image-name': 'sum<b>mary',
      'artifact-name': 'summary-image',
      env: `API_TOKEN=${SECRET}\nRUST_LOG=debug-level-logging`
    })
    expect(result.code).toBe(0)
    const s = result.summary
    const out = result.outputs
    expect(s).toContain(out['image-blake3'])
    expect(s).toContain(out['image-sha256'])
    expect(s).toContain(`(${out['image-size']} bytes)`)
    expect(s).toContain(`<td>${out['ops-version']}</td>`)
    expect(s).toContain(`${out['nanos-version']} (amd64)`)
    expect(s).toMatch(/Tool cache hit<\/th><td>no/)
    expect(s).toContain(
      `href="/${service.env.GITHUB_REPOSITORY}/actions/runs/${service.env.GITHUB_RUN_ID}/artifacts/${out['artifact-id']}">summary-image</a>`
    )
    expect(s).toMatch(/<details><summary>Manifest<\/summary>[\s\S]*API_TOKEN/)
    expect(s).toContain('sum&lt;b&gt;mary')
    expect(s).not.toContain('sum<b>mary')
    // The runner swallows ::add-mask:: commands; everything else it would print.
    const printed = result.stdout
      .split('\n')
      .filter(line => !line.startsWith('::add-mask::'))
      .join('\n')
    for (const text of [s, printed, result.stderr]) {
      expect(text).not.toContain(SECRET)
      expect(text).not.toContain('debug-level-logging')
    }
    // The values were registered as secrets before anything else was printed.
    expect(result.stdout.indexOf(`::add-mask::${SECRET}`)).toBeGreaterThanOrEqual(0)
  })

  it('only warns when the summary cannot be written', async () => {
    const ws = makeWorkspace()
    const dir = makeTempDir('nia-summary-')
    const r = await suite.run({
      cwd: ws.dir,
      inputs: { binary: ws.relBinary },
      env: { GITHUB_STEP_SUMMARY: path.join(dir, 'missing-dir', 'summary.md') }
    })
    expect(r.code).toBe(0)
    expect(warnings(r.stdout).join()).toMatch(/Could not write the job summary/)
  })

  it('writes no summary with summary: false', async () => {
    const ws = makeWorkspace()
    const r = await suite.run({ cwd: ws.dir, inputs: { binary: ws.relBinary, summary: 'false' } })
    expect(r.code).toBe(0)
    expect(r.summary).toBe('')
  })
})
