/**
 * Drives the REAL @actions/artifact client (in a child process, see upload-with-client.mjs)
 * against the loopback artifact service.
 */
import { spawn } from 'node:child_process'
import * as crypto from 'node:crypto'
import * as fs from 'node:fs'
import * as fsp from 'node:fs/promises'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  CONFLICT_MESSAGE,
  TWIRP_PATH_PREFIX,
  extractZipEntry,
  listZip,
  startArtifactService,
  unzip,
  unzipSingle,
  type ArtifactService,
  type ArtifactServiceOptions
} from './artifact-service.js'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const ROOT = path.resolve(HERE, '..', '..')
const CLIENT = path.join(HERE, 'upload-with-client.mjs')
const MiB = 1024 * 1024

interface UploadResult {
  id: number
  size: number
  digest: string
}

interface ClientOutcome {
  ok: boolean
  result?: unknown
  name?: string
  message?: string
  stdout: string
  stderr: string
  code: number | null
  ms: number
}

type ClientRequest =
  | {
      op: 'upload' | 'overwrite'
      name: string
      files: string[]
      rootDirectory: string
      options?: Record<string, unknown>
    }
  | { op: 'delete' | 'get'; name: string }
  | { op: 'list'; options?: Record<string, unknown> }

function runClient(
  env: Record<string, string>,
  request: ClientRequest,
  timeoutMs = 100_000
): Promise<ClientOutcome> {
  const started = Date.now()
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLIENT, JSON.stringify(request)], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', code => {
      clearTimeout(timer)
      const line = stdout.split('\n').find(l => l.startsWith('@@RESULT '))
      if (!line) {
        reject(new Error(`client printed no result (exit ${code})\n${stdout}\n${stderr}`))
        return
      }
      const parsed = JSON.parse(line.slice('@@RESULT '.length)) as Omit<
        ClientOutcome,
        'stdout' | 'stderr' | 'code' | 'ms'
      >
      resolve({ ...parsed, stdout, stderr, code, ms: Date.now() - started })
    })
  })
}

function expectOk(outcome: ClientOutcome): UploadResult {
  if (!outcome.ok) {
    throw new Error(`client failed: ${outcome.name}: ${outcome.message}\n${outcome.stdout}`)
  }
  return outcome.result as UploadResult
}

const sha256 = (data: Buffer): string => crypto.createHash('sha256').update(data).digest('hex')

