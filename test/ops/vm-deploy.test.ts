import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './service-variables.js';

// The deploy workflow's remote half (scripts/ops/vm-deploy.sh) against a real git clone, a stand-in
// `make` that records its calls, and a /health stand-in that reports what the "predictor" serves.
const OLD = 'a'.repeat(32);
const NEW = 'b'.repeat(32);

const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd, encoding: 'utf8' });

function vm(): { app: string; fakeBin: string; makeLog: string } {
  const dir = mkdtempSync(join(tmpdir(), 'vm-deploy-'));
  const origin = join(dir, 'origin');
  mkdirSync(join(origin, 'scripts', 'ops'), { recursive: true });
  git(origin, 'init', '-q', '-b', 'main');
  for (const script of ['promote.sh', 'secrets-lib.sh']) copyFileSync(join(repoRoot, 'scripts', 'ops', script), join(origin, 'scripts', 'ops', script));
  writeFileSync(join(origin, '.env.cloud'), `RUN_ID=${OLD}\nMLFLOW_TRACKING_URI=\n`);
  git(origin, 'add', '.');
  git(origin, 'commit', '-q', '-m', 'old model');
  const app = join(dir, 'app');
  git(dir, 'clone', '-q', origin, app);
  // The promotion lands on main after the VM's last pull.
  writeFileSync(join(origin, '.env.cloud'), `RUN_ID=${NEW}\nMLFLOW_TRACKING_URI=\n`);
  git(origin, 'commit', '-q', '-am', 'promote');
  const fakeBin = join(dir, 'bin');
  const makeLog = join(dir, 'make.log');
  mkdirSync(fakeBin);
  // REFUSE_SECRETS makes its deploy-check fail, as the real one does on a missing secret.
  writeFileSync(
    join(fakeBin, 'make'),
    `#!/usr/bin/env bash\necho "$* $(sed -n 's/^RUN_ID=//p' .env.cloud)" >> ${makeLog}\n[ "$1" = deploy-check ] && [ -n "\${REFUSE_SECRETS:-}" ] && { echo "deploy-check: PREDICTOR_API_KEY is missing or empty" >&2; exit 1; }\nexit 0\n`,
  );
  chmodSync(join(fakeBin, 'make'), 0o755);
  writeFileSync(makeLog, '');
  return { app, fakeBin, makeLog };
}

/** /health stand-in: reports the run id `serves()` returns at each request. */
async function health(serves: () => string): Promise<{ server: Server; url: string }> {
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok', model_run_id: serves() })));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/health` };
}

function deploy(fakeBin: string, args: string[], extraEnv: Record<string, string> = {}): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', [join(repoRoot, 'scripts', 'ops', 'vm-deploy.sh'), ...args], {
      env: { ...process.env, PATH: `${fakeBin}:${process.env.PATH ?? ''}`, DEPLOY_POLL_S: '0.2', ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('close', (status) => resolve({ status, output }));
  });
}

const runIdIn = (app: string) => /^RUN_ID=(.*)$/m.exec(readFileSync(join(app, '.env.cloud'), 'utf8'))?.[1];

describe('deploy on the VM (scripts/ops/vm-deploy.sh)', () => {
  it('when the predictor comes up on the new run, then it pulls, restarts once and succeeds', async () => {
    const { app, fakeBin, makeLog } = vm();
    const stub = await health(() => runIdIn(app) ?? '');
    try {
      const result = await deploy(fakeBin, [NEW, OLD, app, stub.url, '5']);
      expect({ status: result.status, output: result.output }).toEqual({ status: 0, output: expect.stringContaining(`serves ${NEW}`) });
      expect(readFileSync(makeLog, 'utf8')).toBe(`deploy-check env=cloud ${NEW}\nstart-serve env=cloud ${NEW}\n`);
      expect(runIdIn(app)).toBe(NEW);
    } finally {
      stub.server.close();
    }
  }, 30_000);

  it('when the predictor never reports the new run, then it rolls back to the previous RUN_ID and fails', async () => {
    const { app, fakeBin, makeLog } = vm();
    const stub = await health(() => OLD);
    try {
      const result = await deploy(fakeBin, [NEW, OLD, app, stub.url, '1']);
      expect(result.status).toBe(1);
      expect(result.output).toContain(`rolling back to ${OLD}`);
      expect(readFileSync(makeLog, 'utf8')).toBe(`deploy-check env=cloud ${NEW}\nstart-serve env=cloud ${NEW}\nstart-serve env=cloud ${OLD}\n`);
      expect(runIdIn(app)).toBe(OLD);
    } finally {
      stub.server.close();
    }
  }, 30_000);

  it('when deploy-check refuses the secrets, then nothing restarts and the deploy fails naming the secret', async () => {
    const { app, fakeBin, makeLog } = vm();
    const result = await deploy(fakeBin, [NEW, OLD, app, 'http://127.0.0.1:9/health', '1'], { REFUSE_SECRETS: '1' });
    expect(result.status).toBe(1);
    expect(result.output).toContain('PREDICTOR_API_KEY is missing or empty');
    expect(result.output).toContain('refused by deploy-check');
    expect(readFileSync(makeLog, 'utf8')).toBe(`deploy-check env=cloud ${NEW}\n`);
  }, 30_000);

  it('when a rolled-back VM gets the next promotion, then the local edit does not block the pull', async () => {
    const { app, fakeBin } = vm();
    writeFileSync(join(app, '.env.cloud'), `RUN_ID=${OLD}\nMLFLOW_TRACKING_URI=\n# rolled back\n`);
    const stub = await health(() => runIdIn(app) ?? '');
    try {
      const result = await deploy(fakeBin, [NEW, OLD, app, stub.url, '5']);
      expect(result.status).toBe(0);
      expect(runIdIn(app)).toBe(NEW);
    } finally {
      stub.server.close();
    }
  }, 30_000);
});
