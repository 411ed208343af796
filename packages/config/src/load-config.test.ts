import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError, env, loadConfig } from './index.js';

const schema = z.object({
  PORT: env.port(9696),
  MLFLOW_TRACKING_URI: env.url(),
  DRIFT_REPORT_EVERY: env.duration('3h'),
  VERBOSE: env.bool(false),
});

describe('loadConfig', () => {
  it('when every variable is valid, then it returns typed values and defaults', () => {
    const config = loadConfig(schema, { env: { MLFLOW_TRACKING_URI: 'http://127.0.0.1:5051' } });
    expect(config).toEqual({ PORT: 9696, MLFLOW_TRACKING_URI: 'http://127.0.0.1:5051', DRIFT_REPORT_EVERY: 10_800_000, VERBOSE: false });
  });

  it('when a required variable is missing, then the error names it', () => {
    expect(() => loadConfig(schema, { env: {} })).toThrow(ConfigError);
    expect(() => loadConfig(schema, { env: {} })).toThrow(/MLFLOW_TRACKING_URI/);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['MLFLOW_TRACKING_URI', 'not a url'],
    ['DRIFT_REPORT_EVERY', 'every three hours'],
    ['VERBOSE', 'maybe'],
  ])('when %s is malformed (%s), then the error names it', (variable, value) => {
    const input = { MLFLOW_TRACKING_URI: 'http://x', [variable]: value };
    expect(() => loadConfig(schema, { env: input })).toThrow(new RegExp(`^invalid configuration: ${variable}:`));
  });

  it('when env files are given, then later files and the environment override earlier ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'config-'));
    writeFileSync(join(dir, 'a.env'), 'PORT=1\nMLFLOW_TRACKING_URI=http://a\n');
    writeFileSync(join(dir, 'b.env'), 'PORT=2\n');
    const config = loadConfig(schema, { envFiles: [join(dir, 'a.env'), join(dir, 'b.env'), join(dir, 'missing.env')], env: { VERBOSE: 'true' } });
    expect(config).toMatchObject({ PORT: 2, MLFLOW_TRACKING_URI: 'http://a', VERBOSE: true });
  });

  it('when a variable is an empty string, then the default applies', () => {
    expect(loadConfig(schema, { env: { MLFLOW_TRACKING_URI: 'http://x', PORT: '' } }).PORT).toBe(9696);
  });
});

describe('requiredInCloud', () => {
  const secured = z.object({ ...env.profile, API_KEY: z.string().optional(), OTHER_SECRET: z.string().optional() }).superRefine(env.requiredInCloud(['API_KEY', 'OTHER_SECRET']));

  it('given the local profile, when the secrets are unset, then the config loads', () => {
    expect(loadConfig(secured, { env: {} })).toEqual({ CHURN_PROFILE: 'local' });
  });

  it.each([
    ['missing', { OTHER_SECRET: 's' }, 'API_KEY'],
    ['empty', { API_KEY: '', OTHER_SECRET: 's' }, 'API_KEY'],
    ['missing', { API_KEY: 'k' }, 'OTHER_SECRET'],
  ])('given the cloud profile, when a secret is %s, then the error names it', (_case, secrets, variable) => {
    expect(() => loadConfig(secured, { env: { CHURN_PROFILE: 'cloud', ...secrets } })).toThrow(new RegExp(`^invalid configuration: ${variable}: must be set in the cloud profile`));
  });

  it('given the cloud profile, when every secret is set, then the config loads', () => {
    expect(loadConfig(secured, { env: { CHURN_PROFILE: 'cloud', API_KEY: 'k', OTHER_SECRET: 's' } })).toEqual({ CHURN_PROFILE: 'cloud', API_KEY: 'k', OTHER_SECRET: 's' });
  });

  it('when CHURN_PROFILE is neither local nor cloud, then the error names it', () => {
    expect(() => loadConfig(secured, { env: { CHURN_PROFILE: 'prod' } })).toThrow(/^invalid configuration: CHURN_PROFILE: must be local or cloud/);
  });
});
