import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './service-variables.js';

const RUN = '0123456789abcdef0123456789abcdef';

/** A copy of the repository's promote script in a scratch root holding one env file. */
function scratch(trackingUri: string): { root: string; envFile: string } {
  const root = mkdtempSync(join(tmpdir(), 'promote-'));
  mkdirSync(join(root, 'scripts', 'ops'), { recursive: true });
  for (const script of ['promote.sh', 'secrets-lib.sh']) copyFileSync(join(repoRoot, 'scripts', 'ops', script), join(root, 'scripts', 'ops', script));
  const envFile = join(root, '.env.local');
  writeFileSync(envFile, `# served model\nRUN_ID=ffffffffffffffffffffffffffffffff\nMODEL_URI=\nMLFLOW_TRACKING_URI=${trackingUri}\n`);
  return { root, envFile };
}

function promote(root: string, ...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return promoteWith({}, root, ...args);
}

function promoteWith(env: Record<string, string>, root: string, ...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', [join(root, 'scripts', 'ops', 'promote.sh'), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** A registry stand-in answering runs/get: 200 for RUN, 404 otherwise; 401 without `authorization` when given (cloud). */
async function registry(authorization?: string): Promise<{ server: Server; url: string; asked: string[] }> {
  const asked: string[] = [];
  const server = createServer((req, res) => {
    const id = new URL(req.url ?? '/', 'http://x').searchParams.get('run_id') ?? '';
    asked.push(`${req.method} ${req.url?.split('?')[0]} ${id}`);
    if (authorization && req.headers.authorization !== authorization) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error_code":"UNAUTHENTICATED"}');
      return;
    }
    res.writeHead(id === RUN ? 200 : 404, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, asked };
}

describe('make promote (scripts/ops/promote.sh)', () => {
  it.each([['not-an-id'], ['0123456789ABCDEF0123456789ABCDEF'], ['']])('when RUN_ID is %p, then it refuses and leaves the file alone', async (id) => {
    const { root, envFile } = scratch('http://127.0.0.1:9');
    const before = readFileSync(envFile, 'utf8');
    const result = await promote(root, id, 'local');
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/RUN_ID must be a registry run id/);
    expect(readFileSync(envFile, 'utf8')).toBe(before);
  });

  it('when env is neither local nor cloud, then it refuses', async () => {
    const { root } = scratch('http://127.0.0.1:9');
    const result = await promote(root, RUN, 'prod');
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/env must be local or cloud/);
  });

  it('when the registry knows the run, then RUN_ID is rewritten in place and nothing else changes', async () => {
    const stub = await registry();
    try {
      const { root, envFile } = scratch(stub.url);
      const inode = statSync(envFile).ino;
      const result = await promote(root, RUN, 'local');
      expect(result.status).toBe(0);
      expect(stub.asked).toEqual([`GET /api/2.0/mlflow/runs/get ${RUN}`]);
      // Same inode: a single-file bind mount in a container keeps seeing the file.
      expect(statSync(envFile).ino).toBe(inode);
      expect(readFileSync(envFile, 'utf8')).toBe(`# served model\nRUN_ID=${RUN}\nMODEL_URI=\nMLFLOW_TRACKING_URI=${stub.url}\n`);
      expect(result.stdout).toContain(`RUN_ID ffffffffffffffffffffffffffffffff -> ${RUN}`);
    } finally {
      stub.server.close();
    }
  });

  it('when the registry does not know the run, then it refuses and leaves the file alone', async () => {
    const stub = await registry();
    try {
      const { root, envFile } = scratch(stub.url);
      const before = readFileSync(envFile, 'utf8');
      const result = await promote(root, 'abcdefabcdefabcdefabcdefabcdefab', 'local');
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/not found .*HTTP 404/);
      expect(readFileSync(envFile, 'utf8')).toBe(before);
    } finally {
      stub.server.close();
    }
  });

  it.each([
    ['basic credentials', { MLFLOW_TRACKING_USERNAME: 'ops', MLFLOW_TRACKING_PASSWORD: 'pw-1' }, `Basic ${Buffer.from('ops:pw-1').toString('base64')}`],
    ['a bearer token', { MLFLOW_TRACKING_TOKEN: 'tok-1' }, 'Bearer tok-1'],
  ])('given a registry that requires auth (cloud), when %s are in the environment, then it sends them and promotes', async (_case, credentials, authorization) => {
    const stub = await registry(authorization);
    try {
      const { root, envFile } = scratch(stub.url);
      const result = await promoteWith(credentials, root, RUN, 'local');
      expect(result.status).toBe(0);
      expect(readFileSync(envFile, 'utf8')).toContain(`\nRUN_ID=${RUN}\n`);
    } finally {
      stub.server.close();
    }
  });

  it('given a registry that requires auth (cloud), when no credentials are set, then it refuses naming the variables and leaves the file alone', async () => {
    const stub = await registry('Bearer tok-1');
    try {
      const { root, envFile } = scratch(stub.url);
      const before = readFileSync(envFile, 'utf8');
      const result = await promoteWith({ MLFLOW_TRACKING_USERNAME: '', MLFLOW_TRACKING_PASSWORD: '', MLFLOW_TRACKING_TOKEN: '' }, root, RUN, 'local');
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/refused the credentials \(HTTP 401\): set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, or MLFLOW_TRACKING_TOKEN/);
      expect(readFileSync(envFile, 'utf8')).toBe(before);
    } finally {
      stub.server.close();
    }
  });

  it('when the registry does not answer, then it warns and still promotes', async () => {
    const { root, envFile } = scratch('http://127.0.0.1:9');
    const result = await promote(root, RUN, 'local');
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(/did not answer/);
    expect(readFileSync(envFile, 'utf8')).toContain(`\nRUN_ID=${RUN}\n`);
  }, 30_000);
});
