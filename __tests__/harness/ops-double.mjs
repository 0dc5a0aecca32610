#!/usr/bin/env node
/*
 * ops-double: a strict test double of the Ops CLI (nanovms/ops), for the nanos-image-action tests.
 *
 * It imitates `ops build`, `ops version` and refuses `ops update`, following
 * /work/shared/reference/ops-contract.md, quirks included. Like ops, every command first looks
 * up latest.txt (see fetchLatest: through the environment's proxy, never beyond loopback).
 * A dynamically linked program is run with LD_TRACE_LOADED_OBJECTS=1 and the libraries the
 * loader lists go into the image, as ops does (see sharedLibs). The configuration is decoded
 * with the Go types of ops-config-schema.json.
 *
 * The image is a Nanos image as far as its filesystems go: an MBR partition table, a boot
 * filesystem (/kernel, /klib/<name>) and a root filesystem (the manifest tuple and every file ops
 * would put in: the program, Files, Dirs, MapDirs, the libraries of a dynamic program, ops's own
 * /etc/passwd, /etc/resolv.conf, /proc/sys/kernel/hostname, the common files, the mount points),
 * each a TFS (version 5, or 4 with TFSv4) that `ops image ls`/`cp` and src/image/tfs.ts read.
 * The manifest is built in ops's order and with its path rules (newManifest and what follows,
 * from nanovms/ops 0.1.46 lepton/image.go and fs/manifest.go), and checked against the real ops
 * by __tests__/real/differential.test.ts. Where a Nanos image has its second-stage boot code,
 * the double keeps a bootable stand-in kernel for QEMU, a boot plan and a JSON record of what
 * went in (see writeImage for the layout; __tests__/harness/image.ts reads it). Its boot plan
 * (bootPlan) names the Nanos version, the klibs loaded and the debugsyscalls key, so that the
 * stand-in prints the strace klib's syscall trace and has the 0.1.55 9p fault as the real
 * kernel does.
 *
 * Not modelled: TargetRoot, packages, the FAT inside the EFI system partition (laid out empty),
 * the download of a missing common.tar.gz (ops goes on without the common files, and so does the
 * double), the libraries of 32-bit or big-endian dynamic programs (treated as static).
 *
 * Only Node built-ins. The modules are loaded with dynamic import() and the file has no static
 * import/export, so it runs whether Node parses it as ESM (.mjs) or as CommonJS (the mirror
 * serves it as a bare `ops` file with no extension).
 *
 * Environment honoured (besides what the real ops reads: HOME, OPS_HOME, OPS_DEFAULT_CONFIG,
 * ops_render_config, and the user database home for ~/.opsrc):
 *   OPS_DOUBLE_USER_HOME   stands in for the user database: the home whose .opsrc is read
 *                          (the real ops asks the user database, not $HOME)
 *   OPS_DOUBLE_LATEST_URL  URL fetched instead of storage.googleapis.com/nanos/release/latest.txt
 *                          (a loopback mirror). Either way the proxy variables apply as in Go, and
 *                          a connection beyond loopback is swallowed: logged, then no answer ever
 *   OPS_DOUBLE_FAIL        exit1 | panic | noimage | missingfile | hang
 *   OPS_DOUBLE_DELAY_MS    sleep before writing the image
 *   OPS_DOUBLE_LOG         append one JSON line per invocation (with `lookup`: url, proxy,
 *                          connect, outcome answered | failed | swallowed)
 *   OPS_DOUBLE_IMAGE_SIZE  total image size in bytes (filler after the root filesystem, outside
 *                          the partitions; an image is never smaller than its filesystems)
 *   OPS_DOUBLE_IMAGE_FILL  program (default) | zero | random
 */

const RAW_VERSION = '__OPS_DOUBLE_VERSION__'
// The mirror replaces the placeholder above (every occurrence), so build the sentinel in pieces.
const OPS_VERSION = RAW_VERSION === '__OPS_DOUBLE' + '_VERSION__' ? '0.0.0-double' : RAW_VERSION

const RED = '\x1b[1;31m%s\x1b[0m'
const YELLOW = '\x1b[1;33m%s\x1b[0m'
const GREEN = '\x1b[1;32m%s\x1b[0m'
const BLUE = '\x1b[1;34m%s\x1b[0m'

let fs, path, os, crypto, http, https, tls, net, childProcess, zlib

class Exit {
  constructor(code) {
    this.code = code
  }
}

const state = { argv: process.argv.slice(2), logged: false }

function out(s) {
  process.stdout.write(s)
}
function err(s) {
  process.stderr.write(s)
}
function color(fmt, s) {
  return fmt.replace('%s', s)
}
function info(s) {
  out(color(BLUE, s) + '\n')
}
function warn(s) {
  out(color(YELLOW, s) + '\n')
}
function ok(s) {
  out(color(GREEN, s) + '\n')
}
/** log.Fatal-like: red line on stdout, exit 1. */
function fatal(s) {
  out(color(RED, s) + '\n')
  throw new Exit(1)
}

function goTime() {
  const d = new Date()
  const p = n => String(n).padStart(2, '0')
  return `${d.getFullYear()}/${p(d.getMonth() + 1)}/${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`
}

function writeLog(code, extra) {
  if (state.logged) return
  state.logged = true
  const file = process.env.OPS_DOUBLE_LOG
  if (!file) return
  const e = process.env
  const line = {
    argv: state.argv,
    cwd: process.cwd(),
    env: {
      OPS_HOME: e.OPS_HOME ?? null,
      OPS_DEFAULT_CONFIG: e.OPS_DEFAULT_CONFIG ?? null,
      ops_render_config: e.ops_render_config ?? null,
      HOME: e.HOME ?? null
    },
    exit: code,
    ...(state.lookup ? { lookup: state.lookup } : {}),
    ...extra
  }
  try {
    fs.appendFileSync(file, JSON.stringify(line) + '\n')
  } catch {
    // a log that cannot be written must not change the outcome
  }
}

/** Go-like text for a Node fs error: "open x: no such file or directory". */
function goFsError(op, p, e) {
  const msgs = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    EISDIR: 'is a directory',
    ENOTDIR: 'not a directory',
    ELOOP: 'too many levels of symbolic links'
  }
  return `${op} ${p}: ${msgs[e && e.code] || (e && e.message) || String(e)}`
}

// ---------------------------------------------------------------------------------------------
// Go's encoding/json, as far as ops' config needs it
// ---------------------------------------------------------------------------------------------

class JsonError extends Error {}

function goQuoteChar(c) {
  if (c === "'") return "'\\''"
  if (c === '"') return "'\"'"
  const q = JSON.stringify(c).slice(1, -1)
  return `'${q}'`
}

/**
 * Parses ONE JSON value from text, like Go's scanner. Returns {node, end}. Nodes keep key order
 * and duplicates: {t:'object', pairs:[[k,node]]} | {t:'array', items} | {t:'string'|'number'|
 * 'bool'|'null', v}. Throws JsonError('EOF' | 'unexpected EOF' | 'invalid character ...').
 */
function parseJsonValue(text) {
  let i = 0
  const n = text.length
  const isWs = c => c === ' ' || c === '\t' || c === '\n' || c === '\r'
  const skip = () => {
    while (i < n && isWs(text[i])) i++
  }
  const eof = () => new JsonError('unexpected EOF')
  // A syntax error keeps Go's SyntaxError.Offset: the bytes read up to the bad character.
  const bad = (c, ctx, at = i) => {
    const e = new JsonError(`invalid character ${goQuoteChar(c)} ${ctx}`)
    e.offset = Buffer.byteLength(text.slice(0, at)) + 1
    return e
  }

  function value(ctx) {
    skip()
    if (i >= n) throw eof()
    const c = text[i]
    if (c === '{') return object()
    if (c === '[') return array()
    if (c === '"') return { t: 'string', v: string() }
    if (c === '-' || (c >= '0' && c <= '9')) return number()
    if (c === 't') return literal('true', { t: 'bool', v: true })
    if (c === 'f') return literal('false', { t: 'bool', v: false })
    if (c === 'n') return literal('null', { t: 'null', v: null })
    throw bad(c, ctx)
  }
  function literal(word, node) {
    for (let k = 0; k < word.length; k++) {
      if (i + k >= n) throw eof()
      if (text[i + k] !== word[k]) {
        throw bad(text[i + k], `in literal ${word} (expecting ${goQuoteChar(word[k])})`, i + k)
      }
    }
    i += word.length
    return node
  }
  function number() {
    const start = i
    if (text[i] === '-') {
      i++
      if (i >= n) throw eof()
      if (!(text[i] >= '0' && text[i] <= '9')) throw bad(text[i], 'in numeric literal')
    }
    if (text[i] === '0') i++
    else while (i < n && text[i] >= '0' && text[i] <= '9') i++
    if (text[i] === '.') {
      i++
      if (i >= n) throw eof()
      if (!(text[i] >= '0' && text[i] <= '9'))
        throw bad(text[i], 'after decimal point in numeric literal')
      while (i < n && text[i] >= '0' && text[i] <= '9') i++
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++
      if (text[i] === '+' || text[i] === '-') i++
      if (i >= n) throw eof()
      if (!(text[i] >= '0' && text[i] <= '9')) throw bad(text[i], 'in exponent of numeric literal')
      while (i < n && text[i] >= '0' && text[i] <= '9') i++
    }
    return { t: 'number', v: Number(text.slice(start, i)), raw: text.slice(start, i) }
  }
  function string() {
    i++ // opening quote
    let s = ''
    for (;;) {
      if (i >= n) throw eof()
      const c = text[i]
      if (c === '"') {
        i++
        return s
      }
      if (c < ' ') throw bad(c, 'in string literal')
      if (c === '\\') {
        i++
        if (i >= n) throw eof()
        const e = text[i]
        const map = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' }
        if (e in map) {
          s += map[e]
          i++
        } else if (e === 'u') {
          i++
          let hex = ''
          for (let k = 0; k < 4; k++) {
            if (i >= n) throw eof()
            if (!/[0-9a-fA-F]/.test(text[i]))
              throw bad(text[i], 'in \\u hexadecimal character escape')
            hex += text[i++]
          }
          s += String.fromCharCode(parseInt(hex, 16))
        } else {
          throw bad(e, 'in string escape code')
        }
        continue
      }
      s += c
      i++
    }
  }
  function object() {
    i++
    const pairs = []
    skip()
    if (i >= n) throw eof()
    if (text[i] === '}') {
      i++
      return { t: 'object', pairs }
    }
    for (;;) {
      skip()
      if (i >= n) throw eof()
      if (text[i] !== '"') throw bad(text[i], 'looking for beginning of object key string')
      const k = string()
      skip()
      if (i >= n) throw eof()
      if (text[i] !== ':') throw bad(text[i], 'after object key')
      i++
      const v = value('looking for beginning of value')
      pairs.push([k, v])
      skip()
      if (i >= n) throw eof()
      if (text[i] === ',') {
        i++
        continue
      }
      if (text[i] === '}') {
        i++
        return { t: 'object', pairs }
      }
      throw bad(text[i], 'after object key:value pair')
    }
  }
  function array() {
    i++
    const items = []
    skip()
    if (i >= n) throw eof()
    if (text[i] === ']') {
      i++
      return { t: 'array', items }
    }
    for (;;) {
      items.push(value('looking for beginning of value'))
      skip()
      if (i >= n) throw eof()
      if (text[i] === ',') {
        i++
        continue
      }
      if (text[i] === ']') {
        i++
        return { t: 'array', items }
      }
      throw bad(text[i], 'after array element')
    }
  }

  skip()
  if (i >= n) throw new JsonError('EOF')
  const node = value('looking for beginning of value')
  return { node, end: i }
}

/** json.Decoder.Decode: reads the first value only; "EOF" on empty input. */
function decoderParse(text) {
  return parseJsonValue(text).node
}

/** json.Unmarshal: the whole input must be one value. */
function unmarshalParse(text) {
  let r
  try {
    r = parseJsonValue(text)
  } catch (e) {
    if (e instanceof JsonError && (e.message === 'EOF' || e.message === 'unexpected EOF')) {
      throw new JsonError('unexpected end of JSON input')
    }
    throw e
  }
  const rest = text.slice(r.end)
  const m = /[^ \t\r\n]/.exec(rest)
  if (m) throw new JsonError(`invalid character ${goQuoteChar(m[0])} after top-level value`)
  return r.node
}

function toPlain(node) {
  switch (node.t) {
    case 'object': {
      const o = {}
      for (const [k, v] of node.pairs) o[k] = toPlain(v)
      return o
    }
    case 'array':
      return node.items.map(toPlain)
    default:
      return node.v
  }
}

const goKind = node => (node.t === 'null' ? 'null' : node.t)

// The Go types of ops's configuration come from ops-config-schema.json, transcribed from
// nanovms/ops types/config.go (see its "source"). The mirror embeds the file at the placeholder
// below when it renders the double; the raw script reads it from beside itself.
const EMBEDDED_SCHEMA = /* __OPS_CONFIG_SCHEMA__ */ null

