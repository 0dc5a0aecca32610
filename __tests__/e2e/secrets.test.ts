/**
 * Issue 10: secrets. `env` ends up in the image in plain text; secret-looking entries are masked
 * in the log and, when the image is uploaded, named in a warning (never their values).
 */
import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { makeWorkspace, writeFile } from '../harness/fixtures.js'
import { errors, warnings } from '../harness/run-action.js'
import { errorLines, useMirror } from './helpers.js'

const suite = useMirror()

describe('env values stay secret', () => {
  it('never prints a value, not even in the error about a malformed line', async () => {
    const ws = makeWorkspace()
    const r = await suite.run({
      cwd: ws.dir,
      inputs: {
        binary: ws.relBinary,
        env: 'GOOD_KEY=supersecretvalue42\nSECRET_TOKEN_VALUE_123\nsecret part=value-in-bad-key'
      }
    })
    expect(r.code).toBe(1)
    expect(errorLines(r.stdout)).toHaveLength(1)
    expect(errors(r.stdout)[0]).toContain('`env`')
    for (const secret of ['supersecretvalue42', 'SECRET_TOKEN_VALUE_123', 'value-in-bad-key']) {
      expect(r.stdout).not.toContain(secret)
      expect(r.stderr).not.toContain(secret)
      expect(r.summary).not.toContain(secret)
    }
  })

  it('masks the secret-looking values before anything else, and only those', async () => {
    const ws = makeWorkspace()
    const value = 'tok-4f9a-very-secret'
    const r = await suite.run({
      cwd: ws.dir,
      inputs: {
        binary: ws.relBinary,
        env: `API_TOKEN=${value}\nLOG=abc\nRUST_LOG=debug\nMODE=a=b=c\nURL=ghp_0123456789abcdef`
      }
    })
    expect(r.code).toBe(0)
    const lines = r.stdout.split('\n')
    const masks = lines.filter(l => l.startsWith('::add-mask::'))
    // A secret by its key and one by its shape; plain values are not masked (a mask for
    // "debug" would star out every later "debug" in the job's log).
    expect([...masks].sort()).toEqual(
      ['::add-mask::ghp_0123456789abcdef', `::add-mask::${value}`].sort()
    )
    // The masks come first: nothing was printed before them.
    expect(lines.findIndex(l => !l.startsWith('::add-mask::'))).toBe(masks.length)
    // Apart from the mask command itself, the value appears nowhere.
    const rest = lines.filter(l => !l.startsWith('::add-mask::')).join('\n')
    expect(rest).not.toContain(value)
    expect(r.stderr).not.toContain(value)
    expect(r.summary).not.toContain(value)
    expect(Object.values(r.outputs).join('\n')).not.toContain(value)
    // The manifest holds the value, so it is readable by its owner only.
    const manifest = r.outputs['manifest-path']
    expect(fs.statSync(manifest).mode & 0o777).toBe(0o600)
    expect(JSON.parse(fs.readFileSync(manifest, 'utf8')).Env.API_TOKEN).toBe(value)
  })
})

describe('a secret in an uploaded image', () => {
  const SECRET_WARNING =
    /look(s)? secret, and ops stores the environment in the image in plain text/

  it('is named in one warning, with where it came from, never its value', async () => {
    const ws = makeWorkspace()
    writeFile(
      path.join(ws.dir, 'base.json'),
      JSON.stringify({ Env: { DB_PASSWORD: 'hunter2-from-manifest', RUST_LOG: 'info' } })
    )
    const value = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc'
    const r = await suite.run({
      cwd: ws.dir,
      // upload left at its default: this image would be uploaded on a runner.
      inputs: {
        binary: ws.relBinary,
        manifest: 'base.json',
        env: `PAYMENT=${value}\nMODE=release`,
        upload: undefined
      }
    })
    expect(r.code).toBe(0)
    const found = warnings(r.stdout).filter(w => SECRET_WARNING.test(w))
    expect(found).toHaveLength(1)
    expect(found[0]).toContain('DB_PASSWORD (from `manifest`)')
    expect(found[0]).toContain('PAYMENT (from `env`)')
    expect(found[0]).not.toMatch(/MODE|RUST_LOG/)
    expect(found[0]).toMatch(/file in the workspace.*`upload: false`/)
    const printed = r.stdout
      .split('\n')
      .filter(l => !l.startsWith('::add-mask::'))
      .join('\n')
    for (const secret of [value, 'hunter2-from-manifest']) {
      expect(r.stdout).toContain(`::add-mask::${secret}`)
      expect(printed).not.toContain(secret)
      expect(r.summary).not.toContain(secret)
    }
    // It is in the image all the same: that is what the warning is about.
    expect(JSON.parse(fs.readFileSync(r.outputs['manifest-path'], 'utf8')).Env).toMatchObject({
      PAYMENT: value,
      DB_PASSWORD: 'hunter2-from-manifest'
    })
  })

  it('gives no warning for an image that is not uploaded, or holds no secret', async () => {
    const ws = makeWorkspace()
    const kept = await suite.run({
      cwd: ws.dir,
      inputs: { binary: ws.relBinary, env: 'API_TOKEN=abcdefgh', upload: 'false' }
    })
    expect(kept.code).toBe(0)
    expect(warnings(kept.stdout).filter(w => SECRET_WARNING.test(w))).toEqual([])
    expect(kept.stdout).toContain('::add-mask::abcdefgh')
    const plain = await suite.run({
      cwd: ws.dir,
      inputs: { binary: ws.relBinary, env: 'RUST_LOG=debug', upload: undefined }
    })
    expect(plain.code).toBe(0)
    expect(warnings(plain.stdout).filter(w => SECRET_WARNING.test(w))).toEqual([])
    expect(plain.stdout).not.toContain('::add-mask::')
  })
})
