#!/usr/bin/env node
// The committed bundle's source stamp: a sha256 of everything ncc builds dist/ from (src/,
// package.json, package-lock.json, tsconfig.json), kept in dist/SOURCE-HASH.
//   node scripts/dist-stamp.mjs --write   after a build (npm run build does it)
//   node scripts/dist-stamp.mjs --check   exit 1 when dist/ was built from other sources
// The test suite's global setup uses it to rebuild a stale bundle before the end-to-end suites
// run dist/index.js, so that `npm test` after an edit of src/ never tests the old bundle.
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const STAMP = path.join(ROOT, 'dist', 'SOURCE-HASH')

function files(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap(e => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]))
    .sort()
}

/** sha256 over the relative names and contents of the bundle's sources. */
export function sourceHash() {
  const hash = createHash('sha256')
  const sources = [
    ...files(path.join(ROOT, 'src')),
    ...['package.json', 'package-lock.json', 'tsconfig.json'].map(f => path.join(ROOT, f))
  ]
  for (const file of sources) {
    hash.update(`${path.relative(ROOT, file).split(path.sep).join('/')}\0`)
    hash.update(readFileSync(file))
    hash.update('\0')
  }
  return hash.digest('hex')
}

/** The stamp dist/ was built with, or undefined. */
export function builtFrom() {
  return existsSync(STAMP) ? readFileSync(STAMP, 'utf8').trim() : undefined
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--write')) {
    writeFileSync(STAMP, `${sourceHash()}\n`)
  } else if (process.argv.includes('--check')) {
    if (builtFrom() !== sourceHash()) {
      console.error('dist/ was built from other sources than src/: run npm run build.')
      process.exit(1)
    }
  } else {
    console.error('usage: dist-stamp.mjs --write | --check')
    process.exit(2)
  }
}
