import { base } from './jest.base.config.js';

// The whole flow, as a user lives it: the global setup trains through Temporal, promotes the best
// run and starts the predictors and the simulator on the native stack; the tests then check each
// part; the teardown stops what the setup started.
export default {
  ...base,
  displayName: 'e2e',
  testMatch: ['**/*.e2e.test.ts'],
  globalSetup: '<rootDir>/test/e2e/global-setup.mjs',
  globalTeardown: '<rootDir>/test/e2e/global-teardown.mjs',
  testTimeout: 300_000,
};
