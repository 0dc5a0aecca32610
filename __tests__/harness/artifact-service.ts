/**
 * A loopback stand-in for the GitHub Actions artifact backend that the real `@actions/artifact`
 * 6.2 client talks to, for end-to-end tests:
 *
 * - the Results service Twirp API (JSON): `POST /twirp/github.actions.results.api.v1.ArtifactService/
 *   {CreateArtifact,FinalizeArtifact,ListArtifacts,DeleteArtifact,GetSignedArtifactURL}`;
 * - an Azure-blob-like endpoint behind the signed upload URL (`/blob/artifacts/<id>?sig=...`)
 *   accepting Put Block (`PUT ?comp=block&blockid=...`), Put Block List (`PUT ?comp=blocklist`, XML)
 *   and Put Blob (`PUT` with `x-ms-blob-type: BlockBlob`), and Get Blob for downloads.
 *
 * Blob bytes are streamed to files in a temporary directory (never buffered whole), so 1 GiB images
 * are fine. Faults (status codes, Twirp errors, dropped connections, delays) can be queued per
 * endpoint. Everything listens on 127.0.0.1 only.
 *
 * The Twirp, block-blob, fault, token and server plumbing is shared with the cache service
 * (twirp.ts, azure-blob.ts, faults.ts, runtime-token.ts, loopback-http.ts).
 */
import * as crypto from 'node:crypto'
import * as fs from 'node:fs'
import * as fsp from 'node:fs/promises'
import * as path from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import * as zlib from 'node:zlib'
import {
  BlobError,
  BlockBlobStore,
  signedBlobUrl,
  type BlobOperation,
  type BlobTarget,
  type WritableBlob
} from './azure-blob.js'
import type {
  FaultController as EndpointFaultController,
  FaultPlan as EndpointFaultPlan
} from './faults.js'
import { loopbackNoProxy, type BaseLoggedRequest } from './loopback-http.js'
import { blobDir, startResultsService } from './results-service.js'
import { makeRuntimeToken, runToken, type TokenIds } from './runtime-token.js'
import { TwirpError } from './twirp.js'

export { makeRuntimeToken } from './runtime-token.js'
export { TWIRP_STATUS, type TwirpCode } from './twirp.js'
export type { BlobOperation } from './azure-blob.js'
export type { Fault, FaultInput, FaultRule } from './faults.js'

const SERVICE = 'github.actions.results.api.v1.ArtifactService'
/** Path prefix of the Twirp methods. */
export const TWIRP_PATH_PREFIX = `/twirp/${SERVICE}/`
const BLOB_PATH_PREFIX = '/blob/artifacts/'
/** Message of the real service when a name is already used in the workflow run (HTTP 409). */
export const CONFLICT_MESSAGE = 'an artifact with this name already exists on the workflow run'
/** Characters the real client and service refuse in artifact names. */
const INVALID_NAME_CHARACTERS = ['"', ':', '<', '>', '|', '*', '?', '\r', '\n', '\\', '/']

export type TwirpMethod =
  | 'CreateArtifact'
  | 'FinalizeArtifact'
  | 'ListArtifacts'
  | 'DeleteArtifact'
  | 'GetSignedArtifactURL'
/** Where a fault can be injected: a Twirp method, one blob operation, or `blob` (any of them). */
export type FaultEndpoint = TwirpMethod | BlobOperation | 'blob'
/** Faults per endpoint; an array queues one entry after the other. */
export type FaultPlan = EndpointFaultPlan<FaultEndpoint>
export type FaultController = EndpointFaultController<FaultEndpoint>

export type LoggedRequest = BaseLoggedRequest

