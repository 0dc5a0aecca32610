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
 */
import * as crypto from 'node:crypto'
import * as fs from 'node:fs'
import * as fsp from 'node:fs/promises'
import * as http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import * as os from 'node:os'
import * as path from 'node:path'
import { Transform, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import * as zlib from 'node:zlib'

const SERVICE = 'github.actions.results.api.v1.ArtifactService'
/** Path prefix of the Twirp methods. */
export const TWIRP_PATH_PREFIX = `/twirp/${SERVICE}/`
const BLOB_PATH_PREFIX = '/blob/artifacts/'
/** Message of the real service when a name is already used in the workflow run (HTTP 409). */
export const CONFLICT_MESSAGE = 'an artifact with this name already exists on the workflow run'
/** Characters the real client and service refuse in artifact names. */
const INVALID_NAME_CHARACTERS = ['"', ':', '<', '>', '|', '*', '?', '\r', '\n', '\\', '/']
const AZURE_VERSION = '2025-11-05'

export type TwirpMethod =
  | 'CreateArtifact'
  | 'FinalizeArtifact'
  | 'ListArtifacts'
  | 'DeleteArtifact'
  | 'GetSignedArtifactURL'
export type BlobOperation = 'PutBlock' | 'PutBlockList' | 'PutBlob' | 'GetBlob'
/** Where a fault can be injected: a Twirp method, one blob operation, or `blob` (any of them). */
export type FaultEndpoint = TwirpMethod | BlobOperation | 'blob'

export type TwirpCode =
  | 'canceled'
  | 'unknown'
  | 'invalid_argument'
  | 'malformed'
  | 'deadline_exceeded'
  | 'not_found'
  | 'bad_route'
  | 'already_exists'
  | 'permission_denied'
  | 'unauthenticated'
  | 'resource_exhausted'
  | 'failed_precondition'
  | 'aborted'
  | 'out_of_range'
  | 'unimplemented'
  | 'internal'
  | 'unavailable'
  | 'data_loss'

/** HTTP status of each Twirp error code (Twirp spec). */
export const TWIRP_STATUS: Readonly<Record<TwirpCode, number>> = {
  canceled: 408,
  unknown: 500,
  invalid_argument: 400,
  malformed: 400,
  deadline_exceeded: 408,
  not_found: 404,
  bad_route: 404,
  already_exists: 409,
  permission_denied: 403,
  unauthenticated: 401,
  resource_exhausted: 429,
  failed_precondition: 412,
  aborted: 409,
  out_of_range: 400,
  unimplemented: 501,
  internal: 500,
  unavailable: 503,
  data_loss: 500
}

/**
 * One injected response.
 * - `status`: answer with this HTTP status (Twirp endpoints: a Twirp JSON error body unless `body`
 *   is given; blob endpoints: an Azure XML error body unless `body` is given).
 * - `twirp`: a Twirp error with the code's status (Twirp endpoints only; on blob it becomes `status`).
 * - `drop`: destroy the connection without answering (the client sees ECONNRESET / socket hang up).
 * - `delay`: wait, then handle the request normally.
 * `delayMs` on the others waits before answering.
 */
export type Fault =
  | { kind: 'status'; status: number; body?: string; message?: string; delayMs?: number }
  | { kind: 'twirp'; code: TwirpCode; msg?: string; delayMs?: number }
  | { kind: 'drop'; delayMs?: number }
  | { kind: 'delay'; delayMs: number }
/** Shorthands: a number is `{kind: 'status', status}`, `'drop'` is `{kind: 'drop'}`. */
export type FaultInput = Fault | number | 'drop'
/** `times` defaults to 1; `Infinity` makes the fault permanent (until cleared). */
export interface FaultRule {
  fault: FaultInput
  times?: number
}
/** Faults per endpoint; an array queues one entry after the other. */
export type FaultPlan = Partial<
  Record<FaultEndpoint, FaultInput | FaultRule | Array<FaultInput | FaultRule>>
>

export interface FaultController {
  /** Queue `fault` for the next `times` (default 1, may be Infinity) requests to `endpoint`. */
  inject(endpoint: FaultEndpoint, fault: FaultInput, times?: number): void
  /** Queue several faults at once (same shape as the `faults` start option). */
  plan(plan: FaultPlan): void
  /** Drop queued faults of one endpoint, or of all. */
  clear(endpoint?: FaultEndpoint): void
  /** How many responses of `endpoint` are still going to be faulted. */
  pending(endpoint: FaultEndpoint): number
}

export interface LoggedRequest {
  method: string
  /** Path and query as requested. */
  path: string
  /** Twirp method, blob operation, or `unknown`. */
  endpoint: string
  /** Status sent, 0 when the connection was dropped / closed before an answer. */
  status: number
  /** Kind of the injected fault that answered this request, if any. */
  fault?: Fault['kind']
  /** Milliseconds since the service started. */
  at: number
}

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

/** A staged block: a byte range of the upload's spool file. */
interface StagedBlock {
  offset: number
  size: number
}

/**
 * Put Block bodies are appended to one spool file per upload, each at a range reserved from its
 * Content-Length when the request arrives. When the block list names the ranges in spool order
 * without gaps (the usual case), the spool becomes the blob without copying.
 */
interface Spool {
  path: string
  reserved: number
}

interface Committed {
  path: string
  size: number
  sha256: string
  blockCount: number
  method: 'PutBlockList' | 'PutBlob'
  contentType: string | undefined
}

interface PendingUpload {
  blobId: string
  sig: string
  name: string
  runBackendId: string
  jobBackendId: string
  mimeType: string | undefined
  expiresAt: string | undefined
  blocks: Map<string, StagedBlock>
  spool: Spool | undefined
  committed: Committed | undefined
}

interface TokenIds {
  runBackendId: string
  jobBackendId: string
}

class TwirpError extends Error {
  constructor(
    readonly code: TwirpCode,
    msg: string
  ) {
    super(msg)
  }
}

class BlobError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    msg: string
  ) {
    super(msg)
  }
}

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url')
}