let schemaCache = null
function opsSchema() {
  if (schemaCache) return schemaCache
  let schema = EMBEDDED_SCHEMA
  if (!schema) {
    const file = path.join(path.dirname(path.resolve(process.argv[1])), 'ops-config-schema.json')
    schema = JSON.parse(fs.readFileSync(file, 'utf8'))
  }
  const structs = {}
  for (const [name, s] of Object.entries(schema.structs)) {
    const fields = s.fields.filter(f => f.json !== '-') // json:"-": never decoded
    structs[s.goType] = {
      name,
      exact: new Map(fields.map(f => [f.json, f])),
      folded: new Map(fields.map(f => [foldName(f.json), f]))
    }
  }
  schemaCache = { root: schema.structs[schema.root].goType, structs }
  return schemaCache
}

/** encoding/json's foldName: ASCII upper-cased, other runes ToUpper(ToLower(r)). */
function foldName(s) {
  let out = ''
  for (const ch of s) {
    if (ch.charCodeAt(0) < 0x80) out += ch.toUpperCase()
    else {
      const up = ch.toLowerCase().toUpperCase()
      out += [...up].length === 1 ? up : ch // only simple (one-rune) case mappings, like Go
    }
  }
  return out
}

const INT_RANGE = {
  int: [-(2n ** 63n), 2n ** 63n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n]
}

/**
 * Decodes a parsed config node INTO cfg (mutating it) the way Go's encoding/json decodes into a
 * types.Config: struct fields matched exactly or case-insensitively, nested structs included;
 * maps merged key-wise, structs field-wise, slices and scalars replaced; null clears maps, slices
 * and pointers and leaves everything else alone; unknown keys are errors only when
 * disallowUnknown (a json.Decoder with DisallowUnknownFields). Only keys present in the input
 * appear in cfg. Returns the first error (Go saves the first and goes on), or null.
 */
function decodeConfig(node, cfg, disallowUnknown) {
  const schema = opsSchema()
  let first = null
  const save = msg => {
    if (!first) first = new JsonError(msg)
  }
  // UnmarshalTypeError: Struct is the innermost struct being decoded, Field the JSON names of
  // the fields from the root (map keys and slice indexes are not part of it).
  const typeErr = (value, type, ctx) =>
    save(
      ctx
        ? `json: cannot unmarshal ${value} into Go struct field ${ctx.struct}.${ctx.stack.join('.')} of type ${type}`
        : `json: cannot unmarshal ${value} into Go value of type ${type}`
    )

  /** Decodes n into a value of Go type `type`; `old` is the current value; returns the new one. */
  function decode(n, type, old, ctx) {
    if (type === 'interface {}') return toPlain(n)
    if (type.startsWith('*')) {
      if (n.t === 'null') return undefined
      return decode(n, type.slice(1), old, ctx)
    }
    if (type.startsWith('[]')) {
      if (n.t === 'null') return undefined
      if (n.t !== 'array') {
        typeErr(goKind(n), type, ctx)
        return old
      }
      const elem = type.slice(2)
      return n.items.map(it => {
        const v = decode(it, elem, undefined, ctx)
        return v === undefined ? zero(elem) : v
      })
    }
    if (type.startsWith('map[string]')) {
      if (n.t === 'null') return undefined
      if (n.t !== 'object') {
        typeErr(goKind(n), type, ctx)
        return old
      }
      const elem = type.slice('map[string]'.length)
      const m = old && typeof old === 'object' ? old : {}
      for (const [k, it] of n.pairs) {
        const v = decode(it, elem, undefined, ctx)
        m[k] = v === undefined ? zero(elem) : v
      }
      return m
    }
    if (schema.structs[type]) {
      if (n.t === 'null') return old
      if (n.t !== 'object') {
        typeErr(goKind(n), type, ctx)
        return old
      }
      const s = schema.structs[type]
      const o = old && typeof old === 'object' ? old : {}
      for (const [key, it] of n.pairs) {
        const f = s.exact.get(key) ?? s.folded.get(foldName(key))
        if (!f) {
          if (disallowUnknown) save(`json: unknown field ${JSON.stringify(key)}`)
          continue
        }
        const inner = { struct: s.name, stack: [...(ctx ? ctx.stack : []), f.json] }
        const v = decode(it, f.type, o[f.go], inner)
        if (v === undefined) delete o[f.go]
        else o[f.go] = v
      }
      return o
    }
    // scalars
    if (n.t === 'null') return old
    if (type === 'string') {
      if (n.t === 'string') return n.v
    } else if (type === 'bool') {
      if (n.t === 'bool') return n.v
    } else if (INT_RANGE[type]) {
      if (n.t === 'number') {
        const [lo, hi] = INT_RANGE[type]
        if (/^-?\d+$/.test(n.raw) && BigInt(n.raw) >= lo && BigInt(n.raw) <= hi)
          return Number(n.raw)
        typeErr(`number ${n.raw}`, type, ctx)
        return old
      }
    } else {
      throw new Error(`ops-config-schema.json: unsupported Go type ${type}`)
    }
    typeErr(goKind(n), type, ctx)
    return old
  }

  function zero(type) {
    if (type === 'string') return ''
    if (type === 'bool') return false
    if (INT_RANGE[type]) return 0
    if (schema.structs[type]) return {}
    return null
  }

  if (node.t === 'null') return null
  if (node.t !== 'object') {
    return new JsonError(
      `json: cannot unmarshal ${goKind(node)} into Go value of type ${schema.root}`
    )
  }
  decode(node, schema.root, cfg, null)
  return first
}

/** Go's os.ExpandEnv. */
function expandEnv(s) {
  const special = c => '*#$@!?-0123456789'.includes(c)
  const alnum = c => /[A-Za-z0-9_]/.test(c)
  const lookup = name => process.env[name] ?? ''
  let buf = ''
  let i = 0
  for (let j = 0; j < s.length; j++) {
    if (s[j] === '$' && j + 1 < s.length) {
      buf += s.slice(i, j)
      const rest = s.slice(j + 1)
      let name = ''
      let w = 0
      if (rest[0] === '{') {
        if (rest.length > 2 && special(rest[1]) && rest[2] === '}') {
          name = rest[1]
          w = 3
        } else {
          const close = rest.indexOf('}')
          if (close === 1) w = 2
          else if (close > 1) {
            name = rest.slice(1, close)
            w = close + 1
          } else w = 1
        }
      } else if (special(rest[0])) {
        name = rest[0]
        w = 1
      } else {
        while (w < rest.length && alnum(rest[w])) w++
        name = rest.slice(0, w)
      }
      if (name === '' && w > 0) {
        // bad syntax: eat the characters
      } else if (name === '') {
        buf += '$'
      } else {
        buf += lookup(name)
      }
      j += w
      i = j + 1
    }
  }
  return buf + s.slice(i)
}

function renderConfigText(text) {
  return process.env.ops_render_config === 'true' ? expandEnv(text) : text
}

// ---------------------------------------------------------------------------------------------
// command line (cobra/pflag-like)
// ---------------------------------------------------------------------------------------------

const BUILD_USAGE = `Usage:
  ops build [ELF file] [flags]

Flags:
      --arch string            set different architecture (amd64, arm64)
  -c, --config string          ops config file
  -h, --help                   help for build
  -i, --imagename string       image name
      --nanos-version string   uses nanos tools version
`

const ROOT_USAGE = `Usage:
  ops [command]

Available Commands:
  build       Build an image from ELF
  update      check for updates (refused by the test double)
  version     Version

Flags:
  -h, --help   help for ops

Use "ops [command] --help" for more information about a command.
`

/**
 * The names and shorthands of every flag of the real `ops build` (0.1.46), its global flags
 * included; flags without a shorthand give an empty name, as ops's flag walk does.
 */
const OPS_BUILD_FLAG_NAMES = [
  ...'arch args a config c consoles disable-args-copy envs e gateway help h imagename i'.split(' '),
  ...'ip-address ipv6-address mounts nanos-version netconsole-ip netconsole-port'.split(' '),
  ...'netmask nightly n projectid g target-cloud t target-root r tfsv4 4 type zone z'.split(' '),
  ...'json j show-debug show-errors show-warnings'.split(' '),
  ''
]

/**
 * What ops adds to a JSON syntax error: " ~ error near '<11 bytes from the bad one>' (offset N)
 * line: L". It slices the file's bytes past their end when the error is near it, reading the
 * spare capacity os.ReadFile left (zeros), or panicking beyond that capacity.
 */
function syntaxErrorNear(failure, text) {
  if (!(failure instanceof JsonError) || failure.offset === undefined) return ''
  const data = Buffer.from(renderConfigText(text), 'utf8')
  const rendered = process.env.ops_render_config === 'true'
  const capacity = rendered ? data.length : Math.max(512, Buffer.byteLength(text) + 1)
  const end = failure.offset + 10
  if (end > capacity)
    throw new GoPanic(
      `runtime error: slice bounds out of range [:${end}] with capacity ${capacity}`
    )
  const near = Buffer.alloc(11)
  data.copy(near, 0, failure.offset - 1, Math.min(end, data.length))
  const line = 1 + data.subarray(0, failure.offset).toString('latin1').split('\n').length - 1
  return ` ~ error near '${near.toString('latin1')}' (offset ${failure.offset}) line: ${line}`
}

function cobraError(msg, usage, code) {
  err(`Error: ${msg}\n${usage}\n`)
  throw new Exit(code)
}

const BUILD_FLAGS = {
  config: { short: 'c' },
  imagename: { short: 'i' },
  'nanos-version': {},
  arch: {}
}

function parseBuildArgs(args) {
  const flags = {}
  const positional = []
  let help = false
  const byShort = {}
  for (const [name, f] of Object.entries(BUILD_FLAGS)) if (f.short) byShort[f.short] = name
  for (let k = 0; k < args.length; k++) {
    const a = args[k]
    if (a === '--') {
      positional.push(...args.slice(k + 1))
      break
    }
    if (a.startsWith('--') && a.length > 2) {
      const eq = a.indexOf('=')
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2)
      if (name === 'help') {
        help = true
        continue
      }
      if (!BUILD_FLAGS[name]) cobraError(`unknown flag: --${name}`, BUILD_USAGE, 1)
      if (eq >= 0) flags[name] = a.slice(eq + 1)
      else if (k + 1 < args.length) flags[name] = args[++k]
      else cobraError(`flag needs an argument: --${name}`, BUILD_USAGE, 1)
      continue
    }
    if (a.startsWith('-') && a.length > 1) {
      const c = a[1]
      if (c === 'h') {
        help = true
        continue
      }
      const name = byShort[c]
      if (!name) cobraError(`unknown shorthand flag: '${c}' in ${a}`, BUILD_USAGE, 1)
      let rest = a.slice(2)
      if (rest.startsWith('=')) rest = rest.slice(1)
      if (a.length > 2) flags[name] = rest
      else if (k + 1 < args.length) flags[name] = args[++k]
      else cobraError(`flag needs an argument: '${c}' in -${c}`, BUILD_USAGE, 1)
      continue
    }
    positional.push(a)
  }
  return { flags, positional, help }
}

// ---------------------------------------------------------------------------------------------
// ops home, network, defaults
// ---------------------------------------------------------------------------------------------

function userDbHome() {
  // OPS_DOUBLE_USER_HOME stands in for the user database (getpwuid), which tests cannot change.
  if (process.env.OPS_DOUBLE_USER_HOME) return process.env.OPS_DOUBLE_USER_HOME
  try {
    return os.userInfo().homedir
  } catch {
    return null
  }
}

function getOpsHome() {
  const home = process.env.HOME || userDbHome() || '/'
  let opsHome = path.join(home, '.ops')
  if (process.env.OPS_HOME) opsHome = path.join(process.env.OPS_HOME, '.ops')
  for (const d of ['images', 'instances', 'manifests', 'volumes', 'local_packages', 'packages']) {
    fs.mkdirSync(path.join(opsHome, d), { recursive: true })
  }
  return opsHome
}

function readLocalLatest(opsHome) {
  try {
    return fs.readFileSync(path.join(opsHome, 'latest.txt'), 'utf8').replace(/\n$/, '')
  } catch (e) {
    if (e.code === 'ENOENT') return null
    throw e
  }
}

/** What ops's package init fetches on every command (lepton/const.go). */
const LATEST_URL = 'https://storage.googleapis.com/nanos/release/latest.txt'

/** Hosts a test may really connect to: loopback only, so that no test ever reaches the internet. */
function isLoopbackHost(host) {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase()
  return h === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(h) || h === '::1'
}

function defaultPort(u) {
  return u.port || (u.protocol === 'https:' ? '443' : '80')
}

/**
 * Go's http.ProxyFromEnvironment (golang.org/x/net/http/httpproxy): HTTPS_PROXY for https and
 * HTTP_PROXY for http URLs, upper case first, empty values skipped; a value without a scheme is
 * read as http://; no proxy for localhost and loopback addresses, nor for NO_PROXY entries ("*",
 * IPs and CIDRs, "host" matching itself and its subdomains, ".host" its subdomains only, an
 * optional ":port" that must match). Returns null for a direct connection.
 */
