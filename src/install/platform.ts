/**
 * The machine ops runs on and the architecture of the image: the vocabulary every stage shares
 * (pure; see ops-contract.md §1), and finding a program on the runner's PATH.
 */
import { accessSync, constants } from 'node:fs'
import * as path from 'node:path'

/** An image (and ops host) architecture, in Ops's words. */
export type Arch = 'amd64' | 'arm64'

export type HostOs = 'linux' | 'darwin'

/** The machine ops runs on (not the image's architecture). */
export interface Host {
  os: HostOs
  arch: Arch
}

/** The runner's platform, or a message saying why the action cannot run on it. */
export function hostOf(platform: string, cpu: string): Host | string {
  if (platform === 'win32') {
    return 'Windows runners are not supported: Ops publishes no Windows build. Use runs-on: ubuntu-latest (or ubuntu-24.04-arm).'
  }
  if (platform !== 'linux' && platform !== 'darwin')
    return `Ops publishes no build for ${platform}; use a Linux runner.`
  if (cpu === 'x64') return { os: platform, arch: 'amd64' }
  if (cpu === 'arm64') return { os: platform, arch: 'arm64' }
  return `Ops publishes no build for ${platform}/${cpu}; use an x64 or arm64 runner.`
}

/** `amd64`, `arm64` and their common aliases (x86_64, x64, aarch64), or undefined. */
export function parseArch(value: string): Arch | undefined {
  const aliases: Record<string, Arch> = {
    amd64: 'amd64',
    x86_64: 'amd64',
    x64: 'amd64',
    arm64: 'arm64',
    aarch64: 'arm64'
  }
  return aliases[value.toLowerCase()]
}

/** The first executable `name` on PATH. */
export function which(name: string, searchPath = process.env.PATH ?? ''): string | undefined {
  for (const dir of searchPath.split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, name)
    try {
      accessSync(file, constants.X_OK)
      return file
    } catch {
      // not here
    }
  }
  return undefined
}
