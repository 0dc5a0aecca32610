// Drives the real @actions/cache client (ESM-only, reads its env at call time) in its own process,
// for cache-service.test.ts, which runs it as an action (runAction with this as the entry). Usage:
//   CACHE_CLIENT_REQUEST='<json request>' node cache-with-client.mjs     (or the JSON as argv[2])
// Requests: {op: 'available'}
//           {op: 'save', paths, key, options?, enableCrossOsArchive?}
//           {op: 'restore', paths, key, restoreKeys?, options?, enableCrossOsArchive?}
// Paths are resolved by the client against GITHUB_WORKSPACE (or the working directory).
// The outcome is printed as one line: `@@RESULT {"ok":true,"result":...}` (no `result` when the
// client returned undefined) or `@@RESULT {"ok":false,"name":...,"message":...}` (exit code 1).
// Everything else on stdout is the client's own logging (@actions/core commands).
import * as cache from '@actions/cache'
import { printOutcome } from './client-outcome.mjs'

const request = JSON.parse(process.argv[2] ?? process.env.CACHE_CLIENT_REQUEST ?? '{}')

async function main() {
  switch (request.op) {
    case 'available':
      return cache.isFeatureAvailable()
    case 'save':
      return cache.saveCache(
        request.paths,
        request.key,
        request.options,
        request.enableCrossOsArchive ?? false
      )
    case 'restore':
      return cache.restoreCache(
        request.paths,
        request.key,
        request.restoreKeys,
        request.options,
        request.enableCrossOsArchive ?? false
      )
    default:
      throw new Error(`unknown op ${request.op}`)
  }
}

await printOutcome(main)
