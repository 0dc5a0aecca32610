/** An image's filesystems, read with the action's own TFS reader (src/image/tfs.ts). */
import { open } from 'node:fs/promises'
import { readImageFilesystems, type ImageFilesystems } from '../../src/image/tfs.js'

export async function readImage(file: string): Promise<ImageFilesystems> {
  const handle = await open(file, 'r')
  try {
    return await readImageFilesystems(handle)
  } finally {
    await handle.close()
  }
}
