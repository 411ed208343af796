import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './stack-env.js';

// The seed script is the stack's own service-like main: it must refuse bad configuration with one
// line naming the variable, before touching any server.
const runSeed = (env: Record<string, string>) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'seed-local.ts')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ENV_FILE: '/dev/null', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });

const valid = { AWS_ACCESS_KEY_ID: 'key', AWS_SECRET_ACCESS_KEY: 'secret' };

describe('scripts/seed-local.ts configuration', () => {
  it('when a required variable is missing, then it exits 1 naming it', () => {
    const result = runSeed({ AWS_ACCESS_KEY_ID: 'key' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/invalid configuration: AWS_SECRET_ACCESS_KEY:/);
  }, 60_000);

  it('when a variable is malformed, then it exits 1 naming it', () => {
    const result = runSeed({ ...valid, AWS_ENDPOINT_URL_S3: 'not a url' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/invalid configuration: AWS_ENDPOINT_URL_S3: must be a URL/);
  }, 60_000);

  it('when the feature store is not an s3 URI, then it exits 1 naming FEATURE_STORE_URI', () => {
    const result = runSeed({ ...valid, FEATURE_STORE_URI: 'http://bucket/x' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/invalid configuration: FEATURE_STORE_URI:/);
  }, 60_000);
});
