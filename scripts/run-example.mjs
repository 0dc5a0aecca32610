#!/usr/bin/env node
// Runs the committed action (dist/index.js) on the bundled example program exactly as a runner
// would: inputs as INPUT_* variables, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, RUNNER_TEMP and
// RUNNER_TOOL_CACHE under .local/example/ (kept between runs, so a second run shows the warm path).
//
//   npm run example                      real downloads from storage.googleapis.com
//   npm run example -- --mirror <url>    downloads from a mirror with the same layout
//   npm run example -- --offline         the test suite's loopback mirror and Ops test double
//   npm run example -- --clean           start from an empty tool cache
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { harness, ROOT } from './lib/harness.mjs'

const argv = process.argv.slice(2)
const flag = name => argv.includes(name)
const option = name => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined)

const base = path.join(ROOT, '.local', 'example')
if (flag('--clean')) rmSync(base, { recursive: true, force: true })
const dirs = {
  temp: path.join(base, 'runner-temp'),
  cache: path.join(base, 'tool-cache'),
  out: path.join(base, 'images')
}
for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true })
const outputFile = path.join(base, 'github-output')
const summaryFile = path.join(base, 'step-summary.md')
writeFileSync(outputFile, '')
writeFileSync(summaryFile, '')

let mirror = option('--mirror')
let server
if (flag('--offline')) {
  const { startMirror } = await harness('mirror')
  server = await startMirror()
  mirror = server.url
  console.log(`Offline: loopback mirror with the Ops test double at ${mirror}`)
}

const inputs = {
  binary: 'examples/hello/hello',
  'image-name': 'hello.img',
  env: 'GREETING=hello',
  'output-dir': dirs.out,
  upload: 'false',
  ...(mirror ? { mirror } : {})
}
const env = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  ...Object.fromEntries(
    ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'no_proxy', 'NO_PROXY']
      .filter(k => process.env[k])
      .map(k => [k, process.env[k]])
  ),
  ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
  GITHUB_OUTPUT: outputFile,
  GITHUB_STEP_SUMMARY: summaryFile,
  GITHUB_WORKSPACE: ROOT,
  RUNNER_TEMP: dirs.temp,
  RUNNER_TOOL_CACHE: dirs.cache
}

const started = Date.now()
const run = () =>
  new Promise(resolve => {
    // Asynchronous, so that the loopback mirror in this process keeps serving.
    import('node:child_process').then(({ spawn }) => {
      const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'index.js')], {
        cwd: ROOT,
        env,
        stdio: 'inherit'
      })
      child.on('exit', code => resolve(code ?? 1))
    })
  })
const code = server
  ? await run()
  : spawnSync(process.execPath, [path.join(ROOT, 'dist', 'index.js')], {
      cwd: ROOT,
      env,
      stdio: 'inherit'
    }).status
await server?.close()

const outputs = {}
const text = readFileSync(outputFile, 'utf8')
for (const match of text.matchAll(/^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2$/gm))
  outputs[match[1]] = match[3]
console.log(`\nexit code ${code} after ${((Date.now() - started) / 1000).toFixed(2)} s; outputs:`)
for (const [name, value] of Object.entries(outputs)) console.log(`  ${name}: ${value}`)
process.exit(code ?? 1)
