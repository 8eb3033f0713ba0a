/** jest 30 + ts-jest ESM preset; type checking is done by `tsc --noEmit` in `npm test`. */
export default {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false }],
  },
  testTimeout: 120000,
  reporters: ['default', '<rootDir>/test/summary-reporter.cjs'],
};
