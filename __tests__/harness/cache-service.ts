/**
 * A loopback stand-in for the GitHub Actions cache backend (cache service v2) that the real
 * `@actions/cache` 6.3 client talks to, for end-to-end tests:
 *
 * - the Results service Twirp API (JSON): `POST /twirp/github.actions.results.api.v1.CacheService/
 *   {CreateCacheEntry,FinalizeCacheEntryUpload,GetCacheEntryDownloadURL}`, bearer token checked;
 * - an Azure-block-blob-like endpoint behind the signed upload URL (the Azure SDK's Put Blob for
 *   archives up to 128 MiB, Put Block + Put Block List in 64 MiB blocks above), and a plain GET
 *   (Range honoured) behind the signed download URL. The host is 127.0.0.1, not
 *   `*.blob.core.windows.net`, so the client downloads with its plain HTTP path.
 *
 * Entries are scoped like GitHub's: by cache scope (a branch, from the token's `ac` claim), key and
 * version (the client hashes the paths, compression method and cross-OS flag into the version);
 * they are immutable, and only finalized ones can be found. Lookups try, scope by scope (the
 * token's order), the primary key and then each restore key: an exact key first, else the newest
 * entry whose key starts with it. A miss is `ok: false`.
 *
 * Faults (statuses, Twirp errors, dropped connections, delays) can be queued per endpoint, and the
 * service can stop listening for a while (`unreachable()`). Everything listens on 127.0.0.1 only.
 */
import { execFile } from 'node:child_process'
import * as crypto from 'node:crypto'
import * as fsp from 'node:fs/promises'
import * as os from 'node:os'
import * as path from 'node:path'
import { promisify } from 'node:util'
import {
  BlobError,
  BlockBlobStore,
  signedBlobUrl,
  type BlobOperation,
  type BlobTarget,
  type WritableBlob
} from './azure-blob.js'
import type { FaultController, FaultPlan } from './faults.js'
import { loopbackNoProxy, type BaseLoggedRequest } from './loopback-http.js'
import { blobDir, startResultsService } from './results-service.js'
import { makeRuntimeToken, runToken, tokenClaims, type TokenIds } from './runtime-token.js'
import { TwirpError, type TwirpHandler } from './twirp.js'

export { makeRuntimeToken } from './runtime-token.js'

const SERVICE = 'github.actions.results.api.v1.CacheService'
/** Path prefix of the Twirp methods. */
export const CACHE_TWIRP_PREFIX = `/twirp/${SERVICE}/`
const BLOB_PATH_PREFIX = '/blob/caches/'
/** Message of the real service's 409 when key + version + scope is taken. */
export const ALREADY_EXISTS_MESSAGE =
  'cache entry with the same key, version, and scope already exists'
/** `ok: false` message of CreateCacheEntry for a token with no writable cache scope. */
export const WRITE_DENIED_MESSAGE = 'cache write denied: token has no writable scopes'
/** Twirp permission_denied message of GetCacheEntryDownloadURL for a token with no readable scope. */
export const READ_DENIED_MESSAGE = 'cache read denied: token has no readable scopes'
/** Longest key the client and service accept. */
const MAX_KEY_LENGTH = 512
/** The client sends at most 10 keys (primary + restore keys). */
const MAX_KEYS = 10

export type CacheTwirpMethod =
  'CreateCacheEntry' | 'FinalizeCacheEntryUpload' | 'GetCacheEntryDownloadURL'
/**
 * Where a fault can be injected: a Twirp method, one blob operation (`PutBlob` is the single-shot
 * upload of archives up to 128 MiB, `PutBlock`/`PutBlockList` the block upload above that,
 * `GetBlob` the download), or `blob` (any blob operation).
 */
export type CacheFaultEndpoint = CacheTwirpMethod | BlobOperation | 'blob'
export type CacheFaultPlan = FaultPlan<CacheFaultEndpoint>

/** Permission bits of a cache scope in the token's `ac` claim. */
export const CACHE_READ = 1
export const CACHE_WRITE = 2

/** One cache scope of a runtime token: a ref and what the job may do there. */
export interface CacheScope {
  scope: string
  permission: number
}

/** What the client hashes into the version: `@actions/cache`'s CompressionMethod values. */
export type CompressionMethod = 'gzip' | 'zstd-without-long' | 'zstd'

