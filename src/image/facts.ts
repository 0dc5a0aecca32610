/**
 * Stage 5: facts about the image: its size, sha256, and Gevulot's image hash (BLAKE3-256 of
 * the raw bytes, 64 lowercase hex), both from one streaming read of the file.
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
// hash-wasm's BLAKE3 build alone: its index embeds every algorithm's WebAssembly (+40 ms of load).
import blake3Wasm from 'hash-wasm/dist/blake3.umd.min.js'

export interface ImageFacts {
  size: number
  sha256: string
  blake3: string
}

const CHUNK = 4 * 1024 * 1024

export async function imageFacts(file: string): Promise<ImageFacts> {
  const sha256 = createHash('sha256')
  const blake3 = await blake3Wasm.createBLAKE3(256)
  let size = 0
  for await (const chunk of createReadStream(file, { highWaterMark: CHUNK })) {
    const bytes = chunk as Buffer
    size += bytes.length
    sha256.update(bytes)
    blake3.update(bytes)
  }
  return { size, sha256: sha256.digest('hex'), blake3: blake3.digest('hex') }
}
