import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, loadTestConfig } from './testing/test-registry.js';

// The real entry point: starts from the environment, logs JSON with the URL, serves, and exits 0 on SIGTERM.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

it('when main starts and gets SIGTERM, then it serves /health, then closes and exits 0', async () => {
  const database = await createTestDatabase(loadTestConfig().REGISTRY_DATABASE_URL);
  let started: ChildProcessWithoutNullStreams | undefined;
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
      cwd: ROOT,
      env: { ...process.env, REGISTRY_PORT: '0', REGISTRY_DATABASE_URL: database.url, ARTIFACTS_BUCKET: 'registry-test', LOG_LEVEL: 'info' },
      stdio: 'pipe',
    });
    started = child;
    const lines: Record<string, unknown>[] = [];
    const url = await new Promise<string>((resolve, reject) => {
      child.on('exit', (code) => reject(new Error(`main exited early with ${code}`)));
      child.stdout.on('data', (chunk: Buffer) => {
        for (const line of chunk.toString().split('\n').filter(Boolean)) {
          const parsed = JSON.parse(line) as Record<string, unknown>;
          lines.push(parsed);
          if (parsed.msg === 'registry listening') resolve(parsed.url as string);
        }
      });
    });
    expect(lines.every((l) => l.service === 'registry' && typeof l.time === 'string')).toBe(true);
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(health.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    child.removeAllListeners('exit');
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(lines.some((l) => l.msg === 'shutting down' && l.signal === 'SIGTERM')).toBe(true);
  } finally {
    if (started && started.exitCode === null) started.kill('SIGKILL');
    await database.drop();
  }
});
