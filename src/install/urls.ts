/**
 * Where Ops and Nanos are published, below `mirror` (https://storage.googleapis.com by
 * default), and where ops expects the kernel inside its home. Pure; see ops-contract.md §1, §3.
 */
import type { Arch, Host } from './platform.js'

export const DEFAULT_MIRROR = 'https://storage.googleapis.com'

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
