import { base } from './jest.base.config.js';

export default {
  ...base,
  displayName: 'e2e',
  testMatch: ['**/*.e2e.test.ts'],
  testTimeout: 900_000,
};
