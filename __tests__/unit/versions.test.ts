import { describe, expect, it } from '@jest/globals'
import { hostOf } from '../../src/install/platform.js'
import { kernelDirName, nanosReleaseUrl, opsUrls } from '../../src/install/urls.js'
import {
  compareVersions,
  gevulotOpsProblem,
  parseVersion,
  parseVersionSpec,
  successors
} from '../../src/install/versions.js'

describe('versions', () => {
  it('parses specs', () => {
    expect(parseVersionSpec('latest')).toEqual({ kind: 'latest' })
    expect(parseVersionSpec(' 0.1.46 ')).toEqual({ kind: 'exact', version: '0.1.46' })
    expect(parseVersionSpec('v0.01.4')).toEqual({ kind: 'exact', version: '0.1.4' })
    expect(parseVersionSpec('0.1')).toBeUndefined()
    expect(parseVersionSpec('0.1.46-rc1')).toBeUndefined()
    expect(parseVersion('0.1.54\n')).toBe('0.1.54')
    expect(parseVersion('<html>')).toBeUndefined()
  })
  it('orders numerically', () => {
    expect(compareVersions('0.1.10', '0.1.9')).toBeGreaterThan(0)
    expect(successors('0.1.46')).toEqual(['0.1.47', '0.2.0', '1.0.0'])
  })
})

describe('the Gevulot minimum', () => {
  it('refuses releases before 0.1.42 only', () => {
    expect(gevulotOpsProblem('0.1.41')).toMatch(/0\.1\.41 builds images .* Use 0\.1\.42 or later/)
    expect(gevulotOpsProblem('0.1.42')).toBeUndefined()
    expect(gevulotOpsProblem('1.0.0')).toBeUndefined()
    // A development build says something that is not a release number: not refused.
    expect(gevulotOpsProblem('0.1.46-12-gabcdef')).toBeUndefined()
  })
})

describe('urls', () => {
  const mirror = 'https://storage.googleapis.com'
  it('follows the published layout', () => {
    expect(opsUrls(mirror, '0.1.46', { os: 'linux', arch: 'amd64' })).toEqual({
      binary: `${mirror}/cli/linux/release/0.1.46/ops`,
      md5: `${mirror}/cli/linux/release/0.1.46/ops-linux-0.1.46.md5`
    })
    expect(opsUrls(mirror, '0.1.46', { os: 'linux', arch: 'arm64' })).toEqual({
      binary: `${mirror}/cli/linux/aarch64/release/0.1.46/ops`,
      md5: `${mirror}/cli/linux/aarch64/release/0.1.46/ops-linux-aarch64-0.1.46.md5`
    })
    expect(opsUrls(mirror, '0.1.46', { os: 'darwin', arch: 'arm64' }).md5).toBe(
      `${mirror}/cli/darwin/aarch64/release/0.1.46/ops-darwin-aarch64-0.1.46.md5`
    )
    expect(nanosReleaseUrl(mirror, '0.1.54', 'amd64')).toBe(
      `${mirror}/nanos/release/0.1.54/nanos-release-linux-0.1.54.tar.gz`
    )
    expect(nanosReleaseUrl(mirror, '0.1.54', 'arm64')).toBe(
      `${mirror}/nanos/release/0.1.54/nanos-release-linux-0.1.54-virt.tar.gz`
    )
    expect(kernelDirName('0.1.54', 'arm64')).toBe('0.1.54-arm')
  })
  it('knows the platforms ops is published for', () => {
    expect(hostOf('linux', 'x64')).toEqual({ os: 'linux', arch: 'amd64' })
    expect(hostOf('darwin', 'arm64')).toEqual({ os: 'darwin', arch: 'arm64' })
    expect(hostOf('win32', 'x64')).toMatch(/Windows runners are not supported/)
    expect(hostOf('linux', 'ia32')).toMatch(/no build for linux\/ia32/)
  })
})