export interface UploadedArtifact {
  id: number
  name: string
  /** Bytes stored (the zip, or the raw file with skipArchive). */
  size: number
  /** sha256 hex of the stored bytes. */
  sha256: string
  /** File holding the stored bytes (removed by close() unless keepFiles). */
  path: string
  /** `mime_type` of CreateArtifact (application/zip for zipped uploads). */
  mimeType: string | undefined
  /** `expires_at` of CreateArtifact (RFC 3339), set when retentionDays was given. */
  expiresAt: string | undefined
  deleted: boolean
  createdAt: string
  runBackendId: string
  jobBackendId: string
  /** `x-ms-blob-content-type` sent with the blob commit. */
  contentType: string | undefined
  /** Number of blocks committed (0 for Put Blob / seeded). */
  blockCount: number
  method: 'PutBlockList' | 'PutBlob' | 'seed'
}

export interface ArtifactServiceOptions {
  runBackendId?: string
  jobBackendId?: string
  /** `GITHUB_REPOSITORY`, default `octo-org/octo-repo`. */
  repository?: string
  /** `GITHUB_RUN_ID`, default 4242. */
  runId?: number | string
  /** `GITHUB_RETENTION_DAYS` (the repository's maximum; the client caps retentionDays to it). */
  retentionDaysCap?: number
  /** First artifact id handed out (default 1001). */
  firstArtifactId?: number
  /** Directory for blob files; default a new temp dir. */
  dir?: string
  /** Keep the blob files after close() (default: the directory is removed). */
  keepFiles?: boolean
  faults?: FaultPlan
}

export interface ArtifactService {
  /** `http://127.0.0.1:<port>` */
  url: string
  /** Environment a process needs to upload to this service as the default job. */
  env: Record<string, string>
  runBackendId: string
  jobBackendId: string
  /** The runtime token in `env` (unsigned JWT). */
  token: string
  /** Finalized artifacts, in order (live array; deleted ones stay, flagged). */
  uploads: UploadedArtifact[]
  faults: FaultController
  /** Every request, in order of completion (live array). */
  requests: LoggedRequest[]
  /** Env for another job of the same workflow run (matrix jobs share artifact names). */
  envForJob(jobBackendId?: string): Record<string, string>
  /** The UI URL of an artifact: `https://github.com/<repo>/actions/runs/<runId>/artifacts/<id>`. */
  artifactUrl(id: number): string
  /** Newest non-deleted artifact of that name. */
  find(name: string): UploadedArtifact | undefined
  /** Add a finalized artifact directly (e.g. uploaded by an earlier job of the run). */
  seedArtifact(
    name: string,
    content?: Buffer | string,
    opts?: { jobBackendId?: string; mimeType?: string }
  ): Promise<UploadedArtifact>
  /** Stop listening, drop open connections, remove the blob directory. Never hangs. */
  close(): Promise<void>
}

interface PendingUpload {
  blob: WritableBlob
  sig: string
  name: string
  runBackendId: string
  jobBackendId: string
  mimeType: string | undefined
  expiresAt: string | undefined
}

