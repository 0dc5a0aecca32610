/**
 * Facts about the image: its size, sha256, and Gevulot's image hash (BLAKE3-256 of the raw
 * bytes, 64 lowercase hex), from one read of the file. For a large image the file is read in
 * chunks into a small ring of shared buffers; a worker thread hashes each chunk with sha256
 * (node:crypto) while this thread hashes it with BLAKE3 (hash-wasm) and the next chunk is being
 * read. A runner has at least two cores, so the cost is that of the slower hash, with memory
 * flat (the ring) whatever the image size. Starting the worker costs about 20 ms, more than
 * sha256 takes for an image under PARALLEL_FROM: a small image is hashed in this thread alone.
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import { Worker } from 'node:worker_threads'
// hash-wasm's BLAKE3 build alone: its index embeds every algorithm's WebAssembly (+40 ms of load).
import blake3Wasm from 'hash-wasm/dist/blake3.umd.min.js'

export interface ImageFacts {
  size: number
  sha256: string
  blake3: string
}

const CHUNK = 4 * 1024 * 1024
const SLOTS = 4
/** From this size on the two hashes run side by side (sha256 of 64 MiB takes 30-40 ms). */
const PARALLEL_FROM = 64 * 1024 * 1024

/** The sha256 side: hashes the slot it is told to, says when it is free again. */
const SHA256_WORKER = `
const { parentPort, workerData } = require('node:worker_threads')
const hash = require('node:crypto').createHash('sha256')
const ring = new Uint8Array(workerData.ring)
parentPort.on('message', m => {
  if (m.end) return parentPort.postMessage({ sha256: hash.digest('hex') })
  hash.update(ring.subarray(m.slot * workerData.chunk, m.slot * workerData.chunk + m.length))
  parentPort.postMessage({ slot: m.slot })
})
`

export async function imageFacts(file: string): Promise<ImageFacts> {
  return (await stat(file)).size >= PARALLEL_FROM ? sideBySide(file) : oneThread(file)
}

async function oneThread(file: string): Promise<ImageFacts> {
  const sha256 = createHash('sha256')
  const blake3 = await blake3Wasm.createBLAKE3(256)
  let size = 0
  for await (const chunk of createReadStream(file, { highWaterMark: CHUNK })) {
    size += (chunk as Buffer).length
    sha256.update(chunk as Buffer)
    blake3.update(chunk as Buffer)
  }
  return { size, sha256: sha256.digest('hex'), blake3: blake3.digest('hex') }
}

async function sideBySide(file: string): Promise<ImageFacts> {
  const ring = new SharedArrayBuffer(CHUNK * SLOTS)
  const slotView = (slot: number, length = CHUNK): Uint8Array =>
    new Uint8Array(ring, slot * CHUNK, length)
  const handle = await open(file, 'r')
  const worker = new Worker(SHA256_WORKER, { eval: true, workerData: { ring, chunk: CHUNK } })
  try {
    const freed = new Map<number, () => void>()
    let digest: (sha256: string) => void = () => undefined
    let failed: (error: Error) => void = () => undefined
    const sha256 = new Promise<string>((resolve, reject) => {
      digest = resolve
      failed = reject
    })
    worker.on('message', (m: { slot?: number; sha256?: string }) => {
      if (m.sha256 !== undefined) digest(m.sha256)
      else if (m.slot !== undefined) freed.get(m.slot)?.()
    })
    worker.on('error', error => failed(error))
    // A slot is free when the worker has hashed what was last put in it.
    const busy: (Promise<void> | undefined)[] = Array.from({ length: SLOTS })
    const take = (slot: number): Promise<void> => busy[slot] ?? Promise.resolve()
    const read = async (slot: number, position: number): Promise<number> => {
      await Promise.race([take(slot), sha256.then(() => undefined)])
      return (await handle.read(slotView(slot), 0, CHUNK, position)).bytesRead
    }

    const blake3 = await blake3Wasm.createBLAKE3(256)
    let size = 0
    let slot = 0
    let next = read(0, 0)
    for (;;) {
      const length = await next
      if (length === 0) break
      busy[slot] = new Promise<void>(resolve => freed.set(slot, resolve))
      worker.postMessage({ slot, length })
      size += length
      const following = (slot + 1) % SLOTS
      next = read(following, size) // read ahead while this chunk is hashed
      blake3.update(slotView(slot, length))
      slot = following
    }
    worker.postMessage({ end: true })
    return { size, sha256: await sha256, blake3: blake3.digest('hex') }
  } finally {
    await handle.close()
    await worker.terminate()
  }
}
