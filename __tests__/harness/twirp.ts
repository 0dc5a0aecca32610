/**
 * Twirp (JSON) plumbing shared by the loopback Results-service doubles (artifact and cache):
 * error codes and their HTTP statuses, error bodies, and one request pipeline
 * (route -> body -> injected fault -> token -> JSON -> handler).
 */
import type * as http from 'node:http'
import { readBody, sendJson, answerError } from './loopback-http.js'

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

export class TwirpError extends Error {
  constructor(
    readonly code: TwirpCode,
    msg: string
  ) {
    super(msg)
  }
}

export function sendTwirpError(res: http.ServerResponse, code: TwirpCode, msg: string): void {
  sendJson(res, TWIRP_STATUS[code], { code, msg })
}

/** The Twirp code an injected bare HTTP status is dressed as. */
export function twirpCodeForStatus(status: number): TwirpCode {
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

export type TwirpHandler<C> = (body: Record<string, unknown>, ctx: C) => unknown

export interface TwirpRoute<C> {
  req: http.IncomingMessage
  res: http.ServerResponse
  /** The method name after the service prefix. */
  method: string
  handlers: Readonly<Record<string, TwirpHandler<C>>>
  /**
   * An injected fault for this method, applied after the body was read; returns true when it
   * answered the request (or dropped it).
   */
  fault: () => Promise<boolean>
  /** The caller's context from the request (its token), or undefined: 401 unauthenticated. */
  authorize: (req: http.IncomingMessage) => C | undefined
  /** Called with the JSON body as soon as it parsed (before faults and auth), e.g. for logging. */
  onBody?: (body: unknown) => void
  /** Refuse a Content-Type other than application/json, as Twirp servers do (bad_route). */
  requireJsonContentType?: boolean
}

/** Serves one Twirp JSON request. Never rejects: failures become Twirp error responses. */
export async function serveTwirp<C>(route: TwirpRoute<C>): Promise<void> {
  const { req, res, method } = route
  try {
    const handler = Object.hasOwn(route.handlers, method) ? route.handlers[method] : undefined
    if (req.method !== 'POST' || !handler) {
      return await answerError(req, res, () =>
        sendTwirpError(res, 'bad_route', `no handler for ${req.method} ${req.url}`)
      )
    }
    if (route.requireJsonContentType) {
      const type = String(req.headers['content-type'] ?? '')
        .split(';')[0]!
        .trim()
        .toLowerCase()
      if (type !== 'application/json') {
        return await answerError(req, res, () =>
          sendTwirpError(res, 'bad_route', `unexpected Content-Type: ${JSON.stringify(type)}`)
        )
      }
    }
    let raw: Buffer | undefined
    try {
      raw = await readBody(req, 1 << 20)
    } catch {
      raw = undefined
    }
    let body: unknown
    let parsed = false
    if (raw !== undefined) {
      try {
        body = JSON.parse(raw.toString('utf8'))
        parsed = true
      } catch {
        parsed = false
      }
    }
    if (parsed) route.onBody?.(body)
    if (await route.fault()) return
    const ctx = route.authorize(req)
    if (ctx === undefined) {
      return sendTwirpError(res, 'unauthenticated', 'invalid or missing runtime token')
    }
    if (!parsed) return sendTwirpError(res, 'malformed', 'the request body is not valid JSON')
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return sendTwirpError(res, 'malformed', 'the request body is not a JSON object')
    }
    try {
      sendJson(res, 200, await handler(body as Record<string, unknown>, ctx))
    } catch (err) {
      if (err instanceof TwirpError) return sendTwirpError(res, err.code, err.message)
      throw err
    }
  } catch (err) {
    await answerError(req, res, () => sendTwirpError(res, 'internal', String(err)))
  }
}
