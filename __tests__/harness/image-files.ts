/**
 * What a Nanos image holds, read with the action's own reader (src/image/tfs.ts), the same way
 * for the double's images and the real ops's: per filesystem its TFS version, the manifest tuple
 * and every entry (directories, links with their targets, files with size and sha256), sorted
 * by path. Used to check the double against its record and against the real ops.
 */
import { open } from 'node:fs/promises'
import {
  readImageFilesystems,
  sha256OfFile,
  type Filesystem,
  type Tuple
} from '../../src/image/tfs.js'

export type ImageEntry =
  | { path: string; kind: 'dir' }
  | { path: string; kind: 'symlink'; target: string }
  | { path: string; kind: 'file'; size: number; sha256: string }

export interface FilesystemListing {
  version: number
  label: string
  /** The root tuple without `children`. */
  manifest: Tuple
  entries: ImageEntry[]
}

export interface ImageListing {
  root: FilesystemListing
  boot?: FilesystemListing
}

/** Reads both filesystems of the image and hashes every file. */
export async function listImage(file: string): Promise<ImageListing> {
  const handle = await open(file, 'r')
  try {
    const { root, boot } = await readImageFilesystems(handle)
    const list = async (fs: Filesystem): Promise<FilesystemListing> => {
      const entries: ImageEntry[] = []
      for (const node of fs.nodes) {
        if (node.kind === 'file')
          entries.push({
            path: node.path,
            kind: 'file',
            size: node.size,
            sha256: await sha256OfFile(handle, node)
          })
        else entries.push(node.kind === 'dir' ? { path: node.path, kind: 'dir' } : { ...node })
      }
      return { version: fs.version, label: fs.label, manifest: fs.manifest, entries }
    }
    return { root: await list(root), ...(boot ? { boot: await list(boot) } : {}) }
  } finally {
    await handle.close()
  }
}

/** The entries as a map from path, for lookups. */
export function byPath(entries: ImageEntry[]): Map<string, ImageEntry> {
  return new Map(entries.map(e => [e.path, e]))
}
