/**
 * An Azure-block-blob-like endpoint for the loopback service doubles, as the Azure SDK
 * (`@azure/storage-blob` BlockBlobClient) and plain HTTP downloads use it behind a signed URL:
 * Put Block (`PUT ?comp=block&blockid=...`), Put Block List (`PUT ?comp=blocklist`, XML),
 * Put Blob (`PUT` with `x-ms-blob-type: BlockBlob`) and Get Blob (`GET`/`HEAD`, optionally with a
 * `Range`). Blob bytes are streamed to files (never buffered whole).
 *
 * Put Block bodies are appended to one spool file per blob, each at a range reserved from its
 * Content-Length when the request arrives. When the block list names the ranges in spool order
 * without gaps (the usual case), the spool becomes the blob without copying.
 */
import * as crypto from 'node:crypto'
import * as fs from 'node:fs'
import * as fsp from 'node:fs/promises'
import type * as http from 'node:http'
import * as path from 'node:path'
import { pipeline } from 'node:stream/promises'
import { answerError, asString, BodyTooLargeError, readBody, Tap } from './loopback-http.js'

export const AZURE_VERSION = '2025-11-05'

export type BlobOperation = 'PutBlock' | 'PutBlockList' | 'PutBlob' | 'GetBlob'

export class BlobError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    msg: string
  ) {
    super(msg)
  }
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

/** Decode a query string without turning `+` into a space (block ids are base64). */
export function parseQuery(search: string): Map<string, string> {
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

export function setAzureHeaders(req: http.IncomingMessage, res: http.ServerResponse): void {
  res.setHeader('x-ms-request-id', crypto.randomUUID())
  res.setHeader('x-ms-version', asString(req.headers['x-ms-version']) ?? AZURE_VERSION)
  const clientRequestId = asString(req.headers['x-ms-client-request-id'])
  if (clientRequestId) res.setHeader('x-ms-client-request-id', clientRequestId)
  res.setHeader('Date', new Date().toUTCString())
  res.setHeader('Server', 'Windows-Azure-Blob/1.0 Microsoft-HTTPAPI/2.0')
}

export function sendBlobError(
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

/** The Azure error code an injected bare HTTP status is dressed as. */
export function blobCodeForStatus(status: number): string {
  return status === 503 ? 'ServerBusy' : status === 500 ? 'InternalError' : `Status${status}`
}

export function blobOperation(
  req: http.IncomingMessage,
  query: Map<string, string>
): BlobOperation {
  const comp = query.get('comp')
  if (req.method === 'PUT' && comp === 'block') return 'PutBlock'
  if (req.method === 'PUT' && comp === 'blocklist') return 'PutBlockList'
  if (req.method === 'PUT' && comp === undefined) return 'PutBlob'
  if ((req.method === 'GET' || req.method === 'HEAD') && comp === undefined) return 'GetBlob'
  throw new BlobError(400, 'UnsupportedQueryParameter', `unsupported ${req.method} comp=${comp}`)
}

/** A signed-URL-looking address of a blob (`sv`, `se`, `sr`, `sp`, `sig` like an Azure SAS). */
export function signedBlobUrl(
  base: string,
  blobPath: string,
  sig: string,
  perms: string,
  expiresAt: Date
): string {
  const se = expiresAt.toISOString().replace(/\.\d+Z$/, 'Z')
  return `${base}${blobPath}?sv=${AZURE_VERSION}&se=${encodeURIComponent(
    se
  )}&sr=b&sp=${perms}&sig=${encodeURIComponent(sig)}`
}

/** A staged block: a byte range of the blob's spool file. */
interface StagedBlock {
  offset: number
  size: number
}

interface Spool {
  path: string
  reserved: number
}

/** What a Put Block List or Put Blob committed. */
export interface CommittedBlob {
  path: string
  size: number
  sha256: string
  /** Number of blocks committed (0 for Put Blob). */
  blockCount: number
  method: 'PutBlockList' | 'PutBlob'
  /** `x-ms-blob-content-type` sent with the commit. */
  contentType: string | undefined
}

/** A blob being written: staged blocks, and what was committed last. */
export interface WritableBlob {
  id: string
  blocks: Map<string, StagedBlock>
  spool: Spool | undefined
  committed: CommittedBlob | undefined
}

/** A readable blob's content and metadata. */
export interface ReadableBlob {
  path: string
  size: number
  sha256: string
  contentType: string | undefined
  createdAt: string
}

async function sha256Of(file: string): Promise<string> {
  const sha = crypto.createHash('sha256')
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 4 << 20 })) {
    sha.update(chunk as Buffer)
  }
  return sha.digest('hex')
}

