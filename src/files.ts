/**
 * Writing a file that a later stage, ops or the user reads whole: under a temporary name first,
 * then renamed, so that no half-written file ever bears its name.
 */
import { randomUUID } from 'node:crypto'
import { mkdir, rename, writeFile } from 'node:fs/promises'
import * as path from 'node:path'

export async function writeAtomically(file: string, text: string, mode?: number): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true })
  const partial = `${file}.${randomUUID()}.partial`
  await writeFile(partial, text, mode === undefined ? {} : { mode })
  await rename(partial, file)
}
