// Jest global setup: the end-to-end suites run the committed bundle (dist/index.js), so a bundle
// built from other sources than src/ is rebuilt first, instead of silently testing the old one.
// Then the real tier's tools (NANOS_REAL_TOOLS, __tests__/harness/real-tools.ts) are checked
// once: one line says the tier runs or why it is skipped, and under CI=true a missing or
// incomplete folder fails the run here.
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { pathToFileURL } from 'node:url'
import ts from 'typescript'
import { builtFrom, ROOT, sourceHash } from '../scripts/dist-stamp.mjs'

export default async function globalSetup() {
  if (builtFrom() !== sourceHash()) {
    console.log('\ndist/ is older than src/: rebuilding it before the tests (npm run build)')
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' })
  }
  const { realToolsStatus } = await importTs('__tests__/harness/real-tools.ts')
  const status = realToolsStatus()
  if ('error' in status) throw new Error(`The real tier cannot run: ${status.error}`)
  console.log(
    'tools' in status
      ? `\nreal tier: Ops ${status.tools.opsVersion} and Nanos ${status.tools.nanosVersions.join(', ')} from ${status.tools.root}`
      : `\n${status.skip}`
  )
}

/** A self-contained TypeScript module of the repository, transpiled into .local/ and imported. */
async function importTs(file) {
  const out = path.join(
    ROOT,
    '.local',
    'global-setup',
    path.basename(file).replace(/\.ts$/, '.mjs')
  )
  mkdirSync(path.dirname(out), { recursive: true })
  const { outputText } = ts.transpileModule(readFileSync(path.join(ROOT, file), 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 }
  })
  writeFileSync(out, outputText)
  return import(pathToFileURL(out).href)
}
