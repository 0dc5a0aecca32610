/**
 * Which environment entries look secret. `env` becomes the manifest's `Env`, which ops stores
 * in the image in plain text, so a secret there is readable by anyone who can download the
 * image. Pure.
 */

/** Key words of secret names; AUTH, but not AUTHOR (AUTHORIZATION is a secret). */
const SECRET_KEY = /TOKEN|SECRET|PASSWORD|PASSWD|PRIVATE|CREDENTIAL|API_?KEY|AUTH(?!OR(?!IZ))/i

/** Value shapes of well-known credentials. */
const SECRET_VALUE = [
  /^gh[pousr]_[A-Za-z0-9]{10,}/, // GitHub tokens: ghp_, gho_, ghu_, ghs_, ghr_
  /^github_pat_[A-Za-z0-9_]{10,}/,
  /^(AKIA|ASIA)[A-Z0-9]{16}$/, // AWS access key ids
  /^[sr]k_live_[A-Za-z0-9]{10,}/, // Stripe
  /^xox[a-z]-[A-Za-z0-9-]{10,}/, // Slack
  /-----BEGIN [A-Z0-9 ]+-----/, // PEM keys and certificates
  /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i // a URL with a password (a DSN)
]

export function looksSecret(key: string, value: string): boolean {
  return SECRET_KEY.test(key) || SECRET_VALUE.some(shape => shape.test(value))
}

/** The keys of `env` whose entries look secret, in order. */
export function secretKeys(env: Readonly<Record<string, string>> | undefined): string[] {
  return Object.entries(env ?? {})
    .filter(([key, value]) => looksSecret(key, value))
    .map(([key]) => key)
}

/** `text` with every value of `env` (of 3 characters or more) replaced by `***`. */
export function scrub(text: string, env: Readonly<Record<string, string>>): string {
  const values = [...new Set(Object.values(env))].filter(v => v.length >= 3)
  values.sort((a, b) => b.length - a.length)
  let out = text
  for (const value of values) out = out.split(value).join('***')
  return out
}
