import { afterAll, describe, expect, it } from '@jest/globals'
import { blake3 } from '@noble/hashes/blake3.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { createHash, randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { imageFacts } from '../../src/image/facts.js'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nia-facts-'))
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))
const MiB = 1024 * 1024

describe('imageFacts', () => {
  // In one thread (under 64 MiB) and side by side (from 64 MiB): around the 4 MiB chunk and
  // the 4-slot ring, empty, partial, exact, wrapping several times.
  it.each([0, 1, 4 * MiB - 1, 4 * MiB + 1, 64 * MiB - 1, 64 * MiB, 64 * MiB + 4 * MiB + 1])(
    'hashes %p bytes like independent implementations',
    async size => {
      const file = path.join(dir, `image-${size}`)
      const data = randomBytes(size)
      fs.writeFileSync(file, data)
      const facts = await imageFacts(file)
      expect(facts).toEqual({
        size,
        sha256: createHash('sha256').update(data).digest('hex'),
        blake3: bytesToHex(blake3(data))
      })
    }
  )

  it('fails for a file that cannot be read', async () => {
    await expect(imageFacts(path.join(dir, 'missing'))).rejects.toThrow(/ENOENT/)
  })
})
