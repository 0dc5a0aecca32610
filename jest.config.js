/** Jest 30 in ESM mode (run with --experimental-vm-modules, see package.json). */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }]
  },
  transformIgnorePatterns: ['node_modules/(?!(@actions)/)'],
  testMatch: ['**/__tests__/**/*.test.ts'],
  // Rebuilds dist/ when it was built from other sources (the e2e suites run dist/index.js).
  globalSetup: './__tests__/global-setup.mjs',
  collectCoverageFrom: ['src/**/*.ts'],
  // The end-to-end suites start processes and loopback servers; two workers fit a 2-core machine.
  maxWorkers: 2,
  testTimeout: 120000
}
