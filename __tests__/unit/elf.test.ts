import { describe, expect, it } from '@jest/globals'
import { elfArch, elfLinkage } from '../../src/image/elf.js'
import { elfBytes } from '../harness/fixtures.js'

function header(cls: number, data: number, machine: number): Uint8Array {
  const h = new Uint8Array(64)
  h.set([0x7f, 0x45, 0x4c, 0x46, cls, data, 1])
  h[18] = machine & 0xff
  h[19] = machine >> 8
  return h
}

describe('elfArch', () => {
  it('reads x86-64 and aarch64', () => {
    expect(elfArch(header(2, 1, 62))).toEqual({ arch: 'amd64' })
    expect(elfArch(header(2, 1, 183))).toEqual({ arch: 'arm64' })
  })
  it('rejects scripts and other files', () => {
    expect(elfArch(new TextEncoder().encode('#!/bin/sh\necho hi\n'))).toEqual({
      problem: expect.stringMatching(/not an ELF executable \(it is a script\)/)
    })
    expect(elfArch(new Uint8Array(0))).toEqual({ problem: expect.stringMatching(/not an ELF/) })
  })
  it('rejects 32-bit, big-endian and other machines', () => {
    expect(elfArch(header(1, 1, 3))).toEqual({ problem: expect.stringMatching(/32-bit/) })
    expect(elfArch(header(2, 2, 62))).toEqual({ problem: expect.stringMatching(/big-endian/) })
    expect(elfArch(header(2, 1, 243))).toEqual({ problem: expect.stringMatching(/RISC-V/) })
  })
  it('rejects a truncated header', () => {
    expect(elfArch(header(2, 1, 62).subarray(0, 10))).toEqual({
      problem: expect.stringMatching(/truncated/)
    })
  })
})

describe('elfLinkage', () => {
  const linkage = (opts: Parameters<typeof elfBytes>[0]) => {
    const bytes = elfBytes(opts)
    return elfLinkage(async (offset, length) => bytes.subarray(offset, offset + length))
  }

  it('static: no interpreter, nothing needed', async () => {
    expect(await linkage({})).toEqual({ sharedLibrary: false, interpreter: undefined, needed: 0 })
  })
  it('dynamic: the loader and the libraries it needs', async () => {
    expect(
      await linkage({
        type: 'dyn',
        linkage: { interpreter: '/lib/ld-linux-aarch64.so.1', needed: 2, pie: true }
      })
    ).toEqual({ sharedLibrary: false, interpreter: '/lib/ld-linux-aarch64.so.1', needed: 2 })
  })
  it('a static PIE is a program; an ET_DYN without interpreter or PIE flag is a library', async () => {
    expect((await linkage({ type: 'dyn', linkage: { pie: true } })).sharedLibrary).toBe(false)
    expect((await linkage({ type: 'dyn', linkage: { needed: 1 } })).sharedLibrary).toBe(true)
  })
})
