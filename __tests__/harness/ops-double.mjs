#!/usr/bin/env node
/*
 * ops-double: a strict test double of the Ops CLI (nanovms/ops), for the nanos-image-action tests.
 *
 * It imitates `ops build`, `ops version` and refuses `ops update`, following
 * /work/shared/reference/ops-contract.md, quirks included. Like ops, every command first looks
 * up latest.txt (see fetchLatest: through the environment's proxy, never beyond loopback).
 * A dynamically linked program is run with LD_TRACE_LOADED_OBJECTS=1 and the libraries the
 * loader lists go into the image, as ops does (see sharedLibs). The configuration is decoded
 * with the Go types of ops-config-schema.json. The "image" it writes boots a stand-in kernel
 * under QEMU and carries a record of what went in (see writeImage). Its boot plan (bootPlan)
 * names the Nanos version, the klibs loaded and the debugsyscalls key, so that the stand-in
 * prints the strace klib's syscall trace and has the 0.1.55 9p fault as the real kernel does.
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
 *   OPS_DOUBLE_IMAGE_SIZE  total image size in bytes (filler after the record)
 *   OPS_DOUBLE_IMAGE_FILL  program (default) | zero | random
 */

const RAW_VERSION = '__OPS_DOUBLE_VERSION__'
// The mirror replaces the placeholder above (every occurrence), so build the sentinel in pieces.
const OPS_VERSION = RAW_VERSION === '__OPS_DOUBLE' + '_VERSION__' ? '0.0.0-double' : RAW_VERSION

const RED = '\x1b[1;31m%s\x1b[0m'
const YELLOW = '\x1b[1;33m%s\x1b[0m'
const GREEN = '\x1b[1;32m%s\x1b[0m'
const BLUE = '\x1b[1;34m%s\x1b[0m'

let fs, path, os, crypto, http, https, tls, net, childProcess

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
  const bad = (c, ctx) => new JsonError(`invalid character ${goQuoteChar(c)} ${ctx}`)

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
        throw bad(text[i + k], `in literal ${word} (expecting ${goQuoteChar(word[k])})`)
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

/** Host path of a Files/Dirs entry: relative to the CURRENT directory, even with a leading '/'. */
function hostOf(entry) {
  return path.join(process.cwd(), entry.replace(/^\/+/, ''))
}
function imagePathOf(entry) {
  return path.posix.join('/', entry.replace(/^(\.\/)+/, ''))
}

function checkElf(progPath, arch) {
  let fd
  try {
    fd = fs.openSync(progPath, 'r')
  } catch (e) {
    fatal(goFsError('open', progPath, e))
  }
  const head = Buffer.alloc(64)
  let n
  try {
    n = fs.readSync(fd, head, 0, 64, 0)
  } catch (e) {
    fatal(goFsError('read', progPath, e))
  } finally {
    fs.closeSync(fd)
  }
  if (n < 4 || head.readUInt32BE(0) !== 0x7f454c46) fatal('only ELF binaries are supported')
  if (n < 20) fatal('unexpected EOF')
  const cls = head[4]
  const data = head[5]
  if (cls !== 2) fatal(`only 64-bit ELF binaries are supported (ELF class ${cls})`)
  if (data !== 1 && data !== 2) fatal(`unknown ELF data encoding ${data}`)
  const machine = data === 1 ? head.readUInt16LE(18) : head.readUInt16BE(18)
  const names = { 62: 'x86-64', 183: 'aarch64' }
  const want = arch === 'arm64' ? 183 : 62
  if (data !== 1 || machine !== want) {
    fatal(
      `failed building image: program ${progPath} is an ELF for ${names[machine] || 'machine ' + machine}` +
        `${data === 2 ? ' (big-endian)' : ''}, the target is ${arch} (${names[want]}); ` +
        'mixing architectures is not supported'
    )
  }
  return { machine: names[machine], class: 64 }
}

// ---------------------------------------------------------------------------------------------
// dynamically linked programs (lepton/ldd_linux.go)
// ---------------------------------------------------------------------------------------------

const PT_INTERP = 3
const PT_DYNAMIC = 2
const SHT_DYNAMIC = 6
const DT_NEEDED = 1