export interface CacheEntry {
  /** entry_id (FinalizeCacheEntryUpload returns it; saveCache returns it as the cache id). */
  id: number
  key: string
  version: string
  /** The cache scope (ref) the entry was saved in. */
  scope: string
  /** `reserved` after CreateCacheEntry, `finalized` once FinalizeCacheEntryUpload accepted it. */
  state: 'reserved' | 'finalized'
  /** Bytes of the stored archive (0 until finalized). */
  size: number
  /** sha256 hex of the stored archive ('' until finalized). */
  sha256: string
  /** File holding the archive (undefined until finalized; removed by close() unless keepFiles). */
  path: string | undefined
  createdAt: string
  finalizedAt: string | undefined
  /** How the archive got there. */
  method: 'PutBlob' | 'PutBlockList' | 'seed' | 'replaced' | undefined
  /** Blocks committed by Put Block List (0 otherwise). */
  blockCount: number
}

export interface CacheLoggedRequest extends BaseLoggedRequest {
  /** Cache key of the request (Twirp body, or the entry a blob URL belongs to). */
  key?: string
  version?: string
  /** GetCacheEntryDownloadURL's restore_keys. */
  restoreKeys?: string[]
  /** GetCacheEntryDownloadURL's answer: the matched key, '' for a miss. */
  matchedKey?: string
  /** FinalizeCacheEntryUpload's size_bytes. */
  sizeBytes?: string
  /** The entry a lookup matched, a Finalize finalized or a blob URL belongs to. */
  entryId?: number
  /** The JSON body of a Twirp request, as sent (field names and types as the client wrote them). */
  body?: Record<string, unknown>
}

export interface CacheServiceOptions {
  runBackendId?: string
  jobBackendId?: string
  /**
   * Cache scopes of the default token (`ac` claim), in lookup order. Default: one scope
   * `refs/heads/main` with read and write.
   */
  scopes?: CacheScope[]
  /** `ACTIONS_CACHE_MODE` to put in `env` (none by default). */
  cacheMode?: string
  /** Lifetime of signed upload URLs (default 1 hour). */
  uploadUrlTtlMs?: number
  /** Lifetime of signed download URLs (default 10 minutes, as GitHub's). */
  downloadUrlTtlMs?: number
  /**
   * How long an idle keep-alive connection stays open (default 5 s). The client leaves some error
   * responses unread (a download 5xx), and its process then lives until the server closes the
   * connection.
   */
  keepAliveTimeoutMs?: number
  /** First entry id handed out (default 7001). */
  firstEntryId?: number
  /** Directory for archive files; default a new temp dir. */
  dir?: string
  /** Keep the archive files after close() (default: the directory is removed). */
  keepFiles?: boolean
  faults?: CacheFaultPlan
}

export interface SeedEntry {
  key: string
  /** The version, or the inputs the client hashes into it. */
  version?: string
  paths?: string[]
  compression?: CompressionMethod
  enableCrossOsArchive?: boolean
  archive: Buffer | string
  /** Default: the first writable scope of the default token. */
  scope?: string
  /** Default: now (lookups prefer the newest entry among prefix matches). */
  createdAt?: Date
}

export interface CacheService {
  /** `http://127.0.0.1:<port>`; `env.ACTIONS_RESULTS_URL` is this plus `/`. */
  url: string
  /**
   * What a runner gives a JavaScript action for the cache (v2): `ACTIONS_CACHE_SERVICE_V2`,
   * `ACTIONS_RESULTS_URL`, `ACTIONS_RUNTIME_TOKEN`, plus `GITHUB_SERVER_URL` (github.com: the
   * client falls back to v1 on GHES) and `no_proxy`.
   */
  env: Record<string, string>
  /** The runtime token in `env` (unsigned JWT with `scp` and `ac` claims). */
  runtimeToken: string
  runBackendId: string
  jobBackendId: string
  /** Env with another token: other scopes (e.g. read-only), another job. */
  envWith(opts: {
    scopes?: CacheScope[]
    jobBackendId?: string
    cacheMode?: string
  }): Record<string, string>
  faults: FaultController<CacheFaultEndpoint>
  /** Every request, in order of completion (live array). */
  requests: CacheLoggedRequest[]
  /** All entries (reserved and finalized), oldest first; copies. */
  entries(): CacheEntry[]
  /** The newest entry with exactly this key (and version, when given). */
  find(key: string, version?: string): CacheEntry | undefined
  /** The stored archive of a finalized entry. */
  readArchive(key: string, version?: string): Promise<Buffer>
  /** Put other bytes in place of a finalized entry's archive (corrupt it, tamper with it). */
  replaceArchive(key: string, data: Buffer | string, version?: string): Promise<CacheEntry>
  /** Delete an entry (its archive goes; lookups no longer find it). False when there was none. */
  deleteEntry(key: string, version?: string): Promise<boolean>
  /** Add a finalized entry directly (e.g. saved by an earlier run). */
  seedEntry(seed: SeedEntry): Promise<CacheEntry>
  /** Stop listening: connections are refused until reachable(). */
  unreachable(): Promise<void>
  reachable(): Promise<void>
  /** Stop listening, drop open connections, remove the archive directory. Never hangs. */
  close(): Promise<void>
}