/** Checks a transactional Content-MD5 sent by the client; returns the header to echo. */
function checkMd5(req: http.IncomingMessage, md5: crypto.Hash | undefined): Record<string, string> {
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

const etagOf = (sha256: string): string => `"0x${sha256.slice(0, 15).toUpperCase()}"`

/** Writes blobs as `<dir>/<id>.blob`, staging blocks in `<dir>/<id>.spool`. */
export class BlockBlobStore {
  constructor(readonly dir: string) {}

  newBlob(id: string = crypto.randomUUID()): WritableBlob {
    return { id, blocks: new Map(), spool: undefined, committed: undefined }
  }

  /** Forget the staged blocks (and their spool file). */
  async removeBlocks(blob: WritableBlob): Promise<void> {
    blob.blocks.clear()
    const spool = blob.spool
    blob.spool = undefined
    if (spool) await fsp.rm(spool.path, { force: true })
  }

  /** Remove everything of a blob that is no longer wanted. */
  async discard(blob: WritableBlob): Promise<void> {
    await this.removeBlocks(blob)
    if (blob.committed) await fsp.rm(blob.committed.path, { force: true })
  }

  /** Put Block List: assemble the listed blocks into the blob's file and hash it. */
  private async commitBlocks(blob: WritableBlob, list: StagedBlock[]): Promise<CommittedBlob> {
    const target = path.join(this.dir, `${blob.id}.blob`)
    const spool = blob.spool
    const total = list.reduce((sum, b) => sum + b.size, 0)
    let expectedOffset = 0
    const inSpoolOrder = list.every(b => {
      const ok = b.offset === expectedOffset
      expectedOffset += b.size
      return ok
    })
    if (spool && list.length > 0 && inSpoolOrder && total === spool.reserved) {
      await fsp.rename(spool.path, target)
      blob.spool = undefined
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

  async putBlock(
    blob: WritableBlob,
    query: Map<string, string>,
    req: http.IncomingMessage,
    res: http.ServerResponse
  ): Promise<void> {
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
    if (!blob.spool) {
      const spoolPath = path.join(this.dir, `${blob.id}.spool`)
      fs.closeSync(fs.openSync(spoolPath, 'w'))
      blob.spool = { path: spoolPath, reserved: 0 }
    }
    const spool = blob.spool
    const offset = spool.reserved
    spool.reserved += expected
    const md5 = req.headers['content-md5'] ? crypto.createHash('md5') : undefined
    const tap = new Tap(md5 ? [md5] : [])
    await pipeline(req, tap, fs.createWriteStream(spool.path, { flags: 'r+', start: offset }))
    if (tap.bytes !== expected) {
      throw new BlobError(400, 'InvalidInput', `got ${tap.bytes} bytes, expected ${expected}`)
    }
    const md5Header = checkMd5(req, md5)
    if (blob.spool === spool) blob.blocks.set(blockId, { offset, size: tap.bytes })
    setAzureHeaders(req, res)
    res.writeHead(201, {
      'Content-Length': 0,
      ...md5Header,
      'x-ms-request-server-encrypted': 'true'
    })
    res.end()
  }

  async putBlockList(
    blob: WritableBlob,
    req: http.IncomingMessage,
    res: http.ServerResponse
  ): Promise<void> {
    let xml: string
    try {
      xml = (await readBody(req, 16 << 20)).toString('utf8')
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        throw new BlobError(413, 'RequestBodyTooLarge', 'request body too large')
      }
      throw err
    }
    if (!/<BlockList\b/.test(xml) && !/<BlockList\/>/.test(xml)) {
      throw new BlobError(400, 'InvalidXmlDocument', 'XML specified is not syntactically valid.')
    }
    const ids: string[] = []
    const re = /<(Latest|Uncommitted|Committed)>([^<]*)<\/\1>/g
    for (let m = re.exec(xml); m; m = re.exec(xml)) ids.push(xmlDecode(m[2] ?? '').trim())
    const list: StagedBlock[] = []
    for (const id of ids) {
      const block = blob.blocks.get(id)
      if (!block) {
        throw new BlobError(400, 'InvalidBlockList', `The specified block list is invalid (${id}).`)
      }
      list.push(block)
    }
    const committed = await this.commitBlocks(blob, list)
    committed.contentType = asString(req.headers['x-ms-blob-content-type'])
    blob.committed = committed
    await this.removeBlocks(blob)
    setAzureHeaders(req, res)
    res.writeHead(201, {
      'Content-Length': 0,
      ETag: etagOf(committed.sha256),
      'Last-Modified': new Date().toUTCString(),
      'Content-MD5': crypto.createHash('md5').update(xml).digest('base64'),
      'x-ms-request-server-encrypted': 'true'
    })
    res.end()
  }

  /** Put Blob: the whole content in one request. */
  async putBlob(
    blob: WritableBlob,
    req: http.IncomingMessage,
    res: http.ServerResponse
  ): Promise<void> {
    if (asString(req.headers['x-ms-blob-type']) !== 'BlockBlob') {
      throw new BlobError(400, 'InvalidHeaderValue', 'x-ms-blob-type must be BlockBlob')
    }
    const target = path.join(this.dir, `${blob.id}.blob`)
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
    await this.removeBlocks(blob)
    const sha256 = sha.digest('hex')
    blob.committed = {
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
      ETag: etagOf(sha256),
      'Last-Modified': new Date().toUTCString(),
      ...md5Header,
      'x-ms-request-server-encrypted': 'true'
    })
    res.end()
  }
}

/** A single `bytes=a-b`, `bytes=a-` or `bytes=-n` range; undefined when absent or not one. */
function parseRange(
  header: string | undefined,
  size: number
): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (!header) return undefined
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (!m || (m[1] === '' && m[2] === '')) return undefined
  let start: number
  let end: number
  if (m[1] === '') {
    const suffix = Number(m[2])
    if (suffix === 0) return 'unsatisfiable'
    start = Math.max(0, size - suffix)
    end = size - 1
  } else {
    start = Number(m[1])
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1)
    if (m[2] !== '' && Number(m[2]) < start) return undefined
  }
  if (start >= size) return 'unsatisfiable'
  return { start, end }
}

