/**
 * Where Ops and Nanos are published, below `mirror` (https://storage.googleapis.com by
 * default), and where ops expects the kernel inside its home. Pure; see ops-contract.md §1, §3.
 */
import type { Arch } from './inputs.js'

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

/** The versioned Ops binary and its published md5 file. */
export function opsUrls(
  mirror: string,
  version: string,
  host: Host
): { binary: string; md5: string } {
  const dir =
    host.arch === 'arm64'
      ? `cli/${host.os}/aarch64/release/${version}`
      : `cli/${host.os}/release/${version}`
  const md5Name =
    host.arch === 'arm64'
      ? `ops-${host.os}-aarch64-${version}.md5`
      : `ops-${host.os}-${version}.md5`
  return { binary: `${mirror}/${dir}/ops`, md5: `${mirror}/${dir}/${md5Name}` }
}

export function nanosLatestUrl(mirror: string): string {
  return `${mirror}/nanos/release/latest.txt`
}

export function nanosReleaseUrl(mirror: string, version: string, arch: Arch): string {
  const suffix = arch === 'arm64' ? '-virt' : ''
  return `${mirror}/nanos/release/${version}/nanos-release-linux-${version}${suffix}.tar.gz`
}

export function nanosCommonUrl(mirror: string): string {
  return `${mirror}/nanos/common/common.tar.gz`
}

/** The folder of `<opshome>` that holds a kernel release: `V` (amd64) or `V-arm` (arm64). */
export function kernelDirName(version: string, arch: Arch): string {
  return arch === 'arm64' ? `${version}-arm` : version
}
