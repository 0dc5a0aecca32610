/**
 * Downloads for the install stages: retries with backoff on 5xx, 408, 429 and dropped
 * connections, an idle timeout that cuts off a stalled server (tool-cache's downloadTool has
 * none), hashing while the bytes stream to disk, and proxies through @actions/http-client.
 */
import * as core from '@actions/core'
import type { HttpClient } from '@actions/http-client'
import { createHash, type Hash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { rm } from 'node:fs/promises'
import type { IncomingMessage } from 'node:http'
import type { ActionsCache } from './actions-cache.js'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'

export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number
  /** Wait before the second try; doubled for each further one, with ±25% jitter. */
  baseDelayMs: number
  /** A connection or a body that sends nothing for this long is cut off and retried. */
  idleTimeoutMs: number
}

/** Where a tool came from: this machine's tool cache, the Actions cache, the download host, or `ops-path`. */
export type ToolSource = 'tool-cache' | 'actions-cache' | 'download' | 'preinstalled'

/** What the install stages need besides their plan. */
export interface InstallContext {
  /** How downloads are retried. */
  policy: RetryPolicy
  /** A private scratch folder of this run, removed afterwards. */
  tempDir: string
  /** The Actions cache, across runs. */
  cache: ActionsCache
}

/**
 * The retry policy, from the environment so that tests shorten the waits (they never skip them):
 * NANOS_IMAGE_ACTION_RETRY_BASE_MS, NANOS_IMAGE_ACTION_ATTEMPTS, NANOS_IMAGE_ACTION_IDLE_TIMEOUT_MS.
 */
export function retryPolicy(env: Readonly<Record<string, string | undefined>>): RetryPolicy {
  const num = (name: string, fallback: number): number => {
    const value = Number(env[name])
    return Number.isFinite(value) && value > 0 ? value : fallback
  }
  return {
    attempts: Math.floor(num('NANOS_IMAGE_ACTION_ATTEMPTS', 4)),
    baseDelayMs: num('NANOS_IMAGE_ACTION_RETRY_BASE_MS', 2000),
    idleTimeoutMs: num('NANOS_IMAGE_ACTION_IDLE_TIMEOUT_MS', 30000)
  }
}

/** The server answered with a status that is not 200. */
export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly url: string
  ) {
    super(`HTTP ${status} from ${url}`)
    this.name = 'HttpStatusError'
  }
}

/** No such object: what Cloud Storage answers (403 or 404) for a release that does not exist. */
export function isMissing(error: unknown): error is HttpStatusError {
  return error instanceof HttpStatusError && (error.status === 403 || error.status === 404)
}

function retryable(error: unknown): boolean {
  if (error instanceof HttpStatusError)
    return error.status >= 500 || error.status === 408 || error.status === 429
  // A local disk that is full or read-only does not get better by waiting.
  const code = (error as NodeJS.ErrnoException).code
  if (code && ['ENOSPC', 'EACCES', 'EPERM', 'EROFS', 'EISDIR', 'ENOTDIR', 'EDQUOT'].includes(code))
    return false
  return true // connection refused or reset, timeouts, truncated bodies
}

/** @actions/http-client (proxy support), loaded on the first download only: a warm run makes none. */
async function client(policy: RetryPolicy): Promise<HttpClient> {
  const { HttpClient } = await import('@actions/http-client')
  return new HttpClient('nanos-image-action', [], {
    allowRetries: false,
    socketTimeout: policy.idleTimeoutMs,
    keepAlive: false
  })
}

async function withRetries<T>(
  url: string,
  policy: RetryPolicy,
  attempt: () => Promise<T>
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt()
    } catch (error) {
      if (n >= policy.attempts || !retryable(error)) throw error
      const delay = Math.round(policy.baseDelayMs * 2 ** (n - 1) * (0.75 + Math.random() / 2))
      core.info(
        `${url}: ${(error as Error).message}; retrying in ${(delay / 1000).toFixed(1)} s (try ${n + 1} of ${policy.attempts})`
      )
      await new Promise(resolve => setTimeout(resolve, delay))
    }
  }
}

async function get(url: string, policy: RetryPolicy): Promise<IncomingMessage> {
  const response = await (await client(policy)).get(url)
  const status = response.message.statusCode ?? 0
  if (status !== 200) {
    response.message.resume()
    throw new HttpStatusError(status, url)
  }
  return response.message
}

type Sink = (body: AsyncIterable<Buffer>) => Promise<void>

/**
 * GET `url` and stream its body into `sink`. Once the headers are in, only an idle timer judges
 * the body: it is cut off after `idleTimeoutMs` without data, and a body that ends short of its
 * Content-Length is an error that says so (both are retried by the caller).
 */
async function receive(url: string, policy: RetryPolicy, sink: Sink): Promise<void> {
  const message = await get(url, policy)
  message.socket?.setTimeout(0)
  const expected = Number(message.headers['content-length'] ?? NaN)
  let received = 0
  let stalled = false
  const timer = setTimeout(() => {
    stalled = true
    message.destroy(new Error('stalled'))
  }, policy.idleTimeoutMs)
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      timer.refresh()
      received += chunk.length
      done(null, chunk)
    }
  })
  const short = (): boolean => Number.isFinite(expected) && received < expected
  try {
    await pipeline(message, counter, sink)
  } catch (error) {
    if (stalled) {
      throw new Error(
        `no data for ${policy.idleTimeoutMs / 1000} s after ${received} bytes: the server stalled`,
        { cause: error }
      )
    }
    if (short()) {
      throw new Error(`the connection closed after ${received} of ${expected} bytes`, {
        cause: error
      })
    }
    throw error
  } finally {
    clearTimeout(timer)
  }
  if (short()) throw new Error(`the connection closed after ${received} of ${expected} bytes`)
}

/** A small text file (a checksum, a version number), retried like any download. */
export async function fetchText(
  url: string,
  policy: RetryPolicy,
  maxBytes = 64 * 1024
): Promise<string> {
  return withRetries(url, policy, async () => {
    const chunks: Buffer[] = []
    let size = 0
    await receive(url, policy, async body => {
      for await (const chunk of body) {
        size += chunk.length
        if (size > maxBytes) {
          throw new Error(
            `${url} is larger than ${maxBytes} bytes; it is not the text file expected`
          )
        }
        chunks.push(chunk)
      }
    })
    return Buffer.concat(chunks).toString('utf8')
  })
}

export interface Downloaded {
  bytes: number
  /** Lower-case hex digests, by algorithm name (`md5`, `sha256`). */
  digests: Record<string, string>
}

/**
 * Stream `url` into `dest`, hashing on the way; retried from the start after a failure. On a
 * final failure `dest` is removed, so nothing half-written is left behind.
 */
export async function downloadFile(
  url: string,
  dest: string,
  policy: RetryPolicy,
  algorithms: readonly string[] = []
): Promise<Downloaded> {
  try {
    return await withRetries(url, policy, async () => {
      const hashes: [string, Hash][] = algorithms.map(a => [a, createHash(a)])
      let bytes = 0
      const hasher = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          bytes += chunk.length
          for (const [, hash] of hashes) hash.update(chunk)
          done(null, chunk)
        }
      })
      await receive(url, policy, body => pipeline(body, hasher, createWriteStream(dest)))
      return { bytes, digests: Object.fromEntries(hashes.map(([a, h]) => [a, h.digest('hex')])) }
    })
  } catch (error) {
    await rm(dest, { force: true })
    throw error
  }
}