/** The version `@actions/cache` computes (cacheUtils.getCacheVersion): sha256 of its inputs. */
export function cacheVersion(
  paths: string[],
  compression: CompressionMethod | undefined,
  enableCrossOsArchive = false,
  platform: NodeJS.Platform = process.platform
): string {
  const components = [...paths]
  if (compression) components.push(compression)
  if (platform === 'win32' && !enableCrossOsArchive) components.push('windows-only')
  components.push('1.0')
  return crypto.createHash('sha256').update(components.join('|')).digest('hex')
}

/**
 * A cache archive made the way the client makes one on Linux (`tar --posix -P -C cwd`, zstd or
 * gzip): for putting a well-formed archive with other contents in place of a stored one.
 */
export async function createCacheArchive(
  cwd: string,
  paths: string[],
  compression: CompressionMethod = 'zstd-without-long'
): Promise<Buffer> {
  const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'cache-archive-'))
  try {
    const out = path.join(tmp, compression === 'gzip' ? 'cache.tgz' : 'cache.tzst')
    const program =
      compression === 'gzip'
        ? ['-z']
        : ['--use-compress-program', compression === 'zstd' ? 'zstdmt --long=30' : 'zstdmt']
    await promisify(execFile)('tar', ['--posix', '-cf', out, '-P', '-C', cwd, ...program, ...paths])
    return await fsp.readFile(out)
  } finally {
    await fsp.rm(tmp, { recursive: true, force: true })
  }
}

// ------------------------------------------------------------------ request decoding

type FieldKind = 'string' | 'int64' | 'strings' | 'metadata'
const METADATA: Record<string, FieldKind> = { key: 'string', version: 'string' }
const REQUEST_FIELDS: Record<CacheTwirpMethod, Record<string, FieldKind>> = {
  CreateCacheEntry: { metadata: 'metadata', ...METADATA },
  FinalizeCacheEntryUpload: { metadata: 'metadata', ...METADATA, size_bytes: 'int64' },
  GetCacheEntryDownloadURL: { metadata: 'metadata', ...METADATA, restore_keys: 'strings' }
}

const lowerCamel = (name: string): string =>
  name.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase())

function malformed(detail: string): TwirpError {
  return new TwirpError('malformed', `the json request could not be decoded: ${detail}`)
}

function isInt64(v: unknown): boolean {
  if (typeof v === 'number') return Number.isSafeInteger(v)
  return typeof v === 'string' && /^-?\d+$/.test(v)
}

/** Checks one value against its field kind, as protojson would; returns it normalized. */
function decodeValue(field: string, kind: FieldKind, v: unknown): unknown {
  if (v === null) return undefined
  switch (kind) {
    case 'string':
      if (typeof v !== 'string') throw malformed(`invalid value for string field ${field}`)
      return v
    case 'int64':
      if (!isInt64(v)) throw malformed(`invalid value for int64 field ${field}`)
      return String(v)
    case 'strings':
      if (!Array.isArray(v) || v.some(s => typeof s !== 'string')) {
        throw malformed(`invalid value for repeated string field ${field}`)
      }
      return v
    case 'metadata': {
      if (typeof v !== 'object' || Array.isArray(v)) {
        throw malformed(`invalid value for message field ${field}`)
      }
      const m = v as Record<string, unknown>
      const repo = m['repository_id'] ?? m['repositoryId']
      if (repo != null && !isInt64(repo)) {
        throw malformed('invalid value for int64 field repository_id')
      }
      const scope = m['scope']
      const isScope = (x: unknown): boolean => {
        if (typeof x !== 'object' || x === null || Array.isArray(x)) return false
        const { scope: name, permission } = x as Record<string, unknown>
        return (
          (name == null || typeof name === 'string') && (permission == null || isInt64(permission))
        )
      }
      if (scope != null && !(Array.isArray(scope) && scope.every(isScope))) {
        throw malformed('invalid value for repeated message field scope')
      }
      return m
    }
  }
}

