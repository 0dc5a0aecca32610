/**
 * The action's manifest schema (src/image/ops-schema.ts OPS_CONFIG_SCHEMA) against ops's own
 * configuration types (__tests__/harness/ops-config-schema.json, transcribed from nanovms/ops
 * types/config.go, never from the action). A key the action writes or accepts must be a field
 * ops decodes, with a JSON type ops accepts, or ops prints its usage and builds nothing.
 */
import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { OPS_CONFIG_SCHEMA } from '../../src/image/ops-schema.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

interface OpsField {
  go: string
  json: string
  type: string
}
interface OpsSchema {
  root: string
  structs: Record<string, { goType: string; fields: OpsField[] }>
}

const ops = JSON.parse(
  fs.readFileSync(path.join(ROOT, '__tests__/harness/ops-config-schema.json'), 'utf8')
) as OpsSchema

const action: Readonly<Record<string, string>> = OPS_CONFIG_SCHEMA
const config = ops.structs[ops.root]
const structTypes = new Set(Object.values(ops.structs).map(s => s.goType))

/** encoding/json matches a key to a field's JSON name exactly, or else case-insensitively. */
function opsField(key: string): OpsField | undefined {
  const decodable = config.fields.filter(f => f.json !== '-')
  return (
    decodable.find(f => f.json === key) ??
    decodable.find(f => f.json.toUpperCase() === key.toUpperCase())
  )
}

/** The Go types that accept what the action's kind lets through. */
const COMPATIBLE: Record<string, (goType: string) => boolean> = {
  string: t => t === 'string',
  boolean: t => t === 'bool',
  strings: t => t === '[]string',
  stringMap: t => t === 'map[string]string',
  // any JSON object: a struct (its fields are checked by ops, not by the action) or a map
  object: t => structTypes.has(t) || t.startsWith('map[string]'),
  passthrough: t => t === 'map[string]interface {}'
}

describe("the action's manifest schema agrees with ops's types.Config", () => {
  it('has keys to check', () => {
    expect(Object.keys(action).length).toBeGreaterThan(20)
    expect(config.fields.length).toBeGreaterThan(20)
  })

  it.each(Object.keys(action))('%s is a field ops decodes, under that very name', key => {
    const field = opsField(key)
    expect(field).toBeDefined()
    // the action writes keys in its own spelling: let it be ops's JSON name exactly
    expect(field?.json).toBe(key)
  })

  it.each(Object.entries(action))(
    '%s (%s for the action) has a JSON type ops accepts',
    (key, kind) => {
      const field = opsField(key)
      expect(COMPATIBLE[kind]).toBeDefined()
      expect({
        key,
        kind,
        goType: field?.type,
        compatible: COMPATIBLE[kind](field?.type ?? '')
      }).toEqual(expect.objectContaining({ compatible: true }))
    }
  )

  it('accepts every field ops decodes (a change on either side shows here)', () => {
    const known = new Set(Object.keys(action).map(k => k.toUpperCase()))
    const opsOnly = config.fields
      .filter(f => f.json !== '-' && !known.has(f.json.toUpperCase()))
      .map(f => f.json)
    expect(opsOnly).toEqual([])
  })
})