async function sha256File(file: string): Promise<string> {
  const hash = crypto.createHash('sha256')
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

async function makeWorkDir(): Promise<string> {
  return fsp.mkdtemp(path.join(os.tmpdir(), 'artifact-client-'))
}

async function writeRandomFile(file: string, size: number): Promise<void> {
  await fsp.mkdir(path.dirname(file), { recursive: true })
  const fh = await fsp.open(file, 'w')
  try {
    for (let written = 0; written < size;) {
      const n = Math.min(4 * MiB, size - written)
      await fh.write(crypto.randomBytes(n))
      written += n
    }
  } finally {
    await fh.close()
  }
}

/** A service and a scratch directory for one test; both cleaned up by the returned dispose. */
async function setup(
  opts: ArtifactServiceOptions = {}
): Promise<{ svc: ArtifactService; work: string; dispose: () => Promise<void> }> {
  const svc = await startArtifactService(opts)
  const work = await makeWorkDir()
  return {
    svc,
    work,
    dispose: async () => {
      await svc.close()
      await fsp.rm(work, { recursive: true, force: true })
    }
  }
}

const endpoints = (svc: ArtifactService): string[] => svc.requests.map(r => r.endpoint)
const statusesOf = (svc: ArtifactService, endpoint: string): number[] =>
  svc.requests.filter(r => r.endpoint === endpoint).map(r => r.status)

describe('artifact service + real @actions/artifact client', () => {
  let svc: ArtifactService
  let work: string
  let dispose: () => Promise<void>

  beforeEach(async () => {
    ;({ svc, work, dispose } = await setup())
  })
  afterEach(async () => {
    await dispose()
  })

  test('a zipped upload round-trips byte for byte', async () => {
    const root = path.join(work, 'out')
    const kernel = Buffer.concat([crypto.randomBytes(200 * 1024), Buffer.alloc(100 * 1024)])
    const manifest = Buffer.from(JSON.stringify({ program: 'prover', args: ['--x'] }))
    await fsp.mkdir(path.join(root, 'image'), { recursive: true })
    await fsp.writeFile(path.join(root, 'image', 'kernel.img'), kernel)
    await fsp.writeFile(path.join(root, 'manifest.json'), manifest)
    await fsp.writeFile(path.join(root, 'empty.txt'), '')
    const files = ['image/kernel.img', 'manifest.json', 'empty.txt'].map(f => path.join(root, f))

    const before = Date.now()
    const result = expectOk(
      await runClient(svc.env, {
        op: 'upload',
        name: 'nanos-image',
        files,
        rootDirectory: root,
        options: { retentionDays: 3 }
      })
    )

    expect(svc.uploads).toHaveLength(1)
    const up = svc.uploads[0]!
    expect(up).toMatchObject({
      id: result.id,
      name: 'nanos-image',
      size: result.size,
      sha256: result.digest,
      mimeType: 'application/zip',
      contentType: 'application/zip',
      deleted: false,
      method: 'PutBlockList',
      blockCount: 1,
      jobBackendId: svc.jobBackendId
    })
    expect(await sha256File(up.path)).toBe(result.digest)
    expect((await fsp.stat(up.path)).size).toBe(result.size)
    const expires = Date.parse(up.expiresAt ?? '')
    expect(expires).toBeGreaterThan(before + 2.9 * 86400_000)
    expect(expires).toBeLessThan(Date.now() + 3.1 * 86400_000)

    const entries = (await unzip(up.path)).filter(e => !e.isDirectory)
    const byName = new Map(entries.map(e => [e.name, e.data]))
    expect([...byName.keys()].sort()).toEqual(['empty.txt', 'image/kernel.img', 'manifest.json'])
    expect(byName.get('image/kernel.img')!.equals(kernel)).toBe(true)
    expect(byName.get('manifest.json')!.equals(manifest)).toBe(true)
    expect(byName.get('empty.txt')!.length).toBe(0)

    // archiver streams file entries: data descriptors (flag bit 3), deflate by default.
    const listed = await listZip(up.path)
    const kernelEntry = listed.find(e => e.name === 'image/kernel.img')!
    expect(kernelEntry.method).toBe(8)
    expect(kernelEntry.flags & 0x8).toBe(0x8)
    const out = path.join(work, 'kernel.out')
    await extractZipEntry(up.path, kernelEntry, out)
    expect((await fsp.readFile(out)).equals(kernel)).toBe(true)

    expect(endpoints(svc)).toEqual([
      'CreateArtifact',
      'PutBlock',
      'PutBlockList',
      'FinalizeArtifact'
    ])
    expect(svc.requests.map(r => r.status)).toEqual([200, 201, 201, 200])
  })

  test('compressionLevel 0 stores entries (method 0) and the reader handles them', async () => {
    const file = path.join(work, 'disk.raw')
    const data = crypto.randomBytes(300 * 1024)
    await fsp.writeFile(file, data)
    expectOk(
      await runClient(svc.env, {
        op: 'upload',
        name: 'stored',
        files: [file],
        rootDirectory: work,
        options: { compressionLevel: 0 }
      })
    )
    const up = svc.find('stored')!
    const [entry] = await listZip(up.path)
    expect(entry).toMatchObject({ name: 'disk.raw', method: 0, size: data.length })
    const single = await unzipSingle(up.path)
    expect(single.name).toBe('disk.raw')
    expect(single.data.equals(data)).toBe(true)
  })

  test('skipArchive stores the raw bytes, named after the file', async () => {
    const file = path.join(work, 'nanos-image.img')
    const data = crypto.randomBytes(MiB + 123)
    await fsp.writeFile(file, data)
    const result = expectOk(
      await runClient(svc.env, {
        op: 'upload',
        name: 'ignored-name',
        files: [file],
        rootDirectory: work,
        options: { skipArchive: true }
      })
    )
    const up = svc.uploads[0]!
    // The client replaces the artifact name with the file's basename when skipArchive is set.
    expect(up.name).toBe('nanos-image.img')
    expect(up.mimeType).toBe('application/octet-stream')
    expect(up.expiresAt).toBeUndefined()
    expect((await fsp.readFile(up.path)).equals(data)).toBe(true)
    // The returned digest is the sha256 of the stored bytes.
    expect(result.digest).toBe(sha256(data))
    expect(result.size).toBe(data.length)
    expect(up.sha256).toBe(result.digest)
  })

  test('a second upload under the same name fails with (409) Conflict, not retried', async () => {
    const file = path.join(work, 'a.txt')
    await fsp.writeFile(file, 'first')
    const req: ClientRequest = { op: 'upload', name: 'dup', files: [file], rootDirectory: work }
    expectOk(await runClient(svc.env, req))
    const creates = statusesOf(svc, 'CreateArtifact').length

    const second = await runClient(svc.env, req)
    expect(second.ok).toBe(false)
    expect(second.code).toBe(1)
    expect(second.message).toBe(
      `Failed to CreateArtifact: Received non-retryable error: Failed request: (409) Conflict: ${CONFLICT_MESSAGE}`
    )
    expect(statusesOf(svc, 'CreateArtifact').slice(creates)).toEqual([409])

    // Names are unique per workflow run: another job of the run conflicts too.
    const otherJob = await runClient(svc.envForJob(), req)
    expect(otherJob.message).toContain('(409) Conflict')
    expect(svc.uploads).toHaveLength(1)
  })

  test('deleteArtifact then re-upload (the overwrite path) works', async () => {
    const file = path.join(work, 'img.bin')
    await fsp.writeFile(file, 'version 1')
    const req: ClientRequest = { op: 'upload', name: 'img', files: [file], rootDirectory: work }
    const first = expectOk(await runClient(svc.env, req))

    await fsp.writeFile(file, 'version 2')
    const second = expectOk(await runClient(svc.env, { ...req, op: 'overwrite' }))
    expect(second.id).not.toBe(first.id)
    expect(endpoints(svc).slice(4, 6)).toEqual(['ListArtifacts', 'DeleteArtifact'])
    expect(svc.uploads.map(u => [u.id, u.deleted])).toEqual([
      [first.id, true],
      [second.id, false]
    ])
    const latest = await unzipSingle(svc.find('img')!.path)
    expect(latest.data.toString()).toBe('version 2')

    const listed = await runClient(svc.env, { op: 'list' })
    expect(listed.result).toEqual({
      artifacts: [
        expect.objectContaining({ name: 'img', id: second.id, digest: `sha256:${second.digest}` })
      ]
    })

    const deleted = await runClient(svc.env, { op: 'delete', name: 'img' })
    expect(deleted.result).toEqual({ id: second.id })
    const missing = await runClient(svc.env, { op: 'delete', name: 'img' })
    expect(missing).toMatchObject({ ok: false, name: 'ArtifactNotFoundError' })
  })

  test('a dropped connection on a Twirp call fails at once (NetworkError, no retry)', async () => {
    const file = path.join(work, 'x.txt')
    await fsp.writeFile(file, 'x')
    svc.faults.inject('CreateArtifact', 'drop')
    const outcome = await runClient(svc.env, {
      op: 'upload',
      name: 'x',
      files: [file],
      rootDirectory: work
    })
    expect(outcome.ok).toBe(false)
    expect(outcome.message).toMatch(/^Failed to CreateArtifact: Unable to make request: ECONNRESET/)
    expect(statusesOf(svc, 'CreateArtifact')).toEqual([0])
  })

  test('Twirp validation, Put Blob and FinalizeArtifact checks (raw protocol)', async () => {
    const call = async (
      method: string,
      body: unknown,
      token = svc.env['ACTIONS_RUNTIME_TOKEN']
    ): Promise<{ status: number; json: Record<string, unknown> }> => {
      const res = await fetch(`${svc.url}${TWIRP_PATH_PREFIX}${method}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
        body: JSON.stringify(body)
      })
      return { status: res.status, json: (await res.json()) as Record<string, unknown> }
    }
    const ids = {
      workflow_run_backend_id: svc.runBackendId,
      workflow_job_run_backend_id: svc.jobBackendId
    }
    expect(
      await call('CreateArtifact', { ...ids, name: 'a', version: 7 }, 'not-a-jwt')
    ).toMatchObject({ status: 401, json: { code: 'unauthenticated' } })
    expect(
      await call('CreateArtifact', {
        ...ids,
        workflow_job_run_backend_id: 'other',
        name: 'a',
        version: 7
      })
    ).toMatchObject({ status: 403, json: { code: 'permission_denied' } })
    expect(await call('CreateArtifact', { ...ids, name: 'a', version: 4 })).toMatchObject({
      status: 400,
      json: { code: 'invalid_argument' }
    })
    expect(await call('CreateArtifact', { ...ids, name: 'a/b', version: 7 })).toMatchObject({
      status: 400
    })
    expect(await call('Nope', {})).toMatchObject({ status: 404, json: { code: 'bad_route' } })

    const created = await call('CreateArtifact', {
      ...ids,
      name: 'raw.bin',
      version: 7,
      mime_type: 'application/octet-stream',
      expires_at: '2030-01-01T00:00:00Z'
    })
    expect(created.status).toBe(200)
    expect(created.json['ok']).toBe(true)
    const signed = String(created.json['signed_upload_url'])
    expect(signed).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/blob\/artifacts\/[^/?]+\?.*sig=/)

    const badSig = await fetch(signed.replace(/sig=[^&]+/, 'sig=wrong'), {
      method: 'PUT',
      headers: { 'x-ms-blob-type': 'BlockBlob' },
      body: 'nope'
    })
    expect(badSig.status).toBe(403)
    expect(badSig.headers.get('x-ms-error-code')).toBe('AuthenticationFailed')

    expect(await call('FinalizeArtifact', { ...ids, name: 'raw.bin', size: '4' })).toMatchObject({
      status: 412
    })

    // Put Blob; a transactional Content-MD5 is checked and echoed.
    const data = Buffer.from('hello blob')
    const md5 = crypto.createHash('md5').update(data).digest('base64')
    const badMd5 = await fetch(signed, {
      method: 'PUT',
      headers: { 'x-ms-blob-type': 'BlockBlob', 'Content-MD5': md5 },
      body: 'other'
    })
    expect(badMd5.status).toBe(400)
    expect(badMd5.headers.get('x-ms-error-code')).toBe('Md5Mismatch')
    const put = await fetch(signed, {
      method: 'PUT',
      headers: {
        'x-ms-blob-type': 'BlockBlob',
        'x-ms-blob-content-type': 'text/plain',
        'Content-MD5': md5
      },
      body: data
    })
    expect(put.status).toBe(201)
    expect(put.headers.get('etag')).toBeTruthy()
    expect(put.headers.get('content-md5')).toBe(md5)

    const hash = `sha256:${sha256(data)}`
    expect(
      await call('FinalizeArtifact', { ...ids, name: 'raw.bin', size: '11', hash: { value: hash } })
    ).toMatchObject({ status: 400, json: { code: 'invalid_argument' } })
    expect(
      await call('FinalizeArtifact', {
        ...ids,
        name: 'raw.bin',
        size: '10',
        hash: `sha256:${'0'.repeat(64)}`
      })
    ).toMatchObject({ status: 400, json: { code: 'invalid_argument' } })
    const fin = await call('FinalizeArtifact', { ...ids, name: 'raw.bin', size: '10', hash })
    expect(fin).toMatchObject({ status: 200, json: { ok: true } })
    expect(svc.find('raw.bin')).toMatchObject({
      id: Number(fin.json['artifact_id']),
      method: 'PutBlob',
      blockCount: 0,
      contentType: 'text/plain',
      mimeType: 'application/octet-stream',
      expiresAt: '2030-01-01T00:00:00Z'
    })
    expect(await call('CreateArtifact', { ...ids, name: 'raw.bin', version: 7 })).toMatchObject({
      status: 409,
      json: { code: 'already_exists', msg: CONFLICT_MESSAGE }
    })

    const url = await call('GetSignedArtifactURL', { ...ids, name: 'raw.bin' })
    const download = await fetch(String(url.json['signed_url']))
    expect(Buffer.from(await download.arrayBuffer()).equals(data)).toBe(true)

    // Blocks staged out of order (and one staged twice) are assembled in block-list order.
    const blocksCreated = await call('CreateArtifact', { ...ids, name: 'blocks.zip', version: 7 })
    const blocksUrl = String(blocksCreated.json['signed_upload_url'])
    const blockUrl = (id: string): string =>
      `${blocksUrl}&comp=block&blockid=${encodeURIComponent(id)}`
    const idA = Buffer.from('block-000000').toString('base64')
    const idB = Buffer.from('block-000001').toString('base64')
    for (const [id, body] of [
      [idB, 'BBBB'],
      [idA, 'xx'],
      [idA, 'AAA']
    ] as const) {
      const staged = await fetch(blockUrl(id), { method: 'PUT', body })
      expect(staged.status).toBe(201)
      expect(staged.headers.get('x-ms-request-id')).toBeTruthy()
    }
    const commit = await fetch(`${blocksUrl}&comp=blocklist`, {
      method: 'PUT',
      headers: { 'x-ms-blob-content-type': 'application/zip' },
      body: `<?xml version="1.0" encoding="utf-8"?><BlockList><Latest>${idA}</Latest><Latest>${idB}</Latest></BlockList>`
    })
    expect(commit.status).toBe(201)
    expect(commit.headers.get('etag')).toBeTruthy()
    expect(commit.headers.get('last-modified')).toBeTruthy()

    const assembled = Buffer.from('AAABBBB')
    expect(
      await call('FinalizeArtifact', {
        ...ids,
        name: 'blocks.zip',
        size: '7',
        hash: `sha256:${sha256(assembled)}`
      })
    ).toMatchObject({ status: 200 })
    const blocksArtifact = svc.find('blocks.zip')!
    expect(blocksArtifact).toMatchObject({ blockCount: 2, method: 'PutBlockList', size: 7 })
    expect((await fsp.readFile(blocksArtifact.path)).equals(assembled)).toBe(true)

    const seeded = await svc.seedArtifact('from-other-job', 'zip bytes')
    expect(await call('DeleteArtifact', { ...ids, name: 'from-other-job' })).toMatchObject({
      status: 200,
      json: { ok: true, artifact_id: String(seeded.id) }
    })
    expect(seeded.deleted).toBe(true)
    expect(svc.artifactUrl(seeded.id)).toBe(
      `https://github.com/octo-org/octo-repo/actions/runs/4242/artifacts/${seeded.id}`
    )
  })

  test('a 64 MiB upload goes up in 8 MiB blocks and round-trips', async () => {
    const file = path.join(work, 'big.img')
    await writeRandomFile(file, 64 * MiB)
    const expected = await sha256File(file)
    const started = Date.now()
    const outcome = await runClient(svc.env, {
      op: 'upload',
      name: 'big',
      files: [file],
      rootDirectory: work,
      options: { skipArchive: true }
    })
    const ms = Date.now() - started
    const result = expectOk(outcome)
    expect(result).toEqual({ id: svc.uploads[0]!.id, size: 64 * MiB, digest: expected })
    const up = svc.uploads[0]!
    expect(up.blockCount).toBe(8)
    expect(statusesOf(svc, 'PutBlock')).toEqual(Array(8).fill(201))
    expect(await sha256File(up.path)).toBe(expected)
    expect(ms).toBeLessThan(60_000)
    process.stdout.write(`64 MiB upload through the real client took ${ms} ms\n`)
  })
})

// Retry behaviour takes real time (the client's backoff cannot be shortened), so these run
// concurrently, each with its own service.
describe('retries of the real client', () => {
  async function uploadSmall(
    opts: ArtifactServiceOptions,
    name = 'retry'
  ): Promise<{ outcome: ClientOutcome; svc: ArtifactService; dispose: () => Promise<void> }> {
    const { svc, work, dispose } = await setup(opts)
    const file = path.join(work, 'payload.bin')
    await fsp.writeFile(file, crypto.randomBytes(64 * 1024))
    const outcome = await runClient(svc.env, {
      op: 'upload',
      name,
      files: [file],
      rootDirectory: work
    })
    return { outcome, svc, dispose }
  }

  test.concurrent(
    'transient 5xx on CreateArtifact is retried (3 s backoff) and succeeds',
    async () => {
      const { outcome, svc, dispose } = await uploadSmall({ faults: { CreateArtifact: 503 } })
      try {
        expectOk(outcome)
        expect(statusesOf(svc, 'CreateArtifact')).toEqual([503, 200])
        const [first, second] = svc.requests.filter(r => r.endpoint === 'CreateArtifact')
        expect(second!.at - first!.at).toBeGreaterThanOrEqual(2900)
        expect(outcome.stdout).toContain('Attempt 1 of 5 failed with error: Failed request: (503)')
        expect(svc.uploads).toHaveLength(1)
      } finally {
        await dispose()
      }
    }
  )

  test.concurrent(
    'transient blob failures (500, dropped connection) are retried at once',
    async () => {
      const { outcome, svc, dispose } = await uploadSmall({
        faults: { PutBlock: 500, PutBlockList: 'drop', FinalizeArtifact: 502 }
      })
      try {
        expectOk(outcome)
        expect(statusesOf(svc, 'PutBlock')).toEqual([500, 201])
        expect(statusesOf(svc, 'PutBlockList')).toEqual([0, 201])
        expect(statusesOf(svc, 'FinalizeArtifact')).toEqual([502, 200])
        const u = svc.uploads[0]!
        expect(await sha256File(u.path)).toBe(u.sha256)
      } finally {
        await dispose()
      }
    }
  )

  test.concurrent('a permanent 5xx on CreateArtifact fails after 5 attempts', async () => {
    const { outcome, svc, dispose } = await uploadSmall({
      faults: { CreateArtifact: { fault: 500, times: Infinity } }
    })
    try {
      expect(outcome.ok).toBe(false)
      expect(outcome.message).toBe(
        'Failed to CreateArtifact: Failed to make request after 5 attempts: Failed request: (500) Internal Server Error: injected 500'
      )
      expect(statusesOf(svc, 'CreateArtifact')).toEqual([500, 500, 500, 500, 500])
      expect(outcome.ms).toBeGreaterThan(24_000)
      expect(svc.uploads).toHaveLength(0)
    } finally {
      await dispose()
    }
  })

  test.concurrent('a permanent 5xx on the blob upload fails after 4 tries per block', async () => {
    const { outcome, svc, dispose } = await uploadSmall({
      faults: { blob: { fault: 503, times: Infinity } }
    })
    try {
      expect(outcome.ok).toBe(false)
      // The client surfaces the Azure error's <Message> (plus RequestId/Time lines).
      expect(outcome.message).toMatch(/^injected 503\nRequestId:/)
      expect(statusesOf(svc, 'PutBlock')).toEqual([503, 503, 503, 503])
      expect(statusesOf(svc, 'FinalizeArtifact')).toEqual([])
      expect(outcome.ms).toBeGreaterThan(15_000)
      expect(svc.uploads).toHaveLength(0)
    } finally {
      await dispose()
    }
  })
})
