import { describe, expect, it } from '@jest/globals'
import { looksSecret, scrub, secretKeys } from '../../src/image/secrets.js'

describe('looksSecret', () => {
  it.each([
    'API_TOKEN',
    'GITHUB_TOKEN',
    'client_secret',
    'DB_PASSWORD',
    'SMTP_PASSWD',
    'PRIVATE_KEY_PEM',
    'AWS_CREDENTIALS',
    'API_KEY',
    'STRIPE_APIKEY',
    'AUTH',
    'OAUTH_CLIENT',
    'AUTHORIZATION'
  ])('by its key: %s', key => expect(looksSecret(key, 'x')).toBe(true))

  it.each([
    'ghp_0123456789abcdefABCDEF0123456789abcd',
    'github_pat_11ABCDEFG0123456789_abcdefghijklmnop',
    'gho_0123456789abcdefABCDEF',
    'AKIAIOSFODNN7EXAMPLE',
    'sk_live_4eC39HqLyjWDarjtT1zdp7dc',
    'xoxb-123456789012-abcdefghij',
    '-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----',
    'postgres://prover:hunter2@db.internal:5432/proofs'
  ])('by its value: %s', value => expect(looksSecret('SETTING', value)).toBe(true))

  it.each([
    ['RUST_LOG', 'debug'],
    ['RUST_BACKTRACE', '1'],
    ['MODE', 'release'],
    ['GIT_AUTHOR_NAME', 'Ada'],
    ['URL', 'https://example.com/a:b@c'],
    ['DSN', 'postgres://db.internal/proofs'],
    ['GREETING', 'ghp is not a token']
  ])('not %s=%s', (key, value) => expect(looksSecret(key, value)).toBe(false))
})

describe('secretKeys and scrub', () => {
  it('lists the secret-looking keys in order', () => {
    expect(secretKeys({ A: '1', API_TOKEN: 't', B: 'ghp_abcdefghijklmnop' })).toEqual([
      'API_TOKEN',
      'B'
    ])
    expect(secretKeys(undefined)).toEqual([])
  })

  it('replaces every value, longest first, and leaves short ones', () => {
    expect(scrub('key=abcdef and abc, x=1', { K: 'abcdef', L: 'abc', M: '1' })).toBe(
      'key=*** and ***, x=1'
    )
  })
})