function proxyFor(url) {
  const target = new URL(url)
  const env = name => process.env[name] || process.env[name.toLowerCase()] || ''
  let proxy
  if (target.protocol === 'https:') proxy = env('HTTPS_PROXY')
  else if (target.protocol === 'http:') {
    proxy = env('HTTP_PROXY')
    if (proxy && process.env.REQUEST_METHOD) return { error: 'refusing to use HTTP_PROXY in CGI' }
  }
  if (!proxy) return null
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase()
  const port = defaultPort(target)
  if (host === 'localhost' || isLoopbackHost(host)) return null
  const ip = net.isIP(host) ? host : null
  for (let entry of env('NO_PROXY').split(',')) {
    entry = entry.trim().toLowerCase()
    if (!entry) continue
    if (entry === '*') return null
    const cidr = /^(.+)\/(\d+)$/.exec(entry)
    if (cidr && net.isIP(cidr[1])) {
      if (ip && net.isIP(ip) === net.isIP(cidr[1])) {
        const list = new net.BlockList()
        list.addSubnet(cidr[1], Number(cidr[2]), net.isIP(ip) === 6 ? 'ipv6' : 'ipv4')
        if (list.check(ip, net.isIP(ip) === 6 ? 'ipv6' : 'ipv4')) return null
      }
      continue
    }
    let phost = entry
    let pport = ''
    const hp = /^(\[[^\]]*\]|[^:]*):(\d*)$/.exec(entry)
    if (hp) {
      phost = hp[1].replace(/^\[|\]$/g, '')
      pport = hp[2]
      if (!phost) continue
    }
    if (net.isIP(phost)) {
      if (ip && ip === phost && (!pport || pport === port)) return null
      continue
    }
    if (phost.startsWith('*.')) phost = phost.slice(1)
    const matchHost = !phost.startsWith('.')
    if (matchHost) phost = `.${phost}`
    if (
      (host.endsWith(phost) || (matchHost && host === phost.slice(1))) &&
      (!pport || pport === port)
    )
      return null
  }
  let parsed
  try {
    parsed = new URL(proxy)
    if (!parsed.host) throw new Error('no host')
  } catch {
    try {
      parsed = new URL(`http://${proxy}`)
    } catch {
      return { error: `invalid proxy address ${JSON.stringify(proxy)}` }
    }
  }
  return parsed
}

/**
 * Like ops' package init: http.Get(latest.txt) with Go's default client, so through
 * ProxyFromEnvironment, with no timeout and no status check; the body is the version. The URL is
 * the real one unless OPS_DOUBLE_LATEST_URL names another (a test's mirror).
 *
 * No test may reach the internet, so the double connects only to loopback addresses. A
 * connection to any other host (storage.googleapis.com itself, or a proxy that is not on this
 * machine) stands for a network that swallows packets: it is logged to OPS_DOUBLE_LOG at once
 * (lookup.outcome "swallowed") and the lookup never returns, as the real one would not.
 */
async function fetchLatest() {
  const url = process.env.OPS_DOUBLE_LATEST_URL || LATEST_URL
  const target = new URL(url)
  let proxy = proxyFor(url)
  const lookup = { url, proxy: null, connect: `${target.hostname}:${defaultPort(target)}` }
  state.lookup = lookup
  if (proxy && proxy.error) {
    lookup.outcome = 'failed'
    lookup.error = proxy.error
    return null
  }
  if (proxy) {
    lookup.proxy = `${proxy.protocol}//${proxy.host}` // never its credentials
    lookup.connect = `${proxy.hostname}:${defaultPort(proxy)}`
  }
  const connectHost = proxy ? proxy.hostname : target.hostname
  if (!isLoopbackHost(connectHost)) {
    lookup.outcome = 'swallowed'
    writeLog(null, { hang: 'lookup' })
    // Never answered: wait forever (a timer keeps Node from exiting on its own).
    await new Promise(() => setInterval(() => {}, 1 << 30))
  }
  return new Promise(resolve => {
    let done = false
    const finish = (v, error) => {
      if (done) return
      done = true
      lookup.outcome = v === null ? 'failed' : 'answered'
      if (error) lookup.error = String(error.message || error)
      resolve(v)
    }
    const onResponse = res => {
      lookup.status = res.statusCode
      const chunks = []
      const body = () => finish(Buffer.concat(chunks).toString('utf8').replace(/\n$/, ''))
      res.on('data', c => chunks.push(c))
      res.on('end', body)
      res.on('error', body)
      res.on('aborted', body)
    }
    try {
      if (proxy) {
        const proxyTls = proxy.protocol === 'https:'
        if (proxy.protocol !== 'http:' && !proxyTls) {
          return finish(null, new Error(`proxy scheme ${proxy.protocol} not imitated`))
        }
        const agentOpts = { host: proxy.hostname, port: Number(defaultPort(proxy)) }
        const proxyMod = proxyTls ? https : http
        const auth = proxy.username
          ? {
              'Proxy-Authorization': `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}`
            }
          : {}
        if (target.protocol === 'https:') {
          // Through the proxy with CONNECT, then TLS to the target over the tunnel.
          const req = proxyMod.request({
            ...agentOpts,
            method: 'CONNECT',
            path: `${target.hostname}:${defaultPort(target)}`,
            headers: { host: `${target.hostname}:${defaultPort(target)}`, ...auth }
          })
          req.on('connect', (res, socket) => {
            if (res.statusCode !== 200) {
              socket.destroy()
              return finish(null, new Error(`proxy answered CONNECT with ${res.statusCode}`))
            }
            https
              .get(
                url,
                { createConnection: () => tls.connect({ socket, servername: target.hostname }) },
                onResponse
              )
              .on('error', e => finish(null, e))
          })
          req.on('error', e => finish(null, e))
          req.end()
        } else {
          proxyMod
            .get({ ...agentOpts, path: url, headers: { host: target.host, ...auth } }, onResponse)
            .on('error', e => finish(null, e))
        }
        return
      }
      const mod = target.protocol === 'https:' ? https : http
      mod.get(url, onResponse).on('error', e => finish(null, e))
    } catch (e) {
      finish(null, e)
    }
  })
}

/** lepton.NewConfig(): silent defaults from $OPS_DEFAULT_CONFIG or <user-db home>/.opsrc. */
function loadDefaults() {
  const cfg = {}
  const env = process.env.OPS_DEFAULT_CONFIG
  if (env) {
    let text
    try {
      text = fs.readFileSync(env, 'utf8')
    } catch (e) {
      out(color(RED, `error reading config: ${goFsError('open', env, e)}`) + '\n')
      return { cfg, source: env }
    }
    try {
      const e = decodeConfig(unmarshalParse(renderConfigText(text)), cfg, false)
      if (e) out(color(RED, `error config: ${e.message}`) + '\n')
    } catch (e) {
      if (!(e instanceof JsonError)) throw e
      out(color(RED, `error config: ${e.message}`) + '\n')
    }
    return { cfg, source: env }
  }
  const home = userDbHome()
  if (!home) return { cfg, source: null }
  const rc = path.join(home, '.opsrc')
  if (!fs.existsSync(rc)) return { cfg, source: null }
  let text
  try {
    text = fs.readFileSync(rc, 'utf8')
  } catch (e) {
    out(`${goTime()} ${color(RED, `error reading config: ${goFsError('open', rc, e)}`)}\n`)
    throw new Exit(1)
  }
  try {
    const e = decodeConfig(unmarshalParse(renderConfigText(text)), cfg, false)
    if (e) throw e
  } catch (e) {
    if (!(e instanceof JsonError)) throw e
    out(`${goTime()} ${color(RED, `error config: ${e.message}`)}\n`)
    throw new Exit(1)
  }
  return { cfg, source: rc }
}

// ---------------------------------------------------------------------------------------------
// build
// ---------------------------------------------------------------------------------------------

function sha256File(p) {
  const h = crypto.createHash('sha256')
  const fd = fs.openSync(p, 'r')
  try {
    const buf = Buffer.allocUnsafe(1 << 20)
    let n
    while ((n = fs.readSync(fd, buf, 0, buf.length, null)) > 0) h.update(buf.subarray(0, n))
  } finally {
    fs.closeSync(fd)
  }
  return h.digest('hex')
}

/** log.Fatal of Go's standard logger (ops's exitWithError): timestamp, red line on stderr, exit 1. */
function goLogFatal(s) {
  err(`${goTime()} ${color(RED, s)}\n`)
  throw new Exit(1)
}

/**
 * AddUserProgram: the program goes in at "/" + its path (a leading "./" dropped, cleaned). Ops
 * first reads 19 bytes to tell an arm64 program (e_machine 183) from any other, which must match
 * the kernel; it checks that the file is an ELF only later (validateElf).
 */
function addUserProgram(m, program, arch) {
  const parts = program.split('/')
  if (parts[0] === '.') parts.shift()
  const imagePath = path.posix.join('/', path.posix.join(...parts))
  const head = Buffer.alloc(19)
  let n
  let fd
  try {
    fd = fs.openSync(program, 'r')
  } catch (e) {
    const msg = goFsError('open', program, e)
    out(`archCheck open error: ${msg}`)
    throw new ManifestError(msg)
  }
  try {
    n = fs.readSync(fd, head, 0, head.length, 0)
  } catch (e) {
    const msg = goFsError('read', program, e)
    out(`archCheck read error: ${msg}`)
    throw new ManifestError(msg)
  } finally {
    fs.closeSync(fd)
  }
  if (n === 0) {
    out('archCheck read error: EOF')
    throw new ManifestError('EOF')
  }
  const found = head[18] === 183 ? 'arm' : 'amd64'
  if ((arch === 'arm64') !== (found === 'arm'))
    throw new ManifestError(
      `you are trying to mix ${goQuote(program)} [${found}] with the wrong kernel, try re-creating the image with --arch=`
    )
  addFileTo(rootDir(m), imagePath, { host: program })
  m.root.set('program', imagePath)
  return imagePath
}

/**
 * ValidateELF (at the start of getSharedLibs, after Files, MapDirs and Dirs): what Go's
 * debug/elf refuses ends the build through Go's standard logger (stderr). 32-bit and big-endian
 * ELF files pass.
 */
function validateElf(file) {
  const head = Buffer.alloc(64)
  let n
  try {
    const fd = fs.openSync(file, 'r')
    try {
      n = fs.readSync(fd, head, 0, head.length, 0)
    } finally {
      fs.closeSync(fd)
    }
  } catch (e) {
    goLogFatal(goFsError('open', file, e))
  }
  if (n < 16) goLogFatal('EOF')
  if (head.readUInt32BE(0) !== 0x7f454c46)
    goLogFatal(`only ELF binaries are supported. Is this a Linux binary? run "file ${file}" on it`)
  const [cls, data, version] = [head[4], head[5], head[6]]
  if (cls !== 1 && cls !== 2) goLogFatal(`unknown ELF class ${cls}`)
  if (data !== 1 && data !== 2) goLogFatal(`unknown ELF data encoding ${data}`)
  if (version !== 1) goLogFatal(`unknown ELF version ${version}`)
  if (n < (cls === 2 ? 64 : 52)) goLogFatal('EOF')
  const machine = data === 1 ? head.readUInt16LE(18) : head.readUInt16BE(18)
  return { 62: 'x86-64', 183: 'aarch64' }[machine] || `machine ${machine}`
}

// ---------------------------------------------------------------------------------------------
// dynamically linked programs (lepton/ldd_linux.go)
// ---------------------------------------------------------------------------------------------

const PT_INTERP = 3
const PT_DYNAMIC = 2
const SHT_DYNAMIC = 6
const DT_NEEDED = 1

/**
 * What Go's debug/elf tells ops about a 64-bit little-endian ELF (validateElf has passed it):
 * PT_INTERP and PT_DYNAMIC from the program headers, DT_NEEDED from the SHT_DYNAMIC section and
 * the string table it links to (File.ImportedLibraries reads sections, not segments).
 * Returns null when Go could not read it (ops then treats the program as static).
 */
function elfDynamicInfo(file) {
  let buf
  try {
    buf = fs.readFileSync(file)
  } catch {
    return null
  }
  // Go would read 32-bit and big-endian files too; the double treats them as static programs
  if (buf.length < 64 || buf[4] !== 2 || buf[5] !== 1) return null
  const u16 = o => buf.readUInt16LE(o)
  const u32 = o => buf.readUInt32LE(o)
  const u64 = o => {
    const v = buf.readBigUInt64LE(o)
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(v)
  }
  const inside = (off, len) => Number.isFinite(off) && off >= 0 && off + len <= buf.length
  const info = { machine: u16(18), interpreter: null, dynamicSegment: false, needed: [] }

  const phoff = u64(32)
  const phentsize = u16(54)
  const phnum = u16(56)
  if (phnum > 0) {
    if (phentsize < 56 || !inside(phoff, phnum * phentsize)) return null
    for (let k = 0; k < phnum; k++) {
      const p = phoff + k * phentsize
      const type = u32(p)
      if (type === PT_DYNAMIC) info.dynamicSegment = true
      if (type === PT_INTERP && info.interpreter === null) {
        const off = u64(p + 8)
        const size = u64(p + 32)
        if (!inside(off, size) || size < 1) return null
        // the path without its terminating NUL (lepton/ldd_darwin.go reads it the same way)
        info.interpreter = buf.toString('latin1', off, off + size - 1)
      }
    }
  }

  const shoff = u64(40)
  const shentsize = u16(58)
  const shnum = u16(60)
  if (shnum > 0) {
    if (shentsize < 64 || !inside(shoff, shnum * shentsize)) return null
    const sh = k => {
      const o = shoff + k * shentsize
      return { type: u32(o + 4), offset: u64(o + 24), size: u64(o + 32), link: u32(o + 40) }
    }
    for (let k = 0; k < shnum; k++) {
      const s = sh(k)
      if (s.type !== SHT_DYNAMIC) continue
      if (s.link >= shnum || !inside(s.offset, s.size)) return null
      const str = sh(s.link)
      if (!inside(str.offset, str.size)) return null
      for (let o = s.offset; o + 16 <= s.offset + s.size; o += 16) {
        const tag = buf.readBigInt64LE(o)
        if (tag !== BigInt(DT_NEEDED)) continue
        const at = u64(o + 8)
        if (!Number.isFinite(at) || at >= str.size) return null
        const end = buf.indexOf(0, str.offset + at)
        if (end < 0 || end >= str.offset + str.size) return null
        info.needed.push(buf.toString('latin1', str.offset + at, end))
      }
      break // SectionByType: the first SHT_DYNAMIC section
    }
  }
  return info
}