/**
 * Decodes a request body the way a Twirp (protojson) server does: fields by their proto name or
 * their lowerCamelCase JSON name (not both), types checked, `null` as the default, unknown fields
 * discarded.
 */
function decodeRequest(
  method: CacheTwirpMethod,
  body: Record<string, unknown>
): Record<string, unknown> {
  const fields = REQUEST_FIELDS[method]
  const out: Record<string, unknown> = {}
  for (const [field, kind] of Object.entries(fields)) {
    const names = [...new Set([field, lowerCamel(field)])].filter(n => Object.hasOwn(body, n))
    if (names.length > 1) throw malformed(`duplicate field ${field}`)
    if (names.length === 1) out[field] = decodeValue(field, kind, body[names[0]!])
  }
  return out
}

// ------------------------------------------------------------------ the service

interface EntryState extends CacheEntry {
  blob: WritableBlob
  deleted: boolean
}

/** Who is calling (from the token), and the log entry of the call. */
interface Caller {
  ids: TokenIds
  scopes: CacheScope[]
  log: CacheLoggedRequest
}

function scopesFromToken(token: string): CacheScope[] {
  const ac = tokenClaims(token)?.['ac']
  if (typeof ac !== 'string') return []
  let parsed: unknown
  try {
    parsed = JSON.parse(ac)
  } catch {
    return []
  }
  if (!Array.isArray(parsed)) return []
  return parsed.flatMap(s => {
    const scope = (s as { Scope?: unknown })?.Scope
    const permission = (s as { Permission?: unknown })?.Permission
    return typeof scope === 'string' && typeof permission === 'number'
      ? [{ scope, permission }]
      : []
  })
}

const publicEntry = (e: EntryState): CacheEntry => ({
  id: e.id,
  key: e.key,
  version: e.version,
  scope: e.scope,
  state: e.state,
  size: e.size,
  sha256: e.sha256,
  path: e.path,
  createdAt: e.createdAt,
  finalizedAt: e.finalizedAt,
  method: e.method,
  blockCount: e.blockCount
})

