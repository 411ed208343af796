// Shared by the unit and integration configs: TypeScript through SWC, ES modules, and
// workspace packages resolved to their sources so tests never need a build.
export const base = {
  rootDir: import.meta.dirname,
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } }],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  roots: ['<rootDir>/packages', '<rootDir>/services', '<rootDir>/workflows', '<rootDir>/test'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
};
