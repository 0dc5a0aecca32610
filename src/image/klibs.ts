/**
 * The klibs the image asks for must be there: ops only warns about a missing one (`Klib "x" not
 * found in directory ...`) and builds an image without it (ops-contract.md §4). Checked once the
 * kernel release is at hand, before the build: in `KlibDir` when the manifest sets one (ops then
 * looks nowhere else), else in the release's `klibs/`.
 */
import { readdir } from 'node:fs/promises'
import { InputError } from '../errors.js'
import { releaseFile, type Kernel } from '../install/kernel.js'
import type { ImagePlan } from './build.js'

export async function checkKlibs(image: ImagePlan, kernel: Kernel): Promise<void> {
  const wanted = (image.manifest.Klibs as string[] | undefined) ?? []
  if (wanted.length === 0) return
  const own = typeof image.manifest.KlibDir === 'string' ? image.manifest.KlibDir : undefined
  const dir = own ?? releaseFile(kernel, 'klibs')
  const present = (await readdir(dir, { withFileTypes: true }).catch(() => []))
    .filter(entry => entry.isFile())
    .map(entry => entry.name)
    .sort()
  const missing = wanted.filter(klib => !present.includes(klib))
  if (missing.length === 0) return
  const where = own
    ? `the klib folder ${own} (\`klib-dir\`/KlibDir: ops looks for klibs there only)`
    : `Nanos ${kernel.version} (${kernel.arch})`
  throw new InputError([
    {
      input: image.klibsInput,
      message: `${missing.map(k => `"${k}"`).join(', ')} ${missing.length === 1 ? 'is' : 'are'} not in ${where}, and ops would build the image without ${missing.length === 1 ? 'it' : 'them'}. It has: ${present.join(', ') || 'no klibs at all'}.`
    }
  ])
}
