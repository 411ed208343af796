import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { loadConfig } from '@churn/config';
import { createLogger } from '@churn/logger';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import { registryConfigSchema } from '../config.js';
import { createRegistryApp, type RegistryDeps } from '../server.js';
import type { Stores } from '../store/stores.js';

// The registry's auth alone, with fake stores: what the cloud profile requires and what it lets through.
const stores = { runs: { search: async () => ({ items: [] }) } } as unknown as Stores;
const artifacts = {} as unknown as ArtifactStore;
const SEARCH = '/api/2.0/mlflow/runs/search?experiment_ids=1';

async function listen(auth: RegistryDeps['auth']): Promise<{ base: string; close: () => Promise<void> }> {
  const app = createRegistryApp({ stores, artifacts, log: createLogger('test', { level: 'silent' }), ...(auth ? { auth } : {}) });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('registry config', () => {
  it.each([
    ['nothing', {}, 'MLFLOW_TRACKING_USERNAME'],
    ['a username only', { MLFLOW_TRACKING_USERNAME: 'ops' }, 'MLFLOW_TRACKING_PASSWORD'],
    ['an empty password', { MLFLOW_TRACKING_USERNAME: 'ops', MLFLOW_TRACKING_PASSWORD: '' }, 'MLFLOW_TRACKING_PASSWORD'],
  ])('given the cloud profile, when %s is set for auth, then loading fails naming %s', (_case, secrets, variable) => {
    const load = () => loadConfig(registryConfigSchema, { env: { CHURN_PROFILE: 'cloud', AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b', ...secrets } });
    expect(load).toThrow(new RegExp(`^invalid configuration: ${variable}: must be set in the cloud profile`));
  });

  it.each([
    ['basic credentials', { MLFLOW_TRACKING_USERNAME: 'ops', MLFLOW_TRACKING_PASSWORD: 'pw' }],
    ['a bearer token', { MLFLOW_TRACKING_TOKEN: 'tok' }],
  ])('given the cloud profile, when %s are set, then it loads', (_case, secrets) => {
    expect(loadConfig(registryConfigSchema, { env: { CHURN_PROFILE: 'cloud', AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b', ...secrets } }).CHURN_PROFILE).toBe('cloud');
  });

  it('given the local profile, when no auth is set, then it loads', () => {
    expect(loadConfig(registryConfigSchema, { env: { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' } }).MLFLOW_TRACKING_USERNAME).toBeUndefined();
  });
});

describe('registry with credentials (cloud profile)', () => {
  let registry: Awaited<ReturnType<typeof listen>>;
  beforeAll(async () => {
    registry = await listen({ username: 'ops', password: 'pw-9c1e', token: 'tok-77' });
  });
  afterAll(() => registry.close());

  it.each([
    ['no credentials', {}],
    ['a wrong password', { authorization: `Basic ${Buffer.from('ops:wrong').toString('base64')}` }],
    ['a wrong token', { authorization: 'Bearer wrong' }],
  ])('when the API is called with %s, then it answers 401 UNAUTHENTICATED', async (_case, headers) => {
    const response = await fetch(`${registry.base}${SEARCH}`, { headers });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error_code: 'UNAUTHENTICATED' });
  });

  it('when the UI is opened without credentials, then it answers 401 with a basic challenge', async () => {
    const response = await fetch(`${registry.base}/`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Basic realm="mlflow"');
  });

  it.each([
    ['basic credentials', `Basic ${Buffer.from('ops:pw-9c1e').toString('base64')}`],
    ['the bearer token', 'Bearer tok-77'],
  ])('when the API is called with %s, then it answers 200', async (_case, authorization) => {
    expect((await fetch(`${registry.base}${SEARCH}`, { headers: { authorization } })).status).toBe(200);
  });
});

describe('registry without credentials (local profile)', () => {
  it('when the API is called without credentials, then it answers 200', async () => {
    const registry = await listen(undefined);
    try {
      expect((await fetch(`${registry.base}${SEARCH}`)).status).toBe(200);
    } finally {
      await registry.close();
    }
  });
});
