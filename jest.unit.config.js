import { base } from './jest.base.config.js';

export default {
  ...base,
  displayName: 'unit',
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: [...base.testPathIgnorePatterns, '\\.int\\.test\\.ts$', '\\.e2e\\.test\\.ts$'],
};