/** An unsigned JWT carrying the `scp` claim the client parses (`Actions.Results:<run>:<job>`). */
export function makeRuntimeToken(runBackendId: string, jobBackendId: string): string {
  const now = Math.floor(Date.now() / 1000)
  const header = { typ: 'JWT', alg: 'RS256', x5t: 'loopback' }
  const payload = {
    nameid: 'dddddddd-dddd-dddd-dddd-dddddddddddd',
    scp: [
      `Actions.ExampleScope`,
      `Actions.Results:${runBackendId}:${jobBackendId}`,
      `Actions.UploadArtifacts:${runBackendId}:${jobBackendId}`
    ].join(' '),
    iss: 'vstoken.actions.githubusercontent.com',
    aud: 'vso:loopback',
    nbf: now - 60,
    iat: now - 60,
    exp: now + 6 * 3600
  }
  return `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}.${base64url('unsigned')}`
}

function idsFromToken(token: string): TokenIds | undefined {
  const parts = token.split('.')
  if (parts.length !== 3) return undefined
  let payload: unknown
  try {
    payload = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8'))
  } catch {
    return undefined
  }
  if (typeof payload !== 'object' || payload === null) return undefined
  const scp = (payload as { scp?: unknown }).scp
  if (typeof scp !== 'string') return undefined
  for (const scope of scp.split(' ')) {
    const bits = scope.split(':')
    if (bits[0] === 'Actions.Results' && bits.length === 3 && bits[1] && bits[2]) {
      return { runBackendId: bits[1], jobBackendId: bits[2] }
    }
  }
  return undefined
}

function normalizeFault(input: FaultInput): Fault {
  if (typeof input === 'number') return { kind: 'status', status: input }
  if (input === 'drop') return { kind: 'drop' }
  return input
}

function isRule(x: FaultInput | FaultRule): x is FaultRule {
  return typeof x === 'object' && x !== null && 'fault' in x
}

class Faults implements FaultController {
  private readonly queues = new Map<FaultEndpoint, Array<{ fault: Fault; left: number }>>()

