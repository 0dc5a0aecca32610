// Drives the real @actions/cache client (ESM-only, reads its env at call time) in its own process,
// for cache-service.test.ts. Usage:
//   node cache-with-client.mjs '<json request>'
// Requests: {op: 'available'}
//           {op: 'save', paths, key, options?, enableCrossOsArchive?}
//           {op: 'restore', paths, key, restoreKeys?, options?, enableCrossOsArchive?}
// Paths are resolved by the client against GITHUB_WORKSPACE (or the working directory).
// The outcome is printed as one line: `@@RESULT {"ok":true,"result":...}` (no `result` when the
// client returned undefined) or `@@RESULT {"ok":false,"name":...,"message":...}` (exit code 1).
// Everything else on stdout is the client's own logging (@actions/core commands).
import * as cache from '@actions/cache'

const request = JSON.parse(process.argv[2] ?? '{}')

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

try {
  const result = await main()
  process.stdout.write(`\n@@RESULT ${JSON.stringify({ ok: true, result })}\n`)
} catch (err) {
  process.stdout.write(
    `\n@@RESULT ${JSON.stringify({ ok: false, name: err?.name, message: err?.message ?? String(err) })}\n`
  )
  process.exitCode = 1
}
