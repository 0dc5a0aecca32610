/**
 * The runtime token a runner hands a JavaScript action (`ACTIONS_RUNTIME_TOKEN`): a JWT the
 * toolkit clients read without verifying. The Results service takes the workflow run and job
 * backend ids from its `scp` claim (`Actions.Results:<run>:<job>`); the cache service also reads
 * the `ac` claim, a JSON string listing the cache scopes (branches) and what the job may do in each.
 * Shared by the loopback artifact and cache services.
 */

export interface TokenIds {
  runBackendId: string
  jobBackendId: string
}

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url')
}

/**
 * An unsigned JWT carrying the `scp` claim the clients parse (`Actions.Results:<run>:<job>`).
 * `extraClaims` are added to the payload (e.g. `ac` for cache scopes).
 */
export function makeRuntimeToken(
  runBackendId: string,
  jobBackendId: string,
  extraClaims: Record<string, unknown> = {}
): string {
  const now = Math.floor(Date.now() / 1000)
  const header = { typ: 'JWT', alg: 'RS256', x5t: 'loopback' }
  const payload = {
    nameid: 'dddddddd-dddd-dddd-dddd-dddddddddddd',
    scp: [
      `Actions.ExampleScope`,
      `Actions.Results:${runBackendId}:${jobBackendId}`,
      `Actions.UploadArtifacts:${runBackendId}:${jobBackendId}`
    ].join(' '),
    ...extraClaims,
    iss: 'vstoken.actions.githubusercontent.com',
    aud: 'vso:loopback',
    nbf: now - 60,
    iat: now - 60,
    exp: now + 6 * 3600
  }
  return `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}.${base64url('unsigned')}`
}

/** The decoded payload of a three-part JWT, or undefined when it is not one. */
export function tokenClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.')
  if (parts.length !== 3) return undefined
  let payload: unknown
  try {
    payload = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8'))
  } catch {
    return undefined
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return undefined
  return payload as Record<string, unknown>
}

/** The run and job backend ids of the token's `Actions.Results` scope. */
export function idsFromToken(token: string): TokenIds | undefined {
  const scp = tokenClaims(token)?.['scp']
  if (typeof scp !== 'string') return undefined
  for (const scope of scp.split(' ')) {
    const bits = scope.split(':')
    if (bits[0] === 'Actions.Results' && bits.length === 3 && bits[1] && bits[2]) {
      return { runBackendId: bits[1], jobBackendId: bits[2] }
    }
  }
  return undefined
}

/** The bearer token of a request's Authorization header, if any. */
export function bearerToken(authorization: string | string[] | undefined): string | undefined {
  const auth = typeof authorization === 'string' ? authorization : ''
  return auth.startsWith('Bearer ') ? auth.slice(7) : undefined
}

/** The bearer token of a request and its ids, when it is a token of the workflow run `runBackendId`. */
export function runToken(
  headers: { authorization?: string | string[] | undefined },
  runBackendId: string
): { token: string; ids: TokenIds } | undefined {
  const token = bearerToken(headers.authorization) ?? ''
  const ids = idsFromToken(token)
  return ids && ids.runBackendId === runBackendId ? { token, ids } : undefined
}