export async function startArtifactService(
  opts: ArtifactServiceOptions = {}
): Promise<ArtifactService> {
  const runBackendId = opts.runBackendId ?? crypto.randomUUID()
  const jobBackendId = opts.jobBackendId ?? crypto.randomUUID()
  const repository = opts.repository ?? 'octo-org/octo-repo'
  const runId = String(opts.runId ?? 4242)
  const token = makeRuntimeToken(runBackendId, jobBackendId)
  const files = await blobDir('artifact-service-', opts)
  const dir = files.dir

  const uploads: UploadedArtifact[] = []
  const store = new BlockBlobStore(dir)
  const pendingById = new Map<string, PendingUpload>()
  const pendingByName = new Map<string, PendingUpload>()
  const finalizedBlobs = new Map<string, { sig: string; artifact: UploadedArtifact }>()
  let nextArtifactId = opts.firstArtifactId ?? 1001
  let baseUrl = ''

  const key = (run: string, name: string): string => `${run}\u0000${name}`
  const liveArtifact = (run: string, name: string): UploadedArtifact | undefined =>
    [...uploads].reverse().find(a => !a.deleted && a.runBackendId === run && a.name === name)

  const envFor = (job: string): Record<string, string> => {
    const noProxy = loopbackNoProxy()
    return {
      ACTIONS_RESULTS_URL: `${baseUrl}/`,
      ACTIONS_RUNTIME_TOKEN: makeRuntimeToken(runBackendId, job),
      ACTIONS_RUNTIME_URL: `${baseUrl}/`,
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_API_URL: 'https://api.github.com',
      GITHUB_REPOSITORY: repository,
      GITHUB_REPOSITORY_OWNER: repository.split('/')[0] ?? repository,
      GITHUB_RUN_ID: runId,
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_RUN_NUMBER: '1',
      GITHUB_RETENTION_DAYS: String(opts.retentionDaysCap ?? 90),
      no_proxy: noProxy,
      NO_PROXY: noProxy
    }
  }

  // ---------------------------------------------------------------- twirp

  function checkIds(body: Record<string, unknown>, ids: TokenIds, checkJob: boolean): void {
    const run = body['workflow_run_backend_id']
    const job = body['workflow_job_run_backend_id']
    if (typeof run !== 'string' || typeof job !== 'string' || !run || !job) {
      throw new TwirpError(
        'invalid_argument',
        'workflow_run_backend_id and workflow_job_run_backend_id are required'
      )
    }
    if (run !== ids.runBackendId || (checkJob && job !== ids.jobBackendId)) {
      throw new TwirpError(
        'permission_denied',
        `backend ids ${run}:${job} do not match the token (${ids.runBackendId}:${ids.jobBackendId})`
      )
    }
  }

  function checkName(body: Record<string, unknown>): string {
    const name = body['name']
    if (typeof name !== 'string' || name.length === 0) {
      throw new TwirpError('invalid_argument', 'name is required')
    }
    const bad = INVALID_NAME_CHARACTERS.find(c => name.includes(c))
    if (bad !== undefined) {
      throw new TwirpError('invalid_argument', `artifact name contains an invalid character`)
    }
    return name
  }

  const toPublicUrl = (blobId: string, sig: string, perms: string): string =>
    signedBlobUrl(
      baseUrl,
      `${BLOB_PATH_PREFIX}${blobId}`,
      sig,
      perms,
      new Date(Date.now() + 6 * 3600 * 1000)
    )

  function twirpCreate(body: Record<string, unknown>, ids: TokenIds): unknown {
    checkIds(body, ids, true)
    const name = checkName(body)
    if (body['version'] !== 7) {
      throw new TwirpError('invalid_argument', `unsupported version ${String(body['version'])}`)
    }
    const mime = body['mime_type']
    if (mime !== undefined && typeof mime !== 'string') {
      throw new TwirpError('invalid_argument', 'mime_type must be a string')
    }
    const expires = body['expires_at']
    if (expires !== undefined && (typeof expires !== 'string' || isNaN(Date.parse(expires)))) {
      throw new TwirpError('invalid_argument', 'expires_at must be an RFC 3339 timestamp')
    }
    if (liveArtifact(ids.runBackendId, name)) {
      throw new TwirpError('already_exists', CONFLICT_MESSAGE)
    }
    const previous = pendingByName.get(key(ids.runBackendId, name))
    if (previous) {
      pendingById.delete(previous.blob.id)
      void store.discard(previous.blob)
    }
    const pending: PendingUpload = {
      blob: store.newBlob(),
      sig: crypto.randomBytes(24).toString('base64'),
      name,
      runBackendId: ids.runBackendId,
      jobBackendId: ids.jobBackendId,
      mimeType: mime,
      expiresAt: expires
    }
    pendingById.set(pending.blob.id, pending)
    pendingByName.set(key(ids.runBackendId, name), pending)
    return { ok: true, signed_upload_url: toPublicUrl(pending.blob.id, pending.sig, 'cw') }
  }

  function twirpFinalize(body: Record<string, unknown>, ids: TokenIds): unknown {
    checkIds(body, ids, true)
    const name = checkName(body)
    const pending = pendingByName.get(key(ids.runBackendId, name))
    if (!pending || pending.jobBackendId !== ids.jobBackendId) {
      throw new TwirpError('not_found', `no artifact named ${name} is being uploaded by this job`)
    }
    const committed = pending.blob.committed
    if (!committed) {
      throw new TwirpError('failed_precondition', `the blob of artifact ${name} was not committed`)
    }
    if (liveArtifact(ids.runBackendId, name)) {
      throw new TwirpError('already_exists', CONFLICT_MESSAGE)
    }
    const sizeRaw = body['size']
    const size = typeof sizeRaw === 'string' || typeof sizeRaw === 'number' ? Number(sizeRaw) : 0
    if (!Number.isSafeInteger(size) || size !== committed.size) {
      throw new TwirpError(
        'invalid_argument',
        `size ${String(sizeRaw)} does not match the uploaded blob (${committed.size} bytes)`
      )
    }
    const hash = body['hash']
    if (hash !== undefined) {
      if (typeof hash !== 'string' || hash.toLowerCase() !== `sha256:${committed.sha256}`) {
        throw new TwirpError(
          'invalid_argument',
          `hash ${String(hash)} does not match the uploaded blob (sha256:${committed.sha256})`
        )
      }
    }
    const artifact: UploadedArtifact = {
      id: nextArtifactId++,
      name,
      size: committed.size,
      sha256: committed.sha256,
      path: committed.path,
      mimeType: pending.mimeType,
      expiresAt: pending.expiresAt,
      deleted: false,
      createdAt: new Date().toISOString(),
      runBackendId: pending.runBackendId,
      jobBackendId: pending.jobBackendId,
      contentType: committed.contentType,
      blockCount: committed.blockCount,
      method: committed.method
    }
    uploads.push(artifact)
    pendingById.delete(pending.blob.id)
    pendingByName.delete(key(ids.runBackendId, name))
    finalizedBlobs.set(pending.blob.id, { sig: pending.sig, artifact })
    return { ok: true, artifact_id: String(artifact.id) }
  }

  function twirpList(body: Record<string, unknown>, ids: TokenIds): unknown {
    checkIds(body, ids, false)
    const nameFilter = body['name_filter']
    const idFilter = body['id_filter']
    const artifacts = uploads
      .filter(a => !a.deleted && a.runBackendId === ids.runBackendId)
      .filter(a => typeof nameFilter !== 'string' || a.name === nameFilter)
      .filter(a => idFilter === undefined || String(a.id) === String(idFilter))
      .map(a => ({
        workflow_run_backend_id: a.runBackendId,
        workflow_job_run_backend_id: a.jobBackendId,
        database_id: String(a.id),
        name: a.name,
        size: String(a.size),
        created_at: a.createdAt,
        digest: `sha256:${a.sha256}`
      }))
    return { artifacts }
  }

  function twirpDelete(body: Record<string, unknown>, ids: TokenIds): unknown {
    checkIds(body, ids, false)
    const name = checkName(body)
    const artifact = liveArtifact(ids.runBackendId, name)
    if (!artifact) throw new TwirpError('not_found', `artifact ${name} not found`)
    artifact.deleted = true
    return { ok: true, artifact_id: String(artifact.id) }
  }

  function twirpSignedUrl(body: Record<string, unknown>, ids: TokenIds): unknown {
    checkIds(body, ids, false)
    const name = checkName(body)
    const artifact = liveArtifact(ids.runBackendId, name)
    if (!artifact) throw new TwirpError('not_found', `artifact ${name} not found`)
    for (const [blobId, entry] of finalizedBlobs) {
      if (entry.artifact === artifact) return { signed_url: toPublicUrl(blobId, entry.sig, 'r') }
    }
    throw new TwirpError('not_found', `artifact ${name} has no blob`)
  }

  const TWIRP_HANDLERS: Record<
    TwirpMethod,
    (body: Record<string, unknown>, ids: TokenIds) => unknown
  > = {
    CreateArtifact: twirpCreate,
    FinalizeArtifact: twirpFinalize,
    ListArtifacts: twirpList,
    DeleteArtifact: twirpDelete,
    GetSignedArtifactURL: twirpSignedUrl
  }

  // ---------------------------------------------------------------- server

  const resolveBlob = (blobId: string, query: Map<string, string>): BlobTarget => {
    const pending = pendingById.get(blobId)
    const finalized = finalizedBlobs.get(blobId)
    const sig = pending?.sig ?? finalized?.sig
    if (sig === undefined) {
      throw new BlobError(404, 'BlobNotFound', 'The specified blob does not exist.')
    }
    if (query.get('sig') !== sig) {
      throw new BlobError(
        403,
        'AuthenticationFailed',
        'Server failed to authenticate the request. Make sure the signature is formed correctly.'
      )
    }
    return { writable: pending?.blob, readable: finalized?.artifact }
  }

  const { server, faults, requests } = await startResultsService<
    TokenIds,
    FaultEndpoint,
    LoggedRequest
  >({
    faults: opts.faults,
    makeEntry: base => base,
    twirpPrefix: TWIRP_PATH_PREFIX,
    blobPrefix: BLOB_PATH_PREFIX,
    routes: () => ({
      twirp: {
        handlers: TWIRP_HANDLERS,
        authorize: r => runToken(r.headers, runBackendId)?.ids
      },
      blob: {
        store,
        resolve: (blobId, _op, query) => resolveBlob(blobId, query),
        finalizedMessage: 'The artifact of this blob is already finalized.'
      }
    })
  })
  baseUrl = server.url
  const env = envFor(jobBackendId)

  return {
    url: baseUrl,
    env,
    runBackendId,
    jobBackendId,
    token,
    uploads,
    faults,
    requests,
    envForJob: (job?: string) => envFor(job ?? crypto.randomUUID()),
    artifactUrl: (id: number) =>
      `https://github.com/${repository}/actions/runs/${runId}/artifacts/${id}`,
    find: (name: string) => liveArtifact(runBackendId, name),
    async seedArtifact(name, content = '', seedOpts = {}) {
      if (liveArtifact(runBackendId, name)) throw new Error(CONFLICT_MESSAGE)
      const blobId = crypto.randomUUID()
      const file = path.join(dir, `${blobId}.blob`)
      const data = Buffer.from(content)
      await fsp.writeFile(file, data)
      const artifact: UploadedArtifact = {
        id: nextArtifactId++,
        name,
        size: data.length,
        sha256: crypto.createHash('sha256').update(data).digest('hex'),
        path: file,
        mimeType: seedOpts.mimeType ?? 'application/zip',
        expiresAt: undefined,
        deleted: false,
        createdAt: new Date().toISOString(),
        runBackendId,
        jobBackendId: seedOpts.jobBackendId ?? crypto.randomUUID(),
        contentType: seedOpts.mimeType ?? 'application/zip',
        blockCount: 0,
        method: 'seed'
      }
      uploads.push(artifact)
      finalizedBlobs.set(blobId, { sig: crypto.randomBytes(24).toString('base64'), artifact })
      return artifact
    },
    async close() {
      if (server.isClosed()) return
      await server.close()
      await files.remove()
    }
  }
}