/** The e_machine this kernel executes natively (os.arch of the machine running the double). */
function hostMachine() {
  return { x64: 62, arm64: 183 }[process.arch] ?? null
}

/** Whether binfmt_misc has an enabled handler that lets this kernel run another machine's ELF. */
function binfmtHandles(machine) {
  const name = { 62: 'qemu-x86_64', 183: 'qemu-aarch64' }[machine]
  if (!name) return false
  try {
    return /^enabled/m.test(fs.readFileSync(`/proc/sys/fs/binfmt_misc/${name}`, 'utf8'))
  } catch {
    return false
  }
}

/** Go's text for an errno from os/exec (fork/exec <path>: <strerror>). */
function goExecError(file, code) {
  const msgs = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    ENOEXEC: 'exec format error',
    ENOTDIR: 'not a directory',
    ELOOP: 'too many levels of symbolic links',
    ETXTBSY: 'text file busy'
  }
  return `fork/exec ${file}: ${msgs[code] || code}`
}

/**
 * getSharedLibs: for a program whose ELF imports libraries, ops runs the program itself with
 * its own environment plus LD_TRACE_LOADED_OBJECTS=1 (so the host's dynamic loader, honouring
 * LD_LIBRARY_PATH, lists what it would load instead of running main), and reads its stdout: the
 * linux-vdso line is skipped; on every other line the word before the last (the path before
 * "(0x...)") is the library, made absolute against the current directory and relative to it
 * again when it lies inside it. A line saying "not found" stops the build:
 *   Ops can't find the following missing libraries:
 *   failed building manifest: Library: <line>[\n<line>...]
 * Each library goes into the image at that path, holding the bytes of the host file (symbolic
 * links followed). The loader lists the interpreter (PT_INTERP) like any other object.
 * A program that imports nothing (static, or a static-pie) is never run. Returns
 * { interpreter, needed, libraries } or null for such a program. `info` is elfDynamicInfo's.
 */
async function sharedLibs(program, info) {
  const abs = path.resolve(process.cwd(), program)
  if (!info || info.needed.length === 0) return null

  // os/exec: a foreign machine's ELF is not run by the kernel (no /bin/sh retry as libuv does).
  const machine = info.machine
  if (machine !== hostMachine() && !binfmtHandles(machine))
    fatal(`failed building manifest: ${goExecError(abs, 'ENOEXEC')}`)
  try {
    fs.accessSync(abs, fs.constants.X_OK)
  } catch (e) {
    fatal(`failed building manifest: ${goExecError(abs, e.code)}`)
  }
  if (info.interpreter !== null && !fs.existsSync(info.interpreter))
    fatal(`failed building manifest: ${goExecError(abs, 'ENOENT')}`)

  const { stdout, code, signal, error } = await new Promise(resolve => {
    const child = childProcess.spawn(abs, [], {
      cwd: process.cwd(),
      env: { ...process.env, LD_TRACE_LOADED_OBJECTS: '1' },
      stdio: ['ignore', 'pipe', 'ignore']
    })
    const chunks = []
    child.stdout.on('data', c => chunks.push(c))
    child.on('error', e => resolve({ error: e, stdout: '' }))
    child.on('close', (c, s) =>
      resolve({ code: c, signal: s, stdout: Buffer.concat(chunks).toString('utf8') })
    )
  })
  if (error) fatal(`failed building manifest: ${goExecError(abs, error.code)}`)

  const cwd = process.cwd()
  const libraries = []
  const missing = []
  for (const raw of stdout.split('\n')) {
    const text = raw.trim()
    if (text === '' || text.startsWith('linux-vdso.so')) continue
    const parts = text.split(' ')
    if (parts[0].startsWith('linux-vdso.so')) continue
    if (text.includes('not found')) {
      missing.push(text)
      continue
    }
    if (parts.length < 2) continue
    let lib = path.resolve(cwd, parts[parts.length - 2])
    if (lib.startsWith(cwd)) lib = lib.slice(cwd.length + 1)
    libraries.push(lib.trim())
  }
  if (missing.length > 0) {
    out("Ops can't find the following missing libraries:\n")
    fatal(`failed building manifest: Library: ${missing.join('\n')}`)
  }
  if (signal) fatal(`failed building manifest: signal: ${signal}`)
  if (code !== 0) fatal(`failed building manifest: exit status ${code}`)

  const entries = []
  for (const lib of libraries) {
    const host = path.resolve(cwd, lib)
    let st
    try {
      st = fs.statSync(host)
    } catch {
      continue // ops ignores AddFile's "is missing" for a library: it is left out
    }
    entries.push({
      imagePath: path.posix.join('/', lib),
      hostPath: host,
      size: st.size,
      sha256: sha256File(host)
    })
  }
  const interp =
    info.interpreter === null ? null : entries.find(e => e.imagePath === info.interpreter) || null
  return {
    interpreter: interp ? { ...interp, elf: info.interpreter } : null,
    needed: info.needed,
    libraries: entries.filter(e => e !== interp)
  }
}

function listFiles(dir) {
  const res = []
  const rec = rel => {
    let entries
    try {
      entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true })
    } catch {
      return
    }
    for (const d of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const r = rel ? `${rel}/${d.name}` : d.name
      if (d.isDirectory()) rec(r)
      else res.push(r)
    }
  }
  rec('')
  return res
}

function versionLess(a, b) {
  // a version that is not plain numbers (e.g. the unreplaced placeholder) counts as the newest
  if (!/^\d+(\.\d+)*$/.test(String(a)) || !/^\d+(\.\d+)*$/.test(String(b))) return false
  const pa = String(a)
    .split('.')
    .map(x => parseInt(x, 10))
  const pb = String(b)
    .split('.')
    .map(x => parseInt(x, 10))
  if (pa.some(Number.isNaN) || pb.some(Number.isNaN)) return false
  for (let k = 0; k < Math.max(pa.length, pb.length); k++) {
    const x = pa[k] || 0
    const y = pb[k] || 0
    if (x !== y) return x < y
  }
  return false
}

/**
 * The image's mounts. Ops 0.1.42 and later (onprem AddVirtfsShares): a label that names a local
 * volume stays; a label whose host path (the label if absolute, else below the config file's
 * folder) is a regular file stays; every other label becomes a 9p share, numbered %0, %1, ... in
 * the order of those host paths. Older versions: %N labels stay (0.1.40 and before) or fail the
 * build (0.1.41), and another label without a volume is refused.
 */
function processMounts(mounts, opsHome, configDir) {
  const given = { ...mounts }
  const image = {}
  const volumesDir = path.join(opsHome, 'volumes')
  let vols = []
  try {
    vols = fs.readdirSync(volumesDir)
  } catch {
    vols = []
  }
  const volumeExists = label =>
    vols.some(v => v === label || v.startsWith(label + ':') || v === label + '.raw')
  const labels = Object.keys(mounts).sort((a, b) => {
    const na = /^%\d+$/.test(a) ? parseInt(a.slice(1), 10) : Infinity
    const nb = /^%\d+$/.test(b) ? parseInt(b.slice(1), 10) : Infinity
    return na !== nb ? na - nb : a < b ? -1 : a > b ? 1 : 0
  })
  if (!versionLess(OPS_VERSION, '0.1.42')) {
    const shares = new Map()
    for (const [label, target] of Object.entries(mounts)) {
      const hostDir = label.startsWith('/') ? label : goJoin(configDir, label)
      let st
      try {
        st = fs.statSync(hostDir)
      } catch {
        st = null
      }
      if (volumeExists(label) || (st && !st.isDirectory())) image[label] = target
      else shares.set(hostDir, target)
    }
    const order = [...shares.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    order.forEach((hostDir, i) => {
      image[`%${i}`] = shares.get(hostDir)
    })
    return { given, image }
  }
  for (const label of labels) {
    const target = mounts[label]
    if (/^%\d+$/.test(label) && !volumeExists(label)) {
      if (versionLess(OPS_VERSION, '0.1.41')) image[label] = target
      else fatal(`failed building image: volume ${label} not found`)
      continue
    }
    if (!volumeExists(label)) {
      out(`Error: volume "${label}" not found\n`)
      err(BUILD_USAGE + '\n')
      throw new Exit(0)
    }
    image[label] = target
  }
  return { given, image }
}

const sleep = ms => new Promise(r => setTimeout(r, ms))

async function hangForever() {
  writeLog(null, { hang: true })
  await new Promise(() => setInterval(() => {}, 1 << 30))
}

// ---------------------------------------------------------------------------------------------
// Go's path/filepath, as far as ops's walks need it
// ---------------------------------------------------------------------------------------------

/** filepath.Clean. */
function goClean(p) {
  if (p === '') return '.'
  const n = path.posix.normalize(p)
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n
}

/** filepath.Join: the non-empty elements, cleaned ('' when there are none). */
function goJoin(...elems) {
  const kept = elems.filter(e => e !== '')
  return kept.length === 0 ? '' : goClean(kept.join('/'))
}

/** filepath.Split: [everything up to and including the last '/', the rest]. */
function goSplit(p) {
  const i = p.lastIndexOf('/')
  return [p.slice(0, i + 1), p.slice(i + 1)]
}

/** filepath.Base. */
function goBase(p) {
  if (p === '') return '.'
  const trimmed = p.replace(/\/+$/, '')
  if (trimmed === '') return '/'
  return trimmed.slice(trimmed.lastIndexOf('/') + 1)
}

/** filepath.Rel for a target at or below base (the only case ops's walks meet). */
function goRel(base, target) {
  const b = goClean(base)
  const t = goClean(target)
  if (b === t) return '.'
  if (b === '.') return t
  const prefix = b === '/' ? '/' : `${b}/`
  return t.startsWith(prefix) ? t.slice(prefix.length) : t
}

/**
 * filepath.Match of one name (no '/' in it): '*', '?', '[...]' classes with ranges and '^',
 * '\\' escapes. A malformed pattern matches nothing, as ops ignores Match's error.
 */
function goMatch(pattern, name) {
  const chars = [...pattern]
  const esc = c => `\\u{${c.codePointAt(0).toString(16)}}`
  let re = '^'
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]
    if (c === '*') re += '[^/]*'
    else if (c === '?') re += '[^/]'
    else if (c === '\\') {
      if (++i >= chars.length) return false
      re += esc(chars[i])
    } else if (c === '[') {
      let j = i + 1
      let cls = ''
      if (chars[j] === '^') {
        cls = '^'
        j++
      }
      let ranges = 0
      for (;;) {
        if (j >= chars.length) return false
        if (chars[j] === ']' && ranges > 0) break
        const one = () => {
          let x = chars[j]
          if (x === undefined || x === '-' || x === ']') return null
          if (x === '\\') x = chars[++j]
          if (x === undefined) return null
          j++
          return x
        }
        const lo = one()
        if (lo === null) return false
        let hi = lo
        if (chars[j] === '-') {
          j++
          hi = one()
          if (hi === null) return false
        }
        cls += `${esc(lo)}-${esc(hi)}`
        ranges++
      }
      re += `[${cls}]`
      i = j
    } else re += esc(c)
  }
  try {
    return new RegExp(`${re}$`, 'u').test(name)
  } catch {
    return false
  }
}

/** filepath.Walk: lexical order, links not followed, fn(path, stats | null, error | null). */
function goWalk(root, fn) {
  let st
  try {
    st = fs.lstatSync(root)
  } catch (e) {
    return fn(root, null, goFsError('lstat', root, e))
  }
  return walkFrom(root, st, fn)
}

function walkFrom(p, st, fn) {
  if (!st.isDirectory()) return fn(p, st, null)
  let names = null
  let readErr = null
  try {
    names = fs.readdirSync(p).sort()
  } catch (e) {
    readErr = goFsError('open', p, e)
  }
  const first = fn(p, st, readErr)
  if (readErr !== null || first) return first
  for (const name of names) {
    const child = goJoin(p, name)
    let cst
    try {
      cst = fs.lstatSync(child)
    } catch (e) {
      const r = fn(child, null, goFsError('lstat', child, e))
      if (r) return r
      continue
    }
    const r = walkFrom(child, cst, fn)
    if (r) return r
  }
  return null
}

/** Go's %q for the ASCII paths and names ops quotes. */
const goQuote = s => JSON.stringify(String(s))

// ---------------------------------------------------------------------------------------------
// the manifest: what ops puts into the two filesystems, before writing them (fs/manifest.go)
// ---------------------------------------------------------------------------------------------

/** A Go panic: exit 2 with a goroutine trace on stderr. */
class GoPanic extends Error {}

/** An error BuildManifest returns: "failed building manifest: <message>", exit 1. */
class ManifestError extends Error {}

// A directory is a Map (name -> node), a file { host, data? } (data: bytes ops wrote to a
// temporary file), a link { link } (its target as read from the host).
const isDirNode = n => n instanceof Map
const isLinkNode = n => n !== undefined && !isDirNode(n) && 'link' in n
const isFileNode = n => n !== undefined && !isDirNode(n) && 'host' in n

