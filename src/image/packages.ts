/**
 * Which of the runner's packages owns a file ops copied into the image: `dpkg -S` for the owner,
 * `dpkg-query` for its version and architecture, and the distribution from /etc/os-release (for
 * a package URL). Debian and Ubuntu merge /usr, and dpkg knows a file under one name only: the
 * loader reports /lib/x86_64-linux-gnu/libonig.so.5, which dpkg may know only as
 * /usr/lib/x86_64-linux-gnu/libonig.so.5, while it knows /lib64/ld-linux-x86-64.so.2 only as it
 * is. So each path is asked for as it is, as its real path, and with /usr added or taken away.
 * Without dpkg nothing is owned and nothing is asked.
 */
import { exec } from '@actions/exec'
import { readFile, realpath } from 'node:fs/promises'
import { which } from '../install/platform.js'

export interface Package {
  name: string
  version: string
  arch: string
}

export interface Distro {
  /** os-release ID, e.g. ubuntu or debian. */
  id: string
  /** os-release VERSION_ID, e.g. 24.04. */
  version?: string
}

/** The names under which dpkg may know `file`, the file's own first. */
export async function dpkgNames(file: string): Promise<string[]> {
  const names = [file, await realpath(file).catch(() => file)]
  for (const name of [...names]) {
    if (/^\/(lib|lib32|lib64|libx32|bin|sbin)\//.test(name)) names.push(`/usr${name}`)
    if (/^\/usr\/(lib|lib32|lib64|libx32|bin|sbin)\//.test(name)) names.push(name.slice(4))
  }
  return [...new Set(names)]
}

/**
 * The owning package of each of `files` that one has; undefined when the runner has no dpkg.
 */
export async function owners(files: readonly string[]): Promise<Map<string, Package> | undefined> {
  if (!which('dpkg') || !which('dpkg-query')) return undefined
  const result = new Map<string, Package>()
  if (files.length === 0) return result
  const names = new Map<string, string[]>()
  for (const file of files) names.set(file, await dpkgNames(file))
  const owner = new Map<string, string>()
  const search = await run('dpkg', ['-S', ...new Set([...names.values()].flat())])
  for (const line of search.split('\n')) {
    if (line.startsWith('diversion by')) continue
    const at = line.indexOf(': /')
    if (at < 0) continue
    // "libc6:amd64: /lib/x86_64-linux-gnu/libc.so.6"; several owners are listed with ", ".
    owner.set(line.slice(at + 2).trim(), line.slice(0, at).split(', ')[0].trim())
  }
  const wanted = new Set<string>()
  for (const [file, aliases] of names) {
    const pkg = aliases.map(name => owner.get(name)).find(Boolean)
    if (pkg) {
      wanted.add(pkg)
      owner.set(file, pkg)
    }
  }
  if (wanted.size === 0) return result
  const details = new Map<string, Package>()
  const query = await run('dpkg-query', [
    '-W',
    '-f=${binary:Package}\\t${Package}\\t${Version}\\t${Architecture}\\n',
    ...wanted
  ])
  for (const line of query.split('\n')) {
    const [key, name, version, arch] = line.split('\t')
    if (!version) continue
    const pkg = { name, version, arch }
    details.set(key, pkg)
    details.set(name, pkg)
  }
  for (const file of files) {
    const pkg = owner.get(file)
    const found = pkg && (details.get(pkg) ?? details.get(pkg.split(':')[0]))
    if (found) result.set(file, found)
  }
  return result
}

/** The runner's distribution, for package URLs; undefined without /etc/os-release. */
export async function runnerDistro(file = '/etc/os-release'): Promise<Distro | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined)
  if (text === undefined) return undefined
  const field = (key: string): string | undefined => {
    const match = new RegExp(`^${key}=(.*)$`, 'm').exec(text)
    return match?.[1].trim().replace(/^(["'])(.*)\1$/, '$2') || undefined
  }
  const id = field('ID')
  return id ? { id: id.toLowerCase(), version: field('VERSION_ID') } : undefined
}

/** A command's standard output; its exit status is not an error (dpkg -S exits 1 on a miss). */
async function run(command: string, args: string[]): Promise<string> {
  let out = ''
  await exec(command, args, {
    silent: true,
    ignoreReturnCode: true,
    listeners: { stdout: data => void (out += data.toString('utf8')) }
  })
  return out
}