/**
 * What Go's debug/elf tells ops about a 64-bit little-endian ELF (checkElf accepts no other):
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
  if (buf.length < 64) return null
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
    } catch (e) {
      // fs.Manifest.AddFile: the host file must exist
      fatal(`failed building manifest: file "${lib}" is missing: ${goFsError('stat', lib, e)}`)
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

function walkDir(entry, out) {
  const host = hostOf(entry)
  const imagePath = imagePathOf(entry)
  let st
  try {
    st = fs.lstatSync(host)
  } catch (e) {
    fatal(`failed building image: ${goFsError('lstat', entry, e)}`)
  }
  if (st.isSymbolicLink()) {
    // ops adds a link to the host path, it does not follow it
    out.push({ imagePath, type: 'symlink', target: fs.readlinkSync(host), hostPath: host })
    return
  }
  if (st.isDirectory()) {
    out.push({ imagePath, type: 'dir', hostPath: host })
    for (const name of fs.readdirSync(host).sort()) walkDir(path.posix.join(entry, name), out)
    return
  }
  out.push({ imagePath, type: 'file', hostPath: host, size: st.size, sha256: sha256File(host) })
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

function processMounts(mounts, opsHome) {
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
  let next = 0
  for (const label of labels) {
    const target = mounts[label]
    if (/^%\d+$/.test(label) && !volumeExists(label)) {
      if (versionLess(OPS_VERSION, '0.1.41')) image[label] = target
      else if (!versionLess(OPS_VERSION, '0.1.42')) image[`%${next++}`] = target
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

function checkPassthrough(mp) {
  const bad = (v, p) => {
    if (typeof v === 'string') return null
    if (Array.isArray(v)) {
      for (let k = 0; k < v.length; k++) {
        const r = bad(v[k], `${p}[${k}]`)
        if (r) return r
      }
      return null
    }
    if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        const r = bad(x, `${p}.${k}`)
        if (r) return r
      }
      return null
    }
    return { p, type: v === null ? 'nil' : typeof v === 'boolean' ? 'bool' : 'float64' }
  }
  for (const [k, v] of Object.entries(mp || {})) {
    const r = bad(v, k)
    if (r) {
      fatal(
        `failed building image: error writing manifest: ManifestPassthrough ${JSON.stringify(r.p)}: ` +
          `value of type ${r.type} is not supported (only strings, arrays and objects)`
      )
    }
  }
}

const sleep = ms => new Promise(r => setTimeout(r, ms))

async function hangForever() {
  writeLog(null, { hang: true })
  await new Promise(() => setInterval(() => {}, 1 << 30))
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
  const regular = [
    ...record.files,
    ...record.dirs.filter(d => d.type === 'file'),
    ...record.mapDirs
  ]
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
 * Writes the image: at 0 the stand-in (boot sector + kernel; none for arm64), at 64 KiB the
 * boot plan, at 128 KiB the record `OPSDOUBLE-IMAGE v1\n{json}\n`, then filler up to
 * OPS_DOUBLE_IMAGE_SIZE (OPS_DOUBLE_IMAGE_FILL: program | zero | random), at least 1 MiB.
 */