/**
 * A path's elements between slashes (strings.FieldsFunc on '/'): ops does not clean the paths of
 * Files and Dirs, so "." and ".." stay names of directories in the tree.
 */
const pathParts = p => p.split('/').filter(s => s !== '')

/** The path of a node as the tree holds it. */
const treePath = p => `/${pathParts(p).join('/')}`

/** A subdirectory, as ops's type assertion finds it: a file or link there is a Go panic. */
function asDir(node) {
  if (isDirNode(node)) return node
  throw new GoPanic(
    `interface conversion: interface {} is ${isLinkNode(node) ? 'fs.link' : 'string'}, not map[string]interface {}`
  )
}

/** The manifest ops builds: the root filesystem's root tuple, and the boot filesystem's tree. */
function newManifest() {
  return {
    // key -> value: a string, a list, an object (a tuple); 'children' -> the directory tree
    root: new Map([
      ['children', new Map()],
      ['arguments', []],
      ['environment', {}]
    ]),
    boot: null
  }
}

const rootDir = m => m.root.get('children')

function mkDir(parent, name) {
  if (parent.has(name)) return asDir(parent.get(name))
  const dir = new Map()
  parent.set(name, dir)
  return dir
}

/** MkdirPath: every element of a '/'-separated path, as directories. */
function mkDirPath(parent, p) {
  let node = parent
  for (const part of p.split('/')) if (part !== '') node = mkDir(node, part)
  return node
}

/** The parent directory of a path's last element, made as needed, and that element. */
function parentOf(dir, filePath) {
  const parts = pathParts(filePath)
  if (parts.length === 0) throw new GoPanic('runtime error: index out of range [-1]') // parts[len(parts)-1]
  let node = dir
  for (const part of parts.slice(0, -1)) node = mkDir(node, part)
  return { node, name: parts[parts.length - 1] }
}

/** LookupFile without a target root: the host file must exist (links followed). */
function lookupHostFile(host) {
  try {
    fs.statSync(host)
  } catch (e) {
    if (e.code === 'ENOENT')
      throw new ManifestError(`file ${goQuote(host)} is missing: ${goFsError('stat', host, e)}`)
    throw new ManifestError(goFsError('stat', host, e))
  }
}

/** AddFileTo: the file at filePath below dir, from the host file (or bytes) of `file`. */
function addFileTo(dir, filePath, file) {
  const { node, name } = parentOf(dir, filePath)
  const old = node.get(name)
  if (old !== undefined && !isFileNode(old))
    out(`warning: file ${goQuote(filePath)} overriding an existing directory`)
  if (isFileNode(old) && old.host !== file.host)
    out(
      `warning: overwriting existing file ${goQuote(filePath)} hostpath old: ${old.host} new: ${goQuote(file.host)}\n`
    )
  if (!file.data) lookupHostFile(file.host)
  node.set(name, file)
}

/** AddLink: a link at filePath whose target is the host link's own target. */
function addLink(m, filePath, host) {
  const { node, name } = parentOf(rootDir(m), filePath)
  const old = node.get(name)
  if (old !== undefined && !isFileNode(old))
    out(`warning: file ${goQuote(filePath)} overriding an existing directory\n`)
  if (isFileNode(old) && old.host !== host)
    out(
      `warning: overwriting existing file ${goQuote(filePath)} hostpath old: ${goQuote(old.host)} new: ${goQuote(host)}\n`
    )
  lookupHostFile(host)
  let target
  try {
    target = fs.readlinkSync(host)
  } catch (e) {
    throw new ManifestError(`bad link: ${goFsError('readlink', host, e)}`)
  }
  node.set(name, { link: target })
  return target
}

/** FileExists: a file (not a directory or link) at that path. */
function fileExists(m, filePath) {
  const parts = pathParts(filePath)
  let node = rootDir(m)
  for (const part of parts.slice(0, -1)) {
    if (!node.has(part)) return false
    node = asDir(node.get(part))
  }
  return isFileNode(node.get(parts[parts.length - 1]))
}

/** The record's entry for a host file: its size and sha256 (null when it cannot be read). */
function fileFacts(host) {
  const st = fs.statSync(host)
  let sha256 = null
  try {
    sha256 = sha256File(host)
  } catch {
    // a directory listed in Files: ops fails when it writes the image
  }
  return { size: st.size, sha256 }
}

/**
 * AddDirectory: ops walks the entry from its working directory and puts every path it meets at
 * the same path in the image (the walk's own path: an absolute entry is read from the host's
 * root; a relative one keeps "./" or ".." elements as names). A link whose target is missing is
 * left out with a warning; any other link goes in as a link.
 */
function addDirectory(m, entry, records) {
  const error = goWalk(entry, (hostPath, st, walkError) => {
    if (walkError) return walkError
    const vmPath = hostPath
    const abs = path.resolve(process.cwd(), hostPath)
    if (st.isSymbolicLink()) {
      try {
        fs.statSync(hostPath)
      } catch (e) {
        out(`warning: ${goFsError('stat', hostPath, e)}\n`)
        return null
      }
      const target = addLink(m, vmPath, hostPath)
      records.push({ imagePath: treePath(vmPath), type: 'symlink', hostPath: abs, target })
      return null
    }
    if (st.isDirectory()) {
      let node = rootDir(m)
      for (const part of pathParts(vmPath)) {
        if (!node.has(part)) node.set(part, new Map())
        if (isFileNode(node.get(part)))
          throw new ManifestError(
            `directory ${goQuote(hostPath)} is conflicting with an existing file`
          )
        node = asDir(node.get(part))
      }
      records.push({ imagePath: treePath(vmPath), type: 'dir', hostPath: abs })
      return null
    }
    addFileTo(rootDir(m), vmPath, { host: hostPath })
    records.push({
      imagePath: treePath(vmPath),
      type: 'file',
      hostPath: abs,
      ...fileFacts(hostPath)
    })
    return null
  })
  if (error) throw new ManifestError(error)
}

/**
 * addMappedFiles: the key is split into a folder and a pattern (filepath.Split); ops walks the
 * folder and maps every path whose last element matches the pattern (a directory as an empty
 * directory, a link as a link, a file as a file) to dest/<path relative to the folder>.
 */
function addMappedFiles(m, src, dest, records) {
  const [dir, pattern] = goSplit(src)
  const error = goWalk(dir, (hostPath, st, walkError) => {
    if (walkError) return walkError
    const [hostDir, name] = goSplit(hostPath)
    if (!goMatch(pattern, name)) return null
    const vmPath = goJoin(dest, goRel(dir, hostDir), name)
    const abs = path.resolve(process.cwd(), hostPath)
    if (st.isDirectory()) {
      mkDirPath(rootDir(m), vmPath)
      records.push({ imagePath: treePath(vmPath), type: 'dir', hostPath: abs })
    } else if (st.isSymbolicLink()) {
      const target = addLink(m, vmPath, hostPath)
      records.push({ imagePath: treePath(vmPath), type: 'symlink', hostPath: abs, target })
    } else {
      addFileTo(rootDir(m), vmPath, { host: hostPath })
      records.push({
        imagePath: treePath(vmPath),
        type: 'file',
        hostPath: abs,
        ...fileFacts(hostPath)
      })
    }
    return null
  })
  if (error) throw new ManifestError(error)
}

/**
 * AddKlibs: the boot filesystem's /klib/<name> for each klib found in the klib folder (cloud_init
 * brings tls); a missing one is only reported. The root tuple then says klibs: "bootfs", found
 * or not.
 */
function addKlibs(m, names, hostDir, klibs) {
  if (names.length === 0) return
  if (!m.boot) m.boot = new Map()
  const dir = mkDir(m.boot, 'klib')
  const list = [...names]
  if (list.includes('cloud_init') && !list.includes('tls')) list.push('tls')
  for (const name of list) {
    const host = `${hostDir}/${name}`
    let found = true
    try {
      fs.statSync(path.resolve(process.cwd(), host))
    } catch (e) {
      found = e.code !== 'ENOENT'
    }
    if (found) {
      try {
        addFileTo(dir, name, { host: path.resolve(process.cwd(), host) })
        klibs.loaded.push(name)
      } catch (e) {
        if (!(e instanceof ManifestError)) throw e // ops ignores AddFileTo's error here
      }
    } else {
      out(`Klib ${goQuote(name)} not found in directory ${goQuote(hostDir)}\n`)
      klibs.missing.push(name)
    }
  }
  m.root.set('klibs', 'bootfs')
}

/**
 * The common files: ops extracts <opshome>/common.tar.gz into <opshome>/common/ on every build
 * and adds common/ca-certificates.crt (and, for x86-64, common/libnss_dns.so.2) at their system
 * paths. Without the tarball it would download it; the double never does, and like ops it then
 * goes on without them.
 */
const COMMON_IN_IMAGE = [
  ['libnss_dns.so.2', '/lib/x86_64-linux-gnu/libnss_dns.so.2', 'amd64'],
  ['ca-certificates.crt', '/etc/ssl/certs/ca-certificates.crt', null]
]

function addCommonFiles(m, opsHome, arch) {
  const dir = path.join(opsHome, 'common')
  fs.mkdirSync(dir, { recursive: true })
  const tarball = path.join(opsHome, 'common.tar.gz')
  if (!fs.existsSync(tarball)) return []
  extractTarGz(tarball, dir)
  const added = []
  for (const [name, imagePath, onlyArch] of COMMON_IN_IMAGE) {
    if (onlyArch && onlyArch !== arch) continue
    const host = path.join(dir, name)
    if (!fs.existsSync(host)) continue
    try {
      addFileTo(rootDir(m), imagePath, { host })
    } catch (e) {
      if (e instanceof ManifestError) return added // the error ends the common files; ignored
      throw e
    }
    added.push({ imagePath, hostPath: host, ...fileFacts(host) })
  }
  return added
}

/** ExtractPackage for ops's common files: directories and regular files of a gzipped tar. */
function extractTarGz(file, dest) {
  let tar
  try {
    tar = zlib.gunzipSync(fs.readFileSync(file))
  } catch (e) {
    out(`${e.code === 'Z_DATA_ERROR' ? 'gzip: invalid header' : e.message}\n`)
    throw new Exit(1)
  }
  const text = (at, len) => {
    const b = tar.subarray(at, at + len)
    const end = b.indexOf(0)
    return b.toString('utf8', 0, end < 0 ? len : end)
  }
  for (let at = 0; at + 512 <= tar.length;) {
    if (tar.subarray(at, at + 512).every(b => b === 0)) break
    const prefix = text(at + 345, 155)
    const name = (prefix ? `${prefix}/` : '') + text(at + 0, 100)
    const size = parseInt(text(at + 124, 12).trim() || '0', 8)
    const mode = parseInt(text(at + 100, 8).trim() || '644', 8)
    const type = String.fromCharCode(tar[at + 156])
    const data = at + 512
    const target = path.join(dest, name)
    if (type === '5') fs.mkdirSync(target, { recursive: true })
    else if (type === '0' || type === '\0') {
      fs.mkdirSync(path.dirname(target), { recursive: true })
      fs.writeFileSync(target, tar.subarray(data, data + size), { mode })
    }
    at = data + Math.ceil(size / 512) * 512
  }
}

/** Go's %p of a value ops cannot encode, as its error message shows it. */
function goBadValue(v) {
  if (v === null || v === undefined) return '%!p(<nil>)'
  if (typeof v === 'boolean') return `%!p(bool=${v})`
  if (typeof v === 'number') return `%!p(float64=${goFloat(v)})`
  return `%!p(${typeof v}=${String(v)})`
}

