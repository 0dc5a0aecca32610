// Loads the test harness (__tests__/harness/*.ts: the loopback mirror, the Ops test double, the
// artifact and cache services) into plain scripts such as the offline example and the benchmark. Node 20
// cannot import TypeScript, so the files are transpiled once into .local/harness/.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import ts from 'typescript'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

/** Transpile the harness and import one of its modules, e.g. `await harness('mirror')`. */
export async function harness(name) {
  const source = path.join(ROOT, '__tests__', 'harness')
  const out = path.join(ROOT, '.local', 'harness')
  mkdirSync(out, { recursive: true })
  for (const file of readdirSync(source)) {
    if (file.endsWith('.test.ts')) continue
    if (file.endsWith('.ts')) {
      const { outputText } = ts.transpileModule(readFileSync(path.join(source, file), 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
        fileName: file
      })
      writeFileSync(path.join(out, file.replace(/\.ts$/, '.js')), outputText)
    } else if (file.endsWith('.mjs') || file.endsWith('.json')) {
      copyFileSync(path.join(source, file), path.join(out, file))
    }
  }
  return import(pathToFileURL(path.join(out, `${name}.js`)).href)
}