/**
 * Get Blob: the blob's bytes with Azure's headers. With `ranges`, a single `Range` (or
 * `x-ms-range`) gets a 206 Partial Content, an unsatisfiable one a 416.
 */
export async function sendBlobContent(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  blob: ReadableBlob,
  opts: { ranges?: boolean } = {}
): Promise<void> {
  setAzureHeaders(req, res)
  const headers: Record<string, string | number> = {
    'Content-Type': blob.contentType ?? 'application/octet-stream',
    'x-ms-blob-type': 'BlockBlob',
    ETag: etagOf(blob.sha256),
    'Last-Modified': new Date(blob.createdAt).toUTCString()
  }
  let status = 200
  let start = 0
  let end = blob.size - 1
  if (opts.ranges) {
    headers['Accept-Ranges'] = 'bytes'
    const range = parseRange(
      asString(req.headers['x-ms-range']) ?? asString(req.headers['range']),
      blob.size
    )
    if (range === 'unsatisfiable') {
      throw new BlobError(
        416,
        'InvalidRange',
        'The range specified is invalid for the current size of the resource.'
      )
    }
    if (range) {
      status = 206
      start = range.start
      end = range.end
      headers['Content-Range'] = `bytes ${start}-${end}/${blob.size}`
    }
  }
  headers['Content-Length'] = Math.max(0, end - start + 1)
  res.writeHead(status, headers)
  if (req.method === 'HEAD' || end < start) return void res.end()
  await pipeline(fs.createReadStream(blob.path, { start, end }), res)
}

/** What a signed URL gives access to; from the service's `resolve`. */
export interface BlobTarget {
  /** Present while the blob may be written. */
  writable?: WritableBlob
  /** Present once the blob may be read. */
  readable?: ReadableBlob
}

export interface BlobRoute {
  url: URL
  req: http.IncomingMessage
  res: http.ServerResponse
  store: BlockBlobStore
  /** The path prefix before the blob id. */
  prefix: string
  /** Record the operation (for the request log) once it is known. */
  setOperation: (op: BlobOperation) => void
  /** An injected fault for this operation; returns true when it answered (or dropped) the request. */
  fault: (op: BlobOperation) => Promise<boolean>
  /** Checks the signature and finds the blob; throws a BlobError (403, 404) when it may not. */
  resolve: (blobId: string, op: BlobOperation, query: Map<string, string>) => BlobTarget
  /** Message of the 409 when a finalized blob is written to. */
  finalizedMessage: string
  /** Honour Range requests on Get Blob. */
  ranges?: boolean
  /** Called after a successful Put Block List / Put Blob. */
  onCommit?: (blob: WritableBlob) => void
}

/** Serves one request to a signed blob URL. Never rejects: failures become Azure error responses. */
export async function serveBlob(route: BlobRoute): Promise<void> {
  const { url, req, res, store } = route
  try {
    const query = parseQuery(url.search)
    const op = blobOperation(req, query)
    route.setOperation(op)
    if (await route.fault(op)) return
    const blobId = decodeURIComponent(url.pathname.slice(route.prefix.length))
    const target = route.resolve(blobId, op, query)
    if (op === 'GetBlob') {
      if (!target.readable) {
        throw new BlobError(404, 'BlobNotFound', 'The specified blob does not exist.')
      }
      return await sendBlobContent(req, res, target.readable, { ranges: route.ranges ?? false })
    }
    const blob = target.writable
    if (!blob) throw new BlobError(409, 'OperationNotAllowed', route.finalizedMessage)
    if (op === 'PutBlock') return await store.putBlock(blob, query, req, res)
    if (op === 'PutBlockList') await store.putBlockList(blob, req, res)
    else await store.putBlob(blob, req, res)
    route.onCommit?.(blob)
  } catch (err) {
    await answerError(req, res, () => {
      if (err instanceof BlobError) sendBlobError(req, res, err.status, err.code, err.message)
      else sendBlobError(req, res, 500, 'InternalError', String(err))
    })
  }
}