  inject(endpoint: FaultEndpoint, fault: FaultInput, times = 1): void {
    if (!(times > 0)) return
    const queue = this.queues.get(endpoint) ?? []
    queue.push({ fault: normalizeFault(fault), left: times })
    this.queues.set(endpoint, queue)
  }

  plan(plan: FaultPlan): void {
    for (const [endpoint, spec] of Object.entries(plan) as Array<
      [FaultEndpoint, FaultInput | FaultRule | Array<FaultInput | FaultRule>]
    >) {
      const items = Array.isArray(spec) ? spec : [spec]
      for (const item of items) {
        if (isRule(item)) this.inject(endpoint, item.fault, item.times ?? 1)
        else this.inject(endpoint, item, 1)
      }
    }
  }

  clear(endpoint?: FaultEndpoint): void {
    if (endpoint) this.queues.delete(endpoint)
    else this.queues.clear()
  }

  pending(endpoint: FaultEndpoint): number {
    return (this.queues.get(endpoint) ?? []).reduce((sum, f) => sum + f.left, 0)
  }

  /** Take the next fault for the first endpoint (in order) that has one. */
  take(endpoints: FaultEndpoint[]): Fault | undefined {
    for (const endpoint of endpoints) {
      const queue = this.queues.get(endpoint)
      const head = queue?.[0]
      if (!queue || !head) continue
      head.left -= 1
      if (head.left <= 0) queue.shift()
      if (queue.length === 0) this.queues.delete(endpoint)
      return head.fault
    }
    return undefined
  }
}

/** Decode a query string without turning `+` into a space (block ids are base64). */
function parseQuery(search: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const part of search.replace(/^\?/, '').split('&')) {
    if (!part) continue
    const eq = part.indexOf('=')
    const key = eq < 0 ? part : part.slice(0, eq)
    const value = eq < 0 ? '' : part.slice(eq + 1)
    try {
      out.set(decodeURIComponent(key).toLowerCase(), decodeURIComponent(value))
    } catch {
      out.set(key.toLowerCase(), value)
    }
  }
  return out
}

function xmlDecode(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_m, d: string) => String.fromCharCode(Number(d)))
    .replace(/&amp;/g, '&')
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

async function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    const buf = chunk as Buffer
    size += buf.length
    if (size > limit) throw new BlobError(413, 'RequestBodyTooLarge', 'request body too large')
    chunks.push(buf)
  }
  return Buffer.concat(chunks)
}

async function drain(req: http.IncomingMessage): Promise<void> {
  if (req.readableEnded) return
  await new Promise<void>(resolve => {
    req.on('end', resolve)
    req.on('error', () => resolve())
    req.on('close', () => resolve())
    req.resume()
  })
}

function asString(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined
}

/** A Transform that hashes and counts what passes through. */
class Tap extends Transform {
  bytes = 0
  constructor(readonly hashes: crypto.Hash[]) {
    super()
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length
    for (const h of this.hashes) h.update(chunk)
    cb(null, chunk)
  }
}

