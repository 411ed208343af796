import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '@churn/mlflow-client';

// Servers for the registry benchmarks: a fresh database each, and our registry as its own process.

/** Drops `name` if it exists (open sessions too) and creates it empty, unless only `drop` is asked. */
export async function recreateDatabase(adminUrl: string, name: string, options: { drop?: boolean } = {}): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  if (!options.drop) await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
}

async function waitHealthy(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not become healthy`);
}

/** Our registry as its own process, as deployed, so the load generator does not share its event loop. */
export async function startOurs(root: string, databaseUrl: string, port?: number): Promise<{ url: string; stop(): Promise<void> }> {
  const listen = port ?? (await freePort());
  const child = spawn(join(root, 'node_modules/.bin/tsx'), ['services/registry/src/main.ts'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, REGISTRY_PORT: String(listen), REGISTRY_DATABASE_URL: databaseUrl, ARTIFACTS_BUCKET: 'registry-bench', LOG_LEVEL: 'warn' },
  });
  const url = `http://127.0.0.1:${listen}`;
  await waitHealthy(url, child, 120_000);
  return {
    url,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
