// Drives the real @actions/artifact client (ESM-only, reads its env at call time) in its own
// process, for artifact-service.test.ts. Usage:
//   node upload-with-client.mjs '<json request>'
// Requests: {op: 'upload', name, files, rootDirectory, options}
//           {op: 'overwrite', ...same as upload}   (deleteArtifact first, as upload-artifact does)
//           {op: 'delete', name} | {op: 'list', options} | {op: 'get', name}
// The outcome is printed as one line: `@@RESULT {"ok":true,"result":...}` or
// `@@RESULT {"ok":false,"name":...,"message":...}` (exit code 1). Everything else on stdout is the
// client's own logging (@actions/core commands).
import { DefaultArtifactClient } from '@actions/artifact'
import { printOutcome } from './client-outcome.mjs'

const request = JSON.parse(process.argv[2] ?? '{}')
const client = new DefaultArtifactClient()

async function main() {
  switch (request.op) {
    case 'upload':
      return client.uploadArtifact(
        request.name,
        request.files,
        request.rootDirectory,
        request.options ?? {}
      )
    case 'overwrite': {
      try {
        await client.deleteArtifact(request.name)
      } catch (err) {
        if (err?.name !== 'ArtifactNotFoundError') throw err
      }
      return client.uploadArtifact(
        request.name,
        request.files,
        request.rootDirectory,
        request.options ?? {}
      )
    }
    case 'delete':
      return client.deleteArtifact(request.name)
    case 'list':
      return client.listArtifacts(request.options ?? {})
    case 'get':
      return client.getArtifact(request.name)
    default:
      throw new Error(`unknown op ${request.op}`)
  }
}

await printOutcome(main)