function writeImage(imagePath, record, programHost) {
  const prog = fs.readFileSync(programHost)
  const head = Buffer.alloc(RECORD_OFFSET)
  if (record.arch === 'amd64' && STANDIN_BASE64) {
    const standin = Buffer.from(STANDIN_BASE64, 'base64')
    standin.copy(head, 0, 0, Math.min(standin.length, REGION_SIZE))
  }
  bootPlan(record, prog).copy(head, PLAN_OFFSET)
  const header = Buffer.from(`OPSDOUBLE-IMAGE v1\n${JSON.stringify(record)}\n`, 'utf8')
  const requested = parseInt(process.env.OPS_DOUBLE_IMAGE_SIZE || '0', 10) || 0
  const total = Math.max(requested, MIN_IMAGE_SIZE, RECORD_OFFSET + header.length)
  const fd = fs.openSync(imagePath, 'w')
  try {
    fs.writeSync(fd, head)
    fs.writeSync(fd, header)
    let left = total - RECORD_OFFSET - header.length
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
    let counter = 0
    while (left > 0) {
      if (mode === 'random') {
        block.writeUInt32LE(counter >>> 0, 0)
        block.writeUInt32LE(Math.floor(counter / 0x100000000), 4)
        counter++
      }
      const n = Math.min(left, CH)
      fs.writeSync(fd, block, 0, n)
      left -= n
    }
  } finally {
    fs.closeSync(fd)
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

  // PersistentPreRunE: extra arguments and the -c file (strict decoding) come first.
  if (positional.length > 1) {
    const extra = positional.length - 1
    const plural = extra === 1 ? 's' : ''
    out(
      `Error: invalid argument${plural} or flag${plural} provided, use --help for usage information.\n`
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
      out(
        `Error: failed converting configuration file: ${failure.message}\n` +
          'See more details at https://nanovms.gitbook.io/ops/configuration\n'
      )
      err(BUILD_USAGE + '\n')
      throw new Exit(0)
    }
  }

  // Handler: defaults, positional check, merge.
  const { cfg, source: defaultsSource } = loadDefaults()
  const positionalProgram = positional[0]
  try {
    fs.statSync(positionalProgram)
  } catch (e) {
    fatal(goFsError('stat', positionalProgram, e))
  }
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
  if (arch === 'amd64' && !cfg.Uefi) {
    const boot = cfg.Boot ? path.resolve(cfg.Boot) : path.join(kernelDir, 'boot.img')
    if (!fs.existsSync(boot))
      fatal(`failed building image: ${goFsError('open', boot, { code: 'ENOENT' })}`)
  }

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
  try {
    fs.statSync(programHost)
  } catch (e) {
    fatal(goFsError('open', program, e))
  }
  const elf = checkElf(program, arch)

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

  // Files: read relative to cwd; the entry is the path inside the image.
  const files = []
  for (const entry of cfg.Files || []) {
    const host = hostOf(entry)
    let st
    try {
      st = fs.statSync(host)
    } catch (e) {
      fatal(`failed building image: ${goFsError('stat', entry, e)}`)
    }
    if (st.isDirectory())
      fatal(`failed building image: ${goFsError('read', entry, { code: 'EISDIR' })}`)
    files.push({
      imagePath: imagePathOf(entry),
      hostPath: host,
      size: st.size,
      sha256: sha256File(host)
    })
  }
  const dirs = []
  for (const entry of cfg.Dirs || []) walkDir(entry, dirs)

  // MapDirs: keys resolve against the config file's directory.
  const mapDirs = []
  const configDir = configPath ? path.dirname(path.resolve(configPath)) : process.cwd()
  for (const [src, dest] of Object.entries(cfg.MapDirs || {})) {
    const base = path.resolve(configDir, src.replace(/\/\*$/, ''))
    if (!fs.existsSync(base))
      fatal(`failed building image: ${goFsError('stat', base, { code: 'ENOENT' })}`)
    const st = fs.statSync(base)
    const list = st.isDirectory() ? listFiles(base) : ['']
    for (const rel of list) {
      const host = rel ? path.join(base, rel) : base
      mapDirs.push({
        imagePath: path.posix.join('/', dest, rel || path.basename(base)),
        hostPath: host,
        sha256: sha256File(host)
      })
    }
  }

  // Klibs
  const klibDir = cfg.KlibDir
    ? path.resolve(process.cwd(), cfg.KlibDir)
    : path.join(kernelDir, 'klibs')
  const klibDirShown = cfg.KlibDir || klibDir
  const klibs = { dir: klibDir, loaded: [], missing: [] }
  for (const k of cfg.Klibs || []) {
    if (fs.existsSync(path.join(klibDir, k))) klibs.loaded.push(k)
    else {
      klibs.missing.push(k)
      warn(`Klib ${JSON.stringify(k)} not found in directory ${JSON.stringify(klibDirShown)}`)
    }
  }

  const mounts = cfg.Mounts ? processMounts(cfg.Mounts, opsHome) : { given: {}, image: {} }
  // getSharedLibs comes after the config's files, before the manifest is written
  const elfInfo = elfDynamicInfo(programHost)
  const dynamic = await sharedLibs(program, elfInfo)
  checkPassthrough(cfg.ManifestPassthrough)

  const opsEnv = {
    USER: 'root',
    PWD: '/',
    OPS_VERSION,
    NANOS_VERSION: nanosVersion,
    NANOS_ARCH: arch === 'arm64' ? 'arm64' : 'amd64',
    IMAGE_NAME: name
  }
  const env = { ...opsEnv, ...(cfg.Env || {}) }
  const programImagePath = imagePathOf(program)
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
      machine: elf.machine,
      interp: elfInfo ? elfInfo.interpreter : null,
      needed: elfInfo ? elfInfo.needed : []
    },
    args: [program, ...(cfg.Args || [])],
    manifest: cfg,
    env,
    mounts,
    files,
    dirs,
    mapDirs,
    klibs,
    passthrough: cfg.ManifestPassthrough || {},
    common: listFiles(path.join(opsHome, 'common')),
    interpreter: dynamic ? dynamic.interpreter : null,
    libraries: dynamic ? dynamic.libraries : []
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
  writeImage(imageFile, record, programHost)
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
      `panic: ${e && e.stack ? e.stack : String(e)}\n\ngoroutine 1 [running]:\nmain.main()\n`
    )
    writeLog(2, { crash: String(e && e.message ? e.message : e) })
    process.exit(2)
  }
)