export async function startArtifactService(
  opts: ArtifactServiceOptions = {}
): Promise<ArtifactService> {
  const runBackendId = opts.runBackendId ?? crypto.randomUUID()
  const jobBackendId = opts.jobBackendId ?? crypto.randomUUID()
  const repository = opts.repository ?? 'octo-org/octo-repo'
  const runId = String(opts.runId ?? 4242)
  const token = makeRuntimeToken(runBackendId, jobBackendId)
  const ownDir = opts.dir === undefined
  const dir = opts.dir ?? (await fsp.mkdtemp(path.join(os.tmpdir(), 'artifact-service-')))
  await fsp.mkdir(dir, { recursive: true })
  const started = Date.now()

  const faults = new Faults()
  if (opts.faults) faults.plan(opts.faults)
  const requests: LoggedRequest[] = []
  const uploads: UploadedArtifact[] = []
  const pendingById = new Map<string, PendingUpload>()
  const pendingByName = new Map<string, PendingUpload>()
  const finalizedBlobs = new Map<string, { sig: string; artifact: UploadedArtifact }>()
  let nextArtifactId = opts.firstArtifactId ?? 1001
  let closed = false
  const timers = new Map<NodeJS.Timeout, () => void>()
  const sockets = new Set<Socket>()
  let baseUrl = ''

  const sleep = (ms: number): Promise<void> =>
    new Promise(resolve => {
      if (closed) return resolve()
      const t = setTimeout(() => {
        timers.delete(t)
        resolve()
      }, ms)
      timers.set(t, resolve)
    })

  const key = (run: string, name: string): string => `${run}\u0000${name}`
  const liveArtifact = (run: string, name: string): UploadedArtifact | undefined =>
    [...uploads].reverse().find(a => !a.deleted && a.runBackendId === run && a.name === name)

  const envFor = (job: string): Record<string, string> => {
    const noProxy = [process.env['no_proxy'] ?? process.env['NO_PROXY'], '127.0.0.1', 'localhost']
      .filter(Boolean)
      .join(',')
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

  // ---------------------------------------------------------------- responses

  function setAzureHeaders(req: http.IncomingMessage, res: http.ServerResponse): void {
    res.setHeader('x-ms-request-id', crypto.randomUUID())
    res.setHeader('x-ms-version', asString(req.headers['x-ms-version']) ?? AZURE_VERSION)
    const clientRequestId = asString(req.headers['x-ms-client-request-id'])
    if (clientRequestId) res.setHeader('x-ms-client-request-id', clientRequestId)
    res.setHeader('Date', new Date().toUTCString())
    res.setHeader('Server', 'Windows-Azure-Blob/1.0 Microsoft-HTTPAPI/2.0')
  }

  function sendBlobError(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    status: number,
    code: string,
    message: string,
    body?: string
  ): void {
    if (res.headersSent || res.destroyed) return
    setAzureHeaders(req, res)
    const requestId = String(res.getHeader('x-ms-request-id'))
    const xml =
      body ??
      `<?xml version="1.0" encoding="utf-8"?><Error><Code>${xmlEscape(code)}</Code><Message>${xmlEscape(
        message
      )}\nRequestId:${requestId}\nTime:${new Date().toISOString()}</Message></Error>`
    res.writeHead(status, {
      'Content-Type': 'application/xml',
      'Content-Length': Buffer.byteLength(xml),
      'x-ms-error-code': code
    })
    res.end(xml)
  }

  function sendJson(res: http.ServerResponse, status: number, value: unknown): void {
    if (res.headersSent || res.destroyed) return
    const text = JSON.stringify(value)
    res.writeHead(status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(text)
    })
    res.end(text)
  }

  function sendTwirpError(res: http.ServerResponse, code: TwirpCode, msg: string): void {
    sendJson(res, TWIRP_STATUS[code], { code, msg })
  }

  const defaultBlobCode = (status: number): string =>
    status === 503 ? 'ServerBusy' : status === 500 ? 'InternalError' : `Status${status}`
  const defaultTwirpCode = (status: number): TwirpCode => {
    const byStatus: Record<number, TwirpCode> = {
      401: 'unauthenticated',
      403: 'permission_denied',
      404: 'not_found',
      409: 'already_exists',
      429: 'resource_exhausted',
      502: 'unavailable',
      503: 'unavailable',
      504: 'unavailable'
    }
    return byStatus[status] ?? (status >= 400 && status < 500 ? 'invalid_argument' : 'internal')
  }

  /** Apply a fault; returns true when the request has been answered (or dropped). */
  async function applyFault(
    fault: Fault,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    kind: 'twirp' | 'blob',
    note: (f: Fault['kind']) => void
  ): Promise<boolean> {
    note(fault.kind)
    if (fault.kind === 'drop') {
      if (fault.delayMs) await sleep(fault.delayMs)
      req.socket.destroy()
      return true
    }
    if (fault.kind === 'delay') {
      await sleep(fault.delayMs)
      return closed
    }
    await drain(req)
    if (fault.delayMs) await sleep(fault.delayMs)
    if (fault.kind === 'twirp') {
      if (kind === 'twirp') sendTwirpError(res, fault.code, fault.msg ?? `injected ${fault.code}`)
      else sendBlobError(req, res, TWIRP_STATUS[fault.code], fault.code, fault.msg ?? 'injected')
      return true
    }
    const message = fault.message ?? `injected ${fault.status}`
    if (kind === 'twirp') {
      if (fault.body !== undefined) {
        res.writeHead(fault.status, { 'Content-Type': 'application/json' })
        res.end(fault.body)
      } else {
        sendJson(res, fault.status, { code: defaultTwirpCode(fault.status), msg: message })
      }
    } else {
      sendBlobError(req, res, fault.status, defaultBlobCode(fault.status), message, fault.body)
    }
    return true
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

  function toPublicUrl(blobId: string, sig: string, perms: string): string {
    const se = new Date(Date.now() + 6 * 3600 * 1000).toISOString().replace(/\.\d+Z$/, 'Z')
    return `${baseUrl}${BLOB_PATH_PREFIX}${blobId}?sv=${AZURE_VERSION}&se=${encodeURIComponent(
      se
    )}&sr=b&sp=${perms}&sig=${encodeURIComponent(sig)}`
  }

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
      pendingById.delete(previous.blobId)
      void removeBlocks(previous)
      if (previous.committed) void fsp.rm(previous.committed.path, { force: true })
    }
    const pending: PendingUpload = {
      blobId: crypto.randomUUID(),
      sig: crypto.randomBytes(24).toString('base64'),
      name,
      runBackendId: ids.runBackendId,
      jobBackendId: ids.jobBackendId,
      mimeType: mime,
      expiresAt: expires,
      blocks: new Map(),
      spool: undefined,
      committed: undefined
    }
    pendingById.set(pending.blobId, pending)
    pendingByName.set(key(ids.runBackendId, name), pending)
    return { ok: true, signed_upload_url: toPublicUrl(pending.blobId, pending.sig, 'cw') }
  }

  function twirpFinalize(body: Record<string, unknown>, ids: TokenIds): unknown {
    checkIds(body, ids, true)
    const name = checkName(body)
    const pending = pendingByName.get(key(ids.runBackendId, name))
    if (!pending || pending.jobBackendId !== ids.jobBackendId) {
      throw new TwirpError('not_found', `no artifact named ${name} is being uploaded by this job`)
    }
    const committed = pending.committed
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
    pendingById.delete(pending.blobId)
    pendingByName.delete(key(ids.runBackendId, name))
    finalizedBlobs.set(pending.blobId, { sig: pending.sig, artifact })
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

  async function handleTwirp(
    method: string,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    note: (f: Fault['kind']) => void
  ): Promise<void> {
    const handler = Object.hasOwn(TWIRP_HANDLERS, method)
      ? TWIRP_HANDLERS[method as TwirpMethod]
      : undefined
    if (req.method !== 'POST' || !handler) {
      await drain(req)
      return sendTwirpError(res, 'bad_route', `no handler for ${req.method} ${req.url}`)
    }
    const fault = faults.take([method as TwirpMethod])
    if (fault && (await applyFault(fault, req, res, 'twirp', note))) return
    const auth = asString(req.headers['authorization']) ?? ''
    const ids = auth.startsWith('Bearer ') ? idsFromToken(auth.slice(7)) : undefined
    if (!ids || ids.runBackendId !== runBackendId) {
      await drain(req)
      return sendTwirpError(res, 'unauthenticated', 'invalid or missing runtime token')
    }
    let body: unknown
    try {
      body = JSON.parse((await readBody(req, 1 << 20)).toString('utf8'))
    } catch {
      return sendTwirpError(res, 'malformed', 'the request body is not valid JSON')
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return sendTwirpError(res, 'malformed', 'the request body is not a JSON object')
    }
    try {
      sendJson(res, 200, handler(body as Record<string, unknown>, ids))
    } catch (err) {
      if (err instanceof TwirpError) return sendTwirpError(res, err.code, err.message)
      throw err
    }
  }

  // ---------------------------------------------------------------- blob

  async function removeBlocks(pending: PendingUpload): Promise<void> {
    pending.blocks.clear()
    const spool = pending.spool
    pending.spool = undefined
    if (spool) await fsp.rm(spool.path, { force: true })
  }

  function blobOperation(req: http.IncomingMessage, query: Map<string, string>): BlobOperation {
    const comp = query.get('comp')
    if (req.method === 'PUT' && comp === 'block') return 'PutBlock'
    if (req.method === 'PUT' && comp === 'blocklist') return 'PutBlockList'
    if (req.method === 'PUT' && comp === undefined) return 'PutBlob'
    if ((req.method === 'GET' || req.method === 'HEAD') && comp === undefined) return 'GetBlob'
    throw new BlobError(400, 'UnsupportedQueryParameter', `unsupported ${req.method} comp=${comp}`)
  }

  async function sha256Of(file: string): Promise<string> {
    const sha = crypto.createHash('sha256')
    for await (const chunk of fs.createReadStream(file, { highWaterMark: 4 << 20 })) {
      sha.update(chunk as Buffer)
    }
    return sha.digest('hex')
  }

  /** Put Block List: assemble the listed blocks into the blob's file and hash it. */
  async function commitBlocks(pending: PendingUpload, list: StagedBlock[]): Promise<Committed> {
    const target = path.join(dir, `${pending.blobId}.blob`)
    const spool = pending.spool
    const total = list.reduce((sum, b) => sum + b.size, 0)
    let expectedOffset = 0
    const inSpoolOrder = list.every(b => {
      const ok = b.offset === expectedOffset
      expectedOffset += b.size
      return ok
    })
    if (spool && list.length > 0 && inSpoolOrder && total === spool.reserved) {
      await fsp.rename(spool.path, target)
      pending.spool = undefined
    } else {
      const tmp = `${target}.${crypto.randomBytes(4).toString('hex')}.tmp`
      const out = fs.createWriteStream(tmp)
      await pipeline(async function* () {
        for (const b of list) {
          if (b.size === 0 || !spool) continue
          yield* fs.createReadStream(spool.path, {
            start: b.offset,
            end: b.offset + b.size - 1,
            highWaterMark: 4 << 20
          })
        }
      }, out)
      await fsp.rename(tmp, target)
    }
    return {
      path: target,
      size: total,
      sha256: await sha256Of(target),
      blockCount: list.length,
      method: 'PutBlockList',
      contentType: undefined
    }
  }

  /** Checks a transactional Content-MD5 sent by the client; returns the header to echo. */
  function checkMd5(
    req: http.IncomingMessage,
    md5: crypto.Hash | undefined
  ): Record<string, string> {
    const sent = asString(req.headers['content-md5'])
    if (!sent || !md5) return {}
    const actual = md5.digest('base64')
    if (actual !== sent) {
      throw new BlobError(
        400,
        'Md5Mismatch',
        'The MD5 value specified in the request did not match the MD5 value calculated by the server.'
      )
    }
    return { 'Content-MD5': actual }
  }

  async function handleBlob(
    url: URL,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    note: (f: Fault['kind']) => void,
    setEndpoint: (e: string) => void
  ): Promise<void> {
    const query = parseQuery(url.search)
    const op = blobOperation(req, query)
    setEndpoint(op)
    const fault = faults.take([op, 'blob'])
    if (fault && (await applyFault(fault, req, res, 'blob', note))) return

    const blobId = decodeURIComponent(url.pathname.slice(BLOB_PATH_PREFIX.length))
    const pending = pendingById.get(blobId)
    const finalized = finalizedBlobs.get(blobId)
    const sig = pending?.sig ?? finalized?.sig
    if (sig === undefined)
      throw new BlobError(404, 'BlobNotFound', 'The specified blob does not exist.')
    if (query.get('sig') !== sig) {
      throw new BlobError(
        403,
        'AuthenticationFailed',
        'Server failed to authenticate the request. Make sure the signature is formed correctly.'
      )
    }

    if (op === 'GetBlob') {
      if (!finalized) throw new BlobError(404, 'BlobNotFound', 'The specified blob does not exist.')
      const a = finalized.artifact
      setAzureHeaders(req, res)
      res.writeHead(200, {
        'Content-Length': a.size,
        'Content-Type': a.contentType ?? 'application/octet-stream',
        'x-ms-blob-type': 'BlockBlob',
        ETag: `"0x${a.sha256.slice(0, 15).toUpperCase()}"`,
        'Last-Modified': new Date(a.createdAt).toUTCString()
      })
      if (req.method === 'HEAD') return void res.end()
      await pipeline(fs.createReadStream(a.path), res)
      return
    }

    if (!pending) {
      throw new BlobError(
        409,
        'OperationNotAllowed',
        'The artifact of this blob is already finalized.'
      )
    }

    if (op === 'PutBlock') {
      const blockId = query.get('blockid')
      if (!blockId) throw new BlobError(400, 'InvalidQueryParameterValue', 'blockid is required')
      const decoded = Buffer.from(blockId, 'base64')
      if (decoded.length === 0 || decoded.length > 64 || decoded.toString('base64') !== blockId) {
        throw new BlobError(400, 'InvalidQueryParameterValue', `invalid blockid ${blockId}`)
      }
      const expected = Number(req.headers['content-length'] ?? NaN)
      if (!Number.isSafeInteger(expected)) {
        throw new BlobError(411, 'MissingContentLengthHeader', 'Content-Length is required')
      }
      if (!pending.spool) {
        const spoolPath = path.join(dir, `${pending.blobId}.spool`)
        fs.closeSync(fs.openSync(spoolPath, 'w'))
        pending.spool = { path: spoolPath, reserved: 0 }
      }
      const spool = pending.spool
      const offset = spool.reserved
      spool.reserved += expected
      const md5 = req.headers['content-md5'] ? crypto.createHash('md5') : undefined
      const tap = new Tap(md5 ? [md5] : [])
      await pipeline(req, tap, fs.createWriteStream(spool.path, { flags: 'r+', start: offset }))
      if (tap.bytes !== expected) {
        throw new BlobError(400, 'InvalidInput', `got ${tap.bytes} bytes, expected ${expected}`)
      }
      const md5Header = checkMd5(req, md5)
      if (pending.spool === spool) pending.blocks.set(blockId, { offset, size: tap.bytes })
      setAzureHeaders(req, res)
      res.writeHead(201, {
        'Content-Length': 0,
        ...md5Header,
        'x-ms-request-server-encrypted': 'true'
      })
      res.end()
      return
    }

    if (op === 'PutBlockList') {
      const xml = (await readBody(req, 16 << 20)).toString('utf8')
      if (!/<BlockList\b/.test(xml) && !/<BlockList\/>/.test(xml)) {
        throw new BlobError(400, 'InvalidXmlDocument', 'XML specified is not syntactically valid.')
      }
      const ids: string[] = []
      const re = /<(Latest|Uncommitted|Committed)>([^<]*)<\/\1>/g
      for (let m = re.exec(xml); m; m = re.exec(xml)) ids.push(xmlDecode(m[2] ?? '').trim())
      const list: StagedBlock[] = []
      for (const id of ids) {
        const block = pending.blocks.get(id)
        if (!block) {
          throw new BlobError(
            400,
            'InvalidBlockList',
            `The specified block list is invalid (${id}).`
          )
        }
        list.push(block)
      }
      const committed = await commitBlocks(pending, list)
      committed.contentType = asString(req.headers['x-ms-blob-content-type'])
      pending.committed = committed
      await removeBlocks(pending)
      setAzureHeaders(req, res)
      res.writeHead(201, {
        'Content-Length': 0,
        ETag: `"0x${committed.sha256.slice(0, 15).toUpperCase()}"`,
        'Last-Modified': new Date().toUTCString(),
        'Content-MD5': crypto.createHash('md5').update(xml).digest('base64'),
        'x-ms-request-server-encrypted': 'true'
      })
      res.end()
      return
    }

    // Put Blob: the whole content in one request.
    if (asString(req.headers['x-ms-blob-type']) !== 'BlockBlob') {
      throw new BlobError(400, 'InvalidHeaderValue', 'x-ms-blob-type must be BlockBlob')
    }
    const target = path.join(dir, `${pending.blobId}.blob`)
    const tmp = `${target}.${crypto.randomBytes(4).toString('hex')}.tmp`
    const sha = crypto.createHash('sha256')
    const md5 = req.headers['content-md5'] ? crypto.createHash('md5') : undefined
    const tap = new Tap(md5 ? [sha, md5] : [sha])
    try {
      await pipeline(req, tap, fs.createWriteStream(tmp))
    } catch (err) {
      await fsp.rm(tmp, { force: true })
      throw err
    }
    const expected = req.headers['content-length']
    if (expected !== undefined && Number(expected) !== tap.bytes) {
      await fsp.rm(tmp, { force: true })
      throw new BlobError(400, 'InvalidInput', `got ${tap.bytes} bytes, expected ${expected}`)
    }
    let md5Header: Record<string, string>
    try {
      md5Header = checkMd5(req, md5)
    } catch (err) {
      await fsp.rm(tmp, { force: true })
      throw err
    }
    await fsp.rename(tmp, target)
    await removeBlocks(pending)
    const sha256 = sha.digest('hex')
    pending.committed = {
      path: target,
      size: tap.bytes,
      sha256,
      blockCount: 0,
      method: 'PutBlob',
      contentType: asString(req.headers['x-ms-blob-content-type'])
    }
    setAzureHeaders(req, res)
    res.writeHead(201, {
      'Content-Length': 0,
      ETag: `"0x${sha256.slice(0, 15).toUpperCase()}"`,
      'Last-Modified': new Date().toUTCString(),
      ...md5Header,
      'x-ms-request-server-encrypted': 'true'
    })
    res.end()
  }

  // ---------------------------------------------------------------- server

  const server = http.createServer({ requestTimeout: 0, keepAliveTimeout: 30_000 }, (req, res) => {
    const entry: LoggedRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      endpoint: 'unknown',
      status: 0,
      at: 0
    }
    let logged = false
    const log = (): void => {
      if (logged) return
      logged = true
      entry.status = res.writableFinished ? res.statusCode : 0
      entry.at = Date.now() - started
      requests.push(entry)
    }
    res.on('finish', log)
    res.on('close', log)
    const note = (f: Fault['kind']): void => {
      entry.fault = f
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    let kind: 'twirp' | 'blob' | 'other' = 'other'
    const run = async (): Promise<void> => {
      if (url.pathname.startsWith(TWIRP_PATH_PREFIX)) {
        kind = 'twirp'
        entry.endpoint = url.pathname.slice(TWIRP_PATH_PREFIX.length)
        await handleTwirp(entry.endpoint, req, res, note)
      } else if (url.pathname.startsWith(BLOB_PATH_PREFIX)) {
        kind = 'blob'
        await handleBlob(url, req, res, note, e => {
          entry.endpoint = e
        })
      } else {
        await drain(req)
        sendJson(res, 404, { code: 'bad_route', msg: `no route for ${req.url}` })
      }
    }
    run().catch(async (err: unknown) => {
      if (res.headersSent || res.destroyed || req.socket.destroyed) {
        res.destroy()
        return
      }
      await drain(req)
      if (kind === 'blob') {
        if (err instanceof BlobError) sendBlobError(req, res, err.status, err.code, err.message)
        else sendBlobError(req, res, 500, 'InternalError', String(err))
      } else {
        sendTwirpError(res, 'internal', String(err))
      }
    })
  })
  server.on('connection', socket => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  server.on('clientError', (_err, socket) => socket.destroy())

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

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
      if (closed) return
      closed = true
      // Pending fault delays end now; their requests find the socket gone.
      for (const [t, wake] of timers) {
        clearTimeout(t)
        wake()
      }
      timers.clear()
      const done = new Promise<void>(resolve => server.close(() => resolve()))
      server.closeAllConnections()
      for (const s of sockets) s.destroy()
      await Promise.race([done, new Promise<void>(resolve => setTimeout(resolve, 2000).unref())])
      if (ownDir && !opts.keepFiles) {
        await fsp.rm(dir, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined)
      }
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