// -------------------------------------------------------------------- zip reader

export interface ZipEntry {
  name: string
  /** 0 stored, 8 deflated. */
  method: number
  /** General purpose flags (bit 3: data descriptor follows the data, bit 11: UTF-8 name). */
  flags: number
  crc32: number
  compressedSize: number
  size: number
  localHeaderOffset: number
  isDirectory: boolean
  /** Unix mode (type and permission bits) when the archive was made on Unix. */
  mode: number | undefined
  /** True when the entry needed zip64 extra fields. */
  zip64: boolean
}

export interface UnzippedEntry {
  name: string
  data: Buffer
  mode: number | undefined
  isDirectory: boolean
}

async function readAt(fh: fsp.FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length)
  let off = 0
  while (off < length) {
    const { bytesRead } = await fh.read(buf, off, length - off, position + off)
    if (bytesRead === 0) throw new Error(`zip: unexpected end of file at ${position + off}`)
    off += bytesRead
  }
  return buf
}

/** Lists the entries of a zip file from its central directory (handles zip64). */
export async function listZip(zipPath: string): Promise<ZipEntry[]> {
  const fh = await fsp.open(zipPath, 'r')
  try {
    const { size: fileSize } = await fh.stat()
    const tailLen = Math.min(fileSize, 22 + 0xffff)
    const tail = await readAt(fh, fileSize - tailLen, tailLen)
    let eocd = -1
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === 0x06054b50) {
        eocd = i
        break
      }
    }
    if (eocd < 0) throw new Error(`zip: ${zipPath} has no end of central directory record`)
    let count = tail.readUInt16LE(eocd + 10)
    let cdSize = tail.readUInt32LE(eocd + 12)
    let cdOffset = tail.readUInt32LE(eocd + 16)
    if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
      const locatorPos = fileSize - tailLen + eocd - 20
      const locator = await readAt(fh, locatorPos, 20)
      if (locator.readUInt32LE(0) !== 0x07064b50) throw new Error('zip: missing zip64 locator')
      const z64Pos = Number(locator.readBigUInt64LE(8))
      const z64 = await readAt(fh, z64Pos, 56)
      if (z64.readUInt32LE(0) !== 0x06064b50) throw new Error('zip: bad zip64 end record')
      count = Number(z64.readBigUInt64LE(32))
      cdSize = Number(z64.readBigUInt64LE(40))
      cdOffset = Number(z64.readBigUInt64LE(48))
    }
    const cd = await readAt(fh, cdOffset, cdSize)
    const entries: ZipEntry[] = []
    let p = 0
    for (let n = 0; n < count; n++) {
      if (cd.readUInt32LE(p) !== 0x02014b50) throw new Error(`zip: bad central header ${n}`)
      const madeBy = cd.readUInt16LE(p + 4)
      const flags = cd.readUInt16LE(p + 8)
      const method = cd.readUInt16LE(p + 10)
      const crc = cd.readUInt32LE(p + 16)
      let compressedSize = cd.readUInt32LE(p + 20)
      let size = cd.readUInt32LE(p + 24)
      const nameLen = cd.readUInt16LE(p + 28)
      const extraLen = cd.readUInt16LE(p + 30)
      const commentLen = cd.readUInt16LE(p + 32)
      const external = cd.readUInt32LE(p + 38)
      let localHeaderOffset = cd.readUInt32LE(p + 42)
      const name = cd.subarray(p + 46, p + 46 + nameLen).toString('utf8')
      const extra = cd.subarray(p + 46 + nameLen, p + 46 + nameLen + extraLen)
      let zip64 = false
      for (let e = 0; e + 4 <= extra.length;) {
        const id = extra.readUInt16LE(e)
        const len = extra.readUInt16LE(e + 2)
        if (id === 0x0001) {
          zip64 = true
          let q = e + 4
          if (size === 0xffffffff) {
            size = Number(extra.readBigUInt64LE(q))
            q += 8
          }
          if (compressedSize === 0xffffffff) {
            compressedSize = Number(extra.readBigUInt64LE(q))
            q += 8
          }
          if (localHeaderOffset === 0xffffffff) {
            localHeaderOffset = Number(extra.readBigUInt64LE(q))
            q += 8
          }
        }
        e += 4 + len
      }
      entries.push({
        name,
        method,
        flags,
        crc32: crc,
        compressedSize,
        size,
        localHeaderOffset,
        isDirectory: name.endsWith('/'),
        mode: madeBy >> 8 === 3 ? external >>> 16 : undefined,
        zip64
      })
      p += 46 + nameLen + extraLen + commentLen
    }
    return entries
  } finally {
    await fh.close()
  }
}