/** A float64 as Go's %v prints it (shortest digits; %e below exponent -4 and from 6 on). */
function goFloat(n) {
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN'
  if (n === 0) return Object.is(n, -0) ? '-0' : '0'
  const [mantissa, exp] = n.toExponential().split('e')
  const e = parseInt(exp, 10)
  if (e < -4 || e >= 6)
    return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`
  return String(n)
}

// ---------------------------------------------------------------------------------------------
// TFS: the filesystems Nanos reads (what ops's fs/tfs.go writes; src/image/tfs.ts reads them)
// ---------------------------------------------------------------------------------------------

const SECTOR = 512
const TFS_MAGIC = 'NVMTFS'
const LOG_EXTENSION_SECTORS = 1024
const LOG_EXTENSION_BYTES = LOG_EXTENSION_SECTORS * SECTOR
// records of the log
const LOG_END = 1
const LOG_TUPLE = 2
const LOG_TUPLE_MORE = 3
const LOG_LINK = 5
// types of an encoded value
const T_BUFFER = 0
const T_TUPLE = 1
const T_VECTOR = 2
const T_STRING = 4
/** Kept free at the end of every log extension: a link record (at most 21 bytes) and the end. */
const LOG_TAIL = 32
/** The largest header of a tuple record (kind, total length, length). */
const RECORD_HEADER_MAX = 21

/** The filesystem could not be written; the message is ops's. */
class TfsError extends Error {}

/** A number as the log writes it: 7 bits a byte, most significant first, 0x80 on all but the last. */
function varint(n) {
  const bytes = [n % 128]
  for (n = Math.floor(n / 128); n > 0; n = Math.floor(n / 128)) bytes.unshift(0x80 | (n % 128))
  return bytes
}

/**
 * Writes one TFS into the image open as fd, at `base`: the log's first sector (magic, version,
 * UUID, label) linked to 512 KiB log extensions, file data in whole sectors after them, and the
 * tuples of the tree as one record in the log. The symbol table, tuple and vector numbering and
 * the entry headers are those of the version (5: strings and vectors; 4: buffers, and lists as
 * tuples keyed "0", "1", ...). `limit` bounds the filesystem (0: it grows as needed).
 */
class TfsWriter {
  constructor(fd, base, limit, version) {
    this.fd = fd
    this.base = base
    this.limit = limit
    this.version = version
    this.allocated = 0
    this.entries = 0 // the decoder's dictionary: symbols, tuples and vectors, numbered from 1
    this.symbols = new Map()
    this.staged = []
    this.uuid = crypto.randomBytes(16)
    this.reserve(SECTOR)
    this.ext = this.extension(0, 1)
    this.uuid.copy(this.ext.buffer, this.ext.used)
    this.ext.used += this.uuid.length + 1 // the label: empty, and its NUL
    this.extend()
  }

  extension(offset, sectors) {
    const buffer = Buffer.alloc(sectors * SECTOR)
    const head = Buffer.from([
      ...Buffer.from(TFS_MAGIC, 'latin1'),
      ...varint(this.version),
      ...varint(sectors)
    ])
    head.copy(buffer)
    return { offset, buffer, used: head.length }
  }

  put(bytes) {
    const b = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes)
    b.copy(this.ext.buffer, this.ext.used)
    this.ext.used += b.length
  }

  reserve(bytes) {
    if (this.limit && this.allocated + bytes > this.limit)
      throw new TfsError(
        `available space (${this.limit - this.allocated} bytes) too small, required ${bytes}`
      )
    const at = this.allocated
    this.allocated += bytes
    return at
  }

  /** Links the current log extension to a new one at the end of the allocated space. */
  extend() {
    const at = this.reserve(LOG_EXTENSION_BYTES)
    this.put([LOG_LINK, ...varint(at / SECTOR), ...varint(LOG_EXTENSION_SECTORS)])
    this.writeExtension()
    this.ext = this.extension(at, LOG_EXTENSION_SECTORS)
  }

  writeExtension() {
    fs.writeSync(this.fd, this.ext.buffer, 0, this.ext.buffer.length, this.base + this.ext.offset)
  }

  stage(bytes) {
    this.staged.push(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes))
  }

  /** An entry's header: immediate or a reference, its type, and a length or dictionary index. */
  header(immediate, type, n) {
    const bits = this.version === 4 ? 5 : 3
    const width = n === 0 ? 0 : n.toString(2).length
    const more = width > bits ? Math.ceil((width - bits) / 7) : 0
    const bytes = [
      ((immediate ? 1 : 0) << 7) |
        (type << (bits + 1)) |
        (more ? 1 << bits : 0) |
        Math.floor(n / 2 ** (7 * more))
    ]
    for (let i = more - 1; i >= 0; i--)
      bytes.push((Math.floor(n / 2 ** (7 * i)) & 0x7f) | (i > 0 ? 0x80 : 0))
    this.stage(bytes)
  }

  symbol(name) {
    const index = this.symbols.get(name)
    if (index !== undefined) return this.header(false, T_BUFFER, index)
    const bytes = Buffer.from(name, 'utf8')
    this.header(true, T_BUFFER, bytes.length)
    this.stage(bytes)
    this.symbols.set(name, ++this.entries)
  }

  tupleHeader(count) {
    this.header(true, T_TUPLE, count)
    this.entries++
  }

  value(v) {
    if (typeof v === 'string') {
      const bytes = Buffer.from(v, 'utf8')
      this.header(true, this.version === 4 ? T_BUFFER : T_STRING, bytes.length)
      return this.stage(bytes)
    }
    if (Array.isArray(v)) {
      if (this.version === 4) return this.tuple(Object.fromEntries(v.map((x, i) => [String(i), x])))
      this.header(true, T_VECTOR, v.length)
      this.entries++
      for (const x of v) this.value(x)
      return
    }
    if (v !== null && typeof v === 'object' && !isDirNode(v)) return this.tuple(v)
    throw new TfsError(`unknown type of value ${goBadValue(v)}`)
  }

  tuple(object) {
    const entries = Object.entries(object)
    this.tupleHeader(entries.length)
    for (const [k, v] of entries) {
      this.symbol(k)
      this.value(v)
    }
  }

  /** A directory's "children": its entries, each a directory, a link or a file. */
  directory(dir) {
    this.symbol('children')
    this.tupleHeader(dir.size)
    for (const [name, node] of dir) {
      this.symbol(name)
      if (isDirNode(node)) {
        this.tupleHeader(1)
        this.directory(node)
      } else if (isLinkNode(node)) this.tuple({ linktarget: node.link })
      else this.file(node)
    }
  }

  /** A file: its bytes in whole sectors, and its tuple (filelength, one extent in sectors). */
  file(node) {
    const data = node.data ?? null
    let fd = null
    try {
      let size
      if (data) size = data.length
      else {
        try {
          fd = fs.openSync(node.host, 'r')
          size = fs.fstatSync(fd).size
        } catch (e) {
          throw new TfsError(
            `cannot open file ${goQuote(node.host)}: ${goFsError('open', node.host, e)}`
          )
        }
      }
      const sectors = Math.ceil(size / SECTOR)
      let extents = {}
      if (size > 0) {
        const at = this.reserve(sectors * SECTOR)
        if (data) fs.writeSync(this.fd, data, 0, data.length, this.base + at)
        else {
          const chunk = Buffer.allocUnsafe(1 << 20)
          let done = 0
          for (;;) {
            let n
            try {
              n = fs.readSync(fd, chunk, 0, chunk.length, null)
            } catch (e) {
              throw new TfsError(
                `cannot read file ${goQuote(node.host)}: ${goFsError('read', node.host, e)}`
              )
            }
            if (n === 0) break
            fs.writeSync(this.fd, chunk, 0, n, this.base + at + done)
            done += n
          }
        }
        const length = String(sectors)
        extents = { 0: { length, offset: String(at / SECTOR), allocated: length } }
      }
      this.tuple({ filelength: String(size), extents })
    } finally {
      if (fd !== null) fs.closeSync(fd)
    }
  }

  /** The staged tuples into the log (split across extensions as needed), then the end. */
  finish() {
    const data = Buffer.concat(this.staged)
    this.staged = []
    for (let done = 0; done < data.length;) {
      const room = this.ext.buffer.length - this.ext.used - LOG_TAIL - RECORD_HEADER_MAX
      if (room < 64) {
        this.extend()
        continue
      }
      const length = Math.min(data.length - done, room)
      this.put(
        done === 0
          ? [LOG_TUPLE, ...varint(data.length), ...varint(length)]
          : [LOG_TUPLE_MORE, ...varint(length)]
      )
      this.put(data.subarray(done, done + length))
      done += length
    }
    this.put([LOG_END])
    this.writeExtension()
    const size = this.limit || this.allocated
    if (fs.fstatSync(this.fd).size < this.base + size) fs.ftruncateSync(this.fd, this.base + size)
    return size
  }
}

/** One filesystem whose root tuple is `root` (key -> value, 'children' -> the tree). */
function writeTfs(fd, base, limit, version, root) {
  const t = new TfsWriter(fd, base, limit, version)
  t.tupleHeader(root.size)
  for (const [key, value] of root) {
    if (key === 'children') t.directory(asDir(value))
    else {
      t.symbol(key)
      t.value(value)
    }
  }
  return t.finish()
}

// ---------------------------------------------------------------------------------------------
// the partitions (what ops's fs/mkfs.go lays out)
// ---------------------------------------------------------------------------------------------

/** Room ops leaves after the boot code for the kernel's log dump. */
const KLOG_DUMP_SIZE = 4 * 1024
const UEFI_PART_SIZE = 33 * 1024 * 1024
const BOOT_FS_SIZE = 12 * 1024 * 1024
/** The boot code's "filesystem region" record, just before the partition table. */
const FS_REGION_AT = 434
const FS_REGION_TYPE = 12
const PARTITION_TABLE = 446
const PART_LINUX = 0x83
const PART_EFI = 0xef

/** A partition's CHS address as ops computes it (63 sectors a track, 255 heads, capped). */
function chsOf(offset) {
  const s = offset / SECTOR
  let cyl = Math.floor(s / 63 / 255)
  let head = Math.floor(s / 63) % 255
  let sec = (s % 63) + 1
  if (cyl > 1023) [cyl, head, sec] = [1023, 254, 63]
  // ops ORs the cylinder's high bits into the sector byte as they are (not shifted to bits 6-7)
  return [head, ((cyl >> 8) | sec) & 0xff, cyl & 0xff]
}

/** The four partition entries: each active, with its type, CHS and LBA start and length. */
function partitionTable(parts) {
  const table = Buffer.alloc(64)
  parts.forEach(([type, offset, size], i) => {
    const at = i * 16
    table[at] = 0x80
    table.set(chsOf(offset), at + 1)
    table[at + 4] = type
    table.set(chsOf(offset + size - SECTOR), at + 5)
    table.writeUInt32LE(offset / SECTOR, at + 8)
    table.writeUInt32LE(size / SECTOR, at + 12)
  })
  return table
}

/** SetFileSystemSize: digits and an optional k, m or g; anything else leaves the size unset. */
function parseVolumeSize(text) {
  const m = /^(\d+)(.*)$/.exec(text || '')
  if (!m) return 0
  const mul = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase()]
  if (mul === undefined) return 0
  return Math.ceil((Number(m[1]) * mul) / SECTOR) * SECTOR
}

// ---------------------------------------------------------------------------------------------
// the image: a bootable stand-in of a Nanos image (__tests__/harness/standin/kernel.c)
// ---------------------------------------------------------------------------------------------

// The mirror replaces this placeholder with the stand-in (boot sector + kernel) in base64, so
// build the sentinel in pieces. Unreplaced (the raw script), images carry no boot code.
const RAW_STANDIN = '__OPS_DOUBLE_STANDIN__'
const STANDIN_BASE64 = RAW_STANDIN === '__OPS_DOUBLE' + '_STANDIN__' ? '' : RAW_STANDIN

const PLAN_OFFSET = 64 * 1024
const RECORD_OFFSET = 128 * 1024
const REGION_SIZE = 64 * 1024
// SeaBIOS boots a hard disk by CHS: below 1008 sectors it may derive 0 cylinders and then fails
// with "Boot failed: could not read the boot disk". Real Nanos images are megabytes anyway.
const MIN_IMAGE_SIZE = 1024 * 1024
const PLAN_FILE_MAX = 4096
const PLAN_FILES_BUDGET = 32 * 1024
// What ops always writes into the root filesystem (ops-contract.md §5), byte for byte as the
// real ops 0.1.46 does (read back from a real image and by a program in a real boot).
const OPS_ADDED_FILES = {
  '/etc/passwd': 'root:x:0:0:root:/root:/bin/nobash',
  '/etc/resolv.conf': 'nameserver  8.8.8.8\n',
  '/proc/sys/kernel/hostname': 'uniboot'
}
const PROGRAM_MAGIC = 'NIA-PROGRAM v1\n'
const PROGRAM_END = 'NIA-PROGRAM-END\n'

/** A boot plan field: %XX for '%' and bytes outside printable ASCII; "%00" for empty text. */
function planField(value) {
  const bytes = Buffer.isBuffer(value) ? value : Buffer.from(String(value), 'utf8')
  if (bytes.length === 0) return '%00'
  let s = ''
  for (const b of bytes) {
    s +=
      b > 0x20 && b < 0x7f && b !== 0x25
        ? String.fromCharCode(b)
        : '%' + b.toString(16).toUpperCase().padStart(2, '0')
  }
  return s
}

/** The program's behaviour: the lines of its NIA-PROGRAM block, or null without one. */
function programScript(bytes) {
  const start = bytes.indexOf(PROGRAM_MAGIC)
  if (start < 0) return null
  const body = start + PROGRAM_MAGIC.length
  let end = bytes.indexOf(PROGRAM_END, body)
  while (end > body && bytes[end - 1] !== 0x0a) end = bytes.indexOf(PROGRAM_END, end + 1)
  if (end < 0) {
    warn('ops-double: NIA-PROGRAM block without its NIA-PROGRAM-END line: ignored')
    return null
  }
  const text = bytes.subarray(body, end).toString('utf8').replace(/\n$/, '')
  return text === '' ? [] : text.split('\n')
}

/**
 * The boot plan the stand-in kernel executes (format: the top of standin/kernel.c), made from
 * what `ops build` puts into the image: the Nanos version, argv, environment, mounts after
 * renumbering, the passthrough keys that matter at exit and for the syscall trace
 * (debugsyscalls), the klibs loaded, whether the root has a base volume (BaseVolumeSz), the
 * root filesystem's directories and small files, and the program's behaviour.
 */
function bootPlan(record, programBytes) {
  const lines = ['NIA-PLAN v1', `arch ${record.arch}`]
  lines.push(`nanos_version ${planField(record.nanosVersion)}`)
  lines.push(`program ${planField(record.program.imagePath)}`)
  for (const a of record.args) lines.push(`arg ${planField(a)}`)
  for (const [k, v] of Object.entries(record.env)) lines.push(`env ${planField(k)} ${planField(v)}`)
  for (const [label, target] of Object.entries(record.mounts.image))
    lines.push(`mount ${planField(label)} ${planField(target)}`)

  // Root tuple keys: passthrough keys, RebootOnExit and Debugflags (ops adds both as 't').
  const pass = record.passthrough || {}
  const keys = new Set(Object.keys(pass))
  if (record.manifest.RebootOnExit === true) keys.add('reboot_on_exit')
  for (const d of record.manifest.Debugflags || []) keys.add(d)
  const flags = ['debug_exit', 'reboot_on_exit', 'idle_on_exit', 'readonly_rootfs', 'debugsyscalls']
  for (const k of flags) if (keys.has(k)) lines.push(`flag ${k}`)
  // The klibs ops really put into the image (found in the klib directory), in the manifest's order.
  for (const k of record.klibs.loaded) lines.push(`klib ${planField(k)}`)
  const expected = pass.expected_exit_code
  for (const v of Array.isArray(expected) ? expected : expected === undefined ? [] : [expected])
    if (typeof v === 'string') lines.push(`expected_exit_code ${planField(v)}`)
  // BaseVolumeSz gives the root filesystem free space; without it the filesystem ends at its
  // last written block and a program's write to it fails with ENOSPC (ops-contract.md §5).
  const baseVolume = record.manifest.BaseVolumeSz
  if (typeof baseVolume === 'string' && baseVolume !== '')
    lines.push(`base_volume ${planField(baseVolume)}`)

  const dirs = new Set()
  const addParents = p => {
    for (let d = path.posix.dirname(p); d !== '/' && d !== '.'; d = path.posix.dirname(d))
      dirs.add(d)
  }
  // Regular files only (MapDirs and Dirs also bring folders and links), and none under a `.` or
  // `..` folder, which ops keeps as a name that Nanos cannot reach.
  const reachable = p => !p.split('/').some(part => part === '.' || part === '..')
  const regular = [
    ...record.files,
    ...record.dirs.filter(d => d.type === 'file'),
    ...record.mapDirs.filter(d => (d.type ?? 'file') === 'file')
  ].filter(f => reachable(f.imagePath))
  for (const p of [record.program.imagePath, ...Object.keys(OPS_ADDED_FILES)]) addParents(p)
  for (const f of regular) addParents(f.imagePath)
  for (const d of record.dirs) {
    addParents(d.imagePath)
    if (d.type === 'dir') dirs.add(d.imagePath)
  }
  for (const target of Object.values(record.mounts.image)) {
    addParents(target)
    dirs.add(path.posix.normalize(target))
  }
  for (const d of [...dirs].sort()) lines.push(`dir ${planField(d)}`)
  // The image's own files first: a file of the config at the same path comes later and wins.
  for (const [p, data] of Object.entries(OPS_ADDED_FILES))
    lines.push(`file ${planField(p)} ${planField(data)}`)
  let budget = PLAN_FILES_BUDGET
  for (const f of regular) {
    let data
    try {
      data = fs.readFileSync(f.hostPath)
    } catch {
      continue
    }
    if (data.length > PLAN_FILE_MAX || data.length > budget) continue
    budget -= data.length
    lines.push(`file ${planField(f.imagePath)} ${planField(data)}`)
  }

  const script = programScript(programBytes) ?? [
    `print hello from ${path.posix.basename(record.program.imagePath)}`
  ]
  for (const l of script) lines.push(`run ${planField(l)}`)
  lines.push('end')
  const plan = Buffer.from(lines.join('\n') + '\n\0', 'utf8')
  if (plan.length > REGION_SIZE)
    fatal(`ops-double: the boot plan takes ${plan.length} bytes, more than ${REGION_SIZE}`)
  return plan
}

/**
 * Writes the image, laid out like ops's (fs/mkfs.go), with the double's own parts where a Nanos
 * boot image's second stage would be:
 *   0        the MBR: the stand-in's boot sector (amd64 with a boot.img; else zeros), at 434 its
 *            "filesystem region" record (type 12 and the length of what follows the MBR up to
 *            the record's last sector: stand-in, plan, record; none without boot code), at 446
 *            the partition table, 0x55AA
 *   512      the stand-in kernel (amd64 with a boot.img), up to 64 KiB
 *   64 KiB   the boot plan
 *   128 KiB  the record `OPSDOUBLE-IMAGE v1\n{json}\n`, zeros to a sector boundary
 *   then     4 KiB for the kernel's log dump; with Uefi, the EFI system partition (33 MiB, left
 *            empty: no FAT); the boot filesystem (a TFS of 12 MiB: /kernel, /klib/<name>); the
 *            root filesystem (a TFS up to its last sector, or to BaseVolumeSz as ops pads the
 *            whole image): partitions 1, 2 (and 3), each active, type 0x83 (0xEF for the EFI one)
 *   then     filler outside every partition up to OPS_DOUBLE_IMAGE_SIZE (OPS_DOUBLE_IMAGE_FILL:
 *            program | zero | random)
 * Without boot code (arm64) the partitions follow the record all the same. A value the root
 * tuple cannot hold (a passthrough boolean, number or null) fails the write as it fails ops's:
 * the boot filesystem and the root log's first sector are written, no partition table, exit 1.
 */
function writeImage(imagePath, record, programHost, manifest, opts) {
  const prog = fs.readFileSync(programHost)
  const recordBytes = Buffer.from(`OPSDOUBLE-IMAGE v1\n${JSON.stringify(record)}\n`, 'utf8')
  const headEnd = Math.ceil((RECORD_OFFSET + recordBytes.length) / SECTOR) * SECTOR
  const head = Buffer.alloc(headEnd)
  if (opts.bootCode && STANDIN_BASE64) {
    const standin = Buffer.from(STANDIN_BASE64, 'base64')
    if (standin.subarray(FS_REGION_AT, 510).some(b => b !== 0))
      fatal(
        'ops-double: the stand-in boot sector uses bytes 434-509 (filesystem region, partitions)'
      )
    standin.copy(head, 0, 0, Math.min(standin.length, REGION_SIZE))
  }
  bootPlan(record, prog).copy(head, PLAN_OFFSET)
  recordBytes.copy(head, RECORD_OFFSET)
  if (opts.bootCode) {
    head.writeBigUInt64LE(BigInt(headEnd - SECTOR), FS_REGION_AT)
    head.writeUInt32LE(FS_REGION_TYPE, FS_REGION_AT + 8)
  }
  head[510] = 0x55
  head[511] = 0xaa
  const failed = (which, e) => {
    if (!(e instanceof TfsError)) throw e
    fatal(`failed creating image file: cannot write ${which} filesystem: ${e.message}`)
  }
  const fd = fs.openSync(imagePath, 'w')
  try {
    fs.writeSync(fd, head, 0, head.length, 0)
    const parts = []
    let at = headEnd + KLOG_DUMP_SIZE
    if (opts.uefi) {
      parts.push([PART_EFI, at, UEFI_PART_SIZE])
      at += UEFI_PART_SIZE
      fs.ftruncateSync(fd, at)
    }
    try {
      writeTfs(fd, at, BOOT_FS_SIZE, opts.tfsVersion, new Map([['children', manifest.boot]]))
    } catch (e) {
      failed('boot', e)
    }
    parts.push([PART_LINUX, at, BOOT_FS_SIZE])
    at += BOOT_FS_SIZE
    let end
    try {
      end = at + writeTfs(fd, at, 0, opts.tfsVersion, manifest.root)
    } catch (e) {
      failed('root', e)
    }
    if (opts.volumeSize > end) {
      fs.ftruncateSync(fd, opts.volumeSize)
      end = opts.volumeSize
    }
    parts.push([PART_LINUX, at, end - at])
    fs.writeSync(fd, partitionTable(parts), 0, 64, PARTITION_TABLE)
    writeFiller(fd, end, prog)
  } finally {
    fs.closeSync(fd)
  }
}

/** OPS_DOUBLE_IMAGE_SIZE: filler from `from` to that size (program | zero | random bytes). */
function writeFiller(fd, from, prog) {
  const requested = parseInt(process.env.OPS_DOUBLE_IMAGE_SIZE || '0', 10) || 0
  let left = Math.max(requested, MIN_IMAGE_SIZE) - from
  if (left <= 0) return
  const CH = 1 << 20
  const mode = process.env.OPS_DOUBLE_IMAGE_FILL || 'program'
  let block
  if (mode === 'zero') block = Buffer.alloc(CH)
  else if (mode === 'random') block = crypto.randomBytes(CH)
  else {
    block = Buffer.alloc(CH)
    if (prog.length > 0) for (let o = 0; o < CH; o += prog.length) prog.copy(block, o)
  }
  let at = from
  let counter = 0
  while (left > 0) {
    if (mode === 'random') {
      block.writeUInt32LE(counter >>> 0, 0)
      block.writeUInt32LE(Math.floor(counter / 0x100000000), 4)
      counter++
    }
    const n = Math.min(left, CH)
    fs.writeSync(fd, block, 0, n, at)
    at += n
    left -= n
  }
}

async function build(args, opsHome, latest) {
  const { flags, positional, help } = parseBuildArgs(args)
  if (help) {
    out('Build an image from ELF\n\n' + BUILD_USAGE)
    throw new Exit(0)
  }
  if (positional.length < 1) {
    cobraError(`requires at least 1 arg(s), only received ${positional.length}`, BUILD_USAGE, 1)
  }
  const arch = flags.arch || 'amd64'
  if (arch !== 'amd64' && arch !== 'arm64') {
    fatal(`unsupported architecture ${JSON.stringify(flags.arch)}: use amd64 or arm64`)
  }
  const kdirOf = v => (arch === 'arm64' ? `${v}-arm` : v)

  // PersistentPreRunE: extra arguments and the -c file (strict decoding) come first. One
  // argument after the program is let through (and ignored); from two on, ops names a flag that
  // one of them spells without its dash. cobra prints the error and the usage on stderr, exit 0.
  if (positional.length > 2) {
    const known = positional.slice(1).find(a => OPS_BUILD_FLAG_NAMES.includes(a))
    err(
      'Error: invalid argument or flag provided, use --help for usage information.' +
        (known === undefined
          ? ''
          : ` Probably what you mean was '-${known}' instead of '${known}'?`) +
        '\n'
    )
    err(BUILD_USAGE + '\n')
    throw new Exit(0)
  }
  const configPath = (flags.config || '').trim()
  let fileNode = null
  if (configPath) {
    let text
    try {
      text = fs.readFileSync(configPath, 'utf8')
    } catch (e) {
      err(`error reading config: ${goFsError('open', configPath, e)}\n`)
      throw new Exit(1)
    }
    let failure
    try {
      fileNode = decoderParse(renderConfigText(text))
      failure = decodeConfig(fileNode, {}, true)
    } catch (e) {
      if (!(e instanceof JsonError)) throw e
      failure = e
    }
    if (failure) {
      // cobra prints the error of PersistentPreRunE and the usage on stderr, and exits 0
      err(
        `Error: failed converting configuration file: ${failure.message}${syntaxErrorNear(failure, text)}\n` +
          'See more details at https://nanovms.gitbook.io/ops/configuration\n'
      )
      err(BUILD_USAGE + '\n')
      throw new Exit(0)
    }
  }

  // Handler: defaults, positional check, merge.
  const { cfg, source: defaultsSource } = loadDefaults()
  // checkProgramExists: the program, or a file of that name in the ops home, must exist
  const positionalProgram = positional[0]
  const inOpsHome = path.posix.join(opsHome, positionalProgram)
  if (!fs.existsSync(positionalProgram) && !fs.existsSync(inOpsHome))
    fatal(`error: ${positionalProgram}: ${goFsError('stat', inOpsHome, { code: 'ENOENT' })}`)
  cfg.Program = positionalProgram
  if (fileNode) decodeConfig(fileNode, cfg, true)

  // Nanos version
  let nanosVersion
  const requested = flags['nanos-version'] || ''
  if (requested) {
    const dir = path.join(opsHome, kdirOf(requested))
    if (!fs.existsSync(dir)) {
      info(`Downloading nanos release ${requested} (${arch})...`)
      fatal(`release '${requested}' is not found`)
    }
    delete cfg.Kernel
    delete cfg.Boot
    nanosVersion = requested
  } else {
    const local = readLocalLatest(opsHome)
    if (local === null) {
      // the real ops downloads the latest release on every build when latest.txt is missing
      const v = latest.remote ?? 'latest'
      info(`Downloading nanos release ${v} (${arch})...`)
      fatal(`release '${v}' is not found`)
    }
    nanosVersion = local
  }
  const kernelDir = path.join(opsHome, kdirOf(nanosVersion))
  const kernel = cfg.Kernel ? path.resolve(cfg.Kernel) : path.join(kernelDir, 'kernel.img')
  if (!fs.existsSync(kernel))
    fatal(`failed building image: ${goFsError('open', kernel, { code: 'ENOENT' })}`)
  // A release without boot.img (arm64) gives an image without boot code; a Boot that is missing
  // ends the build.
  let bootImg = null
  if (cfg.Boot) {
    bootImg = path.resolve(cfg.Boot)
    if (!fs.existsSync(bootImg)) fatal(`error: boot file '${cfg.Boot}' not found`)
  } else if (fs.existsSync(path.join(kernelDir, 'boot.img')))
    bootImg = path.join(kernelDir, 'boot.img')

  // Image name: only the text before the first '.' of the basename.
  const runConfigName = Object.entries(cfg.RunConfig || {}).find(
    ([k, v]) => k.toLowerCase() === 'imagename' && typeof v === 'string' && v
  )
  const rawName = flags.imagename || (runConfigName && runConfigName[1]) || cfg.Program
  let name = path.posix.basename(rawName).split('.')[0]
  if (!name) name = path.posix.basename(cfg.Program)
  const imageFile = path.join(opsHome, 'images', name)

  // Program (JSON Program replaced the positional one), relative to the current directory.
  const program = cfg.Program
  const programHost = path.resolve(process.cwd(), program)

  const fail = process.env.OPS_DOUBLE_FAIL || ''
  if (fail === 'hang') await hangForever()
  if (fail === 'exit1') {
    out(
      `${goTime()} ${color(RED, `failed building image ${name}: injected failure (OPS_DOUBLE_FAIL=exit1)`)}\n`
    )
    throw new Exit(1)
  }
  if (fail === 'panic') {
    err(
      'panic: injected failure (OPS_DOUBLE_FAIL=panic)\n\n' +
        'goroutine 1 [running]:\n' +
        'github.com/nanovms/ops/lepton.BuildImage({0xc0000a6000, 0x1e})\n' +
        '\t/home/runner/work/ops/ops/lepton/image.go:61 +0x3d5\n' +
        'github.com/nanovms/ops/cmd.buildCommandHandler(0xc0001b4c00, {0xc00019e0a0, 0x1, 0x5})\n' +
        '\t/home/runner/work/ops/ops/cmd/cmd_build.go:52 +0x2a5\n' +
        'main.main()\n\t/home/runner/work/ops/ops/ops.go:12 +0x1d\n'
    )
    throw new Exit(2)
  }

  // The onprem provider renumbers the mounts before anything goes into the manifest.
  const configDir = configPath ? path.posix.dirname(configPath) : '.'
  const mounts = cfg.Mounts
    ? processMounts(cfg.Mounts, opsHome, configDir)
    : { given: {}, image: {} }

  // BuildManifest (lepton/image.go), in its order; "failed building manifest: ..." on an error.
  const programArgs = [program, ...(cfg.Args || [])]
  const env = {
    USER: 'root',
    PWD: '/',
    OPS_VERSION,
    NANOS_VERSION: nanosVersion,
    NANOS_ARCH: arch === 'arm64' ? 'arm64' : 'amd64',
    IMAGE_NAME: name,
    ...(cfg.Env || {})
  }
  const passthrough = cfg.ManifestPassthrough || {}
  const klibHostDir = cfg.KlibDir || path.join(kernelDir, 'klibs')
  const klibs = { dir: path.resolve(process.cwd(), klibHostDir), loaded: [], missing: [] }
  const files = []
  const dirs = []
  const mapDirs = []
  const generated = []
  const m = newManifest()
  let commonFiles
  let programImagePath
  let machine
  let elfInfo
  let dynamic
  try {
    // BuildManifest: arm = strings.Contains(c.Kernel, "arm"), whatever --arch said: an x86-64
    // build in an ops home whose path contains "arm" fails as a mix of architectures.
    const kernelArch = kernel.includes('arm') ? 'arm64' : 'amd64'
    commonFiles = addCommonFiles(m, opsHome, kernelArch)
    programImagePath = addUserProgram(m, program, kernelArch)

    // setManifestFromConfig
    m.boot = new Map()
    try {
      addFileTo(m.boot, 'kernel', { host: kernel })
    } catch (e) {
      if (!(e instanceof ManifestError)) throw e
      out(`${e.message}\n`) // printed, and the build goes on
    }
    // ops's own files, written to a temporary folder first (<tmp>/<program>_temp<digits>, which
    // its warnings show; the double keeps the bytes in memory)
    const buildDir = path.join(
      os.tmpdir(),
      `${path.posix.basename(program)}_temp${crypto.randomBytes(4).readUInt32LE(0)}`
    )
    const ownFile = (imagePath, text) => {
      const data = Buffer.from(text, 'utf8')
      const host = path.join(buildDir, path.posix.basename(imagePath))
      addFileTo(rootDir(m), imagePath, { host, data })
      generated.push({
        imagePath,
        size: data.length,
        sha256: crypto.createHash('sha256').update(data).digest('hex')
      })
    }
    const nameServers =
      cfg.NameServers && cfg.NameServers.length > 0 ? cfg.NameServers : ['8.8.8.8']
    ownFile('/etc/resolv.conf', nameServers.map(ns => `nameserver  ${ns}\n`).join(''))
    ownFile('/proc/sys/kernel/hostname', 'uniboot')
    if (!fileExists(m, '/etc/passwd')) ownFile('/etc/passwd', 'root:x:0:0:root:/root:/bin/nobash')
    addKlibs(m, cfg.Klibs || [], klibHostDir, klibs)

    // Files: <cwd>/<entry>, a leading "/" included; the entry, uncleaned, is the path inside.
    for (const entry of cfg.Files || []) {
      const host = `${process.cwd()}/${entry}`
      addFileTo(rootDir(m), entry, { host })
      files.push({ imagePath: treePath(entry), hostPath: path.resolve(host), ...fileFacts(host) })
    }
    // MapDirs: keys resolve against the config file's directory (an absolute key as it is).
    for (const [key, dest] of Object.entries(cfg.MapDirs || {})) {
      for (const a of programArgs)
        if (a === goBase(dest))
          throw new ManifestError(`can't have directory with same name as binary ${a}`)
      addMappedFiles(m, key.startsWith('/') ? goClean(key) : goJoin(configDir, key), dest, mapDirs)
    }
    for (const entry of cfg.Dirs || []) addDirectory(m, entry, dirs)

    m.root.set('arguments', [...programArgs])
    if (cfg.RebootOnExit) m.root.set('reboot_on_exit', 't')
    for (const flag of cfg.Debugflags || []) m.root.set(flag, 't')
    for (const syscall of cfg.NoTrace || [])
      m.root.set('notrace', [...(m.root.get('notrace') || []), syscall])
    if (Object.hasOwn(cfg.Env || {}, 'RADAR_KEY')) {
      addKlibs(m, ['tls', 'radar'], klibHostDir, klibs)
      if (!Object.hasOwn(cfg.Env, 'RADAR_IMAGE_NAME')) env.RADAR_IMAGE_NAME = name
    }
    if (Object.hasOwn(passthrough, 'firewall')) addKlibs(m, ['firewall'], klibHostDir, klibs)
    for (const [label, target] of Object.entries(mounts.image)) {
      mkDirPath(rootDir(m), target.replace(/^\//, '').split(':')[0])
      m.root.set('mounts', { ...(m.root.get('mounts') || {}), [label]: target })
    }
    const rc = cfg.RunConfig || {}
    const validIp = v => (typeof v === 'string' && net.isIP(v) ? v : '')
    const network = (ip, ip6, gateway, netmask) => {
      m.root.set('ipaddr', ip)
      m.root.set('netmask', netmask)
      m.root.set('gateway', gateway)
      m.root.set('ip6addr', ip6)
    }
    // the --netmask flag's default (255.255.255.0) always replaces the config's NetMask
    const legacyNetwork = () => {
      if (validIp(rc.IPAddress) || rc.IPv6Address)
        network(validIp(rc.IPAddress), rc.IPv6Address || '', validIp(rc.Gateway), '255.255.255.0')
    }
    legacyNetwork()
    if ((rc.Ports || []).length > 0) env.OPS_PORT = rc.Ports.join(',')
    m.root.set('environment', env)

    // getSharedLibs
    machine = validateElf(programHost)
    elfInfo = elfDynamicInfo(programHost)
    dynamic = await sharedLibs(program, elfInfo)
    for (const lib of dynamic ? [dynamic.interpreter, ...dynamic.libraries] : []) {
      if (!lib) continue
      try {
        addFileTo(rootDir(m), lib.imagePath, { host: lib.hostPath })
      } catch (e) {
        if (!(e instanceof ManifestError)) throw e // ops ignores this error
      }
    }
    legacyNetwork()
    ;(rc.Nics || []).forEach((nic, i) => {
      if (i === 0) network(nic.IPAddress || '', '', nic.Gateway || '', nic.NetMask || '')
      else
        m.root.set(`en${i + 1}`, {
          ipaddr: nic.IPAddress || '',
          netmask: nic.NetMask || '',
          gateway: nic.Gateway || ''
        })
    })
    for (const [key, value] of Object.entries(passthrough)) m.root.set(key, value)
  } catch (e) {
    if (e instanceof ManifestError) fatal(`failed building manifest: ${e.message}`)
    throw e
  }

  // createImageFile: the UEFI loader (the first .efi file of the release), size, TFS version.
  if (cfg.Uefi) {
    const loader = fs
      .readdirSync(kernelDir, { withFileTypes: true })
      .filter(d => d.isFile() && d.name.endsWith('.efi'))
      .map(d => d.name)
      .sort()[0]
    if (!loader) {
      fs.writeFileSync(imageFile, '')
      fatal(
        'failed creating image file: this Nanos version does not support UEFI, consider changing image type'
      )
    }
  }
  const progStat = fs.statSync(programHost)

  const record = {
    argv: state.argv,
    cwd: process.cwd(),
    opsVersion: OPS_VERSION,
    opsHome,
    name,
    imagePath: imageFile,
    arch,
    nanosVersion,
    kernel,
    kernelSha256: sha256File(kernel),
    latestLookup: latest.remote === null ? 'offline' : latest.remote,
    defaultsSource,
    configPath: configPath || null,
    program: {
      imagePath: programImagePath,
      hostPath: programHost,
      size: progStat.size,
      sha256: sha256File(programHost),
      machine,
      interp: elfInfo ? elfInfo.interpreter : null,
      needed: elfInfo ? elfInfo.needed : []
    },
    args: programArgs,
    manifest: cfg,
    env,
    mounts,
    files,
    dirs,
    mapDirs,
    klibs,
    passthrough,
    generated,
    common: listFiles(path.join(opsHome, 'common')),
    commonFiles,
    interpreter: dynamic ? dynamic.interpreter : null,
    libraries: dynamic ? dynamic.libraries : [],
    tfsVersion: cfg.TFSv4 ? 4 : 5
  }

  const delay = parseInt(process.env.OPS_DOUBLE_DELAY_MS || '0', 10)
  if (delay > 0) await sleep(delay)

  ok(`building image ${name} (nanos ${nanosVersion}, ${arch})`)
  if (fail === 'noimage') {
    fs.rmSync(imageFile, { force: true })
    throw new Exit(0)
  }
  if (fail === 'missingfile') {
    fs.rmSync(imageFile, { force: true })
    out(`Bootable image file:${imageFile}\n`)
    throw new Exit(0)
  }
  writeImage(imageFile, record, programHost, m, {
    bootCode: bootImg !== null && arch === 'amd64',
    uefi: Boolean(cfg.Uefi),
    tfsVersion: record.tfsVersion,
    volumeSize: parseVolumeSize(cfg.BaseVolumeSz)
  })
  out(`Bootable image file:${imageFile}\n`)
  throw new Exit(0)
}

