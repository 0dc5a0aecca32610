/**
 * Request routing shared by the loopback Results-service doubles (artifact and cache): Twirp
 * methods under `/twirp/<service>/`, signed blob URLs under a blob prefix, anything else a 404,
 * with the injected faults of each endpoint applied on the way.
 */
import * as fsp from 'node:fs/promises'
import type * as http from 'node:http'
import * as os from 'node:os'
import * as path from 'node:path'
import { serveBlob, type BlobOperation, type BlobRoute } from './azure-blob.js'
import { applyFault, Faults, type Fault, type FaultPlan } from './faults.js'
import {
  drain,
  sendJson,
  startLoopbackServer,
  type BaseLoggedRequest,
  type LoopbackServer
} from './loopback-http.js'
import { serveTwirp, type TwirpRoute } from './twirp.js'

export type TwirpConfig<C> = Omit<TwirpRoute<C>, 'req' | 'res' | 'method' | 'fault'>
export type BlobConfig = Omit<
  BlobRoute,
  'url' | 'req' | 'res' | 'prefix' | 'fault' | 'setOperation'
>

export interface ResultsRoutes<C, E extends string> {
  req: http.IncomingMessage
  res: http.ServerResponse
  log: BaseLoggedRequest
  server: LoopbackServer
  faults: Faults<E>
  /** `/twirp/<package>.<Service>/` */
  twirpPrefix: string
  twirp: TwirpConfig<C>
  /** e.g. `/blob/caches/` */
  blobPrefix: string
  blob: BlobConfig
}

/**
 * Serves one request. Faults are looked up by Twirp method name, or by blob operation and then
 * `blob` (so the endpoint type must contain those names).
 */
export async function routeResultsRequest<C, E extends string>(
  routes: ResultsRoutes<C, E>
): Promise<void> {
  const { req, res, log, server, faults } = routes
  const note = (f: Fault['kind']): void => {
    log.fault = f
  }
  const injected = async (endpoints: string[], kind: 'twirp' | 'blob'): Promise<boolean> => {
    const fault = faults.take(endpoints as E[])
    return fault !== undefined && (await applyFault(fault, req, res, kind, note, server))
  }
  const url = new URL(req.url ?? '/', 'http://127.0.0.1')
  if (url.pathname.startsWith(routes.twirpPrefix)) {
    const method = url.pathname.slice(routes.twirpPrefix.length)
    log.endpoint = method
    return serveTwirp<C>({
      ...routes.twirp,
      req,
      res,
      method,
      fault: () => injected([method], 'twirp')
    })
  }
  if (url.pathname.startsWith(routes.blobPrefix)) {
    return serveBlob({
      ...routes.blob,
      url,
      req,
      res,
      prefix: routes.blobPrefix,
      setOperation: (op: BlobOperation) => {
        log.endpoint = op
      },
      fault: (op: BlobOperation) => injected([op, 'blob'], 'blob')
    })
  }
  await drain(req)
  sendJson(res, 404, { code: 'bad_route', msg: `no route for ${req.url}` })
}

/** Where a service keeps its blob files: `dir`, or a new temp dir removed again by `remove`. */
export async function blobDir(
  prefix: string,
  opts: { dir?: string; keepFiles?: boolean }
): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = opts.dir ?? (await fsp.mkdtemp(path.join(os.tmpdir(), prefix)))
  await fsp.mkdir(dir, { recursive: true })
  const remove = async (): Promise<void> => {
    if (opts.dir !== undefined || opts.keepFiles) return
    await fsp.rm(dir, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined)
  }
  return { dir, remove }
}

/**
 * Starts the server of a Results-service double: its request log, its fault queues (`faults`
 * planned at once) and the routes, made per request from its log entry.
 */
export async function startResultsService<C, E extends string, L extends BaseLoggedRequest>(opts: {
  faults?: FaultPlan<E>
  keepAliveTimeoutMs?: number
  makeEntry: (base: BaseLoggedRequest) => L
  twirpPrefix: string
  blobPrefix: string
  routes: (log: L) => { twirp: TwirpConfig<C>; blob: BlobConfig }
}): Promise<{ server: LoopbackServer; faults: Faults<E>; requests: L[] }> {
  const faults = new Faults<E>()
  if (opts.faults) faults.plan(opts.faults)
  const requests: L[] = []
  const server = await startLoopbackServer<L>({
    log: requests,
    keepAliveTimeoutMs: opts.keepAliveTimeoutMs,
    makeEntry: opts.makeEntry,
    handle: (req, res, log, srv) =>
      routeResultsRequest<C, E>({
        req,
        res,
        log,
        server: srv,
        faults,
        twirpPrefix: opts.twirpPrefix,
        blobPrefix: opts.blobPrefix,
        ...opts.routes(log)
      })
  })
  return { server, faults, requests }
}