async function dataOffset(zipPath: string, entry: ZipEntry): Promise<number> {
  const fh = await fsp.open(zipPath, 'r')
  try {
    const local = await readAt(fh, entry.localHeaderOffset, 30)
    if (local.readUInt32LE(0) !== 0x04034b50)
      throw new Error(`zip: bad local header for ${entry.name}`)
    return entry.localHeaderOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28)
  } finally {
    await fh.close()
  }
}

/** Streams one entry's content to `destPath`, checking size and CRC-32. */
export async function extractZipEntry(
  zipPath: string,
  entry: ZipEntry,
  destPath: string
): Promise<void> {
  if (entry.method !== 0 && entry.method !== 8) {
    throw new Error(`zip: ${entry.name} uses unsupported method ${entry.method}`)
  }
  const start = await dataOffset(zipPath, entry)
  const source = fs.createReadStream(zipPath, {
    start,
    end: start + entry.compressedSize - 1,
    highWaterMark: 1 << 20
  })
  let crc = 0
  let size = 0
  const check = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      crc = zlib.crc32(chunk, crc)
      size += chunk.length
      cb(null, chunk)
    }
  })
  const out = fs.createWriteStream(destPath)
  if (entry.compressedSize === 0) {
    source.destroy()
    await pipeline(async function* () {}, out)
  } else if (entry.method === 8) {
    await pipeline(source, zlib.createInflateRaw(), check, out)
  } else {
    await pipeline(source, check, out)
  }
  if (size !== entry.size)
    throw new Error(`zip: ${entry.name}: ${size} bytes, expected ${entry.size}`)
  if (entry.compressedSize !== 0 && crc >>> 0 !== entry.crc32) {
    throw new Error(`zip: ${entry.name}: CRC-32 mismatch`)
  }
}

