// Jest global setup: the end-to-end suites run the committed bundle (dist/index.js), so a bundle
// built from other sources than src/ is rebuilt first, instead of silently testing the old one.
import { execFileSync } from 'node:child_process'
import { builtFrom, ROOT, sourceHash } from '../scripts/dist-stamp.mjs'

export default function globalSetup() {
  if (builtFrom() === sourceHash()) return
  console.log('\ndist/ is older than src/: rebuilding it before the tests (npm run build)')
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' })
}
