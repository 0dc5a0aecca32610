/**
 * HTTP plumbing shared by the loopback service doubles: bounded body reading, JSON answers, a
 * hashing pass-through stream, and a 127.0.0.1 server that logs every request, tracks its sockets
 * and timers so close() never hangs, and can stop listening for a while (connections refused).
 */
import type * as crypto from 'node:crypto'
import * as http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { Transform, type TransformCallback } from 'node:stream'

/** Thrown by readBody when the body is longer than its limit. */
export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super('request body too large')
  }
}

export async function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    const buf = chunk as Buffer
    size += buf.length
    if (size > limit) throw new BodyTooLargeError(limit)
    chunks.push(buf)
  }
  return Buffer.concat(chunks)
}

/** Reads and discards what is left of a request body. */
export async function drain(req: http.IncomingMessage): Promise<void> {
  if (req.readableEnded) return
  await new Promise<void>(resolve => {
    req.on('end', resolve)
    req.on('error', () => resolve())
    req.on('close', () => resolve())
    req.resume()
  })
}

/**
 * Answers a request that failed: destroys it when an answer was already started, otherwise
 * drains the body and calls `send`.
 */
export async function answerError(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  send: () => void
): Promise<void> {
  if (res.headersSent || res.destroyed || req.socket.destroyed) {
    res.destroy()
    return
  }
  await drain(req)
  send()
}

export function sendJson(res: http.ServerResponse, status: number, value: unknown): void {
  if (res.headersSent || res.destroyed) return
  const text = JSON.stringify(value)
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text)
  })
  res.end(text)
}

/** The no_proxy value that keeps proxies away from the loopback services. */
export function loopbackNoProxy(): string {
  return [process.env['no_proxy'] ?? process.env['NO_PROXY'], '127.0.0.1', 'localhost']
    .filter(Boolean)
    .join(',')
}

export function asString(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined
}

/** A Transform that hashes and counts what passes through. */
export class Tap extends Transform {
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

/** What every service logs of a request; services add their own fields. */
export interface BaseLoggedRequest {
  method: string
  /** Path and query as requested. */
  path: string
  /** Twirp method, blob operation, or `unknown`. */
  endpoint: string
  /** Status sent, 0 when the connection was dropped / closed before an answer. */
  status: number
  /** Kind of the injected fault that answered this request, if any. */
  fault?: 'status' | 'twirp' | 'drop' | 'delay'
  /** Milliseconds since the service started. */
  at: number
}

export interface LoopbackServer {
  /** `http://127.0.0.1:<port>` */
  url: string
  /** Milliseconds since the server started. */
  elapsed(): number
  /** Waits `ms`, or less when the server closes meanwhile. */
  sleep(ms: number): Promise<void>
  isClosed(): boolean
  /** Stops listening and drops open connections: new connections are refused. */
  stopListening(): Promise<void>
  /** Listens again on the same port. */
  resumeListening(): Promise<void>
  isListening(): boolean
  /** Stop listening, drop open connections, wake pending sleeps. Never hangs; idempotent. */
  close(): Promise<void>
}

/**
 * Starts a server on 127.0.0.1. `handle` serves one request with the log entry made for it
 * (pushed to `log` once the answer finished or the connection closed) and the server itself (for
 * its sleep); it should answer its own errors, anything it throws ends the connection.
 */
export async function startLoopbackServer<L extends BaseLoggedRequest>(opts: {
  log: L[]
  /** How long an idle keep-alive connection stays open (default 30 s). */
  keepAliveTimeoutMs?: number
  makeEntry: (base: BaseLoggedRequest) => L
  handle: (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    entry: L,
    server: LoopbackServer
  ) => Promise<void>
}): Promise<LoopbackServer> {
  const started = Date.now()
  const timers = new Map<NodeJS.Timeout, () => void>()
  const sockets = new Set<Socket>()
  let closed = false
  let listening = false
  let port = 0

  const keepAliveTimeout = opts.keepAliveTimeoutMs ?? 30_000
  const server = http.createServer({ requestTimeout: 0, keepAliveTimeout }, (req, res) => {
    const entry = opts.makeEntry({
      method: req.method ?? '',
      path: req.url ?? '',
      endpoint: 'unknown',
      status: 0,
      at: 0
    })
    let logged = false
    const log = (): void => {
      if (logged) return
      logged = true
      entry.status = res.writableFinished ? res.statusCode : 0
      entry.at = Date.now() - started
      opts.log.push(entry)
    }
    res.on('finish', log)
    res.on('close', log)
    opts.handle(req, res, entry, self).catch(() => res.destroy())
  })
  server.on('connection', socket => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  server.on('clientError', (_err, socket) => socket.destroy())

  const listen = (onPort: number): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(onPort, '127.0.0.1', () => {
        server.off('error', reject)
        listening = true
        resolve()
      })
    })

  const unlisten = async (): Promise<void> => {
    if (!listening) return
    listening = false
    const done = new Promise<void>(resolve => server.close(() => resolve()))
    server.closeAllConnections()
    for (const s of sockets) s.destroy()
    await Promise.race([done, new Promise<void>(resolve => setTimeout(resolve, 2000).unref())])
  }

  await listen(0)
  port = (server.address() as AddressInfo).port

  const self: LoopbackServer = {
    url: `http://127.0.0.1:${port}`,
    elapsed: () => Date.now() - started,
    sleep: (ms: number) =>
      new Promise(resolve => {
        if (closed) return resolve()
        const t = setTimeout(() => {
          timers.delete(t)
          resolve()
        }, ms)
        timers.set(t, resolve)
      }),
    isClosed: () => closed,
    stopListening: unlisten,
    async resumeListening() {
      if (closed || listening) return
      await listen(port)
    },
    isListening: () => listening,
    async close() {
      if (closed) return
      closed = true
      // Pending fault delays end now; their requests find the socket gone.
      for (const [t, wake] of timers) {
        clearTimeout(t)
        wake()
      }
      timers.clear()
      await unlisten()
    }
  }
  return self
}