/** Reads one entry's content into memory, checking size and CRC-32. */
export async function readZipEntry(zipPath: string, entry: ZipEntry): Promise<Buffer> {
  if (entry.compressedSize === 0) return Buffer.alloc(0)
  const start = await dataOffset(zipPath, entry)
  const fh = await fsp.open(zipPath, 'r')
  let raw: Buffer
  try {
    raw = await readAt(fh, start, entry.compressedSize)
  } finally {
    await fh.close()
  }
  let data: Buffer
  if (entry.method === 0) data = raw
  else if (entry.method === 8) data = zlib.inflateRawSync(raw)
  else throw new Error(`zip: ${entry.name} uses unsupported method ${entry.method}`)
  if (data.length !== entry.size) {
    throw new Error(`zip: ${entry.name}: ${data.length} bytes, expected ${entry.size}`)
  }
  if (zlib.crc32(data) >>> 0 !== entry.crc32) throw new Error(`zip: ${entry.name}: CRC-32 mismatch`)
  return data
}

/** All entries of a zip with their contents (in memory: for small archives). */
export async function unzip(zipPath: string): Promise<UnzippedEntry[]> {
  const out: UnzippedEntry[] = []
  for (const entry of await listZip(zipPath)) {
    out.push({
      name: entry.name,
      data: entry.isDirectory ? Buffer.alloc(0) : await readZipEntry(zipPath, entry),
      mode: entry.mode,
      isDirectory: entry.isDirectory
    })
  }
  return out
}

/** The only file entry of a zip (directory entries are ignored); throws if there is not exactly one. */
export async function unzipSingle(zipPath: string): Promise<UnzippedEntry> {
  const files = (await unzip(zipPath)).filter(e => !e.isDirectory)
  if (files.length !== 1) {
    throw new Error(
      `zip: expected exactly one file in ${zipPath}, found ${files.length}: ${files
        .map(f => f.name)
        .join(', ')}`
    )
  }
  return files[0] as UnzippedEntry
}