async function main() {
  fs = await import('node:fs')
  path = await import('node:path')
  os = await import('node:os')
  crypto = await import('node:crypto')
  http = await import('node:http')
  https = await import('node:https')
  tls = await import('node:tls')
  net = await import('node:net')
  childProcess = await import('node:child_process')
  zlib = await import('node:zlib')

  // Package init of the real ops: the ops home is created and latest.txt is looked up for EVERY
  // command, before the command line is even parsed.
  const opsHome = getOpsHome()
  const remote = await fetchLatest()
  if (remote === null) {
    out(color(YELLOW, 'version lookup failed, using local.\n'))
    if (readLocalLatest(opsHome) === null) {
      out(`${goTime()} ${color(RED, 'No local build found.')}\n`)
      throw new Exit(1)
    }
  }
  const latest = { remote }

  const args = state.argv
  const cmd = args[0]
  if (cmd === undefined || cmd === '-h' || cmd === '--help' || cmd === 'help') {
    out(ROOT_USAGE)
    throw new Exit(0)
  }
  if (cmd === 'version') {
    const local = readLocalLatest(opsHome)
    out(`Ops version: ${OPS_VERSION}\nNanos version: ${local ?? '0.0.0'}\n`)
    throw new Exit(0)
  }
  if (cmd === 'update') {
    const msg =
      '!!! ops-double: `ops update` MUST NEVER be run by the action: it replaces the running ' +
      'binary with the unversioned latest one without checking the download. Refused. !!!'
    out(color(RED, msg) + '\n')
    err(msg + '\n')
    throw new Exit(3)
  }
  if (cmd === 'build') return build(args.slice(1), opsHome, latest)
  if (cmd.startsWith('-')) cobraError(`unknown flag: ${cmd}`, ROOT_USAGE, 1)
  cobraError(`unknown command ${JSON.stringify(cmd)} for "ops"`, "Run 'ops --help' for usage.", 1)
}

main().then(
  () => {
    writeLog(0)
    process.exit(0)
  },
  e => {
    if (e instanceof Exit) {
      writeLog(e.code)
      process.exit(e.code)
    }
    process.stderr.write(
      `panic: ${e instanceof GoPanic ? e.message : e && e.stack ? e.stack : String(e)}\n\ngoroutine 1 [running]:\nmain.main()\n`
    )
    writeLog(2, { crash: String(e && e.message ? e.message : e) })
    process.exit(2)
  }
)
