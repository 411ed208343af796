import { base } from './jest.base.config.js';

// Integration tests talk to the real services of the native stack (make up-local).
export default {
  ...base,
  displayName: 'integration',
  testMatch: ['**/*.int.test.ts'],
  testTimeout: 120_000,
};