export async function startCacheService(opts: CacheServiceOptions = {}): Promise<CacheService> {
  const runBackendId = opts.runBackendId ?? crypto.randomUUID()
  const jobBackendId = opts.jobBackendId ?? crypto.randomUUID()
  const defaultScopes = opts.scopes ?? [
    { scope: 'refs/heads/main', permission: CACHE_READ | CACHE_WRITE }
  ]
  const uploadTtl = opts.uploadUrlTtlMs ?? 3600_000
  const downloadTtl = opts.downloadUrlTtlMs ?? 600_000
  const files = await blobDir('cache-service-', opts)
  const dir = files.dir
  const store = new BlockBlobStore(dir)
  const entries: EntryState[] = []
  const byBlobId = new Map<string, EntryState>()
  const signingKey = crypto.randomBytes(32)
  let nextEntryId = opts.firstEntryId ?? 7001
  let baseUrl = ''

  const tokenFor = (scopes: CacheScope[], job: string): string =>
    makeRuntimeToken(runBackendId, job, {
      ac: JSON.stringify(scopes.map(s => ({ Scope: s.scope, Permission: s.permission })))
    })
  const runtimeToken = tokenFor(defaultScopes, jobBackendId)

  const envFor = (token: string, cacheMode: string | undefined): Record<string, string> => {
    const noProxy = loopbackNoProxy()
    return {
      ACTIONS_CACHE_SERVICE_V2: 'True',
      ACTIONS_RESULTS_URL: `${baseUrl}/`,
      ACTIONS_RUNTIME_TOKEN: token,
      GITHUB_SERVER_URL: 'https://github.com',
      ...(cacheMode === undefined ? {} : { ACTIONS_CACHE_MODE: cacheMode }),
      no_proxy: noProxy,
      NO_PROXY: noProxy
    }
  }

  const live = (): EntryState[] => entries.filter(e => !e.deleted)
  const newestFirst = (list: EntryState[]): EntryState[] =>
    [...list].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || b.id - a.id)
  const findEntry = (key: string, version?: string): EntryState | undefined =>
    newestFirst(
      live().filter(e => e.key === key && (version === undefined || e.version === version))
    )[0]
  const findFinalized = (key: string, version?: string): EntryState => {
    const entry = newestFirst(
      live().filter(
        e =>
          e.key === key &&
          e.state === 'finalized' &&
          (version === undefined || e.version === version)
      )
    )[0]
    if (!entry?.path) throw new Error(`no finalized cache entry with key ${key}`)
    return entry
  }

  const sign = (blobId: string, perms: string, se: string): string =>
    crypto.createHmac('sha256', signingKey).update(`${blobId}\n${perms}\n${se}`).digest('base64')
  const signedUrl = (blobId: string, perms: string, ttl: number): string => {
    const expires = new Date(Date.now() + ttl)
    const se = expires.toISOString().replace(/\.\d+Z$/, 'Z')
    return signedBlobUrl(
      baseUrl,
      `${BLOB_PATH_PREFIX}${blobId}`,
      sign(blobId, perms, se),
      perms,
      expires
    )
  }

  // ---------------------------------------------------------------- twirp

  /** The request decoded, with its (required) key and version. */
  function decodeKeyed(
    method: CacheTwirpMethod,
    body: Record<string, unknown>
  ): { req: Record<string, unknown>; key: string; version: string } {
    const req = decodeRequest(method, body)
    const key = (req['key'] as string | undefined) ?? ''
    const version = (req['version'] as string | undefined) ?? ''
    if (!key) throw new TwirpError('invalid_argument', 'key is required')
    if (key.length > MAX_KEY_LENGTH) {
      throw new TwirpError('invalid_argument', `key is longer than ${MAX_KEY_LENGTH} characters`)
    }
    if (!version) throw new TwirpError('invalid_argument', 'version is required')
    return { req, key, version }
  }

  const writableScope = (caller: Caller): string | undefined =>
    caller.scopes.find(s => (s.permission & CACHE_WRITE) !== 0)?.scope

  function twirpCreate(body: Record<string, unknown>, caller: Caller): unknown {
    const { key, version } = decodeKeyed('CreateCacheEntry', body)
    const scope = writableScope(caller)
    if (scope === undefined)
      return { ok: false, signed_upload_url: '', message: WRITE_DENIED_MESSAGE }
    if (live().some(e => e.scope === scope && e.key === key && e.version === version)) {
      throw new TwirpError('already_exists', ALREADY_EXISTS_MESSAGE)
    }
    const entry: EntryState = {
      id: nextEntryId++,
      key,
      version,
      scope,
      state: 'reserved',
      size: 0,
      sha256: '',
      path: undefined,
      createdAt: new Date().toISOString(),
      finalizedAt: undefined,
      method: undefined,
      blockCount: 0,
      blob: store.newBlob(),
      deleted: false
    }
    entries.push(entry)
    byBlobId.set(entry.blob.id, entry)
    return { ok: true, signed_upload_url: signedUrl(entry.blob.id, 'cw', uploadTtl), message: '' }
  }

  function twirpFinalize(body: Record<string, unknown>, caller: Caller): unknown {
    const { req, key, version } = decodeKeyed('FinalizeCacheEntryUpload', body)
    const log = caller.log
    const sizeBytes = req['size_bytes'] as string | undefined
    log.sizeBytes = sizeBytes
    const scope = writableScope(caller)
    const entry = live().find(e => e.scope === scope && e.key === key && e.version === version)
    if (!entry)
      throw new TwirpError('not_found', `no cache entry with key ${key} is being uploaded`)
    if (entry.state === 'finalized') throw new TwirpError('already_exists', ALREADY_EXISTS_MESSAGE)
    const committed = entry.blob.committed
    if (!committed) {
      throw new TwirpError(
        'failed_precondition',
        `the archive of cache entry ${key} was not uploaded`
      )
    }
    if (sizeBytes === undefined || Number(sizeBytes) !== committed.size) {
      throw new TwirpError(
        'invalid_argument',
        `size_bytes ${sizeBytes ?? '(none)'} does not match the uploaded archive (${committed.size} bytes)`
      )
    }
    log.entryId = entry.id
    entry.state = 'finalized'
    entry.finalizedAt = new Date().toISOString()
    entry.size = committed.size
    entry.sha256 = committed.sha256
    entry.path = committed.path
    entry.method = committed.method
    entry.blockCount = committed.blockCount
    return { ok: true, entry_id: String(entry.id), message: '' }
  }

  function twirpDownloadUrl(body: Record<string, unknown>, caller: Caller): unknown {
    const { req, key, version } = decodeKeyed('GetCacheEntryDownloadURL', body)
    const log = caller.log
    const restoreKeys = (req['restore_keys'] as string[] | undefined) ?? []
    if (1 + restoreKeys.length > MAX_KEYS) {
      throw new TwirpError('invalid_argument', `at most ${MAX_KEYS} keys may be given`)
    }
    const readable = caller.scopes.filter(s => (s.permission & CACHE_READ) !== 0)
    if (readable.length === 0) throw new TwirpError('permission_denied', READ_DENIED_MESSAGE)
    const candidates = newestFirst(
      live().filter(e => e.state === 'finalized' && e.version === version)
    )
    for (const { scope } of readable) {
      const inScope = candidates.filter(e => e.scope === scope)
      for (const k of [key, ...restoreKeys]) {
        const hit = inScope.find(e => e.key === k) ?? inScope.find(e => e.key.startsWith(k))
        if (hit) {
          log.matchedKey = hit.key
          log.entryId = hit.id
          return {
            ok: true,
            signed_download_url: signedUrl(hit.blob.id, 'r', downloadTtl),
            matched_key: hit.key
          }
        }
      }
    }
    log.matchedKey = ''
    return { ok: false, signed_download_url: '', matched_key: '' }
  }

  // ---------------------------------------------------------------- blob

  function resolveBlob(
    blobId: string,
    op: BlobOperation,
    query: Map<string, string>,
    log: CacheLoggedRequest
  ): BlobTarget {
    const entry = byBlobId.get(blobId)
    const perms = query.get('sp') ?? ''
    const se = query.get('se') ?? ''
    const sig = query.get('sig') ?? ''
    const expected = entry ? sign(blobId, perms, se) : ''
    if (!entry || entry.deleted) {
      throw new BlobError(404, 'BlobNotFound', 'The specified blob does not exist.')
    }
    log.key = entry.key
    log.version = entry.version
    log.entryId = entry.id
    const sigOk =
      sig.length === expected.length &&
      crypto.timingSafeEqual(Buffer.from(sig), Buffer.from(expected))
    if (!sigOk) {
      throw new BlobError(
        403,
        'AuthenticationFailed',
        'Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.'
      )
    }
    if (!(Date.parse(se) > Date.now())) {
      throw new BlobError(
        403,
        'AuthenticationFailed',
        'Server failed to authenticate the request. Signature not valid in the specified time frame.'
      )
    }
    const needed = op === 'GetBlob' ? 'r' : 'w'
    if (!perms.includes(needed)) {
      throw new BlobError(
        403,
        'AuthorizationPermissionMismatch',
        'This request is not authorized to perform this operation using this permission.'
      )
    }
    if (entry.state === 'finalized') {
      return {
        readable: {
          path: entry.path!,
          size: entry.size,
          sha256: entry.sha256,
          contentType: 'application/octet-stream',
          createdAt: entry.finalizedAt ?? entry.createdAt
        }
      }
    }
    return { writable: entry.blob }
  }

  // ---------------------------------------------------------------- server

  const TWIRP_HANDLERS: Record<CacheTwirpMethod, TwirpHandler<Caller>> = {
    CreateCacheEntry: twirpCreate,
    FinalizeCacheEntryUpload: twirpFinalize,
    GetCacheEntryDownloadURL: twirpDownloadUrl
  }

  const logBody = (log: CacheLoggedRequest, body: unknown): void => {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return
    const b = body as Record<string, unknown>
    log.body = b
    if (typeof b['key'] === 'string') log.key = b['key']
    if (typeof b['version'] === 'string') log.version = b['version']
    const restore = b['restore_keys'] ?? b['restoreKeys']
    if (Array.isArray(restore)) log.restoreKeys = restore.map(String)
  }

  const { server, faults, requests } = await startResultsService<
    Caller,
    CacheFaultEndpoint,
    CacheLoggedRequest
  >({
    faults: opts.faults,
    keepAliveTimeoutMs: opts.keepAliveTimeoutMs ?? 5000,
    makeEntry: base => ({ ...base }),
    twirpPrefix: CACHE_TWIRP_PREFIX,
    blobPrefix: BLOB_PATH_PREFIX,
    routes: log => ({
      twirp: {
        requireJsonContentType: true,
        handlers: TWIRP_HANDLERS,
        onBody: body => logBody(log, body),
        authorize: r => {
          const caller = runToken(r.headers, runBackendId)
          return caller && { ids: caller.ids, scopes: scopesFromToken(caller.token), log }
        }
      },
      blob: {
        store,
        ranges: true,
        resolve: (blobId, op, query) => resolveBlob(blobId, op, query, log),
        finalizedMessage: 'The cache entry of this blob is already finalized.'
      }
    })
  })
  baseUrl = server.url

  return {
    url: baseUrl,
    env: envFor(runtimeToken, opts.cacheMode),
    runtimeToken,
    runBackendId,
    jobBackendId,
    envWith: ({ scopes, jobBackendId: job, cacheMode }) =>
      envFor(tokenFor(scopes ?? defaultScopes, job ?? jobBackendId), cacheMode ?? opts.cacheMode),
    faults,
    requests,
    entries: () => live().map(publicEntry),
    find: (key, version) => {
      const e = findEntry(key, version)
      return e && publicEntry(e)
    },
    readArchive: async (key, version) => fsp.readFile(findFinalized(key, version).path!),
    async replaceArchive(key, data, version) {
      const entry = findFinalized(key, version)
      const bytes = Buffer.from(data)
      const file = path.join(
        dir,
        `${entry.blob.id}.${crypto.randomBytes(4).toString('hex')}.replaced`
      )
      await fsp.writeFile(file, bytes)
      const old = entry.path
      entry.path = file
      entry.size = bytes.length
      entry.sha256 = crypto.createHash('sha256').update(bytes).digest('hex')
      entry.method = 'replaced'
      if (old) await fsp.rm(old, { force: true })
      return publicEntry(entry)
    },
    async deleteEntry(key, version) {
      const entry = findEntry(key, version)
      if (!entry) return false
      entry.deleted = true
      await store.discard(entry.blob)
      if (entry.path) await fsp.rm(entry.path, { force: true })
      return true
    },
    async seedEntry(seed) {
      const version =
        seed.version ??
        cacheVersion(
          seed.paths ?? [],
          seed.compression ?? 'zstd-without-long',
          seed.enableCrossOsArchive
        )
      const scope = seed.scope ?? defaultScopes.find(s => (s.permission & CACHE_WRITE) !== 0)?.scope
      if (scope === undefined)
        throw new Error('seedEntry: no scope given and no writable default scope')
      if (live().some(e => e.scope === scope && e.key === seed.key && e.version === version)) {
        throw new Error(ALREADY_EXISTS_MESSAGE)
      }
      const blob = store.newBlob()
      const bytes = Buffer.from(seed.archive)
      const file = path.join(dir, `${blob.id}.blob`)
      await fsp.writeFile(file, bytes)
      const created = (seed.createdAt ?? new Date()).toISOString()
      const entry: EntryState = {
        id: nextEntryId++,
        key: seed.key,
        version,
        scope,
        state: 'finalized',
        size: bytes.length,
        sha256: crypto.createHash('sha256').update(bytes).digest('hex'),
        path: file,
        createdAt: created,
        finalizedAt: created,
        method: 'seed',
        blockCount: 0,
        blob,
        deleted: false
      }
      entries.push(entry)
      byBlobId.set(blob.id, entry)
      return publicEntry(entry)
    },
    unreachable: () => server.stopListening(),
    reachable: () => server.resumeListening(),
    async close() {
      if (server.isClosed()) return
      await server.close()
      await files.remove()
    }
  }
}
