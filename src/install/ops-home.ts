/**
 * A private ops home and the environment ops runs in (ops-contract.md §2, §3): `OPS_HOME` names
 * the parent of `.ops`; `OPS_DEFAULT_CONFIG` points at an empty config so neither the machine's
 * `~/.opsrc` nor a user's default config is merged in; `ops_render_config` is dropped; and ops's
 * own HTTP (the latest.txt lookup it makes on every run, with no timeout, which can hang on a
 * network that drops packets) goes to a loopback proxy that refuses at once, so ops says
 * "version lookup failed, using local." and uses the `latest.txt` laid out for it.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type AddressInfo } from 'node:net'
import * as os from 'node:os'
import * as path from 'node:path'
import { ActionError } from '../errors.js'
import type { Arch } from './platform.js'

export interface OpsHome {
  /** What OPS_HOME is set to. */
  parent: string
  /** `<parent>/.ops`, where ops keeps kernels, images and latest.txt. */
  dir: string
  env: Record<string, string>
  /** Stop the refusing proxy. */
  close: () => Promise<void>
}

/**
 * A fresh folder for one build's ops home, below `base`. Ops takes a kernel whose path contains
 * "arm" for an arm64 one (nanovms/ops lepton/image.go: `strings.Contains(c.Kernel, "arm")`) and
 * then refuses an x86-64 build ("you are trying to mix ..."): for an x86-64 image the folder's
 * path must not contain it, neither in the runner's temp folder nor in a random name.
 */
export async function buildFolder(base: string, arch: Arch): Promise<string> {
  const bases = arch === 'amd64' ? [base, os.tmpdir(), '/tmp'] : [base]
  for (const root of bases) {
    if (arch === 'amd64' && root.includes('arm')) continue
    for (let tries = 0; tries < 20; tries++) {
      const dir = await mkdtemp(path.join(root, 'build-'))
      if (arch !== 'amd64' || !dir.includes('arm')) return dir
      await rm(dir, { recursive: true, force: true })
    }
  }
  throw new ActionError(
    `Ops takes any kernel whose path contains "arm" for an arm64 kernel, and every temporary folder here does (${bases.join(', ')}): set RUNNER_TEMP (or TMPDIR) to a folder whose path does not contain "arm" for this x86-64 image.`
  )
}

/** Create `<root>/home/.ops` with `latest.txt` = `latestVersion`, and ops's environment. */
export async function openOpsHome(root: string, latestVersion: string): Promise<OpsHome> {
  const parent = path.join(root, 'home')
  const dir = path.join(parent, '.ops')
  await mkdir(dir, { recursive: true })
  await writeFile(path.join(dir, 'latest.txt'), `${latestVersion}\n`)
  const defaults = path.join(root, 'no-defaults.json')
  await writeFile(defaults, '{}\n')

  const server = createServer(socket => socket.destroy())
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const proxy = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (
      value !== undefined &&
      key.toLowerCase() !== 'ops_render_config' &&
      key.toLowerCase() !== 'no_proxy'
    )
      env[key] = value
  }
  Object.assign(env, { OPS_HOME: parent, OPS_DEFAULT_CONFIG: defaults })
  for (const name of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy']) env[name] = proxy

  return {
    parent,
    dir,
    env,
    close: () => new Promise<void>(resolve => server.close(() => resolve()))
  }
}
