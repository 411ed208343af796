import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { loadConfig } from '@churn/config';
import { createLogger } from '@churn/logger';
import { registryConfigSchema, type RegistryConfig } from '../config.js';
import { startRegistry, type RunningRegistry } from '../server.js';

export interface TestRegistry extends RunningRegistry {
  config: RegistryConfig;
  api: (path: string, init?: { method?: string; body?: unknown; query?: Record<string, string | string[]>; raw?: string | Uint8Array; headers?: Record<string, string> }) => Promise<{ status: number; json: Record<string, unknown>; text: string }>;
}

/** A fresh, empty database on the server of `serverUrl`; drop() removes it even with open sessions. */
export async function createTestDatabase(serverUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `registry_test_${randomBytes(6).toString('hex')}`;
  const admin = new URL(serverUrl);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

export const loadTestConfig = (overrides: Partial<Record<string, string>> = {}) =>
  loadConfig(registryConfigSchema, { envFiles: [process.env['ENV_FILE'] ?? '.env.local'], env: { ...process.env, ...overrides } });

/** JSON calls to the registry at `baseUrl`; tests with several registries give each one its own. */
export function apiClient(baseUrl: string): TestRegistry['api'] {
  return async (path, init = {}) => {
    const target = new URL(path, baseUrl);
    for (const [k, v] of Object.entries(init.query ?? {})) for (const item of [v].flat()) target.searchParams.append(k, item);
    const response = await fetch(target, {
      method: init.method ?? (init.body === undefined && init.raw === undefined ? 'GET' : 'POST'),
      headers: { 'content-type': 'application/json', ...init.headers },
      body: init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
    });
    const text = await response.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // non-JSON bodies (artifact downloads) are read from text
    }
    return { status: response.status, json, text };
  };
}

/**
 * Starts the registry in-process on port 0 against the stack's PostgreSQL and S3, in a database of
 * its own (created here, dropped on close) so tests never see each other's rows.
 */
export async function startTestRegistry(overrides: Partial<Record<string, string>> = {}): Promise<TestRegistry> {
  const base = loadTestConfig(overrides);
  const database = await createTestDatabase(base.REGISTRY_DATABASE_URL);
  const config: RegistryConfig = {
    ...base,
    REGISTRY_PORT: 0,
    REGISTRY_DATABASE_URL: database.url,
    ARTIFACTS_BUCKET: overrides['ARTIFACTS_BUCKET'] ?? 'registry-test',
    LOG_LEVEL: 'silent',
  };
  const registry = await startRegistry(config, createLogger('registry-test', { level: 'silent' }));
  const api = apiClient(registry.url);
  return {
    ...registry,
    config,
    api,
    close: async () => {
      await registry.close();
      await database.drop();
    },
  };
}
