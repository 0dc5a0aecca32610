/**
 * Fault injection shared by the loopback service doubles: per-endpoint queues of injected
 * responses (an HTTP status, a Twirp error, a dropped connection, a delay), each for the next N
 * requests or until cleared, and the code that answers a request with one.
 */
import type * as http from 'node:http'
import { sendBlobError, blobCodeForStatus } from './azure-blob.js'
import { drain, sendJson } from './loopback-http.js'
import { sendTwirpError, twirpCodeForStatus, TWIRP_STATUS, type TwirpCode } from './twirp.js'

/**
 * One injected response.
 * - `status`: answer with this HTTP status (Twirp endpoints: a Twirp JSON error body unless `body`
 *   is given; blob endpoints: an Azure XML error body unless `body` is given); `headers` are added
 *   (e.g. `Retry-After` with a 429).
 * - `twirp`: a Twirp error with the code's status (Twirp endpoints only; on blob it becomes `status`).
 * - `drop`: destroy the connection without answering (the client sees ECONNRESET / socket hang up).
 * - `delay`: wait, then handle the request normally.
 * `delayMs` on the others waits before answering.
 */
export type Fault =
  | {
      kind: 'status'
      status: number
      body?: string
      message?: string
      headers?: Record<string, string>
      delayMs?: number
    }
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
export type FaultPlan<E extends string> = Partial<
  Record<E, FaultInput | FaultRule | Array<FaultInput | FaultRule>>
>

export interface FaultController<E extends string> {
  /** Queue `fault` for the next `times` (default 1, may be Infinity) requests to `endpoint`. */
  inject(endpoint: E, fault: FaultInput, times?: number): void
  /** Queue several faults at once (same shape as the `faults` start option). */
  plan(plan: FaultPlan<E>): void
  /** Drop queued faults of one endpoint, or of all. */
  clear(endpoint?: E): void
  /** How many responses of `endpoint` are still going to be faulted. */
  pending(endpoint: E): number
}

function normalizeFault(input: FaultInput): Fault {
  if (typeof input === 'number') return { kind: 'status', status: input }
  if (input === 'drop') return { kind: 'drop' }
  return input
}

function isRule(x: FaultInput | FaultRule): x is FaultRule {
  return typeof x === 'object' && x !== null && 'fault' in x
}

export class Faults<E extends string> implements FaultController<E> {
  private readonly queues = new Map<E, Array<{ fault: Fault; left: number }>>()

  inject(endpoint: E, fault: FaultInput, times = 1): void {
    if (!(times > 0)) return
    const queue = this.queues.get(endpoint) ?? []
    queue.push({ fault: normalizeFault(fault), left: times })
    this.queues.set(endpoint, queue)
  }

  plan(plan: FaultPlan<E>): void {
    for (const [endpoint, spec] of Object.entries(plan) as Array<
      [E, FaultInput | FaultRule | Array<FaultInput | FaultRule>]
    >) {
      const items = Array.isArray(spec) ? spec : [spec]
      for (const item of items) {
        if (isRule(item)) this.inject(endpoint, item.fault, item.times ?? 1)
        else this.inject(endpoint, item, 1)
      }
    }
  }

  clear(endpoint?: E): void {
    if (endpoint) this.queues.delete(endpoint)
    else this.queues.clear()
  }

  pending(endpoint: E): number {
    return (this.queues.get(endpoint) ?? []).reduce((sum, f) => sum + f.left, 0)
  }

  /** Take the next fault for the first endpoint (in order) that has one. */
  take(endpoints: E[]): Fault | undefined {
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

export interface FaultTiming {
  sleep: (ms: number) => Promise<void>
  isClosed: () => boolean
}

/** Answers a request with `fault`; returns true when the request has been answered (or dropped). */
export async function applyFault(
  fault: Fault,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  kind: 'twirp' | 'blob',
  note: (f: Fault['kind']) => void,
  timing: FaultTiming
): Promise<boolean> {
  note(fault.kind)
  if (fault.kind === 'drop') {
    if (fault.delayMs) await timing.sleep(fault.delayMs)
    req.socket.destroy()
    return true
  }
  if (fault.kind === 'delay') {
    await timing.sleep(fault.delayMs)
    return timing.isClosed()
  }
  await drain(req)
  if (fault.delayMs) await timing.sleep(fault.delayMs)
  if (fault.kind === 'twirp') {
    if (kind === 'twirp') sendTwirpError(res, fault.code, fault.msg ?? `injected ${fault.code}`)
    else sendBlobError(req, res, TWIRP_STATUS[fault.code], fault.code, fault.msg ?? 'injected')
    return true
  }
  if (res.headersSent || res.destroyed) return true
  for (const [name, value] of Object.entries(fault.headers ?? {})) res.setHeader(name, value)
  const message = fault.message ?? `injected ${fault.status}`
  if (kind === 'twirp') {
    if (fault.body !== undefined) {
      res.writeHead(fault.status, { 'Content-Type': 'application/json' })
      res.end(fault.body)
    } else {
      sendJson(res, fault.status, { code: twirpCodeForStatus(fault.status), msg: message })
    }
  } else {
    sendBlobError(req, res, fault.status, blobCodeForStatus(fault.status), message, fault.body)
  }
  return true
}
